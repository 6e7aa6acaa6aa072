"""One paper, one row (bot.domain.paper_groups), on SQLite and PostgreSQL: a paper listed in
several digests — the bundled example digest repeats two papers of 2024-w09 — is one search
result, one card naming every digest, once on a topic page and in its count; each digest's
overview and weekly post still list it; and ``check`` warns about repeats and re-listed files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig, Environment, load_config
from bot.content import load_content
from bot.domain.paper_groups import grouped, paper_keys
from bot.services.ingestion import sync
from bot.store.library import Library
from bot.store.models import Paper
from bot.store.search import make_search
from tests.test_store import cli

pytestmark = pytest.mark.bundled

GENIE = "Genie: Generative Interactive Environments"
ONE_BIT = "The Era of 1-bit LLMs: All Large Language Models are in 1.58 Bits"


def reload(config: BotConfig) -> BotConfig:
    return load_config(config.path, Environment(database_url=config.database_url))


def library_of(config: BotConfig, factory: sessionmaker[Session], engine: Engine) -> Library:
    sync(factory, reload(config))
    return Library(factory, make_search(engine))


def ids_in(library: Library, digest_id: str, title: str) -> int:
    """The stored id of ``title`` in ``digest_id`` (its own row, not the group's)."""
    with library.engine.connect() as connection:
        return int(
            connection.scalar(
                select(Paper.id).where(Paper.digest_id == digest_id, Paper.title_en == title)
            )
        )


def add_digest(config: BotConfig, digest_id: str, text: str, week: str | None = None) -> None:
    content = config.path.parent.parent / "content" / f"{digest_id}.md"
    content.write_text(text, encoding="utf-8")
    with config.digests_path.open("a", encoding="utf-8") as fh:
        fh.write(f"- id: {digest_id}\n  file: ../content/{digest_id}.md\n")
        if week:
            fh.write(f"  week: {week}\n")


def test_a_repeated_paper_is_one_result_and_one_card(config: BotConfig, factory, engine):
    library = library_of(config, factory, engine)
    first, repeat = ids_in(library, "2024-w09", GENIE), ids_in(library, "example", GENIE)
    hits = library.search("genie")
    assert [hit.paper_id for hit in hits] == [first]  # not two rows
    card = library.paper(first)
    assert card is not None
    # the first appearance's text, what it lacks from the repeat, and every digest
    assert (card.id, card.digest.id, card.also_in) == (first, "2024-w09", ("example",))
    assert card.title_zh == "Genie: 生成式互动环境"  # 2024-w09's own Chinese title
    assert card.abstract.startswith("我们介绍Genie")
    assert (card.arxiv_id, card.venue) == ("2402.15391", "ICML 2024")
    assert card.authors is not None and card.authors.startswith("Jake Bruce")
    # the repeat's id (an old button, a reading list) opens the same card, under its id
    again = library.paper(repeat)
    assert again is not None and again.id == repeat
    assert (again.digest.id, again.abstract, again.also_in) == (
        "2024-w09",
        card.abstract,
        ("example",),
    )


def test_an_arxiv_id_only_the_repeat_gives_finds_the_first_appearance(
    config: BotConfig, factory, engine
):
    library = library_of(config, factory, engine)
    first = ids_in(library, "2024-w09", ONE_BIT)
    hits = library.search("2402.17764")
    assert [hit.paper_id for hit in hits] == [first]
    card = library.paper(first)
    assert card is not None and card.arxiv_id == "2402.17764" and card.digest.id == "2024-w09"
    assert [hit.paper_id for hit in library.search("https://arxiv.org/abs/2402.17764v2")] == [first]


def test_each_digest_still_lists_its_repeat_under_the_papers_id(config: BotConfig, factory, engine):
    library = library_of(config, factory, engine)
    first = ids_in(library, "2024-w09", GENIE)
    [in_example] = [p for p in library.digest_papers("example") if p.title_en == GENIE]
    [in_w09] = [p for p in library.digest_papers("2024-w09") if p.title_en == GENIE]
    # the example's own words (its post and overview), the paper's one id (its 📌 button)
    assert in_example.abstract.startswith("An 11B-parameter") and in_example.id == first
    assert (in_example.also_in, in_w09.also_in, in_w09.id) == (("2024-w09",), ("example",), first)
    assert len(library.digest_papers("example")) == 4


def test_a_topic_page_and_its_count_show_a_repeat_once(config: BotConfig, factory, engine):
    library = library_of(config, factory, engine)
    repeats = {ids_in(library, "example", GENIE), ids_in(library, "example", ONE_BIT)}
    for topic in library.topics():
        papers, total = library.topic_papers(topic.id, 0, 1000)
        ids = [p.id for p in papers]
        assert total == topic.paper_count == len(ids) == len(set(ids)), topic.id
        assert not repeats & set(ids)
        titles = [p.title_en for p in papers]
        assert len(titles) == len(set(titles)), topic.id
    card = library.paper(ids_in(library, "2024-w09", GENIE))
    assert card is not None
    assert GENIE in [p.title_en for p in library.topic_papers(card.topics[0].id, 0, 1000)[0]]


def test_a_second_hop_and_a_retired_first_appearance(config: BotConfig, factory, engine):
    # a third listing with another title but the repeat's arXiv id: one paper with both
    add_digest(
        config,
        "later",
        "# Later\n\n## Genie (ICML 2024 version)\n\n"
        "**arXiv:** https://arxiv.org/abs/2402.15391\n\nThe ICML version of Genie.\n",
        week="2024-07-22",
    )
    library = library_of(config, factory, engine)
    first = ids_in(library, "2024-w09", GENIE)
    card = library.paper(ids_in(library, "later", "Genie (ICML 2024 version)"))
    assert card is not None and card.digest.id == "2024-w09"
    assert card.also_in == ("later", "example")  # dated digests first, the undated last
    assert [hit.paper_id for hit in library.search("genie icml version")] == [first]
    # 2024-w09 leaves digests.yaml: the next appearance becomes the paper's own
    listing = config.digests_path.read_text(encoding="utf-8")
    start = listing.index("- id: 2024-w09")
    config.digests_path.write_text(
        listing[:start] + listing[listing.index("- id:", start + 1) :], encoding="utf-8"
    )
    library = library_of(config, factory, engine)
    later = ids_in(library, "later", "Genie (ICML 2024 version)")
    assert [hit.paper_id for hit in library.search("genie")] == [later]
    moved = library.paper(first)  # a reading list's old id still opens the paper
    assert moved is not None and moved.digest.id == "later" and moved.also_in == ("example",)
    # ingestion stored the new repeats: the paper is on its topic pages as its new first
    listed = [p.id for t in moved.topics for p in library.topic_papers(t.id, 0, 1000)[0]]
    assert listed.count(later) == len(moved.topics)


def test_check_warns_about_repeats_and_a_file_listed_twice(config: BotConfig):
    loaded = {d.entry.id: d for d in load_content(config).digests}
    assert [w for w in loaded["2024-w09"].warnings if "repeats" in w] == []
    warnings = [w for w in loaded["example"].warnings if "repeats" in w]
    assert len(warnings) == 2
    assert "example-authors-venues.md:39: repeats a paper of 2024-w09 (" in warnings[0]
    assert warnings[0].endswith(
        f"2024-02-26_weekly-ai-papers.txt:9): {GENIE} (one search result and card for both)"
    )
    with config.digests_path.open("a", encoding="utf-8") as fh:
        fh.write("- id: again\n  file: ../content/2024-04-15_ai-papers.txt\n  week: 2024-06-03\n")
    again = {d.entry.id: d for d in load_content(reload(config)).digests}["again"]
    [said] = again.warnings  # one line for the file, not one per paper
    assert said.endswith(
        "again names the same file as 2024-w16 in digests.yaml: every paper is a repeat"
    )


def test_groups_are_transitive_and_keep_order():
    items = [("a", None, "x"), ("b", "2402.1", "y"), ("c", "2402.1", "x"), ("d", None, "z")]
    groups = grouped(items, lambda i: paper_keys(i[1], i[2]))
    assert [[i[0] for i in g] for g in groups] == [["a", "b", "c"], ["d"]]
    assert paper_keys(None, "") == ()


def test_check_cli_names_the_other_digest(config_dir: Path, tmp_path: Path):
    result = cli("check", config_dir=config_dir, database_url=f"sqlite:///{tmp_path}/c.db")
    assert result.returncode == 0, result.stderr
    assert "4 digests, 45 papers, 0 problems, 2 warnings" in result.stdout
    assert "repeats a paper of 2024-w09" in result.stdout
