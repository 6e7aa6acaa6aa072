"""Digests and papers in the database: incremental ingestion, look-ups and export.

It stores plain loaded values (:class:`bot.content.LoadResult`) and never reads files or
config itself: :mod:`bot.services.ingestion` loads the files and hands them over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.content import LoadedDigest, LoadResult, TaggedPaper
from bot.domain.clock import Clock, system_clock
from bot.domain.searchtext import compact
from bot.domain.texts import plural
from bot.domain.topics import Taxonomy
from bot.store.db import INGEST_LOCK, exclusive
from bot.store.groups import store_repeats
from bot.store.models import Digest, KeyValue, Paper, PaperTopic, Topic
from bot.store.search import search_fields


@dataclass
class IngestReport:
    """What one ingestion changed; ``problems`` are refused files (``file:line: …``)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # added from the chat elsewhere: not retired
    papers: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # added or updated digest → how many chats' watches its papers match
    watch_reach: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when the store is different afterwards."""
        return bool(self.added or self.updated or self.retired or self.restored)

    def lines(self) -> list[str]:
        """Human-readable summary for the CLI and /reload."""
        out: list[str] = []
        for label, ids in (
            ("added", self.added),
            ("updated", self.updated),
            ("restored", self.restored),
            ("retired", self.retired),
        ):
            out.extend(
                f"{label}: {i} ({plural(self.papers.get(i, 0), 'paper', 'papers')})" for i in ids
            )
        if not self.changed:
            unchanged = plural(len(self.unchanged), "digest", "digests")
            out.append(f"nothing changed ({unchanged} up to date)")
        out.extend(
            f"kept: {i} (added from the chat on another instance; this instance's "
            "digests.yaml does not list it — copy its file and entry here to keep them alike)"
            for i in self.kept
        )
        out.extend(
            f"🔔 {i}: matches the watches of {plural(n, 'chat', 'chats')}"
            for i, n in self.watch_reach.items()
            if n
        )
        out.extend(f"problem: {p}" for p in self.problems)
        return out


def _paper_key(title_en: str, arxiv_id: str | None) -> str:
    return f"arxiv:{arxiv_id}" if arxiv_id else f"title:{compact(title_en)}"


def _apply_paper(paper: Paper, source: TaggedPaper) -> None:
    paper.position = source.position
    paper.title_en = source.title_en
    paper.title_zh = source.title_zh
    paper.abstract = source.abstract
    paper.arxiv_id = source.arxiv_id
    paper.url = source.url
    paper.links = "\n".join(source.links)
    paper.section = source.section
    paper.authors = source.authors
    paper.venue = source.venue
    fields = search_fields(
        source.title_en,
        source.title_zh,
        source.abstract,
        source.section,
        source.arxiv_id,
        source.authors,
        source.venue,
    )
    for name, value in fields.items():
        setattr(paper, name, value)
    wanted = list(source.topics)
    if [link.topic_id for link in paper.topic_links] != wanted:
        paper.topic_links = [
            PaperTopic(topic_id=topic_id, rank=rank) for rank, topic_id in enumerate(wanted)
        ]


def _insert(session: Session, model: type[Topic] | type[Digest]) -> Any:
    """``INSERT … ON CONFLICT`` for the session's database (both dialects spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def sync_topics(session: Session, taxonomy: Taxonomy) -> None:
    """Mirror ``topics.yaml`` into the topics table (topics are never deleted: papers refer).

    An upsert, so an instance that starts while another ingests never trips on a topic
    the other just added.
    """
    existing = {t.id: (t.name_en, t.name_zh, t.position) for t in session.scalars(select(Topic))}
    for position, topic in enumerate(taxonomy.topics):
        wanted = (topic.name_en, topic.name_zh, position)
        if existing.get(topic.id) == wanted:
            continue
        insert = _insert(session, Topic).values(
            id=topic.id, name_en=topic.name_en, name_zh=topic.name_zh, position=position
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=[Topic.id],
                set_={
                    "name_en": insert.excluded.name_en,
                    "name_zh": insert.excluded.name_zh,
                    "position": insert.excluded.position,
                },
            ),
            execution_options={"synchronize_session": False},
        )
    session.expire_all()  # rows loaded above may have been upserted behind the ORM's back


def _new_digest(session: Session, loaded: LoadedDigest, now: datetime) -> Digest:
    """The digest's row, inserted unless it exists already (``ON CONFLICT DO NOTHING``)."""
    values = {
        "id": loaded.entry.id,
        "title": loaded.title,
        "file": str(loaded.entry.file.name),
        "content_hash": "",  # written with the papers below
        "config_hash": "",
        "position": loaded.entry.position,
        "retired": False,
        "skipped": loaded.entry.skip,
        "created_at": now,
        "updated_at": now,
    }
    session.execute(_insert(session, Digest).values(**values).on_conflict_do_nothing())
    row = session.get(Digest, loaded.entry.id)
    assert row is not None  # inserted now or by another writer
    return row


def _write_digest(session: Session, row: Digest, loaded: LoadedDigest, now: datetime) -> None:
    row.title = loaded.title
    row.week_start = loaded.week_start
    row.week_end = loaded.week_end
    row.source_url = loaded.source_url
    row.author = loaded.author
    row.file = str(loaded.entry.file.name)
    row.content_hash = loaded.content_hash
    row.config_hash = loaded.config_hash
    row.position = loaded.entry.position
    row.retired = False
    row.skipped = loaded.entry.skip
    row.updated_at = now
    # match papers by arXiv id, else by folded title, so ids survive edits and reordering
    by_key = {_paper_key(p.title_en, p.arxiv_id): p for p in row.papers}
    by_title = {f"title:{compact(p.title_en)}": p for p in row.papers}
    kept: list[Paper] = []
    for source in loaded.papers:
        paper = by_key.pop(_paper_key(source.title_en, source.arxiv_id), None)
        if paper is None:
            paper = by_title.get(f"title:{compact(source.title_en)}")
            if paper is not None and paper in kept:
                paper = None
        if paper is None:
            paper = Paper(digest_id=row.id, topic_links=[])
        by_title.pop(f"title:{compact(source.title_en)}", None)
        _apply_paper(paper, source)
        kept.append(paper)
    row.papers = kept  # delete-orphan removes papers no longer in the file


def stored_hashes(factory: sessionmaker[Session]) -> dict[str, tuple[str, str]]:
    """(content hash, config hash) of every active stored digest, for incremental loads."""
    with factory() as session:
        rows = session.execute(
            select(Digest.id, Digest.content_hash, Digest.config_hash).where(
                Digest.retired.is_(False)
            )
        )
        return {digest_id: (content, config) for digest_id, content, config in rows}


def stored_weeks(factory: sessionmaker[Session]) -> list[tuple[str, str, date | None]]:
    """(id, content hash, week) of every active stored digest: what a new one may repeat."""
    with factory() as session:
        rows = session.execute(
            select(Digest.id, Digest.content_hash, Digest.week_start)
            .where(Digest.retired.is_(False))
            .order_by(Digest.position)
        )
        return [(digest_id, content, week) for digest_id, content, week in rows]


def ingest(
    factory: sessionmaker[Session],
    content: LoadResult,
    taxonomy: Taxonomy,
    clock: Clock = system_clock,
    keep: frozenset[str] = frozenset(),
) -> IngestReport:
    """Store what changed; idempotent. Digests missing from config are retired, not deleted,
    except those in ``keep`` (added from the chat on another instance: reported as kept).

    A digest whose file was refused this time keeps its stored version (listed in
    ``problems``), so a typo in a file never wipes a published week. Only the digests that
    changed are loaded with their papers.
    """
    report = IngestReport(problems=list(content.problems))
    now = clock()
    loaded = content.digests
    report.unchanged.extend(sorted(content.unchanged_ids))
    with factory.begin() as session:
        # one ingest at a time per database: another instance's run is complete (and its
        # hashes seen below) before this one reads what is stored
        exclusive(session.connection(), INGEST_LOCK)
        sync_topics(session, taxonomy)
        session.flush()
        rows = {d.id: d for d in session.scalars(select(Digest))}
        changing = [item.entry.id for item in loaded if item.entry.id in rows]
        if changing:  # their papers and topic links, in three queries
            session.scalars(
                select(Digest)
                .where(Digest.id.in_(changing))
                .options(selectinload(Digest.papers).selectinload(Paper.topic_links))
            ).all()
        listed = {d.entry.id for d in loaded} | content.refused_ids | content.unchanged_ids
        for item in loaded:
            digest_id = item.entry.id
            report.papers[digest_id] = len(item.papers)
            row = rows.get(digest_id)
            if row is None:
                row = _new_digest(session, item, now)
                _write_digest(session, row, item, now)
                report.added.append(digest_id)
            elif (row.content_hash, row.config_hash, row.retired) == (
                item.content_hash,
                item.config_hash,
                False,
            ):
                report.unchanged.append(digest_id)
            else:
                was_retired = row.retired
                _write_digest(session, row, item, now)
                (report.restored if was_retired else report.updated).append(digest_id)
        for digest_id, row in rows.items():
            if digest_id in keep and digest_id not in listed and not row.retired:
                report.kept.append(digest_id)
                continue
            if digest_id not in listed and not row.retired:
                row.retired = True
                row.updated_at = now
                report.retired.append(digest_id)
                report.papers[digest_id] = _paper_count(session, digest_id)
        if report.changed:  # which papers repeat others (one paper, one row)
            session.flush()
            store_repeats(session)
    return report


CHAT_ADDED_PREFIX = "chat_added:"  # bot_state: digests added from the chat → their file name


def remember_chat_added(factory: sessionmaker[Session], digest_id: str, file_name: str) -> None:
    """Record that ``digest_id`` was added from the chat (its file is ``file_name``)."""
    key = CHAT_ADDED_PREFIX + digest_id
    with factory.begin() as session:
        row = session.get(KeyValue, key)
        if row is None:
            session.add(KeyValue(key=key, value=file_name))
        else:
            row.value = file_name


def chat_added(factory: sessionmaker[Session]) -> dict[str, str]:
    """Every digest added from the chat (on any instance) → its file name."""
    with factory() as session:
        rows = session.execute(
            select(KeyValue.key, KeyValue.value).where(
                KeyValue.key.startswith(CHAT_ADDED_PREFIX, autoescape=True)
            )
        )
        return {key[len(CHAT_ADDED_PREFIX) :]: value for key, value in rows}


def forget_chat_added(factory: sessionmaker[Session], ids: set[str]) -> None:
    """The admin removed these from digests.yaml where they were added: retire them."""
    if not ids:
        return
    with factory.begin() as session:
        session.execute(
            delete(KeyValue).where(KeyValue.key.in_([CHAT_ADDED_PREFIX + i for i in ids]))
        )


def _paper_count(session: Session, digest_id: str) -> int:
    stmt = select(func.count(Paper.id)).where(Paper.digest_id == digest_id)
    return int(session.scalar(stmt) or 0)


def export_store(factory: sessionmaker[Session]) -> dict[str, Any]:
    """The whole store as the JSON backup format (absent values are null)."""
    with factory() as session:
        digests = session.scalars(
            select(Digest)
            .options(selectinload(Digest.papers).selectinload(Paper.topic_links))
            .order_by(Digest.retired, Digest.position, Digest.id)
        ).all()
        return {
            "digests": [
                {
                    "id": d.id,
                    "title": d.title,
                    "week_start": d.week_start.isoformat() if d.week_start else None,
                    "week_end": d.week_end.isoformat() if d.week_end else None,
                    "source": d.source_url,
                    "author": d.author,
                    "retired": d.retired,
                    "content_hash": d.content_hash,
                    "papers": [
                        {
                            "id": p.id,
                            "title_en": p.title_en,
                            "title_zh": p.title_zh,
                            "abstract": p.abstract,
                            "arxiv_id": p.arxiv_id,
                            "url": p.url,
                            "links": p.links.split("\n") if p.links else [],
                            "section": p.section,
                            "authors": p.authors,
                            "venue": p.venue,
                            "topics": p.topic_ids,
                        }
                        for p in d.papers
                    ],
                }
                for d in digests
            ]
        }
