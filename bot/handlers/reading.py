"""The chat's reading list: the 📌 Save buttons, /reading, /bib and /top.

A group's list is shared: anyone may save, and the one who saved a paper, a chat admin or a
bot admin may take it off; a private chat's list is its user's own. Pressing 📌 answers
with a toast and relabels only the pressed button, so no message is added to the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.domain.bibtex import bibtex
from bot.domain.callbacks import OpenPaper, ReadingMark, ReadingPage, ReadingRemove, SavePaper
from bot.domain.reading import (
    PERIOD_DAYS,
    ListedPaper,
    RankedPaper,
    card_save_label,
    list_save_label,
    reading_text,
    toggled_label,
    top_text,
)
from bot.domain.render import esc, shorten
from bot.domain.search_kinds import MatchKind
from bot.domain.search_tokens import arxiv_ids
from bot.domain.texts import t
from bot.domain.views import PaperView
from bot.handlers.buttons import answer_stale, edit_in_place, show_page
from bot.handlers.common import (
    browse_button,
    is_chat_admin,
    keyboard,
    page_count,
    pager,
    paper_buttons,
    query_text,
    reply,
    user_lang,
)
from bot.services import db
from bot.services.answers import PAGE_SIZE
from bot.services.context import BotContext
from bot.store.polls import top_with_votes
from bot.store.reading import ReadingItem

log = logging.getLogger(__name__)
BIB_FILE_NAME = "reading-list.bib"
TOP_SIZE = 10

# --------------------------------------------------------------------------- buttons


def card_save_row(paper: PaperView, saved: bool, lang: str) -> list[InlineKeyboardButton]:
    """The 📌 button under a card."""
    label = card_save_label(saved, lang)
    return [InlineKeyboardButton(label, callback_data=SavePaper(paper.id).pack())]


def list_save_rows(
    papers: Sequence[PaperView], saved: set[int], start: int = 1, per_row: int = 5
) -> list[list[InlineKeyboardButton]]:
    """A list's 📌 buttons, numbered like its papers ("📌 3", "✓ 3" once saved)."""
    buttons = [
        InlineKeyboardButton(
            list_save_label(str(start + index), paper.id in saved),
            callback_data=SavePaper(paper.id).pack(),
        )
        for index, paper in enumerate(papers)
    ]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def chat_id_of(update: Update) -> int | None:
    """The chat whose reading list marks the 📌 buttons (None: inline mode)."""
    chat = update.effective_chat
    return chat.id if chat else None


def saver_name(user: User | None) -> str:
    """How the list names who saved a paper: their name as Telegram shows it."""
    if user is None:
        return ""
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


async def may_remove(update: Update, context: BotContext, item: ReadingItem) -> bool:
    """Whoever saved it, anyone in a private chat, a bot admin, or a chat admin."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if item.saved_by == user.id or chat.type == ChatType.PRIVATE:
        return True
    return await is_chat_admin(context, chat.id, user.id)


async def _refuse_removal(query: CallbackQuery, item: ReadingItem, lang: str) -> None:
    name = item.saved_by_name or t(lang, "saved_by_bot")
    await query.answer(t(lang, "remove_refused", name=shorten(name, 60)))


# --------------------------------------------------------------------------- 📌 Save


async def save_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: SavePaper
) -> None:
    """Button ``sv:<id>``: save the paper to this chat's list, or take it off."""
    lang = user_lang(update)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:  # a card posted inline: no chat to keep a list for
        await answer_stale(update, query)
        return
    services = context.services
    paper = await db(services.library.paper, button.paper_id)
    if paper is None:
        await query.answer(t(lang, "paper_gone"), show_alert=True)
        return
    item = await db(services.reading.entry, chat.id, paper.id)
    if item is None:
        await db(services.reading.save, chat.id, paper.id, user.id, saver_name(user))
        saved, toast = True, t(lang, "saved_toast")
    elif await may_remove(update, context, item):
        await db(services.reading.remove, chat.id, paper.id)
        saved, toast = False, t(lang, "removed_toast")
    else:
        await _refuse_removal(query, item, lang)
        return
    services.relevance.touch(chat.id)  # a save is a signal: retrain off the reply path
    await query.answer(toast)
    await _relabel(query, saved)


async def _relabel(query: CallbackQuery, saved: bool) -> None:
    """Show the new state on the pressed button only (the rest of the message stays)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows: list[list[InlineKeyboardButton]] = []
    changed = False
    for row in message.reply_markup.inline_keyboard:
        new_row: list[InlineKeyboardButton] = []
        for button in row:
            if button.callback_data == query.data:
                label = toggled_label(button.text, saved)
                changed = changed or label != button.text
                button = InlineKeyboardButton(label, callback_data=button.callback_data)
            new_row.append(button)
        rows.append(new_row)
    if not changed:
        return
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest as exc:  # pressed twice at once: the first edit already shows it
        if "not modified" not in exc.message.lower():
            raise


# --------------------------------------------------------------------------- /reading


async def reading_page(
    context: BotContext,
    chat_id: int,
    page: int,
    lang: str,
    browse: InlineKeyboardButton | None = None,
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """One page of the chat's list with its buttons (and 🔎 ``browse`` under them, when
    the Mini App is on); None if there is no such page."""
    services = context.services
    items, total = await db(services.reading.page, chat_id, page * PAGE_SIZE, PAGE_SIZE)
    browse_row = [browse] if browse is not None else []
    if total == 0:
        return t(lang, "reading_empty"), keyboard([browse_row])
    pages = page_count(total)
    if page >= pages:
        return None
    papers = {p.id: p for p in await db(services.library.papers, [i.paper_id for i in items])}
    listed = [
        (item, ListedPaper(papers[item.paper_id], item.saved_by_name, item.saved_at, item.is_read))
        for item in items
        if item.paper_id in papers
    ]
    start = page * PAGE_SIZE + 1
    text = reading_text(lang, [entry for _, entry in listed], start, total, page, pages)
    rows = [
        [
            InlineKeyboardButton(str(start + index), callback_data=OpenPaper(item.paper_id).pack()),
            InlineKeyboardButton(
                t(lang, "mark_unread" if item.is_read else "mark_read"),
                callback_data=ReadingMark(item.paper_id, page, read=not item.is_read).pack(),
            ),
            InlineKeyboardButton(
                t(lang, "remove"), callback_data=ReadingRemove(item.paper_id, page).pack()
            ),
        ]
        for index, (item, _) in enumerate(listed)
    ]
    rows.append(pager(lang, page, pages, ReadingPage))
    rows.append(browse_row)
    return text, keyboard(rows)


def _reading_browse(update: Update, context: BotContext, lang: str) -> InlineKeyboardButton | None:
    return browse_button(update, context, lang, reading=True)


async def _page_or_last(
    update: Update, context: BotContext, chat_id: int, page: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page again after a change; its last page if the change emptied it."""
    browse = _reading_browse(update, context, lang)
    while True:
        shown = await reading_page(context, chat_id, page, lang, browse)
        if shown is not None or page == 0:
            assert shown is not None  # page 0 always exists
            return shown
        page -= 1


async def reading_command(update: Update, context: BotContext) -> None:
    """/reading: this chat's list, newest first, paged."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = user_lang(update)
    first = await reading_page(context, chat.id, 0, lang, _reading_browse(update, context, lang))
    assert first is not None  # page 0 always exists
    await reply(update, *first)


async def reading_page_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: ReadingPage
) -> None:
    """Button ``rl:<page>``: another page of the list, in place."""
    chat = update.effective_chat
    lang = user_lang(update)
    browse = _reading_browse(update, context, lang)
    shown = (
        None if chat is None else await reading_page(context, chat.id, button.page, lang, browse)
    )
    await show_page(update, query, shown)


async def reading_mark_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: ReadingMark
) -> None:
    """Buttons ``rr:`` / ``ru:``: mark an entry read or unread; the page shows it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        await answer_stale(update, query)
        return
    lang = user_lang(update)
    found = await db(
        context.services.reading.mark_read, chat.id, button.paper_id, user.id, button.read
    )
    if not found:
        await query.answer(t(lang, "not_on_list"))
    else:
        await query.answer(t(lang, "marked_read" if button.read else "marked_unread"))
    await edit_in_place(query, *await _page_or_last(update, context, chat.id, button.page, lang))


async def reading_remove_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: ReadingRemove
) -> None:
    """Button ``rx:``: take an entry off the list (its saver or an admin); the page shows it."""
    chat = update.effective_chat
    if chat is None:
        await answer_stale(update, query)
        return
    lang = user_lang(update)
    reading = context.services.reading
    item = await db(reading.entry, chat.id, button.paper_id)
    if item is None:
        await query.answer(t(lang, "not_on_list"))
    elif not await may_remove(update, context, item):
        await _refuse_removal(query, item, lang)
        return
    else:
        await db(reading.remove, chat.id, button.paper_id)
        context.services.relevance.touch(chat.id)
        await query.answer(t(lang, "removed_toast"))
    await edit_in_place(query, *await _page_or_last(update, context, chat.id, button.page, lang))


# --------------------------------------------------------------------------- /bib


async def bib_command(update: Update, context: BotContext) -> None:
    """/bib: the chat's list as a .bib file; /bib <query|arXiv id>: one paper's entry."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    lang = user_lang(update)
    services = context.services
    query = query_text(context)
    if query:
        paper = await _one_paper(update, context, query, lang)
        if paper is not None:
            await reply(update, f"<pre>{esc(bibtex([paper]).strip())}</pre>")
        return
    items = await db(services.reading.entries, chat.id)
    papers = await db(services.library.papers, [item.paper_id for item in items])
    if not papers:
        await reply(update, t(lang, "bib_empty"))
        return
    document = InputFile(bibtex(papers).encode(), filename=BIB_FILE_NAME)
    await message.reply_document(
        document, caption=t(lang, "bib_caption", count=len(papers)), do_quote=False
    )


async def _one_paper(
    update: Update, context: BotContext, query: str, lang: str
) -> PaperView | None:
    """The best match for /bib's words, or None (the user told why)."""
    library = context.services.library
    hits = await db(library.search, query, 5)
    wanted = arxiv_ids(query)
    if wanted and not any(hit.kind is MatchKind.ARXIV for hit in hits):
        await reply(update, t(lang, "arxiv_not_in_digests", arxiv_id=wanted[0]))
        return None
    paper = await db(library.paper, hits[0].paper_id) if hits else None
    if paper is None:
        await reply(update, t(lang, "bib_no_match", query=shorten(query, 100)))
    return paper


# --------------------------------------------------------------------------- /top


async def top_command(update: Update, context: BotContext) -> None:
    """/top [week|month|all]: this chat's most saved papers; bot admins: /top global …"""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    lang = user_lang(update)
    services = context.services
    is_admin = user is not None and services.is_admin(user.id)
    words = query_text(context).lower().split()
    everywhere = bool(words) and words[0] == "global" and is_admin
    if everywhere:
        words = words[1:]
    period = words[0] if words else "all"
    if len(words) > 1 or period not in PERIOD_DAYS:
        await reply(update, t(lang, "usage_top") + (t(lang, "usage_top_admin") if is_admin else ""))
        return
    days = PERIOD_DAYS[period]
    since = services.clock() - timedelta(days=days) if days else None
    counted = await db(
        top_with_votes,
        services.reading,
        services.polls,
        None if everywhere else chat.id,
        since,
        TOP_SIZE,
    )
    papers = {p.id: p for p in await db(services.library.papers, [r.paper_id for r in counted])}
    ranked = [
        RankedPaper(papers[row.paper_id], row.saves, row.votes)
        for row in counted
        if row.paper_id in papers
    ]
    if not ranked:
        key = "top_empty_global" if everywhere else "top_empty"
        await reply(update, t(lang, key, period=t(lang, f"period_{period}")))
        return
    shown = [row.paper for row in ranked]
    await reply(update, top_text(lang, ranked, period, everywhere), keyboard(paper_buttons(shown)))
