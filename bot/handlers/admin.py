"""Admin commands (user id in config ``admins``): /reload, /preview, /stats, /postnow."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update

from bot.config import ConfigError
from bot.content import preview_listed
from bot.domain.delivery import PublishTrigger
from bot.domain.models import DigestParseError
from bot.domain.preview import preview_messages
from bot.domain.render import weekly_post
from bot.domain.schedule import format_local
from bot.domain.texts import Raw, t
from bot.handlers.common import NO_PREVIEW, query_text, reply, user_lang
from bot.services import db
from bot.services.context import BotContext

log = logging.getLogger(__name__)
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
PREVIEW_USAGE_IDS = 30


def admin_only(handler: Handler) -> Handler:
    """Refuse (and do nothing) for anyone who is not a bot admin."""

    @wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        user = update.effective_user
        if not context.services.is_admin(user.id if user else None):
            log.info("refused %s for user %s", handler.__name__, user.id if user else None)
            user_id = user.id if user else "?"
            await reply(update, t(user_lang(update), "admins_only", user_id=user_id))
            return
        await handler(update, context)

    return guarded


@admin_only
async def reload_command(update: Update, context: BotContext) -> None:
    """/reload: re-read config and content, ingest what changed, reschedule."""
    lang = user_lang(update)
    services = context.services
    try:
        report = await db(services.reload)
    except ConfigError as exc:
        await reply(update, f"⚠️ {html.escape(str(exc))}")
        return
    services.scheduler.reschedule()
    lines = report.lines()
    next_post = services.next_post_time(services.clock())
    lines.append(f"next post: {format_local(next_post, services.config.timezone)}")
    body = html.escape("\n".join(lines))
    await reply(update, t(lang, "reload_done", lines=Raw(body))[:4000])


@admin_only
async def preview_command(update: Update, context: BotContext) -> None:
    """/preview: the next weekly post exactly as chats will get it, to the admin only;
    /preview <id>: every paper of that listed digest as it will be stored and posted."""
    wanted = query_text(context)
    if wanted:
        await _preview_digest(update, context, wanted)
        return
    lang = user_lang(update)
    services = context.services
    digest_id = await db(services.ledger.next_digest)
    if digest_id is None:
        await reply(update, t(lang, "queue_empty"))
        return
    digest = await db(services.library.digest, digest_id)
    papers = await db(services.library.digest_papers, digest_id)
    if digest is None:
        await reply(update, t(lang, "queue_empty"))
        return
    parts = weekly_post(digest, papers, lang)
    header = t(lang, "preview_header", id=digest_id, n=len(parts))
    await _send_to_admin(update, context, header, parts)


async def _preview_digest(update: Update, context: BotContext, wanted: str) -> None:
    """The ``check --show`` view of a digest listed in digests.yaml as it is on disk now,
    read from its file: so a new digest can be checked before /reload makes it live."""
    lang = user_lang(update)
    try:
        config = await db(context.services.config_on_disk)
        preview = await db(preview_listed, config, wanted, False)
    except ConfigError as exc:
        await reply(update, f"⚠️ {html.escape(str(exc))}")
        return
    except (DigestParseError, OSError) as exc:
        problem = str(exc) if isinstance(exc, DigestParseError) else f"cannot read: {exc.strerror}"
        await reply(update, t(lang, "preview_refused", id=wanted[:60], problem=problem))
        return
    if preview is None:
        ids = [entry.id for entry in config.digests]
        # the newest ids: a long archive's full list would not fit one message
        shown = ("…, " if len(ids) > PREVIEW_USAGE_IDS else "") + ", ".join(
            ids[-PREVIEW_USAGE_IDS:]
        )
        await reply(update, t(lang, "usage_preview", id=wanted[:60], ids=shown))
        return
    parts = preview_messages(preview)
    header = t(lang, "preview_digest_header", id=preview.id, n=len(parts))
    await _send_to_admin(update, context, header, parts)


async def _send_to_admin(
    update: Update, context: BotContext, header: str, parts: list[str]
) -> None:
    """A header, then ``parts``, to the admin alone: privately when asked in a group."""
    user = update.effective_user
    chat = update.effective_chat
    target = user.id if user and chat and chat.type != "private" else (chat.id if chat else None)
    if target is None:
        return
    await context.bot.send_message(target, header)
    for part in parts:
        await context.bot.send_message(target, part, link_preview_options=NO_PREVIEW)


@admin_only
async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: papers, digests, subscribers, parts resent after a crash, last and next post."""
    lang = user_lang(update)
    services = context.services
    digests, total_digests = await db(services.library.digests, 0, 100_000)
    published = await db(services.ledger.published_ids)
    upcoming = await db(services.ledger.upcoming)
    last = await db(services.ledger.last_post_time)
    tz = services.config.timezone
    text = t(
        lang,
        "stats",
        digests=total_digests,
        retired=await db(services.library.retired_count),
        papers=sum(d.paper_count for d in digests),
        subscribers=await db(services.subscriptions.count_active),
        published=len(published),
        resent=await db(services.ledger.resent_total),
        # what the weekly job will still post: a ``skip: true`` digest is not queued
        queued=sum(1 for _id, _week, skipped in upcoming if not skipped),
        last_post=format_local(last, tz, lang) if last else t(lang, "never"),
        next_post=format_local(services.next_post_time(services.clock()), tz, lang),
        unreadable=await db(services.unreadable_updates),
    )
    await reply(update, text)


@admin_only
async def postnow_command(update: Update, context: BotContext) -> None:
    """/postnow [id]: publish the next digest now, or re-send one to chats that lack it."""
    lang = user_lang(update)
    services = context.services
    publisher = services.publisher
    wanted = query_text(context)
    if wanted:
        digest = await db(services.library.digest, wanted)
        if digest is None:
            await reply(update, t(lang, "postnow_unknown", id=wanted[:60]))
            return
        summary = await publisher.publish(digest.id, PublishTrigger.POSTNOW)
    else:
        summary = await publisher.publish_next(PublishTrigger.POSTNOW)
        if summary is None:
            await reply(update, t(lang, "queue_empty"))
            return
    if summary is None:
        return
    await reply(
        update,
        t(
            lang,
            "postnow_done",
            id=summary.digest_id,
            sent=summary.sent,
            failed=summary.failed,
            skipped=summary.already_had,
        ),
    )
