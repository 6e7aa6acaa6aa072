"""Layouts as data: each known digest layout is a small named strategy over blocks.

* ``heading``: one heading per paper (``## Title``, ``### [Title](url)``,
  ``#### [new 001] Title``, HTML ``<h3>`` cards); shallower headings are sections, deeper
  ones inside a paper are field labels; a heading over a list of linked titles is a
  section whose items are papers.
* ``table``: one table row per paper (``| 1) **Title** - description | [Paper](…) |``).
* ``list``: one list item per paper, led by a bold or linked title (``1) **Title** [Paper](…)``).
* ``bold``: a paragraph per paper, opened by a line that is only its bold title (``**Title**``).
* ``numbered``: numbered lines that count up (``一、标题``, ``2、Title``), field lines after.
* ``fielded``: entries of field lines opened by a title field (``论文标题：…``).

Every strategy reads the same :class:`~.blocks.Block` list and returns a
:class:`~.blocks.Reading`; :func:`read_blocks` runs the ones asked for. The plain-text
layouts (numbered ``1、Title``, bold lines, unmarked blocks) live in :mod:`.plaintext`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.models import ParsedPaper
from bot.domain.parsing import fields
from bot.domain.parsing import lines as fmt
from bot.domain.parsing.blocks import Block, Link, PaperDraft, Reading
from bot.domain.parsing.junk import is_closing, is_junk, is_section_title

_CUT = "\x00"  # where a link label was cut out of an item's text
_EMPTIED_BRACKETS = re.compile(r"[(\[（【]\s*\x00(?:\s*[,，;；/|·]?\s*\x00)*\s*[)\]）】]")
MAX_HEADER_BLOCKS = 40  # the header (for the week) is at most this many blocks


@dataclass
class _Draft(PaperDraft):
    """A paper being read from blocks."""

    links: list[Link] = field(default_factory=list)  # the title's and link lines' links
    body_links: list[Link] = field(default_factory=list)
    authors: str | None = None
    venue: str | None = None
    item_depth: int | None = None  # set when the paper is a list item
    closed: bool = False  # the digest's sign-off came: nothing more is this paper's

    def add(self, block: Block) -> None:
        """One block of the entry: a field, a link line, a label, or summary text."""
        self.closed = self.closed or is_closing(block.text)
        if self.closed or block.kind in ("rule", "image", "heading"):
            return  # headings inside an entry are its field labels
        found = fields.field_of(block)  # before junk: "Comments: code at https://…"
        if found is not None:
            self._field(block, *found)
        elif is_junk(block.text):
            return
        elif fields.is_link_line(block):
            self._link_line(block)
        elif self.authors is None and not self.body and fields.looks_like_names(block.text):
            self.authors = block.text.strip(" *_")  # the names under a title: its authors
        elif block.kind == "line" and self._english_below(block.text):
            self._retitle(block.text)
        elif fields.is_label(block) or fields.is_label_text(block.text):
            return
        elif (
            self.zh is None
            and not self.body
            and block.kind == "line"
            and fmt.is_zh_title(block.text, self.title)
            and fmt.is_en_title(self.title)
            and not fields.is_label_text(block.text)
        ):
            self.zh = block.text
        else:
            self.body_links.extend(block.links)
            text = block.text
            if any(link.label and not fmt.strip_link_noise(link.label) for link in block.links):
                text = _without_links(text, block.links)  # "… [arXiv] [code]": links kept apart
            if block.kind == "row":
                self.body.append(text)
            else:
                self.body.append(f"• {text}" if block.kind == "item" else text)

    def _field(self, block: Block, role: str, value: str) -> None:
        self.links.extend(block.links or [Link("", url) for url in fmt.links_in(value)])
        if role == "authors":
            self.authors = self.authors or value or None
        elif role == "venue":
            self.venue = self.venue or value or None
        elif role == "summary" and value:
            self.body.append(value)
        elif role == "title":
            self._retitle(fmt.strip_markup(value), labelled=True)
        elif role == "zh" and value and self.zh is None:
            self.zh = fmt.strip_markup(value)

    def _english_below(self, text: str) -> bool:
        """Right under a Chinese title, a line that is only an English title: the paper's
        English title (``## 稀疏灯笼`` / ``**Sparse Lanterns: …**``)."""
        return (
            not self.body
            and self.zh is None
            and not fmt.is_en_title(self.title)
            and fmt.is_en_title(text)
            and not fmt.is_prose(text)
        )

    def _retitle(self, value: str, labelled: bool = False) -> None:
        """``论文标题：English title`` under a Chinese heading: the heading is the Chinese
        title, the field the English one."""
        if fmt.is_en_title(value) and not fmt.is_en_title(self.title):
            if self.zh is None and fmt.is_zh_title(self.title):
                self.zh = self.title
            self.title = value[: fmt.MAX_TITLE_CHARS]
        elif self.zh is None and value != self.title and fmt.is_zh_title(value, self.title):
            self.zh = value
        elif labelled and self.zh is None and fmt.script(value).cjk and fmt.is_en_title(self.title):
            self.zh = value[: fmt.MAX_ZH_TITLE_CHARS]  # a title field in Chinese, as written

    def _link_line(self, block: Block) -> None:
        links = list(block.links) or [Link("", url) for url in fmt.links_in(block.text)]
        label = links[0].label if len(links) == 1 else ""
        if label and self._english_below(label):
            self._retitle(label)  # "## 稀疏灯笼" / "[Sparse Lanterns](arxiv)"
        elif (
            self.zh is None
            and not self.body
            and fmt.strip_link_noise(label)  # "[项目主页](…)" names the link, not the paper
            and fmt.is_zh_title(label, self.title)
        ):
            self.zh = label
        self.links.extend(links)

    def paper(self, position: int) -> ParsedPaper:
        arxiv_id = fields.best_arxiv(self.links + self.body_links)
        links = fields.kept_links(self.links + self.body_links)
        title, zh = fmt.split_bilingual(self.title)  # "English: 中文标题" on one line
        return ParsedPaper(
            title_en=title[: fmt.MAX_TITLE_CHARS],
            title_zh=self.zh or zh or None,
            abstract="\n".join(self.body).strip(),
            arxiv_id=arxiv_id,
            url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
            links=links,
            section=self.section,
            authors=self.authors,
            venue=self.venue,
            position=position,
            line=self.line,
        )


def _title_ok(title: str, cjk: bool) -> bool:
    title = fmt.split_bilingual(title)[0]
    return bool(title) and (fmt.is_en_title(title) or (cjk and fmt.is_zh_title(title)))


LONG_TITLE_PROBE = 200  # a heading is judged by its first this many characters


def title_head(title: str) -> str:
    """A long heading's first words: a paper heading of 400 characters is still a paper
    heading (kept, cut at the title limit, with a warning), never part of the previous
    paper."""
    if len(title) <= LONG_TITLE_PROBE:
        return title
    return title[:LONG_TITLE_PROBE].rsplit(" ", 1)[0].rstrip(" ,;:.")


def _heading_title(block: Block) -> str:
    return fields.clean_title(block.lead if block.lead_url and block.bold_only else block.text)


def _is_titled_item(block: Block) -> bool:
    """A list item led by a title and linking the paper: ``- **[Title](url)**: …``."""
    return (
        block.kind == "item"
        and bool(block.lead)
        and not fields.labels_a_field(block)
        and any(fields.is_paper_link(link) for link in block.links)
        and fmt.is_en_title(fields.clean_title(block.lead))
    )


def _entry_like(body: list[Block]) -> bool:
    """Under a paper heading: some text, and not only a list of linked titles."""
    content = [b for b in body if b.kind in ("line", "item") and not is_junk(b.text)]
    titled = sum(1 for b in content if _is_titled_item(b))
    return bool(content) and not (titled and titled * 2 >= len(content))


def _has_link(heading: Block, body: list[Block]) -> bool:
    return any(
        any(link.url.startswith("http") for link in b.links) or fmt.links_in(b.text)
        for b in [heading, *body]
    )


def _has_paper_below(blocks: list[Block], index: int, paperlike: set[int]) -> bool:
    """A heading over paper headings (``## Top Breakthroughs``) is a section."""
    level = blocks[index].level
    for block_index in range(index + 1, len(blocks)):
        block = blocks[block_index]
        if block.kind == "heading":
            if block.level <= level:
                return False
            if block_index in paperlike and blocks[block_index].lead_url:
                return True
    return False


def _bodies(blocks: list[Block]) -> dict[int, list[Block]]:
    """Each heading's blocks up to the next heading at its level or shallower."""
    bodies: dict[int, list[Block]] = {}
    open_headings: list[int] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            open_headings = [h for h in open_headings if blocks[h].level < block.level]
            open_headings.append(index)
            bodies[index] = []
            continue
        for heading in open_headings:
            bodies[heading].append(block)
    return bodies


def _unlinked(blocks: list[Block], bodies: dict[int, list[Block]], at_level: list[int]) -> set[int]:
    """Headings that are no papers because papers here link and these do not.

    A whole section of unlinked headings (``Emerging Trends`` cards after the papers) is
    no papers; a single paper without a link among linked ones still is (digests do not
    always have a link for every paper).
    """
    linked = {i for i in at_level if _has_link(blocks[i], bodies[i])}
    if not linked:
        return set()
    groups: dict[int, list[int]] = {}
    parent = -1
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level < blocks[at_level[0]].level:
            parent = index
        if index in at_level:
            groups.setdefault(parent, []).append(index)
    return {i for group in groups.values() if not linked & set(group) for i in group}


def read_heading(blocks: list[Block], cjk: bool = False) -> Reading:
    """One heading per paper, at the level where most headings look like papers."""
    bodies = _bodies(blocks)
    paperlike = {
        index
        for index, body in bodies.items()
        if _title_ok(title_head(_heading_title(blocks[index])), cjk)
        and not is_junk(blocks[index].text)
        and (blocks[index].lead_url or _entry_like(body))
    }
    paperlike -= {i for i in paperlike if _has_paper_below(blocks, i, paperlike)}
    levels: dict[int, int] = {}
    for index in paperlike:  # a heading that links its paper counts double
        weight = 2 if _has_link(blocks[index], bodies[index]) else 1
        levels[blocks[index].level] = levels.get(blocks[index].level, 0) + weight
    reading = Reading("heading", [], long_titles=True)
    if not levels:
        return reading
    level = max(levels, key=lambda lv: (levels[lv], lv))
    paperlike -= _unlinked(blocks, bodies, sorted(i for i in paperlike if blocks[i].level == level))
    first_heading = next(i for i, b in enumerate(blocks) if b.kind == "heading")
    if first_heading in paperlike and blocks[first_heading].level < level:
        paperlike.discard(first_heading)
    if paperlike == {first_heading} and (first_heading == 0 or cjk):
        paperlike.clear()  # one heading opening the digest is its title, not a paper
    walker = _Walker(reading)
    for index, block in enumerate(blocks):
        if block.kind != "heading":
            walker.other(block)
        elif block.level == level and index in paperlike:
            walker.start(_Draft(_heading_title(block), block.line, walker.section))
            walker.current.links.extend(block.links)  # type: ignore[union-attr]
        elif block.level <= level or walker.current is None or walker.current.item_depth:
            walker.heading(block, index == first_heading)
        # else: a deeper heading inside a paper, its field label
    reading.candidates = sum(  # the digest's own sections ("Summary", "总结") compete with nothing
        1
        for i in bodies
        if blocks[i].level == level and i != first_heading and not is_section_title(blocks[i].text)
    )
    return walker.finish()


def _title_line(block: Block) -> bool:
    """A short first line that is no sentence nor link: the digest's title."""
    text = block.text
    return (
        block.kind == "line"
        and len(text) <= fmt.MAX_DIGEST_TITLE_CHARS
        and "。" not in text
        and not fmt.ends_sentence(text)
        and not fields.is_link_line(block)
    )


class _Walker:
    """Shared walk: sections, the digest title, the header text and linked-title items."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.section: str | None = None
        self.header: list[str] = []

    def start(self, draft: _Draft) -> None:
        self.drafts.append(draft)
        self.current = draft

    def heading(self, block: Block, first: bool) -> None:
        text = fields.clean_title(block.text)
        if first and not self.drafts and self.reading.title is None:
            self.reading.title = text[: fmt.MAX_DIGEST_TITLE_CHARS]
        else:
            self.section = text[:80] or self.section
        if not self.drafts:
            self.header.append(block.text)
        self.current = None

    def other(self, block: Block) -> None:
        current = self.current
        starts_item = _is_titled_item(block) and (
            current is None
            or (current.item_depth is not None and block.level <= current.item_depth)
        )
        if starts_item:
            draft = _Draft(fields.clean_title(block.lead), block.line, self.section)
            draft.item_depth = block.level
            draft.links.extend(block.links)
            rest = fields.description(_without_links(block.rest, block.links))
            if rest:
                draft.body.append(rest)
            self.start(draft)
        elif current is not None:
            current.add(block)
        elif not self.drafts and len(self.header) < MAX_HEADER_BLOCKS:
            if not self.header and self.reading.title is None and _title_line(block):
                self.reading.title = fmt.strip_markup(block.text) or None
            self.header.append(block.text)

    def finish(self) -> Reading:
        self.reading.papers = [draft.paper(i) for i, draft in enumerate(self.drafts)]
        self.reading.header_text = "\n".join(filter(None, [self.reading.title, *self.header]))
        return self.reading


def read_table(blocks: list[Block], cjk: bool = False) -> Reading:
    """One table row per paper; the header row names the columns when it can."""
    reading = Reading("table", [])
    walker = _Walker(reading)
    columns: dict[str, int] = {}
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), -1)
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            walker.heading(block, index == first_heading)
        elif block.kind != "row":
            if walker.current is None and not walker.drafts:
                walker.header.append(block.text)
        elif block.header or fmt.is_header_row([cell.text for cell in block.cells]):
            columns = fmt.table_columns([cell.text for cell in block.cells])
        else:
            reading.candidates += 1
            draft = _row_paper(block, columns or {"title": 0}, walker.section, cjk)
            if draft is not None:
                walker.drafts.append(draft)
            elif reading.refusal is None and _has_title_cell(block, columns) is False:
                reading.refusal = (block.line, "a table row without a title")
    return walker.finish()


def _has_title_cell(row: Block, columns: dict[str, int]) -> bool | None:
    """False for a row with content but an empty title cell; None for an empty row."""
    if not any(cell.text or cell.links for cell in row.cells):
        return None
    at = columns.get("title", 0)
    return at < len(row.cells) and bool(row.cells[at].text)


def _row_paper(
    row: Block, columns: dict[str, int], section: str | None, cjk: bool
) -> _Draft | None:
    def cell(role: str) -> Block | None:
        at = columns.get(role)
        return row.cells[at] if at is not None and at < len(row.cells) else None

    title_cell = cell("title")
    if title_cell is None or not title_cell.text:
        return None
    if title_cell.lead:
        title, rest = fields.clean_title(title_cell.lead), fields.description(title_cell.rest)
    else:
        text = fields.strip_numbering(fields.without_link_tail(title_cell.text, title_cell.links))
        if "abstract" in columns:  # the summary has its own column: the cell is the title
            title, _, rest = text.partition("\n")
        else:
            title, rest = fields.split_title(text)
        title = fields.clean_title(title)
    title, zh = fmt.split_bilingual(title)
    if not _title_ok(title, cjk):
        return None
    draft = _Draft(title, row.line, section)
    zh_cell = cell("zh")
    draft.zh = (zh_cell.text if zh_cell is not None else None) or zh
    abstract = cell("abstract")
    summary = abstract.text if abstract is not None else rest
    for role in ("authors", "venue"):
        given = cell(role)
        if given is not None and given.text:
            setattr(draft, role, given.text.replace("\n", " "))
    for part in filter(None, (part.strip() for part in summary.split("\n"))):
        found = fields.field_of(Block("line", part, row.line))
        if found is not None and found[0] != "summary":
            continue  # "机构: …" under the summary: a fact, not summary text
        draft.body.append(found[1] if found else part)
    draft.links.extend(row.links)
    return draft


def read_list(blocks: list[Block], cjk: bool = False) -> Reading:
    """One list item per paper, led by a bold or linked title."""
    led = [
        b
        for b in blocks
        if b.kind == "item"
        and b.lead
        and not fields.labels_a_field(b)
        and _title_ok(fields.clean_title(b.lead), cjk)
    ]
    return _read_led(Reading("list", []), blocks, led)


def read_bold(blocks: list[Block], _cjk: bool = False) -> Reading:
    """One paragraph per paper, opened by a line that is only its bold (or linked) title.

    ``**Title**`` / ``Authors: …`` / summary / ``arXiv: …``: the arXiv-daily style. English
    titles only: short bold Chinese lines are the labels inside entries (``**主要工作**``).
    """
    led = [
        b
        for b in blocks
        if b.kind == "line"
        and not b.quoted
        and b.bold_only
        and fmt.strip_link_noise(b.lead)  # "**[Paper Link](…)**" is a link line
        and (b.lead_url is None or any(fields.is_paper_link(link) for link in b.links))
        and fmt.is_en_title(fields.clean_title(b.lead))
    ]
    # a bold line that recurs in every entry ("**1. 主要工作**") is a label, not a title
    seen = Counter(fields.clean_title(b.lead).casefold() for b in led)
    led = [b for b in led if seen[fields.clean_title(b.lead).casefold()] == 1]
    return _read_led(Reading("bold", []), blocks, led)


def _numbered_title(block: Block) -> tuple[int, str] | None:
    """``一、标题`` / ``3、Title`` / ``(2) Title`` as a paragraph line, or a numbered list
    item without bold: its number and title."""
    if block.quoted or block.lead:
        return None
    if block.kind == "item" and block.number is not None:
        return block.number, fields.clean_title(block.text)
    if block.kind != "line" or block.level:
        return None
    found = fields.numbering(block.text)
    return (found[0], fields.clean_title(found[1])) if found else None


def read_numbered(blocks: list[Block], cjk: bool = False) -> Reading:
    """One numbered line per paper (``一、稀疏灯笼``, ``2、Title``), counting up; the lines
    after it, fields included (``论文标题：…``, ``作者：…``), are the entry."""
    led: list[Block] = []
    titles: dict[int, str] = {}
    last = 0
    for block in blocks:
        found = _numbered_title(block)
        if found is None or found[0] not in (1, last + 1):
            continue  # numbering that does not count up belongs to a summary
        number, title = found
        if _title_ok(title, cjk) and not fmt.ends_sentence(title):
            led.append(block)
            titles[id(block)] = title
            last = number
    return _read_led(Reading("numbered", []), blocks, led, lambda block: (titles[id(block)], ""))


def read_fielded(blocks: list[Block], cjk: bool = False) -> Reading:
    """Entries of field lines only, each opened by its title field (``论文标题：…``,
    ``Title: …``), then ``作者：``, ``论文链接：``, ``摘要：`` …"""
    led: list[Block] = []
    titles: dict[int, str] = {}
    for block in blocks:
        labelled = block.kind in ("line", "item") and ("：" in block.text or ":" in block.text)
        found = fields.field_of(block) if labelled else None
        if found is not None and found[0] == "title":
            title = fmt.strip_markup(found[1])
            if _title_ok(title, cjk):
                led.append(block)
                titles[id(block)] = title
    return _read_led(Reading("fielded", []), blocks, led, lambda block: (titles[id(block)], ""))


def _lead_title(block: Block) -> tuple[str, str]:
    """A led block's title (its bold or linked lead) and the description after it."""
    return fields.clean_title(block.lead), fields.description(
        _without_links(block.rest, block.links)
    )


def _read_led(
    reading: Reading,
    blocks: list[Block],
    led: list[Block],
    title_of: Callable[[Block], tuple[str, str]] = _lead_title,
) -> Reading:
    """Papers started by the ``led`` blocks (``title_of`` reads them), shallowest first."""
    if not led:
        return reading
    depth = min(b.level for b in led)
    led = [b for b in led if b.level == depth]
    papers = _linked_groups(blocks, led)
    walker = _Walker(reading)
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), -1)
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            walker.heading(block, index == first_heading)
            continue
        if id(block) in papers:
            title, rest = title_of(block)
            draft = _Draft(title, block.line, walker.section)
            draft.item_depth = block.level
            draft.links.extend(block.links)
            if rest:
                draft.body.append(rest)
            walker.start(draft)
        elif block.kind == "item" and block.level <= depth and walker.current is not None:
            walker.current = None  # another list item: not a paper, not part of one
        else:
            walker.other(block) if walker.current is None else walker.current.add(block)
    reading.candidates = len(led)
    return walker.finish()


def _linked_groups(blocks: list[Block], led: list[Block]) -> set[int]:
    """The ids of the led blocks that are papers.

    Where a third of them link their paper, a group of led blocks (a list, or a section)
    in which none links a paper is something else (``**Efficiency**: …`` trends after
    the papers); one paper without a link among linked ones still is a paper.
    """

    def linked(block: Block) -> bool:
        return any(fields.is_paper_link(link) for link in block.links)

    ids = {id(b) for b in led}
    if sum(1 for b in led if linked(b)) * 3 < len(led):
        return ids
    items = all(b.kind == "item" for b in led)
    group, groups = 0, {}
    for block in blocks:
        if block.kind == "heading" or (items and block.kind == "line" and not block.level):
            group += 1  # a heading, or a paragraph between lists, closes a group
        elif id(block) in ids:
            groups[id(block)] = group
    with_links = {groups[id(b)] for b in led if linked(b)}
    return {i for i in ids if groups[i] in with_links}


def _without_links(text: str, links: tuple[Link, ...]) -> str:
    """Text without the labels of its ``[Paper](…)`` style links."""
    rest = text
    end = len(rest)
    for link in reversed(links):  # the last occurrence: a word inside the text stays
        at = rest.rfind(link.label, 0, end) if link.label else -1
        if at >= 0 and fmt.strip_link_noise(link.label) == "":
            rest = rest[:at] + _CUT + rest[at + len(link.label) :]
            end = at
    # "([paper](…), [code](…))" leaves "(⌫, ⌫)": brackets emptied by the cut go too, while
    # brackets the text itself has ("（）") stay as written
    rest = _EMPTIED_BRACKETS.sub(" ", rest).replace(_CUT, " ")
    return " ".join(rest.split()).rstrip(" ,，|·")


Strategy = Callable[[list[Block], bool], Reading]
BLOCK_LAYOUTS: dict[str, Strategy] = {
    "heading": read_heading,
    "table": read_table,
    "list": read_list,
    "bold": read_bold,
    "numbered": read_numbered,
    "fielded": read_fielded,
}
# layouts the line reader reads as well, and better on plain text: on a tie, it wins
LINE_READER_WINS_TIES = frozenset({"numbered", "fielded"})
# layouts that need no markup: they read plain text too, one block per line
PLAIN_TEXT_LAYOUTS = ("numbered", "fielded")
