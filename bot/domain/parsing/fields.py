"""Paper fields from blocks: arXiv ids, links, labelled field lines, titles and descriptions.

Field labels (``**作者:**``, ``Authors:``, ``- **简介:** …``, ``**Category**:``) are data in
:data:`FIELD_LABELS`: each label has a role — ``authors`` and ``venue`` are stored apart,
``summary`` lines join the summary without their label, ``links`` and ``drop`` lines
never reach the summary.
"""

from __future__ import annotations

import re

from bot.domain.parsing import lines as fmt
from bot.domain.parsing.blocks import Block, Link

# role → labels (casefolded, without the colon); a line "<label>: value" has that role
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "authors": ("作者", "authors", "author", "研究机构/作者", "作者/机构", "by"),
    "venue": (
        "发表刊物/会议",
        "发表刊物",
        "发表会议",
        "会议",
        "期刊",
        "刊物",
        "venue",
        "published in",
        "conference",
        "journal",
    ),
    "links": (
        "链接",
        "论文地址",
        "论文链接",
        "代码",
        "代码地址",
        "项目主页",
        "地址",
        "link",
        "links",
        "paper",
        "code",
        "project",
        "project page",
        "主页",
        "urls",
        "pdf",
        "arxiv",
        "github",
        "url",
    ),
    "title": (
        "论文标题",
        "论文题目",
        "论文名称",
        "英文标题",
        "标题",
        "题目",
        "title",
        "paper title",
    ),
    "zh": ("中文标题", "中文题目", "中文名", "中文名称", "译名", "chinese title"),
    "drop": (
        "分类",
        "备注",
        "category",
        "categories",
        "tags",
        "标签",
        "comments",
        "评论",
        "关键词",
        "keywords",
        # affiliations and years are facts about the paper, never its summary
        "affiliation",
        "affiliations",
        "机构",
        "单位",
        "所属机构",
        "作者隶属机构",
        "隶属机构",
        "作者单位",
        "year",
        "发表年份",
        "年份",
        "date",
        "日期",
        "发布时间",
        "score",
        "评分",
        "rating",
        "stars",
    ),
    "summary": (
        "简介",
        "摘要",
        "summary",
        "abstract",
        "tl;dr",
        "tldr",
        "takeaway",
        "概要",
        "总结",
        "要点",
        "key point",
        "key points",
        "ai摘要",
        "ai summary",
    ),
}
_ROLE_OF = {label: role for role, labels in FIELD_LABELS.items() for label in labels}
_FIELD = re.compile(r"^\s*([^:：]{1,20}?)\s*[:：]\s*(.*)$", re.DOTALL)
MAX_LABEL_CHARS = 30  # a bold-only line longer than this is text, not a label

_ARXIV = re.compile(
    r"(?:arxiv\.org(?:\.[a-z]+)*/(?:abs|pdf|html)/|huggingface\.co/papers/|papers\.cool/arxiv/"
    r"|alphaxiv\.org/(?:abs/|overview/)?)"
    r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
# where a paper itself lives: a link to one of these is a paper's signature
PAPER_SITES: tuple[str, ...] = (
    r"arxiv\.org/(?:abs|pdf|html)/",
    r"huggingface\.co/papers/\d",
    r"alphaxiv\.org/",
    r"papers\.cool/arxiv/",
    r"openreview\.net/(?:forum|pdf)\?",
    r"semanticscholar\.org/(?:paper|arxiv)/",
    r"aclanthology\.org/[\w.-]+\d",
    r"(?:dx\.)?doi\.org/10\.",
    r"paperswithcode\.com/paper/",
    r"dl\.acm\.org/doi/",
    r"ieeexplore\.ieee\.org/(?:document|abstract)/",
    r"proceedings\.(?:mlr\.press|neurips\.cc)/",
    r"openaccess\.thecvf\.com/",
)
_PAPER_SITE = re.compile("|".join(PAPER_SITES), re.IGNORECASE)
_SOCIAL = re.compile(r"^https?://(?:www\.)?(?:twitter\.com|x\.com|t\.co)/", re.IGNORECASE)
_PAPER_LABEL = re.compile(r"^(?:paper|arxiv|pdf|论文|原文)\b", re.IGNORECASE)
_TAG_PREFIX = re.compile(r"^\s*(?:\[[^\]]{1,20}\]|【[^】]{1,20}】)\s*(?=\S)")
_DESCRIPTION_SEP = re.compile(r"^\s*(?:[-–—:：]|\*\s*-)\s*")
_HAN_DIGITS = "一二三四五六七八九"
_HAN_NUMBER = r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_NUMBERED_LINE = re.compile(
    rf"^\s*第?(?:(?P<digits>\d{{1,3}}|{_HAN_NUMBER})\s*[、．.)）](?!\d)|[(（](?P<paren>\d{{1,3}}|{_HAN_NUMBER})[)）])"
    r"\s*(?P<rest>\S.*)$"
)
_NUMBER_PREFIX = re.compile(r"^\s*[(（]?\d{1,3}\s*[.)、．）]\s*")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or"}
    | {"the", "to", "via", "vs", "with", "without"}
)


def arxiv_of(url: str) -> str | None:
    """The arXiv id (version dropped) of an arXiv, Hugging Face papers, papers.cool or
    alphaXiv URL."""
    match = _ARXIV.search(url)
    return match.group(1) if match else None


def is_paper_url(url: str) -> bool:
    """A URL of a paper page (:data:`PAPER_SITES`): the strongest sign of a paper record."""
    return _PAPER_SITE.search(url) is not None


def is_paper_link(link: Link) -> bool:
    """A link to the paper itself: a paper site, or labelled paper/PDF."""
    return is_paper_url(link.url) or bool(_PAPER_LABEL.match(link.label.strip()))


def best_arxiv(links: list[Link]) -> str | None:
    """The id from the link labelled as the paper, else the first arXiv-like link."""
    labelled = [link for link in links if _PAPER_LABEL.match(link.label.strip())]
    for link in labelled or links:
        found = arxiv_of(link.url)
        if found:
            return found
    return None


def kept_links(links: list[Link]) -> tuple[str, ...]:
    """Links worth storing: web links that are not the arXiv page nor social posts."""
    urls = (link.url for link in links if link.url.startswith(("http://", "https://")))
    return tuple(dict.fromkeys(url for url in urls if not arxiv_of(url) and not _SOCIAL.match(url)))


def field_of(block: Block) -> tuple[str, str] | None:
    """``(role, value)`` of a labelled field line, or None for ordinary text."""
    if block.field:
        return block.field, block.text
    match = _FIELD.match(block.text)
    if not match:
        return None
    label = _label_key(match.group(1))
    role = role_of(label)
    if role is None:
        return None
    lead = _label_key(block.lead)
    labelled_by_markup = bool(lead) and (lead == label or lead.startswith(label))
    if not labelled_by_markup and role in ("drop", "links") and len(label) < 3 and label.isascii():
        return None
    if not labelled_by_markup and role == "summary" and block.quoted:
        return None  # "> TL;DR: …" quoted as the authors wrote it: their text
    return role, match.group(2).strip()


_LABEL_DRESSING = re.compile(r"^[^\w\u4e00-\u9fff]+|[^\w\u4e00-\u9fff)）]+$")


_QUALIFIER = re.compile(r"\s*[(（][^)）]{1,12}[)）]$")
_SUMMARY_ENDINGS = ("摘要", "summary", "abstract", "tl;dr", "tldr")


def role_of(label: str) -> str | None:
    """The role of a label (already a :func:`_label_key`): as listed, without a qualifier
    (``Abstract (English)``, ``摘要（中文）``), or a summary by its ending (``原始摘要``)."""
    role = _ROLE_OF.get(label)
    if role is None and _QUALIFIER.search(label):
        role = _ROLE_OF.get(_QUALIFIER.sub("", label))
    if role is None and len(label) <= MAX_LABEL_CHARS and label.endswith(_SUMMARY_ENDINGS):
        role = "summary"
    return role


def is_label_text(text: str) -> bool:
    """A whole line that is only a field label (``原始摘要``, ``Abstract:``)."""
    key = _label_key(text)
    return bool(key) and len(key) <= MAX_LABEL_CHARS and role_of(key) is not None


def _label_key(label: str) -> str:
    """A label as looked up: emphasis, emoji, colons and an item number around it dropped
    (``👥 Authors``, ``**1. 论文标题：**``)."""
    key = _LABEL_DRESSING.sub("", label.strip(" *_:："))
    return _LABEL_DRESSING.sub("", _NUMBER_PREFIX.sub("", key)).casefold()


def looks_like_field(title: str) -> bool:
    """A "title" that is a field line (``会议： NeurIPS``) or image markup (``![fig](…)``)."""
    if title.startswith(("!", "[")):
        return True
    match = _FIELD.match(title)
    return match is not None and role_of(_label_key(match.group(1))) is not None


_NAME = re.compile(
    r"^(?:[A-Z][\w'’.-]*|[a-z]{1,3}|[A-Z]\.)(?: (?:[A-Z][\w'’.-]*|[a-z]{1,3}|[A-Z]\.)){0,4}$"
)
_NAME_SEPARATOR = re.compile(r"\s*(?:,|，|、|;|\band\b)\s*")
MIN_NAMES = 3  # "A, B, C": a list of people, not a sentence


def looks_like_names(text: str) -> bool:
    """A line that is only people's names (``Ana Pires,Joel Kim,Tao Reyes et al.``)."""
    text = text.strip(" *_").removesuffix("et al.").removesuffix("等").strip(" ,")
    names = [name for name in _NAME_SEPARATOR.split(text) if name]
    return len(names) >= MIN_NAMES and all(_NAME.match(name) for name in names)


def labels_a_field(block: Block) -> bool:
    """A short lead followed by a colon (``**评分**: 82``, ``**Authors:** …``): the lead
    names a field of an entry; it is never a paper's title."""
    lead = block.lead.strip()
    if not lead or len(lead) > MAX_LABEL_CHARS or block.lead_url:
        return False
    return lead.endswith((":", "：")) or block.rest.lstrip().startswith((":", "："))


def is_label(block: Block) -> bool:
    """A short all-bold line inside an entry (``**1. 主要工作**``): a label, not text."""
    return (
        block.bold_only
        and block.lead_url is None
        and len(block.text) <= MAX_LABEL_CHARS
        and not block.links
    )


def is_link_line(block: Block) -> bool:
    """Only links: ``[中文标题](url)``, a bare URL, ``[Paper](…), [Code](…)``."""
    text = block.text
    for link in block.links:
        text = text.replace(link.label, " ", 1)
    text = fmt.strip_link_noise(text)
    return bool(block.links or fmt.links_in(block.text)) and not text


_LATEX_WRAP = re.compile(r"\$?\\(?:textbf|textit|texttt|text|mathrm|mathbf|emph)\{([^{}]*)\}\$?")
# a bracketed tail of link words only, once its links are cut: "(Read more on arXiv or HF)"
_LINK_TAIL = re.compile(r"\s*[(（]([^()（）]{0,80})[)）]\s*$")
_LINK_TAIL_WORDS = 6


def without_link_tail(text: str, links: tuple[Link, ...]) -> str:
    """A title without a trailing ``(Read more on [arXiv](…) or [HF](…))``: the bracket
    holds links and at most a few words besides."""
    found = _LINK_TAIL.search(text)
    if found is None or not links:
        return text
    inside = found.group(1)
    labels = [link.label for link in links if link.label and link.label in inside]
    if not labels:
        return text
    for label in labels:
        inside = inside.replace(label, " ")
    return text[: found.start()] if len(inside.split()) <= _LINK_TAIL_WORDS else text


def clean_title(text: str) -> str:
    """A heading or lead as a title: tag prefixes (``[new 001]``), numbering and LaTeX
    wrappers (``$\\textbf{Only-IF}$``) dropped."""
    text = _TAG_PREFIX.sub("", text)
    if "\\" in text:
        text = _LATEX_WRAP.sub(lambda m: m.group(1), text)
    marker = fmt.marker(text)
    if marker is not None and marker.kind == "numbered" and marker.title:
        text = marker.title
    return fmt.strip_markup(text)


def numbering(text: str) -> tuple[int, str] | None:
    """``一、标题`` / ``第二、…`` / ``3、Title`` / ``(4) Title`` → (number, the rest)."""
    match = _NUMBERED_LINE.match(text)
    if not match:
        return None
    digits = match.group("digits") or match.group("paren")
    if digits.isdigit():
        return int(digits), match.group("rest")
    tens, _, ones = digits.rpartition("十")
    if "十" not in digits:
        return _HAN_DIGITS.index(digits) + 1, match.group("rest")
    value = (_HAN_DIGITS.index(tens) + 1 if tens else 1) * 10
    return value + (_HAN_DIGITS.index(ones) + 1 if ones else 0), match.group("rest")


def strip_numbering(text: str) -> str:
    """``1) Title`` → ``Title``, keeping the spacing after it."""
    return _NUMBER_PREFIX.sub("", text, count=1)


def split_title(text: str) -> tuple[str, str]:
    """``Title  description`` (or ``Title Introduces a …``) → (title, description).

    The earlier of two cues wins: a double space, or a capitalised word followed by two
    lowercase words (a sentence starting after a title-cased title).
    """
    first, _, rest = text.partition("\n")
    words = first.split(" ")
    cut = len(words)
    if "  " in first:
        cut = len(first.partition("  ")[0].split(" "))
    for at in range(1, min(cut, len(words) - 2)):
        word, after = words[at], words[at + 1 : at + 3]
        if (
            word[:1].isupper()
            and word.isalpha()
            and all(w.isalpha() and w.islower() for w in after)
            and not all(w in _SMALL_WORDS for w in after)
        ):
            cut = at
            break
    title = " ".join(words[:cut]).strip()
    description = " ".join(words[cut:]).strip()
    return title, "\n".join(part for part in (description, rest) if part)


def description(rest: str) -> str:
    """The text after a bold title, without the ``-``/``:`` joining them."""
    return _DESCRIPTION_SEP.sub("", rest, count=1).strip()
