"""The HTTP side of the fake: an aiohttp server on ``127.0.0.1`` and its lifecycle.

python-telegram-bot calls ``POST {base_url}{token}/{method}``; :class:`FakeServer` reads the
parameters from the query string and the body (JSON, form or multipart) and hands the call
to :mod:`.dispatch`, which answers it. The server runs either in the caller's event loop
(:meth:`FakeServer.start`) or in a background thread with a loop of its own
(:meth:`FakeServer.start_in_thread`).
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from bot.sandbox.fake_telegram.dispatch import Dispatcher, Dropped, decode_params, upload
from bot.sandbox.fake_telegram.rules import bad
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import JsonDict


class FakeServer:
    """Serves :class:`~.dispatch.Dispatcher` over HTTP; stopping ends the open long polls."""

    def __init__(
        self, dispatcher: Dispatcher, updates: UpdateQueue, *, host: str, port: int
    ) -> None:
        self._dispatcher = dispatcher
        self._updates = updates
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
        """What to give python-telegram-bot as ``base_file_url`` (files users sent are served
        there: :mod:`.files`)."""
        return f"http://{self._host}:{self.port}/file/bot"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
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
        self._updates.set_open(True)

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once. Safe to call twice."""
        runner = self._runner
        if runner is None:
            return
        self._updates.set_open(False)
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
        info = request.match_info
        try:
            status, body = await self._dispatcher.answer(
                info["token"], info["method"], lambda: _read_params(request)
            )
        except Dropped:
            return await _drop(request)
        return web.Response(body=body, status=status, content_type="application/json")

    async def _file(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        status, body = self._dispatcher.download(info["token"], info["path"])
        return web.Response(body=body, status=status, content_type="application/octet-stream")


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
                    params[key] = upload(value.filename, value.file.read(), value.content_type)
                else:
                    params[key] = value
    return decode_params(params)
