"""Each digest layout the parser knows, on small invented fixtures (tests/fixtures/digests/),
plus the warning and refusal paths, ``format:`` in digests.yaml, and the real-digest corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.domain.models import DigestParseError, ParsedDigest
from bot.domain.parsing import LAYOUT_NAMES, parse_digest
from bot.domain.parsing.fields import arxiv_of, split_title
from bot.domain.parsing.week import week_of

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "digests"
CORPUS = ROOT.parent / "shared" / "corpus"


def parse(name: str, layout: str | None = None) -> ParsedDigest:
    path = FIXTURES / name
    return parse_digest(path.read_text(encoding="utf-8"), str(path), layout=layout)


def rows(digest: ParsedDigest) -> list[tuple]:
    return [(p.title_en, p.title_zh, p.arxiv_id) for p in digest.papers]


def test_heading_per_paper_with_chinese_title_link_lines() -> None:
    digest = parse("heading_zh_link.md")
    assert rows(digest) == [
        (
            "Sparse Lanterns: Efficient Retrieval for Long Documents",
            "稀疏灯笼：面向长文档的高效检索",
            "2501.01234",
        ),
        (
            "Quiet Agents: Planning with Small Language Models",
            "安静的智能体：用小型语言模型进行规划",
            "2501.04321",
        ),
        ("Orbit-7B Technical Report", None, "2501.09999"),  # a bare URL line, no Chinese title
    ]
    assert digest.title == "每周AI论文速递（250106-250110）"
    assert (digest.week_start, digest.week_end) == (date(2025, 1, 6), date(2025, 1, 10))
    # stored as written: full-width punctuation stays
    assert digest.papers[0].abstract.startswith("我们提出了稀疏灯笼（Sparse Lanterns），一种")
    assert digest.papers[1].abstract.startswith("小型语言模型能否完成复杂规划？")
    assert digest.warnings == ()


def test_table_one_paper_per_row() -> None:
    digest = parse("table.md")
    assert rows(digest) == [
        ("Lantern Search", None, "2503.01111"),
        ("Quiet Agents", None, None),  # its paper link is no arXiv link
        (
            "Orbit Memory for Conversational Agents",
            None,
            "2503.03333",
        ),  # one space, then a sentence
    ]
    lantern, quiet, orbit = digest.papers
    assert lantern.abstract == "a retrieval method for long documents; cuts compute by half."
    assert (
        quiet.abstract
        == "Proposes planning with small models.\n● decomposes tasks\n● beats larger baselines"
    )
    assert quiet.links == ("https://example.org/quiet.pdf",)
    assert orbit.links == ("https://github.com/example/orbit",)  # no tweet, no arXiv page
    assert lantern.links == ()
    assert digest.week_start == date(2025, 3, 3)
    assert "---" not in repr(digest.papers) and "Links" not in repr(digest.papers)


def test_field_lines_become_fields_not_titles() -> None:
    digest = parse("fields.md")
    assert rows(digest) == [
        ("Lantern Audio: Separating Sources with Prompts", None, "2511.00001"),
        ("Quiet Speech: Denoising with Tiny Models", None, "2511.00002"),
    ]
    lantern = digest.papers[0]
    assert lantern.authors == "Ada Lovelace; Alan Turing"
    assert lantern.abstract.startswith("本文提出一种由提示引导的音源分离方法，效果优于现有方法。")
    assert "We present a prompt-guided" in lantern.abstract
    assert "cs.SD" not in lantern.abstract and "ICASSP" not in lantern.abstract
    # a daily digest named by its day: that day's week
    assert week_of("", "daily/20251107_Fri-audio.md") == (date(2025, 11, 3), None)


def test_authors_and_venue_field_lines_and_images() -> None:
    digest = parse("venue.md")
    first, second = digest.papers
    assert (first.title_en, first.authors, first.venue, first.arxiv_id) == (
        "Lantern Graphs: Message Passing at Scale",
        "张三，李四",
        "NeurIPS 2024",
        "2410.05555",
    )
    assert first.abstract == "本文提出了灯笼图网络，可扩展到十亿节点。"  # no image, no fields
    assert (second.authors, second.venue) == ("王五", "ICML 2024")


def test_newsletter_headings_linked_items_and_trends() -> None:
    digest = parse("newsletter.md")
    assert [p.title_en for p in digest.papers] == [
        "Lantern Attention: Sparse Heads for Long Context",
        "Quiet Optimizers: Momentum without Memory",
        "Orbit Schedules for Learning Rates",
    ]  # "Trends of the Week" items link no paper: not papers
    lantern = digest.papers[0]
    assert lantern.abstract.startswith("Faster long-context attention.")
    assert "Model Design" not in lantern.abstract  # the Category field line is dropped
    assert digest.week_start == date(2025, 6, 9)  # Sat 7 - Sat 14: most days in the week of the 9th


def test_html_cards() -> None:
    digest = parse("cards.html")
    assert rows(digest) == [("Lantern Search", None, "2506.04444"), ("Quiet Agents", None, None)]
    lantern = digest.papers[0]
    assert lantern.abstract == "A retrieval method for long documents.\n• Halves compute"
    assert lantern.authors == "Example Lab"
    assert digest.week_start == date(2025, 6, 2)  # June 3-9 (Tue-Mon)
    assert "Previous Week" not in repr(digest) and "Trends" not in repr(digest.papers)


def test_bold_title_list() -> None:
    digest = parse("list.md")
    assert rows(digest) == [
        ("Lantern Search: Retrieval for Long Documents", None, "2502.01111"),
        ("Quiet Agents: Planning with Small Models", None, "2502.02222"),
        ("Orbit Memory for Chat Agents", None, "2502.03333"),
    ]
    assert digest.papers[1].abstract == "small models plan well."
    assert digest.papers[1].links == ("https://github.com/example/quiet",)
    assert digest.title == "Papers of the week"


@pytest.mark.parametrize("name", ["table.md", "list.md", "heading_zh_link.md"])
def test_a_named_layout_skips_detection(name: str) -> None:
    detected = parse(name)
    layout = {"table.md": "table", "list.md": "list", "heading_zh_link.md": "heading"}[name]
    assert rows(parse(name, layout)) == rows(detected)


def test_a_named_layout_that_does_not_fit_is_refused() -> None:
    with pytest.raises(DigestParseError) as caught:
        parse("heading_zh_link.md", "table")
    assert "no papers found" in caught.value.problem
    with pytest.raises(DigestParseError):
        parse_digest("## A Title\ntext\n", "x.md", layout="sideways")
    assert "table" in LAYOUT_NAMES and "blocks" in LAYOUT_NAMES


def test_warnings_for_suspicious_papers() -> None:
    long_title = "Lantern " * 33
    text = (
        "# Weekly Lanterns\n\n"
        "## Weekly Lanterns\n[灯笼](https://arxiv.org/abs/2501.00001)\n\n本周的灯笼。\n\n"
        f"## {long_title}\nhttps://arxiv.org/abs/2501.00002\n\n很长的标题。\n\n"
        "## Quiet Agents: Planning Small\nhttps://arxiv.org/abs/2501.00001\n\n"
        "## Orbit Memory for Agents\nhttps://arxiv.org/abs/2501.00003\n\n记忆层。\n"
    )
    digest = parse_digest(text, "warn.md")
    assert len(digest.papers) == 4
    warnings = "\n".join(digest.warnings)
    assert "line 3: title 'Weekly Lanterns' is the digest's own heading" in warnings
    assert "line 8: title is 263 characters" in warnings
    assert "line 13: 'Quiet Agents: Planning Small' has no summary" in warnings
    assert "line 13: arXiv 2501.00001 also at line 3" in warnings


def test_a_table_of_whole_rows_is_refused_not_published() -> None:
    row = "| " + "Lantern Retrieval Planning Agents " * 8 + "| [x](https://a.org) |"
    text = "## Papers\n| Paper | Links |\n|---|---|\n" + "\n".join([row] * 4) + "\n"
    with pytest.raises(DigestParseError) as caught:
        parse_digest(text, "rows.md")
    assert caught.value.file == "rows.md" and caught.value.problem


def test_stray_copy_of_another_summary_is_dropped_with_a_warning() -> None:
    first = (
        "我们提出了一种新的检索方法，它在长文档上又快又准，并且适用于多种语言和多种领域的数据集。"
    )
    second = "本文研究小型语言模型的规划能力，发现通过分解任务可以在多个基准上超过大型模型的表现。"
    text = (
        f"## Lantern Search for Documents\n[灯笼检索](https://arxiv.org/abs/2501.00001)\n{first}\n\n"
        f"{second}\n\n"
        f"## Quiet Agents for Planning\n[安静规划](https://arxiv.org/abs/2501.00002)\n{second}\n"
    )
    lantern, quiet = parse_digest(text, "stray.md").papers
    assert lantern.abstract == first and quiet.abstract == second


@pytest.mark.parametrize(
    ("url", "arxiv"),
    [
        ("https://arxiv.org/abs/2402.15391v2", "2402.15391"),
        ("http://arxiv.org/pdf/2511.04623v1", "2511.04623"),
        ("https://arxiv.org.org/abs/2603.04379", "2603.04379"),
        ("https://huggingface.co/papers/2309.03926", "2309.03926"),
        ("https://www.alphaxiv.org/abs/2504.13837v1", "2504.13837"),
        ("https://github.com/x/y.pdf", None),
    ],
)
def test_arxiv_ids_from_every_kind_of_paper_link(url: str, arxiv: str | None) -> None:
    assert arxiv_of(url) == arxiv


@pytest.mark.parametrize(
    ("header", "name", "monday"),
    [
        ("March 4-10, 2025", "x.md", date(2025, 3, 3)),
        ("每周AI论文速递（240304-240308）", "x.md", date(2024, 3, 4)),
        ("Top papers (Feb 13 - 19)", "papers/2023-02-13.md", date(2023, 2, 13)),
        ("(May 26 - June 1) - 2025", "x.md", date(2025, 5, 26)),
        ("", "2024/0212-0216.md", date(2024, 2, 12)),
        ("", "hf/20230911-daily.md", date(2023, 9, 11)),
        ("Dec 30 - Jan 5, 2024", "x.md", date(2024, 12, 30)),  # the range crosses the year
    ],
)
def test_week_from_header_or_file_name(header: str, name: str, monday: date) -> None:
    found = week_of(header, name)
    assert found is not None and found[0] == monday


def test_week_is_none_without_dates() -> None:
    assert week_of("Weekly AI Papers Digest", "latest_digest.md") is None


def test_title_and_description_split() -> None:
    assert split_title("DeepThing-R1  DeepThing introduces a model") == (
        "DeepThing-R1",
        "DeepThing introduces a model",
    )
    assert split_title("Orbit Memory in LLMs Introduces a memory layer") == (
        "Orbit Memory in LLMs",
        "Introduces a memory layer",
    )
    assert split_title("Learn to Reason without External Rewards") == (
        "Learn to Reason without External Rewards",
        "",
    )


def test_corpus_of_real_digests_scores_at_least_95_percent(tmp_path: Path) -> None:
    """The hand-checked corpus of real digests (kept outside the repository)."""
    score = CORPUS / "score"
    if not score.exists():
        hint = f"no real-digest corpus at {CORPUS} (../shared/corpus beside the project)"
        if os.environ.get("CI") == "true":
            pytest.fail(hint)
        pytest.skip(hint)
    out = tmp_path / "score.json"
    result = subprocess.run(
        [
            sys.executable,
            str(score),
            "--python",
            sys.executable,
            "--min",
            "0.95",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    import json

    totals = json.loads(out.read_text())["totals"]
    assert totals["right"] >= 0.95 * totals["papers"]
    assert totals["extra"] <= 0.02 * totals["papers"]
    assert totals["junk"] == 0
