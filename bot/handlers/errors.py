"""The one error handler: log with context (never the token), apologise to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.domain.texts import t
from bot.handlers.common import user_lang
from bot.services.context import BotContext

log = logging.getLogger(__name__)


def describe(update: object) -> str:
    """A short, token-free description of the update for the log."""
    if not isinstance(update, Update):
        return repr(type(update).__name__)
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    text = (message.text or "")[:80] if message else ""
    data = update.callback_query.data if update.callback_query else None
    return (
        f"update {update.update_id} chat={chat.id if chat else None} "
        f"user={user.id if user else None} text={text!r} data={data!r}"
    )


async def error_handler(update: object, context: BotContext) -> None:
    """Log the failure with the update's context and tell the user briefly."""
    log.error("error while handling %s", describe(update), exc_info=context.error)
    if not isinstance(update, Update):
        return
    lang = user_lang(update)
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(t(lang, "error"), show_alert=True)
            return
        except TelegramError:  # the handler had answered already: say it in the chat
            pass
    message = update.effective_message
    if message is None:
        return
    try:
        await message.reply_text(t(lang, "error"), do_quote=False)
    except (Forbidden, TelegramError) as exc:  # the apology itself failed: nothing more to do
        log.warning("could not send the apology: %s", exc)
