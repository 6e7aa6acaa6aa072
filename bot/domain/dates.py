"""The range of dates the bot accepts for a digest's week, wherever the date comes from.

A week read from a digest, answered to 🗓 or written in ``digests.yaml`` must lie between
:data:`EARLIEST` and two years after today (today from the injected clock): a typo such as
``9999-12-31`` would otherwise overflow date arithmetic (the week's Sunday is past the
calendar's end) or schedule a digest centuries away. One function decides, so the chat, the
config and the parser refuse the same dates with the same words.
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(1990, 1, 1)
YEARS_AHEAD = 2


def sane_date_range(today: date) -> tuple[date, date]:
    """The first and last date accepted as a digest's week (both included)."""
    try:
        latest = today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, two years on
        latest = today.replace(year=today.year + YEARS_AHEAD, day=28)
    return EARLIEST, latest


def date_problem(value: date, today: date) -> str | None:
    """Why ``value`` is not a plausible digest date (one line), or None when it is."""
    first, last = sane_date_range(today)
    if first <= value <= last:
        return None
    return f"{value.isoformat()} is outside {first.isoformat()} … {last.isoformat()}"
