"""Pure rendering of the reading list, /top, and the labels of the 📌 Save buttons.

A 📌 button's label shows whether the paper is on this chat's list where the message
belongs to one chat (a card, a result list, a chat's weekly post): pressing it relabels
just that button (:func:`toggled_label`), whatever message it is under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.render import LIST_TITLE_CHARS, esc, shorten, title_html
from bot.domain.texts import LANGS, t
from bot.domain.views import PaperView

SAVE_MARK = "📌 "  # a list's or a post's button: "📌 3" / "📌 Genie: Generative…"
SAVED_MARK = "✓ "  # the same button once the paper is on the list
POST_LABEL_CHARS = 24  # a post's button names its paper; two fit side by side on a phone
PERIOD_DAYS = {"week": 7, "month": 30, "all": None}


@dataclass(frozen=True, slots=True)
class ListedPaper:
    """A paper on a chat's list, as /reading shows it."""

    paper: PaperView
    saved_by_name: str  # "" when the bot saved it (a poll's winner)
    saved_at: datetime
    read: bool


@dataclass(frozen=True, slots=True)
class RankedPaper:
    """A paper of /top with its counts."""

    paper: PaperView
    saves: int
    votes: int


def card_save_label(saved: bool, lang: str) -> str:
    """The 📌 button under a card: "📌 Save" or "✓ Saved — remove"."""
    return t(lang, "saved_button" if saved else "save_button")


def list_save_label(text: str, saved: bool) -> str:
    """A list's or a post's 📌 button: the number or short title after 📌 or ✓."""
    return (SAVED_MARK if saved else SAVE_MARK) + text


def post_save_label(paper: PaperView) -> str:
    """The weekly post's 📌 button of one paper (a post goes to many chats: no state)."""
    return list_save_label(shorten(paper.title_en, POST_LABEL_CHARS), saved=False)


def papers_in_post_part(part: str, papers: Sequence[PaperView]) -> list[PaperView]:
    """The papers one message of a weekly post shows, in the order it shows them (each
    paper's block has its linked title, which names it exactly; a chat's own post may
    put them in another order than the digest's)."""
    found = [(part.find(title_html(paper)), paper) for paper in papers]
    return [paper for at, paper in sorted(found, key=lambda f: f[0]) if at >= 0]


def toggled_label(label: str, saved: bool) -> str:
    """The pressed 📌 button's label after the paper was saved (or removed), in the
    language it was written in."""
    for code in LANGS:
        if label in (card_save_label(True, code), card_save_label(False, code)):
            return card_save_label(saved, code)
    for mark in (SAVE_MARK, SAVED_MARK):
        if label.startswith(mark):
            return list_save_label(label.removeprefix(mark), saved)
    return label


def reading_text(
    lang: str, listed: Sequence[ListedPaper], start: int, total: int, page: int, pages: int
) -> str:
    """One page of the chat's reading list: number, ✓ when read, title, who saved it when."""
    lines = [t(lang, "reading_header", total=total, page=page + 1, pages=pages)]
    for index, item in enumerate(listed, start=start):
        mark = "✓ " if item.read else ""
        title = esc(shorten(item.paper.title_en, LIST_TITLE_CHARS))
        name = item.saved_by_name or t(lang, "saved_by_bot")
        lines.append(f"{index}. {mark}{title}")
        lines.append("    " + t(lang, "saved_by", name=name, date=item.saved_at.date().isoformat()))
    return "\n".join(lines)


def top_text(lang: str, ranked: Sequence[RankedPaper], period: str, everywhere: bool) -> str:
    """/top: the most saved (and voted) papers of this chat, or of all chats."""
    period_name = t(lang, f"period_{period}")
    key = "top_header_global" if everywhere else "top_header"
    lines = [t(lang, key, period=period_name)]
    for index, row in enumerate(ranked, start=1):
        counts = f"📌 {row.saves}" + (f" · 🗳 {row.votes}" if row.votes else "")
        title = esc(shorten(row.paper.title_en, LIST_TITLE_CHARS))
        lines.append(f"{index}. {title} — {counts}")
    return "\n".join(lines)
