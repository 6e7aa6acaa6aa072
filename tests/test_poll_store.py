"""The reading polls' store on SQLite and PostgreSQL: one poll per chat and publication,
votes replaced and retracted, the tally, the one closer, the opt-in; and the pure rules of
:mod:`bot.domain.polls` (options, shortening, winner)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker
from telegram.constants import PollLimit

from bot.config import BotConfig
from bot.content import load_content
from bot.domain.clock import fixed_clock
from bot.domain.delivery import PublishTrigger
from bot.domain.polls import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_CHARS,
    choose_options,
    is_tie,
    option_text,
    winner,
)
from bot.domain.views import DigestView, PaperView, TopicView
from bot.store.content_repo import ingest
from bot.store.db import alembic_config, migrate
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.polls import PollStore, top_with_votes
from bot.store.reading import ReadingList, TopPaper
from bot.store.search import make_search
from bot.store.subscriptions import Subscriptions, Target

CHAT = -5001
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CLOCK = fixed_clock(NOW)  # the store stamps votes and saves with this, never the real date


@pytest.fixture
def publication(config: BotConfig, factory: sessionmaker[Session]) -> tuple[int, list[int]]:
    """A publication of the first seed digest, and that digest's paper ids."""
    ingest(factory, load_content(config), config.taxonomy)
    opened = Ledger(factory).open("2024-w09", PublishTrigger.POSTNOW, [Target(CHAT)])
    assert opened is not None
    library = Library(factory, make_search(factory.kw["bind"]))
    return opened.id, [p.id for p in library.digest_papers("2024-w09")]


def reserve(store: PollStore, publication_id: int, paper_ids: list[int]) -> int | None:
    return store.reserve(
        publication_id=publication_id,
        digest_id="2024-w09",
        chat_id=CHAT,
        thread_id=0,
        language="en",
        paper_ids=paper_ids,
        opened_at=NOW,
        closes_at=NOW + timedelta(hours=48),
    )


def test_one_poll_per_chat_and_publication(factory, publication):
    publication_id, paper_ids = publication
    store = PollStore(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    assert reserve(store, publication_id, paper_ids[:3]) is None  # a resend finds it taken
    assert store.open_in_chat(CHAT) is None  # reserved, not sent yet
    store.opened(row_id, 77, "poll-1")
    row = store.by_poll_id("poll-1")
    assert row is not None and row.is_open and row.message_id == 77
    assert row.paper_ids == tuple(paper_ids[:3])
    assert row.closes_at == NOW + timedelta(hours=48)  # timezone-aware on both databases
    assert [r.id for r in store.open_polls()] == [row_id]
    assert store.open_in_chat(CHAT) == row


def test_votes_are_replaced_retracted_and_tallied(factory, publication):
    publication_id, paper_ids = publication
    store = PollStore(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    store.opened(row_id, 77, "poll-1")
    assert store.answer("poll-1", 11, [0])
    assert store.answer("poll-1", 12, [2])
    assert store.answer("poll-1", 11, [2])  # changed their vote
    assert store.answer("poll-1", 13, [1])
    assert store.answer("poll-1", 13, [])  # retracted
    assert store.answer("poll-1", 14, [9])  # an option that is not there counts nothing
    assert not store.answer("not-ours", 11, [0])
    assert store.tally(row_id) == [0, 0, 2]
    assert store.votes_by_paper(CHAT) == {paper_ids[2]: 2}
    assert store.votes_by_paper(CHAT, since=NOW + timedelta(days=1)) == {}
    assert store.poll_state("poll-1", [0, 0, 2])
    assert not store.poll_state("not-ours", [1])


def test_top_counts_saves_and_votes(factory, publication):
    publication_id, paper_ids = publication
    store, reading = PollStore(factory, CLOCK), ReadingList(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    store.opened(row_id, 77, "poll-1")
    for user, option in ((11, 0), (12, 0), (13, 1)):
        store.answer("poll-1", user, [option])
    reading.save(CHAT, paper_ids[0], 11, "Ada")
    reading.save(CHAT, paper_ids[5], 11, "Ada")
    reading.save(-9999, paper_ids[5], 21, "Bo")  # another chat
    # score 3, then two of score 1: the saved one first (the reading list's order)
    assert top_with_votes(reading, store, CHAT) == [
        TopPaper(paper_ids[0], 1, 2),
        TopPaper(paper_ids[5], 1, 0),
        TopPaper(paper_ids[1], 0, 1),
    ]
    everywhere = top_with_votes(reading, store, None, limit=2)
    assert everywhere == [TopPaper(paper_ids[0], 1, 2), TopPaper(paper_ids[5], 2, 0)]
    later = NOW + timedelta(days=1)
    assert top_with_votes(reading, store, CHAT, since=later) == []


def test_an_anonymous_poll_is_tallied_from_the_poll_updates(factory, publication):
    publication_id, paper_ids = publication
    store = PollStore(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    store.opened(row_id, 77, "poll-1")
    store.poll_state("poll-1", [3, 1, 0])
    assert store.tally(row_id) == [3, 1, 0]


def test_only_one_closer_closes(factory, publication):
    publication_id, paper_ids = publication
    store = PollStore(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    store.opened(row_id, 77, "poll-1")
    assert store.close(row_id, paper_ids[1], NOW)
    assert not store.close(row_id, paper_ids[2], NOW)
    row = store.get(row_id)
    assert row is not None and not row.is_open and row.winner_paper_id == paper_ids[1]
    assert store.open_polls() == [] and store.open_in_chat(CHAT) is None


def test_a_refused_poll_is_not_retried(factory, publication):
    publication_id, paper_ids = publication
    store = PollStore(factory, CLOCK)
    row_id = reserve(store, publication_id, paper_ids[:2])
    assert row_id is not None
    store.failed(row_id, "Bad Request: x")
    assert store.open_polls() == [] and reserve(store, publication_id, paper_ids[:2]) is None


def test_the_opt_in_needs_a_subscription(factory):
    subs = Subscriptions(factory)
    assert subs.set_poll(CHAT, 0, True) is None
    subs.subscribe(CHAT, 0, chat_type="supergroup")
    assert subs.get(CHAT).poll is False  # type: ignore[union-attr]
    assert subs.set_poll(CHAT, 0, True) is True
    assert subs.set_poll(CHAT, 0, True) is False
    assert subs.get(CHAT).poll is True  # type: ignore[union-attr]
    subs.unsubscribe(CHAT, 0)
    assert subs.set_poll(CHAT, 0, False) is None


# ------------------------------------------------------------------ the pure rules


@pytest.mark.parametrize(
    "title",
    [
        "EMO: Emote Portrait Alive – Generating Expressive Portrait Videos with Audio2Video "
        "Diffusion Model under Weak Conditions",
        "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive "
        "Re-parameterized Batch Normalization",
        "A " + "verylongword " * 12,
    ],
)
def test_options_are_cut_between_words_with_an_ellipsis(title: str):
    option = option_text(title)
    assert len(option) <= 100 and option.endswith("…")
    kept = option[:-1]
    flat = " ".join(title.split())
    assert flat.startswith(kept)
    assert not flat[len(kept)].isalnum()  # the next character starts no cut-off word


def test_short_options_stay_whole_and_chinese_is_cut_between_characters():
    assert option_text("Genie:  Generative\nInteractive Environments") == (
        "Genie: Generative Interactive Environments"
    )
    chinese = "大模型" * 40
    option = option_text(chinese)
    assert len(option) == 100 and option.endswith("…") and chinese.startswith(option[:-1])
    assert option_text("x" * 150) == "x" * 99 + "…"  # one word longer than an option


def paper(paper_id: int, *topics: str) -> PaperView:
    digest = DigestView("d", "D", date(2024, 1, 1), None, None, 20)
    views = tuple(TopicView(t, t, t) for t in topics)
    return PaperView(paper_id, f"P{paper_id}", None, "", None, None, None, paper_id, views, digest)


def test_more_papers_than_options_are_chosen_by_the_chats_interests():
    papers = [paper(i, "nlp" if i % 2 else "vision") for i in range(1, 16)]
    assert choose_options(papers[:12]) == papers[:12]
    assert choose_options(papers) == papers[:12]  # nothing known: post order
    chosen = choose_options(papers, saves={15: 1}, liked_topics={"vision": 3})
    ids = [p.id for p in chosen]
    assert len(ids) == 12 and ids == sorted(ids)  # kept in post order
    assert 15 in ids and {2, 4, 6, 8, 10, 12, 14} <= set(ids)
    filtered = choose_options(papers, chat_topics=("nlp",))
    assert {p.id for p in filtered} >= {1, 3, 5, 7, 9, 11, 13, 15}


def test_the_domain_limits_are_telegrams():
    assert (MAX_OPTIONS, OPTION_CHARS) == (PollLimit.MAX_OPTION_NUMBER, PollLimit.MAX_OPTION_LENGTH)
    assert MIN_OPTIONS >= PollLimit.MIN_OPTION_NUMBER


def test_the_winner_is_the_most_voted_and_the_earliest_on_a_tie():
    assert winner([0, 2, 1]) == 1
    assert winner([1, 3, 3]) == 1 and is_tie([1, 3, 3])
    assert winner([0, 0]) is None and winner([]) is None and not is_tie([0, 0])


def test_the_migration_downgrades_and_upgrades_again(engine, factory):
    Subscriptions(factory).subscribe(CHAT, 0, chat_type="supergroup")
    Subscriptions(factory).set_poll(CHAT, 0, True)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0008_reading_polls-1")
    tables = set(inspect(engine).get_table_names())
    assert not {"reading_polls", "reading_poll_votes"} & tables
    assert "poll" not in {c["name"] for c in inspect(engine).get_columns("subscriptions")}
    assert migrate(engine) is True
    subscription = Subscriptions(factory).get(CHAT)
    assert subscription is not None and subscription.poll is False  # off after a round trip


def test_a_group_that_becomes_a_supergroup_takes_its_open_poll_along(factory, publication):
    store = PollStore(factory, CLOCK)
    publication_id, paper_ids = publication
    row_id = reserve(store, publication_id, paper_ids[:3])
    assert row_id is not None
    store.opened(row_id, 77, "poll-1")
    Subscriptions(factory).subscribe(CHAT, chat_type="group")
    Subscriptions(factory).migrate_chat(CHAT, -100_5001)
    assert store.open_in_chat(CHAT) is None
    moved = store.open_in_chat(-100_5001)
    assert moved is not None and moved.id == row_id and moved.message_id == 77
