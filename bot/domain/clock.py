"""The one clock: everything that stamps or compares wall-clock time asks it.

The store, jobs, polls, paging keys and uploads take a :class:`Clock` when they are built
(``Services.clock`` in the running bot), so tests set the time instead of depending on
today's date. Monotonic timing (timeouts, rate-limit windows) is not wall-clock time and
does not come from here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """A source of the current time, timezone-aware UTC."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says ``moment`` (tests)."""
    return lambda: moment
