"""What each Mini App page shows, read from the store through the services, as JSON-ready
dicts. Blocking: the routes run them with :func:`bot.services.db`.

The search is the ``/paper`` search (``Library.search``, ranked and remembered); the topic
and week filters narrow its hits. Nothing here knows which chat asked except through the
``chat_id`` the route passes (checked by :mod:`bot.web.access`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.bibtex import bibtex
from bot.domain.search_kinds import MatchKind
from bot.domain.views import DigestView, PaperView, TopicView
from bot.services import Services
from bot.services.answers import marked

RESULTS = 30  # papers a search or a filter shows (a phone's few screens)
SEARCHED = 300  # hits the filters choose from
WEEKS = 200  # digests offered in the week filter
Json = dict[str, Any]


def topic_json(topic: TopicView) -> Json:
    """A topic's id and both names (and its count where known)."""
    return {"id": topic.id, "en": topic.name_en, "zh": topic.name_zh, "count": topic.paper_count}


def digest_json(digest: DigestView) -> Json:
    """A digest's header: id, title, week, size."""
    week = digest.week_start.isoformat() if digest.week_start else None
    return {"id": digest.id, "title": digest.title, "week": week, "count": digest.paper_count}


def paper_json(paper: PaperView, saved: set[int]) -> Json:
    """What a list row shows of a paper."""
    return {
        "id": paper.id,
        "title_en": paper.title_en,
        "title_zh": paper.title_zh or "",
        "authors": paper.authors or "",
        "topics": [topic_json(topic) for topic in paper.topics],
        "digest": digest_json(paper.digest),
        "saved": paper.id in saved,
    }


def _papers_json(
    services: Services, papers: Sequence[PaperView], chat_id: int | None
) -> list[Json]:
    saved = marked(services, chat_id, papers)
    return [paper_json(paper, saved) for paper in papers]


def overview(services: Services) -> Json:
    """The filters' choices: every topic with its count, the weeks newest first."""
    digests, _ = services.library.digests(0, WEEKS)
    return {
        "topics": [topic_json(topic) for topic in services.library.topics()],
        "weeks": [digest_json(digest) for digest in digests],
    }


def search(services: Services, query: str, topic: str, week: str, chat_id: int | None) -> Json:
    """Search as you type: the /paper search narrowed by topic and week (digest id); no
    words: the topic's or the week's papers, or the latest digest's."""
    library = services.library
    if query:
        # narrowed by a filter, choose from more hits; else the first page is all we show
        hits = library.search(query, SEARCHED if topic or week else RESULTS)
        papers = library.papers([hit.paper_id for hit in hits])
        if topic:
            papers = [p for p in papers if any(t.id == topic for t in p.topics)]
        if week:
            papers = [p for p in papers if p.digest.id == week]
    elif week:
        papers = library.digest_papers(week)
        if topic:
            papers = [p for p in papers if any(t.id == topic for t in p.topics)]
    elif topic:
        papers, _ = library.topic_papers(topic, 0, RESULTS)
    else:
        papers = library.latest_papers(RESULTS)
    shown = papers[:RESULTS]
    return {"total": len(papers), "papers": _papers_json(services, shown, chat_id)}


def paper_detail(services: Services, paper_id: int, chat_id: int | None) -> Json | None:
    """A paper's page: everything its card has, its links, BibTeX and every digest it
    appeared in (the same arXiv id in other weeks); None if there is no such paper."""
    library = services.library
    paper = library.paper(paper_id)
    if paper is None:
        return None
    digests = [paper.digest]
    if paper.arxiv_id:
        hits = library.search(paper.arxiv_id, 20)
        ids = [h.paper_id for h in hits if h.kind is MatchKind.ARXIV and h.paper_id != paper.id]
        for other in library.papers(ids):
            if other.arxiv_id == paper.arxiv_id and all(d.id != other.digest.id for d in digests):
                digests.append(other.digest)
    links = []
    if paper.arxiv_id:
        links.append({"kind": "arxiv", "url": f"https://arxiv.org/abs/{paper.arxiv_id}"})
        links.append({"kind": "pdf", "url": f"https://arxiv.org/pdf/{paper.arxiv_id}"})
    if paper.url and paper.url != paper.link and "arxiv.org/" not in paper.url:
        links.append({"kind": "code", "url": paper.url})
    elif paper.url and not paper.arxiv_id:
        links.append({"kind": "arxiv" if "arxiv.org/" in paper.url else "code", "url": paper.url})
    saved = marked(services, chat_id, [paper])
    return {
        **paper_json(paper, saved),
        "abstract": paper.abstract,
        "venue": paper.venue or "",
        "arxiv_id": paper.arxiv_id or "",
        "links": links,
        "digests": [digest_json(digest) for digest in digests],
        "bibtex": bibtex([paper]),
    }


def digest_page(services: Services, key: str, chat_id: int | None) -> Json | None:
    """A week's digest and its papers (None: no such digest)."""
    digest = services.library.digest(key)
    if digest is None:
        return None
    papers = services.library.digest_papers(digest.id)
    return {"digest": digest_json(digest), "papers": _papers_json(services, papers, chat_id)}


def topic_page(services: Services, topic_id: str, chat_id: int | None) -> Json | None:
    """A topic's newest papers (None: no such topic)."""
    topic = next((t for t in services.library.topics() if t.id == topic_id), None)
    if topic is None:
        return None
    papers, total = services.library.topic_papers(topic_id, 0, RESULTS)
    return {
        "topic": topic_json(topic),
        "total": total,
        "papers": _papers_json(services, papers, chat_id),
    }


def reading_list(services: Services, chat_id: int) -> Json:
    """The chat's list, newest first: each paper with who saved it, when, and read or not."""
    items = services.reading.entries(chat_id)
    papers = {p.id: p for p in services.library.papers([item.paper_id for item in items])}
    rows = []
    for item in items:
        paper = papers.get(item.paper_id)
        if paper is None:  # its digest was retired
            continue
        rows.append(
            {
                **paper_json(paper, {paper.id}),
                "saved_by": item.saved_by_name,
                "saved_by_bot": item.saved_by is None,
                "saved_at": item.saved_at.date().isoformat(),
                "read": item.is_read,
            }
        )
    return {"items": rows}


def reading_bib(services: Services, chat_id: int) -> str:
    """The chat's list as a .bib file's text (the same as /bib)."""
    items = services.reading.entries(chat_id)
    return bibtex(services.library.papers([item.paper_id for item in items]))
