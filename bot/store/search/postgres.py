"""PostgreSQL's search channels: ``tsvector`` GIN indexes and ``pg_trgm`` (migrations 0002,
0010).

Words: the stored ``title_vector`` (title tokens) and ``search_vector`` (title, byline and
abstract tokens at weights A, C, D; migration 0005 added the byline) columns, each with a
GIN index. A word channel asks the planner how many papers match (``EXPLAIN``: the
column's element statistics, no rows read); up to the column's rank window it ranks them
all (``ts_rank``), a more common word is served newest first (a backward primary-key scan
that stops at ``limit``), so a common word costs no more on a bigger archive.

Typos: the ``title_words`` vocabulary of distinct title words (0010). A query word no
title has is looked up among those short words with the index-backed ``%`` operator,
then titles are found by exact words through ``title_vector`` (no typo tolerance where
``pg_trgm`` could not be installed). ``benchmarks/README.md`` has the plans and figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, bindparam, cast, text
from sqlalchemy.orm import Session

from bot.domain.ranking import SearchQuery
from bot.domain.search_tokens import STOPWORDS, QueryTerm
from bot.store.models import Paper
from bot.store.search.base import RANK_WINDOW, EngineSearch, WordMode, quoted

# a schema before 0010 (a downgrade) has only 0002's expression index on the title tokens
_TITLE_EXPRESSION = "to_tsvector('simple'::regconfig, papers.title_tokens)"
# ts_rank reads the whole vector: title vectors are small and stored in the row, the
# search vector (with the abstract) is TOASTed, ~10 buffer reads a row
_TITLE_RANK_WINDOW = RANK_WINDOW
_EVERY_RANK_WINDOW = 300
# how many of the newest papers a common word is first looked for in (a search-vector
# row costs a TOAST read, a title-vector row almost nothing)
_SLICE = {"title_vector": 5000, "search_vector": 1000, _TITLE_EXPRESSION: 5000}
_EXISTS_SLICE = 300  # newest papers whose text a Chinese phrase is looked for in
_PHRASE = re.compile(r"\(('(?:[^']|'')*')(?: <-> '(?:[^']|'')*')+\)")  # (a <-> b …) → a
_TYPO_ALTERNATIVES = 6  # vocabulary words tried for one misspelt word


def tsquery_text(terms: Sequence[QueryTerm], weight: str = "", op: str = "&") -> str:
    """A ``to_tsquery`` string: lexemes single-quoted, CJK phrases joined with ``<->``."""

    def lexeme(token: str, prefix: bool) -> str:
        label = ("*" if prefix else "") + weight
        return quoted(token.replace("\\", ""), "'") + (f":{label}" if label else "")

    parts = []
    for term in terms:
        if len(term.tokens) > 1:
            parts.append("(" + " <-> ".join(lexeme(t, False) for t in term.tokens) + ")")
        else:
            parts.append(lexeme(term.tokens[0], term.prefix))
    return f" {op} ".join(parts)


class PostgresSearch(EngineSearch):
    """``tsvector`` GIN channels and a ``pg_trgm`` word vocabulary for typos."""

    TYPOS_FIRST = True  # the vocabulary look-up is precise and cheap: before all-but-one

    def __init__(self) -> None:
        super().__init__()
        self._trgm_schema: str | None = None
        self._trgm_checked = False
        self._title_vector: str | None = None  # "title_vector", or "" before 0010

    def _id_in(self) -> ColumnElement[bool]:
        # one array parameter: the same statement text for any number of candidates, so
        # psycopg prepares it once instead of PostgreSQL planning every IN list anew
        return Paper.id == any_(cast(bindparam("ids"), ARRAY(Integer)))

    def _prefix_sql(self, column: str) -> str:
        # the default collation need not sort by code point; the "C" indexes of 0002 do
        key = f'{column} COLLATE "C"'
        return (
            f"SELECT id FROM papers WHERE {key} >= :low AND {key} < :high "
            f"ORDER BY {key} LIMIT :limit"
        )

    def _estimate(self, session: Session, vector: str, tsq: str) -> float:
        """The planner's estimate of the papers matching ``tsq`` (statistics, no rows read)."""
        plan = session.scalar(
            text(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM papers "
                f"WHERE {vector} @@ to_tsquery('simple', :q)"
            ),
            {"q": tsq},
        )
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])

    def _matching(
        self, session: Session, vector: str, tsq: str, limit: int, window: int | None
    ) -> list[int]:
        """Ids matching ``tsq``, newest first when the word is common, else the newest
        ``window`` of them ranked by ts_rank (``window`` None: unranked).

        A common word fills ``limit`` from the newest ``_SLICE[vector]`` papers (a bounded
        backward primary-key range scan), so it costs no more on a bigger archive. Only a
        word that did not is fetched whole through the GIN index: ``ORDER BY id + 0``
        keeps the planner off an unbounded backward scan filtering row by row, which for a
        word the statistics do not know (guessed at ~0.5 % of the rows) read every row
        (900 ms at 100k papers).
        """
        params = {"q": tsq, "limit": limit}
        match = f"{vector} @@ to_tsquery('simple', :q)"
        # the planner's estimate (statistics only) is good enough for words, but takes a
        # Chinese phrase's bigrams as independent (40 rows estimated for 8,000): a phrase
        # is estimated by its first bigram (an upper bound)
        if (
            window is not None
            and self._estimate(session, vector, _PHRASE.sub(r"\1", tsq)) <= window
        ):
            return self._ranked(session, vector, match, tsq, limit, window)
        found = self._newest(session, vector, tsq, limit)
        if len(found) >= limit:
            return found
        if window is None:
            stmt = text(f"SELECT id FROM papers WHERE {match} ORDER BY id + 0 DESC LIMIT :limit")
            return list(session.scalars(stmt, params))
        return self._ranked(session, vector, match, tsq, limit, window)

    def _newest(
        self, session: Session, vector: str, tsq: str, limit: int, span: int | None = None
    ) -> list[int]:
        """The newest matches among the newest ``span`` (``_SLICE[vector]``) papers."""
        # coalesce() hides the match from the GIN index: only the key range can be used,
        # so the scan stays within the newest papers (the planner, misjudging a Chinese
        # phrase at 40 rows for 8,000, would bitmap-scan every match instead)
        newest = text(
            f"SELECT id FROM papers WHERE id > (SELECT max(id) FROM papers) - :span "
            f"AND coalesce({vector} @@ to_tsquery('simple', :q), false) "
            "ORDER BY id DESC LIMIT :limit"
        )
        params = {"q": tsq, "limit": limit, "span": span or _SLICE[vector]}
        return list(session.scalars(newest, params))

    def _ranked(
        self, session: Session, vector: str, match: str, tsq: str, limit: int, window: int
    ) -> list[int]:
        """The newest ``window`` matches (all of them, through the GIN index: ``id + 0``
        keeps the planner off a backward key scan) ranked by ts_rank."""
        stmt = text(
            f"SELECT id FROM (SELECT id, {vector} AS v FROM papers WHERE {match} "
            "ORDER BY id + 0 DESC LIMIT :window) AS w "
            "ORDER BY ts_rank(w.v, to_tsquery('simple', :q)) DESC, w.id DESC LIMIT :limit"
        )
        params = {"q": tsq, "limit": limit, "window": max(window, limit)}
        return list(session.scalars(stmt, params))

    def _words(self, session: Session, q: SearchQuery, mode: WordMode, limit: int) -> list[int]:
        if mode is WordMode.EXISTS:
            # a Chinese phrase in some title (the title vectors' GIN index), else in one of
            # the newest 300 papers' text: rechecking a phrase in every abstract having its
            # bigrams took 24 ms (900 TOAST reads); an older abstract having it still has
            # the words, which is what the caller then searches for
            tsq = tsquery_text(q.and_terms)
            title = text(
                f"SELECT id FROM papers WHERE {self._title(session)} "
                "@@ to_tsquery('simple', :q) LIMIT 1"
            )
            found = list(session.scalars(title, {"q": tsq}))
            return found or self._newest(session, "search_vector", tsq, 1, _EXISTS_SLICE)
        if mode is WordMode.TITLE_ANY:
            return self._matching(
                session, self._title(session), tsquery_text(q.and_terms), limit, None
            )
        if mode is WordMode.TITLE:
            tsq = tsquery_text(q.and_terms)
            return self._matching(session, self._title(session), tsq, limit, _TITLE_RANK_WINDOW)
        if mode is WordMode.EVERY:
            tsq = tsquery_text(q.and_terms)
            return self._matching(session, "search_vector", tsq, limit, _EVERY_RANK_WINDOW)
        # any of the words: titles only (an abstract matching one word of several is noise,
        # and "any of" common words is dense: cheap title rows, not TOASTed abstracts)
        tsq = tsquery_text(q.or_terms, op="|")
        return self._matching(session, self._title(session), tsq, limit, _TITLE_RANK_WINDOW)

    def _title(self, session: Session) -> str:
        """The title vector: 0010's stored column, or 0002's expression before it."""
        if self._title_vector is None:
            self._title_vector = "title_vector" if self._exists(session, "title_vector") else ""
        return self._title_vector or _TITLE_EXPRESSION

    @staticmethod
    def _exists(session: Session, what: str) -> bool:
        """Whether 0010's ``papers.title_vector`` / ``title_words`` exist (a downgraded
        schema lacks them)."""
        sql = (
            "SELECT to_regclass('title_words') IS NOT NULL"
            if what == "title_words"
            else "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
            "to_regclass('papers') AND attname = 'title_vector' AND NOT attisdropped)"
        )
        return bool(session.scalar(text(sql)))

    def _schema(self, session: Session) -> str | None:
        """The schema pg_trgm is installed in (looked up once), None without it."""
        if not self._trgm_checked:
            found = session.scalar(
                text(
                    "SELECT n.nspname FROM pg_extension e "
                    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
                )
            )
            # typos need 0010's vocabulary as well (absent in a downgraded schema)
            words = self._exists(session, "title_words")
            self._trgm_schema = str(found) if found and words else None
            self._trgm_checked = True
        return self._trgm_schema

    def _typos(self, session: Session, q: SearchQuery, limit: int, loose: bool) -> list[int]:
        schema = self._schema(session)
        if not schema:
            return []  # pg_trgm could not be installed: no typo tolerance
        ext = session.get_bind().dialect.identifier_preparer.quote_identifier(schema)
        words = [w for w in q.fuzzy_words if w not in STOPWORDS] or q.fuzzy_words
        # every query word's closest title words, in one round trip: ``%`` (similarity
        # above pg_trgm.similarity_threshold, 0.3 by default) is what the trigram GIN index
        # answers; a word that is some title's own comes back as its own closest
        stmt = text(
            "SELECT q.w, t.word FROM unnest(CAST(:words AS text[])) AS q(w) CROSS JOIN LATERAL ("
            f"SELECT word FROM title_words WHERE word OPERATOR({ext}.%) q.w "
            f"ORDER BY word OPERATOR({ext}.<->) q.w, word LIMIT :n) AS t"
        )
        close: dict[str, list[str]] = {w: [] for w in words}
        for word, alike in session.execute(stmt, {"words": words, "n": _TYPO_ALTERNATIVES}):
            close[word].append(alike)
        if all(w in close[w] for w in words):
            return []  # every word is some title's: the word channels had their chance
        prefixed = {t.tokens[0] for t in q.terms if t.prefix}
        parts: list[str] = []
        for word in words:
            if word in close[word]:
                parts.append(tsquery_text([QueryTerm((word,), prefix=word in prefixed)]))
            elif close[word]:
                parts.append("(" + " | ".join(quoted(a, "'") for a in close[word]) + ")")
        if not parts:
            return []
        tsq = (" | " if loose else " & ").join(parts)
        return self._matching(session, self._title(session), tsq, limit, _TITLE_RANK_WINDOW)
