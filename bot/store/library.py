"""Read side of the archive: papers, digests and topics as views, plus search.

Handlers and jobs call these methods; each opens (and closes) its own short session, or a
plain connection where a person's reply waits on it (cards, search).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.domain.models import copied_into
from bot.domain.paper_groups import merged_card
from bot.domain.views import DigestView, PaperView, TopicView
from bot.store.cache import TtlLru
from bot.store.db import engine_of
from bot.store.groups import (
    KEY_GROUPS,
    first_appearances,
    group_statement,
    groups_of,
    one_per_paper,
    stored_repeats,
)
from bot.store.models import Digest, Paper, PaperTopic, Topic
from bot.store.search import PaperSearch, SearchHit

CACHE_SIZE = 4096
CACHE_SECONDS = 300.0  # another process's ingest shows here within five minutes
FOCUS_HITS = 500  # search hits put first on a topic page asked for by an alias
# the PaperView fields a card row carries under the same names (topics and digest are built)
_CARD_FIELDS = tuple(
    f.name for f in fields(PaperView) if f.name not in ("topics", "digest", "also_in")
)


def _digest_view(digest: Digest, paper_count: int) -> DigestView:
    return copied_into(DigestView, digest, paper_count=paper_count)


# What a card shows, as plain rows in two prebuilt statements (papers with their digest and
# its size, then the topic links): every /paper waits on this read, and loading ORM objects
# with every search column took four times as long.
_sibling = aliased(Paper)
_CARD_COLUMNS = (
    *(getattr(Paper, name) for name in _CARD_FIELDS),
    Paper.digest_id,
    Digest.title.label("digest_title"),
    Digest.week_start,
    Digest.week_end,
    Digest.source_url,
    Digest.retired,
    select(func.count(_sibling.id))
    .where(_sibling.digest_id == Paper.digest_id)
    .scalar_subquery()
    .label("paper_count"),
)
_CARD_ROWS = select(*_CARD_COLUMNS).join(Digest, Digest.id == Paper.digest_id)
# a paper and its repeats in other digests (one card: bot.domain.paper_groups)
_CARD_GROUPS = group_statement(*_CARD_COLUMNS)
_CARDS_OF_DIGEST = _CARD_ROWS.where(Paper.digest_id == bindparam("digest")).order_by(Paper.position)
_TOPIC_LINKS = (
    select(PaperTopic.paper_id, PaperTopic.topic_id)
    .where(PaperTopic.paper_id.in_(bindparam("ids", expanding=True)))
    .order_by(PaperTopic.paper_id, PaperTopic.rank)
)


def _card_view(row: Row[Any], topics: Iterable[TopicView]) -> PaperView:
    # the row's digest columns carry DigestView's names, but for the two a paper has too
    digest = copied_into(DigestView, row, id=row.digest_id, title=row.digest_title)
    return copied_into(PaperView, row, topics=tuple(topics), digest=digest, also_in=())


def _as_repeat(view: PaperView, members: Sequence[Row[Any]]) -> PaperView:
    """A digest's own view of a paper that other digests list too: the paper's id (its
    first appearance's) and the other digests."""
    if len(members) < 2:
        return view
    own = view.digest.id
    others = tuple(dict.fromkeys(r.digest_id for r in members if r.digest_id != own))
    return replace(view, id=members[0].id, also_in=others)


class Library:
    """Queries over digests, papers and topics; the only reader of the content tables."""

    def __init__(self, factory: sessionmaker[Session], search: PaperSearch) -> None:
        self.factory = factory
        self.engine = engine_of(factory)
        self.engine_search = search
        self._topics: dict[str, TopicView] | None = None
        self._searches: TtlLru[tuple[str, int], list[SearchHit]] = TtlLru(CACHE_SIZE, CACHE_SECONDS)
        self._cards: TtlLru[int, PaperView | None] = TtlLru(CACHE_SIZE, CACHE_SECONDS)
        self._topic_counts: TtlLru[None, list[TopicView]] = TtlLru(1, CACHE_SECONDS)
        self._repeats: TtlLru[None, dict[int, int]] = TtlLru(1, CACHE_SECONDS)

    # topics are few and change only on reload: cache them, invalidate on reload
    def invalidate(self) -> None:
        """Forget cached topics, searches and cards (after an ingest)."""
        self._topics = None
        self._searches.clear()
        self._cards.clear()
        self._topic_counts.clear()
        self._repeats.clear()

    def _repeats_of(self, connection: Connection) -> dict[int, int]:
        """Active papers that repeat an earlier appearance → its id (as ingestion stored
        them; remembered like the topic counts)."""
        return self._repeats.get_or_compute(None, lambda: stored_repeats(connection))

    def _topic_map(self, connection: Connection | Session) -> dict[str, TopicView]:
        if self._topics is None:
            rows = connection.execute(
                select(Topic.id, Topic.name_en, Topic.name_zh).order_by(Topic.position)
            )
            self._topics = {r.id: TopicView(r.id, r.name_en, r.name_zh) for r in rows}
        return self._topics

    def _cards_of(
        self, connection: Connection, statement: Select[Any], params: Mapping[str, object]
    ) -> list[PaperView]:
        """The card views of the rows ``statement`` selects (a ``_CARD_ROWS`` statement)."""
        rows = connection.execute(statement, params).all()
        return self._views(connection, rows, rows)

    def _views(
        self, connection: Connection, rows: Sequence[Row[Any]], with_topics: Sequence[Row[Any]]
    ) -> list[PaperView]:
        """Card views of ``rows``; those in ``with_topics`` with their topics."""
        if not rows:
            return []
        links: dict[int, list[str]] = {}
        if with_topics:
            for paper_id, topic_id in connection.execute(
                _TOPIC_LINKS, {"ids": list({row.id for row in with_topics})}
            ):
                links.setdefault(paper_id, []).append(topic_id)
        topics = self._topic_map(connection)
        return [
            _card_view(row, (topics[t] for t in links.get(row.id, ()) if t in topics))
            for row in rows
        ]

    @staticmethod
    def _paper_counts(session: Session, digest_ids: set[str] | None = None) -> dict[str, int]:
        stmt = select(Paper.digest_id, func.count(Paper.id)).group_by(Paper.digest_id)
        if digest_ids is not None:
            if not digest_ids:
                return {}
            stmt = stmt.where(Paper.digest_id.in_(digest_ids))
        return {digest_id: int(n) for digest_id, n in session.execute(stmt)}

    def paper(self, paper_id: int) -> PaperView | None:
        """One paper of an active digest, or None."""
        return self._cards.get_or_compute(
            paper_id, lambda: next(iter(self._load_papers([paper_id])), None)
        )

    def papers(self, paper_ids: Sequence[int]) -> list[PaperView]:
        """Papers in the order of ``paper_ids`` (missing ones skipped); remembered ones come
        from memory, the rest in one query."""
        cached = {pid: self._cards.peek(pid) for pid in paper_ids}
        missing = [pid for pid, view in cached.items() if view is None]
        if missing:
            for view in self._load_papers(missing):
                self._cards.put(view.id, view)
                cached[view.id] = view
        return [found for pid in paper_ids if (found := cached.get(pid)) is not None]

    def _load_papers(self, paper_ids: Sequence[int]) -> list[PaperView]:
        """Each paper's one card (its first appearance, gaps filled from its repeats: see
        :mod:`bot.domain.paper_groups`) under the id asked for, so the buttons on it act
        on that id."""
        with self.engine.connect() as connection:
            groups = groups_of(connection, _CARD_GROUPS, paper_ids)
            firsts = [members[0] for members in groups.values()]
            views = {
                pid: merged_card(self._views(connection, members, firsts))
                for pid, members in groups.items()
            }
        return [replace(views[pid], id=pid) for pid in dict.fromkeys(paper_ids) if pid in views]

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked hits for a free-text query (repeated queries come from memory)."""
        key = (" ".join(query.split()).casefold(), limit)
        return self._searches.get_or_compute(key, lambda: self._search(query, limit))

    def _search(self, query: str, limit: int) -> list[SearchHit]:
        with self.factory() as session:
            hits = self.engine_search.search(session, query, limit)
            first = first_appearances(session.connection(), [hit.paper_id for hit in hits])
        # one paper, one row: a repeat counts as its first appearance, ranked by its best hit
        kept: dict[int, SearchHit] = {}
        for hit in hits:
            paper_id = first.get(hit.paper_id, hit.paper_id)
            kept.setdefault(paper_id, replace(hit, paper_id=paper_id))
        return list(kept.values())

    def suggest(self, query: str, limit: int = 3) -> list[PaperView]:
        """Closest titles for a query that matched nothing."""
        with self.factory() as session:
            ids = self.engine_search.suggest(session, query, limit * 2)
            first = first_appearances(session.connection(), ids)
        return self.papers(one_per_paper(ids, first)[:limit])

    def topics(self) -> list[TopicView]:
        """Every topic with its number of papers in active digests, taxonomy order
        (remembered like the cards)."""
        return self._topic_counts.get_or_compute(None, self._count_topics)

    def _count_topics(self) -> list[TopicView]:
        # every link counted from the topic index alone, less those of retired digests'
        # papers (few, found from the digests): joining every link to its paper and digest
        # took 370 ms at 100,000 papers (SQLite), this 16 ms
        links = select(PaperTopic.topic_id, func.count()).group_by(PaperTopic.topic_id)
        retired = select(Digest.id).where(Digest.retired.is_(True))
        with self.factory() as session:
            counts = Counter(dict(session.execute(links).all()))
            counts.subtract(
                dict(
                    session.execute(
                        links.join(Paper, Paper.id == PaperTopic.paper_id).where(
                            Paper.digest_id.in_(retired)
                        )
                    ).all()
                )
            )
            # a paper repeated in later digests counts once (bot.domain.paper_groups)
            repeated = list(self._repeats_of(session.connection()))
            if repeated:
                counts.subtract(
                    dict(session.execute(links.where(PaperTopic.paper_id.in_(repeated))).all())
                )
            return [
                TopicView(t.id, t.name_en, t.name_zh, int(counts.get(t.id, 0)))
                for t in self._topic_map(session).values()
            ]

    def topic_papers(
        self, topic_id: str, offset: int, limit: int, focus: Sequence[str] = ()
    ) -> tuple[list[PaperView], int]:
        """A page of a topic's papers, newest digest first, and the total; a paper repeated
        in several digests once, where it first appeared (with that appearance's topics,
        as its card shows them). With ``focus`` (the words of an alias the topic was asked
        for by) the papers search finds for them first."""
        if focus:
            return self._focused_topic_papers(topic_id, offset, limit, focus)
        with self.factory() as session:
            base = (
                select(Paper.id)
                .join(PaperTopic, PaperTopic.paper_id == Paper.id)
                .join(Digest, Digest.id == Paper.digest_id)
                .where(PaperTopic.topic_id == topic_id, Digest.retired.is_(False))
            )
            repeated = list(self._repeats_of(session.connection()))
            if repeated:
                base = base.where(Paper.id.not_in(repeated))
            total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
            ids = session.scalars(
                base.order_by(
                    Digest.week_start.desc().nulls_last(),
                    Digest.position.desc(),
                    Paper.position,
                )
                .offset(offset)
                .limit(limit)
            ).all()
        return self.papers(list(ids)), total

    def _focused_topic_papers(
        self, topic_id: str, offset: int, limit: int, focus: Sequence[str]
    ) -> tuple[list[PaperView], int]:
        # a broad topic ("Efficiency & quantization") asked for by a narrow alias: the
        # topic's papers the alias itself finds (ranked as /paper ranks them) go first
        with self.factory() as session:
            ids = list(
                session.scalars(
                    select(Paper.id)
                    .join(PaperTopic, PaperTopic.paper_id == Paper.id)
                    .join(Digest, Digest.id == Paper.digest_id)
                    .where(PaperTopic.topic_id == topic_id, Digest.retired.is_(False))
                    .order_by(
                        Digest.week_start.desc().nulls_last(),
                        Digest.position.desc(),
                        Paper.position,
                    )
                )
            )
            repeated = set(self._repeats_of(session.connection()))
        ids = [i for i in ids if i not in repeated]  # a repeat shows where it first appeared
        in_topic = set(ids)
        first = [
            hit.paper_id
            for words in focus
            for hit in self.search(words, FOCUS_HITS)
            if hit.paper_id in in_topic
        ]
        ordered = list(dict.fromkeys(first + ids))
        return self.papers(ordered[offset : offset + limit]), len(ordered)

    def digests(self, offset: int = 0, limit: int = 10) -> tuple[list[DigestView], int]:
        """A page of the active digests, newest first, and the total."""
        with self.factory() as session:
            active = Digest.retired.is_(False)
            total = int(session.scalar(select(func.count(Digest.id)).where(active)) or 0)
            rows = session.scalars(
                select(Digest)
                .where(active)
                .order_by(Digest.week_start.desc().nulls_last(), Digest.position.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            counts = self._paper_counts(session, {r.id for r in rows})
            return [_digest_view(r, counts.get(r.id, 0)) for r in rows], total

    def retired_count(self) -> int:
        """Digests removed from config (kept, never deleted)."""
        with self.factory() as session:
            return int(session.scalar(select(func.count(Digest.id)).where(Digest.retired)) or 0)

    def digest(self, key: str) -> DigestView | None:
        """A digest by id, ``latest``, or a date inside its week."""
        key = key.strip()
        with self.factory() as session:
            active = Digest.retired.is_(False)
            row: Digest | None
            if key.lower() in ("", "latest", "最新"):
                row = session.scalars(
                    select(Digest)
                    .where(active)
                    .order_by(Digest.week_start.desc().nulls_last(), Digest.position.desc())
                ).first()
            else:
                row = session.get(Digest, key.lower())
                if row is None or row.retired:
                    row = self._digest_by_date(session, key)
            if row is None:
                return None
            return _digest_view(row, self._paper_counts(session, {row.id}).get(row.id, 0))

    @staticmethod
    def _digest_by_date(session: Session, key: str) -> Digest | None:
        try:
            day = date.fromisoformat(key)
        except ValueError:
            return None
        return session.scalars(
            select(Digest)
            .where(
                Digest.retired.is_(False),
                Digest.week_start <= day,
                func.coalesce(Digest.week_end, Digest.week_start) >= day,
            )
            .order_by(Digest.week_start.desc())
        ).first()

    def digest_papers(self, digest_id: str) -> list[PaperView]:
        """Every paper of a digest in digest order, as that digest writes it; a paper that
        is a repeat carries its first appearance's id and names the other digests."""
        with self.engine.connect() as connection:
            views = self._cards_of(connection, _CARDS_OF_DIGEST, {"digest": digest_id})
            groups = groups_of(connection, KEY_GROUPS, [view.id for view in views])
        return [_as_repeat(view, groups.get(view.id, [])) for view in views]

    def latest_papers(self, limit: int) -> list[PaperView]:
        """The papers of the newest digest (inline mode with an empty query)."""
        latest = self.digest("latest")
        return self.digest_papers(latest.id)[:limit] if latest else []
