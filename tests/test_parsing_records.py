"""Record shapes from sources the parser was not built against (issue #21), one invented
fixture each (tests/fixtures/digests/records_*), and the rules that choose a reading:
paper signatures, close readings, odd rows, out-of-range dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.models import ParsedDigest, ParsedPaper
from bot.domain.parsing import _best, parse_digest
from bot.domain.parsing.blocks import Reading

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "digests"


def parse(name: str) -> ParsedDigest:
    path = FIXTURES / name
    return parse_digest(path.read_text(encoding="utf-8"), str(path))


def rows(digest: ParsedDigest) -> list[tuple[str, str | None, str | None]]:
    return [(p.title_en, p.title_zh, p.arxiv_id) for p in digest.papers]


def starts(digest: ParsedDigest) -> list[str]:
    return [p.abstract[:30] for p in digest.papers]


def test_headings_with_links_under_a_table_of_contents_and_details_abstracts() -> None:
    digest = parse("records_heading_links.md")
    assert rows(digest) == [
        ("Lantern Transformers Read Slowly", None, "2503.01234"),
        ("Quiet Gradients for Sparse Experts", None, "2503.02345"),
        ("Folding Maps with Small Models", None, "2503.03456"),  # a Hugging Face link
    ]
    assert starts(digest) == [
        "We read long inputs one lanter",
        "Sparse experts learn faster wh",
        "A small model folds street map",
    ]
    assert digest.papers[0].authors == "Mira Olsen, Tao Reyes"
    assert all("Abstract" not in p.abstract for p in digest.papers)  # the <summary> label


def test_details_cards_after_a_readme_drop_setup_steps_and_placeholders() -> None:
    digest = parse("records_details_cards.md")
    assert rows(digest) == [
        ("Pebble Routing for Mixture Models", None, "2503.04567"),
        ("Cheap Critics for Long Plans", None, "2503.05678"),
        ("Tiles All the Way Down", None, "2503.06789"),
    ]
    pebble, critics, tiles = digest.papers
    assert pebble.abstract.startswith("Routing tokens like pebbles")
    assert pebble.authors == "Ana Pires, Joel Kim"
    assert critics.abstract == ""  # "No abstract available." is a placeholder, not text
    assert tiles.abstract.startswith("TL;DR: Tiling images")  # quoted as the authors wrote it
    assert digest.week_start == date(2025, 3, 10)


def test_html_tables_with_arxiv_ids_in_attributes() -> None:
    digest = parse("records_html_table_ids.html")
    assert rows(digest) == [
        ("Whisper Cascades for Tiny Decoders", None, "2503.07890"),
        ("Counting Tokens Backwards", None, "2503.08901"),
        ("Mirrors for Depth Estimation", None, "2503.09012"),
    ]
    assert starts(digest) == [
        "Small decoders cascade into a ",
        "Reverse counting fixes length ",
        "A mirror in the scene is a sec",
    ]
    assert [p.section for p in digest.papers] == ["Language", "Language", "Vision"]


def test_tiered_entries_with_local_links_keep_every_tier() -> None:
    digest = parse("records_tiered.md")
    assert rows(digest) == [
        ("Sparse Lanterns for Retrieval", None, "2503.10123"),
        ("Grounded Parrots Talk Less", None, "2503.11234"),
        ("Wide Nets for Narrow Tasks", None, "2503.12345"),
        ("Slow Teachers Make Fast Students", None, "2503.13456"),
    ]
    assert digest.papers[2].abstract == (
        "wide shallow networks beat deep ones on short tabular tasks."
    )  # the "[arXiv](…)" label is no summary text
    assert all("Generated in" not in p.abstract for p in digest.papers)  # run info


def test_essay_newsletter_sections_bold_subheadings_and_sign_off_are_no_papers() -> None:
    digest = parse("records_essay.md")
    assert [p.title_en for p in digest.papers] == [
        "Lichen Networks Grow on Graphs",
        "A Ledger for Model Edits",
        "Tea Leaves: Reading Attention Maps",
    ]
    assert digest.papers[2].arxiv_id is None  # an OpenReview paper: signed, no arXiv id
    assert all("See you next" not in p.abstract for p in digest.papers)


def test_labelled_fields_in_both_languages() -> None:
    digest = parse("records_fields_bilingual.md")
    assert rows(digest) == [
        ("Moss Graphs for Slow Learners", "面向慢速学习者的苔藓图", "2503.16789"),
        ("Paper Boats Carry Gradients", "纸船承载梯度", "2503.17890"),
    ]
    moss, boats = digest.papers
    assert moss.abstract == "苔藓图让模型在每一步只更新少量节点，从而在小数据上学得更稳。"
    assert boats.abstract.startswith("Folding gradients into paper boats")
    assert (moss.authors, moss.venue) == ("Lin Wei, Sara Holt", "ICLR 2025")
    assert (boats.authors, boats.venue) == ("Omar Diaz, Yu Han", "NeurIPS 2024")
    for paper in digest.papers:  # no label, year or affiliation inside the stored text
        for text in (paper.title_en, paper.title_zh or "", paper.abstract):
            for word in ("发表", "机构", "Affiliation", "Year", "2025\n", "作者", "TL;DR"):
                assert word not in text
    assert boats.links == ("https://github.com/example/paper-boats",)


def test_table_cells_with_sub_markup_and_affiliation_lines() -> None:
    digest = parse("records_table_sub.md")
    assert rows(digest) == [
        ("Kite Models Fly on Wind Data", None, "2503.18901"),
        ("Snail Mail Attention", None, "2503.19012"),
    ]
    assert [p.abstract for p in digest.papers] == [
        "风筝模型从风速数据中学习飞行路径。",
        "慢速注意力按顺序传递消息，减少显存占用。",
    ]


def _paper(title: str, arxiv: str | None = None, zh: str | None = None) -> ParsedPaper:
    return ParsedPaper(
        title_en=title,
        title_zh=zh,
        abstract="A summary.",
        arxiv_id=arxiv,
        url=f"https://arxiv.org/abs/{arxiv}" if arxiv else None,
        links=(),
        section=None,
        position=0,
        line=1,
    )


def test_close_readings_prefer_the_one_keeping_chinese_titles() -> None:
    """Two readings a hair apart: the one keeping more fields wins, not the higher score."""
    plain = Reading("lines", [_paper(f"Paper Number {n}") for n in range(30)])
    plain.papers.append(_paper("Paper Number Extra"))  # a hair more convincing
    with_zh = Reading("heading", [_paper(f"Paper Number {n}", zh="中文标题") for n in range(30)])
    assert _best([plain, with_zh]) is with_zh
    assert _best([with_zh, plain]) is with_zh


def test_records_with_signatures_beat_more_records_without() -> None:
    sections = Reading("heading", [_paper(f"Section Name {n}") for n in range(20)])
    papers = Reading("numbered", [_paper(f"Paper {n}", arxiv=f"2501.0000{n}") for n in range(4)])
    assert _best([sections, papers]) is papers


def test_a_table_row_without_a_title_is_skipped_not_the_digest() -> None:
    text = (
        "| Title | Summary | Link |\n|---|---|---|\n"
        "| Quiet Gradients for Sparse Experts | Damped. | https://arxiv.org/abs/2503.02345 |\n"
        "|  | orphan summary | |\n"
        "| Folding Maps with Small Models | Folds maps. | https://arxiv.org/abs/2503.03456 |\n"
    )
    digest = parse_digest(text, "odd-row.md")
    assert [p.title_en for p in digest.papers] == [
        "Quiet Gradients for Sparse Experts",
        "Folding Maps with Small Models",
    ]


def test_empty_numbered_placeholders_do_not_refuse_the_digest() -> None:
    text = "".join(
        f"{n}. [Paper Title Number {n}](https://arxiv.org/abs/2503.{n:05d})\n" for n in range(5)
    ) + "".join(f"{n}. \n" for n in range(5, 9))
    digest = parse_digest(text, "2025/12_week.md")
    assert len(digest.papers) == 5


@pytest.mark.parametrize("heading", ["# Papers of 9999-12-30", "# Papers of 1970-01-05"])
def test_dates_outside_the_plausible_range_are_ignored_not_a_crash(heading: str) -> None:
    text = f"{heading}\n\n## Quiet Gradients for Sparse Experts\n\nDamped gradients help.\n"
    digest = parse_digest(text, "digest.md", latest=date(2027, 1, 1))
    assert digest.week_start is None


def test_a_stated_week_number_gives_the_week() -> None:
    text = "# Weekly radar | 2026 第 13 周\n\n## Quiet Gradients for Sparse Experts\n\nDamped.\n"
    assert parse_digest(text, "radar.md").week_start == date(2026, 3, 23)
    name = "2023/53_week.md"  # the week holding January 1st counts as week 1
    text = "1. [Quiet Gradients for Sparse Experts](https://arxiv.org/abs/2312.02345)\n"
    assert parse_digest(text, name).week_start == date(2023, 12, 25)


@pytest.mark.parametrize("length", [230, 320, 600])
def test_a_long_paper_heading_stays_a_paper_with_a_warning(length: int) -> None:
    """Issue #23: a heading over ~220 characters was merged silently into the paper before."""
    long = ("Lantern Transformers Read Slowly and Carefully over " * 20)[:length].strip()
    text = (
        "# Week\n\n## Quiet Gradients for Sparse Experts\n\nDamped gradients help.\n\n"
        f"## {long}\n\nLong titles happen.\n\n## Folding Maps with Small Models\n\nMaps fold.\n"
    )
    digest = parse_digest(text, "long.md")
    assert [p.abstract for p in digest.papers] == [
        "Damped gradients help.",
        "Long titles happen.",
        "Maps fold.",
    ]
    assert digest.papers[1].title_en == long[:300]
    assert any(w.startswith("line 7: title") for w in digest.warnings)


def test_front_matter_is_no_paper() -> None:
    text = (
        "\n---\ntitle: Reading list\ndate: 2025-03-11 09:00:00\n"
        "description: Sparse Experts and Folding Maps in Small Models\n---\n\n"
        "## Quiet Gradients for Sparse Experts\n\nDamped. [PDF](https://arxiv.org/abs/2503.02345)\n\n"
        "## Folding Maps with Small Models\n\nMaps. [PDF](https://arxiv.org/abs/2503.03456)\n"
    )
    digest = parse_digest(text, "post.md")
    assert [p.title_en for p in digest.papers] == [
        "Quiet Gradients for Sparse Experts",
        "Folding Maps with Small Models",
    ]
    assert digest.papers[0].line == 8  # the line in the file, front matter counted
    # what the settings state: the post's title, and its date for the week (the text has none)
    assert digest.title == "Reading list"
    assert (digest.week_start, digest.week_end) == (date(2025, 3, 10), None)


def test_the_reading_chosen_and_how_sure_are_named_in_the_preview() -> None:
    from bot.domain.preview import DigestPreview, header_lines

    digest = parse("records_tiered.md")
    assert (digest.reading, digest.sureness) == ("heading", "sure")
    assert digest.alternatives == ("list",)  # the second tier alone, as a list
    preview = DigestPreview(
        id="2025-w12",
        file="x.md",
        title="t",
        week_start=None,
        week_end=None,
        papers=[],
        reading=digest.reading,
        sureness=digest.sureness,
        alternatives=digest.alternatives,
    )
    assert "read as heading (sure); also plausible: list" in header_lines(preview)
    forced = parse_digest((FIXTURES / "records_tiered.md").read_text(), "x.md", layout="list")
    assert forced.reading == "list"
    assert [p.title_en for p in forced.papers] == [
        "Wide Nets for Narrow Tasks",
        "Slow Teachers Make Fast Students",
    ]


def test_a_line_of_names_under_a_title_is_its_authors_not_its_summary() -> None:
    text = (
        "### [Quiet Gradients for Sparse Experts](https://arxiv.org/abs/2503.02345)\n"
        "*Ana Pires,Joel Kim,Tao Reyes,Mira Olsen*\n\nTL;DR: damped gradients help.\n\n"
        "### [Folding Maps with Small Models](https://arxiv.org/abs/2503.03456)\n"
        "*Yu Han, Omar Diaz, Sara Holt*\n\nTL;DR: small models fold maps.\n"
    )
    digest = parse_digest(text, "names.md")
    assert [(p.authors, p.abstract) for p in digest.papers] == [
        ("Ana Pires,Joel Kim,Tao Reyes,Mira Olsen", "damped gradients help."),
        ("Yu Han, Omar Diaz, Sara Holt", "small models fold maps."),
    ]


def test_labels_numbered_inside_their_emphasis_are_labels() -> None:
    digest = parse("records_fields_numbered_bold.md")
    assert rows(digest) == [
        ("Paper Lanterns: Reading Long Inputs Slowly", "纸灯笼：慢读长输入", "2504.01111"),
        ("Small Maps for Folding", "折叠用的小地图", "2504.02222"),
    ]
    assert [(p.authors, p.venue) for p in digest.papers] == [
        ("王五, 赵六", "ICML"),
        ("钱七", "arXiv"),
    ]
    assert starts(digest) == ["我们让模型一盏一盏地读长输入。", "小模型也能画出折叠图。"]


def test_an_arxiv_id_no_paper_holds_is_a_warning_with_its_line() -> None:
    digest = parse("records_tiers_unread.md")
    assert [p.arxiv_id for p in digest.papers] == ["2504.03333", "2504.04444"]
    unread = [w for w in digest.warnings if "in no paper read" in w]
    assert len(unread) == 1 and unread[0].startswith("line 13: 1 arXiv id(s) in no paper read")
    assert "2504.05555" in unread[0]


def test_bare_paper_urls_beside_a_title_are_papers_and_run_notes_are_not_text() -> None:
    digest = parse("records_bare_links.md")
    assert rows(digest) == [
        ("Lantern Routing for Phones", None, "2504.03333"),
        ("Quiet Critics That Abstain", None, "2504.04444"),
        ("Folding Maps with Small Models", None, "2504.05555"),  # URL first
        ("Paper Lanterns: Reading Long Inputs Slowly", None, "2504.06666"),  # URL last
    ]
    assert all("Generated" not in p.abstract for p in digest.papers)
    assert not [w for w in digest.warnings if "in no paper read" in w]
