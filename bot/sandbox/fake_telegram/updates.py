"""The updates Telegram holds for the bot, and the ``getUpdates`` long poll that hands them out.

Simulated users (:mod:`.people`) push updates; ``getUpdates`` confirms what the bot has seen
(``offset``) and waits until an update of an allowed type is queued, its timeout passes, the
server stops, or a newer ``getUpdates`` replaces it (Telegram answers the older poll with
409 Conflict).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.fake_telegram.rules import GET_UPDATES_CONFLICT, ApiError, names
from bot.sandbox.fake_telegram.world import Alarm, JsonDict, World

# Telegram's default when allowed_updates was never set (or set to []).
DEFAULT_ALLOWED = names(
    "message edited_message channel_post edited_channel_post business_connection "
    "business_message edited_business_message deleted_business_messages inline_query "
    "chosen_inline_result callback_query shipping_query pre_checkout_query "
    "purchased_paid_media poll poll_answer my_chat_member chat_join_request chat_boost "
    "removed_chat_boost"
)


@dataclass(slots=True)
class _Poll:
    alarm: Alarm  # rung when an update arrives, a newer poll starts or the server stops
    conflict: bool = False


def _update_type(update: JsonDict) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """Pending updates, in order, until the bot confirms them; shares the world's lock."""

    def __init__(self, world: World) -> None:
        self._lock = world.lock
        self._changed: Callable[[], None] = world.changed
        self._updates: deque[JsonDict] = deque()
        self._update_ids = itertools.count(10_001)
        self._allowed = DEFAULT_ALLOWED
        self._poll: _Poll | None = None
        self._closed = False  # the server stops: a poll answers at once

    def __len__(self) -> int:
        with self._lock:
            return len(self._updates)

    @property
    def polling(self) -> bool:
        """Whether a ``getUpdates`` long poll is open right now."""
        with self._lock:
            return self._poll is not None and not self._poll.conflict

    def push(self, kind: str, payload: JsonDict) -> JsonDict:
        """Queue an update of ``kind`` (``message``, ``callback_query`` ...) and return it."""
        with self._lock:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
            self._wake_poll()
            return update

    def clear(self) -> None:
        """Drop every pending update (``drop_pending_updates``)."""
        with self._lock:
            self._updates.clear()

    def set_open(self, is_open: bool) -> None:
        """Let polls wait (server running) or make them answer at once (server stopping)."""
        with self._lock:
            self._closed = not is_open
            self._wake_poll()

    def allow(self, allowed: list[str]) -> None:
        """Deliver only these update types from now on (``[]``: Telegram's default)."""
        with self._lock:
            self._allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED

    async def long_poll(self, offset: int, limit: int, timeout: int) -> list[JsonDict]:
        """Confirm updates before ``offset``, then wait up to ``timeout`` s for a batch."""
        with self._lock:
            self._confirm(offset)
            if self._poll is not None:  # Telegram answers the *older* poll with 409
                self._poll.conflict = True
                self._wake_poll()
            poll = _Poll(Alarm.here())
            self._poll = poll
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        announced = False
        try:
            while True:
                with self._lock:
                    if poll.conflict:
                        raise ApiError(409, GET_UPDATES_CONFLICT)
                    batch = self._deliverable(max(1, min(limit, 100)))
                    if batch or self._closed:
                        return batch
                    poll.alarm.event.clear()
                    if not announced:  # lets tests wait for "the bot is polling now"
                        announced = True
                        self._changed()
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poll.alarm.event.wait(), remaining)
        finally:
            with self._lock:
                if self._poll is poll:
                    self._poll = None

    def _wake_poll(self) -> None:
        if self._poll is not None:
            self._poll.alarm.ring()

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()

    def _deliverable(self, limit: int) -> list[JsonDict]:
        batch = []
        for update in self._updates:
            if _update_type(update) in self._allowed:
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch
