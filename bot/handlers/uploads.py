"""Admins add a digest from the chat and order the publishing queue (issue 15).

A ``.md``/``.txt`` document (at most 1 MB) or ``/add <text>`` in a private chat gets the
``/preview`` rendering of the digest and the buttons ✅ Add · 🗓 Week · 🆔 Id · ❌ Discard;
🗓 and 🆔 ask for a value, which the admin's next message in that chat gives (the question
is kept with the upload in the database, so a restart in between loses nothing).
``/queue`` lists the upcoming digests in publishing order with ⬆️ ⬇️ ⏭ buttons. The work
is done in :mod:`bot.services.uploads`; anyone but a bot admin is refused (commands,
buttons) or ignored (documents): nothing is stored for them.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest

from bot.content import MAX_UPLOAD_BYTES
from bot.domain.callbacks import QueueAction, UploadAction
from bot.domain.parsing import LAYOUT_NAMES
from bot.domain.preview import preview_messages, week_text
from bot.domain.schedule import format_local
from bot.domain.texts import Raw, t
from bot.handlers import chat
from bot.handlers.admin import admin_only
from bot.handlers.buttons import edit_in_place
from bot.handlers.common import NO_PREVIEW, is_group, keyboard, reply, user_lang
from bot.services import Services, db
from bot.services import uploads as service
from bot.services.context import BotContext

log = logging.getLogger(__name__)
QUEUE_SHOWN = 10  # digests with buttons in /queue: 3 buttons each, far below Telegram's 100
ONE_MESSAGE_NOTE_CHARS = 3500  # a paste this long may have been split by the client
_COMMAND = re.compile(r"^/\S+[ \t]*\n?")


# --------------------------------------------------------------------------- receiving


async def document_message(update: Update, context: BotContext) -> None:
    """A document in a private chat: an admin's digest upload; anyone else's is ignored."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    if not context.services.is_admin(user.id):
        log.info("ignored a document from user %s (not a bot admin)", user.id)
        return
    lang = user_lang(update)
    document = message.document
    name = Path(document.file_name or "document").name[:100]
    size = document.file_size or 0
    if size > MAX_UPLOAD_BYTES:
        log.info("admin %s sent %r: %d bytes, refused", user.id, name, size)
        await reply(update, t(lang, "upload_too_big", name=name, size=f"{size / 2**20:.1f}"))
        return
    if Path(name).suffix.lower() not in service.SUFFIXES:
        log.info("admin %s sent %r: not .md/.txt, refused", user.id, name)
        await reply(update, t(lang, "upload_not_text", name=name))
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > MAX_UPLOAD_BYTES:  # the size the message claimed was wrong
        await reply(update, t(lang, "upload_too_big", name=name, size=f"{len(data) / 2**20:.1f}"))
        return
    if not _is_text(data):
        log.info("admin %s sent %r: binary, refused", user.id, name)
        await reply(update, t(lang, "upload_not_text", name=name))
        return
    await _receive(update, context, name, data)


def _is_text(data: bytes) -> bool:
    """UTF-8 text without NUL bytes (which no text digest holds, and binaries do)."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@admin_only
async def add_command(update: Update, context: BotContext) -> None:
    """/add <text>: the text of this one message as a digest (a file for longer ones)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    lang = user_lang(update)
    if is_group(update):  # the preview, its buttons and the questions belong in private
        await reply(update, t(lang, "add_in_private"))
        return
    text = _COMMAND.sub("", message.text, count=1)
    if not text.strip():
        await reply(update, t(lang, "usage_add"))
        return
    if len(message.text) >= ONE_MESSAGE_NOTE_CHARS:
        await reply(update, t(lang, "add_one_message", n=len(message.text)))
    await _receive(update, context, "pasted text.md", text.encode("utf-8"))


async def _receive(update: Update, context: BotContext, name: str, data: bytes) -> None:
    user, chat_ = update.effective_user, update.effective_chat
    if user is None or chat_ is None:
        return
    lang = user_lang(update)
    services = context.services
    result = await db(
        service.receive, services, user.id, chat_.id, name, data, services.clock().date()
    )
    if isinstance(result, service.Refused):
        await reply(update, t(lang, "upload_refused", problem=result.problem))
        return
    await _send_view(context, chat_.id, result, lang)


async def _send_view(
    context: BotContext, chat_id: int, view: service.UploadView, lang: str
) -> None:
    """The upload's header and notes, then its preview; the buttons under the last part."""
    pending, preview = view.pending, view.preview
    parts = preview_messages(preview)
    target = Path(preview.file)
    header = t(
        lang,
        "upload_header",
        name=pending.file_name,
        id=pending.digest_id,
        week=week_text(preview.week_start, preview.week_end),
        file=f"{target.parent.name}/{target.name}",
        n=len(parts),
    )
    notes = []
    if view.same_content_as:
        notes.append(t(lang, "upload_same_content", id=view.same_content_as))
    elif view.same_week_as:
        notes.append(t(lang, "upload_same_week", id=view.same_week_as))
    if view.id_taken:
        notes.append(t(lang, "upload_id_taken", id=pending.digest_id))
    if view.watch_reach:  # chats whose watches its papers match (none: no line)
        notes.append(t(lang, "preview_watch_reach", count=view.watch_reach))
    text = "\n\n".join([header, *notes])
    await context.bot.send_message(chat_id, text)  # a name of ≤ 100 characters: it fits
    buttons = _upload_buttons(view, lang)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(
            chat_id, part, reply_markup=buttons if last else None, link_preview_options=NO_PREVIEW
        )


def _upload_buttons(view: service.UploadView, lang: str) -> InlineKeyboardMarkup | None:
    pending_id = view.pending.id
    first: list[InlineKeyboardButton] = []
    if view.can_add:
        label = "btn_add_anyway" if view.same_week_as else "btn_add"
        first.append(_button(t(lang, label), UploadAction(pending_id, "a")))
    first.append(_button(t(lang, "btn_week"), UploadAction(pending_id, "w")))
    first.append(_button(t(lang, "btn_id"), UploadAction(pending_id, "i")))
    readings = [  # the other plausible readings: the admin picks one, kept as ``format:``
        _button(t(lang, "btn_reading", layout=layout), UploadAction(pending_id, f"r{at}"))
        for layout in view.preview.alternatives
        if (at := LAYOUT_NAMES.index(layout)) < 10
    ]
    rows = [first, *([readings] if readings else [])]
    return keyboard([*rows, [_button(t(lang, "btn_discard"), UploadAction(pending_id, "x"))]])


def _button(label: str, data: UploadAction | QueueAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


# --------------------------------------------------------------------------- the buttons


async def _refused_button(update: Update, context: BotContext, query: CallbackQuery) -> bool:
    """A non-admin pressing an admin's button (a forwarded message, made-up data)."""
    if context.services.is_admin(query.from_user.id):
        return False
    log.info("refused an admin button for user %s", query.from_user.id)
    await query.answer(t(user_lang(update), "admins_only", user_id=query.from_user.id))
    return True


async def _drop_buttons(query: CallbackQuery) -> None:
    """The preview's buttons go once the upload is added or discarded."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:  # gone or unchanged: nothing to take away
        log.info("could not remove the upload buttons: %s", exc.message)


async def upload_button(
    update: Update, context: BotContext, query: CallbackQuery, button: UploadAction
) -> None:
    """✅ add, 🗓 week, 🆔 id, ❌ discard under an upload's preview."""
    if await _refused_button(update, context, query):
        return
    lang = user_lang(update)
    services = context.services
    admin_id = query.from_user.id
    chat_id = query.message.chat.id if query.message else admin_id
    if button.action == "a":
        await _add(update, context, query, button.pending_id)
    elif button.action.startswith("r"):
        await _read_as(update, context, query, button)
    elif button.action == "x":
        gone = await db(service.discard, services, button.pending_id, admin_id)
        if gone is None:
            await query.answer(t(lang, "upload_gone"))
            return
        await query.answer()
        await _drop_buttons(query)
        await context.bot.send_message(chat_id, t(lang, "upload_discarded", name=gone.file_name))
    else:
        what = "week" if button.action == "w" else "id"
        pending = await db(services.pending.get, button.pending_id)
        asked = pending is not None and await db(
            services.pending.ask, button.pending_id, admin_id, chat_id, what
        )
        if pending is None or not asked:
            await query.answer(t(lang, "upload_gone"))
            return
        log.info("admin %s asked to set the %s of upload %d", admin_id, what, pending.id)
        await query.answer()
        placeholder = "2025-W21" if what == "week" else pending.digest_id
        await context.bot.send_message(
            chat_id,
            t(lang, f"ask_{what}", id=pending.digest_id),
            reply_markup=ForceReply(input_field_placeholder=placeholder),
        )


async def _read_as(
    update: Update, context: BotContext, query: CallbackQuery, button: UploadAction
) -> None:
    """📖: read the upload as another plausible layout, then show its preview again."""
    lang = user_lang(update)
    layout = (
        LAYOUT_NAMES[int(button.action[1:])] if int(button.action[1:]) < len(LAYOUT_NAMES) else ""
    )
    problem = await db(service.set_reading, context.services, button.pending_id, layout)
    view = None if problem else await db(service.view, context.services, button.pending_id)
    if view is None:
        await query.answer(t(lang, "upload_gone"))
        return
    if isinstance(view, service.Refused):
        await query.answer()
        await reply(update, t(lang, "upload_refused", problem=view.problem))
        return
    await query.answer(t(lang, "reading_set", layout=layout))
    await _drop_buttons(query)
    await _send_view(context, view.pending.chat_id, view, lang)


async def _add(update: Update, context: BotContext, query: CallbackQuery, pending_id: int) -> None:
    lang = user_lang(update)
    services = context.services
    admin_id = query.from_user.id
    chat_id = query.message.chat.id if query.message else admin_id
    now = services.clock()
    result = await db(service.add, services, pending_id, admin_id, now)
    if result is None:
        await query.answer(t(lang, "upload_gone"))
        return
    await query.answer()
    if isinstance(result, service.NotAdded):
        await context.bot.send_message(chat_id, t(lang, "upload_not_added", problem=result.problem))
        return
    await _drop_buttons(query)
    if isinstance(result, service.ReadOnly):
        await context.bot.send_document(
            chat_id, InputFile(result.content, filename=result.file_name)
        )
        text = t(
            lang,
            "upload_read_only",
            folder=str(result.folder),
            file=result.file_name,
            digests=result.digests_file,
            entry=result.entry_text,
        )
        await context.bot.send_message(chat_id, text)
        return
    services.scheduler.reschedule()  # as /reload: the config was re-read
    text = _added_text(services, result, lang, now)
    if result.watch_reach:
        text += "\n" + t(lang, "preview_watch_reach", count=result.watch_reach)
    await context.bot.send_message(chat_id, text)


def _added_text(services: Services, added: service.Added, lang: str, now: datetime) -> str:
    tz = services.config.timezone
    values: dict[str, object] = {
        "id": added.digest_id,
        "papers": added.papers,
        "file": f"{added.file.parent.name}/{added.file.name}",
        "digests": services.config.digests_path.name,
        "next_post": format_local(services.next_post_time(now), tz, lang),
    }
    if added.place is None or added.post_time is None:
        return t(lang, "upload_added_unqueued", **values)
    post_time = format_local(added.post_time, tz, lang)
    return t(
        lang,
        "upload_added",
        place=added.place,
        total=added.queue_length,
        post_time=post_time,
        **values,
    )


# --------------------------------------------------------------------------- answers to 🗓/🆔


async def text_message(update: Update, context: BotContext) -> None:
    """Plain text in a private chat: the value an upload asked its admin for, else the usual
    hint (:func:`bot.handlers.chat.plain_text`)."""
    message, user, chat_ = update.effective_message, update.effective_user, update.effective_chat
    services = context.services
    if message is None or user is None or chat_ is None or not services.is_admin(user.id):
        await chat.plain_text(update, context)
        return
    pending = await db(services.pending.awaiting_reply, user.id, chat_.id)
    if pending is None or not message.text:
        await chat.plain_text(update, context)
        return
    lang = user_lang(update)
    value = message.text.strip()[:100]
    if pending.awaiting == "week":
        problem = await db(service.set_week, services, pending.id, value)
        if problem == "not a week":
            await reply(update, t(lang, "bad_week", text=value))
            return
        if problem is not None and problem != "gone":
            await reply(update, t(lang, "bad_week_range", problem=problem))
            return
    else:
        problem = await db(service.set_id, services, pending.id, value)
        if problem is not None and problem != "gone":
            await reply(update, t(lang, "bad_id", problem=problem))
            return
    view = await db(service.view, services, pending.id)
    if view is None or problem == "gone":
        await reply(update, t(lang, "upload_gone"))
    elif isinstance(view, service.Refused):
        await reply(update, t(lang, "upload_refused", problem=view.problem))
    else:
        await _send_view(context, chat_.id, view, lang)


# --------------------------------------------------------------------------- /queue


@admin_only
async def queue_command(update: Update, context: BotContext) -> None:
    """/queue: the upcoming digests in publishing order, with ⬆️ ⬇️ ⏭ buttons."""
    lang = user_lang(update)
    user = update.effective_user
    log.info("admin %s looked at the queue", user.id if user else None)
    text, markup = await _queue_message(context.services, lang)
    await reply(update, text, markup)


async def _queue_message(services: Services, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    queue = await db(service.queue_of, services, services.clock())
    if not queue.items:
        return t(lang, "queue_empty"), None
    lines, rows = [], []
    shown = queue.items[:QUEUE_SHOWN]
    for index, item in enumerate(shown):
        number = index + 1
        week = item.week.isoformat() if item.week else t(lang, "queue_no_week")
        key = "queue_line_skipped" if item.skipped else "queue_line"
        lines.append(t(lang, key, n=number, id=item.digest_id, week=week))
        row = []
        if index > 0:
            row.append(_button(f"⬆️ {number}", QueueAction(item.digest_id, "u", queue.version)))
        if index < len(queue.items) - 1:
            row.append(_button(f"⬇️ {number}", QueueAction(item.digest_id, "d", queue.version)))
        skip = ("↩️", "r") if item.skipped else ("⏭", "s")
        action = QueueAction(item.digest_id, skip[1], queue.version)
        row.append(_button(f"{skip[0]} {number}", action))
        rows.append(row)
    if len(queue.items) > QUEUE_SHOWN:
        lines.append(t(lang, "queue_more", count=len(queue.items) - QUEUE_SHOWN))
    next_post = (
        format_local(queue.next_post, services.config.timezone, lang) if queue.next_post else "—"
    )
    text = t(lang, "queue", next_post=next_post, lines=Raw("\n".join(lines)))
    return text, keyboard(rows)


async def queue_button(
    update: Update, context: BotContext, query: CallbackQuery, button: QueueAction
) -> None:
    """⬆️ ⬇️ ⏭ ↩️ under /queue: write the new order (or skip) to digests.yaml, reload."""
    if await _refused_button(update, context, query):
        return
    lang = user_lang(update)
    services = context.services
    admin_id = query.from_user.id
    up, version = button.action == "u", button.version
    if button.action in ("u", "d"):
        problem = await db(service.move, services, button.digest_id, up, admin_id, version)
    else:
        skipped = button.action == "s"
        problem = await db(service.skip, services, button.digest_id, skipped, admin_id, version)
    answers = {
        None: t(lang, "queue_changed"),
        "stale": t(lang, "queue_stale"),
        "gone": t(lang, "queue_gone"),
        "edge": t(lang, "queue_edge"),
        "read-only": t(lang, "queue_read_only"),
    }
    # a toast is plain text: no HTML escaping
    await query.answer(answers.get(problem, f"⚠️ {problem}"[:200]))
    if problem is None:
        services.scheduler.reschedule()
    text, markup = await _queue_message(services, lang)
    await edit_in_place(query, text, markup)
