"""Reading polls: the poll sent to a chat after a weekly post, its votes and its outcome.

A poll row is *reserved* before ``sendPoll`` (the unique key publication × chat × topic makes
a second reservation fail, so a resumed or resent delivery never sends a second poll), then
*opened* with Telegram's message and poll ids. Votes come from ``poll_answer`` updates (one
row per voter, deleted on retraction); ``poll`` updates keep the per-option counts Telegram
shows. Closing is a compare-and-set on ``closed_at``: whichever process or command closes
first announces the winner, the others see it closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.models import copied_into
from bot.store.models import ReadingPoll, ReadingPollVote
from bot.store.reading import ReadingList, TopPaper


@dataclass(frozen=True, slots=True)
class PollView:
    """A reading poll as the jobs and handlers see it."""

    id: int
    publication_id: int | None
    digest_id: str
    chat_id: int
    thread_id: int
    language: str
    message_id: int | None
    poll_id: str | None
    paper_ids: tuple[int, ...]
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    winner_paper_id: int | None

    @property
    def is_open(self) -> bool:
        """Sent and not closed yet."""
        return self.message_id is not None and self.closed_at is None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _view(row: ReadingPoll) -> PollView:
    return copied_into(
        PollView,
        row,
        paper_ids=tuple(int(p) for p in row.paper_ids),
        opened_at=_aware(row.opened_at),
        closes_at=_aware(row.closes_at),
        closed_at=_aware(row.closed_at) if row.closed_at else None,
    )


def move_polls(session: Session, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its polls (and their votes) go along, so an open one is
    still closed and announced there (in the caller's transaction). Telegram keeps the
    group's messages in the supergroup; a poll the new chat already has for the same
    publication keeps the new chat's."""
    taken = {
        (publication, thread)
        for publication, thread in session.execute(
            select(ReadingPoll.publication_id, ReadingPoll.thread_id).where(
                ReadingPoll.chat_id == new_chat_id
            )
        )
    }
    rows = session.scalars(select(ReadingPoll).where(ReadingPoll.chat_id == old_chat_id)).all()
    for row in rows:
        if (row.publication_id, row.thread_id) not in taken:
            row.chat_id = new_chat_id


class PollStore:
    """Reads and writes ``reading_polls`` and ``reading_poll_votes``."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock

    # ------------------------------------------------------------------ sending

    def reserve(
        self,
        *,
        publication_id: int,
        digest_id: str,
        chat_id: int,
        thread_id: int,
        language: str,
        paper_ids: Sequence[int],
        opened_at: datetime,
        closes_at: datetime,
    ) -> int | None:
        """Claim the one poll of this publication in this chat; None if it was claimed."""
        try:
            with self.factory.begin() as session:
                row = ReadingPoll(
                    publication_id=publication_id,
                    digest_id=digest_id,
                    chat_id=chat_id,
                    thread_id=thread_id,
                    language=language,
                    paper_ids=list(paper_ids),
                    opened_at=opened_at,
                    closes_at=closes_at,
                )
                session.add(row)
                session.flush()
                return int(row.id)
        except IntegrityError:
            return None

    def opened(self, row_id: int, message_id: int, poll_id: str) -> None:
        """Telegram accepted the poll: remember where it is."""
        with self.factory.begin() as session:
            session.execute(
                update(ReadingPoll)
                .where(ReadingPoll.id == row_id)
                .values(message_id=message_id, poll_id=poll_id)
            )

    def failed(self, row_id: int, reason: str) -> None:
        """Telegram refused the poll: the reservation stays (no second try), closed."""
        with self.factory.begin() as session:
            session.execute(
                update(ReadingPoll)
                .where(ReadingPoll.id == row_id)
                .values(error=reason[:500], closed_at=self.clock())
            )

    # ------------------------------------------------------------------ reading

    def get(self, row_id: int) -> PollView | None:
        """The poll row ``row_id``."""
        with self.factory() as session:
            row = session.get(ReadingPoll, row_id)
            return _view(row) if row else None

    def by_poll_id(self, poll_id: str) -> PollView | None:
        """The poll Telegram knows as ``poll_id`` (None: not one of ours)."""
        with self.factory() as session:
            row = session.scalars(select(ReadingPoll).where(ReadingPoll.poll_id == poll_id)).first()
            return _view(row) if row else None

    def open_in_chat(self, chat_id: int, thread_id: int = 0) -> PollView | None:
        """The chat's newest open poll."""
        with self.factory() as session:
            row = session.scalars(
                select(ReadingPoll)
                .where(
                    ReadingPoll.chat_id == chat_id,
                    ReadingPoll.thread_id == thread_id,
                    ReadingPoll.message_id.is_not(None),
                    ReadingPoll.closed_at.is_(None),
                )
                .order_by(ReadingPoll.id.desc())
            ).first()
            return _view(row) if row else None

    def open_polls(self) -> list[PollView]:
        """Every sent poll not closed yet, soonest close first (rescheduled on start)."""
        with self.factory() as session:
            rows = session.scalars(
                select(ReadingPoll)
                .where(ReadingPoll.message_id.is_not(None), ReadingPoll.closed_at.is_(None))
                .order_by(ReadingPoll.closes_at, ReadingPoll.id)
            ).all()
            return [_view(r) for r in rows]

    def for_chat(self, chat_id: int) -> list[PollView]:
        """Every poll a chat was sent, oldest first."""
        with self.factory() as session:
            rows = session.scalars(
                select(ReadingPoll).where(ReadingPoll.chat_id == chat_id).order_by(ReadingPoll.id)
            ).all()
            return [_view(r) for r in rows]

    # ------------------------------------------------------------------ votes

    def answer(self, poll_id: str, user_id: int, option_ids: Sequence[int]) -> bool:
        """A ``poll_answer``: the voter's choice now (empty: retracted). False if the poll is
        not ours. Kept after the close too: Telegram takes no vote in a stopped poll, so an
        answer that arrives late (the bot was down) was cast while it was open."""
        with self.factory.begin() as session:
            row = session.scalars(select(ReadingPoll).where(ReadingPoll.poll_id == poll_id)).first()
            if row is None:
                return False
            valid = sorted({int(o) for o in option_ids if 0 <= int(o) < len(row.paper_ids)})
            vote = session.get(ReadingPollVote, (row.id, user_id))
            if not valid:
                if vote is not None:
                    session.delete(vote)
                return True
            if vote is None:
                session.add(
                    ReadingPollVote(
                        poll_row_id=row.id,
                        user_id=user_id,
                        option_ids=valid,
                        voted_at=self.clock(),
                    )
                )
            else:
                vote.option_ids, vote.voted_at = valid, self.clock()
            return True

    def poll_state(self, poll_id: str, counts: Sequence[int]) -> bool:
        """A ``poll`` update: the per-option counts Telegram shows. False if not ours."""
        with self.factory.begin() as session:
            result = session.execute(
                update(ReadingPoll)
                .where(ReadingPoll.poll_id == poll_id)
                .values(counts=[int(c) for c in counts])
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def tally(self, row_id: int) -> list[int]:
        """Votes per option: the voters' stored answers; for a poll with no answer rows
        (an anonymous one), the counts of the last ``poll`` update."""
        with self.factory() as session:
            row = session.get(ReadingPoll, row_id)
            if row is None:
                return []
            counts = [0] * len(row.paper_ids)
            votes = session.scalars(
                select(ReadingPollVote.option_ids).where(ReadingPollVote.poll_row_id == row_id)
            ).all()
            for option_ids in votes:
                for option in option_ids:
                    if 0 <= int(option) < len(counts):
                        counts[int(option)] += 1
            if not votes and row.counts:
                counts = [int(c) for c in row.counts[: len(counts)]]
                counts += [0] * (len(row.paper_ids) - len(counts))
            return counts

    def votes_by_paper(self, chat_id: int | None, since: datetime | None = None) -> dict[int, int]:
        """Votes each paper got in a chat's polls (``None``: every chat's, counts only),
        cast since ``since`` (None: ever); for ``/top``."""
        with self.factory() as session:
            stmt = select(ReadingPoll.paper_ids, ReadingPollVote.option_ids).join(
                ReadingPollVote, ReadingPollVote.poll_row_id == ReadingPoll.id
            )
            if chat_id is not None:
                stmt = stmt.where(ReadingPoll.chat_id == chat_id)
            if since is not None:
                stmt = stmt.where(ReadingPollVote.voted_at >= since)
            totals: dict[int, int] = {}
            for paper_ids, option_ids in session.execute(stmt):
                for option in option_ids:
                    if 0 <= int(option) < len(paper_ids):
                        paper = int(paper_ids[int(option)])
                        totals[paper] = totals.get(paper, 0) + 1
            return totals

    # ------------------------------------------------------------------ closing

    def close(self, row_id: int, winner_paper_id: int | None, closed_at: datetime) -> bool:
        """Close the poll with its winner; True only for the one caller that closed it."""
        with self.factory.begin() as session:
            result = session.execute(
                update(ReadingPoll)
                .where(ReadingPoll.id == row_id, ReadingPoll.closed_at.is_(None))
                .values(closed_at=closed_at, winner_paper_id=winner_paper_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


def top_with_votes(
    reading: ReadingList,
    polls: PollStore,
    chat_id: int | None,
    since: datetime | None = None,
    limit: int = 10,
) -> list[TopPaper]:
    """``/top``: the reading list's saves and the polls' votes together, ranked by both
    (every save and every vote counts one); on a tie, the reading list's own order."""
    saved = reading.top(chat_id, since, limit=10_000)
    votes = polls.votes_by_paper(chat_id, since)
    order = {row.paper_id: index for index, row in enumerate(saved)}
    saves = {row.paper_id: row.saves for row in saved}
    rows = [
        TopPaper(paper_id, saves.get(paper_id, 0), votes.get(paper_id, 0))
        for paper_id in set(saves) | set(votes)
    ]
    rows.sort(key=lambda r: (-r.score, order.get(r.paper_id, len(order)), r.paper_id))
    return rows[:limit]
