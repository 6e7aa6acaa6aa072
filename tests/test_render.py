"""Rendering of cards, lists and the weekly post: valid Telegram HTML, never over 4096."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.render import (
    FULL_SUMMARY_CHARS,
    MAX_POST_PARTS,
    MESSAGE_LIMIT,
    digest_overview,
    esc,
    paper_card,
    shorten,
    split_blocks,
    summary,
    utf16_len,
    weekly_post,
)
from bot.domain.texts import TEXTS, t
from bot.domain.views import DigestView, PaperView, TopicView
from bot.sandbox.fake_telegram.html_check import check_telegram_html

DIGEST = DigestView(
    "2024-w09", "每周AI论文速递(240226-240301)", date(2024, 2, 26), date(2024, 3, 1), None, 2
)
LM = TopicView("language-models", "Language models", "语言模型")
CODE = TopicView("code", "Code", "代码")


def paper(pid: int = 1, **changes: object) -> PaperView:
    base: dict[str, object] = {
        "id": pid,
        "title_en": "Thinking <think> & Acting: 1.58 Bits",
        "title_zh": "思考 <think> 与行动",
        "abstract": "我们提出 <b>不是标签</b> & 更多。第二句话。第三句话很长。",
        "arxiv_id": "2402.17764",
        "url": None,
        "section": None,
        "position": pid - 1,
        "topics": (LM,),
        "digest": DIGEST,
    }
    base.update(changes)
    return PaperView(**base)  # type: ignore[arg-type]


def test_card_escapes_everything_and_is_valid_html() -> None:
    text, has_more = paper_card(paper(), "en")
    visible = check_telegram_html(text)
    assert "Thinking <think> & Acting: 1.58 Bits" in visible
    assert "我们提出 <b>不是标签</b> & 更多" in visible
    assert (
        '<a href="https://arxiv.org/abs/2402.17764"><b>Thinking &lt;think&gt; &amp; Acting' in text
    )
    assert "#Language_models" in visible
    assert "From: 每周AI论文速递(240226-240301) (2024-02-26 – 2024-03-01)" in visible
    assert has_more is False


def test_card_in_chinese() -> None:
    visible = check_telegram_html(paper_card(paper(), "zh")[0])
    assert "主题：#语言模型" in visible
    assert "来自：" in visible


def test_long_abstract_is_trimmed_with_more() -> None:
    long = "这是一个很长的句子。" * 300
    text, has_more = paper_card(paper(abstract=long), "en")
    assert has_more is True
    assert utf16_len(text) < 1500
    full, _ = paper_card(paper(abstract=long), "en", full=True)
    assert utf16_len(full) <= MESSAGE_LIMIT
    check_telegram_html(full)


def test_card_shows_authors_and_venue_escaped_under_the_titles() -> None:
    authored = paper(authors="Ada <Lovelace> & 李飞飞", venue="NeurIPS <2024>")
    text, has_more = paper_card(authored, "en")
    lines = text.split("\n")
    assert lines[2] == "👥 Authors: Ada &lt;Lovelace&gt; &amp; 李飞飞"
    assert lines[3] == "🏛 Venue: NeurIPS &lt;2024&gt;"
    assert "Authors: Ada <Lovelace> & 李飞飞" in check_telegram_html(text)
    assert has_more is False
    zh = check_telegram_html(paper_card(authored, "zh")[0])
    assert "作者：Ada <Lovelace> & 李飞飞" in zh and "发表于：NeurIPS <2024>" in zh
    assert "Authors" not in paper_card(paper(), "en")[0]  # nothing when the digest gave none


def test_long_author_list_is_cut_on_the_card_and_whole_behind_more() -> None:
    authors = ", ".join(f"Author{i} Surname{i}" for i in range(100))
    text, has_more = paper_card(paper(authors=authors), "en")
    assert has_more is True and utf16_len(text) < 1500
    assert "Author99 " not in text
    full, _ = paper_card(paper(authors=authors), "en", full=True)
    assert "Author99 " in full and utf16_len(full) <= MESSAGE_LIMIT
    huge, _ = paper_card(paper(authors=authors * 3, abstract="长句子。" * 900), "en", full=True)
    assert utf16_len(huge) <= MESSAGE_LIMIT
    check_telegram_html(huge)


def test_summary_takes_two_sentences() -> None:
    assert summary("First one. Second one. Third one.") == "First one. Second one."
    assert summary("第一句。第二句。第三句。") == "第一句。第二句。"
    assert len(summary("word " * 500)) <= 260


def test_shorten() -> None:
    assert shorten("short", 10) == "short"
    cut = shorten("alpha beta gamma delta epsilon", 20)
    assert cut.endswith("…") and len(cut) <= 20


def test_weekly_post_sections_and_split() -> None:
    papers = [
        paper(
            i,
            section="LLM发展与基准" if i < 30 else "Transformer和注意力模型",
            abstract="句子。" * 80,
        )
        for i in range(1, 41)
    ]
    messages = weekly_post(DIGEST, papers, "en")
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        check_telegram_html(message)
        assert not message.rstrip().endswith("</b>") or "▎" not in message.splitlines()[-1]
    joined = "\n\n".join(messages)
    assert joined.count("Thinking &lt;think&gt;") == 40  # every paper exactly once, in order
    assert messages[0].startswith(
        "📚 <b>每周AI论文速递(240226-240301)</b>\n2024-02-26 – 2024-03-01 · 40 papers"
    )
    assert joined.count("▎<b>LLM发展与基准</b>") == 1


def test_weekly_post_topic_filter() -> None:
    papers = [paper(1), paper(2, topics=(CODE,), title_en="StarCoder 2")]
    [message] = weekly_post(DIGEST, papers, "en", ["code"], ["Code"])
    assert "1 of 2 papers, on: Code" in message
    assert "StarCoder 2" in message and "Thinking" not in message
    [note] = weekly_post(DIGEST, [paper(1)], "zh", ["code"], ["代码"])
    assert "本周没有关于 代码 的论文" in note


def test_digest_overview_lists_every_title() -> None:
    papers = [paper(i) for i in range(1, 16)]
    [message] = digest_overview(DIGEST, papers, "en")
    check_telegram_html(message)
    assert "15. Thinking &lt;think&gt;" in message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=3000), min_size=1, max_size=8))
def test_split_blocks_never_exceeds_the_limit(blocks: list[str]) -> None:
    for message in split_blocks(blocks):
        assert utf16_len(message) <= MESSAGE_LIMIT


def test_counts_take_the_right_noun_in_both_languages() -> None:
    one = t("en", "digest_header", title="T", week="w", count=1)
    assert one.endswith("w · 1 paper") and t(
        "zh", "digest_header", title="T", week="w", count=1
    ).endswith("共 1 篇")
    assert t("en", "digest_header", title="T", week="w", count=2).endswith("2 papers")
    assert t("en", "results_header", total=1, query="q", page=1, pages=1).startswith(
        "<b>1</b> paper matches <b>q</b>"
    )
    assert t("en", "preview_header", id="x", n=1).endswith("1 message:")
    assert "1 chat sent" in t("en", "postnow_done", id="x", sent=1, failed=0, skipped=2)
    assert t("zh", "preview_header", id="x", n=1).endswith("共 1 条消息：")


def test_every_text_exists_in_both_languages_and_renders() -> None:
    for key, entry in TEXTS.items():
        assert set(entry) == {"en", "zh"}, key
    values = {
        "commands": "x",
        "next_post": "<now>",
        "status": "s",
        "username": "u",
        "user_id": 1001,
        "query": "<q>",
        "total": 1,
        "page": 1,
        "pages": 2,
        "shown": 5,
        "topic": "<t>",
        "title": "T&",
        "week": "w",
        "count": 3,
        "start": "a",
        "end": "b",
        "digest": "d",
        "topics": "x",
        "when": "w",
        "lines": "l",
        "digests": 1,
        "retired": 0,
        "papers": 2,
        "layout": "heading",
        "subscribers": 3,
        "published": 1,
        "queued": 0,
        "resent": 0,
        "unreadable": 0,
        "last_post": "x",
        "id": "i",
        "n": 2,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "authors": "a",
        "venue": "v",
        "ids": "a, b",
        "problem": "f:1: p",
        "command": "/x",
        "arxiv_id": "2405.11157",
        "poll": "<p>",
        "hours": "48",
        "tie": "",
        "size": "5.0",
        "file": "content/x.md",
        "text": "<junk>",
        "place": 1,
        "post_time": "x",
        "folder": "/srv/config",
        "entry": "- id: x\n  title: <b>&\n",
        "name": "<Ada>",
        "date": "2026-11-30",
        "period": "p",
        "url": "https://app.example.org/?a=1&b=<2>",
        "limit": 20,
        "needed": 5,
        "watches": "w",
    }
    for key in TEXTS:
        for lang in ("en", "zh"):
            check_telegram_html(t(lang, key, **values))


# ------------------------------------------------------------------ hostile sizes


def assert_sendable(messages: list[str]) -> str:
    """Every message is valid Telegram HTML within the limit; returns what a reader sees."""
    for message in messages:
        assert message.strip() and utf16_len(message) <= MESSAGE_LIMIT
        check_telegram_html(message)
    return "".join(check_telegram_html(m) for m in messages)


def test_a_10000_character_title_still_posts() -> None:
    long = "Very & <long> title " * 500
    digest = DigestView("2024-w09", long, date(2024, 2, 26), date(2024, 3, 1), None, 2)
    papers = [paper(1, title_en=long), paper(2)]
    for lang in ("en", "zh"):
        visible = assert_sendable(weekly_post(digest, papers, lang))
        assert "Very & <long> title" in visible and "第二句话" in visible
    assert_sendable(digest_overview(digest, papers, "en"))


# long runs of characters that grow when escaped or count double in UTF-16
_RUNS = st.lists(
    st.tuples(st.sampled_from(["a", "&", "<", "词", "😀", " ", "ab "]), st.integers(1, 3000)),
    min_size=1,
    max_size=4,
).map(lambda runs: "".join(char * count for char, count in runs))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_RUNS, st.text(max_size=200)), min_size=1, max_size=4))
def test_split_blocks_never_cuts_inside_a_tag(parts: list[tuple[str, str]]) -> None:
    blocks = [
        f'<a href="https://x.org/?a=1&amp;b=2"><b>{esc(a)}</b></a>\n{esc(b)}' for a, b in parts
    ]
    assert_sendable(split_blocks(blocks))


def test_a_huge_digest_post_is_capped_with_a_pointer_to_digest() -> None:
    papers = [paper(i, abstract="句子。" * 80) for i in range(1, 2001)]
    messages = weekly_post(DIGEST, papers, "en")
    assert len(messages) == MAX_POST_PARTS
    assert_sendable(messages)
    shown = "\n\n".join(messages).count("Thinking &lt;think&gt;")
    assert messages[-1].endswith(f"… and {2000 - shown} more — /digest 2024-w09")
    assert shown > 100  # five full messages of papers before the pointer
    zh = weekly_post(DIGEST, papers, "zh")
    shown_zh = "\n\n".join(zh).count("Thinking &lt;think&gt;")
    assert len(zh) == MAX_POST_PARTS and shown_zh > 100
    assert zh[-1].endswith(f"……还有 {2000 - shown_zh} 篇 — /digest 2024-w09")


def test_a_huge_summary_is_cut_at_a_sentence_on_the_card() -> None:
    abstract = "这是一个很长的句子。" * 2_000_000  # 20 million characters, stored as written
    short, has_more = paper_card(paper(abstract=abstract), "en")
    assert has_more is True and utf16_len(short) < 1500
    full, _ = paper_card(paper(abstract=abstract), "en", full=True)
    assert_sendable([full])
    summary_line = full.split("\n")[3]
    assert summary_line.endswith("。…") and len(summary_line) <= FULL_SUMMARY_CHARS + 1
