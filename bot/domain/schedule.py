"""Weekly schedule arithmetic in the configured timezone (pure, testable without a clock)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def _at(day: datetime, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), at.replace(tzinfo=None), tzinfo=tz)


def next_occurrence(after: datetime, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    """The first weekly slot strictly after ``after`` (weekday 0 = Monday), in ``tz``."""
    local = after.astimezone(tz)
    candidate = _at(local + timedelta(days=(weekday - local.weekday()) % 7), at, tz)
    if candidate <= local:
        candidate = _at(candidate + timedelta(days=7), at, tz)
    return candidate


def previous_occurrence(before: datetime, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    """The last weekly slot at or before ``before``."""
    local = before.astimezone(tz)
    candidate = _at(local - timedelta(days=(local.weekday() - weekday) % 7), at, tz)
    if candidate > local:
        candidate = _at(candidate - timedelta(days=7), at, tz)
    return candidate


def slot_key(occurrence: datetime) -> str:
    """A stable name for one occurrence, shared by every process (UTC, minute precision)."""
    return "weekly:" + occurrence.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}


def format_local(moment: datetime, tz: ZoneInfo, lang: str = "en") -> str:
    """``Mon 2026-11-30 09:00 (Asia/Shanghai)`` (``周一 …`` in Chinese) for /start and /stats.

    The weekday comes from our own table, not ``%a``, which follows the process locale.
    """
    local = moment.astimezone(tz)
    day = WEEKDAYS.get(lang, WEEKDAYS["en"])[local.weekday()]
    return f"{day} {local:%Y-%m-%d %H:%M} ({tz.key})"
