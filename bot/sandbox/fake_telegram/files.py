"""Files users send to the bot: documents in incoming messages, ``getFile`` and the download.

:class:`Uploads` plays a user sending a document (``send_document``): the bytes are kept
under a new ``file_id`` and a ``message`` update with a ``document`` is queued. The bot
then calls ``getFile`` (registered here with :func:`~.methods.bot_api`), which answers a
``file_path`` as Telegram does, and downloads ``{base_file_url}{token}/{file_path}`` —
served by :mod:`.server` over HTTP and by :mod:`.transport` in-process, both through
:func:`download`.

Telegram's rules: an unknown ``file_id`` is a 400 ``invalid file_id``; ``getFile`` refuses
files over 20 MB (``file is too big``); a download of an unknown path is a 404.
"""

from __future__ import annotations

import hashlib
import itertools
import mimetypes
import time
import weakref
from dataclasses import dataclass, field

from bot.sandbox.fake_telegram.methods import Backend, bot_api
from bot.sandbox.fake_telegram.rules import bad
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import (
    DEFAULT_USER_ID,
    ChatType,
    JsonDict,
    StoredMessage,
    World,
)

GET_FILE_LIMIT = 20 * 1024 * 1024  # bytes: the Bot API's getFile refuses bigger files


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file a user sent: its bytes and the ids Telegram gave it."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


@dataclass
class FileStore:
    """The files of one fake Telegram, by ``file_id`` and by ``file_path``."""

    by_id: dict[str, StoredFile] = field(default_factory=dict)
    by_path: dict[str, StoredFile] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, name: str, data: bytes) -> StoredFile:
        """Keep ``data``; ``name``'s extension becomes the path's, as on Telegram."""
        number = next(self.counter)
        suffix = name.rpartition(".")[2][:8] if "." in name else "bin"
        unique = hashlib.sha256(data).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"BQACAgIAAx{number:06d}{unique}",
            file_unique_id=f"AgAD{unique}",
            file_path=f"documents/file_{number}.{suffix}",
            data=data,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored


_STORES: weakref.WeakKeyDictionary[World, FileStore] = weakref.WeakKeyDictionary()


def files_of(world: World) -> FileStore:
    """The file store of ``world`` (made on first use; the caller holds the world's lock)."""
    store = _STORES.get(world)
    if store is None:
        store = _STORES[world] = FileStore()
    return store


class Uploads:
    """Simulated users sending documents."""

    def __init__(self, world: World, updates: UpdateQueue) -> None:
        self._world = world
        self._updates = updates

    def send_document(
        self,
        file_name: str,
        data: bytes,
        mime_type: str | None = None,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_type: ChatType = "private",
        language_code: str | None = "en",
        caption: str | None = None,
    ) -> JsonDict:
        """A user sends ``data`` as the document ``file_name``; queues the ``message`` update
        and returns it. ``mime_type`` defaults to what the name suggests."""
        if chat_id is None:
            if chat_type != "private":
                raise ValueError("chat_id is required for a non-private chat")
            chat_id = user_id
        world = self._world
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        with world.lock:
            user = world.user(user_id, None, None, language_code)
            chat = world.register_chat(chat_id, chat_type)
            stored = files_of(world).add(file_name, data)
            message_id = world.new_message_id(chat.id)
            message = world.message_dict(chat, message_id, user, caption or "", [], None)
            del message["text"]
            message["date"] = int(time.time())
            message["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime,
                "file_size": len(data),
            }
            if caption:
                message["caption"] = caption
            world.messages[(chat.id, message_id)] = StoredMessage(
                chat.id, message_id, False, message, caption or "", [], None, None
            )
            return self._updates.push("message", message)


@bot_api("getFile")
def get_file(tg: Backend, params: JsonDict) -> JsonDict:
    file_id = params.get("file_id")
    if not isinstance(file_id, str) or not file_id:
        raise bad("file_id is required")  # what Telegram says for a missing parameter
    stored = files_of(tg.world).by_id.get(file_id)
    if stored is None:
        raise bad("invalid file_id")
    if len(stored.data) > GET_FILE_LIMIT:
        raise bad("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def download(world: World, file_path: str) -> bytes | None:
    """The bytes at ``file_path`` (what ``getFile`` answered); None when there is none."""
    with world.lock:
        stored = files_of(world).by_path.get(file_path)
    if stored is None or len(stored.data) > GET_FILE_LIMIT:
        return None
    return stored.data
