"""``python -m bot backup`` / ``restore`` / ``move-to``: every table of users' state, in a
format that round-trips byte for byte on SQLite and PostgreSQL, and a restored bot that
respects the delivery ledger (the next post goes only where it had not gone)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from bot import cli
from bot.app import BotApp
from bot.config import BotConfig, Environment, load_config
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.store.backup import (
    FORMAT,
    SKIPPED_TABLES,
    VERSION,
    BackupError,
    backed_up_tables,
    restore_backup,
    write_backup,
)
from bot.store.db import make_engine, migrate
from bot.store.models import Base
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import REPLY_TIMEOUT, Chat
from tests.test_publishing import expected_post
from tests.test_reading_poll import postnow, the_poll
from tests.test_uploads import DIGEST as UPLOAD

FAST = PublishSettings(workers=4, backoff_base=0.05, network_retries=3)
READER, GROUP, FORUM, CHAIR = 5101, -5102, -5103, 5104
FORUM_TOPIC = 7
# tables the search engines derive from ``papers`` (FTS5 on SQLite): rebuilt by triggers
DERIVED_PREFIXES = ("papers_fts", "papers_title_fts", "papers_trgm", "alembic_version")


def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same engine as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    base = db_url.split("?")[0]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}?options=-csearch_path%3D{schema},public"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def other_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_url(db_url, tmp_path)


@pytest.fixture
def bot_config(config_dir: Path, db_url: str) -> BotConfig:
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    return load_config(config_dir / "bot.yaml", Environment(database_url=db_url))


def python_m_bot(
    monkeypatch: pytest.MonkeyPatch, config: BotConfig, url: str, *args: str
) -> tuple[int, str, str]:
    """``python -m bot ARGS`` in this process with DATABASE_URL=url; (code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", url)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    code = cli.main([*args, "--config", str(config.path)])
    monkeypatch.undo()
    return code, out.getvalue(), err.getvalue()


async def use_the_bot(app: BotApp, api: FakeBotApi) -> None:
    """Leave a row in every table: subscriptions with a filter and a forum-topic target, a
    weekly post (publication, posts, deliveries), a poll with a vote, a reading list, a
    pending upload, a watch and a flag."""
    services = app.bot_data.services
    reader = Chat(api, chat_id=READER, user_id=READER)
    await reader.ask("/subscribe vision")
    await reader.ask("/watch genie")
    api.set_chat_member_status(GROUP, CHAIR, "administrator")
    group = Chat(api, chat_id=GROUP, user_id=CHAIR, chat_type="supergroup")
    await group.ask("/subscribe")
    await group.ask("/subscribe poll")
    api.add_chat(FORUM, "supergroup", title="Forum", is_forum=True)
    services.subscriptions.subscribe(FORUM, FORUM_TOPIC, chat_type="supergroup", title="Forum")
    assert "2024-w09" in await postnow(api)
    poll = await the_poll(api, GROUP)
    [row] = services.polls.for_chat(GROUP)
    api.vote(poll, [1], user_id=11)
    await api.wait_for(lambda: services.polls.tally(row.id)[1] == 1, REPLY_TIMEOUT, what="vote")
    paper = services.library.digest_papers("2024-w09")[0]
    services.reading.save(READER, paper.id, READER, "Reader")
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await admin.send_file("next week.md", UPLOAD, replies=2)  # previewed, never confirmed
    services.shared.bump_config_version()


def tables_with_rows(backup: str) -> dict[str, int]:
    return json.loads(backup.splitlines()[-1])["end"]["rows"]


# --------------------------------------------------------------------------- the tables


def test_every_table_is_backed_up_or_declared_skippable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    migrate(engine)
    out = io.StringIO()
    write_backup(engine, out)
    sections = {
        json.loads(line)["table"] for line in out.getvalue().splitlines() if '"table"' in line
    }
    for name, reason in SKIPPED_TABLES.items():
        assert name in Base.metadata.tables and reason, f"{name}: skipped without a reason"
    # every table of the models, and every table the migrations create, is in the file
    # unless declared skippable with the reason
    assert sections == set(Base.metadata.tables) - set(SKIPPED_TABLES)
    created = {
        name for name in inspect(engine).get_table_names() if not name.startswith(DERIVED_PREFIXES)
    }
    assert created - set(SKIPPED_TABLES) <= sections, "a table of the migrations is not backed up"
    engine.dispose()


# --------------------------------------------------------------------------- end to end


async def test_round_trip_and_the_ledger_after_restore(
    bot_config: BotConfig,
    other_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeBotApi() as api:
        async with running_bot(bot_config, api, publish_settings=FAST) as app:
            await use_the_bot(app, api)
            expected_next = {
                READER: expected_post(app, "2024-w16", topics=("vision",)),
                GROUP: expected_post(app, "2024-w16"),
                FORUM: expected_post(app, "2024-w16"),
            }
        first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
        code, out, err = python_m_bot(
            monkeypatch, bot_config, bot_config.database_url, "backup", str(first)
        )
        assert code == 0, err
        assert out.startswith(f"backup written: {first} (")
        backup = first.read_text(encoding="utf-8")
        header = json.loads(backup.splitlines()[0])
        assert (header["format"], header["version"]) == (FORMAT, VERSION)
        # the round trip covers every table: each holds at least one row here
        empty = [name for name, count in tables_with_rows(backup).items() if not count]
        assert not empty, f"add rows of {empty} to use_the_bot (or declare them skippable)"
        assert '"file":"config/digests.yaml"' in backup and '"file":"content/2024-02-26' in backup

        code, out, err = python_m_bot(monkeypatch, bot_config, other_url, "restore", str(first))
        assert code == 0, err
        assert "  deliveries: 3\n" in out
        # a second restore into the now full database is refused
        code, _, err = python_m_bot(monkeypatch, bot_config, other_url, "restore", str(first))
        assert code == 1 and "the database is not empty" in err and "--replace" in err
        code, _, err = python_m_bot(monkeypatch, bot_config, other_url, "backup", str(second))
        assert code == 0, err
        assert second.read_bytes() == first.read_bytes()

        # the restored bot: w09 went everywhere already, so the next post is w16, once each
        restored = load_config(bot_config.path, Environment(database_url=other_url))
        seen = {chat: len(api.messages_to(chat, method="sendMessage")) for chat in expected_next}
        async with running_bot(restored, api, publish_settings=FAST) as app:
            assert "2024-w16" in await postnow(api)
            for chat, post in expected_next.items():
                sent = api.messages_to(chat, method="sendMessage")[seen[chat] :]
                assert [m.text for m in sent] == post, chat
            # the reading list, the vote and the pending upload came along
            services = app.bot_data.services
            assert len(services.reading.entries(READER)) == 1
            assert services.subscriptions.get(GROUP) is not None


async def test_restore_replace_and_bad_files(
    bot_config: BotConfig, other_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = python_m_bot(monkeypatch, bot_config, bot_config.database_url, "ingest")
    assert code == 0, err
    backup = tmp_path / "b.jsonl"
    assert (
        python_m_bot(monkeypatch, bot_config, bot_config.database_url, "backup", str(backup))[0]
        == 0
    )
    # into the same, full database: only with --replace
    code, _, err = python_m_bot(
        monkeypatch, bot_config, bot_config.database_url, "restore", str(backup)
    )
    assert code == 1 and "the database is not empty (" in err
    assert "digests, topics, papers, paper_topics hold rows)" in err
    files = tmp_path / "files"
    code, _, err = python_m_bot(
        monkeypatch,
        bot_config,
        bot_config.database_url,
        "restore",
        str(backup),
        "--replace",
        "--files",
        str(files),
    )
    assert code == 0, err
    assert (files / "config" / "digests.yaml").read_bytes() == (
        bot_config.digests_path.read_bytes()
    )
    # a cut file and a file of something else: one line each, nothing loaded
    cut = tmp_path / "cut.jsonl"
    cut.write_text(
        "".join(backup.read_text(encoding="utf-8").splitlines(True)[:-1]), encoding="utf-8"
    )
    code, _, err = python_m_bot(monkeypatch, bot_config, other_url, "restore", str(cut))
    assert code == 1 and err == f"error: {cut}: the file ends early (cut short?): no end line\n"
    engine = make_engine(other_url)
    assert not engine.connect().execute(text("select count(*) from digests")).scalar()
    engine.dispose()
    other = tmp_path / "other.json"
    other.write_text('{"digests": []}\n', encoding="utf-8")
    code, _, err = python_m_bot(monkeypatch, bot_config, other_url, "restore", str(other))
    assert code == 1 and "not a backup of this bot" in err
    with pytest.raises(BackupError):
        restore_backup(make_engine(other_url), io.StringIO(""))
    assert backed_up_tables()
