"""A broadcast resumed after ``kill -9`` keeps its 📌 buttons (issue 23 item 5).

The first process is killed a third of the way through a 3-message post; before the
restart every title of the digest is renamed (the restart ingests the edit). The resumed
parts are the stored render (as before) and carry the very buttons the first parts
carried: stored with the render, not looked up again by the new titles.
"""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.fake_telegram import FakeBotApi
from tests.test_resilience import (
    add_papers,
    config_for,
    kill_a_third_through_then_restart,
    prepare,
    received,
    without_repeats,
)

CONTENT = "2024-02-26_weekly-ai-papers.txt"


def rename_every_title(config_dir: Path) -> None:
    path = config_dir.parent / "content" / CONTENT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("A Study of Things Number", "Renamed Work No."), encoding="utf-8")


async def test_resumed_parts_carry_the_buttons_of_the_first_parts(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
) -> None:
    add_papers(config_dir, 60, "Base")  # a post of 3 messages
    config = config_for(config_dir, f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    chats = list(range(22_001, 22_061))
    ledger, post = prepare(config, api, chats)
    assert len(post) == 3
    await kill_a_third_through_then_restart(
        config,
        api,
        ledger,
        len(chats) * len(post),
        tmp_path,
        before_restart=lambda: rename_every_title(config_dir),
    )
    got = received(api, chats)
    assert {c for c, texts in got.items() if without_repeats(texts) != post} == set()

    def buttons(chat_id: int) -> list[list[tuple[str, str]]]:
        seen: list[list[tuple[str, str]]] = []
        for message in api.messages_to(chat_id):
            pairs = [(b["text"], b["callback_data"]) for b in message.buttons]
            if not seen or seen[-1] != pairs:  # a resent part kept once
                seen.append(pairs)
        return seen

    first = buttons(chats[0])  # delivered before the kill
    assert len(first) == 3 and all(first)  # every message has its 📌 buttons
    assert sum(len(part) for part in first) == 60 + 15  # the added papers and the seed's
    assert all("Renamed" not in label for part in first for label, _data in part)
    assert {c for c in chats if buttons(c) != first} == set()
