"""The Bot API methods the fake answers: one small function each, registered in :data:`METHODS`.

A method gets the :class:`Backend` (the world, the update queue, the faults) and the decoded
parameters, checks them with :mod:`.rules`, changes the world, and returns the ``result``
Telegram would return, or raises :class:`~.rules.ApiError`. The server calls it with the
world's lock held (``getUpdates``, the one coroutine, takes the lock itself: it long-polls).

To add a method: write ``def my_method(tg: Backend, params: JsonDict) -> ...`` here and put
``@bot_api("myMethod")`` above it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.sandbox.fake_telegram import rules
from bot.sandbox.fake_telegram.faults import FaultInjector
from bot.sandbox.fake_telegram.records import CallbackAnswer, InlineAnswer
from bot.sandbox.fake_telegram.rules import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    WEBHOOK_CONFLICT,
    ApiError,
    bad,
)
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import (
    Chat,
    JsonDict,
    Query,
    StoredMessage,
    World,
    chat_member,
)


@dataclass(frozen=True, slots=True)
class Backend:
    """What the methods act on."""

    world: World
    updates: UpdateQueue
    faults: FaultInjector


MethodFunction = Callable[[Backend, JsonDict], Any]
F = TypeVar("F", bound=MethodFunction)


@dataclass(frozen=True, slots=True)
class Method:
    """A registered method: its Bot API name, its function, and whether that is a coroutine."""

    name: str
    run: MethodFunction
    is_coroutine: bool


# Keyed by the lower-cased name: Telegram matches method names case-insensitively.
METHODS: dict[str, Method] = {}


def bot_api(name: str) -> Callable[[F], F]:
    """Register the decorated function as the Bot API method ``name``."""

    def register(function: F) -> F:
        METHODS[name.lower()] = Method(name, function, inspect.iscoroutinefunction(function))
        return function

    return register


# --------------------------------------------------------------------------- the bot itself


@bot_api("close")
@bot_api("logOut")
def accept(tg: Backend, params: JsonDict) -> bool:
    """Methods the fake accepts without doing anything."""
    return True


@bot_api("getMe")
def get_me(tg: Backend, params: JsonDict) -> JsonDict:
    bot = tg.world.bot
    return {
        **bot.user(),
        "can_join_groups": bot.can_join_groups,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


# --------------------------------------------------------------------------- updates


@bot_api("getUpdates")
async def get_updates(tg: Backend, params: JsonDict) -> list[JsonDict]:
    limit = int(params.get("limit") or 100)
    timeout = max(0, int(params.get("timeout") or 0))
    with tg.world.lock:
        if tg.world.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if "allowed_updates" in params:
            tg.updates.allow(rules.check_allowed_updates(params["allowed_updates"]))
    return await tg.updates.long_poll(int(params.get("offset") or 0), limit, timeout)


@bot_api("deleteWebhook")
def delete_webhook(tg: Backend, params: JsonDict) -> bool:
    return _set_webhook_url(tg, params, "")


@bot_api("setWebhook")
def set_webhook(tg: Backend, params: JsonDict) -> bool:
    url = str(params.get("url") or "")
    rules.check_webhook_url(url)
    return _set_webhook_url(tg, params, url)


def _set_webhook_url(tg: Backend, params: JsonDict, url: str) -> bool:
    tg.world.webhook_url = url
    if params.get("drop_pending_updates"):
        tg.updates.clear()
    return True


@bot_api("getWebhookInfo")
def get_webhook_info(tg: Backend, params: JsonDict) -> JsonDict:
    return {
        "url": tg.world.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(tg.updates),
    }


# --------------------------------------------------------------------------- commands


def _commands_key(tg: Backend, params: JsonDict) -> tuple[str, str]:
    """The key of :attr:`World.commands` for a command scope and language."""
    return _scope_key(tg, params.get("scope")), rules.check_language(params)


def _scope_key(tg: Backend, scope: Any) -> str:
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return str(kind)
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad("unsupported bot command scope type")
    chat = tg.world.chat(scope, sending=False)
    if kind == "chat":
        return f"chat:{chat.id}"
    if chat.type == "private":
        raise bad("can't change commands of administrators in private chats")
    if kind == "chat_administrators":
        return f"chat_administrators:{chat.id}"
    return f"chat_member:{chat.id}:{int(scope.get('user_id') or 0)}"


@bot_api("setMyCommands")
def set_my_commands(tg: Backend, params: JsonDict) -> bool:
    commands = rules.check_commands(params.get("commands"))
    key = _commands_key(tg, params)
    if commands:
        tg.world.commands[key] = commands
    else:
        tg.world.commands.pop(key, None)
    return True


@bot_api("getMyCommands")
def get_my_commands(tg: Backend, params: JsonDict) -> list[JsonDict]:
    return list(tg.world.commands.get(_commands_key(tg, params), []))


@bot_api("deleteMyCommands")
def delete_my_commands(tg: Backend, params: JsonDict) -> bool:
    tg.world.commands.pop(_commands_key(tg, params), None)
    return True


# --------------------------------------------------------------------------- messages


@bot_api("sendMessage")
def send_message(tg: Backend, params: JsonDict) -> JsonDict:
    world = tg.world
    chat = world.chat(params)
    text = params.get("text")
    parse_mode = params.get("parse_mode") or None
    visible, entities = rules.check_text(text, parse_mode, params.get("entities"))
    raw_markup = params.get("reply_markup")
    markup = rules.check_markup(raw_markup)
    rules.check_web_app_chat(markup, chat.type)
    _check_reply_target(world, chat, params)
    tg.faults.flood.check(chat)

    thread_id = params.get("message_thread_id")
    message_id = world.new_message_id(chat.id)
    data = world.message_dict(
        chat, message_id, world.bot.user(), visible, entities, thread_id, markup
    )
    stored = StoredMessage(chat.id, message_id, True, data, visible, entities, markup, thread_id)
    world.messages[(chat.id, message_id)] = stored
    world.record_sent(chat, stored, params, "sendMessage", str(text), parse_mode, raw_markup)
    return data


def _check_reply_target(world: World, chat: Chat, params: JsonDict) -> None:
    reply = params.get("reply_parameters")
    reply_id = reply.get("message_id") if isinstance(reply, dict) else None
    reply_id = reply_id or params.get("reply_to_message_id")
    if not reply_id:
        return
    target = world.messages.get((chat.id, int(reply_id)))
    tolerant = params.get("allow_sending_without_reply") or (
        isinstance(reply, dict) and reply.get("allow_sending_without_reply")
    )
    if (target is None or target.deleted) and not tolerant:
        raise bad("message to be replied not found")


def _message(tg: Backend, params: JsonDict, action: str) -> tuple[Chat, StoredMessage]:
    """The message of ``chat_id`` and ``message_id`` the bot wants to ``action``."""
    chat = tg.world.chat(params)
    message_id = params.get("message_id")
    if message_id is None:
        raise bad("message identifier is not specified")
    stored = tg.world.messages.get((chat.id, int(message_id)))
    if stored is None or stored.deleted:
        raise bad(f"message to {action} not found")
    return chat, stored


def _editable(tg: Backend, params: JsonDict) -> tuple[Chat, StoredMessage]:
    chat, stored = _message(tg, params, "edit")
    if not stored.from_bot:
        raise bad("message can't be edited")
    return chat, stored


@bot_api("editMessageText")
def edit_message_text(tg: Backend, params: JsonDict) -> JsonDict | bool:
    text = params.get("text")
    parse_mode = params.get("parse_mode") or None
    if params.get("inline_message_id"):
        # Inline messages live in chats we do not model: validate, accept, answer True.
        rules.check_text(text, parse_mode, params.get("entities"))
        rules.check_markup(params.get("reply_markup"))
        return True
    chat, stored = _editable(tg, params)
    visible, entities = rules.check_text(text, parse_mode, params.get("entities"))
    # An edit without reply_markup removes the inline keyboard, as in Telegram.
    markup = rules.check_markup(params.get("reply_markup"))
    rules.check_web_app_chat(markup, chat.type)
    if visible == stored.visible and entities == stored.entities and markup == stored.markup:
        raise bad(NOT_MODIFIED)
    edit = _Edit("editMessageText", str(text), parse_mode, visible, entities, markup)
    return edit.apply(tg.world, chat, stored, params)


@bot_api("editMessageReplyMarkup")
def edit_message_reply_markup(tg: Backend, params: JsonDict) -> JsonDict | bool:
    if params.get("inline_message_id"):
        rules.check_markup(params.get("reply_markup"))
        return True
    chat, stored = _editable(tg, params)
    markup = rules.check_markup(params.get("reply_markup"))
    rules.check_web_app_chat(markup, chat.type)
    if markup == stored.markup:
        raise bad(NOT_MODIFIED)
    previous = stored.latest
    text = previous.text if previous else stored.visible
    parse_mode = previous.parse_mode if previous else None
    edit = _Edit(
        "editMessageReplyMarkup", text, parse_mode, stored.visible, stored.entities, markup
    )
    return edit.apply(tg.world, chat, stored, params)


@dataclass(frozen=True, slots=True)
class _Edit:
    """An accepted edit: the raw text as the bot sent it and what the message shows now."""

    method: str
    text: str
    parse_mode: str | None
    visible: str
    entities: list[JsonDict]
    markup: JsonDict | None

    def apply(self, world: World, chat: Chat, stored: StoredMessage, params: JsonDict) -> JsonDict:
        data = world.message_dict(
            chat,
            stored.message_id,
            world.bot.user(),
            self.visible,
            self.entities,
            stored.thread_id,
            self.markup,
        )
        data["date"] = stored.data["date"]
        data["edit_date"] = int(time.time())
        stored.data, stored.visible = data, self.visible
        stored.entities, stored.markup = self.entities, self.markup
        raw_markup = params.get("reply_markup")
        world.record_sent(chat, stored, params, self.method, self.text, self.parse_mode, raw_markup)
        return data


@bot_api("deleteMessage")
def delete_message(tg: Backend, params: JsonDict) -> bool:
    chat, stored = _message(tg, params, "delete")
    stored.deleted = True
    tg.world.records.deleted.append((chat.id, stored.message_id))
    tg.world.changed()
    return True


# --------------------------------------------------------------------------- queries


def _open_query(queries: dict[str, Query], params: JsonDict, key: str) -> tuple[str, Query]:
    """The unanswered query whose id is ``params[key]``."""
    query_id = str(params.get(key) or "")
    query = queries.get(query_id)
    if query is None or query.answered:
        raise bad(QUERY_TOO_OLD)
    return query_id, query


@bot_api("answerCallbackQuery")
def answer_callback_query(tg: Backend, params: JsonDict) -> bool:
    query_id, query = _open_query(tg.world.callback_queries, params, "callback_query_id")
    text = params.get("text")
    rules.check_callback_answer(text)
    query.answered = True
    tg.world.records.callback_answers.append(
        CallbackAnswer(
            callback_query_id=query_id,
            text=None if text is None else str(text),
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
            data=query.data,
            user_id=query.user_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            time=time.monotonic(),
        )
    )
    return True


@bot_api("answerInlineQuery")
def answer_inline_query(tg: Backend, params: JsonDict) -> bool:
    query_id, query = _open_query(tg.world.inline_queries, params, "inline_query_id")
    results = rules.check_inline_results(params.get("results"))
    query.answered = True
    tg.world.records.inline_answers.append(
        InlineAnswer(
            inline_query_id=query_id,
            query=query.query,
            user_id=query.user_id,
            results=results,
            cache_time=params.get("cache_time"),
            is_personal=bool(params.get("is_personal")),
            next_offset=params.get("next_offset"),
            button=params.get("button"),
            time=time.monotonic(),
        )
    )
    return True


# --------------------------------------------------------------------------- chats


@bot_api("getChat")
def get_chat(tg: Backend, params: JsonDict) -> JsonDict:
    chat = tg.world.chat(params, sending=False)
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


@bot_api("getChatMember")
def get_chat_member(tg: Backend, params: JsonDict) -> JsonDict:
    world = tg.world
    chat = world.chat(params, sending=False)
    user_id = params.get("user_id")
    if user_id is None:
        raise bad("user_id is empty")
    user_id = int(user_id)
    if user_id == world.bot.bot_id:
        return chat_member(world.bot.user(), chat.bot_status, chat.type)
    status = world.members.get(chat.id, {}).get(user_id, "member")
    return chat_member(world.user(user_id), status, chat.type)


@bot_api("setChatMenuButton")
def set_chat_menu_button(tg: Backend, params: JsonDict) -> bool:
    """The bot's menu button in one private chat, or (no ``chat_id``) the default."""
    button = rules.check_menu_button(params.get("menu_button"))
    chat_id = 0
    if params.get("chat_id") is not None:
        chat = tg.world.chat(params, sending=False)
        if chat.type != "private":
            raise bad("chat not found")
        chat_id = chat.id
    tg.world.menu_buttons[chat_id] = button
    return True


@bot_api("getChatMenuButton")
def get_chat_menu_button(tg: Backend, params: JsonDict) -> JsonDict:
    """The menu button a private chat shows (its own, else the default)."""
    buttons = tg.world.menu_buttons
    chat_id = int(params["chat_id"]) if params.get("chat_id") is not None else 0
    return buttons.get(chat_id) or buttons.get(0) or {"type": "commands"}


@bot_api("getChatAdministrators")
def get_chat_administrators(tg: Backend, params: JsonDict) -> list[JsonDict]:
    world = tg.world
    chat = world.chat(params, sending=False)
    if chat.type == "private":
        raise bad("there are no administrators in the private chat")
    admins = [
        chat_member(world.user(user_id), status, chat.type)
        for user_id, status in world.members.get(chat.id, {}).items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(chat_member(world.bot.user(), "administrator", chat.type))
    return admins


@bot_api("sendChatAction")
def send_chat_action(tg: Backend, params: JsonDict) -> bool:
    tg.world.chat(params)
    rules.check_chat_action(params.get("action"))
    return True


@bot_api("leaveChat")
def leave_chat(tg: Backend, params: JsonDict) -> bool:
    chat = tg.world.chat(params)
    if chat.type == "private":
        raise bad("chat member status can't be changed in private chats")
    chat.bot_status = "left"
    return True
