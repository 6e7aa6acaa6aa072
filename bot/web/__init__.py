"""The archive as a Telegram Mini App: a web layer beside the handlers and jobs.

``server.build_web`` makes one Starlette app — the page (``static/``), a JSON API
(``api.py``) over the same services the handlers call (``queries.py``), checked per request
(``access.py``: Telegram's signed ``initData``, its age, a rate limit, the chat and its
membership) — and, in webhook mode, the webhook route, all served on ``$PORT`` by uvicorn in
the bot's event loop (``server.serving``). ``bot.app`` wires it when ``WEBAPP_URL`` is set.
"""
