"""The line reader: plain-text digests (no markdown structure to speak of) → papers.

Digests arrive copied from blogs and newsletters. Four layouts cover what we have seen:

* **numbered**: ``1、Title`` / ``1. Title`` / ``1) Title`` / ``### 1. Title`` start papers;
  headings, and short lines just before a ``1.`` (numbering restarts), are sections;
* **heading**: ``### Title`` starts a paper; shallower headings are sections;
* **bold**: ``**Title**`` lines start papers;
* **blocks**: unmarked blocks of an English title line, an optional Chinese title line and
  the summary, with or without blank lines between them.

Markdown tables with a known header (``| Title | 中文标题 | Link |``) give one paper per
row in any layout. A paper's summary is the lines after its title (bullets kept as ``•``);
link-only lines give its arXiv id and links. Everything from the first line of web-page
junk after the papers (comment widgets, emoji palettes, ``Source:``, ``上一篇/下一篇``,
share/subscribe links, editor help) is dropped, so junk never becomes a paper, a title or
part of a summary. A file without a confident paper is refused with
:class:`DigestParseError` naming the file and line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.domain.models import DigestParseError, ParsedPaper
from bot.domain.parsing import lines as fmt
from bot.domain.parsing.blocks import PaperDraft, Reading
from bot.domain.parsing.junk import is_closing

LAYOUTS = ("numbered", "heading", "bold", "blocks")  # the line reader's own layouts
_PALETTE_RUN = 3  # this many symbol-only lines in a row: an emoji/kaomoji palette, not text
_MIN_CJK_ONLY_PAPERS = 2  # Chinese-only titles are less certain: want at least two of them


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based, in the file as given
    text: str  # cleaned, never empty
    marker: fmt.Marker | None


@dataclass
class _Draft(PaperDraft):
    """A paper being read: its title and the lines after it."""

    links: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)  # URLs of link lines after the summary
    arxiv_id: str | None = None

    def has_content(self) -> bool:
        return bool(self.body or self.zh)


def _layout(lines: list[_Line], cjk: bool) -> str:
    """Which kind of marker starts papers here; "blocks" when none is clearly used."""
    kinds = Counter(
        line.marker.kind
        for index, line in enumerate(lines)
        if line.marker
        and not _is_digest_title(lines, index)
        and _title_ok(_marker_title(lines, index, line.marker), cjk)
        and not fmt.is_junk(line.text)
    )
    if not kinds:
        return "blocks"
    kind, count = max(kinds.items(), key=lambda item: (item[1], item[0] == "numbered"))
    return "blocks" if _count_block_titles(lines, cjk) > count else kind


def _count_block_titles(lines: list[_Line], cjk: bool) -> int:
    """Unmarked titles; the line right after a title is its Chinese title, never counted."""
    count, after_title = 0, False
    for index, line in enumerate(lines):
        if after_title:
            after_title = False
            continue
        if _block_title_at(lines, index, cjk):
            count, after_title = count + 1, True
        elif line.marker and line.marker.title:
            after_title = True
    return count


def _is_digest_title(lines: list[_Line], index: int) -> bool:
    """``# Weekly papers`` opening the file names the digest, not a paper."""
    marker = lines[index].marker
    return index == 0 and marker is not None and marker.kind == "heading" and marker.level == 1


def _marker_title(lines: list[_Line], index: int, marker: fmt.Marker) -> str:
    """The marker's title; for ``1.`` alone on its line, the next line's text."""
    if marker.title or marker.kind != "numbered" or index + 1 >= len(lines):
        return marker.title
    return lines[index + 1].text


def _title_ok(title: str, cjk: bool) -> bool:
    """An English title, or (second pass, for Chinese-only digests) a Chinese one."""
    return fmt.is_en_title(title) or (cjk and fmt.is_zh_title(title))


def _block_title_at(lines: list[_Line], index: int, cjk: bool) -> bool:
    """An unmarked title line: title-like and followed by its Chinese title or summary."""
    text = lines[index].text
    marker = lines[index].marker
    if (marker and marker.kind != "bold") or fmt.is_table_row(text):
        return False
    if marker:
        text = marker.title
    short = len(text) <= fmt.MAX_TITLE_CHARS + fmt.MAX_ZH_TITLE_CHARS
    title, zh = fmt.split_bilingual(text) if short else (text, None)
    if fmt.is_bullet(text) or not _title_ok(title, cjk) or fmt.is_junk(text):
        return False
    if zh is not None:
        return True
    nxt = lines[index + 1] if index + 1 < len(lines) else None
    if nxt and nxt.marker and nxt.marker.kind != "bold" and _title_ok(nxt.marker.title, cjk):
        return False  # a header over a marked entry ("Weekly papers" / "1. Title")
    following = _next_text(lines, index)
    if following is None or fmt.is_junk(following) or fmt.author_of(following):
        return False
    if fmt.is_en_title(title):
        if fmt.script(following).cjk >= 2:
            return True
        if fmt.continues_sentence(title, following):
            return False
        return fmt.is_prose(following) or not fmt.is_en_title(following)
    # a Chinese-only title is followed by a sentence of summary
    return "。" in following or len(following) > fmt.MAX_ZH_TITLE_CHARS


def _next_text(lines: list[_Line], index: int) -> str | None:
    """The next line that is not only links (titles may be followed by their links)."""
    for line in lines[index + 1 : index + 4]:
        if not fmt.is_link_line(line.text):
            return line.text
    return None


class _Reader:
    """Walks the non-blank lines once, in one layout, and collects papers."""

    def __init__(
        self, source_name: str, lines: list[_Line], cjk: bool, layout: str | None = None
    ) -> None:
        self.source_name = source_name
        self.lines = lines
        self.cjk = cjk
        self.layout = layout or _layout(lines, cjk)
        self.paper_level = self._paper_level()
        self.papers: list[_Draft] = []
        self.current: _Draft | None = None
        self.section: str | None = None
        self.title: str | None = None
        self.source_url: str | None = None
        self.authors: list[tuple[str, bool]] = []  # (name, seen before any paper)
        self.last_number = 0

    def _paper_level(self) -> int:
        """Heading layout: the level most paper-like headings use (the deeper on a tie)."""
        levels = Counter(
            line.marker.level
            for line in self.lines
            if line.marker and line.marker.kind == "heading" and _title_ok(line.marker.title, False)
        )
        return max(levels.items(), key=lambda item: (item[1], item[0]))[0] if levels else 0

    # --- the walk -----------------------------------------------------------------

    def read(self) -> None:
        index, symbols = 0, 0
        while index < len(self.lines):
            line = self.lines[index]
            if fmt.is_table_row(line.text):
                index = self._table(index)
                continue
            symbols = symbols + 1 if fmt.is_symbolic(line.text) else 0
            if self.papers and is_closing(line.text):
                break  # the digest's sign-off: the papers are over
            if symbols or fmt.is_junk(line.text):
                if self.papers and (symbols >= _PALETTE_RUN or not symbols):
                    break  # page furniture after the papers: nothing more is ours
                index += 1
                continue
            if not self._metadata(line.text):
                index = self._line(index)
            index += 1
        self._finish_tails()

    def _line(self, index: int) -> int:
        """Handle one line; returns the index of the last line it used."""
        line = self.lines[index]
        role = getattr(self, f"_role_{self.layout}")(index)
        if role == "paper":
            return self._start_marked(index)
        if role == "block":
            self._start(line.marker.title if line.marker else line.text, line.number, line.text)
        elif role == "section":
            self._set_section(line.text)
        elif self.current is not None:
            self._body(self.current, line.text)
        else:
            self._preamble(index)
        return index

    # --- roles per layout ----------------------------------------------------------

    def _role_numbered(self, index: int) -> str:
        marker = self.lines[index].marker
        if marker and marker.kind == "numbered" and self._numbered_paper(index, marker):
            return "paper"
        if marker and marker.kind == "heading":
            return "section"
        if self._is_section_before(index, restart=True):
            return "section"
        return "text"

    def _numbered_paper(self, index: int, marker: fmt.Marker) -> bool:
        if _title_ok(marker.title, self.cjk):
            return True
        expected = marker.number in (1, self.last_number + 1)
        if not expected or fmt.script(marker.title).latin + fmt.script(marker.title).cjk:
            return False  # a numbered line of a summary, not an entry
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        if following and not following.marker and _title_ok(following.text, self.cjk):
            return True  # "1." alone, the title on the next line
        raise DigestParseError(
            self.source_name, self.lines[index].number, f"entry {marker.number} has no title"
        )

    def _role_heading(self, index: int) -> str:
        marker = self.lines[index].marker
        if marker and marker.kind == "heading":
            if marker.level < self.paper_level or _is_digest_title(self.lines, index):
                return "section"
            if marker.level == self.paper_level:
                return "paper" if _title_ok(marker.title, self.cjk) else "section"
        return "text"

    def _role_bold(self, index: int) -> str:
        marker = self.lines[index].marker
        if marker and marker.kind == "bold" and _title_ok(marker.title, self.cjk):
            return "paper"
        if marker and marker.kind == "heading":
            return "section"
        return "section" if self._is_section_before(index, restart=False) else "text"

    def _role_blocks(self, index: int) -> str:
        line = self.lines[index]
        if line.marker and line.marker.kind == "heading":
            return "section"
        open_paper = self.current is not None and not self.current.has_content()
        if not open_paper and _block_title_at(self.lines, index, self.cjk):
            return "block"
        bold = line.marker is not None and line.marker.kind == "bold"
        if (
            bold
            and index + 1 < len(self.lines)
            and _block_title_at(self.lines, index + 1, self.cjk)
        ):
            return "section"  # **Section** over unmarked papers
        return "text"

    def _is_section_before(self, index: int, restart: bool) -> bool:
        """A short plain line right before a paper marker (``LLM发展与基准`` / ``1、…``)."""
        text = self.lines[index].text
        if index == 0 or index + 1 >= len(self.lines):
            return False  # the first line of a file is its title, not a section
        if len(text) > fmt.MAX_SECTION_CHARS or fmt.ends_sentence(text) or "。" in text:
            return False
        following = self.lines[index + 1].marker
        if following is None or following.kind != self.layout:
            return False
        if not _title_ok(following.title, self.cjk):
            return False
        return not self.papers or not restart or following.number == 1

    # --- building papers ------------------------------------------------------------

    def _start_marked(self, index: int) -> int:
        line = self.lines[index]
        marker = line.marker
        assert marker is not None  # only marker lines get the "paper" role
        self.last_number = marker.number or self.last_number
        if marker.title:
            self._start(marker.title, line.number, line.text)
            return index
        title_line = self.lines[index + 1]  # "1." alone: _numbered_paper saw the title next
        self._start(title_line.text, title_line.number, line.text + " " + title_line.text)
        return index + 1

    def _start(self, text: str, number: int, raw: str = "") -> None:
        title, zh = fmt.split_bilingual(text)
        title = fmt.strip_markup(title)
        if not title:
            raise DigestParseError(self.source_name, number, "a paper entry without a title")
        draft = _Draft(title=title[: fmt.MAX_TITLE_CHARS], line=number, section=self.section)
        draft.zh = fmt.strip_markup(zh) if zh else None
        draft.links.extend(fmt.links_in(raw))
        draft.arxiv_id = fmt.arxiv_in(raw)
        self.papers.append(draft)
        self.current = draft

    def _set_section(self, raw: str) -> None:
        text = fmt.strip_markup(raw)
        if raw.startswith("# ") and not self.papers and self.title is None:
            self.title = text[: fmt.MAX_DIGEST_TITLE_CHARS]  # "# Weekly papers": the title
            return
        self.section = text[:80] or self.section
        self.current = None  # text under a new heading belongs to no earlier paper

    def _body(self, draft: _Draft, text: str) -> None:
        if fmt.is_link_line(text):
            draft.tail.extend(fmt.links_in(text))
            tag = fmt.arxiv_in(text)
            if tag and not any(fmt.arxiv_in(url) for url in fmt.links_in(text)):
                draft.tail.append(f"https://arxiv.org/abs/{tag}")
            return
        draft.links.extend(draft.tail)  # links between summary lines are the paper's own
        draft.tail = []
        if (
            draft.zh is None
            and not draft.body
            and not (self.cjk and not fmt.is_en_title(draft.title))
            and fmt.is_zh_title(text, draft.title)
        ):
            draft.zh = fmt.strip_markup(text)
            return
        draft.links.extend(fmt.links_in(text))
        draft.arxiv_id = draft.arxiv_id or fmt.arxiv_in(text)
        draft.body.append(fmt.bullet_text(text))

    def _preamble(self, index: int) -> None:
        """Only the first line can be the digest's title; intro paragraphs are dropped."""
        text = self.lines[index].text
        if index != 0 or self.title is not None or self.papers:
            return
        short = len(text) <= fmt.MAX_DIGEST_TITLE_CHARS and "。" not in text
        if short and not fmt.ends_sentence(text) and not fmt.is_link_line(text):
            self.title = fmt.strip_markup(text) or None

    def _metadata(self, text: str) -> bool:
        """``作者:…`` and ``原文链接:…`` lines: facts about the digest, never paper text."""
        author = fmt.author_of(text)
        if author:
            self.authors.append((author, not self.papers))
            return True
        original = fmt.original_link(text)
        if original is None:
            return False
        if isinstance(original, str):
            self.source_url = self.source_url or original
        return True

    def author(self) -> str | None:
        """The byline: before the papers, or the only one (per-paper author lines are many)."""
        before = [name for name, early in self.authors if early]
        if before:
            return before[0]
        return self.authors[0][0] if len(self.authors) == 1 else None

    def _finish_tails(self) -> None:
        """URL lines after the last paper's arXiv link that no other paper has: the article."""
        last = self.papers[-1] if self.papers else None
        others_have_extra = any(_extra_urls(draft) for draft in self.papers if draft is not last)
        for draft in self.papers:
            extra = _extra_urls(draft)
            if draft is last and extra and not others_have_extra and len(self.papers) > 1:
                self.source_url = self.source_url or extra[0]
                draft.tail = draft.tail[: len(draft.tail) - len(extra)]
            draft.links.extend(draft.tail)
            draft.tail = []

    # --- tables -----------------------------------------------------------------------

    def _table(self, index: int) -> int:
        """Read a markdown table starting at ``index``; returns the index after it."""
        end = index
        while end < len(self.lines) and fmt.is_table_row(self.lines[end].text):
            end += 1
        rows = [line for line in self.lines[index:end] if not fmt.is_table_rule(line.text)]
        header = self.lines[index].text
        has_header = end - index > 1 and fmt.is_table_rule(self.lines[index + 1].text)
        has_header = has_header and not fmt.is_table_rule(header)
        columns = fmt.table_columns(fmt.table_cells(header)) if has_header else {}
        if not columns:  # not a table of papers (a results table inside a summary)
            if self.current is not None:
                self.current.body.extend(line.text for line in rows)
            return end
        for row in rows[1:]:
            self._table_row(row, fmt.table_cells(row.text), columns)
        self.current = None
        return end

    def _table_row(self, row: _Line, cells: list[str], columns: dict[str, int]) -> None:
        def cell(role: str) -> str:
            at = columns.get(role)
            return cells[at] if at is not None and at < len(cells) else ""

        title, zh = fmt.split_bilingual(fmt.strip_markup(cell("title")))
        counts = fmt.script(title)
        if not title or counts.latin + counts.cjk == 0:
            if any(fmt.strip_markup(c) or fmt.links_in(c) for c in cells):
                raise DigestParseError(self.source_name, row.number, "a table row without a title")
            return  # an empty row
        draft = _Draft(title=title[: fmt.MAX_TITLE_CHARS], line=row.number, section=self.section)
        draft.zh = fmt.strip_markup(cell("zh")) or zh
        draft.links.extend(fmt.links_in(row.text))
        draft.arxiv_id = fmt.arxiv_in(row.text)
        abstract = cell("abstract").replace("<br>", "\n").replace("<br/>", "\n").strip()
        draft.body.extend(part.strip() for part in abstract.split("\n") if part.strip())
        self.papers.append(draft)


def _extra_urls(draft: _Draft) -> list[str]:
    """Non-arXiv URLs on link lines after the paper's arXiv link line."""
    arxiv_at = [i for i, url in enumerate(draft.tail) if fmt.arxiv_in(url)]
    if not arxiv_at:
        return []
    return [url for url in draft.tail[arxiv_at[-1] + 1 :] if not fmt.arxiv_in(url)]


def _paper(draft: _Draft, position: int) -> ParsedPaper:
    links = list(dict.fromkeys(draft.links))
    arxiv_id = draft.arxiv_id or next((a for a in map(fmt.arxiv_in, links) if a), None)
    return ParsedPaper(
        title_en=draft.title,
        title_zh=draft.zh or None,
        abstract="\n".join(draft.body).strip(),
        arxiv_id=arxiv_id,
        url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        links=tuple(link for link in links if not fmt.arxiv_in(link)),
        section=draft.section,
        position=position,
        line=draft.line,
    )


def _lines(text: str) -> list[_Line]:
    return [
        _Line(number, line, fmt.marker(line))
        for number, line in enumerate(fmt.split_lines(text), 1)
        if line and not fmt.is_separator(line)
    ]


def _read(source_name: str, lines: list[_Line], layout: str | None) -> _Reader:
    """English titles first; a digest with none may have Chinese-only titles."""
    reader = _Reader(source_name, lines, cjk=False, layout=layout)
    reader.read()
    if reader.papers:
        return reader
    fallback = _Reader(source_name, lines, cjk=True, layout=layout)
    fallback.read()
    return fallback if len(fallback.papers) >= _MIN_CJK_ONLY_PAPERS else reader


def _papers(reader: _Reader) -> tuple[list[ParsedPaper], list[str]]:
    papers: list[ParsedPaper] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for draft in reader.papers:
        key = draft.title.casefold()
        if key in seen:
            warnings.append(f"line {draft.line}: duplicate title '{draft.title[:60]}' skipped")
            continue
        seen.add(key)
        papers.append(_paper(draft, len(papers)))
    return papers, warnings


def read_plaintext(text: str, source_name: str, layout: str | None = None) -> Reading:
    """Read a plain-text digest line by line; ``layout`` forces one of :data:`LAYOUTS`."""
    lines = _lines(text)
    if not lines:
        raise DigestParseError(source_name, 1, "the file is empty")
    reader = _read(source_name, lines, layout)
    papers, warnings = _papers(reader)
    first = reader.papers[0].line if reader.papers else lines[-1].number + 1
    header = "\n".join(line.text for line in lines if line.number < first)
    return Reading(
        layout=reader.layout,
        papers=papers,
        title=reader.title,
        source_url=reader.source_url,
        author=reader.author(),
        header_text=header,
        candidates=len(papers),
        warnings=warnings,
    )
