"""Trouble on Telegram's side, on demand: injected faults and simulated flood control.

:class:`FaultInjector` makes chosen calls fail the way Telegram fails them — 429 with
``retry_after``, 403 (blocked or removed), a group migrated to a supergroup, 5xx, an unknown
chat, a dropped connection or a slow answer. :class:`FloodControl` refuses ``sendMessage``
with 429 once the bot goes over Telegram's broadcast limits (30 messages a second overall,
20 a minute per group), measured over sliding windows.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from bot.sandbox.fake_telegram.rules import ApiError, forbidden_text
from bot.sandbox.fake_telegram.world import Chat, JsonDict, World

FaultKind = Literal[
    "retry_after", "forbidden", "migrate", "server_error", "chat_not_found", "drop", "delay"
]
FAULT_KINDS = frozenset(
    {"retry_after", "forbidden", "migrate", "server_error", "chat_not_found", "drop", "delay"}
)


@dataclass(slots=True)
class Fault:
    """An injected fault; ``remaining`` matching calls still fail, ``hits`` already did."""

    method: str
    chat_id: int | str | None
    kind: FaultKind
    remaining: int
    params: JsonDict
    hits: int = 0


def _too_many_requests(seconds: int, description: str | None = None) -> ApiError:
    return ApiError(
        429, description or f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
    )


class FaultInjector:
    """The faults injected into a world's methods; call its methods with the world's lock."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.faults: list[Fault] = []  # every fault injected since the last reset
        self._active: list[Fault] = []  # those with calls left to fail
        self.flood = FloodControl()

    def inject(
        self,
        method: str = "sendMessage",
        chat_id: int | str | None = None,
        kind: FaultKind = "retry_after",
        times: int = 1,
        **params: Any,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (``chat_id=None`` matches any chat).

        Extra parameters per kind: ``retry_after`` (seconds, default 1), ``new_chat_id``
        (migrate; default ``-100<id>``), ``status`` (server_error: 500 or 502), ``seconds``
        (delay, default 1.0; the call then succeeds normally), ``description`` (any kind).
        Faulted calls appear in :attr:`calls`, never in :attr:`sent`.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method.lower(), chat_id, kind, times, dict(params))
        with self._world.lock:
            self.faults.append(fault)
            self._active.append(fault)
        return fault

    def flood_limits(
        self, global_per_second: int | None = 30, per_group_per_minute: int | None = 20
    ) -> None:
        """Simulate Telegram's flood control on ``sendMessage`` (off by default).

        ``None`` disables a limit: ``flood_limits(None, None)`` turns simulation off. Windows
        slide, only accepted messages count, and the per-group limit applies to every
        non-private chat (as python-telegram-bot's ``AIORateLimiter`` assumes).
        """
        with self._world.lock:
            self.flood.limit(global_per_second, per_group_per_minute)

    def reset(self) -> None:
        """Forget every injected fault and empty the flood windows (the limits stay)."""
        with self._world.lock:
            self.faults.clear()
            self._active.clear()
            self.flood.reset()

    def take(self, method: str, params: JsonDict) -> Fault | None:
        """The fault this call suffers, if any (counted as a hit)."""
        if not self._active:
            return None
        lowered = method.lower()
        chat_id = self._world.resolve(params.get("chat_id"))
        for fault in self._active:
            if fault.method != lowered:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            fault.hits += 1
            if fault.remaining <= 0:
                self._active.remove(fault)
            return fault
        return None

    def error(self, fault: Fault, params: JsonDict) -> ApiError:
        """What Telegram answers for a fault that fails the call (not ``drop`` or ``delay``)."""
        extra = fault.params
        description = extra.get("description")
        chat_id = params.get("chat_id")
        chat = self._world.chats.get(chat_id) if isinstance(chat_id, int) else None
        if fault.kind == "retry_after":
            return _too_many_requests(int(extra.get("retry_after", 1)), description)
        if fault.kind == "forbidden":
            positive = isinstance(chat_id, int) and chat_id > 0
            kind = chat.type if chat else ("private" if positive else "group")
            return ApiError(403, description or forbidden_text(kind, "kicked"))
        if fault.kind == "migrate":
            old = chat_id if isinstance(chat_id, int) else 0
            new_id = int(extra.get("new_chat_id") or int(f"-100{abs(old)}"))
            title = chat.title if chat else None
            self._world.register_chat(new_id, "supergroup", title)
            return ApiError(
                400,
                description or "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new_id},
            )
        if fault.kind == "server_error":
            status = int(extra.get("status", 500))
            text = {502: "Bad Gateway", 504: "Gateway Timeout"}.get(status, "Internal Server Error")
            return ApiError(status, description or text)
        return ApiError(400, description or "Bad Request: chat not found")  # chat_not_found


class FloodControl:
    """Telegram's flood limits on ``sendMessage``, off until :meth:`limit` turns them on."""

    def __init__(self) -> None:
        self.rejections = 0  # sends refused with 429 since the last reset
        self._global: int | None = None
        self._group: int | None = None
        self._window: deque[float] = deque()  # accepted sends, last second
        self._chat_windows: dict[int, deque[float]] = {}  # accepted sends per group, last minute

    def limit(self, global_per_second: int | None, per_group_per_minute: int | None) -> None:
        """Set the limits (``None``: no such limit); the windows start empty."""
        self._global = global_per_second
        self._group = per_group_per_minute
        self._window.clear()
        self._chat_windows.clear()

    def reset(self) -> None:
        """Empty the windows and the count of rejections (the limits stay)."""
        self.limit(self._global, self._group)
        self.rejections = 0

    def check(self, chat: Chat) -> None:
        """Count a send to ``chat``, or refuse it with 429 if it would go over a limit."""
        if self._global is None and self._group is None:
            return
        now = time.monotonic()
        window = self._window
        chat_window: deque[float] | None = None
        wait = 0.0
        if self._global is not None:
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._global:
                wait = window[len(window) - self._global] + 1.0 - now
        if self._group is not None and chat.type != "private":
            chat_window = self._chat_windows.setdefault(chat.id, deque())
            while chat_window and chat_window[0] <= now - 60.0:
                chat_window.popleft()
            if len(chat_window) >= self._group:
                oldest = chat_window[len(chat_window) - self._group]
                wait = max(wait, oldest + 60.0 - now)
        if wait > 0:
            self.rejections += 1
            raise _too_many_requests(max(1, math.ceil(wait)))
        window.append(now)
        if chat_window is not None:
            chat_window.append(now)
