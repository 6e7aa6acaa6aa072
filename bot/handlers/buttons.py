"""Inline buttons: each kind's handler gets its parsed data; anything else is answered as stale.

A client sends whatever data it likes (an old message's button, or made-up data), and
python-telegram-bot hands a query with *empty* data to the first callback handler whatever
its pattern. So every button handler is wrapped by :func:`button_handler`, which parses the
data with the kind's :meth:`~bot.domain.callbacks.CallbackData.parse`, and
:func:`stale_button_callback`, registered last, answers what no kind claims. Either way the
client gets an answer (its spinner stops) and the log gets one line, not a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.domain.callbacks import CallbackData
from bot.domain.texts import t
from bot.handlers.common import NO_PREVIEW, user_lang
from bot.services.context import BotContext

log = logging.getLogger(__name__)

Button = TypeVar("Button", bound=CallbackData)
ButtonCallback = Callable[[Update, BotContext, CallbackQuery, Button], Awaitable[None]]


def button_handler(
    kind: type[Button], callback: ButtonCallback[Button]
) -> CallbackQueryHandler[BotContext, None]:
    """A handler for the buttons of ``kind``: ``callback`` gets the query and the parsed data."""

    async def handle(update: Update, context: BotContext) -> None:
        query = update.callback_query
        if query is None:
            return
        button = kind.parse(query.data)
        if button is None:  # empty data matches every pattern in python-telegram-bot
            await answer_stale(update, query)
            return
        await callback(update, context, query, button)

    return CallbackQueryHandler(handle, pattern=kind.matches)


async def answer_stale(update: Update, query: CallbackQuery) -> None:
    """Tell the user the button is out of date (a toast), and note the data in the log."""
    log.info(
        "stale or unknown button data %r from user %s", (query.data or "")[:80], query.from_user.id
    )
    await query.answer(t(user_lang(update), "stale_button"))


async def stale_button_callback(update: Update, _context: BotContext) -> None:
    """Registered after every button kind: data none of them understands gets the toast."""
    if update.callback_query is not None:
        await answer_stale(update, update.callback_query)


async def edit_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the pressed message; a second press of the same button changes nothing (and
    Telegram says "message is not modified"), which is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def show_page(
    update: Update, query: CallbackQuery, shown: tuple[str, InlineKeyboardMarkup | None] | None
) -> None:
    """A paging button's answer: the page in place, or the stale toast when ``shown`` is None
    (fewer pages than when the button was made, or made-up data)."""
    if shown is None:
        await answer_stale(update, query)
        return
    await query.answer()
    await edit_in_place(query, *shown)
