"""The weekly reading poll's side of the chat: votes as they arrive, and ``/poll close``.

Votes come as ``poll_answer`` updates (a non-anonymous poll: who chose what; an empty
choice is a retracted vote) and ``poll`` updates (the counts Telegram shows). Both are stored
at once, so a restart before the poll closes loses none. Sending and closing the poll are the
job's (:mod:`bot.jobs.polls`), reached through the services' port.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.texts import t
from bot.handlers.chat import may_change_subscription
from bot.handlers.common import query_text, reply, thread_of, user_lang
from bot.services import db
from bot.services.context import BotContext


async def poll_answer(update: Update, context: BotContext) -> None:
    """A vote in one of our polls changed: store the voter's choice now."""
    answer = update.poll_answer
    if answer is None:
        return
    voter = answer.user.id if answer.user else answer.voter_chat.id if answer.voter_chat else None
    if voter is None:
        return
    await db(context.services.polls.answer, answer.poll_id, voter, list(answer.option_ids))
    poll = await db(context.services.polls.by_poll_id, answer.poll_id)
    if poll is not None:  # a vote is a signal of the poll's chat: retrain off the reply path
        context.services.relevance.touch(poll.chat_id)


async def poll_state(update: Update, context: BotContext) -> None:
    """A poll's counts changed (or it was stopped): keep the counts Telegram shows."""
    poll = update.poll
    if poll is None:
        return
    counts = [option.voter_count for option in poll.options]
    await db(context.services.polls.poll_state, poll.id, counts)


async def poll_command(update: Update, context: BotContext) -> None:
    """/poll close: a chat administrator closes the chat's open reading poll now."""
    lang = user_lang(update)
    chat = update.effective_chat
    if chat is None:
        return
    if query_text(context).strip().lower() != "close":
        await reply(update, t(lang, "poll_close_usage"))
        return
    if not await may_change_subscription(update, context):
        await reply(update, t(lang, "poll_need_admin"))
        return
    closed = await context.services.reading_polls.close_now(chat.id, thread_of(update) or 0)
    if not closed:
        await reply(update, t(lang, "poll_none_open"))
