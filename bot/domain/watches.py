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

from bot.domain.search_tokens import (
    QueryTerm,
    arxiv_ids,
    clean_query,
    index_token_list,
    query_terms,
    split_exclusions,
    term_in_tokens,
)
from bot.domain.views import PaperView

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


def paper_tokens(paper: PaperView) -> list[str]:
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


def matches(watch: WatchQuery, paper: PaperView, tokens: Sequence[str] | None = None) -> bool:
    """Whether ``paper`` matches ``watch`` (see the module docstring)."""
    words = list(tokens if tokens is not None else paper_tokens(paper))
    token_set = frozenset(words)
    if any(term_in_tokens(term, words, token_set) for term in watch.exclude):
        return False
    if watch.topic_id and any(topic.id == watch.topic_id for topic in paper.topics):
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
    watches: Sequence[WatchQuery], paper: PaperView, tokens: Sequence[str] | None = None
) -> WatchQuery | None:
    """The first of ``watches`` that ``paper`` matches, or None."""
    if not watches:
        return None
    words = list(tokens if tokens is not None else paper_tokens(paper))
    return next((w for w in watches if matches(w, paper, words)), None)


def watched_papers(
    watches: Sequence[WatchQuery], papers: Iterable[PaperView]
) -> dict[int, WatchQuery]:
    """Paper id → the watch it matched, for the papers some watch matches."""
    found: dict[int, WatchQuery] = {}
    for paper in papers:
        watch = matching_watch(watches, paper)
        if watch is not None:
            found[paper.id] = watch
    return found


def clean_watch(text: str) -> str:
    """A watch as stored: spaces squeezed, cut to ``MAX_WATCH_CHARS``."""
    return " ".join((text or "").split())[:MAX_WATCH_CHARS]


def is_meaningful(text: str) -> bool:
    """Whether a watch asks for anything at all (not only punctuation or exclusions)."""
    positive, _excluded = split_exclusions(text)
    return bool(clean_query(positive).strip() and query_terms(positive)) or bool(
        arxiv_ids(positive)
    )
