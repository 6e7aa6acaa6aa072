"""Small helpers the handlers share: language, arguments, replies, keyboards."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.domain.callbacks import OpenPaper, PageButton, PageLabel
from bot.domain.searchtext import strip_controls
from bot.domain.texts import lang_of, t
from bot.domain.views import PaperView
from bot.domain.webapp import ChatLink, chat_token, direct_link, page_url
from bot.services.answers import PAGE_SIZE
from bot.services.context import BotContext

log = logging.getLogger(__name__)
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
MAX_QUERY_CHARS = 256  # Telegram's own inline-query limit; longer text is not a title
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def user_lang(update: Update) -> str:
    """The reader's language: ``zh`` for Chinese Telegram clients, else ``en``."""
    user = update.effective_user
    return lang_of(user.language_code if user else None)


def query_text(context: BotContext) -> str:
    """The command's arguments as one cleaned query (control characters dropped)."""
    text = " ".join(context.args or [])
    return " ".join(strip_controls(text).split())[:MAX_QUERY_CHARS]


def thread_of(update: Update) -> int | None:
    """The forum topic the message was sent in, if any."""
    message = update.effective_message
    if message and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return None


async def reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Reply in the same chat (and forum topic) as the command, without link previews."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_html(
        text, reply_markup=markup, link_preview_options=NO_PREVIEW, do_quote=False
    )


async def reply_many(
    update: Update, texts: Sequence[str], last_markup: InlineKeyboardMarkup | None
) -> None:
    """Send several messages in order; the keyboard goes under the last one."""
    for index, text in enumerate(texts):
        await reply(update, text, last_markup if index == len(texts) - 1 else None)


def is_group(update: Update) -> bool:
    """Whether the update comes from a group or supergroup."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard of the non-empty rows, or None: Telegram refuses an empty one."""
    kept = [list(row) for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def paper_buttons(
    papers: Sequence[PaperView], start: int = 1, per_row: int = 5
) -> list[list[InlineKeyboardButton]]:
    """Numbered buttons, one per paper, that open its card."""
    buttons = [
        InlineKeyboardButton(str(start + index), callback_data=OpenPaper(paper.id).pack())
        for index, paper in enumerate(papers)
    ]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def pager(lang: str, page: int, pages: int, button: PageButton) -> list[InlineKeyboardButton]:
    """◀ page/pages ▶ navigation; ``button(n)`` is the data of the button to page ``n``."""
    row: list[InlineKeyboardButton] = []
    if page > 0:
        row.append(InlineKeyboardButton(t(lang, "prev"), callback_data=button(page - 1).pack()))
    if pages > 1:
        row.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=PageLabel().pack()))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(t(lang, "next"), callback_data=button(page + 1).pack()))
    return row


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for ``total`` items (at least one)."""
    return max(1, -(-total // size))


async def is_chat_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """A bot admin, or an administrator of the chat by ``getChatMember`` (no if that fails)."""
    if context.services.is_admin(user_id):
        return True
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("getChatMember failed in %s: %s", chat_id, exc)
        return False
    return member.status in ADMIN_STATUSES


def browse_button(
    update: Update,
    context: BotContext,
    lang: str,
    *,
    paper_id: int | None = None,
    reading: bool = False,
) -> InlineKeyboardButton | None:
    """🔎 Browse: opens the Mini App (at a paper, or at the chat's reading list); None when
    the Mini App is off. Private chats get a ``web_app`` button; elsewhere Telegram allows
    only links, so groups get a direct Mini App link whose signed token names the chat."""
    services = context.services
    env = services.env
    chat = update.effective_chat
    if not env.webapp_url or not env.token or chat is None:
        return None
    key = "browse_paper_button" if paper_id else "browse_reading_button" if reading else ""
    label = t(lang, key or "browse_button")
    if chat.type == ChatType.PRIVATE:
        url = page_url(env.webapp_url, paper_id=paper_id, reading=reading)
        return InlineKeyboardButton(label, web_app=WebAppInfo(url))
    token = chat_token(env.token, ChatLink(chat.id, paper_id, reading))
    return InlineKeyboardButton(
        label, url=direct_link(services.bot_username, env.webapp_name, token)
    )
