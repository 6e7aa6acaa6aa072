"""What Telegram refuses, and with which words: the checks every method applies.

Message texts (Telegram HTML, see :mod:`.html_check`; 4096 UTF-16 units of visible text),
inline keyboards (at most 100 buttons, callback data of 1-64 bytes, valid URLs, one action a
button), inline query results, command lists and the other parameters the bot sends. A check
raises :class:`ApiError` with Telegram's own error text, which the server turns into
``{"ok": false, ...}``, so a test fails exactly where production would.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.fake_telegram.html_check import TelegramHtmlError, parse_telegram_html, utf16_len

JsonDict = dict[str, Any]


def names(text: str) -> frozenset[str]:
    """A set of names written the way Telegram's documentation lists them: space-separated."""
    return frozenset(text.split())


MESSAGE_LIMIT = 4096  # UTF-16 code units of visible text
CALLBACK_ANSWER_LIMIT = 200
INLINE_RESULTS_LIMIT = 50
BUTTONS_LIMIT = 100
CALLBACK_DATA_LIMIT = 64  # bytes
COMMANDS_LIMIT = 100

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_URL = re.compile(r"(?i)(?:https?://[^\s/?#]+|tg://[a-z_]+)\S*")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_CHAT_ACTIONS = names(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
_INLINE_RESULT_TYPES = names(
    "article photo gif mpeg4_gif video audio voice document location venue contact game sticker"
)


class ApiError(Exception):
    """What Telegram answers instead of a result; becomes ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    """A 400 ``Bad Request: {description}``."""
    return ApiError(400, f"Bad Request: {description}")


def forbidden_text(chat_type: str, status: str) -> str:
    """Telegram's 403 text for a bot that may not write to a chat (it left or was removed)."""
    if chat_type == "private":
        return "Forbidden: bot was blocked by the user"
    if chat_type == "channel":
        return "Forbidden: bot is not a member of the channel chat"
    if status == "kicked":
        return f"Forbidden: bot was kicked from the {chat_type} chat"
    return f"Forbidden: bot is not a member of the {chat_type} chat"


# --------------------------------------------------------------------------- texts


def check_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    empty: str = "message text is empty",
) -> tuple[str, list[JsonDict]]:
    """Visible text and entities of a message text, with Telegram's checks."""
    if text is None or text == "":
        raise bad(empty)
    text = str(text)
    if entities is not None:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad("can't parse entities JSON object")
        visible, parsed = text, [dict(e) for e in entities]
    elif parse_mode:
        mode = str(parse_mode).lower()
        if mode == "html":
            try:
                visible, parsed = parse_telegram_html(text)
            except TelegramHtmlError as exc:
                raise ApiError(400, exc.description) from exc
        elif mode in ("markdown", "markdownv2"):
            visible, parsed = text, []  # not validated: the bot only uses HTML
        else:
            raise bad("unsupported parse_mode")
    else:
        visible, parsed = text, []
    visible, parsed = _trim(visible, parsed)
    if not visible:
        raise bad(empty)
    if utf16_len(visible) > MESSAGE_LIMIT:
        raise bad("message is too long")
    return visible, parsed


def _trim(visible: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    # Telegram strips surrounding whitespace and shifts the entities accordingly.
    stripped = visible.strip()
    if stripped == visible:
        return visible, entities
    if not stripped:
        return "", []
    lead = utf16_len(visible[: len(visible) - len(visible.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, int(entity.get("offset", 0)) - lead)
        end = min(size, int(entity.get("offset", 0)) + int(entity.get("length", 0)) - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def check_callback_answer(text: Any) -> None:
    """The text of an ``answerCallbackQuery`` toast or alert."""
    if text is not None and utf16_len(str(text)) > CALLBACK_ANSWER_LIMIT:
        raise bad("MESSAGE_TOO_LONG")


# --------------------------------------------------------------------------- keyboards


def check_markup(markup: Any) -> JsonDict | None:
    """Validate ``reply_markup``; return the inline keyboard shown under the message."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            return None  # reply keyboards are not part of the message
        raise bad("can't parse reply keyboard markup JSON object")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(
            'can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array'
        )
    count = 0
    for row in rows:
        for button in row:
            count += 1
            _check_button(button)
    if count > BUTTONS_LIMIT:
        raise bad("reply markup is too long")
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"].strip():
        raise bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad(
            "can't parse inline keyboard button: exactly one of the optional fields must "
            f"be used, found {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _BUTTON_URL.fullmatch(url):
            raise bad("BUTTON_URL_INVALID")
    if "web_app" in button:
        check_web_app(button["web_app"])


def check_web_app(web_app: Any) -> None:
    """A ``WebAppInfo``: Telegram opens Mini Apps over HTTPS only."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.lower().startswith("https://"):
        raise bad("BUTTON_URL_INVALID")


def check_web_app_chat(markup: JsonDict | None, chat_type: str) -> None:
    """``web_app`` buttons are allowed only in private chats between a user and the bot."""
    if markup is None or chat_type == "private":
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if "web_app" in button:
                raise bad("BUTTON_TYPE_INVALID")


def check_menu_button(button: Any) -> JsonDict:
    """The ``menu_button`` of a ``setChatMenuButton`` (default: the commands menu)."""
    if button is None:
        return {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad("can't parse menu button JSON object")
    if button["type"] == "web_app":
        if not str(button.get("text") or "").strip():
            raise bad("BUTTON_TEXT_INVALID")
        check_web_app(button.get("web_app"))
    return button


# --------------------------------------------------------------------------- other parameters


def check_inline_results(results: Any) -> list[JsonDict]:
    """The ``results`` of an ``answerInlineQuery``: at most 50, unique ids, valid contents."""
    if not isinstance(results, list):
        raise bad("can't parse inline query results JSON object")
    if len(results) > INLINE_RESULTS_LIMIT:
        raise bad("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_inline_result(result, seen)
    return results


def _check_inline_result(result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict):
        raise bad("can't parse InlineQueryResult JSON object")
    if result.get("type") not in _INLINE_RESULT_TYPES:
        raise bad("RESULT_TYPE_INVALID")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
        raise bad("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result["type"] == "article":
        if not str(result.get("title") or "").strip():
            raise bad("RESULT_TITLE_EMPTY")
        if "input_message_content" not in result:
            raise bad("can't parse InputMessageContent JSON object")
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        check_text(content.get("message_text"), content.get("parse_mode"), content.get("entities"))
    check_markup(result.get("reply_markup"))


def check_commands(commands: Any) -> list[JsonDict]:
    """The ``commands`` of a ``setMyCommands``, cleaned to ``command`` and ``description``."""
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > COMMANDS_LIMIT:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    clean = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    return clean


def check_language(params: JsonDict) -> str:
    """The ``language_code`` of a commands method: empty (every language) or two letters."""
    code = str(params.get("language_code") or "")
    if code and not _LANGUAGE_CODE.fullmatch(code):
        raise bad("invalid language code specified")
    return code


def check_chat_action(action: Any) -> None:
    """The ``action`` of a ``sendChatAction``."""
    if action not in _CHAT_ACTIONS:
        raise bad("wrong parameter action in request")


def check_webhook_url(url: str) -> None:
    """A webhook URL: empty (none) or HTTPS."""
    if url and not url.lower().startswith("https://"):
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")


def check_allowed_updates(allowed: Any) -> list[str]:
    """The ``allowed_updates`` of a ``getUpdates``: a JSON list of update types."""
    if not isinstance(allowed, list):
        raise bad("can't parse allowed_updates JSON object")
    return allowed
