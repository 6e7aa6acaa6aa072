"""``sendDocument``: files the bot uploads, kept so tests can read them back.

python-telegram-bot sends an ``InputFile`` as a part of a ``multipart/form-data`` request;
both transports hand it over as ``{"file_name", "content", "mime_type"}``
(:func:`~.dispatch.upload`). The fake refuses what Telegram refuses: no file, an empty file,
a file over 50 MB, a caption over 1024 characters after entity parsing, and a ``file_id``
it never issued. Accepted files are recorded as :class:`~.records.SentDocument`.
"""

from __future__ import annotations

import hashlib
import time

from bot.sandbox.fake_telegram import rules
from bot.sandbox.fake_telegram.html_check import utf16_len
from bot.sandbox.fake_telegram.methods import Backend, bot_api
from bot.sandbox.fake_telegram.records import SentDocument
from bot.sandbox.fake_telegram.rules import ApiError, bad
from bot.sandbox.fake_telegram.world import JsonDict, StoredMessage

UPLOAD_LIMIT = 50 * 1024 * 1024  # bytes a bot may upload
CAPTION_LIMIT = 1024  # UTF-16 code units of visible caption


def _file_id(content: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(content).hexdigest()
    return f"BQACAgIAAx-fake-{digest[:32]}", f"AgAD{digest[:12]}"


def _document(tg: Backend, params: JsonDict) -> tuple[str, bytes, str | None]:
    """The uploaded (or re-sent) file: name, bytes, MIME type."""
    document = params.get("document")
    if isinstance(document, dict) and "content" in document:
        content = bytes(document["content"])
        if not content:
            raise bad("file must be non-empty")
        if len(content) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        return str(document.get("file_name") or "document"), content, document.get("mime_type")
    if isinstance(document, str) and document:
        for sent in tg.world.records.documents:  # a file_id the fake issued earlier
            if _file_id(sent.content)[0] == document:
                return sent.file_name, sent.content, sent.mime_type
        raise bad("wrong file identifier/HTTP URL specified")
    raise bad("there is no document in the request")


def _caption(params: JsonDict) -> tuple[str, list[JsonDict]]:
    caption = params.get("caption")
    if caption is None or caption == "":
        return "", []
    visible, entities = rules.check_text(
        caption, params.get("parse_mode") or None, params.get("caption_entities")
    )
    if utf16_len(visible) > CAPTION_LIMIT:
        raise bad("message caption is too long")
    return visible, entities


@bot_api("sendDocument")
def send_document(tg: Backend, params: JsonDict) -> JsonDict:
    world = tg.world
    chat = world.chat(params)
    file_name, content, mime_type = _document(tg, params)
    visible, entities = _caption(params)
    markup = rules.check_markup(params.get("reply_markup"))
    tg.faults.flood.check(chat)

    thread_id = params.get("message_thread_id")
    message_id = world.new_message_id(chat.id)
    data = world.message_dict(chat, message_id, world.bot.user(), "", [], thread_id, markup)
    del data["text"]
    file_id, unique_id = _file_id(content)
    data["document"] = {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "file_name": file_name,
        "file_size": len(content),
        **({"mime_type": mime_type} if mime_type else {}),
    }
    if visible:
        data["caption"] = visible
        if entities:
            data["caption_entities"] = entities
    stored = StoredMessage(chat.id, message_id, True, data, visible, entities, markup, thread_id)
    world.messages[(chat.id, message_id)] = stored
    caption = params.get("caption")
    world.records.documents.append(
        SentDocument(
            chat_id=chat.id,
            message_id=message_id,
            file_name=file_name,
            content=content,
            mime_type=mime_type,
            caption=None if caption is None else str(caption),
            visible_caption=visible,
            message_thread_id=thread_id,
            time=time.monotonic(),
        )
    )
    parse_mode = params.get("parse_mode") or None
    world.record_sent(
        chat,
        stored,
        params,
        "sendDocument",
        str(caption or ""),
        parse_mode,
        params.get("reply_markup"),
    )
    return data
