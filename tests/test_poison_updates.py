"""An update python-telegram-bot cannot read is skipped, logged once and counted (issue 23
item 4): the fake Bot API hands out a message without its required ``chat`` and ``date``,
and the bot goes on answering the updates after it.
"""

from __future__ import annotations

import logging

import pytest

from bot.config import BotConfig
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID
from tests.harness import Chat


async def test_an_unreadable_update_is_skipped_logged_once_and_counted(
    e2e_config: BotConfig, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(e2e_config, api):
        me = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        # a message without the "chat" and "date" python-telegram-bot requires
        poison = api.updates.push("message", {"message_id": 1, "text": "/help"})
        reply = await me.ask("/help")  # queued after the poison one, in the same batch
        assert "/paper" in reply.text
        stats = await me.ask("/stats")
        assert stats.text.endswith("Unreadable updates skipped: 1")
        await api.wait_for(lambda: len(api.updates) == 0, 10, what="every update confirmed")
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped update")]
    assert len(skipped) == 1
    assert (
        skipped[0]
        .getMessage()
        .startswith(f"skipped update {poison['update_id']}: python-telegram-bot cannot read it (")
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
