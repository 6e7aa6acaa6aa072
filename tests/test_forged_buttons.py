"""Forged and stale buttons end to end: whatever data a client sends, the bot answers the
query (the client's spinner stops) and logs no traceback.

A client can send any callback data, not only what the bot put on a button. Here the
"hostile client" is a message the test sends through the bot with the forged data on its
buttons, pressed like any other.
"""

from __future__ import annotations

import logging

import pytest
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.app import BotApp
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from tests.harness import Chat

pytestmark = pytest.mark.usefixtures("bot_app")

TOO_BIG = str(2**63)  # one above the largest BIGINT

# each gets the "out of date" toast and nothing else
FORGED = [
    f"p:{TOO_BIG}",
    "p:" + "9" * 23,
    f"pf:{TOO_BIG}",
    f"ps:{2**64}",
    f"tp:code:{TOO_BIG}",
    f"dl:{TOO_BIG}",
    "dl:5",  # the archive has one page
    "tp:code:40",  # past the topic's last page
    "dp:2024-w21:2",  # the digest has two pages
    f"dp:2024-w21:{TOO_BIG}",
    "dp:no-such-digest:0",
    "dl:-1",
    "p:0",
    "p:abc",
    "p:１２",
    "p:1:2",
    "p",
    ":",
    "noop:1",
    "zz:1",
    "garbage",
    "t:Code",
    "d:../etc",
    "\u202e" + "p:1",
]


async def forged_message(bot_app: BotApp, chat: Chat, data: str) -> SentMessage:
    """A message in ``chat`` whose one button carries ``data``."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("press me", callback_data=data)]])
    sent = await bot_app.bot.send_message(chat.chat_id, "forged", reply_markup=markup)
    [message] = [m for m in chat.records if m.message_id == sent.message_id]
    return message


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    problems = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert problems == [], [r.getMessage() for r in problems]


async def test_forged_buttons_get_the_out_of_date_toast(
    api: FakeBotApi, bot_app: BotApp, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    chat = Chat(api)
    await chat.ask("/help")  # the user opened the bot: now it may write to them
    stale = t("en", "stale_button")
    answers = {}
    for data in FORGED:
        message = await forged_message(bot_app, chat, data)
        answers[data] = await chat.press_for_answer(message, data)
    assert answers == dict.fromkeys(FORGED, stale)
    assert_no_traceback(caplog)
    assert [m.text for m in chat.records[1:]] == ["forged"] * len(FORGED)  # nothing else said


async def test_stale_buttons_with_well_formed_data_say_what_is_gone(
    api: FakeBotApi, bot_app: BotApp, caplog: pytest.LogCaptureFixture
):
    chat = Chat(api, lang="zh")
    await chat.ask("/help")
    expected = {
        "p:9223372036854775807": t("zh", "paper_gone"),  # the largest id: fine, just not ours
        "pf:123456": t("zh", "paper_gone"),
        "sp:nokey:0": t("zh", "expired"),
        "t:no-such-topic": t("zh", "expired"),
        "noop": "",
    }
    answers = {}
    for data in expected:
        message = await forged_message(bot_app, chat, data)
        answers[data] = await chat.press_for_answer(message, data)
    assert answers == expected
    assert_no_traceback(caplog)


async def test_a_query_with_empty_data_is_answered(
    bot_app: BotApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """Telegram cannot put empty data on a button, but a query may come without any; the
    library hands such a query to the first button handler whatever its pattern."""
    answered: list[tuple[str | None, str | None]] = []

    async def answer(self: CallbackQuery, text: str | None = None, **_kwargs: object) -> bool:
        answered.append((self.data, text))
        return True

    monkeypatch.setattr(CallbackQuery, "answer", answer)
    for update_id, data in enumerate(["", None], start=900_000):
        query = {
            "id": str(update_id),
            "from": {"id": 77, "is_bot": False, "first_name": "Eve", "language_code": "zh"},
            "chat_instance": "1",
            **({} if data is None else {"data": data}),
        }
        update = Update.de_json({"update_id": update_id, "callback_query": query}, bot_app.bot)
        await bot_app.process_update(update)
    assert answered == [("", t("zh", "stale_button")), (None, t("zh", "stale_button"))]
    assert_no_traceback(caplog)


@pytest.mark.parametrize("payload", ["paper_" + "9" * 23, f"paper_{TOO_BIG}", "paper_123456"])
async def test_deep_link_to_a_missing_paper_says_not_found(api: FakeBotApi, payload: str):
    reply = await Chat(api).ask(f"/start {payload}")
    assert reply.text == t("en", "paper_gone")
