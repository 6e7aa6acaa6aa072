"""One Bot API call, whatever carries it: the steps between a request and Telegram's answer.

The token is checked, the method looked up (:mod:`.methods`), an injected fault may strike
(:mod:`.faults`), the method runs under the world's lock, the call is recorded, and the answer
is Telegram's JSON envelope. Both transports use it: the HTTP server (:mod:`.server`) and the
in-process request of python-telegram-bot (:mod:`.transport`). The parameters arrive as
python-telegram-bot encodes them (:func:`decode_params`).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.fake_telegram import files
from bot.sandbox.fake_telegram.methods import METHODS, Backend
from bot.sandbox.fake_telegram.rules import ApiError, bad, names
from bot.sandbox.fake_telegram.world import JsonDict

# How python-telegram-bot encodes parameters: strings as is, everything else as JSON. The
# fake has to know each parameter's type to decode it back, exactly like Telegram does.
_JSON_PARAMS = names(
    "reply_markup entities caption_entities link_preview_options reply_parameters results "
    "commands scope allowed_updates button media permissions rights message_ids menu_button"
)
_INT_PARAMS = names(
    "message_id offset limit timeout user_id message_thread_id cache_time "
    "reply_to_message_id max_connections until_date direct_messages_topic_id"
)
_BOOL_PARAMS = names(
    "disable_web_page_preview disable_notification protect_content show_alert is_personal "
    "drop_pending_updates allow_sending_without_reply allow_paid_broadcast "
    "revoke_messages only_if_banned disable_content_type_detection"
)
_CHAT_PARAMS = frozenset({"chat_id", "from_chat_id"})
_INT_TEXT = re.compile(r"-?\d+")


class Dropped(Exception):
    """An injected fault drops the connection: the transport must answer nothing at all."""


class Dispatcher:
    """Answers calls for a :class:`~.methods.Backend`; ``token=None`` accepts any token."""

    def __init__(self, backend: Backend, token: str | None) -> None:
        self._backend = backend
        self._token = token

    async def answer(
        self, token: str, raw_method: str, read_params: Callable[[], Awaitable[JsonDict]]
    ) -> tuple[int, bytes]:
        """The HTTP status and JSON body Telegram answers; :class:`Dropped` for no answer."""
        if self._token is not None and token != self._token:
            return self._finish(raw_method, {}, ApiError(401, "Unauthorized"))
        try:
            params = await read_params()
        except ApiError as exc:
            return self._finish(raw_method, {}, exc)
        method = METHODS.get(raw_method.lower())
        if method is None:
            return self._finish(raw_method, params, ApiError(404, "Not Found"))
        backend, name = self._backend, method.name
        faults, lock, records = backend.faults, backend.world.lock, backend.world.records

        with lock:
            fault = faults.take(name, params)
        if fault is not None and fault.kind == "drop":
            records.add_call(name, params, 0, "connection dropped (injected fault)")
            raise Dropped
        try:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
            elif fault is not None:
                with lock:
                    error = faults.error(fault, params)
                return self._finish(name, params, error)
            if method.is_coroutine:
                result = await method.run(backend, params)
            else:
                with lock:
                    result = method.run(backend, params)
        except ApiError as exc:
            return self._finish(name, params, exc)
        except asyncio.CancelledError:  # the client hung up (timeout, shutdown)
            records.add_call(name, params, 0, "client disconnected before the answer")
            raise
        return self._finish(name, params, result=result)

    def download(self, token: str, file_path: str) -> tuple[int, bytes]:
        """A file download (``GET {base_file_url}{token}/{file_path}``): status and bytes."""
        if self._token is not None and token != self._token:
            return 401, b"Unauthorized"
        data = files.download(self._backend.world, file_path)
        if data is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return 200, data

    def _finish(
        self,
        method: str,
        params: JsonDict,
        error: ApiError | None = None,
        *,
        result: Any = None,
    ) -> tuple[int, bytes]:
        if error is None:
            status, description = 200, None
            payload: JsonDict = {"ok": True, "result": result}
        else:
            status, description = error.status, error.description
            payload = {"ok": False, "error_code": status, "description": description}
            if error.parameters:
                payload["parameters"] = error.parameters
        self._backend.world.records.add_call(method, params, status, description)
        return status, json.dumps(payload, ensure_ascii=False).encode()


def upload(file_name: str | None, content: bytes, mime_type: str | None) -> JsonDict:
    """A file part of a multipart request, as the methods receive it."""
    return {"file_name": file_name or "", "content": content, "mime_type": mime_type}


def decode_params(params: dict[str, Any]) -> JsonDict:
    """Parameters as python-telegram-bot sends them (strings, JSON for the rest), decoded."""
    return {key: _decode(key, value) for key, value in params.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad(f"can't parse {key} JSON object") from exc
    if key in _CHAT_PARAMS:
        return int(value) if _INT_TEXT.fullmatch(value) else value
    if key in _INT_PARAMS:
        if not _INT_TEXT.fullmatch(value.strip()):
            raise bad(f"invalid {key} specified")
        return int(value)
    if key in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value
