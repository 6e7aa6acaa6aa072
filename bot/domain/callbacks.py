"""What the bot's inline buttons carry: one frozen dataclass per kind, packed and parsed here.

Telegram gives a button at most 64 bytes of ``callback_data`` and hands back whatever a
client sends: a button from a message weeks old, or data a hostile client made up. So the
data is never built with f-strings or split by hand elsewhere: each kind has

* a constructor that refuses (``CallbackDataError``) values no button may carry;
* ``pack()`` — its data, refused over Telegram's 64 bytes;
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
``tf:<t>:<a>:<n>``  ``TopicFocusPage`` the same, papers matching the topic's name ``a`` first
``d:<digest>``      ``OpenDigest``    a digest's overview
``dp:<digest>:<n>`` ``DigestPage``    page ``n`` of a digest's overview, in place
``dl:<n>``          ``DigestsPage``   page ``n`` of the archive, in place
``noop``            ``PageLabel``     the "2/5" label between the arrows
``u:<id>:<a>``      ``UploadAction``  ✅ add / 🗓 week / 🆔 id / ❌ discard / 📖 read as
``q:<digest>:<a>``  ``QueueAction``   /queue: move up / down, skip / unskip a digest
``sv:<id>``         ``SavePaper``     📌 save the paper to the chat's list, or remove it
``rl:<n>``          ``ReadingPage``   page ``n`` of the chat's reading list, in place
``rr:<id>:<n>``     ``ReadingMark``   mark read (``ru:``: unread), then page ``n`` again
``rx:<id>:<n>``     ``ReadingRemove`` take the paper off the list, then page ``n`` again
``sm:<id>``         ``SimilarPapers`` 🔗 the papers most like this one
``uw:<id>``         ``Unwatch``       ❌ under /watches: stop that watch
``fy:<n>``          ``ForYouPage``    page ``n`` of /foryou, in place
==================  ================  ===============================================

Deep links (``/start paper_<id>``) are read by :func:`paper_deep_link` with the same id rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

CALLBACK_DATA_LIMIT = 64  # bytes (UTF-8): Telegram refuses longer callback_data
MAX_ID = 2**63 - 1  # the largest BIGINT: anything above was never one of our ids
MAX_PAGE = 999_999  # far beyond any archive; a bigger number is made up

_PAPER_DEEP_LINK = "paper_"


class CallbackDataError(ValueError):
    """A button value that cannot be packed: out of range, or over Telegram's 64 bytes."""


@dataclass(frozen=True, slots=True)
class DataField:
    """How one field of a button's data is written and read back.

    ``pattern`` is exactly what ``write`` produces, so a value is valid when its text reads
    back as the same value, and text is valid when it is what some valid value writes.
    """

    what: str
    pattern: re.Pattern[str]
    convert: Callable[[str], Any] = str
    largest: int | None = None

    def read(self, text: str) -> Any:
        """The value written as ``text``; CallbackDataError for anything else."""
        if not self.pattern.fullmatch(text):
            raise CallbackDataError(f"not a {self.what}: {text[:30]!r}")
        value = self.convert(text)
        if self.largest is not None and value > self.largest:
            raise CallbackDataError(f"{self.what} out of range: {text[:30]!r}")
        return value

    def write(self, value: object) -> str:
        """``value`` as text; CallbackDataError if it is out of range or of the wrong type."""
        text = str(value)
        if self.read(text) != value:  # e.g. the text "5" given where the number 5 belongs
            raise CallbackDataError(f"not a {self.what}: {value!r}")
        return text


# ASCII digits as str(int) writes them: str.isdigit() also accepts "²" and "٣", int()
# takes "1_0" and " 1"; a leading zero is never ours either
PAPER_ID = DataField("paper id", re.compile(r"[1-9][0-9]{0,18}"), int, largest=MAX_ID)
PAGE = DataField("page number", re.compile(r"0|[1-9][0-9]{0,5}"), int, largest=MAX_PAGE)
# topic and digest ids as the config accepts them
SLUG = DataField("topic or digest id", re.compile(r"[a-z0-9][a-z0-9._-]{0,39}"))
# what an upload's or a queue entry's button does (one letter each)
# (``r<n>``: read the upload as layout n of bot.domain.parsing.LAYOUT_NAMES)
UPLOAD_ACTION = DataField("upload action", re.compile(r"[awix]|r[0-9]"))
QUEUE_ACTION = DataField("queue action", re.compile(r"[udsr]"))
# the queue as the buttons were drawn (bot.services.uploads.queue_version): a stale press
# is refused instead of moving a digest from a place it is no longer in
QUEUE_VERSION = DataField("queue version", re.compile(r"[0-9a-f]{8}"))
# the keys of remembered search results (secrets.token_urlsafe)
RESULTS_KEY = DataField("result list key", re.compile(r"[A-Za-z0-9_-]{1,32}"))


def parse_id(text: str) -> int | None:
    """A database id (1 … 2^63-1) from its decimal text; None for anything else."""
    try:
        return int(PAPER_ID.read(text))
    except CallbackDataError:
        return None


def is_paper_deep_link(payload: str) -> bool:
    """Whether ``/start`` was given a paper link at all (valid or not)."""
    return payload.startswith(_PAPER_DEEP_LINK)


def paper_deep_link(payload: str) -> int | None:
    """The paper id of a ``/start paper_<id>`` payload; None if it is not one (or out of range)."""
    if not is_paper_deep_link(payload):
        return None
    return parse_id(payload.removeprefix(_PAPER_DEEP_LINK))


class CallbackData:
    """The base of every button kind: its data is a prefix and its fields joined by ``:``.

    A kind is a frozen dataclass naming, in its class line, its ``prefixes`` and, in
    ``layout``, how each of its fields is written, in order::

        class OpenTopic(CallbackData, prefixes=("t",), layout=(SLUG,)):
    """

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()  # the dataclass's fields, in order
    prefixes: ClassVar[tuple[str, ...]]  # the first is what pack() writes unless overridden
    layout: ClassVar[tuple[DataField, ...]] = ()

    def __init_subclass__(
        cls,
        prefixes: tuple[str, ...] | None = None,
        layout: tuple[DataField, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        # optional: @dataclass(slots=True) makes the class again, without these arguments
        super().__init_subclass__(**kwargs)
        if prefixes is not None:
            cls.prefixes = prefixes
        if layout is not None:
            cls.layout = layout

    def __post_init__(self) -> None:
        self.fields()  # out-of-range values fail here, not when the button is sent

    def prefix(self) -> str:
        """The data's first field."""
        return self.prefixes[0]

    def values(self) -> tuple[object, ...]:
        """The values ``layout`` writes, in order."""
        return tuple(getattr(self, name) for name in self.__match_args__)

    def fields(self) -> tuple[str, ...]:
        """The data after the prefix."""
        return tuple(
            field.write(value) for field, value in zip(self.layout, self.values(), strict=True)
        )

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        """The kind from its data split at ``:``; raises CallbackDataError if malformed."""
        return cls(*cls.read_fields(fields))

    @classmethod
    def read_fields(cls, fields: list[str]) -> list[Any]:
        """The values written as ``fields``, checked against ``layout``."""
        if len(fields) != len(cls.layout):
            raise CallbackDataError(f"expected {len(cls.layout)} fields, got {len(fields)}")
        return [field.read(text) for field, text in zip(cls.layout, fields, strict=True)]

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

    if TYPE_CHECKING:  # each kind's dataclass __init__ takes its fields

        def __init__(self, *values: Any, **named: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class OpenPaper(CallbackData, prefixes=("p",), layout=(PAPER_ID,)):
    """``p:<id>`` — a numbered paper button: send that paper's card."""

    paper_id: int


@dataclass(frozen=True, slots=True)
class PaperCard(CallbackData, prefixes=("pf", "ps"), layout=(PAPER_ID,)):
    """``pf:<id>`` / ``ps:<id>`` — "More" / "Less": the card with the full or short summary."""

    paper_id: int
    full: bool  # written as the prefix

    def prefix(self) -> str:
        return "pf" if self.full else "ps"

    def values(self) -> tuple[object, ...]:
        return (self.paper_id,)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        [paper_id] = cls.read_fields(fields)
        return cls(paper_id, full=prefix == "pf")


@dataclass(frozen=True, slots=True)
class ResultsPage(CallbackData, prefixes=("sp",), layout=(RESULTS_KEY, PAGE)):
    """``sp:<key>:<page>`` — another page of the search result list remembered as ``key``."""

    key: str
    page: int


@dataclass(frozen=True, slots=True)
class OpenTopic(CallbackData, prefixes=("t",), layout=(SLUG,)):
    """``t:<topic>`` — a topic button: that topic's papers as a new message."""

    topic_id: str


@dataclass(frozen=True, slots=True)
class TopicPage(CallbackData, prefixes=("tp",), layout=(SLUG, PAGE)):
    """``tp:<topic>:<page>`` — another page of a topic's papers, in place."""

    topic_id: str
    page: int


@dataclass(frozen=True, slots=True)
class TopicFocusPage(CallbackData, prefixes=("tf",), layout=(SLUG, PAGE, PAGE)):
    """``tf:<topic>:<name>:<page>`` — a page of a topic opened by one of its aliases
    (``/topic quantization``): the papers matching that alias (``name``: its index in
    ``Topic.names()``) first."""

    topic_id: str
    name: int
    page: int


@dataclass(frozen=True, slots=True)
class OpenDigest(CallbackData, prefixes=("d",), layout=(SLUG,)):
    """``d:<digest>`` — a digest's overview."""

    digest_id: str


@dataclass(frozen=True, slots=True)
class DigestPage(CallbackData, prefixes=("dp",), layout=(SLUG, PAGE)):
    """``dp:<digest>:<page>`` — another page of a digest's overview, in place."""

    digest_id: str
    page: int


@dataclass(frozen=True, slots=True)
class DigestsPage(CallbackData, prefixes=("dl",), layout=(PAGE,)):
    """``dl:<page>`` — another page of the digest archive, in place."""

    page: int


@dataclass(frozen=True, slots=True)
class PageLabel(CallbackData, prefixes=("noop",)):
    """``noop`` — the "2/5" label between the paging arrows: pressing it does nothing."""


@dataclass(frozen=True, slots=True)
class UploadAction(CallbackData, prefixes=("u",), layout=(PAPER_ID, UPLOAD_ACTION)):
    """``u:<pending>:<a>`` — under an upload's preview: ``a`` add, ``w`` set the week,
    ``i`` set the id, ``x`` discard, ``r<n>`` read it as the n-th layout (``pending``: the
    pending upload's database id)."""

    pending_id: int
    action: str


@dataclass(frozen=True, slots=True)
class QueueAction(CallbackData, prefixes=("q",), layout=(SLUG, QUEUE_ACTION, QUEUE_VERSION)):
    """``q:<digest>:<a>:<version>`` — under /queue: ``u`` move up, ``d`` move down, ``s``
    skip, ``r`` put a skipped digest back in the queue; ``version`` is the queue the button
    was drawn from."""

    digest_id: str
    action: str
    version: str


@dataclass(frozen=True, slots=True)
class SavePaper(CallbackData, prefixes=("sv",), layout=(PAPER_ID,)):
    """``sv:<id>`` — 📌 under a card, a list or the weekly post: save the paper to this chat's
    reading list, or take it off if it is on it."""

    paper_id: int


@dataclass(frozen=True, slots=True)
class ReadingPage(CallbackData, prefixes=("rl",), layout=(PAGE,)):
    """``rl:<page>`` — another page of the chat's reading list, in place."""

    page: int


@dataclass(frozen=True, slots=True)
class ReadingMark(CallbackData, prefixes=("rr", "ru"), layout=(PAPER_ID, PAGE)):
    """``rr:<id>:<page>`` / ``ru:<id>:<page>`` — mark an entry read / unread, then show
    that page of the list again."""

    paper_id: int
    page: int
    read: bool  # written as the prefix

    def prefix(self) -> str:
        return "rr" if self.read else "ru"

    def values(self) -> tuple[object, ...]:
        return (self.paper_id, self.page)

    @classmethod
    def from_fields(cls, prefix: str, fields: list[str]) -> Self:
        paper_id, page = cls.read_fields(fields)
        return cls(paper_id, page, read=prefix == "rr")


@dataclass(frozen=True, slots=True)
class ReadingRemove(CallbackData, prefixes=("rx",), layout=(PAPER_ID, PAGE)):
    """``rx:<id>:<page>`` — take an entry off the list, then show that page again."""

    paper_id: int
    page: int


@dataclass(frozen=True, slots=True)
class SimilarPapers(CallbackData, prefixes=("sm",), layout=(PAPER_ID,)):
    """``sm:<id>`` — 🔗 under a card: the papers most like this one."""

    paper_id: int


@dataclass(frozen=True, slots=True)
class Unwatch(CallbackData, prefixes=("uw",), layout=(PAPER_ID,)):
    """``uw:<watch>`` — ❌ under /watches: stop that watch (its database id)."""

    watch_id: int


@dataclass(frozen=True, slots=True)
class ForYouPage(CallbackData, prefixes=("fy",), layout=(PAGE,)):
    """``fy:<page>`` — another page of /foryou, in place."""

    page: int


# a page's button from its number: DigestsPage, or e.g. partial(TopicPage, topic_id)
PageButton = Callable[[int], CallbackData]

BUTTON_KINDS: tuple[type[CallbackData], ...] = (
    OpenPaper,
    PaperCard,
    ResultsPage,
    OpenTopic,
    TopicPage,
    TopicFocusPage,
    OpenDigest,
    DigestPage,
    DigestsPage,
    PageLabel,
    UploadAction,
    QueueAction,
    SavePaper,
    ReadingPage,
    ReadingMark,
    ReadingRemove,
    SimilarPapers,
    Unwatch,
    ForYouPage,
)
