"""The reading list's store (bot/store/reading.py) on SQLite and PostgreSQL: idempotent
saves, removal, read marks, paging newest first, top counts, chat migration, cascade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.content import load_content
from bot.store.content_repo import ingest
from bot.store.models import Paper
from bot.store.reading import ReadingList, TopPaper
from bot.store.subscriptions import Subscriptions

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def paper_ids(config: BotConfig, factory: sessionmaker[Session]) -> list[int]:
    ingest(factory, load_content(config), config.taxonomy)
    with factory() as session:
        return list(session.scalars(select(Paper.id).order_by(Paper.id)))


def test_save_is_idempotent_and_keeps_the_first_saver(config: BotConfig, factory):
    [first, *_] = paper_ids(config, factory)
    reading = ReadingList(factory)
    assert reading.save(-100, first, 7, "Ada", now=T0) is True
    assert reading.save(-100, first, 8, "Bob", now=T0 + timedelta(hours=1)) is False
    item = reading.entry(-100, first)
    assert item is not None
    assert (item.saved_by, item.saved_by_name, item.saved_at) == (7, "Ada", T0)
    assert not item.is_read
    # another chat's list is its own
    assert reading.entry(-200, first) is None
    assert reading.save(-200, first, None, "") is True  # the bot saves (a poll's winner)
    assert reading.entry(-200, first).saved_by is None  # type: ignore[union-attr]


def test_remove_mark_read_and_saved_ids(config: BotConfig, factory):
    ids = paper_ids(config, factory)[:3]
    reading = ReadingList(factory)
    for pid in ids:
        reading.save(5, pid, 5, "Me")
    assert reading.saved_ids(5, [*ids, 999_999]) == set(ids)
    assert reading.saved_ids(5, []) == set()
    assert reading.mark_read(5, ids[0], 5, True) is True
    item = reading.entry(5, ids[0])
    assert item is not None and item.is_read and item.read_by == 5
    assert item.read_at is not None and item.read_at.tzinfo is not None
    assert reading.mark_read(5, ids[0], 5, False) is True
    assert not reading.entry(5, ids[0]).is_read  # type: ignore[union-attr]
    assert reading.remove(5, ids[1]) is True
    assert reading.remove(5, ids[1]) is False
    assert reading.mark_read(5, ids[1], 5, True) is False
    assert reading.saved_ids(5, ids) == {ids[0], ids[2]}


def test_page_is_newest_first_with_a_total(config: BotConfig, factory):
    ids = paper_ids(config, factory)[:12]
    reading = ReadingList(factory)
    for n, pid in enumerate(ids):
        reading.save(-1, pid, 1, "A", now=T0 + timedelta(minutes=n))
    first, total = reading.page(-1, 0, 5)
    assert total == 12
    assert [i.paper_id for i in first] == list(reversed(ids))[:5]
    last, _ = reading.page(-1, 10, 5)
    assert [i.paper_id for i in last] == [ids[1], ids[0]]
    assert [i.paper_id for i in reading.entries(-1)] == list(reversed(ids))


def test_top_counts_per_chat_and_globally_within_a_period(config: BotConfig, factory):
    a, b, c = paper_ids(config, factory)[:3]
    reading = ReadingList(factory)
    now = datetime.now(UTC)
    reading.save(1, a, 1, "x", now=now - timedelta(days=40))
    reading.save(2, a, 2, "y", now=now - timedelta(days=2))
    reading.save(3, a, 3, "z", now=now - timedelta(days=1))
    reading.save(2, b, 2, "y", now=now - timedelta(days=10))
    reading.save(3, b, 3, "z", now=now - timedelta(hours=1))
    reading.save(3, c, 3, "z", now=now - timedelta(hours=2))
    assert reading.top(None) == [TopPaper(a, 3), TopPaper(b, 2), TopPaper(c, 1)]
    week = now - timedelta(days=7)
    assert reading.top(None, week) == [TopPaper(a, 2), TopPaper(b, 1), TopPaper(c, 1)]
    # one chat: each paper once, the latest saved first; votes are a second count (0 here)
    assert reading.top(3) == [TopPaper(b, 1), TopPaper(c, 1), TopPaper(a, 1)]
    assert reading.top(1, week) == []
    assert reading.top(None, limit=1) == [TopPaper(a, 3)]
    assert TopPaper(a, 3, 2).score == 5


def test_chat_migration_moves_the_list_with_the_subscription(config: BotConfig, factory):
    a, b = paper_ids(config, factory)[:2]
    reading = ReadingList(factory)
    reading.save(-42, a, 1, "x")
    reading.save(-42, b, 1, "x")
    reading.save(-10042, b, 2, "y")  # the supergroup already saved b
    Subscriptions(factory).subscribe(-42, chat_type="group")
    Subscriptions(factory).migrate_chat(-42, -10042)
    assert reading.entries(-42) == []
    moved = {i.paper_id: i.saved_by for i in reading.entries(-10042)}
    assert moved == {a: 1, b: 2}


def test_a_paper_leaving_the_archive_leaves_the_lists(config: BotConfig, factory):
    [first, *_] = paper_ids(config, factory)
    reading = ReadingList(factory)
    reading.save(9, first, 9, "me")
    with factory.begin() as session:
        session.delete(session.get(Paper, first))
    assert reading.entries(9) == []
