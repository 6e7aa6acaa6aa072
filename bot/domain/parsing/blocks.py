"""The shared shape of a parsed document: blocks in reading order, and what a layout read.

Markdown (:mod:`.markdown`) and HTML (:mod:`.html`) both turn a digest into a flat list of
:class:`Block` — one per heading, per line of a paragraph or list item, per table row — so
the layouts (:mod:`.layouts`) read structure without caring where it came from. Text is
kept as written (markup removed, punctuation untouched).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.models import ParsedPaper
from bot.domain.parsing import lines as fmt


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink: its visible label and its target."""

    label: str
    url: str


@dataclass(slots=True)
class Block:
    """One unit of a document.

    ``kind`` is ``heading``, ``line`` (a line of a paragraph), ``item`` (the first line of
    a list item), ``row`` (a table row; ``cells`` holds its cells as blocks), ``rule``
    (``---``) or ``image``.
    """

    kind: str
    text: str
    line: int  # 1-based line in the source file
    level: int = 0  # heading level; list depth for items and their lines
    number: int | None = None  # the number of an ordered list item
    links: tuple[Link, ...] = ()
    lead: str = ""  # leading bold text or link label: an item's own title
    lead_url: str | None = None  # the target when the lead is a link
    rest: str = ""  # the text after the lead
    quoted: bool = False  # inside a blockquote
    header: bool = False  # a table's header row
    field: str | None = None  # a role the source names (``authors`` from an HTML class)
    cells: tuple[Block, ...] = ()

    @property
    def bold_only(self) -> bool:
        """The whole line is its lead (``**主要工作**``, ``[中文标题](url)``)."""
        return bool(self.lead) and not self.rest.strip(" :：-–—|")


@dataclass
class Reading:
    """What one layout made of a digest, before week and warnings are settled."""

    layout: str
    papers: list[ParsedPaper]
    title: str | None = None
    source_url: str | None = None
    author: str | None = None
    header_text: str = ""  # text before the first paper: where the digest states its dates
    candidates: int = 0  # how many places looked like paper starts (for the confidence)
    warnings: list[str] = field(default_factory=list)
    refusal: tuple[int, str] | None = None  # (line, reason) when the layout saw a broken entry
    long_titles: bool = False  # papers start at headings: a long title is still a paper's

    @property
    def confidence(self) -> float:
        """Share of the layout's candidate paper starts that became papers with a title."""
        if not self.papers:
            return 0.0
        return len(self.papers) / max(self.candidates, len(self.papers))


def line_blocks(text: str) -> list[Block]:
    """Plain text as blocks: each non-blank line a ``line`` with the URLs it holds."""
    return [
        Block("line", line, number, links=tuple(Link("", url) for url in fmt.links_in(line)))
        for number, line in enumerate(fmt.split_lines(text), 1)
        if line and not fmt.is_separator(line)
    ]


@dataclass
class PaperDraft:
    """A paper being read, by either reader: its title, where it starts, and its text so far."""

    title: str
    line: int
    section: str | None
    zh: str | None = None
    body: list[str] = field(default_factory=list)
