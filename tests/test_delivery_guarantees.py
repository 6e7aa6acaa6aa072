"""The delivery ledger's guarantees under a long flood wait, a crash and an edit mid-run.

At-least-once: no chat misses a part; a duplicate only for a part on the wire when a
process died. The real bot runs against the fake Bot API with faults injected there.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.config import Environment, load_config
from bot.domain.render import weekly_post
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID, edit_bot_yaml

FIRST = "2024-w09"
CLAIM_TIMEOUT = 5  # seconds: the smallest bot.yaml allows, so a stale claim shows fast


def add_papers(config_dir: Path, count: int, tag: str) -> None:
    """Insert ``count`` made-up papers at the top of the first digest's file."""
    path = config_dir.parent / "content" / "2024-02-26_weekly-ai-papers.txt"
    header, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    papers = "".join(
        f"{tag} paper {n}: A Study of Things Number {n}\n\n{tag} 论文 {n}:关于事物的研究\n\n"
        + f"我们研究第 {n} 个问题。" * 40
        + "\n\n"
        for n in range(1, count + 1)
    )
    path.write_text(f"{header}\n\n{papers}{body}", encoding="utf-8")


def duplicates(api: FakeBotApi, chats: list[int]) -> dict[int, int]:
    """Per chat, how many messages it received more than once."""
    counts = {c: Counter(m.text for m in api.messages_to(c)) for c in chats}
    return {
        c: sum(n - 1 for n in k.values() if n > 1)
        for c, k in counts.items()
        if any(n > 1 for n in k.values())
    }


async def test_a_long_429_never_sends_a_part_twice(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    add_papers(config_dir, 60, "Base")  # a post of 3 messages
    edit_bot_yaml(
        config_dir, admins=[ADMIN_ID], delivery={"workers": 6, "claim_timeout_seconds": 5}
    )
    config = load_config(
        config_dir / "bot.yaml",
        Environment(database_url=f"sqlite:///{tmp_path / 'flood.sqlite3'}"),
    )
    settings = PublishSettings(workers=6, lease=timedelta(seconds=CLAIM_TIMEOUT))
    chats = list(range(4101, 4107))
    async with running_bot(config, api, publish_settings=settings) as app:
        services = app.bot_data.services
        for chat_id in chats:
            api.add_chat(chat_id, "private")
            services.subscriptions.subscribe(chat_id)
        library = services.library
        post = weekly_post(library.digest(FIRST), library.digest_papers(FIRST), "en")
        assert len(post) == 3
        # a wait well past the claim timeout: every request pauses behind it meanwhile
        api.inject_fault(kind="retry_after", retry_after=4 * CLAIM_TIMEOUT)
        api.send_message("/postnow", chat_id=ADMIN_ID, user_id=ADMIN_ID)
        await api.wait_for(
            lambda: any("Published" in m.text for m in api.messages_to(ADMIN_ID)),
            120,
            what="/postnow report",
        )
        print("COUNTS", {c: len(api.messages_to(c)) for c in chats}, [f.hits for f in api.faults])
        assert duplicates(api, chats) == {}
        for chat_id in chats:
            assert [m.text for m in api.messages_to(chat_id)] == post
