"""The HTTP side of the fake: an aiohttp server on ``127.0.0.1`` and its lifecycle.

python-telegram-bot calls ``POST {base_url}{token}/{method}``; :class:`FakeServer` decodes the
parameters the way Telegram does, lets an injected fault strike (:mod:`.faults`), runs the
method (:mod:`.methods`) under the world's lock, records the call, and answers with Telegram's
JSON envelope. It runs either in the caller's event loop (:meth:`FakeServer.start`) or in a
background thread with a loop of its own (:meth:`FakeServer.start_in_thread`).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from typing import Any

from aiohttp import web

from bot.sandbox.fake_telegram.methods import METHODS, Backend
from bot.sandbox.fake_telegram.rules import ApiError, bad, names
from bot.sandbox.fake_telegram.world import JsonDict

# How python-telegram-bot encodes form values: strings as is, everything else as JSON. The
# server has to know each parameter's type to decode it back, exactly like Telegram does.
_JSON_PARAMS = names(
    "reply_markup entities caption_entities link_preview_options reply_parameters results "
    "commands scope allowed_updates button media permissions rights message_ids"
)
_INT_PARAMS = names(
    "message_id offset limit timeout user_id message_thread_id cache_time "
    "reply_to_message_id max_connections until_date direct_messages_topic_id"
)
_BOOL_PARAMS = names(
    "disable_web_page_preview disable_notification protect_content show_alert is_personal "
    "drop_pending_updates allow_sending_without_reply allow_paid_broadcast "
    "revoke_messages only_if_banned"
)
_CHAT_PARAMS = frozenset({"chat_id", "from_chat_id"})
_INT_TEXT = re.compile(r"-?\d+")


class FakeServer:
    """Serves a :class:`~.methods.Backend` over HTTP; ``token=None`` accepts any token."""

    def __init__(self, backend: Backend, *, token: str | None, host: str, port: int) -> None:
        self._backend = backend
        self._world = backend.world
        self._token = token
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.loop_thread: int | None = None  # the thread whose event loop serves

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The TCP port the server listens on (only once started)."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as ``base_url``: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give python-telegram-bot as ``base_file_url`` (files are not served)."""
        return f"http://{self._host}:{self.port}/file/bot"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll whose client went away stops waiting at once.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self._backend.updates.set_open(True)

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once. Safe to call twice."""
        runner = self._runner
        if runner is None:
            return
        self._backend.updates.set_open(False)
        await runner.cleanup()
        self._runner = None
        self._port = None

    def start_in_thread(self, timeout: float = 10.0) -> None:
        """Start serving from a background thread with its own event loop."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("FakeBotApi did not start in time")
        if failure:
            thread.join()
            raise failure[0]
        self._thread = thread

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start_in_thread`. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    # ------------------------------------------------------------------ requests

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        if self._token is not None and request.match_info["token"] != self._token:
            return self._finish(raw_method, {}, ApiError(401, "Unauthorized"))
        try:
            params = await _read_params(request)
        except ApiError as exc:
            return self._finish(raw_method, {}, exc)
        method = METHODS.get(raw_method.lower())
        if method is None:
            return self._finish(raw_method, params, ApiError(404, "Not Found"))
        name, faults, lock = method.name, self._backend.faults, self._world.lock

        with lock:
            fault = faults.take(name, params)
        if fault is not None and fault.kind == "drop":
            self._world.records.add_call(name, params, 0, "connection dropped (injected fault)")
            return await _drop(request)
        try:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
            elif fault is not None:
                with lock:
                    error = faults.error(fault, params)
                return self._finish(name, params, error)
            if method.is_coroutine:
                result = await method.run(self._backend, params)
            else:
                with lock:
                    result = method.run(self._backend, params)
        except ApiError as exc:
            return self._finish(name, params, exc)
        except asyncio.CancelledError:  # the client hung up (timeout, shutdown)
            self._world.records.add_call(name, params, 0, "client disconnected before the answer")
            raise
        return self._finish(name, params, result=result)

    def _finish(
        self,
        method: str,
        params: JsonDict,
        error: ApiError | None = None,
        *,
        result: Any = None,
    ) -> web.Response:
        if error is None:
            status, description = 200, None
            payload: JsonDict = {"ok": True, "result": result}
        else:
            status, description = error.status, error.description
            payload = {"ok": False, "error_code": status, "description": description}
            if error.parameters:
                payload["parameters"] = error.parameters
        self._world.records.add_call(method, params, status, description)
        body = json.dumps(payload, ensure_ascii=False).encode()
        return web.Response(body=body, status=status, content_type="application/json")


async def _drop(request: web.Request) -> web.StreamResponse:
    # Close the socket without a byte of answer: the client sees a NetworkError.
    transport = request.transport
    if transport is not None:
        transport.abort()
    await asyncio.sleep(3600)  # cancelled by aiohttp as the connection is gone
    return web.Response(status=500)  # pragma: no cover - never reached


async def _read_params(request: web.Request) -> JsonDict:
    params: JsonDict = dict(request.query)
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise bad("can't parse JSON encoded request")
            params.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {"file_name": value.filename, "file": True}
                else:
                    params[key] = value
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
