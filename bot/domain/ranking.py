"""Search ranking: a query prepared once, and the candidates the index found, scored.

The database finds a bounded set of candidate papers through its indexes (see
``bot.store.search``); this module ranks that small set, the same way on every engine,
from plain rows, so it is tested without a database:

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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.search_kinds import MatchKind
from bot.domain.search_tokens import (
    STOPWORDS,
    QueryTerm,
    arxiv_ids,
    clean_query,
    fuzzy_title_score,
    query_terms,
    term_in_tokens,
    title_tokens,
)
from bot.domain.searchtext import compact

KINDS = tuple(MatchKind)  # best first
FUZZY_MIN_SIMILARITY = 0.75  # mean word similarity of a "fuzzy" hit (one typo in 4+)
SUGGEST_MIN_SIMILARITY = 0.5
_MAX_FUZZY_WORDS = 6


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: higher ``score`` is better; ``kind`` says what matched (see module doc)."""

    paper_id: int
    score: float
    kind: MatchKind


@dataclass
class SearchQuery:
    """A query prepared once: terms, compact form, arXiv ids, words for typo matching."""

    terms: list[QueryTerm]
    compact: str
    arxiv: list[str]
    fuzzy_words: list[str]

    @classmethod
    def parse(cls, query: str, join_cjk: bool = True) -> SearchQuery:
        """The query as typed; ``join_cjk=False`` keeps spaced Chinese words apart."""
        cleaned = clean_query(query, join_cjk)
        terms = query_terms(cleaned, join_cjk)
        words = [t.tokens[0] for t in terms if not t.cjk]
        return cls(
            terms=terms,
            compact=compact(cleaned),
            arxiv=arxiv_ids(query[:2000]),
            fuzzy_words=[w for w in words if len(w) >= 3 and not w.isdigit()][:_MAX_FUZZY_WORDS],
        )

    @property
    def empty(self) -> bool:
        """Nothing to look for (only punctuation, emoji, control characters …)."""
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
class Candidates:
    """Paper ids per index channel; list channels keep their database order (best first)."""

    arxiv: set[int] = field(default_factory=set)
    prefix: set[int] = field(default_factory=set)
    title: list[int] = field(default_factory=list)
    every: list[int] = field(default_factory=list)
    some: list[int] = field(default_factory=list)
    fuzzy: list[int] = field(default_factory=list)

    def ids(self) -> list[int]:
        """Every candidate once, strongest channel first."""
        groups = (self.arxiv, self.prefix, self.title, self.every, self.some, self.fuzzy)
        return list(dict.fromkeys(i for group in groups for i in group))

    @property
    def strong(self) -> int:
        """How many papers matched by id, title prefix or all words in the title."""
        return len(self.arxiv | self.prefix | set(self.title))


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """What ranking reads of one candidate paper (the derived columns may be empty: then
    they are computed from the titles)."""

    id: int
    title_en: str
    title_zh: str | None
    title_compact: str
    title_zh_compact: str
    title_tokens: str


def _positions(ids: Sequence[int]) -> dict[int, float]:
    """1.0 for the first id of a ranked channel, falling towards 0 for the last."""
    return {pid: 1.0 - index / max(len(ids), 1) for index, pid in enumerate(ids)}


def rank_candidates(
    q: SearchQuery, found: Candidates, rows: Iterable[CandidateRow], fuzzy_floor: float
) -> list[SearchHit]:
    """Score every candidate (see the table in the module docstring), best first; rows
    matching too little (below ``fuzzy_floor`` similarity, in no channel) are dropped."""
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


STRONG_KINDS = (MatchKind.ARXIV, MatchKind.EXACT)


def clear_winner(hits: Sequence[SearchHit]) -> bool:
    """One clear best match: the only hit, the only exact/arXiv hit, or the only title that
    starts with the query while no other title has all its words. A generic word that
    starts one title and occurs in others (``transformer``, ``scaling``) gets the list."""
    if len(hits) == 1:
        return True
    first, second = hits[0], hits[1]
    if first.kind in STRONG_KINDS:
        return second.kind not in STRONG_KINDS
    return first.kind is MatchKind.PREFIX and second.kind not in (
        *STRONG_KINDS,
        MatchKind.PREFIX,
        MatchKind.TITLE,
    )
