"""The search flow every engine shares, and what a dialect supplies (``EngineSearch``).

A search asks the index for a few bounded sets of candidates ("channels"), drops the
papers of retired digests and ranks the rest with :func:`bot.domain.ranking.rank_candidates`.
The arXiv id, title prefix, exact-title and candidate-row look-ups are plain B-tree
queries, the same on every engine; the word and typo channels are the dialect's
(``sqlite.py``: FTS5; ``postgres.py``: tsvector and pg_trgm).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    TextClause,
    and_,
    bindparam,
    case,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from bot.domain.ranking import (
    FUZZY_MIN_SIMILARITY,
    SUGGEST_MIN_SIMILARITY,
    CandidateRow,
    Candidates,
    SearchHit,
    SearchQuery,
    rank_candidates,
)
from bot.domain.search_tokens import (
    QueryTerm,
    has_cjk_gap,
    query_terms,
    split_exclusions,
    term_in_tokens,
    transpositions,
)
from bot.store.models import Digest, Paper

RANK_WINDOW = 2000  # bm25-rank up to this many matches; serve bigger sets newest first
PREFIX_CANDIDATES = 20
FUZZY_CANDIDATES = 40
_ALL_BUT_ONE_MAX_TERMS = 5
_EXCLUDED_MARGIN = 50  # more hits asked for when some will be excluded
_SWAPPED_WORDS = 3  # query words whose transpositions are looked up (the longest)
Prebuilt = Select[Any] | TextClause  # the statements every search runs (``EngineSearch``)
_TOP = "\U0010ffff"  # above every character: upper bound of a prefix range


class PaperSearch(Protocol):
    """What the chat handlers and benchmarks use."""

    def search(self, session: Session, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked hits in active digests, best first, de-duplicated, at most ``limit``."""
        ...

    def suggest(self, session: Session, query: str, limit: int = 3) -> list[int]:
        """Paper ids whose titles are closest to ``query`` (for "did you mean")."""
        ...


class WordMode(StrEnum):
    """What a word channel (``_words``) looks for."""

    TITLE = "title"  # every term in the title, best ranked first
    TITLE_ANY = "title_any"  # every term in the title, in no particular order (cheaper)
    EVERY = "every"  # every term in the title or abstract
    SOME = "some"  # any of the terms
    EXISTS = "exists"  # whether one paper has every term (LIMIT 1)


def _token_rows() -> Select[Any]:
    """What an exclusion (``-word``) is checked against: every token column of a paper."""
    columns = (Paper.id, Paper.title_tokens, Paper.abstract_tokens, Paper.byline_tokens)
    return cast("Select[Any]", select(*columns))


def _candidate_rows() -> Select[Any]:
    """What ranking reads of a candidate: the derived title columns, and the titles only
    where a derived column is empty (ranking then derives it). Turning every title into a
    Python string took half the time of the candidate-row read, and ingestion always
    fills the derived columns."""
    underived = or_(Paper.title_compact == "", Paper.title_tokens == "")
    return select(
        Paper.id,
        case((underived, Paper.title_en), else_=literal_column("''")),
        case((or_(underived, Paper.title_zh_compact == ""), Paper.title_zh), else_=None),
        Paper.title_compact,
        Paper.title_zh_compact,
        Paper.title_tokens,
    ).join(Digest, Digest.id == Paper.digest_id)


def _core(session: Session) -> Connection:
    """The session's connection: the B-tree and candidate-row statements run on it, not
    through the ORM session, whose per-statement work (ORM execution context, result
    loading) took longer than SQLite's own on these small queries."""
    return session.connection()


def quoted(token: str, quote: str) -> str:
    """``token`` as a string literal of a full-text query language (quote doubled)."""
    return quote + token.replace(quote, quote * 2) + quote


class EngineSearch(ABC):
    """The shared flow; a dialect subclass supplies the word and typo channels."""

    # whether the typo channel goes before the all-but-one and any-of-the-words channels
    TYPOS_FIRST = False

    def __init__(self) -> None:
        # every search runs these: built once (building a statement cost more than running
        # it), with the dialect's parts (``_id_in``, ``_prefix_sql``)
        self._rows_stmt = _candidate_rows().where(self._id_in(), Digest.retired.is_(False))
        # the token columns an exclusion (``-word``) is checked against
        self._tokens_stmt = _token_rows().where(self._id_in())
        # one round trip for both B-tree ranges
        self._prefix_stmt = text(
            " UNION ALL ".join(
                f"SELECT * FROM ({self._prefix_sql(column)}) AS {column}_range"
                for column in ("title_compact", "title_zh_compact")
            )
        )
        arxiv_id = bindparam("id", type_=String)
        self._arxiv_stmt = (
            select(Paper.id)
            .where(
                or_(
                    Paper.arxiv_id == arxiv_id,
                    and_(Paper.arxiv_id >= bindparam("low"), Paper.arxiv_id < bindparam("high")),
                )
            )
            .limit(PREFIX_CANDIDATES)
        )
        compact = bindparam("compact", type_=String)
        self._exact_stmt = (
            select(Paper.id)
            .where(or_(Paper.title_compact == compact, Paper.title_zh_compact == compact))
            .limit(1)
        )

    @abstractmethod
    def _words(self, session: Session, q: SearchQuery, mode: WordMode, limit: int) -> list[int]:
        """Ids matching the query's terms the way ``mode`` says, best first."""

    @abstractmethod
    def _typos(self, session: Session, q: SearchQuery, limit: int, loose: bool) -> list[int]:
        """Ids of titles sharing trigrams with the query words, most alike first."""

    def _typos_strict(self, session: Session, q: SearchQuery, limit: int) -> list[int]:
        return self._typos(session, q, limit, loose=False)

    def _prefix_sql(self, column: str) -> str:
        """Ids whose ``column`` is in ``[:low, :high)``, in column order (a B-tree range)."""
        return (
            f"SELECT id FROM papers WHERE {column} >= :low AND {column} < :high "
            f"ORDER BY {column} LIMIT :limit"
        )

    def _all_but_one(self, session: Session, q: SearchQuery, limit: int) -> list[int]:
        """Titles having every query word but one (the misspelt one, which ranking then
        matches by similarity): a few cheap index queries instead of a trigram search."""
        terms = q.and_terms
        if not 2 <= len(terms) <= _ALL_BUT_ONE_MAX_TERMS:
            return []
        found: list[int] = []
        for skipped in range(len(terms)):
            rest = [t for i, t in enumerate(terms) if i != skipped]
            if all(t.cjk or len(t.tokens[0]) < 3 for t in rest):
                continue  # nothing distinctive left to narrow by
            found.extend(self._words(session, replace(q, terms=rest), WordMode.TITLE_ANY, limit))
        return list(dict.fromkeys(found))[: limit * 2]

    def _swaps(self, session: Session, q: SearchQuery, limit: int) -> list[int]:
        """Titles having a query word with two neighbouring letters swapped back
        (``gneie`` → "Genie"): exact look-ups of a few variants in the title index, where
        the trigram channels see too few intact trigrams of a short word."""
        words = sorted((w for w in q.fuzzy_words if w.isalpha()), key=len, reverse=True)
        variants = [v for w in words[:_SWAPPED_WORDS] for v in transpositions(w)]
        if not variants:
            return []
        swapped = replace(q, terms=[QueryTerm((v,)) for v in variants])
        return self._words(session, swapped, WordMode.SOME, limit)

    def _prefix(self, session: Session, q: SearchQuery) -> set[int]:
        """Titles (English or Chinese) starting with the compact query: B-tree ranges."""
        if len(q.compact) < 2:
            return set()
        params = {"low": q.compact, "high": q.compact + _TOP, "limit": PREFIX_CANDIDATES}
        return {row[0] for row in self._execute(session, self._prefix_stmt, params)}

    def _arxiv(self, session: Session, q: SearchQuery) -> set[int]:
        found: set[int] = set()
        for arxiv_id in q.arxiv:  # the id itself, or any version of it ("…v2")
            params = {"id": arxiv_id, "low": arxiv_id + "v", "high": arxiv_id + "w"}
            found.update(row[0] for row in self._execute(session, self._arxiv_stmt, params))
        return found

    def _execute(
        self, session: Session, statement: Prebuilt, params: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """The rows of one of the prebuilt statements above (``ids``: a list of ints), on
        the session's Core connection; a dialect may hand them to its driver instead."""
        return _core(session).execute(statement, params).all()

    def _id_in(self) -> ColumnElement[bool]:
        """``papers.id`` is one of the parameter ``ids`` (a list)."""
        return Paper.id.in_(bindparam("ids", expanding=True))

    def _rows(self, session: Session, ids: list[int]) -> list[CandidateRow]:
        """The candidates that are in active digests, with what ranking needs."""
        if not ids:
            return []
        rows = self._execute(session, self._rows_stmt, {"ids": ids})
        return [CandidateRow(*row) for row in rows]

    def _exact(self, session: Session, q: SearchQuery) -> bool:
        """Whether some title (English or Chinese) is exactly the query (B-tree look-ups)."""
        if len(q.compact) < 2:
            return False
        return bool(self._execute(session, self._exact_stmt, {"compact": q.compact}))

    def _gather(self, session: Session, q: SearchQuery, width: int) -> Candidates:
        found = Candidates(arxiv=self._arxiv(session, q), prefix=self._prefix(session, q))
        if found.prefix and self._exact(session, q):
            # a whole title was typed: it and the titles starting like it are the answer
            return found
        if q.terms:
            found.title = self._words(session, q, WordMode.TITLE, width)
            if len(found.title) < width:  # else every title hit outranks any abstract hit
                found.every = self._words(session, q, WordMode.EVERY, width)
        some = not (found.every or found.title or found.arxiv) and len(q.terms) > 1
        if some and not self.TYPOS_FIRST:
            found.some = self._words(session, q, WordMode.SOME, width)
        if q.fuzzy_words and not found.strong and len(found.every) < 3:
            channels = [self._all_but_one, self._typos_strict]
            for channel in reversed(channels) if self.TYPOS_FIRST else channels:
                found.fuzzy = channel(session, q, FUZZY_CANDIDATES)
                if found.fuzzy:
                    break
            # a swap of two letters is one typo: its titles join whatever the others found
            swapped = self._swaps(session, q, FUZZY_CANDIDATES)
            found.fuzzy = list(dict.fromkeys(swapped + found.fuzzy))
        if some and self.TYPOS_FIRST and not found.fuzzy:
            # the typo channel found the titles: "any of the words" (scored below any
            # typo hit) is only wanted when it found none
            found.some = self._words(session, q, WordMode.SOME, width)
        return found

    def search(self, session: Session, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked hits in active digests, best first, de-duplicated, at most ``limit``;
        ``-word`` (or ``-"a phrase"``) drops the papers having it anywhere."""
        if limit <= 0 or not isinstance(query, str):
            return []
        positive, excluded = split_exclusions(query)
        if not excluded:
            return self._search_text(session, query, limit)
        hits = self._search_text(session, positive, limit + _EXCLUDED_MARGIN)
        return self._without(session, hits, excluded)[:limit]

    def _without(
        self, session: Session, hits: list[SearchHit], excluded: list[str]
    ) -> list[SearchHit]:
        """``hits`` less the papers having one of the ``excluded`` words anywhere."""
        terms = [QueryTerm(t.tokens, t.cjk) for e in excluded for t in query_terms(e)]
        if not hits or not terms:
            return hits
        rows = self._execute(session, self._tokens_stmt, {"ids": [h.paper_id for h in hits]})
        dropped = set()
        for paper_id, *columns in rows:
            tokens = " ".join(c or "" for c in columns).split()
            token_set = frozenset(tokens)
            if any(term_in_tokens(term, tokens, token_set) for term in terms):
                dropped.add(paper_id)
        return [h for h in hits if h.paper_id not in dropped]

    def _search_text(self, session: Session, query: str, limit: int) -> list[SearchHit]:
        joined = SearchQuery.parse(query)
        if has_cjk_gap(query) and not self._words(session, joined, WordMode.EXISTS, 1):
            # "推理 预训练" occurs nowhere as one phrase: look for the words
            return self._search(session, SearchQuery.parse(query, join_cjk=False), limit)
        hits = self._search(session, joined, limit)
        if not hits and has_cjk_gap(query):
            hits = self._search(session, SearchQuery.parse(query, join_cjk=False), limit)
        return hits

    def _search(self, session: Session, q: SearchQuery, limit: int) -> list[SearchHit]:
        if q.empty:
            return []
        width = limit + 10
        while True:
            found = self._gather(session, q, width)
            ids = found.ids()
            rows = self._rows(session, ids)
            saturated = width in (len(found.title), len(found.every), len(found.some))
            # papers of retired digests were dropped: look further if that left too few
            if len(rows) == len(ids) or len(rows) >= limit or not saturated or width > 4000:
                break
            width *= 4
        return rank_candidates(q, found, rows, FUZZY_MIN_SIMILARITY)[:limit]

    def suggest(self, session: Session, query: str, limit: int = 3) -> list[int]:
        """Paper ids whose titles are closest to ``query`` (typos, some of the words)."""
        if limit <= 0 or not isinstance(query, str):
            return []
        q = SearchQuery.parse(query)
        if not q.terms:
            return []
        found = Candidates()
        if q.fuzzy_words:
            found.fuzzy = self._swaps(session, q, FUZZY_CANDIDATES)
            found.fuzzy += self._typos(session, q, FUZZY_CANDIDATES, loose=True)
        found.some = self._words(session, q, WordMode.SOME, max(limit * 4, 12))
        rows = self._rows(session, found.ids())
        hits = rank_candidates(q, found, rows, SUGGEST_MIN_SIMILARITY)
        return [hit.paper_id for hit in hits[:limit]]
