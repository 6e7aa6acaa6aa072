"""Digests added from the chat and the publishing queue edited there (issue 15).

An admin sends a digest (a ``.md``/``.txt`` document or ``/add <text>``); :func:`receive`
parses it as ingestion would, proposes an id from its week and keeps it as a pending upload
(in the database: :mod:`bot.store.pending`). The preview's buttons set the week or the id
and end in :func:`add` (the file into content/, the entry into digests.yaml, then the same
ingest and config-version bump as ``/reload``, so every instance follows) or
:func:`discard`. :func:`move` and :func:`skip` edit the order of digests.yaml for ``/queue``.

Duplicates: text identical to a listed digest's is refused (no ✅: it would be the same
week twice); a digest for a week that a listed one already covers is pointed out, and its
button reads "✅ Add anyway" — pressing it is the admin's confirmation.

Everything here blocks (files, parsing, database): handlers call it through ``db()``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.config import BotConfig, ConfigError, DigestEntry, digest_id_problem
from bot.content import LoadedDigest, listed_file_hash, parse_upload
from bot.domain.dates import date_problem
from bot.domain.models import DigestParseError
from bot.domain.parsing import LAYOUT_NAMES
from bot.domain.parsing.week import parse_week
from bot.domain.preview import DigestPreview
from bot.services import Services
from bot.store.config_files import (
    ConfigEditError,
    NewDigest,
    ReadOnlyConfig,
    Written,
    add_digest,
    content_folder,
    entry_text,
    file_name,
    move_digest,
    set_skip,
)
from bot.store.content_repo import remember_chat_added, stored_weeks
from bot.store.pending import Pending

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".txt")


@dataclass(frozen=True, slots=True)
class UploadView:
    """A pending upload as its preview shows it."""

    pending: Pending
    preview: DigestPreview
    same_content_as: str | None  # a listed digest with exactly this text: no ✅
    same_week_as: str | None  # a listed digest of the same week: ✅ asks to confirm
    id_taken: bool  # the id is listed already: no ✅ until 🆔 changes it
    watch_reach: int = 0  # chats whose watches match one of its papers

    @property
    def can_add(self) -> bool:
        """Whether ✅ is offered."""
        return self.same_content_as is None and not self.id_taken


@dataclass(frozen=True, slots=True)
class Refused:
    """An upload that is not a digest: ``problem`` is ``file:line: reason`` or a sentence."""

    problem: str


@dataclass(frozen=True, slots=True)
class Added:
    """A digest added by ✅: its place in the queue (1 = next) and when it goes out."""

    digest_id: str
    papers: int
    place: int | None  # None: not in the queue (skipped, or published already)
    queue_length: int
    post_time: datetime | None
    file: Path
    watch_reach: int = 0  # chats whose watches match one of its papers


@dataclass(frozen=True, slots=True)
class ReadOnly:
    """✅ on a read-only config: the two things to commit by hand."""

    folder: Path
    file_name: str
    content: bytes
    entry_text: str
    digests_file: str


@dataclass(frozen=True, slots=True)
class NotAdded:
    """✅ that could not add (the id was taken meanwhile, ...): the upload stays pending."""

    problem: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One upcoming digest of ``/queue``."""

    digest_id: str
    week: date | None
    skipped: bool


@dataclass(frozen=True, slots=True)
class Queue:
    """The upcoming digests in publishing order, and when the next post goes out;
    ``version`` identifies this order (its buttons carry it)."""

    items: list[QueueItem] = field(default_factory=list)
    next_post: datetime | None = None
    version: str = ""


def queue_version(rows: list[tuple[str, date | None, bool]]) -> str:
    """8 hex digits that change whenever the upcoming digests, their order or their skips
    change: the compare half of /queue's compare-and-swap."""
    text = "|".join(f"{digest_id}:{int(skipped)}" for digest_id, _week, skipped in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def propose_id(week: date | None, taken: set[str], today: date) -> str:
    """``2025-w21`` for a digest of that ISO week (``-2``, ``-3`` … when taken);
    ``new-digest`` (``-2`` …) without a week."""
    if week is not None:
        year, number, _ = week.isocalendar()
        base = f"{year}-w{number:02d}"
    else:
        base = "new-digest"  # no digits: the parser would read a date in a file name as the week
    candidate, count = base, 1
    while candidate in taken:
        count += 1
        candidate = f"{base}-{count}"
    return candidate


def _entry(config: BotConfig, pending: Pending) -> DigestEntry:
    folder = content_folder(config)
    return DigestEntry(
        id=pending.digest_id,
        file=folder / file_name(pending.digest_id, pending.suffix),
        week=pending.week,
        format=pending.format,
    )


def _parse(config: BotConfig, entry: DigestEntry, raw: bytes) -> LoadedDigest | Refused:
    try:
        return parse_upload(config, entry, raw)
    except DigestParseError as exc:
        return Refused(str(exc))


def receive(
    services: Services, admin_id: int, chat_id: int, name: str, raw: bytes, today: date
) -> UploadView | Refused:
    """Parse an upload; a digest becomes a pending upload with a proposed id and week."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return Refused(f"{name}: not a .md or .txt file")
    try:
        config = services.config_on_disk()
    except ConfigError as exc:  # a broken config on disk: say so, store nothing
        return Refused(str(exc))
    taken = {entry.id for entry in config.digests}
    # the name as sent, for the refusal's ``file:line`` only: it is never a path here
    first = _parse(config, DigestEntry(id="upload", file=Path(Path(name).name)), raw)
    if isinstance(first, Refused):
        log.info("admin %s sent %r: refused (%s)", admin_id, name, first.problem)
        return first
    week = first.week_start
    digest_id = propose_id(week, taken, today)
    pending = services.pending.create(admin_id, chat_id, name, suffix, raw, digest_id, week)
    log.info("admin %s sent %r: pending upload %d as %s", admin_id, name, pending.id, digest_id)
    return view(services, pending.id) or Refused("the upload is gone")


def view(services: Services, pending_id: int) -> UploadView | Refused | None:
    """The preview of a pending upload as it is now (None once it is gone)."""
    pending = services.pending.get(pending_id)
    if pending is None:
        return None
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        return Refused(str(exc))
    loaded = _parse(config, _entry(config, pending), pending.content)
    if isinstance(loaded, Refused):
        return loaded
    known: list[tuple[str, str | None, date | None]] = list(stored_weeks(services.factory))
    stored = {digest_id for digest_id, _hash, _week in known}
    # listed in digests.yaml but not reloaded yet: its file on disk and its configured week
    known += [
        (entry.id, listed_file_hash(entry), entry.week)
        for entry in config.digests
        if entry.id not in stored
    ]
    same_content = same_week = None
    for digest_id, content_hash, week in known:
        if content_hash == loaded.content_hash and same_content is None:
            same_content = digest_id
        if week is not None and week == loaded.week_start and same_week is None:
            same_week = digest_id
    return UploadView(
        pending=pending,
        preview=loaded.preview(listed=True),
        same_content_as=same_content,
        same_week_as=same_week,
        id_taken=any(entry.id == pending.digest_id for entry in config.digests),
        watch_reach=services.relevance.watch_reach(loaded.preview(listed=True).papers),
    )


def set_week(services: Services, pending_id: int, text: str) -> str | None:
    """🗓: the week from ``text``; None when set, else what is wrong (``not a week``, or a
    date outside :func:`bot.domain.dates.sane_date_range`). An id proposed from the old
    week follows the new one."""
    try:
        week = parse_week(text)
    except (ValueError, OverflowError):
        week = None
    if week is None:
        return "not a week"
    out_of_range = date_problem(week, services.clock().date())
    if out_of_range:
        return out_of_range
    pending = services.pending.get(pending_id)
    if pending is None:
        return "gone"
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        return str(exc)
    taken = {entry.id for entry in config.digests}
    today = services.clock().date()
    # an id the bot proposed from the old week follows the new week; one the admin chose stays
    new_id = None
    if pending.digest_id == propose_id(pending.week, taken, today):
        new_id = propose_id(week, taken, today)
    services.pending.set_week(pending_id, week, new_id)
    log.info("admin %s set the week of upload %d to %s", pending.admin_id, pending_id, week)
    return None


def set_reading(services: Services, pending_id: int, layout: str) -> str | None:
    """📖: read the upload as ``layout`` (one the preview offered); None when set, else
    what is wrong. ✅ then stores it as ``format:`` in the digests.yaml entry."""
    if layout not in LAYOUT_NAMES:
        return "unknown reading"
    pending = services.pending.get(pending_id)
    if pending is None or not services.pending.set_format(pending_id, layout):
        return "gone"
    log.info("admin %s: upload %d read as %s", pending.admin_id, pending_id, layout)
    return None


def set_id(services: Services, pending_id: int, text: str) -> str | None:
    """🆔: the id from ``text``; None when set, else what is wrong."""
    digest_id = text.strip().lower()
    problem = digest_id_problem(digest_id)
    if problem is not None:
        return problem
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        return str(exc)
    if any(entry.id == digest_id for entry in config.digests):
        return f"{digest_id!r} is taken"
    pending = services.pending.get(pending_id)
    if pending is None or not services.pending.set_id(pending_id, digest_id):
        return "gone"
    log.info("admin %s set the id of upload %d to %s", pending.admin_id, pending_id, digest_id)
    return None


def discard(services: Services, pending_id: int, admin_id: int) -> Pending | None:
    """❌: forget the upload (nothing was written); None when it was gone already."""
    gone = services.pending.take(pending_id)
    log.info("admin %s discarded upload %d (%s)", admin_id, pending_id, "ok" if gone else "gone")
    return gone


def add(
    services: Services, pending_id: int, admin_id: int, now: datetime
) -> Added | ReadOnly | NotAdded | None:
    """✅: write the file and the entry, ingest, bump the config version. None when the
    upload is gone (added or discarded already, maybe on another instance)."""
    current = view(services, pending_id)
    if current is None:
        return None
    if isinstance(current, Refused):
        return NotAdded(current.problem)
    if current.same_content_as is not None:
        return NotAdded(f"the same text is listed already as {current.same_content_as}")
    if current.id_taken:
        return NotAdded(f"{current.pending.digest_id!r} is taken")
    pending = services.pending.take(pending_id)
    if pending is None:
        return None
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        services.pending.put_back(pending)
        return NotAdded(str(exc))
    new = NewDigest(
        pending.digest_id, pending.suffix, pending.content, pending.week, pending.format
    )
    try:
        written: Written = add_digest(config, new, services.clock().date())
    except ReadOnlyConfig as exc:
        # the upload ends here: the admin commits the two things sent back and deploys
        log.info("admin %s: upload %d not added, %s", admin_id, pending_id, exc)
        return ReadOnly(
            folder=exc.folder,
            file_name=file_name(new.digest_id, new.suffix),
            content=new.content,
            entry_text=entry_text(config, new),
            digests_file=config.digests_path.name,
        )
    except (ConfigEditError, OSError) as exc:
        services.pending.put_back(pending)
        return NotAdded(str(exc))
    # instances with config/ and content/ of their own keep it on their restarts
    remember_chat_added(services.factory, new.digest_id, written.file.name)
    try:
        report = services.reload()
    except ConfigError as exc:  # the entry is written; the admin sees why it is not live
        return NotAdded(str(exc))
    log.info("admin %s added digest %s (upload %d)", admin_id, pending.digest_id, pending_id)
    queue = queue_of(services, now)
    upcoming = [item.digest_id for item in queue.items if not item.skipped]
    place = upcoming.index(pending.digest_id) + 1 if pending.digest_id in upcoming else None
    post_time = None
    if place is not None and queue.next_post is not None:
        post_time = queue.next_post + timedelta(weeks=place - 1)
    return Added(
        digest_id=pending.digest_id,
        papers=report.papers.get(pending.digest_id, len(current.preview.papers)),
        place=place,
        queue_length=len(upcoming),
        post_time=post_time,
        file=written.file,
        watch_reach=current.watch_reach,
    )


def queue_of(services: Services, now: datetime) -> Queue:
    """``/queue``: what the weekly job will post, in its order (skipped ones marked)."""
    rows = services.ledger.upcoming()
    return Queue(
        [QueueItem(*row) for row in rows], services.next_post_time(now), queue_version(rows)
    )


def move(services: Services, digest_id: str, up: bool, admin_id: int, version: str) -> str | None:
    """Swap ``digest_id`` with its upcoming neighbour in digests.yaml, then reload. None
    when done, else what is wrong (``read-only`` for a read-only config folder, ``stale``
    when the queue changed since the button was drawn: ``version`` is the queue it saw).

    Compare and swap: the queue is read, compared and written under the queue lock, and
    the reload that stores the new order ends before the lock is let go, so two instances'
    presses never both act on the same old order."""
    with services.ledger.queue_lock():
        rows = services.ledger.upcoming()
        if queue_version(rows) != version:
            log.info("admin %s: stale /queue press on %s refused", admin_id, digest_id)
            return "stale"
        return _move(services, [digest for digest, _w, _s in rows], digest_id, up, admin_id)


def _move(
    services: Services, ids: list[str], digest_id: str, up: bool, admin_id: int
) -> str | None:
    if digest_id not in ids:
        return "gone"
    index = ids.index(digest_id)
    neighbour = index - 1 if up else index + 1
    if not 0 <= neighbour < len(ids):
        return "edge"
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        return str(exc)
    return _edit(
        services,
        admin_id,
        f"moved {digest_id} {'up' if up else 'down'}",
        lambda: move_digest(
            config, digest_id, ids[neighbour] if up else None, None if up else ids[neighbour]
        ),
    )


def skip(
    services: Services, digest_id: str, skipped: bool, admin_id: int, version: str
) -> str | None:
    """Set or clear ``skip: true`` on an upcoming digest, then reload (as :func:`move`)."""
    with services.ledger.queue_lock():
        rows = services.ledger.upcoming()
        if queue_version(rows) != version:
            return "stale"
        return _skip(services, {digest for digest, _w, _s in rows}, digest_id, skipped, admin_id)


def _skip(
    services: Services, ids: set[str], digest_id: str, skipped: bool, admin_id: int
) -> str | None:
    if digest_id not in ids:
        return "gone"
    try:
        config = services.config_on_disk()
    except ConfigError as exc:
        return str(exc)
    return _edit(
        services,
        admin_id,
        f"{'skipped' if skipped else 'unskipped'} {digest_id}",
        lambda: set_skip(config, digest_id, skipped),
    )


def _edit(services: Services, admin_id: int, what: str, write: Callable[[], None]) -> str | None:
    try:
        write()
    except ReadOnlyConfig:
        return "read-only"
    except ConfigEditError as exc:
        return str(exc)
    try:
        services.reload()
    except ConfigError as exc:
        return str(exc)
    log.info("admin %s %s in digests.yaml", admin_id, what)
    return None
