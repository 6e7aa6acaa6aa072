"""Digests sent in the chat and not yet added or discarded (the ``pending_uploads`` table).

An upload's preview buttons carry the row's id; the row holds the text, the proposed id
and week, and whether the admin was asked for a value (🗓 / 🆔). In the database, not in
memory: a restart between the preview and ✅, or a button answered by another instance,
finds the upload as it was left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.domain.models import copied_into
from bot.store.models import PendingUpload

AWAITING = ("week", "id")  # the values an admin can be asked for


@dataclass(frozen=True, slots=True)
class Pending:
    """One pending upload, copied out of its row."""

    id: int
    admin_id: int
    chat_id: int
    file_name: str
    suffix: str
    content: bytes
    digest_id: str
    week: date | None
    awaiting: str | None
    format: str | None = None  # the reading the admin picked (None: the parser chooses)


class PendingUploads:
    """Create, read, change and finish pending uploads; each call is one transaction."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.clock = clock

    def create(
        self,
        admin_id: int,
        chat_id: int,
        file_name: str,
        suffix: str,
        content: bytes,
        digest_id: str,
        week: date | None,
    ) -> Pending:
        """Store a new upload; its id is what the preview's buttons carry."""
        with self.factory.begin() as session:
            row = PendingUpload(
                admin_id=admin_id,
                chat_id=chat_id,
                file_name=file_name[:200],
                suffix=suffix,
                content=content,
                digest_id=digest_id,
                week=week,
                awaiting=None,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            return _copy(row)

    def get(self, pending_id: int) -> Pending | None:
        """The upload, or None once it was added or discarded."""
        with self.factory() as session:
            row = session.get(PendingUpload, pending_id)
            return _copy(row) if row is not None else None

    def awaiting_reply(self, admin_id: int, chat_id: int) -> Pending | None:
        """The upload of this admin in this chat that asked for a value, if any (the newest)."""
        with self.factory() as session:
            row = session.scalars(
                select(PendingUpload)
                .where(
                    PendingUpload.admin_id == admin_id,
                    PendingUpload.chat_id == chat_id,
                    PendingUpload.awaiting.is_not(None),
                )
                .order_by(PendingUpload.id.desc())
            ).first()
            return _copy(row) if row is not None else None

    def ask(self, pending_id: int, admin_id: int, chat_id: int, what: str | None) -> bool:
        """Mark the upload as waiting for ``what`` (``week``/``id``; None: nothing). Only one
        upload per admin and chat waits at a time. False when the upload is gone."""
        if what is not None and what not in AWAITING:
            raise ValueError(f"cannot ask for {what!r}")
        with self.factory.begin() as session:
            if what is not None:
                session.execute(
                    update(PendingUpload)
                    .where(PendingUpload.admin_id == admin_id, PendingUpload.chat_id == chat_id)
                    .values(awaiting=None)
                )
            changed = session.execute(
                update(PendingUpload).where(PendingUpload.id == pending_id).values(awaiting=what)
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]

    def set_week(self, pending_id: int, week: date, digest_id: str | None = None) -> bool:
        """Set the week (and, when given, the id that follows it); stop waiting."""
        values: dict[str, object] = {"week": week, "awaiting": None}
        if digest_id is not None:
            values["digest_id"] = digest_id
        return self._update(pending_id, values)

    def set_format(self, pending_id: int, layout: str) -> bool:
        """Read the upload as ``layout`` (stored as ``format:`` when it is added)."""
        return self._update(pending_id, {"format": layout, "awaiting": None})

    def set_id(self, pending_id: int, digest_id: str) -> bool:
        """Set the digest id; stop waiting."""
        return self._update(pending_id, {"digest_id": digest_id, "awaiting": None})

    def take(self, pending_id: int) -> Pending | None:
        """Remove the upload and return it: whoever takes it adds or discards it, once."""
        with self.factory.begin() as session:
            row = session.get(PendingUpload, pending_id, with_for_update=True)
            if row is None:
                return None
            pending = _copy(row)
            result = session.execute(delete(PendingUpload).where(PendingUpload.id == pending_id))
            # another instance deleted it between our read and delete: it is theirs
            return pending if result.rowcount else None  # type: ignore[attr-defined]

    def put_back(self, pending: Pending) -> None:
        """Store a taken upload again (its addition failed), with the same id."""
        with self.factory.begin() as session:
            row = PendingUpload(
                id=pending.id,
                admin_id=pending.admin_id,
                chat_id=pending.chat_id,
                file_name=pending.file_name,
                suffix=pending.suffix,
                content=pending.content,
                digest_id=pending.digest_id,
                week=pending.week,
                awaiting=None,
                created_at=self.clock(),
            )
            session.add(row)

    def _update(self, pending_id: int, values: dict[str, object]) -> bool:
        with self.factory.begin() as session:
            changed = session.execute(
                update(PendingUpload).where(PendingUpload.id == pending_id).values(**values)
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]


def _copy(row: PendingUpload) -> Pending:
    return copied_into(Pending, row)
