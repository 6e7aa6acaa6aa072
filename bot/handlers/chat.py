"""/start, /help, /settings, /subscribe (and ``/subscribe poll``, ``/subscribe watches``),
/unsubscribe and the bot's own membership changes."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatType

from bot.domain.callbacks import is_paper_deep_link, paper_deep_link
from bot.domain.render import shorten
from bot.domain.schedule import format_local
from bot.domain.searchtext import strip_controls
from bot.domain.texts import Raw, t
from bot.handlers.browse import topics_keyboard
from bot.handlers.common import (
    browse_button,
    is_chat_admin,
    is_group,
    keyboard,
    query_text,
    reply,
    thread_of,
    user_lang,
)
from bot.handlers.menu import set_admin_menu
from bot.handlers.papers import send_card
from bot.handlers.reading import chat_id_of
from bot.services import db
from bot.services.answers import card_lookup
from bot.services.context import BotContext

log = logging.getLogger(__name__)


def _topic_names(context: BotContext, topic_ids: tuple[str, ...], lang: str) -> str:
    by_id = context.services.config.taxonomy.by_id
    return ", ".join(
        (by_id[tid].name_zh if lang == "zh" else by_id[tid].name_en) if tid in by_id else tid
        for tid in topic_ids
    )


async def subscription_status(update: Update, context: BotContext, lang: str) -> str:
    """ "subscribed ✅", "subscribed (only: …)" or "not subscribed" for this chat/topic."""
    chat = update.effective_chat
    if chat is None:
        return ""
    sub = await db(context.services.subscriptions.get, chat.id, thread_of(update) or 0)
    if sub is None or not sub.active:
        return t(lang, "status_not_subscribed")
    if sub.watches_only:
        count = len(await db(context.services.watches.of_chat, chat.id))
        return t(lang, "status_watches_only", count=count)
    if sub.topics:
        return t(lang, "status_subscribed_topics", topics=_topic_names(context, sub.topics, lang))
    return t(lang, "status_subscribed")


def next_post_label(context: BotContext, lang: str = "en") -> str:
    """The next weekly post time in the configured timezone."""
    services = context.services
    next_post = services.next_post_time(services.clock())
    return format_local(next_post, services.config.timezone, lang)


async def start_command(update: Update, context: BotContext) -> None:
    """/start and /help: what the bot does; ``/start paper_<id>`` opens that paper."""
    lang = user_lang(update)
    services = context.services
    payload = context.args[0] if context.args else ""
    if is_paper_deep_link(payload):
        paper_id = paper_deep_link(payload)
        found = None
        if paper_id is not None:
            found = await db(card_lookup, services, paper_id, chat_id_of(update))
        if found is None:  # removed since the link was shared, or a made-up id
            await reply(update, t(lang, "paper_gone"))
        else:
            paper, saved = found
            await send_card(update, context, paper, lang, saved)
        return
    commands = t(lang, "commands", username=services.bot_username)
    user = update.effective_user
    if user is not None and services.is_admin(user.id):
        commands += t(lang, "admin_commands")
        url = services.env.webapp_url
        commands += t(lang, "webapp_on_admin", url=url) if url else t(lang, "webapp_off_admin")
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            await set_admin_menu(context.bot, user.id)
    text = t(
        lang,
        "start",
        commands=Raw(commands),
        next_post=next_post_label(context, lang),
        status=Raw(await subscription_status(update, context, lang)),
    )
    await reply(update, text, keyboard([[b] for b in [browse_button(update, context, lang)] if b]))


async def poll_status(update: Update, context: BotContext, lang: str) -> str:
    """The weekly reading poll line of /settings: on, off, or not for channels."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.CHANNEL:
        return t(lang, "poll_setting_channel")
    sub = None
    if chat is not None:
        sub = await db(context.services.subscriptions.get, chat.id, thread_of(update) or 0)
    if sub is not None and sub.active and sub.poll:
        return t(lang, "poll_setting_on", hours=_hours(context))
    return t(lang, "poll_setting_off")


def _hours(context: BotContext) -> str:
    """``poll_hours`` as people write it: 48, 1.5."""
    return f"{context.services.config.poll_hours:g}"


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: this chat's subscription, its reading poll and the next post time."""
    lang = user_lang(update)
    status = await subscription_status(update, context, lang)
    poll = await poll_status(update, context, lang)
    chat = update.effective_chat
    watches = await db(context.services.watches.of_chat, chat.id) if chat else []
    await reply(
        update,
        t(
            lang,
            "settings",
            status=Raw(status),
            next_post=next_post_label(context, lang),
            watches=Raw(t(lang, "settings_watches", count=len(watches))),
            poll=poll,
        ),
    )


async def may_change_subscription(update: Update, context: BotContext) -> bool:
    """Private chats: yes. Groups: chat administrators and bot admins only."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or not is_group(update):
        return True
    if (
        message is not None
        and message.sender_chat is not None
        and message.sender_chat.id == chat.id
    ):
        return True  # an anonymous group administrator
    if user is None:
        return False
    return await is_chat_admin(context, chat.id, user.id)


async def _chat_to_change(update: Update, context: BotContext, lang: str) -> Chat | None:
    """The chat whose subscription the sender may change; None (told why, if need be) if not."""
    chat = update.effective_chat
    if chat is None:
        return None
    if not await may_change_subscription(update, context):
        await reply(update, t(lang, "need_chat_admin"))
        return None
    return chat


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/subscribe [topic …]: this chat (or forum topic) gets the weekly post."""
    lang = user_lang(update)
    chat = await _chat_to_change(update, context, lang)
    if chat is None:
        return
    if query_text(context).strip().lower() == "poll":
        await _switch_poll(update, context, chat, lang, on=True)
        return
    if _poll_with_more(query_text(context)):
        await reply(update, t(lang, "poll_alone", command="subscribe"))
        return
    if query_text(context).strip().lower() == "watches":
        await _subscribe_watches(update, context, chat, lang)
        return
    taxonomy = context.services.config.taxonomy
    wanted: list[str] = []
    unknown: list[str] = []
    for word in query_text(context).replace(",", " ").replace(",", " ").split():
        matches = taxonomy.resolve(word)
        if matches:
            wanted.extend(m.id for m in matches[:1] if m.id not in wanted)
        else:
            unknown.append(word)
    if unknown:
        topics = await db(context.services.library.topics)
        await reply(
            update,
            t(lang, "unknown_topic", query=" ".join(unknown)[:60]),
            topics_keyboard(topics, lang),
        )
        return
    changed, _ = await db(
        context.services.subscriptions.subscribe,
        chat.id,
        thread_of(update) or 0,
        chat_type=chat.type,
        title=chat.title or chat.username,
        topics=tuple(wanted),
        language=lang,
    )
    when = next_post_label(context, lang)
    if not changed:
        await reply(update, t(lang, "already_subscribed", when=when))
    elif wanted:
        await reply(
            update,
            t(
                lang,
                "subscribed_topics",
                when=when,
                topics=_topic_names(context, tuple(wanted), lang),
            ),
        )
    else:
        await reply(update, t(lang, "subscribed", when=when))


async def _subscribe_watches(update: Update, context: BotContext, chat: Chat, lang: str) -> None:
    """``/subscribe watches``: at the weekly post time, only the papers the chat's watches
    match (nothing when none do)."""
    await db(
        context.services.subscriptions.subscribe,
        chat.id,
        thread_of(update) or 0,
        chat_type=chat.type,
        title=chat.title or chat.username,
        language=lang,
        watches_only=True,
    )
    watches = await db(context.services.watches.of_chat, chat.id)
    key = "subscribed_watches" if watches else "subscribed_watches_none"
    await reply(update, t(lang, key, when=next_post_label(context, lang)))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    """/unsubscribe: stop the weekly post here."""
    lang = user_lang(update)
    chat = await _chat_to_change(update, context, lang)
    if chat is None:
        return
    if query_text(context).strip().lower() == "poll":
        await _switch_poll(update, context, chat, lang, on=False)
        return
    if _poll_with_more(query_text(context)):
        await reply(update, t(lang, "poll_alone", command="unsubscribe"))
        return
    removed = await db(
        context.services.subscriptions.unsubscribe, chat.id, thread_of(update) or 0, "user"
    )
    await reply(update, t(lang, "unsubscribed" if removed else "not_subscribed"))


def _poll_with_more(text: str) -> bool:
    """``poll`` and other words (``/subscribe poll extra``): not a topic, not the poll."""
    words = text.replace(",", " ").replace("，", " ").lower().split()
    return "poll" in words and len(words) > 1


async def _switch_poll(
    update: Update, context: BotContext, chat: Chat, lang: str, *, on: bool
) -> None:
    """``/subscribe poll`` and ``/unsubscribe poll``: the weekly reading poll on or off."""
    if on and chat.type == ChatType.CHANNEL:  # Telegram: no non-anonymous polls there
        await reply(update, t(lang, "poll_not_in_channels"))
        return
    changed = await db(context.services.subscriptions.set_poll, chat.id, thread_of(update) or 0, on)
    if changed is None:
        await reply(update, t(lang, "poll_needs_subscription" if on else "poll_already_off"))
    elif on:
        await reply(
            update,
            t(lang, "poll_on", hours=_hours(context)) if changed else t(lang, "poll_already_on"),
        )
    else:
        await reply(update, t(lang, "poll_off" if changed else "poll_already_off"))


def _was_member(change: ChatMemberUpdated) -> tuple[bool, bool]:
    old, new = change.old_chat_member.status, change.new_chat_member.status
    present = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)
    return old in present, new in present


async def my_chat_member(update: Update, context: BotContext) -> None:
    """The bot was added to or removed from a chat: channels (un)subscribe themselves."""
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    _, is_member = _was_member(change)
    subs = context.services.subscriptions
    if not is_member:
        await db(subs.unsubscribe, chat.id, None, f"bot removed ({change.new_chat_member.status})")
        log.info("removed from chat %s: unsubscribed", chat.id)
        return
    if chat.type == ChatType.CHANNEL and change.new_chat_member.status == ChatMember.ADMINISTRATOR:
        await db(subs.subscribe, chat.id, 0, chat_type=chat.type, title=chat.title, language="en")
        log.info("added to channel %s as administrator: subscribed", chat.id)


async def unknown_command(update: Update, _context: BotContext) -> None:
    """A command we do not have, in a private chat: point to /help (groups stay quiet: the
    command may be meant for another bot)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await reply(update, t(user_lang(update), "unknown_command", command=shorten(command, 40)))


async def plain_text(update: Update, _context: BotContext) -> None:
    """Plain text in a private chat: show how to search for it, and point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    query = shorten(" ".join(strip_controls(message.text).split()), 60) or "genie"
    await reply(update, t(user_lang(update), "plain_text", query=query))
