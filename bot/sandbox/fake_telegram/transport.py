"""python-telegram-bot talking to the fake in-process, without sockets.

:class:`InProcessRequest` is a ``telegram.request.BaseRequest`` (the shape of
python-telegram-bot's own ``OfflineRequest``, but answering): give it to the bot as
``request`` and ``get_updates_request`` and every call goes straight to :mod:`.dispatch`, the
path the HTTP server takes too, with the parameters encoded exactly as on the wire. It suits
handler tests that do not need the network; the HTTP server stays for the end-to-end tests,
the benchmarks and the sandbox. Uploaded files (``sendDocument``) are carried as the
multipart parts python-telegram-bot would send; downloads of files users sent (``GET
.../file/bot<token>/<path>``) are answered too (:mod:`.files`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.sandbox.fake_telegram.dispatch import Dispatcher, Dropped, decode_params, upload
from bot.sandbox.fake_telegram.world import JsonDict

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput  # the type BaseRequest's signature uses


class InProcessRequest(BaseRequest):
    """Requests answered by the fake's :class:`~.dispatch.Dispatcher` in the same event loop."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    @property
    def read_timeout(self) -> float | None:
        """No timeout: long polls end by their own ``timeout``, like on the server."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer ``{base_url}{token}/{method}`` as the server would; timeouts do not apply."""
        path = urlsplit(url).path
        if method == "GET" and "/file/bot" in path:  # a download, as Bot.get_file builds it
            token, _, file_path = path.split("/file/bot", 1)[1].partition("/")
            return self._dispatcher.download(token, file_path)
        *_, token_part, name = path.split("/")
        encoded: JsonDict = dict(request_data.json_parameters) if request_data is not None else {}
        if request_data is not None and request_data.contains_files:
            for part, (file_name, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                encoded[part] = upload(file_name, data, mime_type)

        async def read_params() -> JsonDict:
            return decode_params(encoded)

        try:
            return await self._dispatcher.answer(token_part.removeprefix("bot"), name, read_params)
        except Dropped:
            raise NetworkError("connection dropped (injected fault)") from None
