"""A digest added from the chat survives another instance's restart (issue 23 item 2).

Two instances share one PostgreSQL database, each with its own config/ and content/ (as on
separate hosts with ephemeral disks). ✅ on A writes A's files; B's files never list the
digest, yet B's restart keeps it (and says so) instead of retiring it. Removing the entry
where the file is (A) still retires it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import BotConfig, Environment, load_config
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.services.ingestion import sync_content
from tests.conftest import ADMIN_ID, ROOT, edit_bot_yaml
from tests.harness import Chat

DIGEST = (
    b"# AI papers, week of 2025-05-19\n\n"
    b"1) **Lantern Search: Retrieval for Long Documents** - a retrieval method that halves "
    b"compute. [Paper](https://arxiv.org/abs/2505.01111)\n"
)


def instance(folder: Path, url: str) -> BotConfig:
    shutil.copytree(ROOT / "config", folder / "config")
    shutil.copytree(ROOT / "content", folder / "content")
    edit_bot_yaml(folder / "config", admins=[ADMIN_ID])
    return load_config(folder / "config" / "bot.yaml", Environment(database_url=url))


async def test_a_restart_elsewhere_keeps_a_digest_added_from_the_chat(
    tmp_path: Path, pg_url: str, api: FakeBotApi
) -> None:
    config_a = instance(tmp_path / "a", pg_url)
    config_b = instance(tmp_path / "b", pg_url)
    me = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    async with running_bot(config_a, api) as app_a:
        _head, part = await me.send_file("d.md", DIGEST, replies=2)
        _edit, done = await me.press(part, "u:1:a", records=2)
        assert done.text.startswith("✅ Added <b>2025-w21</b>")
        assert "2025-w21" not in (tmp_path / "b" / "config" / "digests.yaml").read_text()

        report = sync_content(config_b)  # B restarts: its files do not list 2025-w21
        assert report.retired == [] and report.kept == ["2025-w21"]
        assert (
            "kept: 2025-w21 (added from the chat on another instance; this instance's "
            "digests.yaml does not list it — copy its file and entry here to keep them alike)"
        ) in report.lines()
        app_a.bot_data.services.library.invalidate()
        overview = await me.ask("/digest 2025-w21")
        assert "Lantern Search" in overview.text
        assert app_a.bot_data.services.ledger.next_digest() == "2024-w09"
        assert "2025-w21" in [d for d, _w, _s in app_a.bot_data.services.ledger.upcoming()]

    # B's own bot starts on it and answers it too
    async with running_bot(config_b, api):
        assert "Lantern Search" in (await me.ask("/digest 2025-w21")).text

    # the admin removes the entry where the digest's file is (A): that retires it
    digests_a = tmp_path / "a" / "config" / "digests.yaml"
    text = digests_a.read_text()
    digests_a.write_text(text[: text.index("- id: 2025-w21")])
    report = sync_content(
        load_config(digests_a.parent / "bot.yaml", Environment(database_url=pg_url))
    )
    assert report.retired == ["2025-w21"]
    assert sync_content(config_b).retired == []  # B agrees: no longer kept, already retired
