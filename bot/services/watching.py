"""What ``/watch`` and ``/foryou`` show, read in one call each (handlers parse and reply).

A watch's first answer is the archive's best matches: the paper search finds candidates
for the watch's words (its exclusions applied), and only those the watch itself matches
(``bot.domain.watches``, as the weekly post decides) are shown, best ranked first.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.relevance import MIN_SIGNALS, Reason
from bot.domain.search_tokens import split_exclusions
from bot.domain.views import PaperView
from bot.domain.watches import matches
from bot.services import Services
from bot.store.watches import WatchAdded, WatchView

BEST_MATCHES = 5
_CANDIDATES = 60


@dataclass(frozen=True, slots=True)
class WatchAnswer:
    """What ``/watch <query>`` did, and the archive's best matches so far."""

    outcome: WatchAdded
    watch: WatchView
    matches: list[PaperView]


def best_matches(services: Services, query: str, limit: int = BEST_MATCHES) -> list[PaperView]:
    """The archive's papers ``query`` (as a watch) matches, best ranked first."""
    relevance = services.relevance
    [watch] = relevance.watch_queries([query])
    positive, _excluded = split_exclusions(query)
    ids = [h.paper_id for h in services.library.search(query, _CANDIDATES)]
    for words in watch.any_of:  # a narrow alias: each of its words finds candidates
        text = " ".join(t.text for t in words)
        ids += [h.paper_id for h in services.library.search(text, _CANDIDATES)]
    if watch.topic_id:  # a topic's name: its newest papers count too
        ids += [p.id for p in services.library.topic_papers(watch.topic_id, 0, _CANDIDATES)[0]]
    found = [p for p in services.library.papers(list(dict.fromkeys(ids))) if matches(watch, p)]
    return found[:limit] if positive or watch.topic_id or watch.any_of else []


def add_watch(services: Services, chat_id: int, query: str, user_id: int | None) -> WatchAnswer:
    """Watch ``query`` in the chat; its profile is retrained (a watch is a signal)."""
    outcome, watch = services.watches.add(chat_id, query, user_id)
    if outcome is WatchAdded.ADDED:
        services.relevance.touch(chat_id)
    shown = best_matches(services, watch.query) if outcome is not WatchAdded.FULL else []
    return WatchAnswer(outcome, watch, shown)


@dataclass(frozen=True, slots=True)
class ForYouPage:
    """A page of ``/foryou``: the papers, why each, how many pages; ``signals`` below
    ``MIN_SIGNALS`` means the chat has not shown enough yet."""

    papers: list[tuple[PaperView, Reason, PaperView | None]]
    total: int
    signals: int

    @property
    def cold(self) -> bool:
        """Too few signals to go on."""
        return self.signals < MIN_SIGNALS


def for_you(services: Services, chat_id: int, page: int, size: int) -> ForYouPage:
    """The archive's best unsaved papers for the chat, ``size`` a page, with why."""
    relevance = services.relevance
    signals = services.watches.signals(chat_id)
    if signals.count < MIN_SIGNALS:
        return ForYouPage([], 0, signals.count)
    recommendations, total = relevance.for_you(chat_id, page * size, size, signals)
    papers = {p.id: p for p in services.library.papers([r.paper_id for r in recommendations])}
    liked = {
        p.id: p
        for p in services.library.papers(
            [r.reason.paper_id for r in recommendations if r.reason.paper_id]
        )
    }
    shown = [
        (papers[r.paper_id], r.reason, liked.get(r.reason.paper_id or 0))
        for r in recommendations
        if r.paper_id in papers
    ]
    return ForYouPage(shown, total, signals.count)


def similar_papers(services: Services, paper_id: int) -> tuple[PaperView | None, list[PaperView]]:
    """The paper and the papers most like it."""
    paper = services.library.paper(paper_id)
    if paper is None:
        return None, []
    return paper, services.library.papers(services.relevance.similar(paper_id))
