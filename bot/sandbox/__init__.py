"""Local stand-ins for Telegram: a fake Bot API server and a Telegram-HTML checker.

Import from the submodules: ``bot.sandbox.fake_api.FakeBotApi`` (needs aiohttp) and
``bot.sandbox.html_check.check_telegram_html`` (pure, no dependencies).
"""
