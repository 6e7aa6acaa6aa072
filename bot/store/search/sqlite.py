"""SQLite's search channels: the FTS5 tables of migrations 0002, 0004 and 0005.

``papers_fts`` holds title, abstract and byline (authors, venue) tokens, weighted 10, 1
and 2 by bm25; ``papers_title_fts`` title tokens and ``papers_trgm`` the trigrams of the
titles (with ``papers_trgm_vocab``, its fts5vocab table, for how many titles have a
trigram). Word channels rank by bm25 when at most ``RANK_WINDOW`` papers match; a very
common word ("model", "模型") takes the newest matches instead, so its cost does not grow
with the archive.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from bot.domain.ranking import SearchQuery
from bot.domain.search_tokens import QueryTerm, trigrams
from bot.store.models import Paper
from bot.store.search.base import RANK_WINDOW, EngineSearch, Prebuilt, WordMode, quoted

_FUZZY_TRIGRAMS = 6
_FUZZY_GRAMS_LOOKED_UP = 14
_GRAM_COUNT_MEMORY = 200_000
_NAMED = sqlite.dialect(paramstyle="named")  # sqlite3's :name parameters
_TRIGRAM_COUNT_CAP = 1500  # trigrams in more titles than this do not narrow anything


def fts5_query(terms: Sequence[QueryTerm], column: str | None = None, op: str = "AND") -> str:
    """An FTS5 MATCH expression for ``terms``: all of them, or any with ``op="OR"``.

    Every token is double-quoted (FTS5 strings), so no user text is ever FTS5 syntax; a
    CJK run is one quoted phrase of its bigrams, a single CJK character a prefix query.
    """
    parts = []
    for term in terms:
        expr = quoted(" ".join(term.tokens), '"') + ("*" if term.prefix else "")
        parts.append(f"{column} : {expr}" if column else expr)
    return f" {op} ".join(parts)


def _fetch(session: Session, sql: str, params: Mapping[str, object]) -> list[Any]:
    """``sql``'s rows, run on the session's sqlite3 connection itself.

    These FTS5 statements exist only on SQLite, and a search runs up to six of them:
    SQLAlchemy's per-statement work (result objects, execution context) took longer than
    SQLite's own, so they go to the driver, in the session's transaction all the same.
    """
    cursor = session.connection().connection.cursor()
    try:
        rows: list[Any] = cursor.execute(sql, params).fetchall()
        return rows
    finally:
        cursor.close()


def _ids(session: Session, sql: str, params: Mapping[str, object]) -> list[int]:
    return [int(row[0]) for row in _fetch(session, sql, params)]


class SqliteSearch(EngineSearch):
    """FTS5 channels (``papers_fts``, ``papers_title_fts``, ``papers_trgm``)."""

    def __init__(self) -> None:
        super().__init__()
        # trigram → titles having it; only picks which trigrams to search, so a count a
        # few ingests old does no harm
        self._gram_counts: dict[str, int] = {}
        self._driver_sql: dict[Prebuilt, tuple[str, dict[str, Any]]] = {}

    def _id_in(self) -> ColumnElement[bool]:
        # one JSON array parameter: the same SQL text for any number of candidates, so
        # sqlite3 reuses its prepared statement (an IN list is new SQL per length)
        values: Select[Any] = select(literal_column("value")).select_from(
            func.json_each(bindparam("ids"))
        )
        return Paper.id.in_(values)

    def _execute(
        self, session: Session, statement: Prebuilt, params: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        # the prebuilt statements as SQL text for the driver (``_fetch``): SQLAlchemy's
        # per-statement work took longer than these B-tree look-ups themselves
        driver = self._driver_sql.get(statement)
        if driver is None:
            compiled = statement.compile(dialect=_NAMED)
            driver = self._driver_sql[statement] = (str(compiled), dict(compiled.params))
        sql, defaults = driver
        values = {k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()}
        rows: Sequence[Sequence[Any]] = _fetch(session, sql, {**defaults, **values})
        return rows

    def _ranked(
        self, session: Session, table: str, rank: str, match: str, limit: int, small: bool = False
    ) -> list[int]:
        """The best ``limit`` matches by bm25, or the newest when more than RANK_WINDOW match.

        bm25 reads every posting of every term (for its document frequencies), so on a very
        common word it would cost the same as a table scan; counting up to RANK_WINDOW + 1
        matches first is cheap, and a result set that large is served newest first.
        """
        if not small:
            probe = (
                f"SELECT count(*) FROM (SELECT rowid FROM {table} "
                f"WHERE {table} MATCH :match LIMIT :cap)"
            )
            found = _ids(session, probe, {"match": match, "cap": RANK_WINDOW + 1})
            small = found[0] <= RANK_WINDOW
        order = f"{rank}, rowid DESC" if small else "rowid DESC"
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH :match ORDER BY {order} LIMIT :limit"
        return _ids(session, sql, {"match": match, "limit": limit})

    def _words(self, session: Session, q: SearchQuery, mode: WordMode, limit: int) -> list[int]:
        if mode is WordMode.TITLE_ANY:  # newest first: FTS5 walks rowids backwards, stops at limit
            sql = (
                "SELECT rowid FROM papers_title_fts WHERE papers_title_fts MATCH :match "
                "ORDER BY rowid DESC LIMIT :limit"
            )
            return _ids(session, sql, {"match": fts5_query(q.and_terms), "limit": limit})
        if mode is WordMode.TITLE:
            match = fts5_query(q.and_terms)
            return self._ranked(session, "papers_title_fts", "bm25(papers_title_fts)", match, limit)
        if mode is WordMode.EXISTS:
            sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH :match LIMIT 1"
            return _ids(session, sql, {"match": fts5_query(q.and_terms)})
        if mode is WordMode.SOME:
            # any of the words: titles only (an abstract having one word of several is
            # noise, and the title index's postings are a fraction of the abstracts')
            match = fts5_query(q.or_terms, op="OR")
            return self._ranked(session, "papers_title_fts", "bm25(papers_title_fts)", match, limit)
        # column weights: title tokens, abstract tokens, byline (authors and venue) tokens
        rank = "bm25(papers_fts, 10.0, 1.0, 2.0)"
        return self._ranked(session, "papers_fts", rank, fts5_query(q.and_terms), limit)

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
        sql = " UNION ALL ".join(
            f"SELECT term, doc FROM papers_trgm_vocab WHERE term = :{name}" for name in params
        )
        return {str(term): int(doc) for term, doc in _fetch(session, sql, params)}

    def _typos(self, session: Session, q: SearchQuery, limit: int, loose: bool) -> list[int]:
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
        match = " OR ".join(quoted(g, '"') for g in chosen)
        return self._ranked(session, "papers_trgm", "bm25(papers_trgm)", match, limit, small)
