"""HTML digests (saved web pages, cards of ``<h3>`` titles and ``<p>`` summaries) → blocks.

Parsed with selectolax (a real HTML5 parser); the element tree is flattened into the same
:class:`~.blocks.Block` list the markdown reader produces: headings, text lines (``<p>``,
``<li>``, leaf ``<span>``/``<a>``/text in containers), table rows. Line numbers are found
by locating each block's text in the source.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from bot.domain.parsing.blocks import Block, Link

_SKIP = frozenset(
    ("script", "style", "svg", "link", "meta", "head", "noscript", "button", "form", "img")
) | {"nav", "footer", "aside"}  # HTML5's own names for page furniture
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LINES = frozenset(("p", "li", "dt", "dd", "figcaption", "caption", "pre"))
_LEADS = frozenset(("strong", "b", "em", "a"))
_AUTHOR_CLASS = re.compile(r"author", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _text(node: Node) -> str:
    return " ".join((node.text(deep=True, separator=" ") or "").split())


_ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)


def _links(node: Node) -> tuple[Link, ...]:
    anchors = [node] if node.tag == "a" else node.css("a")
    found = []
    for anchor in anchors:
        href = (anchor.attributes.get("href") or "").strip()
        if href:
            found.append(Link(_text(anchor), href))
    return tuple(found) + _id_attributes(node)


def _id_attributes(node: Node) -> tuple[Link, ...]:
    """arXiv ids held in attributes (``<button data-arxiv-id="2503.07890">``): a paper's
    signature as much as a link is."""
    if "arxiv" not in (node.html or "").lower():
        return ()
    found = []
    for element in node.traverse():
        for name, value in element.attributes.items():
            match = _ARXIV_ID.match((value or "").strip())
            if match and "arxiv" in name.lower():
                found.append(Link("", f"https://arxiv.org/abs/{match.group(1)}"))
    return tuple(found)


def _lead(node: Node, text: str) -> tuple[str, str | None]:
    """The leading bold text or link of a line element, and the link's target."""
    first = node.child
    while first is not None and first.tag == "-text" and not (first.text() or "").strip():
        first = first.next
    if first is None or first.tag not in _LEADS:
        if node.tag == "a":
            return text, (node.attributes.get("href") or None)
        return "", None
    lead = _text(first)
    url = first.attributes.get("href") if first.tag == "a" else None
    if url is None and first.tag != "a":
        inner = first.css_first("a")
        url = inner.attributes.get("href") if inner is not None else None
    return lead, url or None


class _Flattener:
    def __init__(self, source: str, first_line: int) -> None:
        self.source = source
        self.cursor = 0
        self.cursor_line = first_line
        self.blocks: list[Block] = []

    def _line_of(self, text: str) -> int:
        """The source line of the next occurrence of ``text`` (approximate: first words)."""
        probe = text[:20]
        found = self.source.find(probe, self.cursor) if probe else -1
        if found >= 0:
            self.cursor_line += self.source.count("\n", self.cursor, found)
            self.cursor = found
        return self.cursor_line

    def walk(self, node: Node) -> None:
        child = node.child
        while child is not None:
            self._node(child)
            child = child.next

    def _node(self, node: Node) -> None:
        tag = node.tag
        if tag in _SKIP or tag == "-comment":
            return
        if tag == "-text":
            text = " ".join((node.text() or "").split())
            if text:
                self.blocks.append(Block("line", text, self._line_of(text)))
            return
        if tag in _HEADINGS:
            self._emit(node, "heading", level=_HEADINGS[tag])
        elif tag == "tr":
            self._row(node)
        elif tag in _LINES and node.css_first("br") is not None:
            self._lines_of(node, "item" if tag == "li" else "line")
        elif tag in _LINES:
            self._emit(node, "item" if tag == "li" else "line")
        elif tag in ("span", "a", "strong", "b", "em", "i", "small", "time", "label"):
            self._emit(node, "line")
        else:
            self.walk(node)

    def _emit(self, node: Node, kind: str, level: int = 0) -> None:
        text = _text(node)
        if not text:
            return
        lead, url = _lead(node, text)
        rest = text[len(lead) :].strip() if lead and text.startswith(lead) else text
        classes = node.attributes.get("class") or ""
        self.blocks.append(
            Block(
                kind,
                text,
                self._line_of(text),
                level=level,
                links=_links(node),
                lead=lead,
                lead_url=url,
                rest=rest if lead else text,
                field="authors" if _AUTHOR_CLASS.search(classes) else None,
            )
        )

    def _lines_of(self, node: Node, kind: str) -> None:
        """``<p><strong>Title</strong><br>summary</p>``: each ``<br>``-separated part is a
        line of its own, as a markdown line break makes one."""
        source, tag = node.html or "", node.tag or ""
        if ">" not in source or not tag:
            return
        opening = source[: source.index(">") + 1]  # the tag with its class (``authors``)
        for at, piece in enumerate(_BREAK.split(source[len(opening) :])):
            fragment = HTMLParser(f"{opening}{piece}").css_first(tag)
            if fragment is not None:
                self._emit(fragment, kind if at == 0 else "line")

    def _row(self, node: Node) -> None:
        cells = []
        line = 0
        for cell in node.css("td, th"):
            text = _text(cell)
            lead, url = _lead(cell, text)
            line = line or self._line_of(text)
            rest = text[len(lead) :].strip() if lead else text
            cells.append(
                Block("cell", text, line, links=_links(cell), lead=lead, lead_url=url, rest=rest)
            )
        header = bool(node.css_first("th")) and not node.css_first("td")
        links = tuple(link for cell in cells for link in cell.links)
        text = " | ".join(cell.text for cell in cells)
        self.blocks.append(Block("row", text, line, links=links, header=header, cells=tuple(cells)))


def to_blocks(fragment: str, source: str, first_line: int = 1) -> list[Block]:
    """The blocks of an HTML document or fragment; ``source`` is searched for line numbers."""
    tree = HTMLParser(fragment)
    root = tree.body or tree.root
    flattener = _Flattener(source, first_line)
    if tree.head is not None:
        flattener.walk(tree.head)  # a <title> or stray text before <body>
    if root is not None:
        flattener.walk(root)
    return flattener.blocks


def looks_like_html(text: str) -> bool:
    """A saved web page rather than markdown: most non-blank lines are tags."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if not lines[0].startswith("<"):
        return False  # markdown with HTML blocks inside: "# Title" or text comes first
    tags = sum(1 for line in lines if line.startswith("<"))
    return tags * 2 > len(lines)
