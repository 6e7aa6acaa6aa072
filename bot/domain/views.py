"""Read-only views of papers and digests that renderers take (no ORM objects leak out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class TopicView:
    """A topic with both names and, where counted, how many papers carry it."""

    id: str
    name_en: str
    name_zh: str
    paper_count: int = 0

    def name(self, lang: str) -> str:
        """The topic's name in the reader's language."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True, slots=True)
class DigestView:
    """A digest's header facts."""

    id: str
    title: str
    week_start: date | None
    week_end: date | None
    source_url: str | None
    paper_count: int
    retired: bool = False


@dataclass(frozen=True, slots=True)
class PaperView:
    """One paper with its topics and the digest it came from."""

    id: int
    title_en: str
    title_zh: str | None
    abstract: str
    arxiv_id: str | None
    url: str | None
    section: str | None
    position: int
    topics: tuple[TopicView, ...]
    digest: DigestView
    authors: str | None = None  # as the digest writes them
    venue: str | None = None  # journal or conference
    # the other digests this paper appeared in, earliest first (bot.domain.paper_groups)
    also_in: tuple[str, ...] = ()

    @property
    def link(self) -> str | None:
        """The best link to the paper: arXiv abstract page, else the given URL."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return self.url
