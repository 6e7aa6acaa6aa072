"""What the bot's inline buttons carry: one frozen dataclass per kind, packed and parsed here.

Telegram gives a button at most 64 bytes of ``callback_data`` and hands back whatever a
client sends: a button from a message weeks old, or data a hostile client made up. So the
data is never built with f-strings or split by hand elsewhere: each kind has

* ``pack()`` — its data, refused (``CallbackDataError``) over Telegram's 64 bytes;
* ``parse(data)`` — the kind back, or None for anything malformed or out of range (ids
  outside 1 … 2^63-1, absurd page numbers, a foreign prefix, extra fields);
* ``matches`` — the ``pattern`` of its ``CallbackQueryHandler``.

==================  ================  ===============================================
data                kind              button
==================  ================  ===============================================
``p:<id>``          ``OpenPaper``     a numbered paper: send its card
``pf:<id>``         ``PaperCard``     "More" under a card (``ps:<id>``: "Less")
``sp:<key>:<n>``    ``ResultsPage``   page ``n`` (0-based) of a remembered search
``t:<topic>``       ``OpenTopic``     a topic of /topics: its papers as a new message
``tp:<topic>:<n>``  ``TopicPage``     page ``n`` of a topic's papers, in place
``d:<digest>``      ``OpenDigest``    a digest's overview
``dl:<n>``          ``DigestsPage``   page ``n`` of the archive, in place
``noop``            ``PageLabel``     the "2/5" label between the arrows
==================  ================  ===============================================

Deep links (``/start paper_<id>``) are read by :func:`paper_deep_link` with the same id rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Self

CALLBACK_DATA_LIMIT = 64  # bytes (UTF-8): Telegram refuses longer callback_data
MAX_ID = 2**63 - 1  # the largest BIGINT: anything above was never one of our ids
MAX_PAGE = 999_999  # far beyond any archive; a bigger number is made up

# ASCII digits as pack() writes them: str.isdigit() also accepts "²" and "٣", int() takes
# "1_0" and " 1"; a leading zero is never ours either
_ID_DIGITS = re.compile(r"[1-9][0-9]{0,18}")
_PAGE_DIGITS = re.compile(r"0|[1-9][0-9]{0,5}")
# topic and digest ids as the config accepts them
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
# the keys of remembered search results (secrets.token_urlsafe)
_RESULTS_KEY = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PAPER_DEEP_LINK = "paper_"


class CallbackDataError(ValueError):
    """A button value that cannot be packed: out of range, or over Telegram's 64 bytes."""


def _id(text: str) -> int:
    if not _ID_DIGITS.fullmatch(text):
        raise CallbackDataError(f"not an id: {text[:30]!r}")
    return _check_id(int(text))


def _check_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise CallbackDataError(f"id out of range: {value}")
    return value


def _page(text: str) -> int:
    if not _PAGE_DIGITS.fullmatch(text):
        raise CallbackDataError(f"not a page number: {text[:30]!r}")
    return _check_page(int(text))


def _check_page(value: int) -> int:
    if not 0 <= value <= MAX_PAGE:
        raise CallbackDataError(f"page out of range: {value}")
    return value


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise CallbackDataError(f"not a {what}: {value[:30]!r}")
    return value


def parse_id(text: str) -> int | None:
    """A database id (1 … 2^63-1) from its decimal text; None for anything else."""
    try:
        return _id(text)
    except CallbackDataError:
        return None


def paper_deep_link(payload: str) -> int | None:
    """The paper id of a ``/start paper_<id>`` payload; None if it is not one (or out of range)."""
    if not payload.startswith(_PAPER_DEEP_LINK):
        return None
    return parse_id(payload.removeprefix(_PAPER_DEEP_LINK))


def is_paper_deep_link(payload: str) -> bool:
    """Whether ``/start`` was given a paper link at all (valid or not)."""
    return payload.startswith(_PAPER_DEEP_LINK)


class CallbackData:
    """The base of every button kind; a kind's data is its prefix and fields joined by ``:``."""

    __slots__ = ()
    prefixes: ClassVar[tuple[str, ...]]  # the first is what pack() writes unless overridden

    def prefix(self) -> str:
        """The data's first field."""
        return self.prefixes[0]

    def fields(self) -> tuple[str, ...]:
        """The data after the prefix."""
        return ()

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        """The kind from its data split at ``:``; raises CallbackDataError if malformed."""
        raise NotImplementedError

    def pack(self) -> str:
        """The ``callback_data`` of this button."""
        data = ":".join((self.prefix(), *self.fields()))
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise CallbackDataError(f"over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """This kind, read from a pressed button's data; None if the data is not one."""
        if not isinstance(data, str) or len(data.encode()) > CALLBACK_DATA_LIMIT:
            return None
        prefix, *fields = data.split(":")
        if prefix not in cls.prefixes:
            return None
        try:
            return cls.from_fields(prefix, fields)
        except CallbackDataError:
            return None

    @classmethod
    def matches(cls, data: object) -> bool:
        """The ``pattern`` of this kind's ``CallbackQueryHandler``."""
        return cls.parse(data) is not None


def _single(fields: list[str]) -> str:
    if len(fields) != 1:
        raise CallbackDataError(f"expected one field, got {len(fields)}")
    return fields[0]


def _pair(fields: list[str]) -> tuple[str, str]:
    if len(fields) != 2:
        raise CallbackDataError(f"expected two fields, got {len(fields)}")
    return fields[0], fields[1]


@dataclass(frozen=True, slots=True)
class OpenPaper(CallbackData):
    """``p:<id>`` — a numbered paper button: send that paper's card."""

    prefixes: ClassVar[tuple[str, ...]] = ("p",)
    paper_id: int

    def __post_init__(self) -> None:
        _check_id(self.paper_id)

    def fields(self) -> tuple[str, ...]:
        return (str(self.paper_id),)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        return cls(_id(_single(fields)))


@dataclass(frozen=True, slots=True)
class PaperCard(CallbackData):
    """``pf:<id>`` / ``ps:<id>`` — "More" / "Less": the card with the full or short summary."""

    prefixes: ClassVar[tuple[str, ...]] = ("pf", "ps")
    paper_id: int
    full: bool

    def __post_init__(self) -> None:
        _check_id(self.paper_id)

    def prefix(self) -> str:
        return "pf" if self.full else "ps"

    def fields(self) -> tuple[str, ...]:
        return (str(self.paper_id),)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        return cls(_id(_single(fields)), full=prefix == "pf")


@dataclass(frozen=True, slots=True)
class ResultsPage(CallbackData):
    """``sp:<key>:<page>`` — another page of the search result list remembered as ``key``."""

    prefixes: ClassVar[tuple[str, ...]] = ("sp",)
    key: str
    page: int

    def __post_init__(self) -> None:
        _check(_RESULTS_KEY, self.key, "result key")
        _check_page(self.page)

    def fields(self) -> tuple[str, ...]:
        return (self.key, str(self.page))

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        key, page = _pair(fields)
        return cls(key, _page(page))


@dataclass(frozen=True, slots=True)
class OpenTopic(CallbackData):
    """``t:<topic>`` — a topic button: that topic's papers as a new message."""

    prefixes: ClassVar[tuple[str, ...]] = ("t",)
    topic_id: str

    def __post_init__(self) -> None:
        _check(_SLUG, self.topic_id, "topic id")

    def fields(self) -> tuple[str, ...]:
        return (self.topic_id,)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        return cls(_single(fields))


@dataclass(frozen=True, slots=True)
class TopicPage(CallbackData):
    """``tp:<topic>:<page>`` — another page of a topic's papers, in place."""

    prefixes: ClassVar[tuple[str, ...]] = ("tp",)
    topic_id: str
    page: int

    def __post_init__(self) -> None:
        _check(_SLUG, self.topic_id, "topic id")
        _check_page(self.page)

    def fields(self) -> tuple[str, ...]:
        return (self.topic_id, str(self.page))

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        topic_id, page = _pair(fields)
        return cls(topic_id, _page(page))


@dataclass(frozen=True, slots=True)
class OpenDigest(CallbackData):
    """``d:<digest>`` — a digest's overview."""

    prefixes: ClassVar[tuple[str, ...]] = ("d",)
    digest_id: str

    def __post_init__(self) -> None:
        _check(_SLUG, self.digest_id, "digest id")

    def fields(self) -> tuple[str, ...]:
        return (self.digest_id,)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        return cls(_single(fields))


@dataclass(frozen=True, slots=True)
class DigestsPage(CallbackData):
    """``dl:<page>`` — another page of the digest archive, in place."""

    prefixes: ClassVar[tuple[str, ...]] = ("dl",)
    page: int

    def __post_init__(self) -> None:
        _check_page(self.page)

    def fields(self) -> tuple[str, ...]:
        return (str(self.page),)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        return cls(_page(_single(fields)))


@dataclass(frozen=True, slots=True)
class PageLabel(CallbackData):
    """``noop`` — the "2/5" label between the paging arrows: pressing it does nothing."""

    prefixes: ClassVar[tuple[str, ...]] = ("noop",)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        if fields:
            raise CallbackDataError("noop takes no fields")
        return cls()


# a page's button from its number: DigestsPage, or e.g. partial(TopicPage, topic_id)
PageButton = Callable[[int], CallbackData]

BUTTON_KINDS: tuple[type[CallbackData], ...] = (
    OpenPaper,
    PaperCard,
    ResultsPage,
    OpenTopic,
    TopicPage,
    OpenDigest,
    DigestsPage,
    PageLabel,
)
