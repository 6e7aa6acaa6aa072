"""One paper, one row, end to end through the fake Bot API: a paper three digests list is
one /paper answer (a card, not a list of look-alikes) naming every digest, in English and
in Chinese; each digest's overview still lists it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import BotApp
from bot.domain.render import plain_text
from bot.sandbox.fake_telegram import FakeBotApi
from tests.harness import Chat

pytestmark = pytest.mark.bundled

VOXPOSER = "VoxPoser: Composable 3D Value Maps for Robotic Manipulation with Language Models"


@pytest.fixture
def repeated(config_dir: Path) -> None:
    """Two more digests listing VoxPoser (one under a title written otherwise), before the
    bot starts."""
    for digest_id, week, title in (
        ("2024-w30", "2024-07-22", VOXPOSER),
        (
            "2024-w31",
            "2024-07-29",
            "VOXPOSER: composable 3D value maps for robotic manipulation with language models",
        ),
    ):
        (config_dir.parent / "content" / f"{digest_id}.md").write_text(
            f"# Week {week}\n\n## {title}\n\nRobots follow composed value maps.\n",
            encoding="utf-8",
        )
        with (config_dir / "digests.yaml").open("a", encoding="utf-8") as fh:
            fh.write(f"- id: {digest_id}\n  file: ../content/{digest_id}.md\n  week: {week}\n")


async def test_a_paper_in_three_digests_is_one_card(
    repeated: None, bot_app: BotApp, api: FakeBotApi
):
    chat = Chat(api)
    card = await chat.ask("/paper voxposer")
    text = plain_text(card.text)
    assert text.startswith(VOXPOSER)  # one card, not "3 papers match"
    assert "📅 From: Week 2024-07-22" in text  # the first listing by week: its text
    assert text.splitlines()[-1] == "🔁 Also in: 2024-w31, example"
    zh = plain_text((await Chat(api, lang="zh").ask("/paper voxposer")).text)
    assert zh.splitlines()[-1] == "🔁 另见于：2024-w31, example"
    assert "👥 作者：Wenlong Huang" in zh  # the authors only the example gives
    for digest_id in ("2024-w30", "2024-w31", "example"):
        overview = plain_text((await chat.ask(f"/digest {digest_id}")).text)
        assert "VoxPoser" in overview or "VOXPOSER" in overview, digest_id
