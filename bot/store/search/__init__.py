"""Paper search: ranked look-ups by title, words, Chinese text, arXiv id, with typos.

The database finds a bounded set of candidates through its indexes (a few LIMITed
queries, "channels"), and :mod:`bot.domain.ranking` ranks that small set the same way on
every engine (its docstring has the table of match kinds and scores).

Channels: arXiv id (B-tree), title prefix (``title_compact``/``title_zh_compact``
B-tree ranges), words in titles, words anywhere, any of the words (only when nothing has
all of them), and title trigrams for typos (only when nothing else matched well).

=============  ===========================================================================
module         what it holds
=============  ===========================================================================
``base``       the shared flow (``EngineSearch``): channels in order, retired digests
               dropped, ranking; the B-tree channels; the ``PaperSearch`` protocol
``sqlite``     FTS5 word channels (bm25) and the trigram table for typos
``postgres``   ``tsvector`` word channels (ts_rank) and ``pg_trgm`` for typos
=============  ===========================================================================

What the index stores is derived by :func:`bot.domain.search_tokens.search_fields`
(ingestion) and created and kept in sync by migration 0002 (0005 adds the byline: authors
and venue, weighted between title and abstract). A new dialect is one module
with a subclass of ``EngineSearch`` and a line in :func:`make_search`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.domain.ranking import KINDS, SearchHit
from bot.domain.search_tokens import search_fields
from bot.store.search.base import RANK_WINDOW, EngineSearch, PaperSearch, WordMode
from bot.store.search.postgres import PostgresSearch, tsquery_text
from bot.store.search.sqlite import SqliteSearch, fts5_query

__all__ = [
    "KINDS",
    "RANK_WINDOW",
    "EngineSearch",
    "PaperSearch",
    "PostgresSearch",
    "SearchHit",
    "SqliteSearch",
    "WordMode",
    "fts5_query",
    "make_search",
    "search_fields",
    "tsquery_text",
]


def make_search(engine: Engine) -> PaperSearch:
    """The search for ``engine``'s dialect (SQLite or PostgreSQL)."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteSearch()
    if name == "postgresql":
        return PostgresSearch()
    raise ValueError(f"no paper search for database dialect {name!r}")
