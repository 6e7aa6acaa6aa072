"""Watches (a chat's saved queries) and what a chat has shown it likes (its signals).

* :class:`WatchStore` — ``/watch``, ``/watches``, ``/unwatch``: at most ``MAX_WATCHES`` a
  chat, a query at most once; every chat's watches at once for the weekly post and the
  upload preview.
* :meth:`WatchStore.signals` — one chat's 📌 saves, poll votes and watches, the input of
  its relevance model (``bot.services.relevance``), and a fingerprint that changes when
  they do. Only ever read for that chat: no chat sees another's signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.watches import MAX_WATCHES
from bot.store.db import engine_of
from bot.store.models import ReadingEntry, ReadingPoll, ReadingPollVote, Watch


class WatchAdded(StrEnum):
    """What ``/watch`` did."""

    ADDED = "added"
    EXISTS = "exists"  # the chat watches this query already
    FULL = "full"  # MAX_WATCHES already


@dataclass(frozen=True, slots=True)
class WatchView:
    """One saved query of a chat."""

    id: int
    chat_id: int
    query: str


@dataclass(frozen=True, slots=True)
class ChatSignals:
    """What a chat has shown it cares about, newest first, and their fingerprint."""

    saved: tuple[int, ...]  # paper ids on its reading list
    voted: tuple[int, ...]  # paper ids it voted for in its reading polls
    watches: tuple[str, ...]

    @property
    def papers(self) -> tuple[int, ...]:
        """Saved and voted papers, once each."""
        return tuple(dict.fromkeys(self.saved + self.voted))

    @property
    def count(self) -> int:
        """How many signals: papers liked plus watches."""
        return len(self.papers) + len(self.watches)

    @property
    def fingerprint(self) -> tuple[object, ...]:
        """Changes whenever a signal is added or removed (the model is retrained then)."""
        return (self.saved, self.voted, self.watches)


def _voted(paper_ids: Sequence[int], option_ids: Sequence[int]) -> list[int]:
    """The papers a vote chose (option i of a poll is its paper_ids[i])."""
    return [int(paper_ids[int(o)]) for o in option_ids if 0 <= int(o) < len(paper_ids)]


def move_watches(session: Session, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its watches follow (those the new id has stay once)."""
    taken = set(session.scalars(select(Watch.query).where(Watch.chat_id == new_chat_id)))
    for row in session.scalars(select(Watch).where(Watch.chat_id == old_chat_id)).all():
        if row.query in taken:
            session.delete(row)
        else:
            row.chat_id = new_chat_id


class WatchStore:
    """Reads and writes the ``watches`` table, and reads a chat's signals."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock
        self.engine = engine_of(factory)

    def add(self, chat_id: int, query: str, user_id: int | None) -> tuple[WatchAdded, WatchView]:
        """Watch ``query`` in ``chat_id``; the watch (new or the existing one) and what
        happened."""
        try:
            with self.factory.begin() as session:
                rows = session.scalars(
                    select(Watch).where(Watch.chat_id == chat_id).order_by(Watch.id)
                ).all()
                same = next((r for r in rows if r.query.casefold() == query.casefold()), None)
                if same is not None:
                    return WatchAdded.EXISTS, WatchView(same.id, chat_id, same.query)
                if len(rows) >= MAX_WATCHES:
                    return WatchAdded.FULL, WatchView(0, chat_id, query)
                row = Watch(
                    chat_id=chat_id, query=query, created_by=user_id, created_at=self.clock()
                )
                session.add(row)
                session.flush()
                return WatchAdded.ADDED, WatchView(row.id, chat_id, query)
        except IntegrityError:  # the same query added at the same moment elsewhere
            existing = next(w for w in self.of_chat(chat_id) if w.query == query)
            return WatchAdded.EXISTS, existing

    def of_chat(self, chat_id: int) -> list[WatchView]:
        """The chat's watches, oldest first."""
        with self.factory() as session:
            rows = session.execute(
                select(Watch.id, Watch.query).where(Watch.chat_id == chat_id).order_by(Watch.id)
            )
            return [WatchView(watch_id, chat_id, query) for watch_id, query in rows]

    def remove(self, chat_id: int, watch_id: int) -> WatchView | None:
        """Stop watching; the removed watch, None if the chat had no such watch."""
        with self.factory.begin() as session:
            row = session.get(Watch, watch_id)
            if row is None or row.chat_id != chat_id:
                return None
            view = WatchView(row.id, chat_id, row.query)
            session.delete(row)
            return view

    def remove_all(self, chat_id: int) -> int:
        """Stop every watch of the chat; how many there were."""
        with self.factory.begin() as session:
            result = session.execute(delete(Watch).where(Watch.chat_id == chat_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def by_chat(self) -> dict[int, list[WatchView]]:
        """Every chat's watches (the weekly post and the upload preview read them all)."""
        found: dict[int, list[WatchView]] = {}
        with self.factory() as session:
            rows = session.execute(
                select(Watch.id, Watch.chat_id, Watch.query).order_by(Watch.chat_id, Watch.id)
            )
            for watch_id, chat_id, query in rows:
                found.setdefault(chat_id, []).append(WatchView(watch_id, chat_id, query))
        return found

    def count_chats(self) -> int:
        """How many chats watch anything (for /stats)."""
        with self.factory() as session:
            return int(session.scalar(select(func.count(func.distinct(Watch.chat_id)))) or 0)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its watches."""
        with self.factory.begin() as session:
            move_watches(session, old_chat_id, new_chat_id)

    # --- signals --------------------------------------------------------------------

    def signals_of(self, chat_ids: Sequence[int]) -> dict[int, ChatSignals]:
        """The signals of many chats in a few queries (the weekly post: every target);
        each chat's only ever used for that chat."""
        wanted = sorted(set(chat_ids))
        saved: dict[int, list[int]] = {}
        voted: dict[int, list[int]] = {}
        watches: dict[int, list[str]] = {}
        with self.factory() as session:
            for start in range(0, len(wanted), 500):  # bound-parameter limits
                chunk = wanted[start : start + 500]
                for chat_id, paper_id in session.execute(
                    select(ReadingEntry.chat_id, ReadingEntry.paper_id)
                    .where(ReadingEntry.chat_id.in_(chunk))
                    .order_by(ReadingEntry.saved_at.desc(), ReadingEntry.id.desc())
                ):
                    saved.setdefault(chat_id, []).append(paper_id)
                for chat_id, paper_ids, option_ids in session.execute(
                    select(ReadingPoll.chat_id, ReadingPoll.paper_ids, ReadingPollVote.option_ids)
                    .join(ReadingPollVote, ReadingPollVote.poll_row_id == ReadingPoll.id)
                    .where(ReadingPoll.chat_id.in_(chunk))
                    .order_by(ReadingPollVote.voted_at.desc())
                ):
                    voted.setdefault(chat_id, []).extend(_voted(paper_ids, option_ids))
                for chat_id, query in session.execute(
                    select(Watch.chat_id, Watch.query)
                    .where(Watch.chat_id.in_(chunk))
                    .order_by(Watch.id)
                ):
                    watches.setdefault(chat_id, []).append(query)
        return {
            chat_id: ChatSignals(
                tuple(saved.get(chat_id, ())),
                tuple(dict.fromkeys(voted.get(chat_id, ()))),
                tuple(watches.get(chat_id, ())),
            )
            for chat_id in wanted
        }

    def signals(self, chat_id: int) -> ChatSignals:
        """One chat's saves, poll votes and watches (its own only)."""
        # plain statements on a plain connection (db.engine_of): /foryou waits on this
        with self.engine.connect() as connection:
            saved = tuple(connection.scalars(_SAVED, {"chat": chat_id}))
            voted: list[int] = []
            for paper_ids, option_ids in connection.execute(_VOTES, {"chat": chat_id}):
                voted.extend(_voted(paper_ids, option_ids))
            watches = tuple(connection.scalars(_WATCHES, {"chat": chat_id}))
        return ChatSignals(saved, tuple(dict.fromkeys(voted)), watches)


_SAVED = (
    select(ReadingEntry.paper_id)
    .where(ReadingEntry.chat_id == bindparam("chat"))
    .order_by(ReadingEntry.saved_at.desc(), ReadingEntry.id.desc())
)
_VOTES = (
    select(ReadingPoll.paper_ids, ReadingPollVote.option_ids)
    .join(ReadingPollVote, ReadingPollVote.poll_row_id == ReadingPoll.id)
    .where(ReadingPoll.chat_id == bindparam("chat"))
    .order_by(ReadingPollVote.voted_at.desc())
)
_WATCHES = select(Watch.query).where(Watch.chat_id == bindparam("chat")).order_by(Watch.id)


__all__ = ["ChatSignals", "WatchAdded", "WatchStore", "WatchView", "move_watches"]
