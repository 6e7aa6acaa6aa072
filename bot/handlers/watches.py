"""/watch, /watches (❌ buttons), /unwatch, /foryou and the 🔗 Similar button of cards."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.callbacks import ForYouPage, SimilarPapers, Unwatch
from bot.domain.render import LIST_TITLE_CHARS, esc, paper_line, shorten
from bot.domain.texts import Raw, t
from bot.domain.watches import MAX_WATCHES, clean_watch, is_meaningful
from bot.handlers.buttons import answer_stale, edit_in_place
from bot.handlers.chat import may_change_subscription
from bot.handlers.common import (
    keyboard,
    page_count,
    pager,
    paper_buttons,
    query_text,
    reply,
    user_lang,
)
from bot.handlers.reading import chat_id_of
from bot.services import db
from bot.services.answers import PAGE_SIZE
from bot.services.context import BotContext
from bot.services.watching import add_watch, for_you, similar_papers
from bot.store.watches import WatchAdded, WatchView

WATCH_LABEL_CHARS = 40


async def _may_change(update: Update, context: BotContext, lang: str) -> bool:
    """Private chats: anyone; groups: chat administrators (as for /subscribe)."""
    if await may_change_subscription(update, context):
        return True
    await reply(update, t(lang, "need_chat_admin_watch"))
    return False


async def watch_command(update: Update, context: BotContext) -> None:
    """/watch <query>: save the query for this chat; answer with the best matches so far."""
    lang = user_lang(update)
    chat_id = chat_id_of(update)
    text = clean_watch(query_text(context))
    if chat_id is None:
        return
    if not text:
        await reply(update, t(lang, "usage_watch"))
        return
    if not is_meaningful(text):
        await reply(update, t(lang, "watch_meaningless"))
        return
    if not await _may_change(update, context, lang):
        return
    user = update.effective_user
    answer = await db(add_watch, context.services, chat_id, text, user.id if user else None)
    if answer.outcome is WatchAdded.FULL:
        await reply(update, t(lang, "watch_full", limit=MAX_WATCHES))
        return
    key = "watch_added" if answer.outcome is WatchAdded.ADDED else "watch_exists"
    lines = [t(lang, key, query=answer.watch.query)]
    if answer.matches:
        lines.append(t(lang, "watch_matches"))
        lines += [paper_line(i + 1, p) for i, p in enumerate(answer.matches)]
    else:
        lines.append(t(lang, "watch_no_matches"))
    await reply(update, "\n".join(lines), keyboard(paper_buttons(answer.matches)))


def watches_listing(
    watches: list[WatchView], lang: str, watches_only: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/watches: every watch with its ❌ button."""
    if not watches:
        return t(lang, "watches_empty"), None
    lines = [t(lang, "watches_header", count=len(watches), limit=MAX_WATCHES)]
    lines += [f"{i + 1}. 🔔 {esc(w.query)}" for i, w in enumerate(watches)]
    if watches_only:
        lines.append(t(lang, "watches_only_note"))
    rows = [
        [
            InlineKeyboardButton(
                f"❌ {shorten(w.query, WATCH_LABEL_CHARS)}",
                callback_data=Unwatch(w.id).pack(),
            )
        ]
        for w in watches
    ]
    return "\n".join(lines), keyboard(rows)


async def _listing(
    update: Update, context: BotContext, chat_id: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    watches = await db(context.services.watches.of_chat, chat_id)
    sub = await db(context.services.subscriptions.get, chat_id, 0)
    return watches_listing(watches, lang, bool(sub and sub.active and sub.watches_only))


async def watches_command(update: Update, context: BotContext) -> None:
    """/watches: this chat's watches, each with a ❌ button."""
    lang = user_lang(update)
    chat_id = chat_id_of(update)
    if chat_id is None:
        return
    await reply(update, *await _listing(update, context, chat_id, lang))


async def unwatch_command(update: Update, context: BotContext) -> None:
    """/unwatch <query> (as listed) or /unwatch all."""
    lang = user_lang(update)
    chat_id = chat_id_of(update)
    text = clean_watch(query_text(context))
    if chat_id is None:
        return
    if not text:
        await reply(update, t(lang, "usage_unwatch"))
        return
    if not await _may_change(update, context, lang):
        return
    services = context.services
    if text.casefold() in ("all", "全部"):
        count = await db(services.watches.remove_all, chat_id)
        services.relevance.touch(chat_id)
        await reply(update, t(lang, "unwatched_all", count=count))
        return
    watches = await db(services.watches.of_chat, chat_id)
    found = next((w for w in watches if w.query.casefold() == text.casefold()), None)
    if found is None:
        await reply(update, t(lang, "unwatch_unknown", query=text))
        return
    await db(services.watches.remove, chat_id, found.id)
    services.relevance.touch(chat_id)
    await reply(update, t(lang, "unwatched", query=found.query))


async def unwatch_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: Unwatch
) -> None:
    """Button ``uw:<watch>`` under /watches: stop that watch, show the list again."""
    lang = user_lang(update)
    chat_id = chat_id_of(update)
    if chat_id is None:
        await answer_stale(update, query)
        return
    if not await may_change_subscription(update, context):
        await query.answer(t(lang, "need_chat_admin_watch"), show_alert=True)
        return
    removed = await db(context.services.watches.remove, chat_id, button.watch_id)
    if removed is None:
        await answer_stale(update, query)
        return
    context.services.relevance.touch(chat_id)
    await query.answer(
        shorten(
            t(lang, "unwatched", query=removed.query).replace("<b>", "").replace("</b>", ""), 190
        )
    )
    await edit_in_place(query, *await _listing(update, context, chat_id, lang))


async def foryou_page(
    context: BotContext, chat_id: int, page: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A page of /foryou; None if there is no such page."""
    shown = await db(for_you, context.services, chat_id, page, PAGE_SIZE)
    if shown.cold:
        return t(lang, "foryou_cold", count=shown.signals, needed=5), None
    if not shown.papers:
        return (t(lang, "foryou_empty"), None) if page == 0 else None
    pages = page_count(shown.total)
    lines = [t(lang, "foryou_header", page=page + 1, pages=pages)]
    start = page * PAGE_SIZE + 1
    for i, (paper, reason, liked) in enumerate(shown.papers):
        lines.append(paper_line(start + i, paper, with_zh=False))
        if reason.watch:
            lines.append(t(lang, "foryou_because_watch", query=reason.watch))
        elif liked is not None:
            title = shorten(liked.title_en, LIST_TITLE_CHARS // 2)
            lines.append(t(lang, "foryou_because_paper", title=title))
    papers = [paper for paper, _r, _l in shown.papers]
    rows = [*paper_buttons(papers, start), pager(lang, page, pages, ForYouPage)]
    return "\n".join(lines), keyboard(rows)


async def foryou_command(update: Update, context: BotContext) -> None:
    """/foryou: the archive's best unsaved papers for this chat, 5 a page, with why."""
    lang = user_lang(update)
    chat_id = chat_id_of(update)
    if chat_id is None:
        return
    shown = await foryou_page(context, chat_id, 0, lang)
    assert shown is not None  # page 0 always answers
    await reply(update, *shown)


async def foryou_page_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: ForYouPage
) -> None:
    """Button ``fy:<page>``: another page of /foryou, in place."""
    chat_id = chat_id_of(update)
    shown = None
    if chat_id is not None:
        shown = await foryou_page(context, chat_id, button.page, user_lang(update))
    if shown is None:
        await answer_stale(update, query)
        return
    await query.answer()
    await edit_in_place(query, *shown)


async def similar_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: SimilarPapers
) -> None:
    """Button ``sm:<id>`` under a card: the 5 papers most like it, each with its button."""
    lang = user_lang(update)
    paper, similar = await db(similar_papers, context.services, button.paper_id)
    if paper is None:
        await query.answer(t(lang, "paper_gone"), show_alert=True)
        return
    await query.answer()
    if not similar:
        await reply(update, t(lang, "similar_none"))
        return
    header = t(
        lang,
        "similar_header",
        title=Raw(f"<b>{esc(shorten(paper.title_en, LIST_TITLE_CHARS))}</b>"),
    )
    lines = [header, *(paper_line(i + 1, p) for i, p in enumerate(similar))]
    await reply(update, "\n".join(lines), keyboard(paper_buttons(similar)))
