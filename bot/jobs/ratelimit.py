"""Telegram's flood limits as sliding windows, people before the broadcast, 429s kept local.

:class:`DeliveryRateLimiter` is a python-telegram-bot ``BaseRateLimiter``. It enforces what
python-telegram-bot's ``AIORateLimiter`` assumes Telegram enforces, but as windows rather
than as a bucket or even spacing:

* every request with a ``chat_id``: never more than 30 in any window of 1.05 s (Telegram
  allows ~30/s; the 50 ms absorb the jitter between our clock and the server's, which
  counts arrivals, not departures);
* every request to a group or channel (negative or ``@name`` chat id): also never more than
  20 in any window of 61 s (Telegram: 20/min per group);
* private chats get no limit of their own (Telegram's ~1/s per private chat is a soft
  guideline; ``AIORateLimiter`` does not enforce it either); requests without a chat
  (``answerCallbackQuery``, ``answerInlineQuery`` …) are not counted.

An idle bot therefore answers at once: a request waits only when the window it falls into
is already full. ``aiolimiter`` (``AIORateLimiter``'s engine) is a leaky bucket: with a
capacity of 30 it lets 30 through at once and then refills continuously, so some 1 s
window holds up to ~60; with a capacity of 1 it spaces every send 1/30 s apart, so an idle
bot still waits. A log of the last N send times is exact and just as small, hence
:class:`SlidingWindow`.

**Priority.** Requests whose ``rate_limit_args`` is a :class:`BeforeSend` with
``broadcast=True`` (the publisher's sends) queue behind every other request (replies to
people: commands, buttons, inline answers) for the overall window. A person's reply that
arrives while the broadcast fills the window takes the very next free slot; the broadcast
uses what is left and never pushes the overall count past the window.

**Broadcast pacing.** A window alone lets a broadcast's first 30 sends leave in one burst;
the window is then full until that burst is a window old, and a person's reply that comes
in the gap waits for it (~1 s), priority or not. The pattern repeats every window for the
whole broadcast. So broadcast grants are also spaced ``period ÷ limit`` apart (35 ms for
30 per 1.05 s): the same throughput, but a slot of the full window frees every 35 ms and a
person's reply waits at most that long. A grant that comes a little late (a busy loop)
keeps the schedule, so lateness is not lost throughput.

**429.** ``RetryAfter`` pauses only the chat it came from (other chats keep going), or,
for a request with no chat (``answerCallbackQuery``, ``answerInlineQuery`` …), only the
requests of that method: a flood of button answers never holds back the replies to other
chats. The request is then retried up to ``max_retries`` times.

**5xx and network errors.** A reply to a person (any request without a :class:`BeforeSend`:
commands, buttons, inline answers) that fails with a 5xx or a network error is tried again,
at most :data:`REPLY_TRIES` times within :data:`REPLY_RETRY_SECONDS`, before the error goes
to the handler (which apologises). The broadcast has its own retries with backoff and the
ledger's bookkeeping (:mod:`bot.jobs.publisher`), so its sends are not retried here.

**Update slots.** A handler awaiting a send that waits on one group's 20/min window would
hold one of python-telegram-bot's ``concurrent_updates`` slots; eight busy groups and the
whole bot stalls. The limiter cannot release that slot, so the application processes
updates with :class:`bot.handlers.lanes.ChatLanes` instead: one lane per chat (updates of
a chat run in order, one at a time), every chat's lane independent of the others, so a
throttled group only ever blocks its own later updates.

**Hook.** The delivery ledger marks a part "attempted" in :attr:`BeforeSend.hook`, which
runs after the limiter's wait, right before the request leaves: a process killed while
queued behind the flood limits has then sent nothing that is ambiguous, and only a kill
during the HTTP round trip itself leaves a part unconfirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

PERSON, BROADCAST = 0, 1  # priorities: lower goes first
OVERALL_PER_WINDOW = 30
OVERALL_WINDOW = 1.05  # seconds; see the module docstring for the 50 ms
GROUP_PER_WINDOW = 20
GROUP_WINDOW = 61.0  # Telegram's minute plus a second of jitter margin
RETRY_MARGIN = 0.1  # seconds added to ``retry_after``, as ``AIORateLimiter`` does
MAX_IDLE_GROUPS = 512  # group windows kept before the idle ones are dropped
REPLY_TRIES = 3  # a person's reply: tries on a 5xx or network error, then the apology
REPLY_RETRY_SECONDS = 2.0  # ... all within this long
REPLY_BACKOFF = (0.25, 0.6)  # seconds before the second and the third try


def retry_seconds(exc: RetryAfter) -> float:
    """``RetryAfter.retry_after`` as seconds (it is an int or a timedelta in PTB 22)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SendCancelled(Exception):
    """The hook decided the request must not go out (e.g. another worker owns the chat)."""


@dataclass(frozen=True, slots=True)
class BeforeSend:
    """``rate_limit_args`` for a request whose ``hook`` must run just before it is sent;
    ``refused`` runs when Telegram answered that it did not deliver it (429, 400, 403).

    ``broadcast`` requests yield the overall window to everything else.
    """

    hook: Callable[[], Awaitable[None]]
    refused: Callable[[], Awaitable[None]] | None = None
    max_retries: int | None = None
    broadcast: bool = True


class SlidingWindow:
    """At most ``limit`` sends in any window of ``period`` seconds (half-open, as Telegram
    counts).

    A send is first *reserved* (granted, the hook still to run) and then *recorded* the
    moment it leaves. A reserved send counts as if it left now, so a grant never relies on
    a send time that is not known yet: however long a hook takes, the sends as they leave
    keep to the window.
    """

    __slots__ = ("_times", "limit", "period", "reserved")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.reserved = 0
        self._times: deque[float] = deque(maxlen=limit)

    def wait_time(self, now: float) -> float:
        """Seconds until one more send would fit (0: now; inf: once a reserved one leaves)."""
        free = self.limit - self.reserved  # recorded sends the window may hold, plus one
        if free <= 0:
            return math.inf
        if len(self._times) < free:
            return 0.0
        return max(0.0, self._times[-free] + self.period - now)

    def reserve(self) -> None:
        """Count a granted send that has not left yet."""
        self.reserved += 1

    def record(self, now: float) -> None:
        """A reserved send left at ``now``."""
        self.reserved -= 1
        self._times.append(now)

    def idle(self, now: float) -> bool:
        """Nothing reserved and no send inside the window: the window can be forgotten."""
        return not self.reserved and (not self._times or self._times[-1] + self.period <= now)


@dataclass(slots=True)
class _Group:
    window: SlidingWindow
    lock: asyncio.Lock  # FIFO: a group's sends take its window in arrival order
    left: asyncio.Event  # set when one of its reserved sends leaves


@dataclass(slots=True)
class _Slot:
    """A request's reservations, recorded once when it leaves (or gives up)."""

    overall: bool = False
    group: _Group | None = None
    done: bool = False


def _chat_of(data: dict[str, Any]) -> tuple[int | str | None, bool]:
    """The request's chat (as Telegram identifies it) and whether it is a group/channel."""
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None, False
    with contextlib.suppress(ValueError, TypeError):
        chat_id = int(chat_id)
    if isinstance(chat_id, int):
        return chat_id, chat_id < 0
    return str(chat_id), True  # "@channelname"


class DeliveryRateLimiter(BaseRateLimiter[BeforeSend | int | None]):
    """Sliding-window flood limits with priorities and per-chat 429 pauses (module docstring).

    The arguments follow ``AIORateLimiter``'s; a rate or period of 0 switches that limit
    off. ``rate_limit_args`` is a :class:`BeforeSend` or, as for ``AIORateLimiter``, the
    number of 429 retries.
    """

    def __init__(
        self,
        overall_max_rate: int = OVERALL_PER_WINDOW,
        overall_time_period: float = OVERALL_WINDOW,
        group_max_rate: int = GROUP_PER_WINDOW,
        group_time_period: float = GROUP_WINDOW,
        max_retries: int = 3,
    ) -> None:
        self._overall = (
            SlidingWindow(int(overall_max_rate), overall_time_period)
            if overall_max_rate and overall_time_period
            else None
        )
        self._group_limit = int(group_max_rate) if group_max_rate and group_time_period else 0
        self._group_period = group_time_period
        self._groups: dict[int | str, _Group] = {}
        self.max_retries = max_retries
        # the overall window's queue: (priority, arrival, future granted when it may go)
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        # broadcast pacing (module docstring): when the next broadcast grant is due
        self._broadcast_spacing = (
            self._overall.period / self._overall.limit if self._overall is not None else 0.0
        )
        self._broadcast_due = -math.inf
        # a chat's id, or ("method", name) for the requests without a chat
        self._paused_until: dict[int | str | tuple[str, str], float] = {}

    def __repr__(self) -> str:
        overall = self._overall
        return (
            f"{type(self).__name__}(overall={overall.limit if overall else 0}"
            f"/{overall.period if overall else 0}s, group={self._group_limit}"
            f"/{self._group_period}s, max_retries={self.max_retries})"
        )

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Stop the wake-up timer; waiting requests are cancelled with their tasks."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: BeforeSend | int | None,
    ) -> JSONResult:
        """Wait for the windows (and any pause), run the hook, send; retry a 429."""
        hooks = rate_limit_args if isinstance(rate_limit_args, BeforeSend) else None
        retries_arg = hooks.max_retries if hooks else rate_limit_args
        max_retries = retries_arg if isinstance(retries_arg, int) else self.max_retries
        priority = BROADCAST if hooks is not None and hooks.broadcast else PERSON
        chat, is_group = _chat_of(data)
        pause_key: int | str | tuple[str, str] = chat if chat is not None else ("method", endpoint)
        loop = asyncio.get_running_loop()
        started, failures = loop.time(), 0
        attempt = 0
        while True:
            slot = await self._take_slot(priority, chat, is_group, pause_key)
            try:
                if hooks is not None:
                    await hooks.hook()
                self._leave(slot)
                return await callback(*args, **kwargs)
            except (BadRequest, ChatMigrated, Forbidden):
                await self._refused(hooks)
                raise
            except NetworkError as exc:  # a 5xx, a dropped connection, a timeout
                failures += 1
                wait = REPLY_BACKOFF[min(failures, len(REPLY_BACKOFF)) - 1]
                late = loop.time() + wait - started > REPLY_RETRY_SECONDS
                if hooks is not None or failures >= REPLY_TRIES or late:
                    raise
                log.info("%s to %s: %s, trying again in %.2fs", endpoint, chat, exc, wait)
                await asyncio.sleep(wait)
                continue
            except RetryAfter as exc:
                await self._refused(hooks)
                if attempt == max_retries:
                    log.warning("%s to %s: 429 after %d retries", endpoint, chat, max_retries)
                    raise
                pause = retry_seconds(exc)
                self._pause(pause_key, pause + RETRY_MARGIN)
                log.info("%s to %s: 429, retrying in %.1fs", endpoint, chat, pause)
                attempt += 1
            finally:
                self._leave(slot)  # a hook that failed or was cancelled: count it anyway

    @staticmethod
    async def _refused(hooks: BeforeSend | None) -> None:
        # a definite "not delivered": the part is not in doubt if we die now
        if hooks is not None and hooks.refused is not None:
            await hooks.refused()

    def _pause(self, key: int | str | tuple[str, str], seconds: float) -> None:
        """Hold back a chat (or the chatless requests of one method) for ``seconds``."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), until)

    async def _wait_out_pauses(self, key: int | str | tuple[str, str]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wait = self._paused_until.get(key, 0.0) - loop.time()
            if wait <= 0:
                self._paused_until.pop(key, None)
                return
            await asyncio.sleep(wait)

    async def _take_slot(
        self,
        priority: int,
        chat: int | str | None,
        is_group: bool,
        pause_key: int | str | tuple[str, str],
    ) -> _Slot:
        """Return once the request may leave, its send reserved in its windows."""
        await self._wait_out_pauses(pause_key)
        if chat is None:
            return _Slot()  # not a message to a chat: not counted (as in ``AIORateLimiter``)
        if not (is_group and self._group_limit):
            return _Slot(overall=await self._overall_slot(priority))
        loop = asyncio.get_running_loop()
        group = self._group(chat, loop.time())
        # The group's lock is held until the overall slot is granted, so the group window
        # checked is the one the send is reserved in.
        async with group.lock:
            while (wait := group.window.wait_time(loop.time())) > 0:
                if wait == math.inf:
                    group.left.clear()
                    await group.left.wait()
                else:
                    await asyncio.sleep(wait)
            overall = await self._overall_slot(priority)
            group.window.reserve()
        return _Slot(overall=overall, group=group)

    def _leave(self, slot: _Slot) -> None:
        """Record the slot's send as leaving now (once), and let waiting requests look."""
        if slot.done:
            return
        slot.done = True
        now = asyncio.get_running_loop().time()
        if slot.group is not None:
            slot.group.window.record(now)
            slot.group.left.set()
        if slot.overall and self._overall is not None:
            self._overall.record(now)
            self._grant()

    def _group(self, chat: int | str, now: float) -> _Group:
        if chat not in self._groups and len(self._groups) >= MAX_IDLE_GROUPS:
            for key, idle in list(self._groups.items()):
                if idle.window.idle(now) and not idle.lock.locked():
                    del self._groups[key]
        group = self._groups.get(chat)
        if group is None:
            window = SlidingWindow(self._group_limit, self._group_period)
            group = _Group(window, asyncio.Lock(), asyncio.Event())
            self._groups[chat] = group
        return group

    async def _overall_slot(self, priority: int) -> bool:
        """Wait for the overall window, behind every queued request of higher priority;
        True when a send was reserved in it (False: no overall limit)."""
        if self._overall is None:
            return False
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (priority, next(self._arrivals), granted))
        self._grant()
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():  # granted, then cancelled
                self._leave(_Slot(overall=True))
            granted.cancel()
            raise
        return True

    def _broadcast_granted(self, now: float) -> None:
        """The next broadcast grant is due one spacing after this one's due time (a timer
        that fired a little late costs no throughput), or one spacing from now after a
        longer gap (a fresh start: no burst)."""
        spacing = self._broadcast_spacing
        late = now - self._broadcast_due
        self._broadcast_due = (self._broadcast_due if late < spacing else now) + spacing

    def _grant(self) -> None:
        """Let queued requests go, best priority first, while the window has room."""
        window = self._overall
        assert window is not None
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._queue:
            priority, _arrival, granted = self._queue[0]
            if granted.done():  # cancelled while waiting
                heapq.heappop(self._queue)
                continue
            now = loop.time()
            wait = window.wait_time(now)
            if wait == math.inf:
                return  # a reserved send leaving calls again
            if priority == BROADCAST:
                wait = max(wait, self._broadcast_due - now)
            if wait > 0:
                self._timer = loop.call_later(wait, self._grant)
                return
            heapq.heappop(self._queue)
            window.reserve()
            if priority == BROADCAST:
                self._broadcast_granted(now)
            granted.set_result(None)
