"""Line-level knowledge of digest formats: cleaning lines and telling what each one is.

The line reader (:mod:`bot.domain.parsing.plaintext`) decides structure; this module only answers
questions about single lines: is it an English title, a Chinese title, a link line, a
numbered/heading/bold marker, web-page junk, the article's author? It also reads
markdown tables. Pure functions, stdlib only (the week is :mod:`.week`'s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.parsing.junk import is_junk as is_junk  # re-exported: a line question
from bot.domain.parsing.junk import is_section_title
from bot.domain.searchtext import strip_controls

MAX_TITLE_CHARS = 300
MAX_ZH_TITLE_CHARS = 120
MAX_SECTION_CHARS = 40
MAX_DIGEST_TITLE_CHARS = 100
_SYMBOL_SCAN_CHARS = 60
_SCAN_CHARS = 400  # longer lines are prose whatever they hold; counting more is wasted time

# odd spaces become plain spaces; full-width punctuation (，（）：) stays as written
_FOLD = dict.fromkeys((0x3000, 0x00A0, 0x2028, 0x2029, 0x09, 0x0B, 0x0C), 0x20)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_GARBAGE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffd]")

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_DIGIT = re.compile(r"\d")
_SEPARATOR = re.compile(r"^[-*_=~·•#\s]*$")  # "---", "***", "• • •": a visual break, no text

_URL = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_ARXIV_TAG = re.compile(r"\barxiv\s*[:：]?\s*(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)", re.IGNORECASE)
_LINK_LABELS = re.compile(
    r"(?i)\b(?:paper|arxiv|pdf|code|github|project(?: page)?|link|url|homepage|demo|website)\b"
    r"|论文|代码|项目|主页|链接|地址|原文"
)
_GENERIC_LINK = re.compile(
    r"\[\s*(?:paper|arxiv|pdf|code|github|project|link|url|homepage|demo|论文|代码|链接)\s*\]"
    r"\((?:https?://[^)\s]+)\)",
    re.IGNORECASE,
)

_NUMBERED = re.compile(
    r"^(?:#{1,6}\s*)?(?:\*\*|__)?\s*[(\[（]?(\d{1,3})(?:[.)\]．）](?!\d)|、)\s*(.*)$"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_BOLD_LINE = re.compile(r"^(?:[-*+]\s+)?(?:\*\*|__)(.+?)(?:\*\*|__)\s*(.*)$")
_BULLET = re.compile(r"^(?:[-*+]\s+|[•·●▪]\s*)(?=\S)")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_SENTENCE_END = tuple(".。!！;；,，:：")  # a line ending so is prose, not a title
_DANGLING = frozenset(
    ("a", "an", "and", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "via")
)
_QUOTES = ('""', "“”", "''", "‘’", "《》", "「」", "『』", "[]", "【】", "()", "<>")

_AUTHOR = re.compile(r"^(?:作者|authors?|written by)\s*[:：]\s*(.{1,80})$", re.IGNORECASE)
_ORIGINAL = re.compile(r"^(?:原文(?:链接|地址)|original(?: article| post)?)\s*[:：]\s*(.*)$", re.I)
# between the two titles on one line: a spaced dash or a colon (English first)
_TITLE_SEPARATOR = re.compile(r"\s+[—–-]{1,2}\s+|——|\s*[:：]\s*")
_WHOLE_TITLE_WORDS = 3


# ------------------------------------------------------------------ cleaning


def split_lines(text: str) -> tuple[str, ...]:
    """Cleaned lines, numbered as an editor shows them (CRLF, CR and LF each end a line)."""
    return _split_lines(text)


@lru_cache(maxsize=4)  # the line reader and the plain-text blocks read the same digest
def _split_lines(text: str) -> tuple[str, ...]:
    return tuple(clean_line(raw) for raw in _NEWLINE.split(text))


def clean_line(raw: str) -> str:
    """Odd spaces folded, BOM/zero-width/control characters dropped, spaces collapsed."""
    line = raw.translate(_FOLD)
    if not line.isprintable():  # the slow per-character filter only when needed
        line = strip_controls(line)
    return " ".join(line.split())


def looks_binary(text: str) -> int | None:
    """The 1-based line of the first NUL or garbage run, when ``text`` is not really text."""
    if "\x00" in text:
        return text.count("\n", 0, text.index("\x00")) + 1
    bad = len(_GARBAGE.findall(text))
    if bad >= 8 and bad * 20 > len(text):  # >5% replacement/control characters
        return 1
    return None


def is_separator(text: str) -> bool:
    """A visual break (``---``, ``***``) carries nothing; it counts as a blank line."""
    return bool(_SEPARATOR.match(text))


# ------------------------------------------------------------------ scripts


@dataclass(frozen=True, slots=True)
class Script:
    """Letter counts of (the start of) a line."""

    latin: int
    cjk: int
    digits: int
    length: int  # characters without spaces


def script(text: str) -> Script:
    """Count Latin letters, CJK characters and digits in the first few hundred characters."""
    return _script(text[:_SCAN_CHARS])


@lru_cache(maxsize=1024)  # a line is asked about several times while its digest is read
def _script(head: str) -> Script:
    return Script(
        latin=len(_LATIN.findall(head)),
        cjk=len(_CJK.findall(head)),
        digits=len(_DIGIT.findall(head)),
        length=len(head) - head.count(" "),
    )


def is_symbolic(text: str) -> bool:
    """Kaomoji, emoji and decorations: hardly any letters or digits."""
    counts = script(text[:_SYMBOL_SCAN_CHARS])  # palettes are short lines
    return (counts.latin + counts.cjk + counts.digits) * 2 < counts.length


def ends_sentence(text: str) -> bool:
    """Ends like a sentence or a lead-in (``.``, ``。``, ``,``, ``:``)."""
    return text.endswith(_SENTENCE_END)


def is_en_title(text: str) -> bool:
    """An English paper title: mostly Latin letters, short, not a sentence or a link line."""
    if len(text) > MAX_TITLE_CHARS or ends_sentence(text) or text.count(" ") >= 40:
        return False  # cheap tests first: most lines of a digest are long summaries
    counts = script(text)
    return (
        counts.latin >= 3
        and counts.latin >= 2 * counts.cjk
        and not is_link_line(text)
        and not is_section_title(text)
    )


def is_zh_title(text: str, english: str = "") -> bool:
    """A Chinese title: some CJK, not mostly Latin, short, no sentence punctuation.

    Latin words copied from the ``english`` title (``MistralWorld-3技术报告``) do not count
    against it: Chinese titles keep model names.
    """
    if len(text) > MAX_ZH_TITLE_CHARS or "。" in text or text.endswith(_SENTENCE_END):
        return False
    counts = script(text)
    latin = counts.latin
    if english and latin:
        known = set(_LATIN_WORD.findall(english.casefold()))
        latin -= sum(len(w) for w in _LATIN_WORD.findall(text.casefold()) if w in known)
    return (
        counts.cjk >= 2
        and latin < 3 * counts.cjk
        and not is_link_line(text)
        and (bool(english) or not is_section_title(text))  # under an English title: its name
        and not _BULLET.match(text)
    )


def is_prose(text: str) -> bool:
    """A sentence of a summary rather than a title: punctuated, long or left dangling."""
    last = text.rsplit(" ", 1)[-1].casefold()
    return (
        ends_sentence(text) or ". " in text or "。" in text or len(text) >= 120 or last in _DANGLING
    )


def continues_sentence(title: str, following: str) -> bool:
    """A hard-wrapped English sentence, not a title: ``…method for`` / ``efficient …``."""
    first = title.split(" ", 1)[0]
    last = title.rsplit(" ", 1)[-1].casefold()
    plain_word = first.isalpha() and first.islower()  # "efficient", but not "xLSTM" or "bGPT"
    return plain_word or last in _DANGLING or following[:1].islower()


# ------------------------------------------------------------------ links


def _trim_url(url: str) -> str:
    """Closing punctuation glued to a URL in running text is not part of it."""
    url = url.rstrip(".,;:!?'\"*_>")
    for close, open_ in ((")", "("), ("]", "[")):
        while url.endswith(close) and url.count(close) > url.count(open_):
            url = url[:-1]
    return url


def links_in(text: str) -> list[str]:
    """URLs of markdown links and bare URLs, in order, without duplicates."""
    if "http" not in text and "HTTP" not in text.upper():
        return []
    found = [m.group(2) for m in _MD_LINK.finditer(text)]
    found += [_trim_url(m.group(0)) for m in _URL.finditer(_MD_LINK.sub(" ", text))]
    return list(dict.fromkeys(url for url in found if len(url) > len("https://")))


def arxiv_in(text: str) -> str | None:
    """The arXiv id (no version) of an arXiv URL or an ``arXiv:2402.15391`` tag in ``text``."""
    if "arxiv" not in text.casefold():
        return None
    match = _ARXIV_URL.search(text) or _ARXIV_TAG.search(text)
    return match.group(1) if match else None


def strip_link_noise(text: str) -> str:
    """What is left of a line without its links, URLs, arXiv tags and link labels."""
    rest = _URL.sub(" ", _MD_LINK.sub(" ", text))
    rest = _LINK_LABELS.sub(" ", _ARXIV_TAG.sub(" ", rest))
    return rest.strip(" :：-|·•*[](),，、")


def is_link_line(text: str) -> bool:
    """Only links: ``https://…``, ``[paper](…)``, ``arXiv: 2402.15391``, ``Code: …``."""
    if "http" not in text and "arxiv" not in text.casefold():
        return False
    rest = _URL.sub(" ", _MD_LINK.sub(" ", text))
    rest = _LINK_LABELS.sub(" ", _ARXIV_TAG.sub(" ", rest))
    return rest.strip(" :：-|·•*[]()") == "" and bool(links_in(text) or arxiv_in(text))


# ------------------------------------------------------------------ markup


def strip_markup(text: str) -> str:
    """A title or heading without markdown, link labels, quotes, numbering and trailing colon."""
    text = _GENERIC_LINK.sub(" ", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _ARXIV_TAG.sub(" ", _URL.sub(" ", text))
    text = re.sub(r"^#{1,6}\s*", "", text.strip())
    text = text.replace("**", "").replace("__", "").strip("*_`~ ")
    text = " ".join(text.split())
    text = re.sub(r"(?:\s*(?:\(\s*\)|\[\s*\]|[|·•]))+$", "", text)  # "Title ()" left by a link
    while len(text) > 1 and text[0] + text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text.rstrip(":：-–—|/ ").strip()


def split_bilingual(text: str) -> tuple[str, str | None]:
    """One line holding both titles → (English, Chinese); else (text, None).

    ``English Title / 中文标题`` and ``English — 中文`` in either order; ``English Title:
    中文标题`` only with the English first and a whole title before the colon, since English
    titles hold colons themselves (``Genie: Generative Interactive Environments`` is one
    title, ``Genie：生成式交互环境`` one Chinese title).
    """
    if not _CJK.search(text):
        return text, None  # the common case, and nothing to split
    for separator in (" / ", " | ", "/", "|"):
        if separator not in text:
            continue
        left, right = (part.strip() for part in text.split(separator, 1))
        if is_en_title(left) and is_zh_title(right) and not is_en_title(right):
            return left, right
        if is_en_title(right) and is_zh_title(left) and not is_en_title(left):
            return right, left
    for match in _TITLE_SEPARATOR.finditer(text):
        left, right = text[: match.start()].strip(), text[match.end() :].strip()
        colon = match.group().strip() in (":", "：")
        if _english_only(left) and _chinese_side(right, left):
            if not colon or _whole_title(left):
                return left, right
        elif not colon and _english_only(right) and _chinese_side(left, right):
            return right, left
    return text, None


def _english_only(text: str) -> bool:
    return is_en_title(text) and not _CJK.search(text)


def _chinese_side(text: str, english: str) -> bool:
    """Chinese-dominant: a Chinese title, not an English one with a Chinese word."""
    return is_zh_title(text, english) and not is_en_title(text)


def _whole_title(text: str) -> bool:
    """More than a name: ``Genie: Generative Interactive Environments`` or three words."""
    return ":" in text or len(_LATIN_WORD.findall(text)) >= _WHOLE_TITLE_WORDS


def bullet_text(text: str) -> str:
    """A summary line: bold markers dropped, markdown bullets shown as ``•``."""
    text = text.replace("**", "")
    return _BULLET.sub("• ", text) if _BULLET.match(text) and not text.startswith("**") else text


@dataclass(frozen=True, slots=True)
class Marker:
    """A line that may start a paper: ``1. Title``, ``### Title`` or ``**Title**``."""

    kind: str  # "numbered" | "heading" | "bold"
    title: str  # cleaned; may be empty ("1." alone)
    number: int | None = None
    level: int = 0  # heading level (0 when not a heading)


def marker(text: str) -> Marker | None:
    """The marker a line is, if any (numbering, heading or a bold-only line)."""
    numbered = _NUMBERED.match(text)
    if numbered:
        level = len(text) - len(text.lstrip("#"))
        return Marker("numbered", strip_markup(numbered.group(2)), int(numbered.group(1)), level)
    heading = _HEADING.match(text)
    if heading:
        return Marker("heading", strip_markup(heading.group(2)), None, len(heading.group(1)))
    bold = _BOLD_LINE.match(text)
    if bold:
        rest = bold.group(2).strip(" :：")
        if rest and not is_link_line(rest):
            return None  # a bold lead-in of a sentence ("**Idea**: we …"), not a title
        return Marker("bold", strip_markup(bold.group(1)))
    return None


def is_bullet(text: str) -> bool:
    """A list item of a summary (``- …``, ``• …``)."""
    return bool(_BULLET.match(text))


# ------------------------------------------------------------------ page furniture


def author_of(text: str) -> str | None:
    """``作者:Youssef Hosni`` → ``Youssef Hosni``."""
    match = _AUTHOR.match(text.replace("**", ""))
    return match.group(1).strip() if match else None


def original_link(text: str) -> str | bool | None:
    """``原文链接: https://…`` → the URL; ``True`` for such a line without one; else None."""
    match = _ORIGINAL.match(text.replace("**", ""))
    if not match:
        return None
    urls = links_in(match.group(1))
    return urls[0] if urls else True


# ------------------------------------------------------------------ tables

_COLUMNS = {
    "zh": ("中文", "中文标题", "标题(中文)", "chinese", "chinese title", "译名", "zh"),
    "title": ("title", "paper", "标题", "论文", "english title", "name", "英文标题", "en"),
    "abstract": ("summary", "abstract", "tl;dr", "tldr", "摘要", "简介", "概要", "description"),
    "authors": ("authors", "author", "作者"),
    "affiliation": ("affiliation", "affiliations", "机构", "单位"),
    "venue": ("venue", "发表刊物/会议", "会议", "期刊", "conference"),
    "link": ("link", "links", "url", "arxiv", "链接", "地址", "pdf", "code"),
}
# a header cell holding one of these words names the summary column ("Gemini 摘要",
# "为什么值得看", "Key point"): the first such column, when no header is exactly a summary
_SUMMARY_WORDS = (
    "摘要",
    "summary",
    "abstract",
    "tl;dr",
    "要点",
    "key point",
    "简介",
    "为什么",
    "why",
    "亮点",
    "highlight",
    "takeaway",
    "description",
    "总结",
)


def is_table_row(text: str) -> bool:
    """``| a | b |``: a row (or rule) of a markdown table."""
    return bool(_TABLE_ROW.match(text)) and len(text) > 2


def is_table_rule(text: str) -> bool:
    """``|---|:--:|``: the line under a table header."""
    return bool(_TABLE_RULE.match(text))


def table_cells(text: str) -> list[str]:
    """The stripped cells of a table row."""
    return [cell.strip() for cell in text.strip().strip("|").split("|")]


def is_header_row(cells: list[str]) -> bool:
    """A row of column names only (``Title | Authors | Summary``): a header, not a paper."""
    labels = [strip_markup(cell).casefold() for cell in cells if cell.strip()]
    known = {alias for aliases in _COLUMNS.values() for alias in aliases}
    return len(labels) >= 2 and all(label in known for label in labels)


def table_columns(header: list[str]) -> dict[str, int]:
    """Column index per role from a header row; empty when it is not a header we know."""
    labels = [strip_markup(cell).casefold() for cell in header]
    columns: dict[str, int] = {}
    for role, aliases in _COLUMNS.items():
        for at, label in enumerate(labels):
            if at not in columns.values() and label in aliases:
                columns.setdefault(role, at)
        for at, label in enumerate(labels):
            if at not in columns.values() and any(label.startswith(a) for a in aliases):
                columns.setdefault(role, at)
    for at, label in enumerate(labels):
        if at not in columns.values() and any(word in label for word in _SUMMARY_WORDS):
            columns.setdefault("abstract", at)
    return columns if "title" in columns else {}
