"""Issue 22's small points: ``/subscribe poll extra`` gets a clear answer, and ``/digest
latest`` is the digest the chats got last (or, before any post, the one posted next), never
a newer week the queue has not reached.
"""

from __future__ import annotations

from bot.app import BotApp
from bot.domain.delivery import PublishTrigger
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi
from tests.harness import Chat


async def test_poll_with_more_words_says_how_to_switch_the_poll(bot_app: BotApp, api: FakeBotApi):
    chat = Chat(api, chat_id=6001, user_id=6001)
    for command in ("subscribe", "unsubscribe"):
        for text in (f"/{command} poll extra", f"/{command} vision poll"):
            answer = await chat.ask(text)
            assert answer.text == t("en", "poll_alone", command=command)
    on = await chat.ask("/subscribe poll")  # alone it still switches the poll
    assert on.text != t("en", "poll_alone", command="subscribe")


async def test_digest_latest_is_the_newest_posted_or_the_next(bot_app: BotApp, api: FakeBotApi):
    services = bot_app.bot_data.services
    chat = Chat(api, chat_id=6002, user_id=6002)
    # nothing posted: the first in the queue (2024-w09), not the newest week (2024-w21)
    latest = await chat.ask("/digest latest")
    first = await chat.ask("/digest 2024-w09")
    assert latest.text == first.text
    await services.publisher.publish("2024-w09", PublishTrigger.POSTNOW)
    assert (await chat.ask("/digest latest")).text == first.text
    await services.publisher.publish("2024-w16", PublishTrigger.POSTNOW)
    second = await chat.ask("/digest 2024-w16")
    assert (await chat.ask("/digest latest")).text == second.text
    assert (await chat.ask("/digest")).text == second.text
