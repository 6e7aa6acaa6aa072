"""One lane per chat for incoming updates: a chat's updates run in order, chats in parallel.

python-telegram-bot's default update processor runs up to ``concurrent_updates`` handlers at
once, whatever chat they come from. A handler whose reply waits on a group's 20/min flood
window (see :mod:`bot.jobs.ratelimit`) holds its slot for up to a minute, so a few busy
groups could take every slot and a private chat's ``/paper`` would queue behind them.

:class:`ChatLanes` keeps python-telegram-bot's bound only as a memory limit (many pending
updates) and serialises per chat instead: an update waits only for earlier updates of its
own chat (which also keeps a chat's replies in the order its messages came), never for
another chat's. Updates with no chat (inline queries) get a lane per user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_PENDING_UPDATES = 4096  # updates in flight (waiting in a lane or running) at once

LaneKey = tuple[str, int] | None


def lane_of(update: object) -> LaneKey:
    """The chat (else the user) an update belongs to; None for updates with neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatLanes(BaseUpdateProcessor):
    """Per-chat ordering, no cross-chat blocking (module docstring)."""

    __slots__ = ("_lanes", "_users")

    def __init__(self, max_pending_updates: int = MAX_PENDING_UPDATES) -> None:
        super().__init__(max_pending_updates)
        self._lanes: dict[LaneKey, asyncio.Lock] = {}
        self._users: dict[LaneKey, int] = {}  # updates holding or waiting for each lane

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` once the earlier updates of the same chat are done."""
        key = lane_of(update)
        if key is None:
            await coroutine
            return
        lock = self._lanes.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # the last one out forgets the lane
                del self._users[key]
                del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: lanes disappear with their last update."""
