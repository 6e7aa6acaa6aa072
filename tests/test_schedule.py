"""Weekly schedule arithmetic (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.schedule import format_local, next_occurrence, previous_occurrence, slot_key

SH = ZoneInfo("Asia/Shanghai")


def test_next_monday_nine_in_shanghai() -> None:
    # Sunday 2026-11-22 12:00 UTC is Sunday 20:00 in Shanghai
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    nxt = next_occurrence(now, 0, time(9, 0), SH)
    assert nxt == datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    assert nxt.astimezone(UTC) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_exactly_at_the_slot_is_the_previous_not_the_next() -> None:
    slot = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    assert previous_occurrence(slot, 0, time(9, 0), SH) == slot
    assert next_occurrence(slot, 0, time(9, 0), SH) == datetime(2026, 11, 30, 9, 0, tzinfo=SH)


def test_slot_key_is_timezone_independent() -> None:
    slot = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    assert slot_key(slot) == "weekly:2026-11-23T01:00:00Z"
    assert slot_key(slot.astimezone(UTC)) == slot_key(slot)


def test_format_local() -> None:
    moment = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert format_local(moment, SH) == "Mon 2026-11-23 09:00 (Asia/Shanghai)"
    assert format_local(moment, SH, "zh") == "周一 2026-11-23 09:00 (Asia/Shanghai)"
    assert format_local(moment + timedelta(days=6), SH, "zh").startswith("周日 ")


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 6),
    st.times(),
)
def test_occurrences_bracket_now(now: datetime, weekday: int, at: time) -> None:
    prev = previous_occurrence(now, weekday, at, SH)
    nxt = next_occurrence(now, weekday, at, SH)
    assert prev <= now < nxt
    assert prev.weekday() == weekday and nxt.weekday() == weekday
    assert 6 * 86400 < (nxt - prev).total_seconds() <= 7 * 86400 + 3600
