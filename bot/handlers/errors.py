"""The one error handler: log with context (never the token), apologise to the user.

Each failed update is one log line (what failed, on which update); its traceback is added
once per distinct error a minute (always with ``-v``), so a database outage that fails
every update stays readable. A lost database connection is also reported to
:class:`bot.logs.DatabaseHealth`, which says once that it is down and once that it is back.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.domain.texts import t
from bot.handlers.common import user_lang
from bot.logs import error_summary, verbose_logging
from bot.services.context import BotContext
from bot.services.health import is_database_down

log = logging.getLogger(__name__)


def _origin(error: BaseException | None) -> str:
    """Where ``error`` was raised (file:line of the innermost frame), to tell errors apart."""
    tb = error.__traceback__ if error is not None else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"


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
    error = context.error
    summary = error_summary(error)
    services = context.bot_data.services
    where = f"{type(error).__name__} at {_origin(error)}"
    trace = verbose_logging() or services.tracebacks.first(where + summary)
    log.error("error while handling %s: %s", describe(update), summary, exc_info=trace and error)
    if is_database_down(error):
        services.health.failed("an update" if isinstance(update, Update) else "a job", error)
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
