"""digests.yaml and content/ written from the chat (bot/store/config_files.py), ``skip:`` in
the config, and pending uploads in the database (bot/store/pending.py, both databases)."""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig, ConfigError, Environment, load_config
from bot.content import load_content
from bot.domain.parsing.week import parse_week
from bot.services.uploads import propose_id
from bot.store import config_files
from bot.store.config_files import (
    ConfigEditError,
    NewDigest,
    ReadOnlyConfig,
    add_digest,
    entry_text,
    move_digest,
    set_skip,
)
from bot.store.content_repo import ingest
from bot.store.db import alembic_config, migrate
from bot.store.ledger import Ledger
from bot.store.pending import PendingUploads

NEW = NewDigest("2025-w21", ".md", b"# week\n", date(2025, 5, 19))
ENTRY = "- id: 2025-w21\n  file: ../content/2025-w21.md\n  week: 2025-05-19\n"

# comments everywhere, quotes, a long title, Chinese, a blank line: kept byte for byte
COMMENTED = """\
# Digests, oldest first.   (two spaces and a tab\t)

- id: 2024-w09   # the first one
  file: "../content/2024-02-26_weekly-ai-papers.txt"
  week: 2024-02-26
# between items
- id: '2024-w16'
  file: ../content/2024-04-15_ai-papers.txt
  title: "AI papers of the week: a very long title that goes on and on and on, past eighty columns"
  week: 2024-04-15   # a Monday

- id: 2024-w21
  file: ../content/2024-05-20_top-llm-papers-week4.txt
  title: 本周最重要的LLM论文 (2024年5月第四周)
  week: 2024-05-20
# the end
"""


def config_with(config_dir: Path, text: str) -> BotConfig:
    (config_dir / "digests.yaml").write_bytes(text.encode("utf-8"))
    return load_config(config_dir / "bot.yaml", Environment(database_url="sqlite://"))


NESTED = (
    "digests:\n  # ours\n  - id: 2024-w09\n    file: ../content/2024-02-26_weekly-ai-papers.txt\n"
)
LAYOUTS = {
    "commented": COMMENTED,
    "under a digests: key": NESTED,  # indented list items
    "empty": "",
    "comment only": "# nothing yet\n",
    "windows line endings": COMMENTED.replace("\n", "\r\n"),
    "no final newline": COMMENTED.rstrip("\n"),
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_add_keeps_every_byte_and_appends_one_loadable_entry(config_dir: Path, text: str):
    config = config_with(config_dir, text)
    written = add_digest(config, NEW)
    after = (config_dir / "digests.yaml").read_bytes().decode("utf-8")
    # the whole file as it was, then only the lines of the new entry, in the file's style
    newline = "\r\n" if "\r\n" in text else "\n"
    before = text if not text or text.endswith("\n") else text + newline
    indent = "  " if text.startswith("digests:") else ""
    expected = "".join(indent + line + newline for line in ENTRY.splitlines())
    assert after == before + expected
    assert written.file == (config_dir.parent / "content" / "2025-w21.md").resolve()
    assert written.file.read_bytes() == NEW.content
    reloaded = load_config(config_dir / "bot.yaml", Environment(database_url="sqlite://"))
    entry = reloaded.digests[-1]
    assert (entry.id, entry.file, entry.week) == ("2025-w21", written.file, date(2025, 5, 19))
    assert oct(written.file.stat().st_mode & 0o777) == oct(0o644)


@pytest.mark.parametrize(
    "text",
    [COMMENTED.replace("\n", "\r\n"), COMMENTED.rstrip("\n")],
    ids=["windows line endings", "no final newline"],
)
def test_a_move_and_its_undo_keep_line_endings_and_the_last_line(config_dir: Path, text: str):
    config = config_with(config_dir, text)
    path = config_dir / "digests.yaml"
    move_digest(config, "2024-w21", None, "2024-w09")
    moved = path.read_bytes().decode("utf-8")
    assert ("\r\n" in moved) == ("\r\n" in text)
    assert moved.count("\n") == text.count("\n")  # LF everywhere or CRLF everywhere
    move_digest(config, "2024-w21", None, "2024-w16")
    assert path.read_bytes() == text.encode("utf-8")


def test_the_entry_text_for_a_read_only_config_is_what_add_appends(config_dir: Path):
    config = config_with(config_dir, COMMENTED)
    assert entry_text(config, NEW) == ENTRY
    assert add_digest(config, NEW).entry_text == ENTRY


def test_a_taken_id_or_a_file_name_holding_other_text_is_refused(config_dir: Path):
    config = config_with(config_dir, COMMENTED)
    with pytest.raises(ConfigEditError, match="taken"):
        add_digest(config, NewDigest("2024-w09", ".md", b"x", None))
    (config_dir.parent / "content" / "2025-w21.md").write_bytes(b"someone else's")
    with pytest.raises(ConfigEditError, match="exists already"):
        add_digest(config, NEW)
    assert (config_dir / "digests.yaml").read_text(encoding="utf-8") == COMMENTED
    for bad in ("../etc", ".hidden", "a/b"):
        with pytest.raises(ConfigEditError):
            add_digest(config, NewDigest(bad, ".md", b"x", None))


def test_a_failed_yaml_write_leaves_no_digest_file(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    config = config_with(config_dir, COMMENTED)
    real = config_files._mkstemp

    def fail_for_yaml(folder: Path, name: str) -> tuple[int, str]:
        if name == "digests.yaml":
            raise OSError(errno.EROFS, "Read-only file system")
        return real(folder, name)

    monkeypatch.setattr(config_files, "_mkstemp", fail_for_yaml)
    with pytest.raises(ReadOnlyConfig) as caught:
        add_digest(config, NEW)
    assert caught.value.folder == config_dir.resolve()
    assert not (config_dir.parent / "content" / "2025-w21.md").exists()
    assert (config_dir / "digests.yaml").read_text(encoding="utf-8") == COMMENTED
    assert not [p for p in os.listdir(config_dir) if p.endswith(".tmp")]  # no temp left


def test_move_and_skip_keep_comments_and_change_only_the_order(config_dir: Path):
    config = config_with(config_dir, COMMENTED)
    move_digest(config, "2024-w21", "2024-w09", None)
    set_skip(config, "2024-w16", True)
    after = (config_dir / "digests.yaml").read_text(encoding="utf-8")
    reloaded = load_config(config_dir / "bot.yaml", Environment(database_url="sqlite://"))
    assert [(d.id, d.skip) for d in reloaded.digests] == [
        ("2024-w21", False),
        ("2024-w09", False),
        ("2024-w16", True),
    ]
    for line in COMMENTED.splitlines():
        assert line in after.splitlines(), line  # not one line lost or rewritten
    set_skip(config, "2024-w16", False)
    move_digest(config, "2024-w21", None, "2024-w16")
    # back where it was: the same text as before, apart from where a blank line sits
    restored = (config_dir / "digests.yaml").read_text(encoding="utf-8")
    assert sorted(restored.split("\n")) == sorted(COMMENTED.split("\n"))
    with pytest.raises(ConfigEditError):
        move_digest(config, "nope", "2024-w09", None)


def test_a_move_and_its_undo_give_back_the_same_bytes_comments_moving_with_their_entry(
    config_dir: Path,
):
    config = config_with(config_dir, COMMENTED)
    path = config_dir / "digests.yaml"
    move_digest(config, "2024-w21", None, "2024-w09")  # the last one up to second place
    moved = path.read_text(encoding="utf-8")
    # the blank line above 2024-w21 moved with it; "# between items" stays above 2024-w16
    assert "  week: 2024-02-26\n\n- id: 2024-w21\n" in moved
    assert "  week: 2024-05-20\n# between items\n- id: '2024-w16'\n" in moved
    assert moved.endswith("  week: 2024-04-15   # a Monday\n# the end\n")
    move_digest(config, "2024-w21", None, "2024-w16")
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_skip_must_be_true_or_false(config_dir: Path):
    with pytest.raises(ConfigError) as caught:
        config_with(config_dir, "- id: a\n  file: ../content/x.md\n  skip: yes please\n")
    assert caught.value.key == "[0].skip"


def test_weeks_and_proposed_ids():
    assert parse_week("2025-05-21") == date(2025, 5, 19)  # a Wednesday → its Monday
    assert parse_week("2025-W21") == parse_week("2025w21") == date(2025, 5, 19)
    assert parse_week("2025-W54") is None and parse_week("soon") is None
    assert propose_id(date(2025, 5, 19), set(), date(2025, 6, 1)) == "2025-w21"
    assert propose_id(date(2025, 5, 19), {"2025-w21"}, date(2025, 6, 1)) == "2025-w21-2"
    assert propose_id(date(2024, 12, 30), set(), date(2025, 6, 1)) == "2025-w01"  # ISO year
    assert propose_id(None, {"new-digest"}, date(2025, 6, 1)) == "new-digest-2"


def test_pending_uploads_live_in_the_database(factory: sessionmaker[Session]):
    pending = PendingUploads(factory)
    first = pending.create(1, 1, "a.md", ".md", b"\x00\xff bytes kept", "2025-w21", None)
    other = pending.create(1, 1, "b.md", ".md", b"b", "2025-w22", date(2025, 5, 26))
    assert PendingUploads(factory).get(first.id) == first  # another instance sees it
    assert pending.ask(first.id, 1, 1, "week")
    assert pending.awaiting_reply(1, 1).id == first.id
    assert pending.ask(other.id, 1, 1, "id")  # one question at a time per admin and chat
    assert pending.awaiting_reply(1, 1).id == other.id
    assert pending.get(first.id).awaiting is None
    assert pending.awaiting_reply(2, 1) is None
    assert pending.set_week(other.id, date(2025, 6, 2), "2025-w23")
    changed = pending.get(other.id)
    assert (changed.week, changed.digest_id, changed.awaiting) == (
        date(2025, 6, 2),
        "2025-w23",
        None,
    )
    taken = pending.take(first.id)
    assert taken is not None and taken.content == b"\x00\xff bytes kept"
    assert pending.take(first.id) is None  # only one taker
    pending.put_back(taken)
    assert pending.get(first.id).content == taken.content
    assert not pending.ask(999, 1, 1, "week")


def test_the_migration_adds_pending_uploads_and_skipped_and_downgrades(
    engine: Engine, config: BotConfig, factory: sessionmaker[Session]
):
    ingest(factory, load_content(config), config.taxonomy)
    PendingUploads(factory).create(1, 1, "a.md", ".md", b"x", "2025-w21", None)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        # back to before this migration (a migration after it, e.g. 0008_reading_polls,
        # goes down first and comes back with it)
        command.downgrade(cfg, "0007_reading_list")
    assert "pending_uploads" not in inspect(engine).get_table_names()
    assert "skipped" not in {c["name"] for c in inspect(engine).get_columns("digests")}
    assert migrate(engine) is True
    assert "skipped" in {c["name"] for c in inspect(engine).get_columns("digests")}
    assert Ledger(factory).upcoming()[0] == ("2024-w09", date(2024, 2, 26), False)
