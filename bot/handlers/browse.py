"""Browsing: /topic, /topics, /digest, /digests and their buttons."""

from __future__ import annotations

from functools import partial

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.callbacks import (
    DigestPage,
    DigestsPage,
    OpenDigest,
    OpenTopic,
    PageLabel,
    TopicFocusPage,
    TopicPage,
)
from bot.domain.render import (
    LIST_TITLE_CHARS,
    digest_overview,
    esc,
    paper_line,
    shorten,
    week_label,
)
from bot.domain.texts import t
from bot.domain.views import DigestView, PaperView, TopicView
from bot.handlers.buttons import answer_stale, edit_in_place, show_page
from bot.handlers.common import (
    keyboard,
    page_count,
    pager,
    paper_buttons,
    query_text,
    reply,
    reply_many,
    user_lang,
)
from bot.handlers.reading import chat_id_of, list_save_rows
from bot.services import db
from bot.services.answers import PAGE_SIZE, digest_lookup, topic_lookup
from bot.services.context import BotContext

DIGESTS_PER_PAGE = 8
DIGEST_PAGE_SIZE = 10  # papers (and buttons) per page of /digest


def topics_keyboard(topics: list[TopicView], lang: str) -> InlineKeyboardMarkup | None:
    """Every topic that has papers as a button "Name (count)", two per row."""
    buttons = [
        InlineKeyboardButton(
            f"{topic.name(lang)} ({topic.paper_count})",
            callback_data=OpenTopic(topic.id).pack(),
        )
        for topic in topics
        if topic.paper_count  # an empty topic would only lead to "no papers yet"
    ]
    return keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _focus_words(context: BotContext, topic_id: str, name: int | None) -> tuple[str, ...]:
    """What a topic page opened by the alias ``name`` (an index into the topic's names)
    puts first: the alias's words (none without an alias)."""
    topic = context.services.config.taxonomy.by_id.get(topic_id)
    if topic is None or name is None or not 0 <= name < len(topic.names()):
        return ()
    return topic.focus_words(topic.names()[name])


async def topic_page(
    update: Update,
    context: BotContext,
    topic: TopicView,
    page: int,
    lang: str,
    focus: int | None = None,
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """One page of a topic's papers, newest digest first (those matching the alias
    ``focus`` names before them), with their 📌 buttons; None if there is no such page."""
    words = _focus_words(context, topic.id, focus)
    papers, total, saved = await db(
        topic_lookup, context.services, topic.id, page, chat_id_of(update), words
    )
    if total == 0:
        return t(lang, "topic_empty", topic=topic.name(lang)), None
    pages = page_count(total)
    if page >= pages:
        return None
    lines = [
        t(lang, "topic_header", topic=topic.name(lang), total=total, page=page + 1, pages=pages)
    ]
    start = page * PAGE_SIZE + 1
    lines.extend(paper_line(start + i, paper) for i, paper in enumerate(papers))
    rows = [
        *paper_buttons(papers, start),
        *list_save_rows(papers, saved, start),
        pager(
            lang,
            page,
            pages,
            partial(TopicFocusPage, topic.id, focus)
            if words and focus is not None
            else partial(TopicPage, topic.id),
        ),
    ]
    return "\n".join(lines), keyboard(rows)


async def topics_command(update: Update, context: BotContext) -> None:
    """/topics: every topic with its paper count, as buttons."""
    lang = user_lang(update)
    topics = await db(context.services.library.topics)
    await reply(update, t(lang, "topics_header"), topics_keyboard(topics, lang))


async def topic_command(update: Update, context: BotContext) -> None:
    """/topic <name>: that topic's papers; unknown or missing name: the topic list."""
    lang = user_lang(update)
    query = query_text(context)
    topics = await db(context.services.library.topics)
    if not query:
        await reply(update, t(lang, "usage_topic"), topics_keyboard(topics, lang))
        return
    matches = context.services.config.taxonomy.resolve(query)
    if not matches:
        await reply(
            update,
            t(lang, "unknown_topic", query=shorten(query, 60)),
            topics_keyboard(topics, lang),
        )
        return
    counted = {topic.id: topic for topic in topics}
    chosen = counted.get(matches[0].id) or TopicView(
        matches[0].id, matches[0].name_en, matches[0].name_zh
    )
    focus = context.services.config.taxonomy.focus(matches[0], query)
    first = await topic_page(update, context, chosen, 0, lang, focus)
    assert first is not None  # page 0 always exists
    await reply(update, *first)


async def open_topic_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: OpenTopic
) -> None:
    """Button ``t:<topic>`` (from /topics): the topic's papers as a new message, so the
    /topics menu stays."""
    shown = await _topic_button(update, context, query, button.topic_id, 0)
    if shown is not None:
        await reply(update, *shown)


async def topic_page_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: TopicPage | TopicFocusPage
) -> None:
    """Button ``tp:<topic>:<page>`` (``tf:…``: alias first): another page of the topic's
    papers, in place."""
    focus = button.name if isinstance(button, TopicFocusPage) else None
    shown = await _topic_button(update, context, query, button.topic_id, button.page, focus)
    if shown is not None:
        await edit_in_place(query, *shown)


async def _topic_button(
    update: Update,
    context: BotContext,
    query: CallbackQuery,
    topic_id: str,
    page: int,
    focus: int | None = None,
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The page to show, with the button answered; None (answered) if it is gone."""
    lang = user_lang(update)
    topics = {topic.id: topic for topic in await db(context.services.library.topics)}
    topic = topics.get(topic_id)
    if topic is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return None
    shown = await topic_page(update, context, topic, page, lang, focus)
    if shown is None:  # fewer pages than when the button was made (or made-up data)
        await answer_stale(update, query)
        return None
    await query.answer()
    return shown


async def send_digest(update: Update, context: BotContext, key: str, lang: str) -> None:
    """Reply with a digest's overview (title, week, numbered titles with buttons)."""
    library = context.services.library
    found = await db(digest_lookup, context.services, key, chat_id_of(update))
    if found is None:
        total = (await db(library.digests, 0, 1))[1]
        text = (
            t(lang, "digest_not_found", query=shorten(key, 60)) if total else t(lang, "no_digests")
        )
        await reply(update, text + ("\n" + t(lang, "usage_digest") if total else ""))
        return
    digest, papers, saved = found
    shown = digest_page(digest, papers, 0, lang, saved)
    assert shown is not None  # page 0 always exists
    await reply_many(update, *shown)


def digest_page(
    digest: DigestView, papers: list[PaperView], page: int, lang: str, saved: set[int]
) -> tuple[list[str], InlineKeyboardMarkup | None] | None:
    """One page of a digest's overview: its papers' lines and buttons (Telegram refuses
    very large keyboards, and a long list reads better a page at a time); None if there is
    no such page."""
    pages = page_count(len(papers), DIGEST_PAGE_SIZE)
    if page >= pages:
        return None
    first = page * DIGEST_PAGE_SIZE
    shown = papers[first : first + DIGEST_PAGE_SIZE]
    texts = digest_overview(digest, shown, lang, start=first + 1, total=len(papers))
    nav = pager(lang, page, pages, partial(DigestPage, digest.id))
    save_rows = list_save_rows(shown, saved, first + 1)
    return texts, keyboard([*paper_buttons(shown, first + 1), *save_rows, nav])


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest [latest|id|YYYY-MM-DD]: a digest's overview."""
    await send_digest(update, context, query_text(context) or "latest", user_lang(update))


async def digest_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: OpenDigest
) -> None:
    """Button ``d:<id>``: that digest's overview."""
    await query.answer()
    await send_digest(update, context, button.digest_id, user_lang(update))


async def digest_page_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: DigestPage
) -> None:
    """Button ``dp:<id>:<page>``: another page of a digest's overview, in place."""
    found = await db(digest_lookup, context.services, button.digest_id, chat_id_of(update))
    shown = None
    if found is not None:
        digest, papers, saved = found
        shown = digest_page(digest, papers, button.page, user_lang(update), saved)
    if shown is None:  # retired, or fewer pages than when the button was made
        await answer_stale(update, query)
        return
    await query.answer()
    texts, markup = shown
    if len(texts) == 1:
        await edit_in_place(query, texts[0], markup)
    else:  # a page that needs two messages (very long titles) cannot be edited into one
        await reply_many(update, texts, markup)


async def digests_page(
    context: BotContext, page: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """One page of the archive, newest first; None if there is no such page."""
    digests, total = await db(
        context.services.library.digests, page * DIGESTS_PER_PAGE, DIGESTS_PER_PAGE
    )
    if total == 0:
        return t(lang, "no_digests"), None
    pages = page_count(total, DIGESTS_PER_PAGE)
    if page >= pages:
        return None
    lines = [t(lang, "digests_header", page=page + 1, pages=pages)]
    buttons: list[list[InlineKeyboardButton]] = []
    for digest in digests:
        week = week_label(digest, lang)
        lines.append(
            f"• <b>{esc(shorten(digest.title, LIST_TITLE_CHARS))}</b> — {esc(week or digest.id)}"
            f" · {digest.paper_count} 📄"
        )
        label = shorten(f"{digest.week_start or ''} {digest.title}".strip(), 40)
        buttons.append([InlineKeyboardButton(label, callback_data=OpenDigest(digest.id).pack())])
    buttons.append(pager(lang, page, pages, DigestsPage))
    return "\n".join(lines), keyboard(buttons)


async def digests_command(update: Update, context: BotContext) -> None:
    """/digests: the archive, newest first, paged."""
    first = await digests_page(context, 0, user_lang(update))
    assert first is not None  # page 0 always exists
    await reply(update, *first)


async def digests_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: DigestsPage
) -> None:
    """Button ``dl:<page>``: another page of the archive."""
    await show_page(update, query, await digests_page(context, button.page, user_lang(update)))


async def noop_callback(
    _update: Update, _context: BotContext, query: CallbackQuery, _button: PageLabel
) -> None:
    """The page-number button: nothing to do but stop the client's spinner."""
    await query.answer()
