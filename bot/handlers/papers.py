"""/paper search, paper cards (with "more"), result paging, and inline mode."""

from __future__ import annotations

from functools import partial

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)

from bot.domain.callbacks import (
    OpenDigest,
    OpenPaper,
    OpenTopic,
    PaperCard,
    ResultsPage,
    SimilarPapers,
)
from bot.domain.render import paper_card, paper_line, shorten
from bot.domain.searchtext import strip_controls
from bot.domain.texts import t
from bot.domain.views import PaperView
from bot.handlers import common
from bot.handlers.buttons import answer_stale, edit_in_place
from bot.handlers.reading import card_save_row, chat_id_of, list_save_rows
from bot.services import db
from bot.services.answers import PAGE_SIZE, card_lookup, inline_papers, look_up, page_lookup
from bot.services.context import BotContext

INLINE_RESULTS = 20


def card_markup(
    paper: PaperView,
    lang: str,
    has_more: bool,
    full: bool,
    saved: bool,
    browse: InlineKeyboardButton | None = None,
) -> InlineKeyboardMarkup:
    """Buttons under a card: 📌 save (or remove), more/less, the digest it came from, and
    🔗 similar papers, and 🔎 open in the Mini App (``browse``, when it is on)."""
    row: list[InlineKeyboardButton] = []
    if has_more:
        toggle = PaperCard(paper.id, full=not full)
        label = t(lang, "less" if full else "more")
        row.append(InlineKeyboardButton(label, callback_data=toggle.pack()))
    digest = OpenDigest(paper.digest.id)
    row.append(InlineKeyboardButton(t(lang, "open_digest"), callback_data=digest.pack()))
    similar = InlineKeyboardButton(
        t(lang, "similar_button"), callback_data=SimilarPapers(paper.id).pack()
    )
    rows = [[*card_save_row(paper, saved, lang), similar], row]
    if browse is not None:
        rows.append([browse])
    return InlineKeyboardMarkup(rows)


async def send_card(
    update: Update, context: BotContext, paper: PaperView, lang: str, saved: bool
) -> None:
    """Reply with a paper's card (its 📌 shows whether this chat saved it: ``saved``)."""
    text, has_more = paper_card(paper, lang)
    browse = common.browse_button(update, context, lang, paper_id=paper.id)
    await common.reply(update, text, card_markup(paper, lang, has_more, False, saved, browse))


def results_page(
    lang: str,
    query: str,
    papers: list[PaperView],
    total: int,
    page: int,
    key: str,
    saved: set[int],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of search results with a button per paper, its 📌, and paging."""
    pages = common.page_count(total)
    lines = [t(lang, "results_header", total=total, query=query, page=page + 1, pages=pages)]
    start = page * PAGE_SIZE + 1
    lines.extend(paper_line(start + i, paper) for i, paper in enumerate(papers))
    nav = common.pager(lang, page, pages, partial(ResultsPage, key))
    rows = [*common.paper_buttons(papers, start), *list_save_rows(papers, saved, start), nav]
    return "\n".join(lines), common.keyboard(rows)


async def paper_command(update: Update, context: BotContext) -> None:
    """/paper <query>: a card for one clear match, else a ranked, paged list."""
    lang = common.user_lang(update)
    query = common.query_text(context)
    if not query:
        await common.reply(update, t(lang, "usage_paper"))
        return
    found = await db(look_up, context.services, query, chat_id_of(update))
    if found.missing_arxiv_id is not None:
        await common.reply(update, t(lang, "arxiv_not_in_digests", arxiv_id=found.missing_arxiv_id))
    elif not found.hits:
        await reply_no_match(update, context, query, lang, found.suggestions)
    elif found.card is not None:
        await send_card(update, context, found.card, lang, saved=found.card.id in found.saved)
    else:
        text, markup = results_page(
            lang, query, found.page, len(found.hits), 0, found.key, found.saved
        )
        await common.reply(update, text, markup)


async def reply_no_match(
    update: Update,
    context: BotContext,
    query: str,
    lang: str,
    suggestions: list[PaperView],
) -> None:
    """Say nothing matched; offer the closest titles (``suggestions``) and /topics."""
    lines = [t(lang, "no_match", query=shorten(query, 100))]
    markup = None
    if suggestions:
        lines.append(t(lang, "did_you_mean"))
        lines.extend(paper_line(i + 1, p, with_zh=False) for i, p in enumerate(suggestions))
        markup = InlineKeyboardMarkup(common.paper_buttons(suggestions))
    topic = context.services.config.taxonomy.named(query)
    if topic is not None:  # "/paper quantization": the topic has what they are after
        name = topic.name_zh if lang == "zh" else topic.name_en
        lines.append(t(lang, "topic_hint", topic=name))
        rows = list(markup.inline_keyboard) if markup else []
        rows.append((InlineKeyboardButton(f"🏷 {name}", callback_data=OpenTopic(topic.id).pack()),))
        markup = InlineKeyboardMarkup(rows)
    else:
        lines.append(t(lang, "try_topics"))
    await common.reply(update, "\n".join(lines), markup)


async def paper_button_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: OpenPaper | PaperCard
) -> None:
    """Buttons ``p:<id>`` (send that paper's card) and ``pf:<id>`` / ``ps:<id>`` (show the
    full or the short summary in place)."""
    lang = common.user_lang(update)
    found = await db(card_lookup, context.services, button.paper_id, chat_id_of(update))
    if found is None:
        await query.answer(t(lang, "paper_gone"), show_alert=True)
        return
    paper, saved = found
    await query.answer()
    if isinstance(button, OpenPaper):
        await send_card(update, context, paper, lang, saved)
        return
    text, has_more = paper_card(paper, lang, full=button.full)
    browse = common.browse_button(update, context, lang, paper_id=paper.id)
    markup = card_markup(paper, lang, has_more or button.full, button.full, saved, browse)
    await edit_in_place(query, text, markup)


async def results_page_callback(
    update: Update, context: BotContext, query: CallbackQuery, button: ResultsPage
) -> None:
    """Button ``sp:<key>:<page>``: another page of a search result list."""
    lang = common.user_lang(update)
    page = button.page
    found = await db(page_lookup, context.services, button.key, page, chat_id_of(update))
    if found is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if page >= common.page_count(found.total):  # made-up data: the list never had that page
        await answer_stale(update, query)
        return
    text, markup = results_page(
        lang, found.query, found.papers, found.total, page, button.key, found.saved
    )
    await query.answer()
    await edit_in_place(query, text, markup)


async def inline_query(update: Update, context: BotContext) -> None:
    """Inline mode: ``@bot genie`` offers matching papers; posting one posts its card."""
    inline = update.inline_query
    assert inline is not None
    lang = common.user_lang(update)
    library = context.services.library
    text = " ".join(strip_controls(inline.query).split())[:256]
    papers = await db(inline_papers, library, text, INLINE_RESULTS)
    results = []
    for paper in papers[:INLINE_RESULTS]:
        card, _ = paper_card(paper, lang)
        first_line = paper.abstract.strip().splitlines()[0] if paper.abstract.strip() else ""
        description = " · ".join(x for x in (paper.title_zh, shorten(first_line, 120)) if x)
        results.append(
            InlineQueryResultArticle(
                id=str(paper.id),
                title=shorten(paper.title_en, 200),
                description=description[:250] or None,
                input_message_content=InputTextMessageContent(
                    card, parse_mode="HTML", link_preview_options=common.NO_PREVIEW
                ),
                url=paper.link,
            )
        )
    await inline.answer(results, cache_time=60, is_personal=False)
