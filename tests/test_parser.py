"""The digest parser on the three real seeds and on small digests of every supported format."""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from benchmarks import synth
from bot.domain.models import DigestParseError, ParsedDigest, ParsedPaper
from bot.domain.parsing import parse_digest
from tests.seed_papers import SEED_PAPERS

CONTENT = Path(__file__).resolve().parent.parent / "content"
SEED_FILES = {
    "2024-02-26": CONTENT / "2024-02-26_weekly-ai-papers.txt",
    "2024-04-15": CONTENT / "2024-04-15_ai-papers.txt",
    "2024-05-20": CONTENT / "2024-05-20_top-llm-papers-week4.txt",
}
SEED_COUNTS = {"2024-02-26": 15, "2024-04-15": 9, "2024-05-20": 17}

# words of the web-page furniture after the papers in the seeds (and the 001 intro)
JUNK_WORDS = (
    "暂无评论",
    "发送评论",
    "上一篇",
    "下一篇",
    "Source:",
    "flowerhd",
    "颜文字",
    "小恐龙",
    "作者",
    "Youssef",
    "avoid.overfit.cn",
    "粗体",
    "斜体",
    "来通知其他用户",
    "你还可以使用",
    "example.com",
    "本文总结了2024年5月第四周",
    "ヾ(≧∇≦*)ゝ",
    "(╯‵□′)╯︵┴─┴",
    "😂",
    "💩",
    "ω",
    "╮(╯▽╰)╭",
)


def seed_text(week: str) -> str:
    return SEED_FILES[week].read_text(encoding="utf-8")


def parse_seed(week: str) -> ParsedDigest:
    return parse_digest(seed_text(week), SEED_FILES[week].name)


def expected(week: str) -> list[tuple]:
    return [paper for paper in SEED_PAPERS if paper[0] == week]


def paper_facts(digest: ParsedDigest) -> list[tuple]:
    """Everything about the papers but their line numbers."""
    return [
        (p.title_en, p.title_zh, p.abstract, p.arxiv_id, p.url, p.links, p.section, p.position)
        for p in digest.papers
    ]


def titles(digest: ParsedDigest) -> list[str]:
    return [p.title_en for p in digest.papers]


def only(digest: ParsedDigest) -> ParsedPaper:
    assert len(digest.papers) == 1, titles(digest)
    return digest.papers[0]


# ------------------------------------------------------------------ the real seeds


def test_seed_papers_list_matches_the_expected_counts() -> None:
    assert {week: len(expected(week)) for week in SEED_FILES} == SEED_COUNTS


@pytest.mark.parametrize("week", sorted(SEED_FILES))
def test_seed_paper_count_and_positions(week: str) -> None:
    digest = parse_seed(week)
    assert len(digest.papers) == SEED_COUNTS[week]
    assert [p.position for p in digest.papers] == list(range(SEED_COUNTS[week]))
    assert digest.warnings == ()


@pytest.mark.parametrize(
    ("week", "index"),
    [(week, i) for week in sorted(SEED_FILES) for i in range(SEED_COUNTS[week])],
)
def test_seed_paper_fields(week: str, index: int) -> None:
    paper = parse_seed(week).papers[index]
    _week, title_en, title_zh, arxiv_id, section, abstract = expected(week)[index]
    assert paper.title_en == title_en
    assert paper.title_zh == title_zh
    assert paper.arxiv_id == arxiv_id
    assert paper.url == (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None)
    assert paper.section == section
    assert paper.abstract.startswith(abstract[:20])
    assert paper.abstract == paper.abstract.strip()
    lines = seed_text(week).splitlines()
    assert title_en in lines[paper.line - 1]  # `line` points at the title line


@pytest.mark.parametrize("week", sorted(SEED_FILES))
def test_seed_abstracts_are_whole_and_clean(week: str) -> None:
    text = seed_text(week)
    for paper in parse_seed(week).papers:
        for part in paper.abstract.split("\n"):
            assert part.lstrip("• ") in text  # every summary line is a line of the file
        assert "https://arxiv.org" not in paper.abstract  # link lines are not summary


@pytest.mark.parametrize("week", sorted(SEED_FILES))
def test_no_junk_in_titles_or_abstracts(week: str) -> None:
    digest = parse_seed(week)
    for paper in digest.papers:
        for field in (paper.title_en, paper.title_zh or "", paper.abstract, paper.section or ""):
            for word in JUNK_WORDS:
                assert word not in field, (word, field[:80])


def test_seed_000_metadata() -> None:
    digest = parse_seed("2024-02-26")
    assert digest.title == "每周AI论文速递(240226-240301)"
    assert (digest.week_start, digest.week_end) == (date(2024, 2, 26), date(2024, 3, 1))
    assert digest.source_url is None and digest.author is None
    fuse = digest.papers[4]
    assert fuse.links == ("https://github.com/fanqiwan/FuseLLM",)  # a URL inside the summary


def test_seed_001_metadata_and_sections() -> None:
    digest = parse_seed("2024-05-20")
    assert digest.source_url == "https://avoid.overfit.cn/post/83d546d6c5a4449795455a5f5111dcff"
    assert digest.author == "Youssef Hosni"
    assert digest.title is None  # it opens with an intro paragraph, not a title line
    # "2024年5月第四周" is not a sure week; the file name (2024-05-20_…) is
    assert digest.week_start == date(2024, 5, 20)
    assert all(p.links == () for p in digest.papers)
    indus = digest.papers[3]
    assert "\n• 使用领域特定词汇和语料库训练的编码器模型" in indus.abstract  # bullets kept
    assert indus.abstract.count("\n") == 6
    assert digest.papers[4].title_en.startswith("Imp:")  # "5、 Imp…": the space is dropped


def test_seed_002_metadata() -> None:
    digest = parse_seed("2024-04-15")
    assert (digest.title, digest.week_start, digest.source_url, digest.author) == (
        None,
        date(2024, 4, 15),  # from the file name, 2024-04-15_ai-papers.txt
        None,
        None,
    )
    assert [p.line for p in digest.papers] == [1, 3, 5, 8, 10, 13, 15, 18, 20]


# ------------------------------------------------------------------ encodings and spacing


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def lone_cr(text: str) -> str:
    return text.replace("\n", "\r")


def with_bom(text: str) -> str:
    return "\ufeff" + text


def zero_width(text: str) -> str:
    # a zero-width space after every first letter of a line, and a word joiner at the end
    return "\n".join(line[:1] + "\u200b" + line[1:] + "\u2060" for line in text.split("\n"))


def full_width(text: str) -> str:
    wide = text.translate({ord(c): ord(c) + 0xFEE0 for c in ":(),;!?"})
    return wide.replace("https：//", "https://")  # URLs are not prose: they stay URLs


def trailing_spaces(text: str) -> str:
    return "\n".join(line + " \t " for line in text.split("\n"))


@pytest.mark.parametrize("week", sorted(SEED_FILES))
@pytest.mark.parametrize(
    "variant", [crlf, lone_cr, with_bom, zero_width, full_width, trailing_spaces]
)
def test_variants_of_a_seed_parse_identically(week: str, variant) -> None:
    original = parse_digest(seed_text(week), "variant.txt")
    changed = parse_digest(variant(seed_text(week)), "variant.txt")
    fold = str
    if variant is full_width:  # stored as written: equal once folded, as search keys are
        fold = partial(unicodedata.normalize, "NFKC")
    assert fold(repr(paper_facts(changed))) == fold(repr(paper_facts(original)))
    assert [p.line for p in changed.papers] == [p.line for p in original.papers]
    assert (fold(changed.title or ""), changed.week_start, changed.source_url, changed.author) == (
        fold(original.title or ""),
        original.week_start,
        original.source_url,
        original.author,
    )


@pytest.mark.parametrize("week", sorted(SEED_FILES))
def test_runs_of_blank_and_whitespace_lines_change_nothing(week: str) -> None:
    spaced = seed_text(week).replace("\n", "\n\n  \n\t\n\u3000\n")
    assert paper_facts(parse_digest(spaced, "spaced.txt")) == paper_facts(parse_seed(week))


# ------------------------------------------------------------------ the family of formats

ABS1 = "我们提出了一种在移动设备上运行的小型语言模型。实验表明它优于同等规模的模型。"
ABS2 = "本文研究了生成式互动环境,并展示了其在视频中的效果。"
ABS3 = "We study byte models as simulators of the digital world. They work well."


def test_markdown_numbered_list_with_links_and_sections() -> None:
    text = f"""# Weekly AI Papers (2024-02-26 ~ 2024-03-01)

## Language models

1. MobileLLM: Optimizing Sub-billion Parameter Language Models
[paper](https://arxiv.org/abs/2402.14905v2) [code](https://github.com/facebookresearch/MobileLLM)
{ABS1}
- 参数量少于十亿
- 深而窄的架构

2. Genie: Generative Interactive Environments
{ABS2}
arXiv:2402.15391v1

## Code

1. StarCoder 2 and The Stack v2: The Next Generation
{ABS3}
https://arxiv.org/pdf/2402.19173.pdf
"""
    digest = parse_digest(text, "numbered.md")
    assert digest.title == "Weekly AI Papers (2024-02-26 ~ 2024-03-01)"
    assert (digest.week_start, digest.week_end) == (date(2024, 2, 26), date(2024, 3, 1))
    first, second, third = digest.papers
    assert first.title_en == "MobileLLM: Optimizing Sub-billion Parameter Language Models"
    assert first.arxiv_id == "2402.14905" and first.url == "https://arxiv.org/abs/2402.14905"
    assert first.links == ("https://github.com/facebookresearch/MobileLLM",)
    assert first.abstract == f"{ABS1}\n• 参数量少于十亿\n• 深而窄的架构"
    assert first.section == "Language models" and first.line == 5
    assert (second.arxiv_id, second.abstract, second.section) == (
        "2402.15391",
        ABS2,
        "Language models",
    )
    assert (third.arxiv_id, third.section, third.abstract) == ("2402.19173", "Code", ABS3)
    assert [p.position for p in digest.papers] == [0, 1, 2]


@pytest.mark.parametrize(
    "marker", ["{n}. ", "{n}) ", "{n}、", "### {n}. ", "**{n}. ", "({n}) ", "{n}．", "{n}）"]
)
def test_numbering_styles(marker: str) -> None:
    entries = [
        ("Genie: Generative Interactive Environments", ABS2),
        ("Nemotron-4 15B Technical Report", ABS1),
    ]
    text = "\n".join(
        marker.format(n=n) + title + ("**" if marker.startswith("**") else "") + "\n" + abstract
        for n, (title, abstract) in enumerate(entries, 1)
    )
    digest = parse_digest(text, "styles.md")
    assert titles(digest) == [title for title, _ in entries]
    assert [p.abstract for p in digest.papers] == [ABS2, ABS1]
    assert [p.line for p in digest.papers] == [1, 3]


def test_numbered_title_as_markdown_link_and_chinese_title_line() -> None:
    text = f"""1. [Genie: Generative Interactive Environments](https://arxiv.org/abs/2402.15391)
Genie: 生成式互动环境
{ABS2}
2. **FuseChat: Knowledge Fusion of Chat Models** ([arXiv](https://arxiv.org/abs/2402.16107))
{ABS1}
"""
    genie, fuse = parse_digest(text, "links.md").papers
    assert (genie.title_en, genie.title_zh, genie.arxiv_id) == (
        "Genie: Generative Interactive Environments",
        "Genie: 生成式互动环境",
        "2402.15391",
    )
    assert genie.abstract == ABS2
    assert (fuse.title_en, fuse.title_zh, fuse.arxiv_id) == (
        "FuseChat: Knowledge Fusion of Chat Models",
        None,
        "2402.16107",
    )


def test_numbered_entry_with_title_on_next_line() -> None:
    text = f"1.\nGenie: Generative Interactive Environments\n{ABS2}\n2.\nFuseChat: Fusion\n{ABS1}"
    digest = parse_digest(text, "split.md")
    assert titles(digest) == ["Genie: Generative Interactive Environments", "FuseChat: Fusion"]
    assert [p.line for p in digest.papers] == [2, 5]
    assert [p.abstract for p in digest.papers] == [ABS2, ABS1]


def test_numbered_lines_inside_a_summary_stay_in_it() -> None:
    text = f"""1、Genie: Generative Interactive Environments
{ABS2}
1. 第一点:无需动作标签。
2. 第二点:可控的虚拟世界。
2、FuseChat: Knowledge Fusion of Chat Models
{ABS1}
"""
    genie, fuse = parse_digest(text, "inner.md").papers
    assert genie.abstract == f"{ABS2}\n1. 第一点:无需动作标签。\n2. 第二点:可控的虚拟世界。"
    assert fuse.abstract == ABS1


def test_bold_title_lines() -> None:
    text = f"""Papers of the week

**MobileLLM: Optimizing Sub-billion Parameter Language Models**
[arXiv](https://arxiv.org/abs/2402.14905)
{ABS1}

**"Genie: Generative Interactive Environments"**:
{ABS2}
**Key idea**: learn actions without labels.
"""
    digest = parse_digest(text, "bold.md")
    assert digest.title == "Papers of the week"
    mobile, genie = digest.papers
    assert mobile.title_en == "MobileLLM: Optimizing Sub-billion Parameter Language Models"
    assert mobile.arxiv_id == "2402.14905" and mobile.abstract == ABS1
    assert genie.title_en == "Genie: Generative Interactive Environments"
    assert genie.abstract == f"{ABS2}\nKey idea: learn actions without labels."


def test_heading_layout_with_sections() -> None:
    text = f"""# AI papers

## Language models

### MobileLLM: Optimizing Sub-billion Parameter Language Models
{ABS1}
https://arxiv.org/abs/2402.14905

### Nemotron-4 15B Technical Report
{ABS3}

## World models

### Genie: Generative Interactive Environments
{ABS2}
"""
    digest = parse_digest(text, "headings.md")
    assert digest.title == "AI papers"
    assert [(p.title_en, p.section) for p in digest.papers] == [
        ("MobileLLM: Optimizing Sub-billion Parameter Language Models", "Language models"),
        ("Nemotron-4 15B Technical Report", "Language models"),
        ("Genie: Generative Interactive Environments", "World models"),
    ]
    assert digest.papers[0].arxiv_id == "2402.14905"
    assert digest.papers[1].abstract == ABS3


def test_section_headings_over_unmarked_blocks() -> None:
    text = f"""## 语言模型

MobileLLM: Optimizing Sub-billion Parameter Language Models

MobileLLM: 针对移动设备优化的亚十亿参数语言模型

{ABS1}

### 世界模型

Genie: Generative Interactive Environments

Genie: 生成式互动环境

{ABS2}
"""
    mobile, genie = parse_digest(text, "sections.md").papers
    assert (mobile.section, mobile.title_zh, mobile.abstract) == (
        "语言模型",
        "MobileLLM: 针对移动设备优化的亚十亿参数语言模型",
        ABS1,
    )
    assert (genie.section, genie.title_zh, genie.abstract) == (
        "世界模型",
        "Genie: 生成式互动环境",
        ABS2,
    )


def test_arxiv_references_in_every_form() -> None:
    forms = [
        "[paper](https://arxiv.org/abs/2402.15391)",
        "[arXiv](https://arxiv.org/abs/2402.15391v3)",
        "https://arxiv.org/abs/2402.15391",
        "https://arxiv.org/pdf/2402.15391v2.pdf",
        "arXiv:2402.15391",
        "arXiv: 2402.15391v1",
        "论文链接: https://arxiv.org/abs/2402.15391",
    ]
    for form in forms:
        text = f"1. Genie: Generative Interactive Environments\n{ABS2}\n{form}\n"
        paper = only(parse_digest(text, "arxiv.md"))
        assert (paper.arxiv_id, paper.url, paper.links) == (
            "2402.15391",
            "https://arxiv.org/abs/2402.15391",
            (),
        ), form
        assert paper.abstract == ABS2, form


def test_non_arxiv_links_go_to_links() -> None:
    text = (
        "1. Genie: Generative Interactive Environments\n"
        f"{ABS2}\n"
        "Project: https://sites.google.com/view/genie-2024\n"
        "[code](https://github.com/example/genie)\n"
    )
    paper = only(parse_digest(text, "links.md"))
    assert paper.arxiv_id is None and paper.url is None
    assert paper.links == (
        "https://sites.google.com/view/genie-2024",
        "https://github.com/example/genie",
    )
    assert paper.abstract == ABS2


def test_markdown_table() -> None:
    text = """# Papers

| Title | 中文标题 | Link |
|---|:---:|---|
| MobileLLM: Optimizing Sub-billion Parameter Language Models | 针对移动设备的小模型 | {A} |
| **Genie: Generative Interactive Environments** | 生成式互动环境 | {B} |
| Byte Models are Digital World Simulators |  | https://github.com/sanderwood/bgpt |
""".format(A="[arXiv](https://arxiv.org/abs/2402.14905)", B="https://arxiv.org/abs/2402.15391v2")
    digest = parse_digest(text, "table.md")
    assert [(p.title_en, p.title_zh, p.arxiv_id, p.links) for p in digest.papers] == [
        (
            "MobileLLM: Optimizing Sub-billion Parameter Language Models",
            "针对移动设备的小模型",
            "2402.14905",
            (),
        ),
        ("Genie: Generative Interactive Environments", "生成式互动环境", "2402.15391", ()),
        (
            "Byte Models are Digital World Simulators",
            None,
            None,
            ("https://github.com/sanderwood/bgpt",),
        ),
    ]
    assert [p.line for p in digest.papers] == [5, 6, 7]
    assert [p.position for p in digest.papers] == [0, 1, 2]


def test_table_with_summary_column() -> None:
    text = (
        "| 论文 | 摘要 |\n| --- | --- |\n"
        "| Genie: Generative Interactive Environments | 第一句。<br>第二句。 |\n"
    )
    paper = only(parse_digest(text, "table.md"))
    assert paper.title_en == "Genie: Generative Interactive Environments"
    assert paper.abstract == "第一句。\n第二句。"


def test_a_table_of_only_rules_is_not_papers() -> None:
    text = f"Genie: Generative Interactive Environments\n{ABS2}\n|---|---|\n|---|---|\n"
    assert only(parse_digest(text, "rules.md")).abstract == ABS2  # rules are decoration
    with pytest.raises(DigestParseError):
        parse_digest("|---|---|---|\n|---|---|---|", "rules.md")


def test_a_results_table_inside_a_summary_is_not_papers() -> None:
    text = f"""1. Genie: Generative Interactive Environments
{ABS2}
| Model | Score |
|---|---|
| GPT-4 | 86.4 |
"""
    paper = only(parse_digest(text, "results.md"))
    assert paper.title_en == "Genie: Generative Interactive Environments"
    assert "| GPT-4 | 86.4 |" in paper.abstract


@pytest.mark.parametrize("separator", [" / ", " | ", "/"])
def test_english_and_chinese_title_on_one_line(separator: str) -> None:
    text = (
        f"Genie: Generative Interactive Environments{separator}Genie: 生成式互动环境\n{ABS2}\n"
        f"FuseChat: Knowledge Fusion of Chat Models{separator}聊天模型的知识融合\n{ABS1}\n"
    )
    digest = parse_digest(text, "oneline.txt")
    assert [(p.title_en, p.title_zh, p.abstract) for p in digest.papers] == [
        ("Genie: Generative Interactive Environments", "Genie: 生成式互动环境", ABS2),
        ("FuseChat: Knowledge Fusion of Chat Models", "聊天模型的知识融合", ABS1),
    ]


def test_chinese_title_keeping_a_long_model_name() -> None:
    text = (
        "MegalodonMusician-13B Technical Report\n\nMegalodonMusician-13B技术报告\n\n"
        f"{ABS1}\n\nStarCoder 2 and The Stack v2: The Next Generation\n\n"
        f"StarCoder 2 与 The Stack v2:下一代编程语言模型\n\n{ABS3}\n"
    )
    first, second = parse_digest(text, "names.txt").papers
    assert (first.title_zh, first.abstract) == ("MegalodonMusician-13B技术报告", ABS1)
    assert (second.title_zh, second.abstract) == (
        "StarCoder 2 与 The Stack v2:下一代编程语言模型",
        ABS3,
    )


def test_one_line_bilingual_numbered_title() -> None:
    text = f"1. Genie: Generative Interactive Environments / 生成式互动环境\n{ABS2}"
    paper = only(parse_digest(text, "oneline.md"))
    assert (paper.title_en, paper.title_zh) == (
        "Genie: Generative Interactive Environments",
        "生成式互动环境",
    )


def test_full_width_punctuation_and_quotes() -> None:
    text = (
        "１．“Genie：Generative Interactive Environments”：\n"
        "Genie：生成式互动环境（GIE）\n"
        f"{ABS2}\n"
        "２．《FuseChat：Knowledge Fusion of Chat Models》\n"
        f"{ABS1}\n"
    )
    genie, fuse = parse_digest(text, "wide.md").papers
    # stored as written: the full-width colon and brackets stay (folding is for search keys)
    assert (genie.title_en, genie.title_zh) == (
        "Genie：Generative Interactive Environments",
        "Genie：生成式互动环境（GIE）",
    )
    assert fuse.title_en == "FuseChat：Knowledge Fusion of Chat Models"


def test_hard_wrapped_english_summary_is_not_split_into_papers() -> None:
    text = """MobileLLM: Optimizing Sub-billion Parameter Language Models
We design small language models for phones. Deep and thin models work best for
efficient inference on device, and sharing weights helps
Latency and memory matter more than parameter count.

Genie: Generative Interactive Environments
Genie learns a world model from unlabeled internet videos.
"""
    digest = parse_digest(text, "english.txt")
    assert titles(digest) == [
        "MobileLLM: Optimizing Sub-billion Parameter Language Models",
        "Genie: Generative Interactive Environments",
    ]
    assert digest.papers[0].abstract.count("\n") == 2


def test_chinese_only_titles() -> None:
    text = """本周论文

1. 移动设备上的小型语言模型
我们提出了一种在移动设备上运行的小型语言模型。
2. 生成式互动环境
本文研究了生成式互动环境。
"""
    digest = parse_digest(text, "zh.md")
    assert [(p.title_en, p.title_zh) for p in digest.papers] == [
        ("移动设备上的小型语言模型", None),
        ("生成式互动环境", None),
    ]
    assert digest.papers[0].abstract == "我们提出了一种在移动设备上运行的小型语言模型。"


def test_chinese_only_blocks() -> None:
    text = (
        "移动设备上的小型语言模型\n\n我们提出了一种小型语言模型。\n\n"
        "生成式互动环境\n\n本文研究了环境。"
    )
    digest = parse_digest(text, "zh.txt")
    assert titles(digest) == ["移动设备上的小型语言模型", "生成式互动环境"]


TRAILERS = [
    "Share this:\nTwitter\nFacebook",
    "Subscribe to our newsletter\nGet the best papers every week",
    "Related posts\nTop LLM Papers of the Week\nMore papers about agents",
    "© 2024 Example Blog. All rights reserved.",
    "Copyright 2024 Some Blog",
    "Previous: Top LLM Papers Week 3\nNext: Top LLM Papers Week 5",
    "« Previous post\nNext post »",
    "上一篇:每周论文速递\n下一篇:每周论文速递",
    "Source: github.com/k4yt3x/flowerhd",
    "(☆ω☆)\n(╯‵□′)╯︵┴─┴\n😂\n😀\nEmoji Palette Example",
    "Leave a comment\nYour email address will not be published",
    "3 comments\nAlice: nice summary",
    "推荐阅读\n大模型综述 Survey of Large Language Models",
    "Tags: LLM, agents",
]


@pytest.mark.parametrize("trailer", TRAILERS)
def test_trailing_junk_is_dropped(trailer: str) -> None:
    body = (
        f"Genie: Generative Interactive Environments\n\nGenie: 生成式互动环境\n\n{ABS2}\n\n"
        f"FuseChat: Knowledge Fusion of Chat Models\n\n{ABS1}\n\n"
    )
    digest = parse_digest(body + trailer + "\n", "junk.txt")
    assert titles(digest) == [
        "Genie: Generative Interactive Environments",
        "FuseChat: Knowledge Fusion of Chat Models",
    ]
    assert digest.papers[1].abstract == ABS1
    assert digest.papers[0].abstract == ABS2


def test_junk_before_the_papers_is_skipped_and_single_emoji_lines_ignored() -> None:
    text = f"""Share this
🔥🔥🔥
1. Genie: Generative Interactive Environments
✨
{ABS2}
2. FuseChat: Knowledge Fusion of Chat Models
{ABS1}
"""
    digest = parse_digest(text, "emoji.md")
    assert titles(digest) == [
        "Genie: Generative Interactive Environments",
        "FuseChat: Knowledge Fusion of Chat Models",
    ]
    assert digest.papers[0].abstract == ABS2


def test_author_and_original_link_lines() -> None:
    text = f"""AI 论文周报
作者: 张三
原文链接: https://example.org/post/1

Genie: Generative Interactive Environments
{ABS2}
"""
    digest = parse_digest(text, "meta.txt")
    assert (digest.title, digest.author, digest.source_url) == (
        "AI 论文周报",
        "张三",
        "https://example.org/post/1",
    )
    assert only(digest).abstract == ABS2


def test_per_paper_author_lines_are_not_the_digest_author() -> None:
    text = f"""1. Genie: Generative Interactive Environments
Authors: Jake Bruce, Michael Dennis
{ABS2}
2. FuseChat: Knowledge Fusion of Chat Models
Authors: Fanqi Wan
{ABS1}
"""
    digest = parse_digest(text, "authors.md")
    assert digest.author is None
    assert [p.abstract for p in digest.papers] == [ABS2, ABS1]


def test_extra_links_after_every_arxiv_link_are_paper_links_not_the_source() -> None:
    text = f"""1. Genie: Generative Interactive Environments
{ABS2}
https://arxiv.org/abs/2402.15391
https://github.com/example/genie
2. FuseChat: Knowledge Fusion of Chat Models
{ABS1}
https://arxiv.org/abs/2402.16107
https://github.com/example/fusechat
"""
    digest = parse_digest(text, "links.md")
    assert digest.source_url is None
    assert digest.papers[1].links == ("https://github.com/example/fusechat",)


@pytest.mark.parametrize(
    ("header", "week"),
    [
        ("每周AI论文速递(240226-240301)", (date(2024, 2, 26), date(2024, 3, 1))),
        ("Weekly papers 2024-02-26 ~ 2024-03-01", (date(2024, 2, 26), date(2024, 3, 1))),
        ("AI 周报 2024年2月26日-3月1日", (date(2024, 2, 26), date(2024, 3, 1))),
        ("2024年5月第四周", (None, None)),
        ("Weekly papers (991399-000000)", (None, None)),
        ("Papers 2024-01-01 ~ 2024-06-01", (None, None)),  # not a week
    ],
)
def test_week_in_header(header: str, week: tuple) -> None:
    digest = parse_digest(f"{header}\n\nGenie: Generative Interactive Environments\n{ABS2}\n", "w")
    assert (digest.week_start, digest.week_end) == week


def test_duplicate_title_is_skipped_with_a_warning() -> None:
    text = f"1. Genie: Interactive\n{ABS2}\n2. Genie: Interactive\n{ABS1}\n"
    digest = parse_digest(text, "dup.md")
    assert titles(digest) == ["Genie: Interactive"]
    assert any("duplicate" in w for w in digest.warnings)


def test_parsing_is_deterministic() -> None:
    for week in SEED_FILES:
        assert parse_seed(week) == parse_seed(week)


# ------------------------------------------------------------------ refusals


def test_one_entry_without_a_title_is_skipped_with_a_warning_not_a_refusal() -> None:
    """Issue #21: a single odd entry must not refuse the whole digest (this case was a
    refusal before; the expectation changed with the issue)."""
    text = "1. Genie: Generative Interactive Environments\n" + ABS2 + "\n2.\n我们的第二篇。\n"
    digest = parse_digest(text, "bad/digest.txt")
    assert titles(digest) == ["Genie: Generative Interactive Environments"]
    assert "line 3: entry 2 has no title; skipped" in digest.warnings
    table = "| Title | Link |\n|---|---|\n| Genie: Interactive | x |\n|  | https://a.org/x |\n"
    digest = parse_digest(table, "bad/digest.txt")
    assert titles(digest) == ["Genie: Interactive"]
    assert "line 4: a table row without a title; skipped" in digest.warnings


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("   \n\t\n\u3000\n", 1),
        ("\n\n暂无评论\n\n发送评论 编辑评论\n(☆ω☆)\n😂\n上一篇\n下一篇\n", 3),
        (
            "\nThe weather was lovely this week. We went for a walk in the park.\n"
            "It rained on Tuesday, and we stayed at home to read.\n"
            "今天天气很好,我们去公园散步了。\n",
            2,
        ),
        ("Just one English line", 1),
        ("abc\x00\x01\x02def\n", 1),
        ("line one\nline two\x00\x00\n", 2),
        ("\ufffd\x07\x08" * 20, 1),
    ],
)
def test_unparseable_files_are_refused_with_file_and_line(text: str, line: int) -> None:
    with pytest.raises(DigestParseError) as caught:
        parse_digest(text, "bad/digest.txt")
    assert caught.value.file == "bad/digest.txt"
    assert caught.value.line == line
    assert str(caught.value).startswith(f"bad/digest.txt:{line}: ")
    assert caught.value.problem


def test_only_junk_seed_tail_is_refused() -> None:
    tail = seed_text("2024-02-26").split("暂无评论", 1)[1]
    with pytest.raises(DigestParseError, match="no papers"):
        parse_digest(tail, "tail.txt")


# ------------------------------------------------------------------ synthetic digests


def test_synthetic_digest_parses_back_exactly() -> None:
    papers = synth.papers(20)
    text = synth.digest_text(date(2024, 2, 26), papers)
    digest = parse_digest(text, "synth.txt")
    assert [(p.title_en, p.title_zh, p.abstract, p.arxiv_id) for p in digest.papers] == [
        (p.title_en, p.title_zh, p.abstract, p.arxiv_id) for p in papers
    ]
    assert (digest.week_start, digest.week_end) == (date(2024, 2, 26), date(2024, 3, 1))
    assert digest.source_url is None and all(p.links == () for p in digest.papers)
    # parsing speed is measured by ``python -m benchmarks`` (bench_ingest), not timed here


def test_synthetic_digest_without_links() -> None:
    papers = synth.papers(12, seed=3)
    digest = parse_digest(synth.digest_text(date(2024, 2, 26), papers, links=False), "s.txt")
    assert titles(digest) == [p.title_en for p in papers]
    assert all(p.arxiv_id is None for p in digest.papers)
