"""What a person's answer shows, read from the store in one trip.

Each function runs in a worker thread (``await db(look_up, …)``) and returns everything
its reply needs — the papers, the chat's 📌 marks, a paging key — so a reply waits on one
thread hand-over and back instead of one per step: each hand-over cost more than the card
and page reads themselves (benchmarks/README.md, "Latency").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.ranking import SearchHit, clear_winner
from bot.domain.search_kinds import MatchKind
from bot.domain.search_tokens import arxiv_ids
from bot.domain.views import DigestView, PaperView
from bot.services import Services
from bot.store.library import Library

PAGE_SIZE = 5  # papers per page of a result list or a topic
SEARCH_HITS = 50  # a /paper result list holds at most this many papers


def marked(services: Services, chat_id: int | None, papers: Sequence[PaperView]) -> set[int]:
    """Which of ``papers`` are on ``chat_id``'s reading list (None: no chat, inline mode)."""
    if chat_id is None or not papers:
        return set()
    return services.reading.saved_ids(chat_id, [paper.id for paper in papers])


@dataclass(frozen=True, slots=True)
class PaperLookup:
    """What one ``/paper`` answer shows (:func:`look_up`)."""

    hits: list[SearchHit]
    missing_arxiv_id: str | None = None  # an arXiv id the archive does not have
    card: PaperView | None = None  # the one clear match
    key: str = ""  # the remembered result list, for the paging buttons
    page: list[PaperView] = field(default_factory=list)  # its first page
    suggestions: list[PaperView] = field(default_factory=list)  # nothing matched: closest
    saved: set[int] = field(default_factory=set)  # of the card or page: on the chat's list


def look_up(services: Services, query: str, chat_id: int | None) -> PaperLookup:
    """``/paper <query>``: the search and everything its answer needs."""
    library = services.library
    hits = library.search(query, SEARCH_HITS)
    wanted = arxiv_ids(query)
    if wanted and not any(hit.kind is MatchKind.ARXIV for hit in hits):
        # a paper we have not covered (the other hits only matched the URL's words)
        return PaperLookup(hits, missing_arxiv_id=wanted[0])
    if not hits:
        return PaperLookup(hits, suggestions=library.suggest(query, 3))
    if clear_winner(hits):
        card = library.paper(hits[0].paper_id)
        if card is not None:
            return PaperLookup(hits, card=card, saved=marked(services, chat_id, [card]))
    ids = [hit.paper_id for hit in hits]
    key = services.shared.remember_results(query, ids)
    page = library.papers(ids[:PAGE_SIZE])
    return PaperLookup(hits, key=key, page=page, saved=marked(services, chat_id, page))


def card_lookup(
    services: Services, paper_id: int, chat_id: int | None
) -> tuple[PaperView, bool] | None:
    """A card and whether the chat saved it (None: no such paper in an active digest)."""
    paper = services.library.paper(paper_id)
    if paper is None:
        return None
    return paper, paper.id in marked(services, chat_id, [paper])


@dataclass(frozen=True, slots=True)
class PageLookup:
    """One page of a remembered result list (:func:`page_lookup`)."""

    query: str
    total: int
    papers: list[PaperView]
    saved: set[int]


def page_lookup(services: Services, key: str, page: int, chat_id: int | None) -> PageLookup | None:
    """Page ``page`` of the result list stored under ``key``, with the chat's 📌 marks
    (None: the list expired)."""
    remembered = services.shared.recall_results(key)
    if remembered is None:
        return None
    query, ids = remembered
    papers = services.library.papers(ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    return PageLookup(query, len(ids), papers, marked(services, chat_id, papers))


def topic_lookup(
    services: Services,
    topic_id: str,
    page: int,
    chat_id: int | None,
    focus: Sequence[str] = (),
) -> tuple[list[PaperView], int, set[int]]:
    """A page of a topic's papers (those matching ``focus``, an alias, first), the
    topic's total and the chat's 📌 marks."""
    papers, total = services.library.topic_papers(topic_id, page * PAGE_SIZE, PAGE_SIZE, focus)
    return papers, total, marked(services, chat_id, papers)


LATEST_WORDS = ("", "latest", "最新")


def digest_lookup(
    services: Services, key: str, chat_id: int | None
) -> tuple[DigestView, list[PaperView], set[int]] | None:
    """A digest (by id, ``latest`` or a date in its week), its papers and the chat's 📌
    marks; None if there is no such digest.

    ``latest`` is the digest the chats got last (the newest publication), else — nothing
    posted yet — the one the queue posts next: never a newer week the queue has not reached."""
    if key.strip().lower() in LATEST_WORDS:
        key = services.ledger.last_published() or services.ledger.next_digest() or key
    digest = services.library.digest(key)
    if digest is None:
        return None
    papers = services.library.digest_papers(digest.id)
    return digest, papers, marked(services, chat_id, papers)


def inline_papers(library: Library, text: str, limit: int) -> list[PaperView]:
    """What inline mode offers for ``text`` (the newest digest's papers for none): people
    type inline queries a character at a time."""
    if not text:
        return library.latest_papers(limit)
    return library.papers([hit.paper_id for hit in library.search(text, limit)])
