"""Paper search: ranked look-ups by title, words, Chinese text, arXiv id, with typos.

The database finds a bounded set of candidates through its indexes (a few LIMITed
queries, "channels"), and this module ranks that small set the same way on every engine:

========  =====  =======================================================================
kind      score  what matched
========  =====  =======================================================================
arxiv     600    the arXiv id (bare, ``arXiv:…``, abs/pdf URL, any version)
exact     500    a whole title, English or Chinese (case, width, punctuation and spaces
                 ignored: ``ＳｔａｒＣｏｄｅｒ２`` = ``StarCoder 2``)
prefix    400+   the beginning of a title (``mobilellm`` → "MobileLLM: Optimizing …")
title     300+   every query word / Chinese phrase is in the title (shorter titles and
                 higher bm25 first)
abstract  200+   every term is in the title or abstract (bm25: more occurrences first)
fuzzy     100+   the title matches with typos (``megalodn`` → Megalodon)
(any)     < 100  only some of the terms matched (when nothing matched them all)
========  =====  =======================================================================

Channels: arXiv id (B-tree), title prefix (``title_compact``/``title_zh_compact``
B-tree ranges), words in titles, words anywhere, any of the words (only when nothing has
all of them), and title trigrams for typos (only when nothing else matched well).

Word channels rank by bm25 (SQLite) / ts_rank (PostgreSQL) when at most ``RANK_WINDOW``
papers match; a query on a very common word ("model", "模型") takes the newest matches
instead (SQLite) or ranks the newest ``RANK_WINDOW`` (PostgreSQL), so its cost does not
grow with the archive. Title-level ranking of the candidates is done here either way.

SQLite: FTS5 tables ``papers_fts`` (title + abstract + byline tokens), ``papers_title_fts``
(title tokens) and ``papers_trgm`` (trigrams of the titles); PostgreSQL: GIN indexes on
the ``search_vector`` column, on the title tokens and ``pg_trgm`` on ``title_en``. Both
are created and kept in sync by migration 0002; 0005 adds the byline (authors, venue),
weighted between title and abstract.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Engine, and_, or_, select, text
from sqlalchemy.orm import Session

from bot.domain.search_kinds import MatchKind
from bot.domain.search_tokens import (
    STOPWORDS,
    QueryTerm,
    arxiv_ids,
    clean_query,
    fuzzy_title_score,
    has_cjk_gap,
    query_terms,
    search_columns,
    term_in_tokens,
    title_tokens,
    trigrams,
)
from bot.domain.searchtext import compact, normalize, strip_controls
from bot.store.models import Digest, Paper

KINDS = tuple(MatchKind)  # best first
FUZZY_MIN_SIMILARITY = 0.75  # mean word similarity of a "fuzzy" hit (one typo in 4+)
SUGGEST_MIN_SIMILARITY = 0.5
RANK_WINDOW = 2000  # bm25-rank up to this many matches; serve bigger sets newest first
_PREFIX_CANDIDATES = 20
_FUZZY_CANDIDATES = 40
_ALL_BUT_ONE_MAX_TERMS = 5
_FUZZY_TRIGRAMS = 6
_FUZZY_GRAMS_LOOKED_UP = 14
_GRAM_COUNT_MEMORY = 200_000
_TRIGRAM_COUNT_CAP = 1500  # trigrams in more titles than this do not narrow anything
_TOP = "\U0010ffff"  # above every character: upper bound of a prefix range


def search_fields(
    title_en: str,
    title_zh: str | None,
    abstract: str,
    section: str | None,
    arxiv_id: str | None,
    authors: str | None = None,
    venue: str | None = None,
) -> dict[str, str]:
    """The derived columns the search index reads (see ``bot.store.search``)."""
    derived = search_columns(title_en, title_zh, abstract, authors, venue)
    parts = [title_en, title_zh or "", section or "", abstract, arxiv_id or ""]
    parts += [authors or "", venue or ""]
    return {
        "title_norm": normalize(f"{title_en} {title_zh or ''}"),
        "title_compact": compact(title_en),
        "search_text": normalize(" ".join(parts)),
        "title_tokens": derived.title_tokens,
        "abstract_tokens": derived.abstract_tokens,
        "title_zh_compact": derived.title_zh_compact,
        "byline_tokens": derived.byline_tokens,
    }


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: higher ``score`` is better; ``kind`` says what matched (see module doc)."""

    paper_id: int
    score: float
    kind: MatchKind


class PaperSearch(Protocol):
    """What the chat handlers and benchmarks use."""

    def search(self, session: Session, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked hits in active digests, best first, de-duplicated, at most ``limit``."""
        ...

    def suggest(self, session: Session, query: str, limit: int = 3) -> list[int]:
        """Paper ids whose titles are closest to ``query`` (for "did you mean")."""
        ...


@dataclass
class _Query:
    """A query prepared once: terms, compact form, arXiv ids, words for typo matching."""

    terms: list[QueryTerm]
    compact: str
    arxiv: list[str]
    fuzzy_words: list[str]

    @classmethod
    def parse(cls, query: str, join_cjk: bool = True) -> _Query:
        cleaned = clean_query(query, join_cjk)
        terms = query_terms(cleaned, join_cjk)
        words = [t.tokens[0] for t in terms if not t.cjk]
        return cls(
            terms=terms,
            compact=compact(cleaned),
            arxiv=arxiv_ids(query[:2000]),
            fuzzy_words=[w for w in words if len(w) >= 3 and not w.isdigit()][:6],
        )

    @property
    def empty(self) -> bool:
        return not (self.terms or self.compact or self.arxiv)

    @property
    def and_terms(self) -> list[QueryTerm]:
        """Terms an index query must all find: stop words only when there is nothing else
        (their postings are huge, and ranking counts them anyway)."""
        return self.or_terms

    @property
    def or_terms(self) -> list[QueryTerm]:
        """Terms worth an "any of them" query (no stop words)."""
        kept = [t for t in self.terms if t.cjk or t.tokens[0] not in STOPWORDS]
        return kept or self.terms


@dataclass
class _Candidates:
    """Paper ids per channel; list channels keep their database order (best first)."""

    arxiv: set[int] = field(default_factory=set)
    prefix: set[int] = field(default_factory=set)
    title: list[int] = field(default_factory=list)
    every: list[int] = field(default_factory=list)
    some: list[int] = field(default_factory=list)
    fuzzy: list[int] = field(default_factory=list)

    def ids(self) -> list[int]:
        groups = (self.arxiv, self.prefix, self.title, self.every, self.some, self.fuzzy)
        return list(dict.fromkeys(i for group in groups for i in group))

    @property
    def strong(self) -> int:
        """How many papers matched by id, title prefix or all words in the title."""
        return len(self.arxiv | self.prefix | set(self.title))


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    title_en: str
    title_zh: str | None
    title_compact: str
    title_zh_compact: str
    title_tokens: str


def _positions(ids: Sequence[int]) -> dict[int, float]:
    """1.0 for the first id of a ranked channel, falling towards 0 for the last."""
    return {pid: 1.0 - index / max(len(ids), 1) for index, pid in enumerate(ids)}


def _rank(
    q: _Query, found: _Candidates, rows: Iterable[_Row], fuzzy_floor: float
) -> list[SearchHit]:
    """Score every candidate (see the table in the module docstring), best first."""
    terms = q.terms
    qc = q.compact
    in_title = _positions(found.title or found.every)
    in_every = _positions(found.every)
    in_some = _positions(found.some)
    fuzzy_ids = set(found.fuzzy)
    hits: list[SearchHit] = []
    for row in rows:
        title_c = row.title_compact or compact(row.title_en)
        zh_c = row.title_zh_compact or compact(row.title_zh or "")
        tokens = (row.title_tokens or title_tokens(row.title_en, row.title_zh)).split()
        token_set = frozenset(tokens)
        matched = sum(1 for t in terms if term_in_tokens(t, tokens, token_set))
        coverage = matched / len(terms) if terms else 0.0
        # how much of the title the query covers: "genie" fits "Genie" better than a long title
        fit = min(1.0, sum(len(t.tokens) for t in terms) / max(len(tokens), 1))
        if row.id in found.arxiv:
            kind, score = MatchKind.ARXIV, 600.0
        elif qc and qc in (title_c, zh_c):
            kind, score = MatchKind.EXACT, 500.0
        elif len(qc) >= 2 and (title_c.startswith(qc) or (zh_c and zh_c.startswith(qc))):
            longest = max(len(title_c) if title_c.startswith(qc) else 0, len(zh_c))
            kind, score = MatchKind.PREFIX, 400.0 + 50.0 * len(qc) / max(longest, 1)
        elif terms and coverage == 1.0:
            kind, score = MatchKind.TITLE, 300.0 + 30.0 * fit + 20.0 * in_title.get(row.id, 0.0)
        elif row.id in in_every:
            kind, score = MatchKind.ABSTRACT, 200.0 + 30.0 * coverage + 20.0 * in_every[row.id]
        else:
            # edit distances are costly in Python: only for the typo channel's candidates
            similarity = (
                fuzzy_title_score(q.fuzzy_words, tokens)
                if q.fuzzy_words and row.id in fuzzy_ids
                else 0.0
            )
            if similarity >= fuzzy_floor and len(q.fuzzy_words) == len(terms):
                kind, score = MatchKind.FUZZY, 100.0 + 90.0 * similarity + 9.0 * fit
            elif row.id in in_some:
                kind = MatchKind.TITLE if coverage >= 0.5 else MatchKind.ABSTRACT
                score = 50.0 * coverage + 40.0 * in_some[row.id]
            elif similarity >= fuzzy_floor:
                kind, score = MatchKind.FUZZY, 90.0 * similarity
            else:
                continue
        hits.append(SearchHit(paper_id=row.id, score=round(score, 6), kind=kind))
    hits.sort(key=lambda h: (-h.score, h.paper_id))
    return hits


def _quote(token: str, quote: str) -> str:
    return quote + token.replace(quote, quote * 2) + quote


def fts5_query(terms: Sequence[QueryTerm], column: str | None = None, op: str = "AND") -> str:
    """An FTS5 MATCH expression for ``terms``: all of them, or any with ``op="OR"``.

    Every token is double-quoted (FTS5 strings), so no user text is ever FTS5 syntax; a
    CJK run is one quoted phrase of its bigrams, a single CJK character a prefix query.
    """
    parts = []
    for term in terms:
        expr = _quote(" ".join(term.tokens), '"') + ("*" if term.prefix else "")
        parts.append(f"{column} : {expr}" if column else expr)
    return f" {op} ".join(parts)


def tsquery_text(terms: Sequence[QueryTerm], weight: str = "", op: str = "&") -> str:
    """A ``to_tsquery`` string: lexemes single-quoted, CJK phrases joined with ``<->``."""

    def lexeme(token: str, prefix: bool) -> str:
        label = ("*" if prefix else "") + weight
        return _quote(token.replace("\\", ""), "'") + (f":{label}" if label else "")

    parts = []
    for term in terms:
        if len(term.tokens) > 1:
            parts.append("(" + " <-> ".join(lexeme(t, False) for t in term.tokens) + ")")
        else:
            parts.append(lexeme(term.tokens[0], term.prefix))
    return f" {op} ".join(parts)


class WordMode(StrEnum):
    """What a word channel (``_words``) looks for."""

    TITLE = "title"  # every term in the title, best ranked first
    TITLE_ANY = "title_any"  # every term in the title, in no particular order (cheaper)
    EVERY = "every"  # every term in the title or abstract
    SOME = "some"  # any of the terms
    EXISTS = "exists"  # whether one paper has every term (LIMIT 1)


class _EngineSearch:
    """The shared flow; subclasses supply the engine's word, prefix and typo channels."""

    def _words(self, session: Session, q: _Query, mode: WordMode, limit: int) -> list[int]:
        """Ids matching all terms in titles (``title``; ``title_any``: in no particular
        order, cheaper), anywhere (``every``) or any term (``some``)."""
        raise NotImplementedError

    def _typos(self, session: Session, q: _Query, limit: int, loose: bool) -> list[int]:
        """Ids of titles sharing trigrams with the query words, most alike first."""
        raise NotImplementedError

    def _all_but_one(self, session: Session, q: _Query, limit: int) -> list[int]:
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

    def _prefix_sql(self, column: str) -> str:
        return (
            f"SELECT id FROM papers WHERE {column} >= :low AND {column} < :high "
            f"ORDER BY {column} LIMIT :limit"
        )

    def _prefix(self, session: Session, q: _Query) -> set[int]:
        """Titles (English or Chinese) starting with the compact query: B-tree ranges."""
        if len(q.compact) < 2:
            return set()
        found: set[int] = set()
        params = {"low": q.compact, "high": q.compact + _TOP, "limit": _PREFIX_CANDIDATES}
        for column in ("title_compact", "title_zh_compact"):
            found.update(session.scalars(text(self._prefix_sql(column)), params))
        return found

    def _arxiv(self, session: Session, q: _Query) -> set[int]:
        if not q.arxiv:
            return set()
        conditions = [
            or_(
                Paper.arxiv_id == arxiv_id,
                and_(Paper.arxiv_id >= arxiv_id + "v", Paper.arxiv_id < arxiv_id + "w"),
            )
            for arxiv_id in q.arxiv
        ]
        stmt = select(Paper.id).where(or_(*conditions)).limit(_PREFIX_CANDIDATES)
        return set(session.scalars(stmt))

    def _rows(self, session: Session, ids: list[int]) -> list[_Row]:
        """The candidates that are in active digests, with what ranking needs."""
        if not ids:
            return []
        stmt = (
            select(
                Paper.id,
                Paper.title_en,
                Paper.title_zh,
                Paper.title_compact,
                Paper.title_zh_compact,
                Paper.title_tokens,
            )
            .join(Digest, Digest.id == Paper.digest_id)
            .where(Paper.id.in_(ids), Digest.retired.is_(False))
        )
        return [_Row(*row) for row in session.execute(stmt)]

    def _exact(self, session: Session, q: _Query) -> bool:
        """Whether some title (English or Chinese) is exactly the query (B-tree look-ups)."""
        if len(q.compact) < 2:
            return False
        stmt = select(Paper.id).where(
            or_(Paper.title_compact == q.compact, Paper.title_zh_compact == q.compact)
        )
        return session.scalars(stmt.limit(1)).first() is not None

    def _gather(self, session: Session, q: _Query, width: int) -> _Candidates:
        found = _Candidates(arxiv=self._arxiv(session, q), prefix=self._prefix(session, q))
        if found.prefix and self._exact(session, q):
            # a whole title was typed: it and the titles starting like it are the answer
            return found
        if q.terms:
            found.title = self._words(session, q, WordMode.TITLE, width)
            if len(found.title) < width:  # else every title hit outranks any abstract hit
                found.every = self._words(session, q, WordMode.EVERY, width)
            if not found.every and not found.title and len(q.terms) > 1:
                found.some = self._words(session, q, WordMode.SOME, width)
        if q.fuzzy_words and not found.strong and len(found.every) < 3:
            found.fuzzy = self._all_but_one(session, q, _FUZZY_CANDIDATES)
            if not found.fuzzy:
                found.fuzzy = self._typos(session, q, _FUZZY_CANDIDATES, loose=False)
        return found

    def search(self, session: Session, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked hits in active digests, best first, de-duplicated, at most ``limit``."""
        if limit <= 0 or not isinstance(query, str):
            return []
        joined = _Query.parse(query)
        if has_cjk_gap(query) and not self._words(session, joined, WordMode.EXISTS, 1):
            # "推理 预训练" occurs nowhere as one phrase: look for the words
            return self._search(session, _Query.parse(query, join_cjk=False), limit)
        hits = self._search(session, joined, limit)
        if not hits and has_cjk_gap(query):
            hits = self._search(session, _Query.parse(query, join_cjk=False), limit)
        return hits

    def _search(self, session: Session, q: _Query, limit: int) -> list[SearchHit]:
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
        return _rank(q, found, rows, FUZZY_MIN_SIMILARITY)[:limit]

    def suggest(self, session: Session, query: str, limit: int = 3) -> list[int]:
        """Paper ids whose titles are closest to ``query`` (typos, some of the words)."""
        if limit <= 0 or not isinstance(query, str):
            return []
        q = _Query.parse(query)
        if not q.terms:
            return []
        found = _Candidates()
        if q.fuzzy_words:
            found.fuzzy = self._typos(session, q, _FUZZY_CANDIDATES, loose=True)
        found.some = self._words(session, q, WordMode.SOME, max(limit * 4, 12))
        hits = _rank(q, found, self._rows(session, found.ids()), SUGGEST_MIN_SIMILARITY)
        return [hit.paper_id for hit in hits[:limit]]


class SqliteSearch(_EngineSearch):
    """FTS5 channels (``papers_fts``, ``papers_title_fts``, ``papers_trgm``)."""

    def _ranked(
        self, session: Session, table: str, rank: str, match: str, limit: int, small: bool = False
    ) -> list[int]:
        """The best ``limit`` matches by bm25, or the newest when more than RANK_WINDOW match.

        bm25 reads every posting of every term (for its document frequencies), so on a very
        common word it would cost the same as a table scan; counting up to RANK_WINDOW + 1
        matches first is cheap, and a result set that large is served newest first.
        """
        if not small:
            probe = text(
                f"SELECT count(*) FROM (SELECT rowid FROM {table} "
                f"WHERE {table} MATCH :match LIMIT :cap)"
            )
            small = session.scalar(probe, {"match": match, "cap": RANK_WINDOW + 1}) <= RANK_WINDOW
        order = f"{rank}, rowid DESC" if small else "rowid DESC"
        stmt = text(
            f"SELECT rowid FROM {table} WHERE {table} MATCH :match ORDER BY {order} LIMIT :limit"
        )
        return list(session.scalars(stmt, {"match": match, "limit": limit}))

    def _words(self, session: Session, q: _Query, mode: WordMode, limit: int) -> list[int]:
        if mode is WordMode.TITLE_ANY:  # newest first: FTS5 walks rowids backwards, stops at limit
            stmt = text(
                "SELECT rowid FROM papers_title_fts WHERE papers_title_fts MATCH :match "
                "ORDER BY rowid DESC LIMIT :limit"
            )
            return list(session.scalars(stmt, {"match": fts5_query(q.and_terms), "limit": limit}))
        if mode is WordMode.TITLE:
            match = fts5_query(q.and_terms)
            return self._ranked(session, "papers_title_fts", "bm25(papers_title_fts)", match, limit)
        if mode is WordMode.EXISTS:
            stmt = text("SELECT rowid FROM papers_fts WHERE papers_fts MATCH :match LIMIT 1")
            return list(session.scalars(stmt, {"match": fts5_query(q.and_terms)}))
        match = (
            fts5_query(q.and_terms) if mode is WordMode.EVERY else fts5_query(q.or_terms, op="OR")
        )
        # column weights: title tokens, abstract tokens, byline (authors and venue) tokens
        rank = "bm25(papers_fts, 10.0, 1.0, 2.0)"
        return self._ranked(session, "papers_fts", rank, match, limit)

    def __init__(self) -> None:
        # trigram → titles having it; only picks which trigrams to search, so a count a
        # few ingests old does no harm
        self._gram_counts: dict[str, int] = {}

    def _counts(self, session: Session, grams: list[str]) -> dict[str, int]:
        """In how many titles each trigram occurs (fts5vocab look-ups, remembered)."""
        known = {g: self._gram_counts[g] for g in grams if g in self._gram_counts}
        missing = [g for g in grams if g not in known]
        if missing:
            fetched = self._lookup_counts(session, missing)
            if len(self._gram_counts) > _GRAM_COUNT_MEMORY:
                self._gram_counts.clear()
            for gram in missing:
                self._gram_counts[gram] = known[gram] = fetched.get(gram, 0)
        return known

    def _lookup_counts(self, session: Session, grams: list[str]) -> dict[str, int]:
        params = {f"g{i}": gram for i, gram in enumerate(grams)}
        # one equality look-up per trigram (fts5vocab indexes ``term =``, not ``IN``)
        stmt = text(
            " UNION ALL ".join(
                f"SELECT term, doc FROM papers_trgm_vocab WHERE term = :{name}" for name in params
            )
        )
        return {str(term): int(doc) for term, doc in session.execute(stmt, params)}

    def _typos(self, session: Session, q: _Query, limit: int, loose: bool) -> list[int]:
        # the longest words first: they carry a typo with the most intact trigrams
        words = sorted(q.fuzzy_words, key=len, reverse=True)
        grams = list(dict.fromkeys(g for word in words for g in trigrams(word)))
        grams = grams[:_FUZZY_GRAMS_LOOKED_UP]
        if not grams:
            return []
        # the rarest trigrams that occur at all: a typo kills a few, the rest still meet
        counts = self._counts(session, grams)
        usable = sorted((n, g) for g in grams if (n := counts.get(g, 0)))
        chosen = [g for n, g in usable if n < _TRIGRAM_COUNT_CAP][:_FUZZY_TRIGRAMS]
        small = bool(chosen)
        if not chosen:  # only common trigrams: the newest titles having the rarest two
            chosen = [g for _n, g in usable[:2]]
        if not chosen:
            return []
        match = " OR ".join(_quote(g, '"') for g in chosen)
        return self._ranked(session, "papers_trgm", "bm25(papers_trgm)", match, limit, small)


class PostgresSearch(_EngineSearch):
    """``tsvector`` GIN channels and ``pg_trgm`` for typos."""

    _TITLE_VECTOR = "to_tsvector('simple'::regconfig, papers.title_tokens)"

    def __init__(self) -> None:
        self._trgm_schema: str | None = None
        self._trgm_checked = False

    def _prefix_sql(self, column: str) -> str:
        # the default collation need not sort by code point; the "C" indexes of 0002 do
        key = f'{column} COLLATE "C"'
        return (
            f"SELECT id FROM papers WHERE {key} >= :low AND {key} < :high "
            f"ORDER BY {key} LIMIT :limit"
        )

    def _words(self, session: Session, q: _Query, mode: WordMode, limit: int) -> list[int]:
        if mode in (WordMode.TITLE, WordMode.TITLE_ANY):
            vector, tsq = self._TITLE_VECTOR, tsquery_text(q.and_terms)
        elif mode in (WordMode.EVERY, WordMode.EXISTS):
            vector, tsq = "papers.search_vector", tsquery_text(q.and_terms)
        else:
            vector, tsq = "papers.search_vector", tsquery_text(q.or_terms, op="|")
        stmt = text(
            f"SELECT id FROM (SELECT papers.id, {vector} AS v FROM papers "
            f"WHERE {vector} @@ to_tsquery('simple', :q) ORDER BY papers.id DESC "
            "LIMIT :window) AS w "
            "ORDER BY ts_rank(w.v, to_tsquery('simple', :q)) DESC, w.id DESC LIMIT :limit"
        )
        params = {"q": tsq, "window": max(RANK_WINDOW, limit), "limit": limit}
        return list(session.scalars(stmt, params))

    def _schema(self, session: Session) -> str | None:
        if not self._trgm_checked:
            found = session.scalar(
                text(
                    "SELECT n.nspname FROM pg_extension e "
                    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
                )
            )
            self._trgm_schema = str(found) if found else None
            self._trgm_checked = True
        return self._trgm_schema

    def _typos(self, session: Session, q: _Query, limit: int, loose: bool) -> list[int]:
        schema = self._schema(session)
        if not schema:
            return []  # pg_trgm could not be installed: no typo tolerance
        ext = session.get_bind().dialect.identifier_preparer.quote_identifier(schema)
        session.execute(
            text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
            {"t": "0.3" if loose else "0.5"},
        )
        stmt = text(
            f"SELECT id FROM papers WHERE :w OPERATOR({ext}.<%) title_en "
            f"ORDER BY {ext}.word_similarity(:w, title_en) DESC, id DESC LIMIT :limit"
        )
        return list(session.scalars(stmt, {"w": " ".join(q.fuzzy_words), "limit": limit}))


def make_search(engine: Engine) -> PaperSearch:
    """The search for ``engine``'s dialect (SQLite or PostgreSQL)."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteSearch()
    if name == "postgresql":
        return PostgresSearch()
    raise ValueError(f"no paper search for database dialect {name!r}")


def naive_like_search(session: Session, query: str, limit: int = 50) -> list[int]:
    """Baseline for benchmarks: case-insensitive ``LIKE '%q%'`` over titles and abstract."""
    needle = " ".join(strip_controls(query or "").split())
    if not needle or limit <= 0:
        return []
    stmt = (
        select(Paper.id)
        .join(Digest, Digest.id == Paper.digest_id)
        .where(
            Digest.retired.is_(False),
            or_(
                Paper.title_en.icontains(needle, autoescape=True),
                Paper.title_zh.icontains(needle, autoescape=True),
                Paper.abstract.icontains(needle, autoescape=True),
            ),
        )
        .order_by(Paper.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
