"""Markdown digests → blocks, through markdown-it-py's token stream (CommonMark + GFM tables).

Headings, paragraph lines, list items, table rows, rules and images become
:class:`~.blocks.Block`\\ s; emphasis and links are read from the inline tokens (a line's
leading bold text or link is its ``lead``, the usual place of a paper title). HTML blocks
inside the markdown go to :mod:`.html`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.domain.parsing import fields, html
from bot.domain.parsing.blocks import Block, Link

_NUMBERING = re.compile(r"^\s*[(（]?(\d{1,3})\s*[.)、．）]\s*$")
_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
# inline HTML that only formats text; any other tag ("<think>") is text as written
_FORMAT_TAG = re.compile(
    r"^</?(?:sub|sup|small|big|b|i|u|s|em|strong|span|font|mark|kbd|code|ins|del|a|img|abbr)"
    r"(?:\s[^>]*)?/?>$",
    re.IGNORECASE,
)
_PARSER = MarkdownIt("commonmark").enable("table")


@dataclass
class _Line:
    """One line of inline content being collected."""

    parts: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    lead_url: str | None = None
    lead_state: str = "none"  # none → open (inside a leading bold/link) → done
    number: int | None = None
    image: bool = False

    def text(self) -> str:
        return "".join(self.parts).strip()  # inner spacing as written: it may separate parts

    def block(self, kind: str, line: int, **extra: object) -> Block:
        text = self.text()
        lead = " ".join("".join(self.lead).split())
        lead_url, links = self.lead_url, tuple(self.links)
        rest = text
        if lead and lead in text:
            rest = text[text.index(lead) + len(lead) :].strip()
        elif not lead and not links and (bare := _bare_paper_line(text)):
            lead, lead_url = bare  # "URL Title" or "Title — URL": the URL is not markup
            links, rest = (Link("", lead_url),), ""
        return Block(
            kind=kind,
            text=text,
            line=line,
            links=links,
            lead=lead,
            lead_url=lead_url,
            rest=rest,
            number=self.number,
            **extra,  # type: ignore[arg-type]
        )


def _inline_lines(children: list[Token]) -> list[_Line]:
    """Split inline tokens into lines, noting links and each line's leading bold or link."""
    lines = [_Line()]
    depth = 0  # open emphasis/link tokens inside the lead
    href: str | None = None
    label: list[str] = []
    for token in children:
        current = lines[-1]
        kind = token.type
        if kind in ("softbreak", "hardbreak") or (
            kind == "html_inline" and _BREAK_TAG.match(token.content.strip())
        ):
            lines.append(_Line())
            continue
        if kind in ("strong_open", "em_open", "link_open"):
            if current.lead_state == "none" and _lead_may_start(current):
                current.lead_state = "open"
            if current.lead_state == "open":
                depth += 1
            if kind == "link_open":
                href = str(token.attrs.get("href", ""))
                label = []
                if current.lead_state == "open" and current.lead_url is None:
                    current.lead_url = href
            continue
        if kind in ("strong_close", "em_close", "link_close"):
            if kind == "link_close" and href is not None:
                current.links.append(Link(" ".join("".join(label).split()), href))
                href = None
            if current.lead_state == "open":
                depth -= 1
                if depth <= 0:
                    current.lead_state = "done"
            continue
        if kind == "image":
            current.image = True
            continue
        if kind == "html_inline" and _FORMAT_TAG.match(token.content):
            continue  # <sub>, <b>, <span …>: markup around the text, not text
        if kind in ("text", "code_inline", "html_inline"):  # "<think>" in a title is text
            current.parts.append(token.content)
            if href is not None:
                label.append(token.content)
            if current.lead_state == "open":
                current.lead.append(token.content)
            elif (
                current.lead_state == "none"
                and token.content.strip()
                and not _NUMBERING.match("".join(current.parts))
            ):
                current.lead_state = "done"  # plain text first: no lead
    return lines


def _lead_may_start(line: _Line) -> bool:
    """A lead starts the line, or follows only its numbering (``1) **Title**``)."""
    before = "".join(line.parts)
    if not before.strip():
        return True
    numbering = _NUMBERING.match(before)
    if numbering:
        line.number = int(numbering.group(1))
        return True
    return False


class _Converter:
    """Walks the token stream once, keeping track of lists and blockquotes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.blocks: list[Block] = []
        self.lists: list[int] = []  # nesting of lists
        self.quoted = 0
        self.item_start = False  # the next paragraph line starts a list item
        self.item_number: int | None = None
        self.row: list[Block] | None = None
        self.row_line = 0
        self.in_head = False

    def run(self) -> list[Block]:
        tokens = _PARSER.parse(self.text)
        for index, token in enumerate(tokens):
            self._token(token, tokens, index)
        return self.blocks

    def _token(self, token: Token, tokens: list[Token], index: int) -> None:
        kind = token.type
        first = (token.map[0] + 1) if token.map else 0
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.lists.append(1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self.item_start = True
            self.item_number = int(token.info) if token.info.isdigit() else None
        elif kind == "blockquote_open":
            self.quoted += 1
        elif kind == "blockquote_close":
            self.quoted -= 1
        elif kind == "hr":
            self.blocks.append(Block("rule", "", first))
        elif kind == "heading_open":
            inline = tokens[index + 1]
            line = _join(_inline_lines(inline.children or []))
            block = line.block("heading", first, level=int(token.tag[1:]))
            self.blocks.append(block)
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open":
            self._paragraph(token, first)
        elif kind == "thead_open":
            self.in_head = True
        elif kind == "thead_close":
            self.in_head = False
        elif kind == "tr_open":
            self.row, self.row_line = [], first
        elif kind == "inline" and self.row is not None:
            self.row.append(_cell(token, self.row_line))
        elif kind == "tr_close" and self.row is not None:
            self._row(self.row)
            self.row = None
        elif kind == "html_block" or (kind == "code_block" and token.content.lstrip()[:1] == "<"):
            self.blocks.extend(html.to_blocks(token.content, token.content, first))
        elif kind in ("code_block", "fence"):
            for offset, raw in enumerate(token.content.splitlines()):
                if raw.strip():
                    self.blocks.append(Block("line", raw.strip(), first + offset))

    def _paragraph(self, token: Token, first: int) -> None:
        depth = len(self.lists)
        for offset, line in enumerate(_inline_lines(token.children or [])):
            text = line.text()
            if not text:
                if line.image:
                    self.blocks.append(Block("image", "", first + offset))
                continue
            kind = "item" if self.item_start else "line"
            block = line.block(kind, first + offset, level=depth, quoted=self.quoted > 0)
            if self.item_start:
                block.number = self.item_number
            self.item_start = False
            self.blocks.append(block)
        self.item_start = False

    def _row(self, cells: list[Block]) -> None:
        links = tuple(link for cell in cells for link in cell.links)
        text = " | ".join(cell.text for cell in cells)
        self.blocks.append(
            Block("row", text, self.row_line, links=links, header=self.in_head, cells=tuple(cells))
        )


def _join(lines: list[_Line]) -> _Line:
    """A heading's lines as one (headings hold one line; setext ones may hold more)."""
    if len(lines) == 1:
        return lines[0]
    joined = lines[0]
    for extra in lines[1:]:
        joined.parts.append(" ")
        joined.parts.extend(extra.parts)
        joined.links.extend(extra.links)
    return joined


def _cell(token: Token, line: int) -> Block:
    """A table cell: its lines (``<br>`` breaks them) with the first line's lead."""
    lines = _inline_lines(token.children or [])
    block = lines[0].block("cell", line)
    texts = [part.text() for part in lines]
    block.text = "\n".join(text for text in texts if text)
    block.rest = "\n".join(t for t in [block.rest, *texts[1:]] if t)
    block.links = tuple(link for part in lines for link in part.links)
    return block


_TABLE_LINE = re.compile(r"^\s{0,3}\|")


def _join_wrapped_rows(text: str) -> str:
    """Table rows hard-wrapped by an editor: a row with fewer cells than its header, then
    a line that does not open a row, are one row (the blank line keeps the line count)."""
    lines = text.split("\n")
    width = 0
    for at, line in enumerate(lines):
        if not _TABLE_LINE.match(line):
            width = 0
            continue
        cells = line.strip().strip("|").count("|") + 1
        if width == 0:
            width = cells
            continue
        follow = at + 1
        wrapped = follow < len(lines) and lines[follow].strip()
        if cells < width and wrapped and not _TABLE_LINE.match(lines[follow]):
            lines[at] = f"{line.rstrip()} {lines[follow].strip()}"
            lines[follow] = "|"  # an empty row: the table goes on, the numbering stays
    return "\n".join(lines)


_BARE_FIRST = re.compile(r"^<?(https?://\S+?)>?\s+(?:[-–—:|]\s*)?(\S.*)$")
_BARE_LAST = re.compile(r"^(\S.*?)\s*(?:[-–—:|]\s*)?<?(https?://\S+?)>?$")


def _bare_paper_line(text: str) -> tuple[str, str] | None:
    """``(title, url)`` of a line that is only a title and a bare paper URL, in either
    order (markdown makes no link of a bare URL, so no lead would carry the title)."""
    for pattern, title_at in ((_BARE_FIRST, 2), (_BARE_LAST, 1)):
        match = pattern.match(text)
        if match:
            url = match.group(3 - title_at)
            title = match.group(title_at).strip()
            if fields.is_paper_url(url) and "://" not in title:
                return title, url
    return None


def to_blocks(text: str) -> list[Block]:
    """The blocks of a markdown document, in reading order."""
    if "\n|" in text or "\n |" in text:
        text = _join_wrapped_rows(text)
    return _Converter(text).run()
