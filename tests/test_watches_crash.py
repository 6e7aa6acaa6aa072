"""A watches-only post survives ``kill -9`` mid-broadcast (issue 24): real ``python -m bot``
processes against the fake Bot API, as in test_resilience.py. Every chat gets exactly its
watched papers, the render stored when the publication opened; a part goes twice only
when it was on the wire at the kill (at most one per worker, counted in the ledger).
"""

from __future__ import annotations

from pathlib import Path

from bot.config import BotConfig
from bot.domain.render import weekly_post
from bot.sandbox.fake_telegram import FakeBotApi
from bot.services.ingestion import sync_content
from bot.services.relevance import Relevance
from bot.store.db import make_engine, make_session_factory
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.models import Delivery
from bot.store.search import make_search
from bot.store.subscriptions import Subscriptions, Target
from bot.store.watches import WatchStore
from tests.test_resilience import (
    FIRST,
    WORKERS,
    config_for,
    kill_a_third_through_then_restart,
    received,
    without_repeats,
)

WATCH = "模型 -genie"  # all but one of the first digest's papers: a post of several messages


def prepare_watchers(
    config: BotConfig, api: FakeBotApi, chats: list[int]
) -> tuple[Ledger, list[str]]:
    """Ingest; each chat watches WATCH and subscribes to its watches only; the post each
    should get."""
    sync_content(config)
    factory = make_session_factory(make_engine(config.database_url))
    subscriptions, watches = Subscriptions(factory), WatchStore(factory)
    for chat_id in chats:
        api.add_chat(chat_id, "private")
        watches.add(chat_id, WATCH, chat_id)
        subscriptions.subscribe(chat_id, watches_only=True)
    library = Library(factory, make_search(factory.kw["bind"]))
    papers = library.digest_papers(FIRST)
    relevance = Relevance(factory, watches, lambda: config.taxonomy)
    [(_target, plan)] = relevance.plans(papers, [Target(chats[0], watches_only=True)])
    assert plan is not None and plan.only_watched and 1 < len(plan.watched) < len(papers)
    return Ledger(factory), weekly_post(library.digest(FIRST), papers, "en", plan=plan)


async def test_kill_during_a_watches_only_post_loses_nothing(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    config = config_for(config_dir, f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    chats = list(range(24_001, 24_101))
    ledger, post = prepare_watchers(config, api, chats)
    await kill_a_third_through_then_restart(config, api, ledger, len(chats) * len(post), tmp_path)

    got = received(api, chats)
    assert {c for c, texts in got.items() if without_repeats(texts) != post} == set()
    with ledger.factory() as session:
        resent = {d.chat_id: d.parts_resent for d in session.query(Delivery)}
    duplicates = {c: len(texts) - len(post) for c, texts in got.items() if texts != post}
    assert all(resent[c] >= n for c, n in duplicates.items())
    assert sum(resent.values()) <= WORKERS
