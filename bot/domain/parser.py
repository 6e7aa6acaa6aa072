"""The digest parser: plain text of a weekly digest → papers, for the whole family of formats.

Digests arrive copied from blogs and newsletters. Two layouts cover what we have seen:

* **marked**: every paper starts with a marker line — ``1、Title``, ``1. Title``,
  ``### Title``, ``**Title**``, ``1. [Title](https://arxiv.org/abs/…)`` — and short lines or
  headings just before a marker are section headings (numbering may restart per section);
* **blocks**: unmarked blocks of an English title line, an optional Chinese title line and
  the summary, with or without blank lines between them.

Markdown tables (``| Title | 中文标题 | Link |``) are read row by row. Everything from the
first line of web-page junk after the papers (comment widgets, emoji palettes, ``Source:``,
``上一篇/下一篇``, share/subscribe links, editor help) is dropped, so junk can never become
a paper, a title or part of a summary. A file without a confident paper is refused with
:class:`DigestParseError` naming the file and line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.domain.models import DigestParseError, ParsedDigest, ParsedPaper

MAX_TITLE_CHARS = 300
MAX_ZH_TITLE_CHARS = 150
MAX_HEADING_CHARS = 40
MAX_DIGEST_TITLE_CHARS = 100

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_URL = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_ARXIV_TAG = re.compile(r"\barxiv\s*[:：]\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:#{1,6}\s*)?(?:[*_]{2})?\s*(\d{1,3})\s*[、.．)）:：]\s*(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_LINE = re.compile(r"^(?:[-*+]\s+)?\*\*(.+?)\*\*\s*(.*)$")
_BULLET = re.compile(r"^\s*(?:[-*+•·]|\d{1,2}[.)])\s+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = tuple(".。!！；;,，:：")
_WEEK_SHORT = re.compile(r"(\d{2})(\d{2})(\d{2})\s*[-~–—至]\s*(\d{2})(\d{2})(\d{2})")
_WEEK_LONG = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(?:[-~–—至]|to)\s*"
    r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?"
)
_AUTHOR = re.compile(r"^(?:作者|author|written by|by)\s*[:：]\s*(.{1,80})$", re.IGNORECASE)
_JUNK = re.compile(
    r"^(?:source|来源|出处|转载|原文(?:链接|地址)?|copyright|版权|©|\(c\)|all rights reserved"
    r"|上一篇|下一篇|上一页|下一页|previous(?: post| article)?|next(?: post| article)?"
    r"|相关(?:文章|阅读|推荐)|related(?: posts| articles)?|推荐阅读|share(?: this| on)?"
    r"|分享(?:到)?|subscribe|订阅|关注(?:我们|公众号)|扫码|点赞|收藏|tags?\s*[:：]|标签\s*[:：]"
    r"|暂无评论|发送评论|发表评论|编辑评论|评论|comments?\b|\d+\s+comments?|leave a (?:comment|reply)"
    r"|no comments|登录|sign in|log in|颜文字|emoji\b|read more|阅读(?:全文|原文|更多))",
    re.IGNORECASE,
)
_EDITOR_HELP = re.compile(r"\*\*粗体\*\*|_斜体_|你还可以使用@|支持\s*markdown|markdown\s*语法")


@dataclass
class _Line:
    number: int  # 1-based, in the file as given
    text: str


@dataclass
class _Draft:
    """A paper being read: its title line and the lines after it."""

    title: str
    line: int
    section: str | None
    links: list[str] = field(default_factory=list)
    zh: str | None = None
    body: list[str] = field(default_factory=list)
    trailing_urls: list[str] = field(default_factory=list)  # bare URL lines after the body


# ------------------------------------------------------------------ text helpers


def _clean_lines(text: str) -> list[_Line]:
    """Unified newlines, no BOM/zero-width characters, NFKC-width spaces, trailing space cut."""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = "".join(" " if ch in "\t\u00a0\u3000" else ch for ch in raw)
        line = "".join(ch for ch in line if unicodedata.category(ch) != "Cc")
        lines.append(_Line(number, line.rstrip()))
    return lines


def _latin_cjk(text: str) -> tuple[int, int]:
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return latin, cjk


def _is_latin_title(text: str) -> bool:
    latin, cjk = _latin_cjk(text)
    return latin >= 3 and latin >= 2 * cjk


def _is_symbolic(text: str) -> bool:
    """Kaomoji, emoji and separators: lines with hardly any letters or digits."""
    stripped = text.replace(" ", "")
    if not stripped:
        return False
    latin, cjk = _latin_cjk(stripped)
    digits = sum(ch.isdigit() for ch in stripped)
    return (latin + cjk + digits) * 2 < len(stripped)


def _strip_markup(text: str) -> str:
    """Markdown emphasis, heading marks, quotes and trailing colons off a title."""
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"^#{1,6}\s*", "", text.strip())
    text = text.replace("**", "").replace("__", "").strip()
    text = text.strip("*_`~ ")
    if len(text) > 1 and text[0] + text[-1] in ('""', "“”", "''", "《》", "「」", "[]"):
        text = text[1:-1].strip()
    return text.rstrip(":：").strip()


def _trim_url(url: str) -> str:
    """Closing punctuation glued to a URL in running text is not part of it."""
    url = url.rstrip(".,;:!?'\"*_")
    while url.endswith((")", "]")) and url.count(url[-1]) > url.count(
        "(" if url[-1] == ")" else "["
    ):
        url = url[:-1]
    return url


def _links_in(text: str) -> list[str]:
    found = [m.group(2) for m in _MD_LINK.finditer(text)]
    bare = _URL.finditer(_MD_LINK.sub(" ", text))
    found += [_trim_url(m.group(0)) for m in bare]
    return list(dict.fromkeys(found))


def _arxiv_in(text: str) -> str | None:
    match = _ARXIV_URL.search(text) or _ARXIV_TAG.search(text)
    return match.group(1) if match else None


def _is_url_line(text: str) -> bool:
    """A line that is only links (``https://…``, ``[paper](…)``, ``arXiv: 2402.…``)."""
    rest = _MD_LINK.sub(" ", text)
    rest = _URL.sub(" ", rest)
    rest = _ARXIV_TAG.sub(" ", rest)
    rest = re.sub(
        r"(?i)\b(?:paper|arxiv|pdf|code|github|project|link|url|homepage|demo)\b", " ", rest
    )
    rest = re.sub(r"(论文|代码|项目|主页|链接|地址)", " ", rest)
    return rest.strip(" :：-|·•*[]()") == "" and bool(_links_in(text) or _arxiv_in(text))


def _is_junk(text: str) -> bool:
    stripped = _strip_markup(text).strip()
    return bool(
        _JUNK.match(stripped) or _EDITOR_HELP.search(text) or _AUTHOR.match(stripped)
    ) or _is_symbolic(text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_SENTENCE_END)


def _title_like(text: str) -> bool:
    """An English paper title: mostly Latin letters, short, not a sentence."""
    words = text.split()
    return (
        3 <= len(text) <= MAX_TITLE_CHARS
        and len(words) <= 40
        and _is_latin_title(text)
        and not _ends_sentence(text)
        and not _is_url_line(text)
    )


def _zh_title_like(text: str) -> bool:
    """A Chinese title line: some CJK, short, no sentence-ending punctuation inside."""
    _latin, cjk = _latin_cjk(text)
    return (
        cjk >= 2
        and len(text) <= MAX_ZH_TITLE_CHARS
        and "。" not in text
        and not _ends_sentence(text)
        and not _is_url_line(text)
    )


# ------------------------------------------------------------------ digest metadata


def _week(lines: list[_Line]) -> tuple[date | None, date | None]:
    for line in lines[:8]:
        short = _WEEK_SHORT.search(line.text)
        long = _WEEK_LONG.search(line.text)
        try:
            if long:
                y1, m1, d1, y2, m2, d2 = long.groups()
                start = date(int(y1), int(m1), int(d1))
                return start, date(int(y2 or y1), int(m2), int(d2))
            if short:
                y1, m1, d1, y2, m2, d2 = (int(g) for g in short.groups())
                return date(2000 + y1, m1, d1), date(2000 + y2, m2, d2)
        except ValueError:  # 999999-000000 is not a week
            continue
    return None, None


# ------------------------------------------------------------------ the two layouts


def _marker_title(text: str) -> str | None:
    """The title of a marker line (numbered, bold-only or heading), else None."""
    stripped = text.strip()
    for pattern, group in ((_NUMBERED, 2), (_HEADING, 2), (_BOLD_LINE, 1)):
        match = pattern.match(stripped)
        if match:
            if (
                pattern is _BOLD_LINE
                and _strip_markup(match.group(2))
                and not _is_url_line(match.group(2))
            ):
                return None  # bold lead-in of a sentence, not a title line
            return _strip_markup(match.group(group))
    return None


def _marker_is_paper(title: str | None) -> bool:
    return title is not None and _title_like(title)


class _Reader:
    """Walks the cleaned lines once and collects papers."""

    def __init__(self, source_name: str, lines: list[_Line]) -> None:
        self.source_name = source_name
        self.lines = [line for line in lines if line.text.strip()]
        self.papers: list[_Draft] = []
        self.section: str | None = None
        self.title: str | None = None
        self.author: str | None = None
        self.source_url: str | None = None
        self.warnings: list[str] = []
        self.marked = self._count_markers() >= 2

    def _count_markers(self) -> int:
        return sum(1 for line in self.lines if _marker_is_paper(_marker_title(line.text)))

    def _next_is_marker(self, index: int) -> bool:
        if index + 1 >= len(self.lines):
            return False
        nxt = self.lines[index + 1].text
        return _marker_is_paper(_marker_title(nxt)) or bool(_HEADING.match(nxt.strip()))

    def read(self) -> None:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            text = line.text.strip()
            if _TABLE_ROW.match(text):
                index = self._table(index)
                continue
            if _is_junk(text):
                self._metadata(text)
                if self.papers:
                    self._finish_trailing_urls()
                    return  # everything after the first junk line is page furniture
                index += 1
                continue
            self._line(index, line, text)
            index += 1
        self._finish_trailing_urls()

    def _line(self, index: int, line: _Line, text: str) -> None:
        current = self.papers[-1] if self.papers else None
        heading = _HEADING.match(text)
        if self.marked:
            title = _marker_title(text)
            if _marker_is_paper(title) and not (heading and self._next_is_marker(index)):
                self._start(title or "", line.number, text)
                return
            short_heading = (
                len(_strip_markup(text)) <= MAX_HEADING_CHARS
                and not _ends_sentence(text)
                and not _is_url_line(text)
            )
            if (heading or short_heading) and self._next_is_marker(index):
                self._heading(text)
                return
        elif heading and not _title_like(_strip_markup(text)):
            self._heading(text)
            return
        elif _title_like(_strip_markup(text)) and (current is None or self._has_body(current)):
            if self._block_title_confirmed(index):
                self._start(_strip_markup(text), line.number, text)
                return
        if current is None:
            self._preamble(text)
            return
        self._body(current, text)

    def _block_title_confirmed(self, index: int) -> bool:
        """A block title is followed by its Chinese title or summary, not by another title."""
        if index + 1 >= len(self.lines):
            return False
        nxt = self.lines[index + 1].text.strip()
        if _latin_cjk(nxt)[1] >= 2:
            return not _is_junk(nxt)  # a Chinese title or summary
        return (
            not _is_junk(nxt)
            and not _is_url_line(nxt)
            and not (_title_like(_strip_markup(nxt)) and len(nxt) < 120)
        )

    @staticmethod
    def _has_body(draft: _Draft) -> bool:
        return bool(draft.body or draft.zh)

    def _start(self, title: str, number: int, raw: str) -> None:
        if not title:
            raise DigestParseError(self.source_name, number, "a paper entry without a title")
        draft = _Draft(title=title, line=number, section=self.section)
        draft.links.extend(_links_in(raw))
        self.papers.append(draft)

    def _heading(self, raw: str) -> None:
        text = _strip_markup(raw)
        top_level = raw.startswith("# ")
        if top_level and not self.papers and self.title is None:
            self.title = text[:MAX_DIGEST_TITLE_CHARS]  # "# Weekly papers": the digest's title
            return
        self.section = text

    def _preamble(self, text: str) -> None:
        if (
            self.title is None
            and len(text) <= MAX_DIGEST_TITLE_CHARS
            and "。" not in text
            and not _ends_sentence(text)
        ):
            self.title = _strip_markup(text)

    def _body(self, draft: _Draft, text: str) -> None:
        if _is_url_line(text):
            draft.trailing_urls.extend(_links_in(text) or [])
            arxiv = _arxiv_in(text)
            if arxiv and not _links_in(text):
                draft.trailing_urls.append(f"https://arxiv.org/abs/{arxiv}")
            return
        if draft.trailing_urls:  # URLs in the middle of a summary are its links
            draft.links.extend(draft.trailing_urls)
            draft.trailing_urls = []
        if draft.zh is None and not draft.body and _zh_title_like(text):
            draft.zh = _strip_markup(text)
            return
        draft.links.extend(_links_in(text))
        cleaned = text.replace("**", "").strip()
        if _BULLET.match(text):
            cleaned = "• " + _BULLET.sub("", text).replace("**", "").strip()
        draft.body.append(cleaned)

    def _metadata(self, text: str) -> None:
        author = _AUTHOR.match(_strip_markup(text))
        if author and self.author is None and self.papers:
            self.author = author.group(1).strip()

    def _finish_trailing_urls(self) -> None:
        """Bare URLs after the last paper's own arXiv link are the article's address."""
        for draft in self.papers:
            urls = draft.trailing_urls
            has_arxiv = any(_arxiv_in(u) for u in urls + draft.links)
            if draft is self.papers[-1] and has_arxiv:
                last_arxiv = max(i for i, u in enumerate(urls + [""]) if _arxiv_in(u) or i == 0)
                tail = [u for u in urls[last_arxiv + 1 :] if not _arxiv_in(u)]
                if tail and urls and _arxiv_in(urls[last_arxiv]):
                    self.source_url = self.source_url or tail[0]
                    urls = urls[: last_arxiv + 1]
            draft.links.extend(urls)
            draft.trailing_urls = []

    # --- tables ---------------------------------------------------------------------

    def _table(self, index: int) -> int:
        rows: list[tuple[int, list[str]]] = []
        while index < len(self.lines) and _TABLE_ROW.match(self.lines[index].text):
            line = self.lines[index]
            if not _TABLE_RULE.match(line.text):
                cells = [c.strip() for c in line.text.strip().strip("|").split("|")]
                rows.append((line.number, cells))
            index += 1
        if not rows:
            return index
        header = [_strip_markup(c).casefold() for c in rows[0][1]]
        columns = _table_columns(header)
        data = rows[1:] if columns else rows
        columns = columns or {"title": 0}
        for number, cells in data:
            self._table_row(number, cells, columns)
        return index

    def _table_row(self, number: int, cells: list[str], columns: dict[str, int]) -> None:
        def cell(name: str) -> str:
            at = columns.get(name)
            return cells[at] if at is not None and at < len(cells) else ""

        title = _strip_markup(cell("title"))
        if not title or not _latin_cjk(title)[0] + _latin_cjk(title)[1]:
            return
        draft = _Draft(title=title, line=number, section=self.section)
        draft.links.extend(_links_in(" ".join(cells)))
        zh = _strip_markup(cell("zh"))
        draft.zh = zh or None
        abstract = cell("abstract").replace("<br>", "\n").strip()
        if abstract:
            draft.body.append(abstract)
        self.papers.append(draft)


def _table_columns(header: list[str]) -> dict[str, int]:
    names = {
        "zh": ("中文", "中文标题", "标题(中文)", "chinese", "chinese title", "译名"),
        "title": ("title", "paper", "标题", "论文", "english title", "name", "英文标题"),
        "abstract": ("summary", "abstract", "tl;dr", "tldr", "摘要", "简介", "概要", "description"),
        "link": ("link", "links", "url", "arxiv", "链接", "地址", "pdf"),
    }
    columns: dict[str, int] = {}
    for kind, aliases in names.items():
        for at, label in enumerate(header):
            if at not in columns.values() and any(
                label == a or label.startswith(a) for a in aliases
            ):
                columns.setdefault(kind, at)
    return columns if "title" in columns else {}


# ------------------------------------------------------------------ entry point


def _paper(draft: _Draft, position: int) -> ParsedPaper:
    links = list(dict.fromkeys(draft.links))
    arxiv_id = next((a for a in map(_arxiv_in, links) if a), None)
    if arxiv_id is None:
        arxiv_id = _arxiv_in(draft.title + " " + " ".join(draft.body))
    url = f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None
    others = tuple(link for link in links if not _arxiv_in(link))
    title = " ".join(draft.title.split())[:MAX_TITLE_CHARS]
    return ParsedPaper(
        title_en=title,
        title_zh=" ".join(draft.zh.split()) if draft.zh else None,
        abstract="\n".join(draft.body).strip(),
        arxiv_id=arxiv_id,
        url=url,
        links=others,
        section=draft.section,
        position=position,
        line=draft.line,
    )


def parse_digest(text: str, source_name: str) -> ParsedDigest:
    """Parse one digest file; raises DigestParseError (file and line) when unsure."""
    if "\x00" in text:
        raise DigestParseError(source_name, 1, "binary data, not a text digest")
    lines = _clean_lines(text)
    reader = _Reader(source_name, lines)
    reader.read()
    drafts = [d for d in reader.papers if d.title]
    if not drafts:
        first = next((line.number for line in lines if line.text.strip()), 1)
        raise DigestParseError(
            source_name,
            first,
            "no papers found (expected blocks of English title / Chinese title / summary, "
            "numbered entries like '1. Title', '**Title**' lines or a table)",
        )
    for draft in drafts:
        if not draft.body and not draft.zh and not reader.marked and len(drafts) > 1:
            reader.warnings.append(f"line {draft.line}: '{draft.title[:60]}' has no summary")
    seen: set[str] = set()
    papers: list[ParsedPaper] = []
    for draft in drafts:
        key = draft.title.casefold()
        if key in seen:
            reader.warnings.append(f"line {draft.line}: duplicate title '{draft.title[:60]}'")
            continue
        seen.add(key)
        papers.append(_paper(draft, len(papers)))
    week_start, week_end = _week(lines)
    return ParsedDigest(
        title=reader.title,
        week_start=week_start,
        week_end=week_end,
        source_url=reader.source_url,
        author=reader.author,
        papers=tuple(papers),
        warnings=tuple(reader.warnings),
    )
