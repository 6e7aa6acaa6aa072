"""Button data (bot/domain/callbacks.py): every kind packs under 64 bytes and parses back;
stale, malformed and out-of-range data parses to None instead of raising."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.callbacks import (
    BUTTON_KINDS,
    CALLBACK_DATA_LIMIT,
    MAX_ID,
    MAX_PAGE,
    CallbackData,
    CallbackDataError,
    DataField,
    DigestsPage,
    OpenDigest,
    OpenPaper,
    OpenTopic,
    PageLabel,
    PaperCard,
    QueueAction,
    ReadingMark,
    ReadingPage,
    ReadingRemove,
    ResultsPage,
    SavePaper,
    TopicPage,
    UploadAction,
    paper_deep_link,
    parse_id,
)

ids = st.integers(1, MAX_ID)
pages = st.integers(0, MAX_PAGE)
slugs = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,39}", fullmatch=True)
result_keys = st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)

buttons: st.SearchStrategy[CallbackData] = st.one_of(
    st.builds(OpenPaper, ids),
    st.builds(PaperCard, ids, st.booleans()),
    st.builds(ResultsPage, result_keys, pages),
    st.builds(OpenTopic, slugs),
    st.builds(TopicPage, slugs, pages),
    st.builds(OpenDigest, slugs),
    st.builds(DigestsPage, pages),
    st.just(PageLabel()),
    st.builds(UploadAction, ids, st.sampled_from("awix")),
    st.builds(
        QueueAction, slugs, st.sampled_from("udsr"), st.from_regex(r"[0-9a-f]{8}", fullmatch=True)
    ),
    st.builds(SavePaper, ids),
    st.builds(ReadingPage, pages),
    st.builds(ReadingMark, ids, pages, st.booleans()),
    st.builds(ReadingRemove, ids, pages),
)


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (OpenPaper(17), "p:17"),
        (PaperCard(17, full=True), "pf:17"),
        (PaperCard(17, full=False), "ps:17"),
        (ResultsPage("Ab-_9xyz", 2), "sp:Ab-_9xyz:2"),
        (OpenTopic("efficiency"), "t:efficiency"),
        (TopicPage("code", 1), "tp:code:1"),
        (OpenDigest("2024-w09"), "d:2024-w09"),
        (DigestsPage(0), "dl:0"),
        (PageLabel(), "noop"),
        (UploadAction(3, "a"), "u:3:a"),
        (QueueAction("2025-w21", "s", "0a1b2c3d"), "q:2025-w21:s:0a1b2c3d"),
        (SavePaper(17), "sv:17"),
        (ReadingPage(3), "rl:3"),
        (ReadingMark(17, 2, read=True), "rr:17:2"),
        (ReadingMark(17, 0, read=False), "ru:17:0"),
        (ReadingRemove(17, 1), "rx:17:1"),
    ],
)
def test_each_kind_packs_to_the_wire_format_and_back(button: CallbackData, data: str):
    assert button.pack() == data
    assert type(button).parse(data) == button
    assert type(button).matches(data)


@given(buttons)
def test_parse_of_pack_is_the_button_and_fits_telegram(button: CallbackData):
    data = button.pack()
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert type(button).parse(data) == button


@given(buttons)
def test_no_other_kind_claims_a_buttons_data(button: CallbackData):
    data = button.pack()
    claimed = [kind for kind in BUTTON_KINDS if kind.parse(data) is not None]
    assert claimed == [type(button)]


@given(st.text(max_size=80))
def test_any_text_parses_to_none_or_to_a_button_that_packs_to_it(data: str):
    for kind in BUTTON_KINDS:
        button = kind.parse(data)
        assert button is None or button.pack() == data


TOO_BIG = str(2**63)  # one above the largest BIGINT: OverflowError in the database before

MALFORMED = [
    "",
    ":",
    "p",
    "p:",
    "p:abc",
    "p:0",
    "p:-1",
    "p:+1",
    "p:1_0",  # int() would take it
    "p:007",  # not how the bot writes ids: someone made it up
    "p:１２",  # full-width digits: str.isdigit() would take them
    "p:²",
    "p: 1",
    " p:1",
    "p:1:2",
    f"p:{TOO_BIG}",
    "p:" + "9" * 23,
    f"pf:{TOO_BIG}",
    f"ps:{2**64}",
    "px:1",
    "sp:key",
    "sp::1",
    "sp:key:-1",
    f"sp:key:{MAX_PAGE + 1}",
    "sp:a b:1",
    "t:",
    "t:Code",  # topic ids are lower case
    "t:a:b",
    "t:" + "a" * 41,
    "tp:code",
    f"tp:code:{TOO_BIG}",
    "d:",
    "d:../etc",
    "d:" + "a" * 41,
    "dl:",
    "dl:-1",
    "dl:x",
    f"dl:{TOO_BIG}",
    "noop:1",
    "u:1",
    "u:1:z",  # no such action
    "u:0:a",
    "u:1:aa",
    "q:2025-w21",
    "q:2025-w21:x:0a1b2c3d",
    "q:2025-w21:s",  # no queue version
    "q:2025-w21:s:0A1B2C3D",
    "q:../x:u:0a1b2c3d",
    "sv:",
    "sv:0",
    f"sv:{TOO_BIG}",
    "sv:1:2",
    "rl:-1",
    "rr:1",
    "ru:1:x",
    f"rx:1:{MAX_PAGE + 1}",
    "NOOP",
    "zz:1",
    "garbage",
    "p:1" + " " * 70,  # over 64 bytes
    "\x00",
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_or_out_of_range_data_is_no_button(data: str):
    assert [kind.__name__ for kind in BUTTON_KINDS if kind.parse(data) is not None] == []


@pytest.mark.parametrize("data", [None, 17, b"p:1"])
def test_data_that_is_not_text_is_no_button(data: object):
    assert all(kind.parse(data) is None for kind in BUTTON_KINDS)


@pytest.mark.parametrize(
    "make",
    [
        lambda: OpenPaper(0),
        lambda: OpenPaper(MAX_ID + 1),
        lambda: PaperCard(-1, full=True),
        lambda: DigestsPage(-1),
        lambda: DigestsPage(MAX_PAGE + 1),
        lambda: TopicPage("has:colon", 0),
        lambda: OpenDigest(""),
        lambda: ResultsPage("a:b", 0),
    ],
)
def test_out_of_range_values_cannot_become_a_button(make):
    with pytest.raises(CallbackDataError):
        make()


@dataclass(frozen=True, slots=True)
class _Wide(CallbackData):
    """A kind whose field can outgrow Telegram's limit (none of the bot's can)."""

    prefixes = ("w",)
    layout = (DataField("anything", re.compile(r".+")),)
    text: str


def test_pack_refuses_data_over_64_bytes():
    assert _Wide("x" * 62).pack() == "w:" + "x" * 62
    with pytest.raises(CallbackDataError, match="64 bytes"):
        _Wide("x" * 63).pack()
    with pytest.raises(CallbackDataError):
        _Wide("论" * 21).pack()  # 2 + 63 bytes in UTF-8, though only 23 characters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (str(MAX_ID), MAX_ID),
        (TOO_BIG, None),
        ("9" * 23, None),
        ("0", None),
        ("-5", None),
        ("", None),
        ("١٢", None),  # Arabic-Indic digits
    ],
)
def test_parse_id_takes_only_our_id_range(text: str, expected: int | None):
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [("paper_42", 42), ("paper_" + "9" * 23, None), ("paper_", None), ("paper_x", None)],
)
def test_paper_deep_link_reads_the_id_in_range(payload: str, expected: int | None):
    assert paper_deep_link(payload) == expected
