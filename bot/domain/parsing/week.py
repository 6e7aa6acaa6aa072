"""The digest's week: the Monday of the ISO week that holds most of the dates it states.

Dates come from the digest's header (``March 4-10, 2025``, ``240304-240308``,
``2026-01-31 to 2026-02-07``, ``【2023-09-11】``) or, failing that, its file name
(``2024/0212-0216.md``, ``20230911-daily.md``, ``2023-02-13.md``). A range without a
year takes it from the header or the file name. A daily digest gets its day's week. The
config's ``week`` overrides all of this (in :mod:`bot.content`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DASH = r"\s*(?:[-~–—至到]|to)\s*"
_NAMED_RANGE = re.compile(
    rf"\b{_MONTH}\s+{_DAY}(?:{_DASH}(?:{_MONTH}\s+)?{_DAY})?\b(?:\)?\s*[,-]?\s*(\d{{4}}))?",
    re.IGNORECASE,
)
_ISO_RANGE = re.compile(
    r"(?<!\d)(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:\s*(?:[-~–—至到]|to)\s*(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?)?(?!\d)"
)
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_SHORT_RANGE = re.compile(
    r"(?<!\d)(\d{2})(\d{2})(\d{2})\s*[-~–—至到]\s*(\d{2})(\d{2})(\d{2})(?!\d)"
)
# a lookahead, so "2024-0429-0503" is also tried at "0429-0503" after "2024-0429" fails
_MMDD_RANGE = re.compile(r"(?=(?<!\d)(\d{2})(\d{2})\s*[-~–—_]\s*(\d{2})(\d{2})(?!\d))")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
MAX_SPAN_DAYS = 13  # a longer range is not one week's digest


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _span(start: date | None, end: date | None) -> list[date]:
    """Every day of a plausible range (end before start crosses a year: Dec 30 - Jan 5)."""
    if start is None or end is None:
        return []
    if end < start and start.month == 12 and end.month == 1:
        end = end.replace(year=start.year + 1)
    days = (end - start).days
    if not 0 <= days <= MAX_SPAN_DAYS:
        return []
    return [start + timedelta(days=offset) for offset in range(days + 1)]


def dates_in(text: str, year_hint: int | None = None) -> list[date]:
    """The days a text states: ranges expanded, single dates as one day."""
    for found in _ISO_RANGE.finditer(text):
        y1, m1, d1, y2, m2, d2 = found.groups()
        start = _day(int(y1), int(m1), int(d1))
        if m2 is None:
            return [start] if start else []
        days = _span(start, _day(int(y2 or y1), int(m2), int(d2)))
        if days:
            return days
    short = _SHORT_RANGE.search(text)
    if short:
        y1, m1, d1, y2, m2, d2 = (int(g) for g in short.groups())
        days = _span(_day(2000 + y1, m1, d1), _day(2000 + y2, m2, d2))
        if days:
            return days
    compact = _COMPACT_DATE.search(text)
    if compact:
        single = _day(*(int(g) for g in compact.groups()))
        if single:
            return [single]
    years = [int(y) for y in _YEAR.findall(text)]
    year = years[0] if years else year_hint
    for found in _NAMED_RANGE.finditer(text):
        month1, day1, month2, day2, stated = found.groups()
        y = int(stated) if stated else year
        if y is None:
            continue
        m1 = _MONTHS[month1.casefold().rstrip(".")]
        m2 = _MONTHS[month2.casefold().rstrip(".")] if month2 else m1
        start = _day(y, m1, int(day1))
        if day2 is None:
            return [start] if start else []
        days = _span(start, _day(y, m2, int(day2)))
        if days:
            return days
    if year is not None:
        for found in _MMDD_RANGE.finditer(text):
            m1, d1, m2, d2 = (int(g) for g in found.groups())
            days = _span(_day(year, m1, d1), _day(year, m2, d2))
            if days:
                return days
    return []


def _year_of(text: str) -> int | None:
    years = _YEAR.findall(text)
    return int(years[-1]) if years else None


EARLIEST = date(1990, 1, 1)  # no digest of AI papers is older; earlier "dates" are noise
_LATEST = date(2999, 12, 31)  # when the caller gives no ``latest`` day
# "第 13 周" / "week 13" / "2023-53_week" / "2025-week10" / "2026-W13": a numbered week
_WEEK_NUMBER = re.compile(
    r"(?:第\s*(\d{1,2})\s*周|\bweek[\s_-]*(\d{1,2})(?!\d)|(?<![\d])(\d{1,2})[\s_-]*week\b"
    r"|(?<=\d{4})-?w(\d{1,2})(?!\d))",
    re.IGNORECASE,
)


def numbered_week(text: str, year: int | None) -> date | None:
    """The Monday of week N of ``year``, counting the week that holds January 1st as week 1
    (as weekly digests number their issues; ISO agrees whenever Jan 1 is Mon-Thu)."""
    found = _WEEK_NUMBER.search(text)
    if found is None or year is None:
        return None
    number = int(next(g for g in found.groups() if g))
    if not 1 <= number <= 53:
        return None
    first = monday_of(date(year, 1, 1))
    return first + timedelta(weeks=number - 1)


def week_of(
    header: str, source_name: str, latest: date | None = None
) -> tuple[date, date | None] | None:
    """(Monday, last stated day in that week or None) from the header, else the file name.

    Days outside :data:`EARLIEST` … ``latest`` (the caller's today plus a margin) are not
    a digest's week: they are ignored, never a crash (``9999-12-30``).
    """
    latest = min(latest or _LATEST, _LATEST)
    name_year = _year_of(source_name)
    days = [
        day
        for day in dates_in(header, name_year) or dates_in(source_name, name_year)
        if EARLIEST <= day <= latest
    ]
    if not days:
        for text in (header, source_name):
            monday = numbered_week(text, _year_of(text) or name_year)
            if monday is not None and EARLIEST <= monday <= latest:
                return monday, None
        return None
    mondays = Counter(monday_of(day) for day in days)
    monday = min(mondays, key=lambda m: (-mondays[m], m))
    inside = [day for day in days if monday <= day < monday + timedelta(days=7)]
    last = max(inside) if len(days) > 1 else None
    return monday, last


_WEEK_TEXT = re.compile(r"(\d{4})-?[wW](\d{1,2})")


def monday_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def parse_week(text: str) -> date | None:
    """A week as an admin types it: any date of it (``2025-05-21``) or ``2025-W21``; the
    Monday of that ISO week, or None when the text is neither."""
    text = text.strip()
    match = _WEEK_TEXT.fullmatch(text)
    try:
        if match:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        return monday_of(date.fromisoformat(text))
    except ValueError:
        return None
