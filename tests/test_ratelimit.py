"""The flood limiter: windows never exceeded, people before the broadcast, 429s kept to their
chat, and (end to end) a throttled group or a paused chat never delays another chat's reply.

The unit tests run the real limiter on an event loop whose clock is virtual: ``sleep`` and
timers jump straight to their deadline, so minutes of flood windows take no real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import RetryAfter

from bot.config import BotConfig
from bot.jobs.ratelimit import BeforeSend, DeliveryRateLimiter
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.harness import Chat

PERSON_A, PERSON_B, GROUP_A, GROUP_B = 101, 102, -201, -202


@contextlib.contextmanager
def virtual_clock(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Make ``loop`` jump its clock to the next timer instead of waiting for it."""
    now = [0.0]
    selector: Any = loop._selector  # type: ignore[attr-defined]
    real_select = selector.select

    def select(timeout: float | None = None) -> Any:
        if timeout is None:
            raise RuntimeError("deadlock: nothing scheduled and nothing ready")
        now[0] += max(timeout, 0.0)
        return real_select(0)

    loop.time = lambda: now[0]  # type: ignore[method-assign]
    selector.select = select
    try:
        yield
    finally:
        del loop.time
        selector.select = real_select


def run_virtual(scenario: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        with virtual_clock(asyncio.get_running_loop()):
            return await scenario()

    return asyncio.run(main())


async def _noop() -> None:
    return None


class Recorder:
    """Sends through a limiter and records (time, chat, label) as each request leaves."""

    def __init__(self, limiter: DeliveryRateLimiter) -> None:
        self.limiter = limiter
        self.sent: list[tuple[float, int | None, str]] = []

    async def send(
        self,
        chat: int | None,
        label: str = "",
        *,
        broadcast: bool = False,
        at: float = 0.0,
        fail_first: float | None = None,
        hook_delay: float = 0.0,
    ) -> Any:
        """One request, ``at`` seconds from now; ``fail_first``: the first try gets a 429;
        ``hook_delay``: its :class:`BeforeSend` hook takes that long (a slow ledger write)."""
        await asyncio.sleep(at)
        loop = asyncio.get_running_loop()
        failures = [fail_first] if fail_first is not None else []

        async def callback() -> bool:
            if failures:
                raise RetryAfter(int(failures.pop()))
            self.sent.append((loop.time(), chat, label))
            return True

        async def hook() -> None:
            await asyncio.sleep(hook_delay)

        data = {"chat_id": chat} if chat is not None else {}
        rate_args = BeforeSend(hook, broadcast=broadcast) if broadcast or hook_delay else None
        return await self.limiter.process_request(callback, (), {}, "sendMessage", data, rate_args)


def _never_over(times: list[float], limit: int, period: float) -> bool:
    """No window of ``period`` seconds (half-open) holds more than ``limit`` of ``times``."""
    ordered = sorted(times)
    return all(ordered[i] + period <= ordered[i + limit] for i in range(len(ordered) - limit))


@settings(max_examples=60, deadline=None)
@given(
    overall=st.integers(1, 6),
    overall_period=st.sampled_from([0.5, 1.0, 1.05]),
    group=st.integers(1, 4),
    group_period=st.sampled_from([3.0, 10.0, 61.0]),
    requests=st.lists(
        st.tuples(
            st.floats(0, 20, allow_nan=False),
            st.sampled_from([PERSON_A, PERSON_B, GROUP_A, GROUP_B, None]),
            st.booleans(),
            st.sampled_from([0.0, 0.0, 0.01, 0.3, 2.0]),
        ),
        min_size=1,
        max_size=50,
    ),
)
def test_the_windows_are_never_exceeded_and_an_idle_limiter_does_not_wait(
    overall: int,
    overall_period: float,
    group: int,
    group_period: float,
    requests: list[tuple[float, int | None, bool, float]],
) -> None:
    async def scenario() -> Recorder:
        recorder = Recorder(DeliveryRateLimiter(overall, overall_period, group, group_period))
        await asyncio.gather(
            *(
                recorder.send(chat, str(i), broadcast=broadcast, at=at, hook_delay=delay)
                for i, (at, chat, broadcast, delay) in enumerate(requests)
            )
        )
        return recorder

    recorder = run_virtual(scenario)
    assert len(recorder.sent) == len(requests)
    counted = [t for t, chat, _ in recorder.sent if chat is not None]
    assert _never_over(counted, overall, overall_period)
    by_group: dict[int, list[float]] = defaultdict(list)
    for t, chat, _ in recorder.sent:
        if chat is not None and chat < 0:
            by_group[chat].append(t)
    for times in by_group.values():
        assert _never_over(times, group, group_period)
    # the first request finds every window empty: it leaves once its hook has run
    first = min(range(len(requests)), key=lambda i: requests[i][0])
    sent_at = {label: t for t, _chat, label in recorder.sent}
    assert sent_at[str(first)] == pytest.approx(requests[first][0] + requests[first][3])


def test_a_person_goes_before_the_queued_broadcast() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder(DeliveryRateLimiter(2, 1.0, 0, 0))
        broadcast = [recorder.send(600 + i, f"broadcast {i}", broadcast=True) for i in range(10)]
        # paced (0.5 s apart), two broadcast sends fill the window at 0.5 s, until 1.0 s
        person = recorder.send(PERSON_A, "person", at=0.6)
        await asyncio.gather(*broadcast, person)
        return recorder

    recorder = run_virtual(scenario)
    labels = [label for _t, _chat, label in recorder.sent]
    # the person takes the next free slot, ahead of the broadcast send due then too
    assert labels[:3] == ["broadcast 0", "broadcast 1", "person"]
    assert recorder.sent[2][0] == 1.0
    assert _never_over([t for t, _c, _l in recorder.sent], 2, 1.0)


def test_a_broadcast_is_paced_so_a_person_never_waits_for_a_whole_window() -> None:
    spacing = 1.05 / 30

    async def scenario() -> Recorder:
        recorder = Recorder(DeliveryRateLimiter(30, 1.05, 0, 0))
        broadcast = [recorder.send(600 + i, f"broadcast {i}", broadcast=True) for i in range(90)]
        # the broadcast has kept the window full for a while when the person asks
        person = recorder.send(PERSON_A, "person", at=1.5)
        await asyncio.gather(*broadcast, person)
        return recorder

    recorder = run_virtual(scenario)
    sent = {label: t for t, _chat, label in recorder.sent}
    # the next slot of the full window frees within one spacing (unpaced, the window's first
    # 30 sends left at once and the person would wait for them to age: until 2.1 s)
    assert 1.5 <= sent["person"] <= 1.5 + spacing + 1e-9
    times = sorted(t for t, _chat, label in recorder.sent if label.startswith("broadcast"))
    # no burst ...
    assert all(b - a >= spacing - 1e-9 for a, b in itertools.pairwise(times))
    # ... and no lost throughput: 91 sends in 90 spacings, as the window allows
    assert times[-1] <= 90 * spacing + 1e-6
    assert _never_over([t for t, _c, _l in recorder.sent], 30, 1.05)


def test_a_429_pauses_only_its_chat_and_is_retried() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder(DeliveryRateLimiter())
        await asyncio.gather(
            recorder.send(PERSON_A, "refused once", fail_first=5),
            recorder.send(PERSON_B, "other chat", at=1.0),
            recorder.send(PERSON_A, "same chat", at=1.0),
        )
        return recorder

    sent = {label: t for t, _chat, label in run_virtual(scenario).sent}
    assert sent["other chat"] == 1.0  # not held by chat A's pause
    assert sent["same chat"] >= 5.0  # chat A waits out its retry_after
    assert sent["refused once"] >= 5.0


def test_a_429_without_a_chat_pauses_only_that_method() -> None:
    """answerCallbackQuery's flood (no chat) holds back button answers, not replies."""

    async def scenario() -> dict[str, float]:
        limiter = DeliveryRateLimiter()
        loop = asyncio.get_running_loop()
        sent: dict[str, float] = {}
        failures = [3]

        def call(label: str) -> Callable[[], Awaitable[bool]]:
            async def callback() -> bool:
                if label == "flooded" and failures:
                    raise RetryAfter(failures.pop())
                sent[label] = loop.time()
                return True

            return callback

        async def request(label: str, endpoint: str, chat: int | None, at: float) -> None:
            await asyncio.sleep(at)
            data = {"chat_id": chat} if chat is not None else {}
            await limiter.process_request(call(label), (), {}, endpoint, data, None)

        await asyncio.gather(
            request("flooded", "answerCallbackQuery", None, 0.0),
            request("other chat", "sendMessage", PERSON_B, 1.0),
            request("inline", "answerInlineQuery", None, 1.0),
            request("next answer", "answerCallbackQuery", None, 1.0),
        )
        return sent

    sent = run_virtual(scenario)
    assert sent["other chat"] == 1.0
    assert sent["inline"] == 1.0
    assert sent["next answer"] >= 3.0
    assert sent["flooded"] >= 3.0


def test_the_hook_runs_after_the_wait_and_refused_on_a_429() -> None:
    async def scenario() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        limiter = DeliveryRateLimiter(1, 1.0, 0, 0, max_retries=1)
        events: list[tuple[str, float]] = []

        async def hook() -> None:
            events.append(("hook", loop.time()))

        async def refused() -> None:
            events.append(("refused", loop.time()))

        failures = [2]

        async def callback() -> bool:
            if failures:
                raise RetryAfter(failures.pop())
            events.append(("sent", loop.time()))
            return True

        await limiter.process_request(_noop_true, (), {}, "sendMessage", {"chat_id": 1}, None)
        await limiter.process_request(
            callback, (), {}, "sendMessage", {"chat_id": 1}, BeforeSend(hook, refused)
        )
        return events

    events = run_virtual(scenario)
    assert [name for name, _t in events] == ["hook", "refused", "hook", "sent"]
    assert events[0][1] == 1.0  # after the window's wait, not when the request was made
    assert events[2][1] >= 2.0  # after the chat's retry_after


async def _noop_true() -> bool:
    return True


async def test_a_429_for_one_chat_leaves_other_chats_replies_alone(
    e2e_config: BotConfig, api: FakeBotApi
) -> None:
    paused_chat = 7001
    api.add_chat(paused_chat, "private")
    fault = api.inject_fault(chat_id=paused_chat, kind="retry_after", retry_after=30)
    async with running_bot(e2e_config, api) as application:
        stuck = asyncio.create_task(application.bot.send_message(paused_chat, "broadcast part"))
        await api.wait_for(lambda: fault.hits == 1, 15, what="the 429")
        reply = await Chat(api).ask("/paper Genie")
        assert reply.text
        assert not api.messages_to(paused_chat, method="sendMessage")  # still paused
        stuck.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stuck


async def test_a_throttled_group_leaves_a_private_chat_alone(
    e2e_config: BotConfig, api: FakeBotApi
) -> None:
    group_sends = 12
    # a small group window keeps the test short: 3 replies per 2 s, the rest wait in
    # their handlers, more of them than python-telegram-bot's default 8 update slots
    limiter = DeliveryRateLimiter(group_max_rate=3, group_time_period=2.0)
    group = Chat(api, chat_id=-100777, chat_type="group")
    async with running_bot(e2e_config, api, rate_limiter=limiter):
        await group.say("/paper Genie")  # the group is known and has its first reply
        for _ in range(group_sends - 1):
            api.send_message(
                "/paper Genie", chat_id=group.chat_id, chat_type="group", title=group.title
            )
        await api.wait_for(lambda: len(group.records) >= 3, 15, what="the group's window full")
        reply = await Chat(api).ask("/paper Genie")
        assert reply.text
        # answered while the group still waits for its window to roll over
        assert len(group.records) == 3
        await api.wait_for(lambda: len(group.records) >= group_sends, 30, what="all answered")
