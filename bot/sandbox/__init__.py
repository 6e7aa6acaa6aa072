"""Local stand-ins for Telegram: a fake Bot API, the bot run against it, a terminal chat.

``bot.sandbox.fake_telegram`` is the fake Telegram (``FakeBotApi``; one module per concern,
see its docstring), with ``fake_telegram.html_check`` (Telegram's HTML parse mode, pure);
``runner`` starts the real bot against it; ``terminal`` is ``python -m bot sandbox``.
"""
