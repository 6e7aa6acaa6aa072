"""Subscriptions and the delivery ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.delivery import DeliveryStatus, InDoubt
from bot.store.ledger import Ledger, post_key
from bot.store.models import Delivery, Digest
from bot.store.subscriptions import Subscriptions, Target

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def add_digests(factory: sessionmaker[Session], *ids: str) -> None:
    with factory.begin() as session:
        for position, digest_id in enumerate(ids):
            session.add(
                Digest(
                    id=digest_id,
                    title=digest_id,
                    file=f"{digest_id}.txt",
                    content_hash="x",
                    config_hash="y",
                    position=position,
                    retired=False,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


def test_subscribe_is_idempotent_and_survives_reopen(factory: sessionmaker[Session]) -> None:
    subs = Subscriptions(factory)
    assert subs.subscribe(-100, chat_type="supergroup", language="zh")[0] is True
    changed, view = subs.subscribe(-100, chat_type="supergroup", language="zh")
    assert changed is False and view.active
    changed, view = subs.subscribe(-100, topics=("code", "efficiency"))
    assert changed is True and view.topics == ("code", "efficiency")
    assert Subscriptions(factory).active_targets() == [
        Target(-100, 0, ("code", "efficiency"), "en")
    ]
    assert subs.unsubscribe(-100) is True
    assert subs.unsubscribe(-100) is False
    assert subs.count_active() == 0
    assert subs.get(-100).active is False  # kept, with its reason
    assert subs.get(-100).reason == "user"


def test_forum_topics_are_separate_targets(factory: sessionmaker[Session]) -> None:
    subs = Subscriptions(factory)
    subs.subscribe(-5, 0)
    subs.subscribe(-5, 42)
    assert {(t.chat_id, t.thread_id) for t in subs.active_targets()} == {(-5, 0), (-5, 42)}
    subs.unsubscribe(-5, None, "forbidden")
    assert subs.active_targets() == []


def test_migrate_chat_moves_subscription(factory: sessionmaker[Session]) -> None:
    subs = Subscriptions(factory)
    subs.subscribe(-7, topics=("code",))
    subs.migrate_chat(-7, -1007)
    assert subs.active_targets() == [Target(-1007, 0, ("code",), "en")]


def test_next_digest_follows_config_order(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1", "w2", "w3")
    ledger = Ledger(factory)
    assert ledger.next_digest() == "w1"
    ledger.open("w1", "schedule", [Target(1)], slot="s1")
    assert ledger.next_digest() == "w2"
    ledger.open("w2", "postnow", [])
    assert ledger.next_digest() == "w3"
    assert ledger.published_ids() == {"w1", "w2"}


def test_a_chat_is_queued_for_a_digest_once_ever(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    first = ledger.open("w1", "schedule", [Target(1), Target(2), Target(2)], slot="s1")
    assert first is not None and (first.queued, first.created) == (2, True)
    again = ledger.open("w1", "postnow", [Target(1), Target(2), Target(3)])
    assert again is not None and (again.queued, again.skipped) == (1, 2)


def test_same_slot_twice_joins_the_existing_publication(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    first = ledger.open("w1", "schedule", [Target(1)], slot="weekly:x")
    second = ledger.open("w1", "schedule", [Target(1)], slot="weekly:x")
    assert first is not None and second is not None
    assert second.created is False and second.id == first.id
    assert ledger.slot_taken("weekly:x")


def test_claims_are_exclusive_across_threads(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    opened = ledger.open("w1", "schedule", [Target(i) for i in range(1, 41)])
    assert opened is not None
    claimed: dict[str, list[int]] = {"a": [], "b": [], "c": []}

    def work(name: str) -> None:
        while jobs := ledger.claim(opened.id, name, timedelta(minutes=5), limit=2):
            claimed[name].extend(job.chat_id for job in jobs)

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [chat for chats in claimed.values() for chat in chats]
    assert sorted(everything) == list(range(1, 41))  # every chat once, none twice


@pytest.mark.parametrize(("in_doubt", "resume_at", "resent"), [("resend", 1, 1), ("skip", 2, 0)])
def test_stale_claim_resumes_at_the_part_in_doubt_or_after_it(
    factory: sessionmaker[Session], in_doubt: str, resume_at: int, resent: int
) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    opened = ledger.open("w1", "schedule", [Target(1)])
    assert opened is not None
    [job] = ledger.claim(opened.id, "dead-worker", timedelta(minutes=5))
    assert ledger.part_attempted(job.id, 0, job.token)
    ledger.part_sent(job.id, 0)
    assert ledger.part_attempted(job.id, 1, job.token)  # killed before the answer came
    assert ledger.claim(opened.id, "new", timedelta(minutes=5)) == []  # claim still fresh
    [resumed] = ledger.claim(
        opened.id, "new", timedelta(seconds=-1), in_doubt=InDoubt(in_doubt)
    )  # lease expired
    assert resumed.parts_sent == resume_at  # part 1 may or may not have arrived
    assert not ledger.part_attempted(job.id, 2, job.token)  # the old worker lost it
    ledger.finish(resumed.id, DeliveryStatus.SENT)
    assert ledger.complete_if_done(opened.id)
    summary = ledger.summary(opened.id)
    assert (summary.sent, summary.failed, summary.pending, summary.finished) == (1, 0, 0, True)
    assert summary.resent == resent == ledger.resent_total()


def test_claims_are_owned_per_task_and_renewed_while_alive(
    factory: sessionmaker[Session],
) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    opened = ledger.open("w1", "schedule", [Target(1)])
    assert opened is not None
    lease = timedelta(seconds=30)
    [waiting] = ledger.claim(opened.id, "process-1", lease)
    with factory.begin() as session:  # the task has been waiting (a 429) past its lease
        session.get(Delivery, waiting.id).claimed_at = datetime.now(UTC) - 2 * lease
    assert ledger.renew(waiting.id, waiting.token)  # ...but it is alive and says so
    assert ledger.claim(opened.id, "process-1", lease) == []  # so nobody takes it over
    with factory.begin() as session:  # now it really died
        session.get(Delivery, waiting.id).claimed_at = datetime.now(UTC) - 2 * lease
    [taken] = ledger.claim(opened.id, "process-1", lease)  # the same process's resume job
    assert taken.token != waiting.token
    assert not ledger.part_attempted(waiting.id, 0, waiting.token)  # the old task stops
    assert not ledger.renew(waiting.id, waiting.token)
    assert ledger.part_attempted(taken.id, 0, taken.token)


def test_a_publication_keeps_the_post_it_opened_with(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    posts = {post_key("en", ()): ["one", "two"], post_key("zh", ("llm",)): ["一"]}
    opened = ledger.open("w1", "schedule", [Target(1), Target(2, 0, ("llm",), "zh")], posts=posts)
    assert opened is not None
    assert ledger.post(opened.id, post_key("zh", ("llm",))) == ["一"]
    assert ledger.post(opened.id, post_key("en", ())) == ["one", "two"]
    assert ledger.post(opened.id, post_key("en", ("llm",))) is None


def test_release_and_failure(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    opened = ledger.open("w1", "schedule", [Target(1), Target(2)])
    assert opened is not None
    jobs = ledger.claim(opened.id, "w", timedelta(minutes=5), limit=2)
    ledger.part_attempted(jobs[0].id, 0, jobs[0].token)
    ledger.part_not_sent(jobs[0].id, 0)
    ledger.release(jobs[0].id, "network down")
    ledger.finish(jobs[1].id, DeliveryStatus.FAILED, "forbidden: bot was blocked by the user")
    assert not ledger.complete_if_done(opened.id)
    assert ledger.unfinished() == [opened.id]
    with factory() as session:
        statuses = {d.chat_id: (d.status, d.error) for d in session.query(Delivery)}
    assert statuses == {
        1: (DeliveryStatus.PENDING, "network down"),
        2: (DeliveryStatus.FAILED, "forbidden: bot was blocked by the user"),
    }
    [again] = ledger.claim(opened.id, "w", timedelta(minutes=5))
    assert again.chat_id == 1 and again.parts_sent == 0


def test_move_chat_to_supergroup(factory: sessionmaker[Session]) -> None:
    add_digests(factory, "w1")
    ledger = Ledger(factory)
    opened = ledger.open("w1", "schedule", [Target(-1), Target(-1001)])
    assert opened is not None
    jobs = ledger.claim(opened.id, "w", timedelta(minutes=5), limit=2)
    by_chat = {job.chat_id: job for job in jobs}
    assert ledger.move_chat(by_chat[-1].id, -1001) is False  # the supergroup has it already
    with factory() as session:
        assert session.get(Delivery, by_chat[-1].id).status == DeliveryStatus.FAILED


def test_flags(factory: sessionmaker[Session]) -> None:
    ledger = Ledger(factory)
    assert ledger.get_flag("k") is None
    ledger.set_flag("k", "1")
    ledger.set_flag("k", "2")
    assert ledger.get_flag("k") == "2"
    ledger.set_flag("k", None)
    assert ledger.get_flag("k") is None
