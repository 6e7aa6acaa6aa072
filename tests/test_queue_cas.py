"""/queue moves are a compare-and-swap on one shared state (issue 23 item 11).

Two instances on one PostgreSQL database and one config folder, each reached through its
own fake Bot API. A button drawn before the other instance's move is refused with a toast
(and the list redrawn), so presses made alternately on the two instances never move a
digest further than the presses that were accepted say; two presses at the same moment:
one is accepted, the other refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BotConfig, Environment, load_config
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import Chat


def data(queue: SentMessage, button: str) -> str:
    return next(d for d in queue.callback_data if d.startswith(button + ":"))


def order(config_dir: Path) -> list[str]:
    text = (config_dir / "digests.yaml").read_text()
    return [line.split("id: ")[1].strip() for line in text.splitlines() if "- id: " in line]


async def press(chat: Chat, queue: SentMessage, button: str) -> str:
    return await chat.press_for_answer(queue, data(queue, button))


async def redrawn(api: FakeBotApi, chat: Chat, queue: SentMessage) -> SentMessage:
    """The /queue message as the last press left it (edited in place)."""
    await api.wait_for(
        lambda: any(
            m.message_id == queue.message_id and m is not queue and m.text
            for m in chat.records[-3:]
        ),
        15,
        what="the redrawn queue",
    )
    return [m for m in chat.records if m.message_id == queue.message_id][-1]


@pytest.fixture
def config(config_dir: Path, pg_url: str) -> BotConfig:
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    return load_config(config_dir / "bot.yaml", Environment(database_url=pg_url))


async def test_presses_on_two_instances_are_compared_and_swapped(
    config: BotConfig, config_dir: Path
) -> None:
    async with (
        FakeBotApi() as api_a,
        FakeBotApi() as api_b,
        running_bot(config, api_a),
        running_bot(config, api_b, ingest=False),
    ):
        on_a = Chat(api_a, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        on_b = Chat(api_b, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        queue_a = await on_a.ask("/queue")
        queue_b = await on_b.ask("/queue")
        assert order(config_dir) == ["2024-w09", "2024-w16", "2024-w21"]

        assert await press(on_a, queue_a, "q:2024-w09:d") == t("en", "queue_changed")
        assert order(config_dir) == ["2024-w16", "2024-w09", "2024-w21"]
        # B's list was drawn before A's move: refused, nothing moves, B's list redrawn
        assert await press(on_b, queue_b, "q:2024-w09:d") == t("en", "queue_stale")
        assert order(config_dir) == ["2024-w16", "2024-w09", "2024-w21"]
        queue_b = await redrawn(api_b, on_b, queue_b)
        assert "2. <b>2024-w09</b>" in queue_b.text
        # B's fresh list works; now A's is the stale one
        assert await press(on_b, queue_b, "q:2024-w09:d") == t("en", "queue_changed")
        assert order(config_dir) == ["2024-w16", "2024-w21", "2024-w09"]
        queue_a = [m for m in on_a.records if m.message_id == queue_a.message_id][-1]
        assert await press(on_a, queue_a, "q:2024-w09:u") == t("en", "queue_stale")
        assert order(config_dir) == ["2024-w16", "2024-w21", "2024-w09"]

        # both press at once on lists of the same order: one wins, one is refused
        queue_a, queue_b = await on_a.ask("/queue"), await on_b.ask("/queue")
        answers_a, answers_b = len(api_a.callback_answers), len(api_b.callback_answers)
        api_a.press_button(queue_a, data(queue_a, "q:2024-w16:d"), user_id=ADMIN_ID)
        api_b.press_button(queue_b, data(queue_b, "q:2024-w16:d"), user_id=ADMIN_ID)
        await api_a.wait_for(lambda: len(api_a.callback_answers) > answers_a, 20, what="A")
        await api_b.wait_for(lambda: len(api_b.callback_answers) > answers_b, 20, what="B")
        toasts = sorted(
            [api_a.callback_answers[answers_a].text, api_b.callback_answers[answers_b].text]
        )
        assert toasts == sorted([t("en", "queue_changed"), t("en", "queue_stale")])
        assert order(config_dir) == ["2024-w21", "2024-w16", "2024-w09"]  # one place
