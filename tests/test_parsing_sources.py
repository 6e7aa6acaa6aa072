"""Layouts that other real digest sources use, each on a small invented fixture
(tests/fixtures/digests/), and one-line bilingual titles."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.models import ParsedDigest
from bot.domain.parsing import parse_digest
from bot.domain.parsing.junk import is_closing, is_junk, is_section_title
from bot.domain.parsing.lines import split_bilingual
from tests.test_parsing_layouts import FIXTURES, parse, rows


def everything(digest: ParsedDigest) -> str:
    """All the text stored for the papers, to look for what must not be there."""
    return repr([(p.title_en, p.title_zh, p.abstract, p.links, p.authors) for p in digest.papers])


def test_saved_html_page_of_cards_with_nav_and_footer() -> None:
    digest = parse("page_cards.html")
    assert rows(digest) == [
        ("Lantern Routing: Sparse Experts for Small Devices", None, "2505.01234"),
        ("Quiet Critics: Reward Models That Abstain", None, "2505.04321"),
        ("Orbit Tokenizer", None, "2505.09999"),
    ]
    quiet = digest.papers[1]
    assert quiet.abstract == "Reward models learn to say “I don’t know” instead of guessing."
    assert quiet.links == ("https://github.com/example/quiet-critics",)
    assert digest.week_start == date(2025, 5, 12)
    for furniture in ("Home", "Archive", "Subscribe", "©", "Privacy", "Three papers caught"):
        assert furniture not in everything(digest)


def test_arxiv_daily_linked_headings_with_authors_and_comments() -> None:
    digest = parse("arxiv_daily.md")
    assert rows(digest) == [
        ("Lantern Parsing: Grammar Induction from Raw Bytes", None, "2504.05001"),
        ("Quiet Decoding: Speculative Sampling Without a Draft Model", None, "2504.05002"),
        ("Orbit QA: A Benchmark for Multi-Hop Questions over Tables", None, "2504.05003"),
    ]
    parsing, decoding, orbit = digest.papers
    assert parsing.authors == "Ada Lovelace, Alan Turing"
    assert parsing.abstract.startswith("We induce grammars directly from raw bytes")
    # the Comments line is no summary, but the code link it names is kept
    assert decoding.links == ("https://github.com/example/quiet-decoding",)
    assert "Comments" not in everything(digest) and "12 pages" not in everything(digest)
    assert orbit.abstract.startswith("A benchmark of 5,000 multi-hop questions")
    assert digest.week_start == date(2025, 4, 7)  # a daily digest: that day's week


def test_arxiv_daily_bold_titled_paragraphs() -> None:
    digest = parse("arxiv_daily_bold.md")
    assert rows(digest) == [
        ("Lantern Pruning: Removing Heads Without Retraining", None, "2504.06001"),
        ("Quiet Gradients: Low-Variance Estimators for RL", None, "2504.06002"),
        ("Orbit Scheduling: Learning Rates from Loss Curvature", None, "2504.06003"),
    ]
    assert [p.authors for p in digest.papers] == [
        "Ada Lovelace",
        "Grace Hopper, Alan Turing",
        "Barbara Liskov",
    ]
    assert digest.papers[1].links == ("https://github.com/example/quiet-gradients",)
    assert digest.papers[2].abstract == (
        "The learning rate follows the loss curvature, estimated from two extra forward passes."
    )


def test_hf_daily_upvote_lines_stay_out_of_summaries() -> None:
    digest = parse("hf_daily.md")
    assert rows(digest) == [
        ("Lantern Diffusion: Fast Video Generation with Sparse Frames", None, "2401.12345"),
        ("Quiet Agents: Tool Use with Small Models", None, "2401.12346"),
        ("Orbit-1B: A Tiny Multilingual Model", None, "2401.12347"),
    ]
    assert digest.papers[1].abstract == (
        "Small models learn to call tools when fine-tuned on synthetic traces."
    )
    assert digest.papers[0].authors == "Ada Lovelace, Alan Turing"
    assert "👍" not in everything(digest) and "💬" not in everything(digest)


def test_newsletter_numbered_bold_list_with_paper_and_code_links() -> None:
    digest = parse("newsletter_list.md")
    assert rows(digest) == [
        ("Lantern Merging: Combining Fine-Tuned Models Without Data", None, "2506.11111"),
        ("Quiet Retrieval: When Not to Retrieve", None, "2506.22222"),
        ("Orbit Vision: Scaling Image Encoders to 10B", None, "2506.33333"),
    ]
    merging, retrieval, vision = digest.papers
    assert merging.links == ("https://github.com/example/lantern-merging",)
    assert retrieval.links == ()
    assert merging.abstract == "merges task models by matching weight statistics"
    # "code" is a link label, not to be cut out of "encoder"; the sign-off is no summary
    assert vision.abstract == "an image encoder trained on 5B pairs"
    assert "Hi all" not in everything(digest)


def test_wechat_post_with_chinese_numbered_entries_and_field_lines() -> None:
    digest = parse("wechat.md")
    assert rows(digest) == [
        (
            "Sparse Lanterns: Efficient Retrieval for Long Documents",
            "稀疏灯笼：长文档高效检索",
            "2503.10001",
        ),
        ("Quiet Agents: Planning with Small Language Models", "安静的智能体", "2503.10002"),
        ("Orbit Memory for Conversational Agents", "轨道记忆", "2503.10003"),
    ]
    lanterns, agents, orbit = digest.papers
    assert lanterns.authors == "张三，李四"
    assert lanterns.abstract == (
        "我们提出了稀疏灯笼（Sparse Lanterns），一种用于长文档检索的方法；"
        "在保持精度的同时，计算量减半。"
    )
    assert agents.abstract == "小型语言模型能否完成复杂规划？本文给出了肯定的回答：“分解任务”即可。"
    assert "本周就到这里" not in orbit.abstract and "大家好" not in everything(digest)
    assert digest.week_start == date(2025, 3, 10)


def test_intro_and_sign_off_are_neither_papers_nor_summary() -> None:
    digest = parse("intro_outro.md")
    assert rows(digest) == [
        ("Lantern Attention: Linear-Time Attention for Long Context", None, "2507.01111"),
        ("Quiet Training: Halving the Cost of Pretraining", None, "2507.02222"),
    ]
    assert digest.papers[-1].abstract == (
        "A curriculum that drops easy tokens early, halving pretraining compute."
    )
    assert "Welcome back" not in everything(digest)
    assert digest.week_start == date(2025, 7, 7)


def test_markdown_digest_where_some_entries_have_no_arxiv_link() -> None:
    digest = parse("mixed_links.md")
    assert rows(digest) == [
        (
            "Lantern Search: Retrieval for Long Documents",
            "灯笼检索：面向长文档的检索",
            "2508.01111",
        ),
        ("Quiet Agents: Planning with Small Models", None, None),  # no link at all: kept
        ("Orbit Memory for Chat Agents", None, None),  # "[项目主页](…)" names no paper
        ("Sparse Critics: Reward Models That Abstain", "稀疏评判", "2508.04444"),
    ]
    assert digest.papers[1].abstract == "小型模型也能做规划：把任务拆成小步（见博客）。"
    assert digest.papers[2].links == ("https://example.org/orbit",)
    assert all(p.url is None for p in digest.papers[1:3])


@pytest.mark.parametrize(
    ("line", "english", "chinese"),
    [
        (
            "Genie: Generative Interactive Environments: 生成式交互环境",
            "Genie: Generative Interactive Environments",
            "生成式交互环境",
        ),
        (
            "Attention Is All You Need：注意力就是一切",
            "Attention Is All You Need",
            "注意力就是一切",
        ),
        (
            "Sparse Lanterns for Long Documents — 稀疏灯笼",
            "Sparse Lanterns for Long Documents",
            "稀疏灯笼",
        ),
        (
            "稀疏灯笼 | Sparse Lanterns for Long Documents",
            "Sparse Lanterns for Long Documents",
            "稀疏灯笼",
        ),
        ("稀疏灯笼 — Sparse Lanterns", "Sparse Lanterns", "稀疏灯笼"),
        # model names in the Chinese title do not make it English
        (
            "MobileLLM: Optimizing Small Language Models: MobileLLM：优化小型语言模型",
            "MobileLLM: Optimizing Small Language Models",
            "MobileLLM：优化小型语言模型",
        ),
    ],
)
def test_one_line_bilingual_titles_split(line: str, english: str, chinese: str) -> None:
    assert split_bilingual(line) == (english, chinese)


@pytest.mark.parametrize(
    "line",
    [
        "Genie: Generative Interactive Environments",  # an English title with a colon
        "Genie：生成式交互环境",  # a Chinese title that names the model
        "Genie: 生成式互动环境",
        "Sora: 视频生成模型",
        "Efficient Long Context Models: A Survey",
        "Multi-Hop Reasoning over Tables",
        "稀疏灯笼：长文档高效检索",
    ],
)
def test_titles_that_hold_one_language_do_not_split(line: str) -> None:
    assert split_bilingual(line) == (line, None)


def test_bilingual_heading_gives_both_titles() -> None:
    text = (
        "# Weekly\n\n"
        "## Sparse Lanterns: Efficient Retrieval for Long Documents：稀疏灯笼（长文档检索）\n"
        "https://arxiv.org/abs/2501.01234\n\n一种检索方法。\n\n"
        "## Genie: Generative Interactive Environments\n"
        "https://arxiv.org/abs/2402.15391\n\n生成式交互环境。\n"
    )
    digest = parse_digest(text, "bilingual.md")
    assert rows(digest) == [
        (
            "Sparse Lanterns: Efficient Retrieval for Long Documents",
            "稀疏灯笼（长文档检索）",
            "2501.01234",
        ),
        ("Genie: Generative Interactive Environments", None, "2402.15391"),
    ]


@pytest.mark.parametrize("line", ["👍 123", "👍 57 · 💬 4", "❤️ 1.2k", "57 upvotes", "Upvotes: 12"])
def test_vote_counters_are_junk(line: str) -> None:
    assert is_junk(line)


@pytest.mark.parametrize("line", ["2024", "5,000 questions over tables", "Orbit-1B 👍 wins"])
def test_numbers_in_text_are_not_vote_counters(line: str) -> None:
    assert not is_junk(line)


@pytest.mark.parametrize(
    ("line", "closing"),
    [
        ("That's all for this week! Forward it to a friend.", True),
        ("That’s a wrap.", True),
        ("Thanks for reading — see you next Friday", True),
        ("本周就到这里，我们下周再见！", True),
        ("**以上就是本期的全部内容**", True),
        ("That is all we need: a single model.", False),
        ("以上就是本文的主要贡献。", False),
    ],
)
def test_sign_off_lines(line: str, closing: bool) -> None:
    assert is_closing(line) is closing


def test_html_paragraphs_of_bold_title_line_break_summary() -> None:
    digest = parse("page_paragraphs.html")
    assert rows(digest) == [
        ("Lantern Routing: Sparse Experts for Phones", None, "2503.00001"),
        ("Quiet Critics: Reward Models That Abstain", None, "2503.00002"),
    ]
    lantern, quiet = digest.papers
    assert lantern.abstract == "Routes tokens to experts on a phone."  # no "[arXiv]"
    assert quiet.abstract == "Reward models that say “I don’t know”."
    assert quiet.links == ("https://github.com/example/quiet",)
    assert "RSS" not in everything(digest) and "Made with" not in everything(digest)


def test_entries_of_field_lines_opened_by_the_title_field() -> None:
    digest = parse("fielded_zh.md")
    assert rows(digest) == [
        ("Lantern Routing: Sparse Experts for Phones", None, "2503.00001"),
        ("Quiet Critics: Reward Models That Abstain", None, "2503.00002"),
    ]
    routing, critics = digest.papers
    assert (routing.authors, routing.abstract) == (
        "张三",
        "在手机上运行专家路由（MoE），延迟减半。",
    )
    assert critics.links == ("https://github.com/example/quiet",)
    assert digest.week_start == date(2025, 3, 3)


def test_papers_cool_links_give_the_arxiv_id() -> None:
    text = (
        "# Daily papers\n\n"
        "## [Quiet Agents: Tool Use with Small Models](https://papers.cool/arxiv/2401.12346v2)\n"
        "⬆️ 57 upvotes · 💬 4 comments\n\nSmall models learn to call tools.\n"
    )
    (paper,) = parse_digest(text, "cool.md").papers
    assert (paper.arxiv_id, paper.abstract) == ("2401.12346", "Small models learn to call tools.")


def test_bold_list_where_some_items_have_no_paper_link() -> None:
    digest = parse("mixed_links_list.md")
    assert rows(digest) == [
        ("Lantern Merging: Combining Models Without Data", None, "2506.11111"),
        ("Quiet Retrieval: When Not to Retrieve", None, None),  # a blog link only
        ("Orbit Vision: Scaling Image Encoders", None, None),  # no link at all
        ("Sparse Critics: Reward Models That Abstain", None, "2506.44444"),
    ]  # the "Trends" items below link nothing at all: no papers
    assert digest.papers[1].links == ("https://example.org/quiet",)
    assert digest.papers[2].abstract == "an image encoder trained on 5B pairs."


def test_chinese_headings_with_the_english_title_under_them() -> None:
    digest = parse("heading_zh_then_en.md")
    assert rows(digest) == [
        ("Sparse Lanterns: Efficient Retrieval for Long Documents", "稀疏灯笼", "2501.01234"),
        ("Quiet Agents: Planning with Small Models", "安静的智能体", "2501.04321"),
    ]
    assert digest.papers[1].abstract == "小模型也能规划：把任务拆成小步。"


@pytest.mark.parametrize("name", ["wechat.md", "fielded_zh.md"])
def test_field_line_digests_without_any_markup_read_the_same(name: str) -> None:
    """Pasted as plain text (no heading, no rule): the same papers."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    plain = "\n".join(line for line in text.splitlines() if not line.startswith(("#", "---")))
    assert rows(parse_digest(plain, "plain.txt")) == rows(parse(name))


def test_the_digests_own_sections_are_never_papers() -> None:
    digest = parse("section_headings.md")
    assert rows(digest) == [
        (
            "Lantern Routing: Sparse Experts for Small Devices",
            "Lantern Routing：面向小型设备的稀疏专家",
            "2505.01234",
        ),
        ("Orbit Tokenizer: Bytes First, Words Later", "Orbit 分词器：先字节后词语", "2505.09999"),
    ]
    routing, orbit = digest.papers
    assert routing.abstract == "路由只激活少量专家（约 5%），在手机上延迟降低一半。"
    assert (
        orbit.abstract == "A tokenizer that starts from bytes and merges words only where it helps."
    )
    for section in ("Introduction", "总结", "Closing Thoughts", "See you next", "端侧模型"):
        assert section not in everything(digest)


@pytest.mark.parametrize(
    "title",
    ["Closing Thoughts", "## Conclusion", "**总结**", "1. Introduction", "TL;DR", "写在最后"],
)
def test_section_names_are_not_titles(title: str) -> None:
    assert is_section_title(title)


@pytest.mark.parametrize(
    "title",
    ["Conclusion Tokens: Ending Generation Early", "Summary of a Summary: Recursive Digests"],
)
def test_titles_that_start_like_a_section_are_titles(title: str) -> None:
    assert not is_section_title(title)
