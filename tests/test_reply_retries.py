"""People's replies survive a passing 5xx or dropped connection, and a 429 on a call
without a chat holds back only calls of that kind (issue 23 items 7 and 8), end to end
against the fake Bot API's injected faults.
"""

from __future__ import annotations

import time

from bot.config import BotConfig
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.harness import Chat

PERSON = 5101
OTHER = 5102


async def test_a_reply_refused_with_502_twice_is_tried_again_and_arrives(
    e2e_config: BotConfig, api: FakeBotApi
) -> None:
    async with running_bot(e2e_config, api):
        me = Chat(api, chat_id=PERSON, user_id=PERSON)
        fault = api.inject_fault("sendMessage", PERSON, "server_error", times=2, status=502)
        started = time.monotonic()
        reply = await me.ask("/help")
        assert fault.hits == 2
        assert reply.text != t("en", "error") and "/paper" in reply.text
        assert time.monotonic() - started < 2.5  # the tries fit in about 2 s

        dropped = api.inject_fault("sendMessage", PERSON, "drop", times=1)
        reply = await me.ask("/help")
        assert dropped.hits == 1 and "/paper" in reply.text


async def test_three_failed_tries_end_in_the_apology(e2e_config: BotConfig, api: FakeBotApi):
    async with running_bot(e2e_config, api):
        me = Chat(api, chat_id=PERSON, user_id=PERSON)
        fault = api.inject_fault("sendMessage", PERSON, "server_error", times=3, status=500)
        reply = await me.ask("/help")
        assert fault.hits == 3
        assert reply.text == t("en", "error")


async def test_a_429_on_button_answers_leaves_other_chats_replies_alone(
    e2e_config: BotConfig, api: FakeBotApi
) -> None:
    async with running_bot(e2e_config, api):
        me = Chat(api, chat_id=PERSON, user_id=PERSON)
        topics = await me.ask("/topics")
        fault = api.inject_fault("answerCallbackQuery", None, "retry_after", retry_after=10)
        api.press_button(topics, topics.callback_data[0], user_id=PERSON)
        await api.wait_for(lambda: fault.hits == 1, 15, what="the 429 on answerCallbackQuery")
        started = time.monotonic()
        reply = await Chat(api, chat_id=OTHER, user_id=OTHER).ask("/help")
        assert "/paper" in reply.text
        assert time.monotonic() - started < 2.0  # not the 10 s the button answers wait
