"""Updates python-telegram-bot cannot read are skipped, not retried forever.

When ``getUpdates`` returns an update that ``Update.de_json`` rejects (a field it requires
is missing), python-telegram-bot's updater fails the whole batch and fetches it again with
the same offset — endlessly, logging a CRITICAL line each time, and no later update is ever
handled. :class:`SkipUnreadableUpdates` is the request object for ``getUpdates``: it reads
each update of a batch on its own and replaces one that cannot be read by its bare
``update_id`` (which no handler matches), so the offset moves past it. Each one is logged
once, with its id and the reason, and counted (``/stats``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

OnSkip = Callable[[int, str], Awaitable[None]]


class SkipUnreadableUpdates(HTTPXRequest):
    """``HTTPXRequest`` for ``getUpdates`` (one connection, as python-telegram-bot's own)
    that turns an unreadable update into its bare id; ``on_skip(update_id, reason)`` then
    counts it."""

    def __init__(self, on_skip: OnSkip, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)
        super().__init__(**kwargs)
        self.on_skip = on_skip

    async def post(  # type: ignore[override,misc]
        self, url: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> Any:
        result = await super().post(url, request_data, **timeouts)
        if not url.endswith("/getUpdates") or not isinstance(result, list):
            return result
        return [await self._readable(item) for item in result]

    async def _readable(self, item: Any) -> Any:
        try:
            Update.de_json(item, None)
        except Exception as exc:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                raise  # without an id there is no offset to move past: as before
            reason = f"{type(exc).__name__}: {exc}"[:300]
            log.warning(
                "skipped update %d: python-telegram-bot cannot read it (%s)", update_id, reason
            )
            await self.on_skip(update_id, reason)
            return {"update_id": update_id}
        return item
