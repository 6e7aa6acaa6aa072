"""The delivery ledger under a long flood wait: a live delivery keeps its claim, so the
resume job never sends its parts a second time (crash and edit-then-resume cases are in
test_resilience.py). The real bot runs against the fake Bot API with faults injected there.
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
from tests.test_resilience import add_papers

FIRST = "2024-w09"
CLAIM_TIMEOUT = 5  # seconds: the smallest bot.yaml allows, so a stale claim shows fast


def duplicates(api: FakeBotApi, chats: list[int]) -> dict[int, int]:
    """Per chat, how many messages it received more than once."""
    counts = {c: Counter(m.text for m in api.messages_to(c)) for c in chats}
    extra = {c: sum(counted.values()) - len(counted) for c, counted in counts.items()}
    return {c: n for c, n in extra.items() if n}


async def test_a_long_429_never_sends_a_part_twice(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    add_papers(config_dir, 60, "Base")  # a post of 3 messages
    edit_bot_yaml(
        config_dir,
        admins=[ADMIN_ID],
        delivery={"workers": 6, "claim_timeout_seconds": CLAIM_TIMEOUT},
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
        # a 429 whose wait (12 s) outlasts the claim timeout: the resume job, every claim
        # timeout, finds the claim stale 5-10 s in unless it is renewed; later sends to the
        # chat take 3 s each on the wire, so a task that took the chat over would still be
        # sending its 3 messages when the wait ends
        api.inject_fault(chat_id=chats[0], kind="retry_after", retry_after=12)
        api.inject_fault(chat_id=chats[0], kind="delay", seconds=3, times=8)
        api.send_message("/postnow", chat_id=ADMIN_ID, user_id=ADMIN_ID)
        await api.wait_for(
            lambda: any("Published" in m.text for m in api.messages_to(ADMIN_ID)),
            120,
            what="/postnow report",
        )
        assert duplicates(api, chats) == {}
        for chat_id in chats:
            assert [m.text for m in api.messages_to(chat_id)] == post
