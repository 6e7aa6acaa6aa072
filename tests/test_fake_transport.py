"""The fake Telegram reached in-process (``FakeBotApi.request()``): no server, no sockets, and
the same checks, faults and records as over HTTP."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox.fake_telegram import FakeBotApi

TOKEN = "123:ABC"
CHAT = 4242


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB warns on every RetryAfter unless durations are opted in as timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_calls_take_the_servers_path_without_a_server() -> None:
    api = FakeBotApi()  # never started: there is no port
    api.add_chat(CHAT, "private", first_name="Ada")
    async with Bot(TOKEN, request=api.request()) as bot:
        me = await bot.get_me()
        sent = await bot.send_message(CHAT, "<b>hi</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match='unsupported start tag "think"'):
            await bot.send_message(CHAT, "<think>", parse_mode="HTML")
        api.inject_fault(kind="retry_after", retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "x")
        api.inject_fault(kind="drop")
        with pytest.raises(NetworkError, match="connection dropped"):
            await bot.send_message(CHAT, "x")
    assert me.username == "paper_digest_test_bot"
    assert sent.text == "hi" and sent.entities[0].type == "bold"
    assert [m.visible_text for m in api.messages_to(CHAT)] == ["hi"]
    statuses = [c.status for c in api.calls if c.method == "sendMessage"]
    assert statuses == [200, 400, 429, 0]
    with pytest.raises(RuntimeError, match="not started"):
        _ = api.port


async def test_token_is_checked_in_process() -> None:
    api = FakeBotApi(token=TOKEN)
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", request=api.request()):
            pass  # entering checks the token with getMe
    assert api.calls[-1].status == 401


async def test_application_polls_in_process() -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        button = InlineKeyboardButton("again", callback_data="again")
        await update.effective_message.reply_text(
            "hello", reply_markup=InlineKeyboardMarkup([[button]])
        )

    async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("done")

    api = FakeBotApi()
    app = (
        Application.builder()
        .token(TOKEN)
        .request(api.request())
        .get_updates_request(api.request())
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(again))
    api.send_message("/start", user_id=77)
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=5)  # runner.py's order
        await app.start()
        try:
            [reply] = await api.wait_for_messages(77)
            api.press_button(reply, "again", user_id=77)
            await api.wait_for(lambda: api.callback_answers, what="the toast")
        finally:
            await app.updater.stop()
            await app.stop()
    assert reply.text == "hello" and reply.callback_data == ["again"]
    assert [a.text for a in api.callback_answers] == ["done"]
    assert api.pending_updates == 0  # the updater confirmed what it handled
