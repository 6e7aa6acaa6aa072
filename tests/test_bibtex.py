"""BibTeX entries (bot/domain/bibtex.py): citation keys, protected titles, years, authors,
and a file that bibtexparser reads back to the same entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import bibtexparser
import pytest

from bot.domain.bibtex import (
    arxiv_year,
    base_key,
    bibtex,
    braced_title,
    citation_keys,
    paper_year,
    split_authors,
)
from bot.domain.views import DigestView, PaperView, TopicView

WEEK = DigestView("2024-w09", "Weekly", date(2024, 2, 26), date(2024, 3, 1), None, 2)
GENIE = PaperView(
    id=1,
    title_en="Genie: Generative Interactive Environments",
    title_zh=None,
    abstract="",
    arxiv_id="2402.15391",
    url=None,
    section=None,
    position=1,
    topics=(TopicView("video-generation", "Video generation", "视频生成"),),
    digest=WEEK,
    authors="Jake Bruce, Michael Dennis, Ashley Edwards et al.",
)


def paper(pid: int, title: str, **changes: object) -> PaperView:
    return replace(GENIE, id=pid, title_en=title, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("title", "braced"),
    [
        (
            "LLaMA: Open and Efficient Foundation Language Models",
            "{LLaMA}: Open and Efficient Foundation Language Models",
        ),
        (
            "Genie: Generative Interactive Environments",
            "{Genie}: Generative Interactive Environments",
        ),
        ("Scaling GPT-4 to 1M Tokens", "Scaling {GPT-4} to {1M} Tokens"),
        ("Is AI safe? A study of MobileLLM", "Is {AI} safe? A study of {MobileLLM}"),
        ("Quantization & 100% recall_at_k", r"Quantization \& 100\% recall\_at\_k"),
        ("A {stray brace", "A stray brace"),
        ("Learning to reason: a survey", "Learning to reason: a survey"),
    ],
)
def test_titles_keep_names_from_being_lower_cased(title: str, braced: str):
    assert braced_title(title) == braced


@pytest.mark.parametrize(
    ("arxiv_id", "year"),
    [
        ("2402.15391", 2024),
        ("0704.0001", 2007),
        ("1912.01234v2", 2019),
        ("hep-th/9901001", 1999),
        ("math.GT/0309136", 2003),
        ("2413.00001", None),  # no month 13
        ("0612.00001", None),  # new-style ids began in April 2007
        ("8606.00001", None),  # 2086 has not come yet
        ("not-an-id", None),
        (None, None),
    ],
)
def test_year_from_the_arxiv_id(arxiv_id: str | None, year: int | None):
    assert arxiv_year(arxiv_id) == year


def test_year_falls_back_to_the_digest_week():
    assert paper_year(replace(GENIE, arxiv_id=None)) == 2024
    undated = replace(WEEK, week_start=None, week_end=None)
    assert paper_year(replace(GENIE, arxiv_id=None, digest=undated)) is None


def test_authors_are_split_and_et_al_becomes_others():
    assert split_authors("Jake Bruce, Michael Dennis et al.") == (
        ["Jake Bruce", "Michael Dennis"],
        True,
    )
    assert split_authors("A. Smith and B. Jones; 张三、李四") == (
        ["A. Smith", "B. Jones", "张三", "李四"],
        False,
    )
    assert split_authors(None) == ([], False)


def test_citation_keys_are_author_year_word_and_unique():
    assert base_key(GENIE) == "bruce2024genie"
    assert base_key(paper(2, "The Era of 1-bit LLMs", authors="Shuming Ma")) == "ma2024era"
    assert base_key(paper(3, "On the Müller Effect", authors="Zoë Müller")) == "muller2024muller"
    assert base_key(paper(4, "Genie", authors=None)) == "anon2024genie"
    no_year = paper(5, "Genie", arxiv_id=None, digest=replace(WEEK, week_start=None, week_end=None))
    assert base_key(no_year) == "bruce" + "genie"
    twins = [paper(9, "Genie 2"), GENIE, paper(7, "Genie again")]
    keys = citation_keys(twins)
    assert keys == {1: "bruce2024geniea", 7: "bruce2024genieb", 9: "bruce2024geniec"}
    assert citation_keys(twins) == keys  # the same file twice: the same keys
    assert citation_keys([GENIE, paper(2, "Other", authors="X Y")]) == {
        1: "bruce2024genie",
        2: "y2024other",
    }


def test_entry_has_the_arxiv_fields():
    entry = bibtex([GENIE]).strip()
    assert entry == (
        "@misc{bruce2024genie,\n"
        "\ttitle = {{Genie}: Generative Interactive Environments},\n"
        "\tauthor = {Jake Bruce and Michael Dennis and Ashley Edwards and others},\n"
        "\tyear = {2024},\n"
        "\teprint = {2402.15391},\n"
        "\tarchivePrefix = {arXiv},\n"
        "\tprimaryClass = {cs.CV},\n"
        "\turl = {https://arxiv.org/abs/2402.15391}\n"
        "}"
    )


def test_a_file_parses_back_to_the_same_entries():
    papers = [
        GENIE,
        paper(2, "Genie: again & again", authors="Jake Bruce"),
        paper(3, "No arXiv: a {blog} post", arxiv_id=None, url="https://example.org/x?a=1&b=2"),
        paper(4, "Anonymous 50% work", authors=None, topics=()),
    ]
    text = bibtex(papers)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    parsed = {e.key: {f.key: f.value for f in e.fields} for e in library.entries}
    assert list(parsed) == [
        "bruce2024geniea",
        "bruce2024genieb",
        "bruce2024arxiv",
        "anon2024anonymous",
    ]
    assert parsed["bruce2024genieb"]["title"] == r"{Genie}: again \& again"
    assert parsed["bruce2024arxiv"] == {
        "title": "No {arXiv}: a blog post",
        "author": "Jake Bruce and Michael Dennis and Ashley Edwards and others",
        "year": "2024",
        "url": "https://example.org/x?a=1&b=2",
    }
    assert parsed["anon2024anonymous"]["primaryClass"] == "cs.LG"
    assert "author" not in parsed["anon2024anonymous"]
