"""Watches: a chat's saved queries, and which papers they match.

A watch is written in the query language of ``/paper``: words, ``"phrases"``, Chinese,
an author, a venue, an arXiv id or a topic's name, and ``-word`` (or ``-"a phrase"``)
to exclude. A paper matches when it has every word (title, Chinese title, summary,
authors, venue — tokenised as the search index does) and none of the excluded ones; a
watch that names a topic (``/watch quantization``) also matches that topic's papers.

Pure: the weekly post, the upload preview and ``/watch``'s first answer all decide with
:func:`matching_watch` on plain views, the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.search_tokens import (
    QueryTerm,
    arxiv_ids,
    clean_query,
    index_token_list,
    query_terms,
    split_exclusions,
    term_in_tokens,
)
from bot.domain.views import TopicView

MAX_WATCHES = 20  # per chat
MAX_WATCH_CHARS = 200


@dataclass(frozen=True, slots=True)
class WatchQuery:
    """A watch prepared for matching: what must be there, what must not, and the topic it
    names (if any)."""

    text: str
    include: tuple[QueryTerm, ...]
    exclude: tuple[QueryTerm, ...]
    arxiv: tuple[str, ...] = ()
    topic_id: str | None = None
    # a topic alias narrower than its topic (``quantization``): any of its words will do
    any_of: tuple[tuple[QueryTerm, ...], ...] = ()

    @classmethod
    def parse(
        cls, text: str, topic_id: str | None = None, any_of: Sequence[str] = ()
    ) -> WatchQuery:
        """``text`` as typed; ``topic_id`` when the caller found it names a topic,
        ``any_of`` the words of a narrow alias (see ``Topic.narrow``)."""
        positive, excluded = split_exclusions(text)
        # as in /paper: "phrases" are all-words matches (the quotes are punctuation), and
        # the last word of 4+ letters also matches longer ones ("model" → "models")
        include = tuple(query_terms(positive))
        exclude = tuple(QueryTerm(t.tokens, t.cjk) for e in excluded for t in query_terms(e))
        alternatives = tuple(tuple(query_terms(words)) for words in any_of)
        return cls(text, include, exclude, tuple(arxiv_ids(positive)), topic_id, alternatives)

    @property
    def empty(self) -> bool:
        """Nothing to look for (only exclusions, or only punctuation)."""
        return not (self.include or self.arxiv or self.topic_id or self.any_of)


class WatchedPaper(Protocol):
    """What matching reads of a paper: a stored one (``PaperView``, topics as views) or a
    parsed one not stored yet (the upload preview's, topics as ids)."""

    @property
    def title_en(self) -> str: ...
    @property
    def title_zh(self) -> str | None: ...
    @property
    def abstract(self) -> str: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def authors(self) -> str | None: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def topics(self) -> Sequence[TopicView] | Sequence[str]: ...


def _topic_ids(paper: WatchedPaper) -> set[str]:
    return {t if isinstance(t, str) else t.id for t in paper.topics}


def paper_tokens(paper: WatchedPaper) -> list[str]:
    """Everything of a paper a watch looks at, as index tokens."""
    text = "\n".join(
        (
            paper.title_en,
            paper.title_zh or "",
            paper.abstract,
            paper.authors or "",
            paper.venue or "",
        )
    )
    return index_token_list(text)


def matches(
    watch: WatchQuery,
    paper: WatchedPaper,
    tokens: Sequence[str] | None = None,
    token_set: frozenset[str] | None = None,
) -> bool:
    """Whether ``paper`` matches ``watch`` (see the module docstring); ``tokens`` (and
    their set) when the caller has them already."""
    words = list(tokens) if tokens is not None else paper_tokens(paper)
    token_set = token_set if token_set is not None else frozenset(words)
    if any(term_in_tokens(term, words, token_set) for term in watch.exclude):
        return False
    if watch.topic_id and watch.topic_id in _topic_ids(paper):
        return True
    if watch.arxiv and paper.arxiv_id and paper.arxiv_id in watch.arxiv:
        return True
    if watch.any_of:
        return any(
            terms and all(term_in_tokens(t, words, token_set) for t in terms)
            for terms in watch.any_of
        )
    if not watch.include:
        return False
    return all(term_in_tokens(term, words, token_set) for term in watch.include)


def matching_watch(
    watches: Sequence[WatchQuery],
    paper: WatchedPaper,
    tokens: Sequence[str] | None = None,
    token_set: frozenset[str] | None = None,
) -> WatchQuery | None:
    """The first of ``watches`` that ``paper`` matches, or None."""
    if not watches:
        return None
    words = list(tokens) if tokens is not None else paper_tokens(paper)
    token_set = token_set if token_set is not None else frozenset(words)
    return next((w for w in watches if matches(w, paper, words, token_set)), None)


def matches_any(watches: Sequence[WatchQuery], papers: Iterable[WatchedPaper]) -> bool:
    """Whether some watch matches one of ``papers``."""
    return bool(watches) and any(matching_watch(watches, p) is not None for p in papers)


def clean_watch(text: str) -> str:
    """A watch as stored: spaces squeezed, cut to ``MAX_WATCH_CHARS``."""
    return " ".join((text or "").split())[:MAX_WATCH_CHARS]


def is_meaningful(text: str) -> bool:
    """Whether a watch asks for anything at all (not only punctuation or exclusions)."""
    positive, _excluded = split_exclusions(text)
    return bool(clean_query(positive).strip() and query_terms(positive)) or bool(
        arxiv_ids(positive)
    )
