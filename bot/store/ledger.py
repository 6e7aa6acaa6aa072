"""The publication ledger: which digest went to which chat, claimed before it is sent.

At-least-once, and never twice outside a crash, rests on these database facts, so it
holds across restarts and across several bot processes sharing one database:

* ``deliveries`` has a unique key (digest, chat, thread): a chat can be queued for a
  digest once, ever;
* a delivery is *claimed* with a conditional UPDATE (pending → sending) that writes a
  token of its own: every later write checks it, so a task whose claim was taken over
  (even by another task of the same process) stops; a live task renews its claim while
  it waits, so only a dead one's claim goes stale;
* each message ("part") of a post is marked attempted before and sent after the API
  call. A worker that dies leaves a stale claim and at most one part in doubt; whoever
  reclaims it sends that part again (``InDoubt.RESEND``, counted in ``parts_resent``) or
  skips it (``InDoubt.SKIP``, counted in ``parts_unconfirmed``);
* the post's messages are stored when the publication opens (``publication_posts``), so a
  resumed delivery continues the render it started with.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.delivery import DeliveryStatus, InDoubt, PublishTrigger
from bot.domain.models import copied_into
from bot.store.models import Delivery, Digest, KeyValue, Publication, PublicationPost
from bot.store.subscriptions import Target

QUEUE_LOCK = 0x5155455545  # pg_advisory_xact_lock key of /queue edits ("QUEUE")


@dataclass(frozen=True, slots=True)
class OpenedPublication:
    """Result of opening a publication: its id, and whether this call created it."""

    id: int
    digest_id: str
    created: bool
    queued: int  # deliveries this call added
    skipped: int  # targets that already had the digest


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """A claimed delivery: send parts ``parts_sent`` … of the post to this chat."""

    id: int
    publication_id: int
    digest_id: str
    chat_id: int
    thread_id: int
    topics: tuple[str, ...]
    language: str
    parts_sent: int
    token: str  # this claim's own: writes with another token are refused
    post_tag: str = ""  # the chat's own rendering (watches, what it likes, first)


@dataclass(frozen=True, slots=True)
class PublicationSummary:
    """Counts of a publication's deliveries by status."""

    id: int
    digest_id: str
    sent: int
    failed: int
    pending: int
    finished: bool
    resent: int  # parts sent again because a crash left their fate unknown
    already_had: int = 0  # targets left out when it opened: they had the digest before


def post_key(language: str, topics: Sequence[str], tag: str = "") -> str:
    """The key of one rendering of a publication's post: a chat's language and filter,
    and with a ``tag`` the order (and selection) personalised for a chat: its watched
    papers first, or only those, and what it likes before the rest."""
    key = f"{language}|{' '.join(topics)}"
    return f"{key}|{tag}" if tag else key


class Ledger:
    """Publications and deliveries."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock

    # --- which digest is next -------------------------------------------------------

    def published_ids(self) -> set[str]:
        """Digests that have been published (by any trigger) at least once."""
        with self.factory() as session:
            return set(session.scalars(select(Publication.digest_id).distinct()))

    @contextlib.contextmanager
    def queue_lock(self) -> Iterator[None]:
        """Hold the publishing queue's lock (PostgreSQL: an advisory lock across instances)
        while a /queue press compares the queue with its button and writes the change.
        SQLite takes no lock here: its one write lock would block the reload inside."""
        with self.factory.begin() as session:
            if session.connection().dialect.name == "postgresql":
                session.execute(select(func.pg_advisory_xact_lock(QUEUE_LOCK)))
            yield

    def last_published(self) -> str | None:
        """The digest of the newest publication that is still active (None: none yet)."""
        with self.factory() as session:
            return session.scalars(
                select(Publication.digest_id)
                .join(Digest, Digest.id == Publication.digest_id)
                .where(Digest.retired.is_(False))
                .order_by(Publication.started_at.desc(), Publication.id.desc())
                .limit(1)
            ).first()

    def next_digest(self) -> str | None:
        """The first active digest, in ``digests.yaml`` order, never published nor skipped."""
        queue = self.upcoming()
        return next((digest_id for digest_id, _week, skipped in queue if not skipped), None)

    def upcoming(self) -> list[tuple[str, date | None, bool]]:
        """Every active digest never published, in publishing (``digests.yaml``) order:
        ``(id, week, skipped)``; the first not skipped is what the weekly job posts next."""
        with self.factory() as session:
            published = select(Publication.digest_id)
            rows = session.execute(
                select(Digest.id, Digest.week_start, Digest.skipped)
                .where(Digest.retired.is_(False), Digest.id.not_in(published))
                .order_by(Digest.position)
            )
            return [(digest_id, week, bool(skipped)) for digest_id, week, skipped in rows]

    def slot_taken(self, slot: str) -> bool:
        """Whether a scheduled slot already has its publication (run or being run)."""
        with self.factory() as session:
            return (
                session.scalar(select(Publication.id).where(Publication.slot == slot)) is not None
            )

    # --- opening --------------------------------------------------------------------

    def open(
        self,
        digest_id: str,
        trigger: PublishTrigger,
        targets: Sequence[Target],
        slot: str | None = None,
        posts: Mapping[str, Sequence[str]] | None = None,
    ) -> OpenedPublication | None:
        """Create a publication and queue a delivery per target that never had the digest.

        ``posts`` are the post's messages by :func:`post_key`, stored with the publication
        so every delivery of it sends the same render, resumed or not.

        With a ``slot`` (a schedule occurrence) only one process can create it; the others
        get the existing publication back (``created=False``) and may help deliver.
        """
        try:
            with self.factory.begin() as session:
                publication = Publication(
                    digest_id=digest_id, trigger=trigger, slot=slot, started_at=self.clock()
                )
                session.add(publication)
                session.flush()
                session.add_all(
                    PublicationPost(publication_id=publication.id, post_key=key, parts=list(parts))
                    for key, parts in (posts or {}).items()
                )
                queued = self._queue(session, publication.id, digest_id, targets)
                return OpenedPublication(
                    publication.id, digest_id, True, queued, len(targets) - queued
                )
        except IntegrityError:
            if slot is None:
                raise
        with self.factory() as session:
            existing = session.scalars(select(Publication).where(Publication.slot == slot)).first()
            if existing is None:
                return None
            return OpenedPublication(existing.id, existing.digest_id, False, 0, len(targets))

    def _queue(
        self, session: Session, publication_id: int, digest_id: str, targets: Sequence[Target]
    ) -> int:
        unique: dict[tuple[int, int], Target] = {}
        for target in targets:
            unique.setdefault((target.chat_id, target.thread_id), target)
        rows = [
            {
                "publication_id": publication_id,
                "digest_id": digest_id,
                "chat_id": target.chat_id,
                "thread_id": target.thread_id,
                "topics": " ".join(target.topics),
                "language": target.language,
                "post_tag": target.post_tag,
                "status": DeliveryStatus.PENDING,
                "parts_attempted": 0,
                "parts_sent": 0,
                "attempts": 0,
            }
            for target in unique.values()
        ]
        if not rows:
            return 0
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Delivery).on_conflict_do_nothing(
            index_elements=["digest_id", "chat_id", "thread_id"]
        )
        for start in range(0, len(rows), 500):  # stay under bound-parameter limits
            session.execute(stmt, rows[start : start + 500])
        # rows that conflicted kept their old publication: what is ours is what was queued
        count = select(func.count(Delivery.id)).where(Delivery.publication_id == publication_id)
        return int(session.scalar(count) or 0)

    # --- delivering -----------------------------------------------------------------

    def unfinished(self) -> list[int]:
        """Publications with deliveries still to do (oldest first)."""
        with self.factory() as session:
            return list(
                session.scalars(
                    select(Publication.id)
                    .where(Publication.finished_at.is_(None))
                    .order_by(Publication.id)
                )
            )

    def post(self, publication_id: int, key: str) -> list[str] | None:
        """The stored messages of a publication's post (None: opened before they were kept)."""
        with self.factory() as session:
            parts = session.scalar(
                select(PublicationPost.parts).where(
                    PublicationPost.publication_id == publication_id,
                    PublicationPost.post_key == key,
                )
            )
            return None if parts is None else [str(part) for part in parts]

    def claim(
        self,
        publication_id: int,
        worker: str,
        lease: timedelta,
        limit: int = 1,
        in_doubt: InDoubt = InDoubt.RESEND,
    ) -> list[DeliveryJob]:
        """Claim up to ``limit`` deliveries: pending ones, or ones whose claim went stale.

        Each claim gets its own token (``worker`` plus a random suffix): one per delivery
        task, so two tasks of one process never both own a delivery.
        """
        now = self.clock()
        in_flight = Delivery.parts_attempted > Delivery.parts_sent
        if in_doubt is InDoubt.RESEND:  # the part in doubt goes again, counted
            resume_values: dict[str, Any] = {
                "parts_attempted": Delivery.parts_sent,
                "parts_resent": Delivery.parts_resent + case((in_flight, 1), else_=0),
            }
        else:  # it may have arrived: skip it (never a duplicate), counted
            resume_values = {
                "parts_sent": Delivery.parts_attempted,
                "parts_unconfirmed": Delivery.parts_unconfirmed + case((in_flight, 1), else_=0),
            }
        stale = and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - lease)
        claimable = and_(
            Delivery.publication_id == publication_id,
            or_(Delivery.status == DeliveryStatus.PENDING, stale),
        )
        jobs: list[DeliveryJob] = []
        with self.factory.begin() as session:
            candidates = session.scalars(
                select(Delivery.id).where(claimable).order_by(Delivery.id).limit(limit * 3)
            ).all()
            for delivery_id in candidates:
                if len(jobs) >= limit:
                    break
                token = f"{worker}/{uuid.uuid4().hex[:12]}"
                result = session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id == delivery_id,
                        or_(Delivery.status == DeliveryStatus.PENDING, stale),
                    )
                    .values(
                        status=DeliveryStatus.SENDING,
                        claimed_by=token,
                        claimed_at=now,
                        attempts=Delivery.attempts + 1,
                        **resume_values,
                    )
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another worker won the race
                row = session.get(Delivery, delivery_id)
                assert row is not None
                session.refresh(row)
                jobs.append(
                    copied_into(DeliveryJob, row, topics=tuple(row.topics.split()), token=token)
                )
        return jobs

    def part_attempted(self, delivery_id: int, part: int, token: str) -> bool:
        """Record that part ``part`` (0-based) is about to be sent; False if we lost the claim."""
        return self._owned_update(delivery_id, token, parts_attempted=part + 1)

    def renew(self, delivery_id: int, token: str) -> bool:
        """Keep a live claim fresh while its task waits; False if it was taken over."""
        return self._owned_update(delivery_id, token)

    # The per-message writes below (a few for each of 30 messages a second) run on the
    # session's connection as plain Core statements: through Session.execute an UPDATE is
    # an "ORM-enabled" one (identity-map synchronisation and more), ~2× the Python time,
    # and that time holds the GIL a person's reply needs.

    def _owned_update(self, delivery_id: int, token: str, **values: object) -> bool:
        with self.factory.begin() as session:
            result = session.connection().execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.claimed_by == token)
                .where(Delivery.status == DeliveryStatus.SENDING)
                .values(claimed_at=self.clock(), **values)
            )
            return result.rowcount == 1

    def part_sent(self, delivery_id: int, part: int) -> None:
        """Part ``part`` was accepted by Telegram."""
        with self.factory.begin() as session:
            session.connection().execute(
                update(Delivery).where(Delivery.id == delivery_id).values(parts_sent=part + 1)
            )

    def part_not_sent(self, delivery_id: int, part: int) -> None:
        """Telegram refused part ``part`` for sure (an error answer): it may be retried."""
        with self.factory.begin() as session:
            session.connection().execute(
                update(Delivery).where(Delivery.id == delivery_id).values(parts_attempted=part)
            )

    def finish(self, delivery_id: int, status: DeliveryStatus, error: str | None = None) -> None:
        """Close a delivery as sent or failed (with the reason)."""
        with self.factory.begin() as session:
            session.connection().execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(
                    status=status,
                    error=error,
                    sent_at=self.clock() if status == DeliveryStatus.SENT else None,
                )
            )

    def release(self, delivery_id: int, error: str) -> None:
        """Give a claim back (transient failure): it stays pending for a later retry."""
        with self.factory.begin() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(status=DeliveryStatus.PENDING, error=error[:500], claimed_by=None)
            )

    def move_chat(self, delivery_id: int, new_chat_id: int) -> bool:
        """The chat migrated to a supergroup: deliver there (unless it already has it)."""
        try:
            with self.factory.begin() as session:
                session.execute(
                    update(Delivery).where(Delivery.id == delivery_id).values(chat_id=new_chat_id)
                )
            return True
        except IntegrityError:
            self.finish(
                delivery_id,
                DeliveryStatus.FAILED,
                f"migrated to {new_chat_id}, which already had it",
            )
            return False

    def complete_if_done(self, publication_id: int) -> bool:
        """Mark the publication finished when no delivery is pending or in flight."""
        with self.factory.begin() as session:
            open_count = session.scalar(
                select(func.count(Delivery.id)).where(
                    Delivery.publication_id == publication_id,
                    Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
                )
            )
            if open_count:
                return False
            session.execute(
                update(Publication)
                .where(Publication.id == publication_id, Publication.finished_at.is_(None))
                .values(finished_at=self.clock())
            )
            return True

    def summary(self, publication_id: int) -> PublicationSummary:
        """Counts by status for one publication."""
        with self.factory() as session:
            publication = session.get(Publication, publication_id)
            assert publication is not None
            counts = dict(
                session.execute(
                    select(Delivery.status, func.count(Delivery.id))
                    .where(Delivery.publication_id == publication_id)
                    .group_by(Delivery.status)
                ).all()
            )
            return PublicationSummary(
                id=publication_id,
                digest_id=publication.digest_id,
                sent=int(counts.get(DeliveryStatus.SENT, 0)),
                failed=int(counts.get(DeliveryStatus.FAILED, 0)),
                pending=int(
                    counts.get(DeliveryStatus.PENDING, 0) + counts.get(DeliveryStatus.SENDING, 0)
                ),
                finished=publication.finished_at is not None,
                resent=int(
                    session.scalar(
                        select(func.sum(Delivery.parts_resent)).where(
                            Delivery.publication_id == publication_id
                        )
                    )
                    or 0
                ),
            )

    def resent_total(self) -> int:
        """Parts sent again after a crash, over all publications (for /stats)."""
        with self.factory() as session:
            return int(session.scalar(select(func.sum(Delivery.parts_resent))) or 0)

    def last_post_time(self) -> datetime | None:
        """When the newest publication started."""
        with self.factory() as session:
            return session.scalar(select(func.max(Publication.started_at)))

    # --- small persistent flags -----------------------------------------------------

    def get_flag(self, key: str) -> str | None:
        """A stored bot-state value."""
        with self.factory() as session:
            row = session.get(KeyValue, key)
            return row.value if row else None

    def set_flag(self, key: str, value: str | None) -> None:
        """Store (or with None, delete) a bot-state value."""
        with self.factory.begin() as session:
            row = session.get(KeyValue, key)
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(KeyValue(key=key, value=value))
            else:
                row.value = value

    def add_to_counter(self, key: str, amount: int) -> int:
        """Add ``amount`` to the bot-state counter ``key`` (row-locked: exact across
        instances); returns the new value."""
        with self.factory.begin() as session:
            row = session.get(KeyValue, key, with_for_update=True)
            if row is None:
                row = KeyValue(key=key, value="0")
                session.add(row)
            row.value = str(int(row.value) + amount)
            return int(row.value)
