"""Pure rendering of Telegram HTML: paper cards, lists, digest overviews, the weekly post.

Every interpolated value is escaped; every message is kept under Telegram's 4096
characters, splitting only between blocks (a paper is never cut in two).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.domain.texts import Raw, t
from bot.domain.views import DigestView, PaperView

MESSAGE_LIMIT = 4096
CARD_SUMMARY_CHARS = 450  # a chat screen; "More" shows the rest
CARD_BYLINE_CHARS = 200  # a long author list is cut on the short card; "More" shows all
POST_SUMMARY_CHARS = 260
LIST_TITLE_CHARS = 120

_SENTENCE_END = re.compile(r"(?<=[。!?!?])|(?<=[.!?])\s+(?=[A-Z\u4e00-\u9fff])")

_NOT_WORD = re.compile(r"\W+")


def esc(value: str) -> str:
    """Escape text for Telegram HTML (quotes only matter inside attributes)."""
    return html.escape(value, quote=False)


def esc_attr(value: str) -> str:
    """Escape a value for an HTML attribute."""
    return html.escape(value, quote=True)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word/sentence edge, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for mark in ("。", ". ", ";", ",", ",", " "):
        pos = cut.rfind(mark)
        if pos >= limit * 0.6:
            cut = cut[: pos + len(mark.strip() or mark)].rstrip()
            break
    return re.sub(r"[,;，；\s]+$", "", cut) + "…"


def summary(abstract: str, limit: int = POST_SUMMARY_CHARS, sentences: int = 2) -> str:
    """The first one or two sentences of an abstract, at most ``limit`` characters."""
    flat = " ".join(line.strip().lstrip("-•* ") for line in abstract.splitlines() if line.strip())
    parts = [p.strip() for p in _SENTENCE_END.split(flat) if p and p.strip()]
    picked = ""
    for part in parts[:sentences]:
        joined = f"{picked}{'' if picked.endswith('。') or not picked else ' '}{part}"
        if len(joined) > limit and picked:
            break
        picked = joined
    return shorten(picked or flat, limit)


def week_label(digest: DigestView, lang: str) -> str:
    """``2024-02-26 – 2024-03-01`` or ``week of …``; empty when the week is unknown."""
    if digest.week_start and digest.week_end:
        return t(lang, "week_range", start=digest.week_start, end=digest.week_end)
    if digest.week_start:
        return t(lang, "week_of", start=digest.week_start)
    return ""


def title_html(paper: PaperView) -> str:
    """The English title in bold, linked to arXiv when known."""
    title = f"<b>{esc(paper.title_en)}</b>"
    return f'<a href="{esc_attr(paper.link)}">{title}</a>' if paper.link else title


def topic_tags(paper: PaperView, lang: str) -> str:
    """Topic names as hashtags (letters, digits and ``_`` only, so Telegram links them)."""
    return " ".join(f"#{hashtag(topic.name(lang))}" for topic in paper.topics)


def hashtag(name: str) -> str:
    """``"Training & alignment"`` → ``Training_alignment``; ``"训练与对齐"`` stays."""
    return _NOT_WORD.sub("_", name).strip("_") or "topic"


def paper_card(paper: PaperView, lang: str, full: bool = False) -> tuple[str, bool]:
    """A paper card; returns (html, has_more) — has_more when the summary (or the author
    list) was trimmed."""
    lines = [title_html(paper)]
    if paper.title_zh:
        lines.append(esc(paper.title_zh))
    byline, byline_trimmed = _byline(paper, lang, full)
    lines.extend(byline)
    body = paper.abstract.strip()
    trimmed = shorten(body, CARD_SUMMARY_CHARS)
    has_more = trimmed != " ".join(body.split()) or byline_trimmed
    lines.append("")
    lines.append(esc(body if full else trimmed))
    lines.append("")
    if paper.link:
        label = f"arXiv:{paper.arxiv_id}" if paper.arxiv_id else paper.link
        lines.append(f'🔗 <a href="{esc_attr(paper.link)}">{esc(label)}</a>')
    if paper.topics:
        lines.append("🏷 " + t(lang, "card_topics", topics=Raw(topic_tags(paper, lang))))
    week = week_label(paper.digest, lang)
    source = paper.digest.title + (f" ({week})" if week else "")
    lines.append("📅 " + t(lang, "card_from", digest=source))
    text = "\n".join(lines)
    if utf16_len(text) > MESSAGE_LIMIT:  # a pathological abstract: trim to fit
        overflow = utf16_len(text) - MESSAGE_LIMIT + 10
        return paper_card_trimmed(paper, lang, max(200, len(body) - overflow)), True
    return text, has_more


def _byline(paper: PaperView, lang: str, full: bool) -> tuple[list[str], bool]:
    """The card's authors and venue lines; and whether the short card had to cut them."""
    lines: list[str] = []
    trimmed = False
    fields = (
        ("👥 ", "card_authors", "authors", paper.authors),
        ("🏛 ", "card_venue", "venue", paper.venue),
    )
    for icon, key, name, value in fields:
        text = " ".join((value or "").split())
        if not text:
            continue
        shown = text if full else shorten(text, CARD_BYLINE_CHARS)
        trimmed = trimmed or shown != text
        lines.append(icon + t(lang, key, **{name: shown}))
    return lines, trimmed


def paper_card_trimmed(paper: PaperView, lang: str, chars: int) -> str:
    """A card whose summary is cut to ``chars`` characters (for oversized abstracts);
    authors and venue are cut as on the short card."""
    clipped = replace(
        paper,
        abstract=shorten(paper.abstract, chars),
        authors=paper.authors and shorten(paper.authors, CARD_BYLINE_CHARS),
        venue=paper.venue and shorten(paper.venue, CARD_BYLINE_CHARS),
    )
    text, _ = paper_card(clipped, lang, full=True)
    return text


def paper_line(index: int, paper: PaperView, with_zh: bool = True) -> str:
    """One numbered line of a list: English title and, below it, the Chinese title."""
    line = f"{index}. {esc(shorten(paper.title_en, LIST_TITLE_CHARS))}"
    if with_zh and paper.title_zh:
        line += f"\n    <i>{esc(shorten(paper.title_zh, LIST_TITLE_CHARS))}</i>"
    return line


def digest_overview(
    digest: DigestView,
    papers: Sequence[PaperView],
    lang: str,
    start: int = 1,
    total: int | None = None,
) -> list[str]:
    """A digest's title, week and numbered paper titles, split into messages if needed.

    ``papers`` may be one page of the digest: numbering starts at ``start`` and the header
    counts ``total`` papers.
    """
    week = week_label(digest, lang)
    count = len(papers) if total is None else total
    header = t(lang, "digest_header", title=digest.title, week=week or digest.id, count=count)
    blocks = [header]
    section: str | None = None
    for index, paper in enumerate(papers, start=start):
        if paper.section and paper.section != section:
            section = paper.section
            blocks.append(f"\n<b>{esc(section)}</b>")
        blocks.append(paper_line(index, paper))
    return split_blocks(blocks, separator="\n")


def post_block(paper: PaperView, lang: str) -> str:
    """One paper in the weekly post: linked title, Chinese title, short summary, tags."""
    lines = [title_html(paper)]
    if paper.title_zh:
        lines.append(esc(paper.title_zh))
    lines.append(esc(summary(paper.abstract)))
    if paper.topics:
        lines.append(topic_tags(paper, lang))
    return "\n".join(lines)


def weekly_post(
    digest: DigestView,
    papers: Sequence[PaperView],
    lang: str,
    topic_filter: Iterable[str] = (),
    topic_names: Sequence[str] = (),
) -> list[str]:
    """The weekly post as the fewest messages under 4096 characters, in order.

    With a topic filter only the papers carrying one of those topics are included; a
    week with none becomes a one-line note.
    """
    wanted = set(topic_filter)
    week = week_label(digest, lang) or digest.id
    names = ", ".join(topic_names) or ", ".join(sorted(wanted))
    chosen = [p for p in papers if not wanted or wanted & {tp.id for tp in p.topics}]
    if wanted and not chosen:
        return [
            t(
                lang,
                "post_none_for_filter",
                title=digest.title,
                week=week,
                topics=names,
                id=digest.id,
            )
        ]
    if wanted:
        header = t(
            lang,
            "post_header_filtered",
            title=digest.title,
            week=week,
            count=len(chosen),
            total=len(papers),
            topics=names,
        )
    else:
        header = t(lang, "post_header", title=digest.title, week=week, count=len(papers))
    blocks = [header]
    section: str | None = None
    for paper in chosen:
        if paper.section and paper.section != section:
            section = paper.section
            blocks.append(f"▎<b>{esc(section)}</b>")
        blocks.append(post_block(paper, lang))
    return split_blocks(blocks, separator="\n\n", keep_heading_with_next=True)


def split_blocks(
    blocks: Sequence[str],
    separator: str = "\n\n",
    limit: int = MESSAGE_LIMIT,
    keep_heading_with_next: bool = False,
) -> list[str]:
    """Pack blocks into as few messages as fit ``limit``; never splits a block.

    A single block over the limit (which renderers avoid) is cut at a line edge as a
    last resort so the message is still accepted. With ``keep_heading_with_next`` a
    section heading (a block starting with ``▎``) never ends a message.
    """
    messages: list[str] = []
    current: list[str] = []
    size = 0
    sep_len = utf16_len(separator)
    for block in blocks:
        for piece in _fit(block, limit):
            piece_len = utf16_len(piece)
            extra = piece_len + (sep_len if current else 0)
            if current and size + extra > limit:
                carry: list[str] = []
                if keep_heading_with_next and current[-1].startswith("▎") and len(current) > 1:
                    carry = [current.pop()]
                messages.append(separator.join(current))
                current = carry
                size = sum(utf16_len(c) for c in current) + sep_len * max(0, len(current) - 1)
                extra = piece_len + (sep_len if current else 0)
            current.append(piece)
            size += extra
    if current:
        messages.append(separator.join(current))
    return messages


def _fit(block: str, limit: int) -> list[str]:
    if utf16_len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        while utf16_len(line) > limit:  # one enormous line: hard cut (plain text only)
            pieces.append(line[: limit // 2])
            line = line[limit // 2 :]
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces
