"""Pure rendering of Telegram HTML: paper cards, lists, digest overviews, the weekly post.

Every interpolated value is escaped; every message is kept under Telegram's 4096
characters, splitting only between blocks (a paper is never cut in two).
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.domain.texts import Raw, t
from bot.domain.views import DigestView, PaperView

MESSAGE_LIMIT = 4096
MAX_POST_PARTS = 5  # messages per chat for one weekly post; the rest is behind /digest <id>
CARD_SUMMARY_CHARS = 450  # a chat screen; "More" shows the rest
CARD_BYLINE_CHARS = 200  # a long author list is cut on the short card; "More" shows all
FULL_SUMMARY_CHARS = 3000  # "More" shows this much (stored text is kept whole)
POST_SUMMARY_CHARS = 260
LIST_TITLE_CHARS = 120
TITLE_CHARS = 300  # a title longer than this is not a title; cut so every message fits

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[.!?])\s+(?=[A-Z\u4e00-\u9fff])")

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
    for mark in ("。", ". ", "；", ";", "，", ",", " "):
        pos = cut.rfind(mark)
        if pos >= limit * 0.6:
            cut = cut[: pos + len(mark.strip() or mark)].rstrip()
            break
    return re.sub(r"[,;，；\s]+$", "", cut) + "…"


def clip_at_sentence(text: str, limit: int) -> str:
    """``text`` as written when it fits ``limit``; else cut after its last sentence within
    ``limit`` (or at a word edge when there is none), with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[。！？!?]|[.!?](?=\s)", head)]
    if ends and ends[-1] >= limit * 0.6:
        cut = head[: ends[-1]].rstrip()
        return cut + ("…" if cut.endswith(("。", "！", "？")) else " …")
    return shorten(head, limit)


def summary(abstract: str, limit: int = POST_SUMMARY_CHARS, sentences: int = 2) -> str:
    """The first one or two sentences of an abstract, at most ``limit`` characters."""
    abstract = abstract[: limit * 8]  # a huge abstract costs no more than a normal one
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
    title = f"<b>{esc(shorten(paper.title_en, TITLE_CHARS))}</b>"
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
    expanded = clip_at_sentence(body, FULL_SUMMARY_CHARS)
    trimmed = shorten(expanded, CARD_SUMMARY_CHARS)
    has_more = expanded != body or trimmed != " ".join(body.split()) or byline_trimmed
    lines.append("")
    lines.append(esc(expanded if full else trimmed))
    lines.append("")
    if paper.link:
        label = f"arXiv:{paper.arxiv_id}" if paper.arxiv_id else paper.link
        lines.append(f'🔗 <a href="{esc_attr(paper.link)}">{esc(label)}</a>')
    if paper.topics:
        lines.append("🏷 " + t(lang, "card_topics", topics=Raw(topic_tags(paper, lang))))
    week = week_label(paper.digest, lang)
    source = shorten(paper.digest.title, TITLE_CHARS) + (f" ({week})" if week else "")
    lines.append("📅 " + t(lang, "card_from", digest=source))
    if paper.also_in:  # the same paper in other digests: one card names them all
        lines.append("🔁 " + t(lang, "card_also_in", digests=", ".join(paper.also_in)))
    text = "\n".join(lines)
    if utf16_len(text) > MESSAGE_LIMIT:  # a pathological abstract: trim to fit
        overflow = utf16_len(text) - MESSAGE_LIMIT + 10
        return paper_card_trimmed(paper, lang, max(200, len(expanded) - overflow)), True
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
    title = shorten(digest.title, TITLE_CHARS)
    header = t(lang, "digest_header", title=title, week=week or digest.id, count=count)
    blocks = [header]
    section: str | None = None
    for index, paper in enumerate(papers, start=start):
        if paper.section and paper.section != section:
            section = paper.section
            blocks.append(f"\n<b>{esc(section)}</b>")
        blocks.append(paper_line(index, paper))
    return split_blocks(blocks, separator="\n")


@functools.lru_cache(maxsize=1024)
def post_block(paper: PaperView, lang: str) -> str:
    """One paper in the weekly post: linked title, Chinese title, short summary, tags
    (remembered: a personalised broadcast renders the same papers in many orders)."""
    lines = [title_html(paper)]
    if paper.title_zh:
        lines.append(esc(paper.title_zh))
    lines.append(esc(summary(paper.abstract)))
    if paper.topics:
        lines.append(topic_tags(paper, lang))
    return "\n".join(lines)


@dataclass(frozen=True)
class PostPlan:
    """One chat's own order of a weekly post: the papers its watches match first (marked
    🔔 with the watch), then those it would like ("For this chat"), then the rest in
    digest order; ``only_watched``: just the watched papers."""

    watched: Mapping[int, str] = field(default_factory=dict)  # paper id → the watch
    liked: tuple[int, ...] = ()
    only_watched: bool = False

    def tag(self) -> str:
        """A short name of this plan: chats with the same plan share one stored render."""
        key = repr((sorted(self.watched.items()), self.liked, self.only_watched))
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def _planned(
    chosen: Sequence[PaperView], plan: PostPlan, lang: str
) -> list[tuple[PaperView, str | None]]:
    """``chosen`` in the plan's order, each with the heading line that goes above it."""
    watched = [p for p in chosen if p.id in plan.watched]
    if plan.only_watched:
        return [(p, t(lang, "post_watch_mark", query=plan.watched[p.id])) for p in watched]
    by_id = {p.id: p for p in chosen}
    liked = [by_id[i] for i in plan.liked if i in by_id and i not in plan.watched]
    first = {p.id for p in watched} | {p.id for p in liked}
    rest = [p for p in chosen if p.id not in first]
    out: list[tuple[PaperView, str | None]] = [
        (p, t(lang, "post_watch_mark", query=plan.watched[p.id])) for p in watched
    ]
    out += [(p, t(lang, "post_for_chat") if i == 0 else None) for i, p in enumerate(liked)]
    out += [(p, t(lang, "post_the_rest") if i == 0 and first else None) for i, p in enumerate(rest)]
    return out


def weekly_post(
    digest: DigestView,
    papers: Sequence[PaperView],
    lang: str,
    topic_filter: Iterable[str] = (),
    topic_names: Sequence[str] = (),
    plan: PostPlan | None = None,
) -> list[str]:
    """The weekly post as the fewest messages under 4096 characters, in order.

    With a topic filter only the papers carrying one of those topics are included; a
    week with none becomes a one-line note. A post longer than ``MAX_POST_PARTS`` messages
    ends with "… and K more — /digest <id>" instead. A ``plan`` puts one chat's papers in
    its own order (see :class:`PostPlan`).
    """
    wanted = set(topic_filter)
    title = shorten(digest.title, TITLE_CHARS)
    week = week_label(digest, lang) or digest.id
    names = ", ".join(topic_names) or ", ".join(sorted(wanted))
    chosen = [p for p in papers if not wanted or wanted & {tp.id for tp in p.topics}]
    if plan is not None:
        return _personal_post(digest, papers, chosen, lang, plan, (title, week, names))
    if wanted and not chosen:
        return [
            t(
                lang,
                "post_none_for_filter",
                title=title,
                week=week,
                topics=names,
                id=digest.id,
            )
        ]
    if wanted:
        header = t(
            lang,
            "post_header_filtered",
            title=title,
            week=week,
            count=len(chosen),
            total=len(papers),
            topics=names,
        )
    else:
        header = t(lang, "post_header", title=title, week=week, count=len(papers))
    paper_blocks: list[list[str]] = []  # each paper's block, after its section heading
    section: str | None = None
    for paper in chosen:
        heading: list[str] = []
        if paper.section and paper.section != section:
            section = paper.section
            heading = [f"▎<b>{esc(section)}</b>"]
        paper_blocks.append([*heading, post_block(paper, lang)])

    return _fitted(header, paper_blocks, lang, digest.id)


def _personal_post(
    digest: DigestView,
    papers: Sequence[PaperView],
    chosen: Sequence[PaperView],
    lang: str,
    plan: PostPlan,
    labels: tuple[str, str, str],
) -> list[str]:
    """The weekly post in one chat's order (see :class:`PostPlan`)."""
    title, week, names = labels
    ordered = _planned(chosen, plan, lang)
    if plan.only_watched:
        header = t(
            lang,
            "post_header_watches",
            title=title,
            week=week,
            count=len(ordered),
            total=len(papers),
        )
    elif len(chosen) < len(papers):
        header = t(
            lang,
            "post_header_filtered",
            title=title,
            week=week,
            count=len(chosen),
            total=len(papers),
            topics=names,
        )
    else:
        header = t(lang, "post_header", title=title, week=week, count=len(papers))
    blocks: list[list[str]] = []
    for paper, heading in ordered:
        block = post_block(paper, lang)
        if heading and not heading.startswith("▎"):  # a 🔔 mark heads its own paper's block
            blocks.append([f"{heading}\n{block}"])
        else:
            blocks.append([heading, block] if heading else [block])
    return _fitted(header, blocks, lang, digest.id)


def _fitted(header: str, paper_blocks: list[list[str]], lang: str, digest_id: str) -> list[str]:
    """The header and paper blocks in at most ``MAX_POST_PARTS`` messages."""

    def post_of(kept: int) -> list[str]:
        blocks = [header, *(b for pair in paper_blocks[:kept] for b in pair)]
        if kept < len(paper_blocks):
            blocks.append(t(lang, "post_more", count=len(paper_blocks) - kept, id=digest_id))
        return split_blocks(blocks, separator="\n\n", keep_heading_with_next=True)

    messages = post_of(len(paper_blocks))
    if len(messages) <= MAX_POST_PARTS:
        return messages
    # too long for a chat: the most papers that fit, then "… and K more — /digest <id>"
    low, high = 0, len(paper_blocks) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if len(post_of(middle)) <= MAX_POST_PARTS:
            low = middle
        else:
            high = middle - 1
    return post_of(low)


def split_blocks(
    blocks: Sequence[str],
    separator: str = "\n\n",
    limit: int = MESSAGE_LIMIT,
    keep_heading_with_next: bool = False,
) -> list[str]:
    """Pack blocks (rendered units: a header, a paper) into as few messages as fit ``limit``;
    a block that fits is never split.

    A single block over the limit (which renderers avoid) is cut between its lines, never
    inside a tag; a line that is itself too long (or whose tags span lines) is cut as plain
    text and re-escaped, so every message stays valid Telegram HTML. With
    ``keep_heading_with_next`` a section heading (a block starting with ``▎``) never ends a
    message.
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
    for line in _safe_lines(block, limit):
        candidate = f"{current}\n{line}" if current else line
        if current and utf16_len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()]  # Telegram refuses empty messages


_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^<>]*>")


def _balanced(fragment: str) -> bool:
    """Whether every tag opened in ``fragment`` is closed in it, in order."""
    stack: list[str] = []
    for match in _TAG.finditer(fragment):
        name = match.group(2).lower()
        if not match.group(1):
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def plain_text(fragment: str) -> str:
    """The text a reader sees of an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", fragment))


def _safe_lines(block: str, limit: int) -> Iterable[str]:
    """The block's lines, each valid HTML on its own and within ``limit``."""
    for line in block.split("\n"):
        if utf16_len(line) <= limit and _balanced(line):
            yield line
        else:
            yield from cut_plain(plain_text(line), limit)


def cut_plain(text: str, limit: int) -> list[str]:
    """Plain ``text`` escaped and cut into pieces of at most ``limit`` UTF-16 units, at a
    space where there is one in the second half of a piece."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        size = 0
        end = start
        while end < len(text):
            size += utf16_len(esc(text[end]))
            if size > limit:
                break
            end += 1
        if end < len(text):
            space = text.rfind(" ", start, end)
            if space > start + (end - start) // 2:
                end = space + 1
        pieces.append(esc(text[start:end]))
        start = end
    return pieces
