"""Subscriptions: which chats (and forum topics) receive the weekly post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.models import copied_into
from bot.store.db import engine_of
from bot.store.models import Subscription
from bot.store.polls import move_polls
from bot.store.reading import move_reading_list
from bot.store.watches import move_watches


@dataclass(frozen=True, slots=True)
class Target:
    """Where a weekly post goes: a chat, optionally a forum topic, with its filter."""

    chat_id: int
    thread_id: int = 0
    topics: tuple[str, ...] = ()
    language: str = "en"
    watches_only: bool = False  # only the papers its watches match (``/subscribe watches``)
    post_tag: str = ""  # names the chat's own rendering of the post (see ledger.post_key)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A chat's subscription state."""

    chat_id: int
    thread_id: int
    chat_type: str
    active: bool
    topics: tuple[str, ...]
    language: str
    reason: str | None
    poll: bool  # a weekly reading poll after each post
    watches_only: bool = False  # only the papers its watches match


_SUBSCRIPTIONS = Subscription.__table__
_SUBSCRIPTION = select(_SUBSCRIPTIONS).where(
    _SUBSCRIPTIONS.c.chat_id == bindparam("chat"),
    _SUBSCRIPTIONS.c.thread_id == bindparam("thread"),
)


def _view(row: Subscription | Row[Any]) -> SubscriptionView:
    return copied_into(SubscriptionView, row, topics=tuple(row.topics.split()))


class Subscriptions:
    """Reads and writes the subscriptions table."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock
        self.engine = engine_of(factory)

    def get(self, chat_id: int, thread_id: int = 0) -> SubscriptionView | None:
        """The chat's subscription (active or not), if it ever had one."""
        # a plain row on a plain connection (db.engine_of): /start and /settings wait on it
        with self.engine.connect() as connection:
            row = connection.execute(_SUBSCRIPTION, {"chat": chat_id, "thread": thread_id}).first()
            return _view(row) if row else None

    def subscribe(
        self,
        chat_id: int,
        thread_id: int = 0,
        *,
        chat_type: str = "private",
        title: str | None = None,
        topics: tuple[str, ...] = (),
        language: str = "en",
        watches_only: bool = False,
    ) -> tuple[bool, SubscriptionView]:
        """Subscribe (or change the filter; ``watches_only``: only the papers the chat's
        watches match); returns (state changed, new state)."""
        for _ in range(2):  # a concurrent insert of the same chat: retry as an update
            try:
                with self.factory.begin() as session:
                    row = session.scalars(
                        select(Subscription).where(
                            Subscription.chat_id == chat_id, Subscription.thread_id == thread_id
                        )
                    ).first()
                    wanted = " ".join(topics)
                    if row is None:
                        row = Subscription(
                            chat_id=chat_id,
                            thread_id=thread_id,
                            chat_type=chat_type,
                            title=title,
                            topics=wanted,
                            language=language,
                            active=True,
                            watches_only=watches_only,
                            subscribed_at=self.clock(),
                            changed_at=self.clock(),
                        )
                        session.add(row)
                        return True, _view(row)
                    changed = (
                        not row.active or row.topics != wanted or row.watches_only != watches_only
                    )
                    if changed:
                        if not row.active:
                            row.subscribed_at = self.clock()
                        row.active, row.topics, row.reason = True, wanted, None
                        row.watches_only = watches_only
                        row.changed_at = self.clock()
                    row.chat_type, row.language = chat_type, language
                    row.title = title or row.title
                    return changed, _view(row)
            except IntegrityError:
                continue
        raise RuntimeError(f"could not subscribe chat {chat_id}")

    def unsubscribe(self, chat_id: int, thread_id: int | None = 0, reason: str = "user") -> bool:
        """Stop the weekly post; ``thread_id=None`` means every topic of the chat."""
        with self.factory.begin() as session:
            stmt = update(Subscription).where(
                Subscription.chat_id == chat_id, Subscription.active.is_(True)
            )
            if thread_id is not None:
                stmt = stmt.where(Subscription.thread_id == thread_id)
            result = session.execute(
                stmt.values(active=False, reason=reason, changed_at=self.clock())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_poll(self, chat_id: int, thread_id: int, on: bool) -> bool | None:
        """Turn the weekly reading poll on or off; whether it changed, None if the chat has
        no active subscription."""
        with self.factory.begin() as session:
            row = session.scalars(
                select(Subscription).where(
                    Subscription.chat_id == chat_id,
                    Subscription.thread_id == thread_id,
                    Subscription.active.is_(True),
                )
            ).first()
            if row is None:
                return None
            changed = row.poll != on
            row.poll = on
            return changed

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its subscriptions (and its reading list and
        polls) to the new id."""
        with self.factory.begin() as session:
            move_reading_list(session, old_chat_id, new_chat_id)
            move_polls(session, old_chat_id, new_chat_id)
            move_watches(session, old_chat_id, new_chat_id)
            rows = session.scalars(
                select(Subscription).where(Subscription.chat_id == old_chat_id)
            ).all()
            taken = set(
                session.scalars(
                    select(Subscription.thread_id).where(Subscription.chat_id == new_chat_id)
                )
            )
            for row in rows:
                if row.thread_id in taken:
                    row.active, row.reason = False, f"migrated to {new_chat_id}"
                else:
                    row.chat_id, row.chat_type, row.changed_at = (
                        new_chat_id,
                        "supergroup",
                        self.clock(),
                    )

    def active_targets(self) -> list[Target]:
        """Every active subscription as a delivery target, oldest first."""
        with self.factory() as session:
            rows = session.scalars(
                select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)
            ).all()
            return [
                Target(r.chat_id, r.thread_id, tuple(r.topics.split()), r.language, r.watches_only)
                for r in rows
            ]

    def count_active(self) -> int:
        """Number of active subscriptions."""
        with self.factory() as session:
            stmt = select(func.count(Subscription.id)).where(Subscription.active.is_(True))
            return int(session.scalar(stmt) or 0)
