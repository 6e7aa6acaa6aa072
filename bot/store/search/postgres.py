"""PostgreSQL's search channels: ``tsvector`` GIN indexes and ``pg_trgm`` (migration 0002).

Words: the ``search_vector`` column (title, byline and abstract tokens at weights A, C, D;
migration 0005 added the byline) and an expression index on the title tokens; typos:
``pg_trgm`` word similarity on ``title_en`` (no typo tolerance where the extension could
not be installed). A word channel ranks (ts_rank) only the newest ``RANK_WINDOW``
matches, so a very common word costs no more on a bigger archive.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.domain.ranking import SearchQuery
from bot.domain.search_tokens import QueryTerm
from bot.store.search.base import RANK_WINDOW, EngineSearch, WordMode, quoted


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

    def _words(self, session: Session, q: SearchQuery, mode: WordMode, limit: int) -> list[int]:
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
        """The schema pg_trgm is installed in (looked up once), None without it."""
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

    def _typos(self, session: Session, q: SearchQuery, limit: int, loose: bool) -> list[int]:
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
