"""The admin's preview is capped like a post (issue 23 item 9): ``/preview <id>`` of a
2,000-paper digest, and the same digest uploaded, show the first 10 papers in full, then
how many more there are and the ``check --show`` command — a message or two, not 124.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import BotConfig
from bot.domain.preview import CHAT_PAPERS
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID
from tests.harness import Chat

PAPERS = 2000


def big_digest() -> bytes:
    lines = ["# AI papers, week of 2025-05-19\n"]
    for n in range(1, PAPERS + 1):
        lines.append(
            f"{n}) **Paper number {n}: scaling things up** - a summary of paper {n}. "
            f"[Paper](https://arxiv.org/abs/2505.{n:05d})\n"
        )
    return "".join(lines).encode()


def shown_papers(texts: list[str]) -> list[int]:
    return [n for n in range(1, PAPERS + 1) if any(f"Paper number {n}:" in t for t in texts)]


async def test_a_2000_paper_digest_uploaded_or_previewed_is_a_message_or_two(
    e2e_config: BotConfig, api: FakeBotApi, config_dir: Path
) -> None:
    data = big_digest()
    (config_dir.parent / "content" / "big.md").write_bytes(data)
    with (config_dir / "digests.yaml").open("a", encoding="utf-8") as out:
        out.write("- id: big\n  file: ../content/big.md\n")
    me = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    async with running_bot(e2e_config, api, ingest=False):
        header, *parts = await me.say("/preview big", 2)
        assert "1 message" in header.text
        assert len(me.records) == 2  # the header and one message, nothing after
        assert shown_papers([p.text for p in parts]) == list(range(1, CHAT_PAPERS + 1))
        assert parts[-1].text.endswith(
            "<i>… and 1990 more papers. Every paper and warning: </i>"
            "<code>python -m bot check --show big</code>"
        )

        head, upload = await me.send_file("big-upload.md", data, replies=2)
        assert "1 message" in head.text
        assert shown_papers([upload.text]) == list(range(1, CHAT_PAPERS + 1))
        assert "… and 1990 more papers." in upload.text
        assert upload.reply_markup is not None  # the ✅ 🗓 🆔 ❌ buttons under it
        assert len(me.records) == 4
