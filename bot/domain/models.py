"""Plain data objects produced by the digest parser and consumed by the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypedDict


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    """One paper as read from a digest file."""

    title_en: str
    title_zh: str | None
    abstract: str
    arxiv_id: str | None
    url: str | None
    links: tuple[str, ...] = ()
    section: str | None = None
    authors: str | None = None  # as the digest writes them, e.g. "Bruce, Dennis, …"
    venue: str | None = None  # journal or conference, where the digest names one
    position: int = 0  # 0-based order within the digest
    line: int = 0  # 1-based line of the title in the source file


class PaperText(TypedDict):
    """What a digest says about a paper: the fields every form of a paper carries alike."""

    title_en: str
    title_zh: str | None
    abstract: str
    arxiv_id: str | None
    url: str | None
    section: str | None
    authors: str | None
    venue: str | None


class HasPaperText(Protocol):
    """Any form of a paper (parsed, stored, shown) that carries :class:`PaperText`."""

    @property
    def title_en(self) -> str: ...
    @property
    def title_zh(self) -> str | None: ...
    @property
    def abstract(self) -> str: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def section(self) -> str | None: ...
    @property
    def authors(self) -> str | None: ...
    @property
    def venue(self) -> str | None: ...


def paper_text(paper: HasPaperText) -> PaperText:
    """The digest's words about ``paper``, to build another form of it with ``**``."""
    return PaperText(
        title_en=paper.title_en,
        title_zh=paper.title_zh,
        abstract=paper.abstract,
        arxiv_id=paper.arxiv_id,
        url=paper.url,
        section=paper.section,
        authors=paper.authors,
        venue=paper.venue,
    )


@dataclass(frozen=True, slots=True)
class ParsedDigest:
    """A whole digest file: its header facts and its papers in order."""

    title: str | None
    week_start: date | None
    week_end: date | None
    source_url: str | None
    author: str | None
    papers: tuple[ParsedPaper, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = ()


class DigestParseError(ValueError):
    """A digest file that cannot be parsed with confidence; names file and line."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line
        self.problem = problem
