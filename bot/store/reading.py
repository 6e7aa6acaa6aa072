"""Reading lists: the papers each chat saved, who saved them, and which were read.

A group's list is shared by its members, a private chat's is personal; a paper is on a
chat's list at most once. The public API other features build on:

* :meth:`ReadingList.save` — put a paper on a chat's list (idempotent: saving it again
  changes nothing and returns False); ``saved_by=None`` means the bot saved it (a poll's
  winner);
* :meth:`ReadingList.remove`, :meth:`ReadingList.mark_read`, :meth:`ReadingList.entry`,
  :meth:`ReadingList.page`, :meth:`ReadingList.entries`, :meth:`ReadingList.saved_ids`;
* :meth:`ReadingList.top` — the most saved papers of one chat or of all chats, as
  :class:`TopPaper` (``saves``, ``votes``): votes are a second count another table can add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.models import copied_into
from bot.store.db import engine_of
from bot.store.models import ReadingEntry

NAME_CHARS = 200  # the column's width
_SAVED_AMONG = select(ReadingEntry.paper_id).where(
    ReadingEntry.chat_id == bindparam("chat"),
    ReadingEntry.paper_id.in_(bindparam("ids", expanding=True)),
)


@dataclass(frozen=True, slots=True)
class ReadingItem:
    """One paper on a chat's list."""

    chat_id: int
    paper_id: int
    saved_by: int | None  # None: the bot saved it (a poll's winner)
    saved_by_name: str
    saved_at: datetime
    read_at: datetime | None
    read_by: int | None

    @property
    def is_read(self) -> bool:
        """Whether someone marked it read."""
        return self.read_at is not None


@dataclass(frozen=True, slots=True)
class TopPaper:
    """A paper's counts in a period: saves (chats that saved it) and poll votes."""

    paper_id: int
    saves: int
    votes: int = 0

    @property
    def score(self) -> int:
        """What ranks it: every save and every vote counts one."""
        return self.saves + self.votes


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _item(row: ReadingEntry) -> ReadingItem:
    return copied_into(ReadingItem, row, saved_at=_aware(row.saved_at), read_at=_aware(row.read_at))


def move_reading_list(session: Session, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its list goes along (in the caller's transaction);
    a paper the new chat already has keeps the new chat's entry."""
    taken = set(
        session.scalars(select(ReadingEntry.paper_id).where(ReadingEntry.chat_id == new_chat_id))
    )
    rows = session.scalars(select(ReadingEntry).where(ReadingEntry.chat_id == old_chat_id)).all()
    for row in rows:
        if row.paper_id in taken:
            session.delete(row)
        else:
            row.chat_id = new_chat_id


class ReadingList:
    """Reads and writes the ``reading_entries`` table."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock
        self.engine = engine_of(factory)

    def save(
        self,
        chat_id: int,
        paper_id: int,
        saved_by: int | None,
        saved_by_name: str = "",
        *,
        now: datetime | None = None,
    ) -> bool:
        """Put ``paper_id`` on the chat's list; False if it was there already (nothing
        changes then, whoever saves it again)."""
        try:
            with self.factory.begin() as session:
                exists = session.scalar(
                    select(ReadingEntry.id).where(
                        ReadingEntry.chat_id == chat_id, ReadingEntry.paper_id == paper_id
                    )
                )
                if exists is not None:
                    return False
                session.add(
                    ReadingEntry(
                        chat_id=chat_id,
                        paper_id=paper_id,
                        saved_by=saved_by,
                        saved_by_name=saved_by_name[:NAME_CHARS],
                        saved_at=now or self.clock(),
                    )
                )
            return True
        except IntegrityError:  # saved at the same moment by someone else
            return False

    def remove(self, chat_id: int, paper_id: int) -> bool:
        """Take the paper off the chat's list; False if it was not on it."""
        with self.factory.begin() as session:
            result = session.execute(
                delete(ReadingEntry).where(
                    ReadingEntry.chat_id == chat_id, ReadingEntry.paper_id == paper_id
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def entry(self, chat_id: int, paper_id: int) -> ReadingItem | None:
        """The paper's entry on the chat's list, if it is on it."""
        with self.factory() as session:
            row = session.scalars(
                select(ReadingEntry).where(
                    ReadingEntry.chat_id == chat_id, ReadingEntry.paper_id == paper_id
                )
            ).first()
            return _item(row) if row else None

    def saved_ids(self, chat_id: int, paper_ids: Iterable[int]) -> set[int]:
        """Which of ``paper_ids`` are on the chat's list."""
        wanted = list(paper_ids)
        if not wanted:
            return set()
        # a plain connection (db.engine_of): every /paper card and list waits on this
        with self.engine.connect() as connection:
            return set(connection.scalars(_SAVED_AMONG, {"chat": chat_id, "ids": wanted}))

    def mark_read(self, chat_id: int, paper_id: int, user_id: int | None, read: bool) -> bool:
        """Mark the entry read (by ``user_id``) or unread; False if it is not on the list."""
        with self.factory.begin() as session:
            row = session.scalars(
                select(ReadingEntry).where(
                    ReadingEntry.chat_id == chat_id, ReadingEntry.paper_id == paper_id
                )
            ).first()
            if row is None:
                return False
            row.read_at, row.read_by = (self.clock(), user_id) if read else (None, None)
            return True

    def page(self, chat_id: int, offset: int, limit: int) -> tuple[list[ReadingItem], int]:
        """A page of the chat's list, newest first, and how many entries it has."""
        with self.factory() as session:
            total = int(
                session.scalar(
                    select(func.count(ReadingEntry.id)).where(ReadingEntry.chat_id == chat_id)
                )
                or 0
            )
            rows = session.scalars(
                select(ReadingEntry)
                .where(ReadingEntry.chat_id == chat_id)
                .order_by(ReadingEntry.saved_at.desc(), ReadingEntry.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return [_item(row) for row in rows], total

    def entries(self, chat_id: int) -> list[ReadingItem]:
        """The chat's whole list, newest first."""
        items, _ = self.page(chat_id, 0, 10_000)
        return items

    def top(
        self, chat_id: int | None, since: datetime | None = None, limit: int = 10
    ) -> list[TopPaper]:
        """The papers saved most since ``since`` (None: ever): by one chat, or with
        ``chat_id=None`` across every chat (counts only: never which chat saved what).

        ``votes`` is 0 here; a poll's votes are a second count to add to the score.
        """
        saves = func.count(ReadingEntry.id).label("saves")
        latest = func.max(ReadingEntry.saved_at)
        stmt = select(ReadingEntry.paper_id, saves).group_by(ReadingEntry.paper_id)
        if chat_id is not None:
            stmt = stmt.where(ReadingEntry.chat_id == chat_id)
        if since is not None:
            stmt = stmt.where(ReadingEntry.saved_at >= since)
        stmt = stmt.order_by(saves.desc(), latest.desc(), ReadingEntry.paper_id).limit(limit)
        with self.factory() as session:
            return [
                TopPaper(int(paper_id), int(count)) for paper_id, count in session.execute(stmt)
            ]

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its list to the new id."""
        with self.factory.begin() as session:
            move_reading_list(session, old_chat_id, new_chat_id)
