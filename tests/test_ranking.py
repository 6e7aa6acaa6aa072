"""Search ranking on plain rows: query parsing, candidate sets and scoring, no database."""

from __future__ import annotations

from bot.domain.ranking import (
    FUZZY_MIN_SIMILARITY,
    KINDS,
    SUGGEST_MIN_SIMILARITY,
    CandidateRow,
    Candidates,
    SearchHit,
    SearchQuery,
    rank_candidates,
)
from bot.domain.search_tokens import search_fields

GENIE = "Genie: Generative Interactive Environments"
GENIE_ZH = "Genie：生成式交互环境"


def row(paper_id: int, title_en: str, title_zh: str | None = None) -> CandidateRow:
    """A candidate as a fresh database row has it: derived columns as ingestion fills them."""
    fields = search_fields(title_en, title_zh, "", None, None)
    return CandidateRow(
        paper_id,
        title_en,
        title_zh,
        fields["title_compact"],
        fields["title_zh_compact"],
        fields["title_tokens"],
    )


def bare_row(paper_id: int, title_en: str, title_zh: str | None = None) -> CandidateRow:
    """A candidate whose derived columns are still empty (rows from before migration 0002)."""
    return CandidateRow(paper_id, title_en, title_zh, "", "", "")


def rank(query: str, found: Candidates, rows: list[CandidateRow]) -> list[SearchHit]:
    return rank_candidates(SearchQuery.parse(query), found, rows, FUZZY_MIN_SIMILARITY)


def test_query_parse_terms_compact_arxiv_and_typo_words() -> None:
    q = SearchQuery.parse("ＧＥＮＩＥ Generative 42 https://arxiv.org/abs/2402.15391v2")
    assert [t.tokens[0] for t in q.terms][:3] == ["genie", "generative", "42"]
    assert q.compact.startswith("geniegenerative42")
    assert q.arxiv == ["2402.15391"]
    assert "42" not in q.fuzzy_words and q.fuzzy_words[:2] == ["genie", "generative"]
    assert not q.empty
    assert SearchQuery.parse("🙂 !! \x00").empty
    many = SearchQuery.parse("alpha bravo charlie delta echoes foxtrot golfing hotel")
    assert len(many.fuzzy_words) == 6  # edit distances are costly: a few words suffice


def test_query_stop_words_kept_only_when_nothing_else_is_left() -> None:
    q = SearchQuery.parse("the world of genie")
    assert [t.tokens[0] for t in q.or_terms] == ["world", "genie"]
    assert q.and_terms == q.or_terms
    only_stop_words = SearchQuery.parse("the of")
    assert [t.tokens[0] for t in only_stop_words.or_terms] == ["the", "of"]


def test_query_spaced_chinese_joined_or_kept_apart() -> None:
    joined = SearchQuery.parse("世界 模型")
    assert [t.tokens for t in joined.terms] == [("世界", "界模", "模型")]
    apart = SearchQuery.parse("世界 模型", join_cjk=False)
    assert [t.tokens for t in apart.terms] == [("世界",), ("模型",)]


def test_candidates_ids_strongest_channel_first_once_each() -> None:
    found = Candidates(arxiv={7}, prefix={3}, title=[5, 3], every=[9, 5], some=[1], fuzzy=[7, 2])
    assert found.ids() == [7, 3, 5, 9, 1, 2]
    assert found.strong == 3  # 7, 3 and 5
    assert Candidates().ids() == [] and Candidates().strong == 0


def test_every_kind_in_its_score_band_best_first() -> None:
    rows = [
        row(1, "Megalodon: Efficient LLM Pretraining"),
        row(2, GENIE, GENIE_ZH),
        row(3, "Generative World Models at Scale"),
        row(4, "Interactive Agents: A Survey"),
    ]
    found = Candidates(arxiv={1}, every=[4])
    hits = rank(GENIE, found, rows)
    assert [(h.paper_id, h.kind) for h in hits] == [(1, "arxiv"), (2, "exact"), (4, "abstract")]
    assert [h.score for h in hits[:2]] == [600.0, 500.0]
    assert 200.0 <= hits[2].score < 300.0
    assert rank(GENIE_ZH, Candidates(), rows)[0] == SearchHit(2, 500.0, "exact")

    prefix = rank("genie generative", Candidates(prefix={2}), rows)
    assert prefix[0].kind == "prefix" and 400.0 <= prefix[0].score < 450.0

    title = rank("world models", Candidates(title=[3]), rows)
    assert [(h.paper_id, h.kind) for h in title] == [(3, "title")]
    assert 300.0 <= title[0].score < 350.0

    typo = rank("megalodn", Candidates(fuzzy=[1]), rows)
    assert [(h.paper_id, h.kind) for h in typo] == [(1, "fuzzy")]
    assert 100.0 <= typo[0].score < 200.0
    assert set(KINDS) >= {h.kind for h in [*hits, *prefix, *title, *typo]}


def test_shorter_title_and_better_channel_position_rank_higher() -> None:
    rows = [row(1, "Genie"), row(2, GENIE), row(3, "Genie 2: Large World Models")]
    hits = rank("genie world", Candidates(title=[3, 1]), rows)
    assert [h.paper_id for h in hits] == [3]  # only paper 3 has both words
    short_first = rank("interactive", Candidates(title=[2]), [*rows, row(4, "Interactive")])
    assert [h.paper_id for h in short_first] == [4, 2]  # the query covers all of "Interactive"
    # the "any of the words" channel's own order decides between equal coverages
    some = rank("genie zzz", Candidates(some=[3, 1]), rows)
    assert [h.paper_id for h in some] == [3, 1]
    assert rank("genie zzz", Candidates(some=[1, 3]), rows)[0].paper_id == 1


def test_partial_matches_stay_below_every_full_match() -> None:
    rows = [row(1, GENIE), row(2, "Generative World Models at Scale")]
    hits = rank("world models scale genie", Candidates(some=[2, 1]), rows)
    assert [(h.paper_id, h.kind) for h in hits] == [(2, "title"), (1, "abstract")]  # 3/4, 1/4
    assert [h.score for h in hits] == [77.5, 32.5]  # 50 × coverage + 40 × channel position


def test_rows_outside_every_channel_or_too_unlike_are_dropped() -> None:
    rows = [row(1, "Megalodon: Efficient LLM Pretraining"), row(2, "Griffin: Mixing Recurrences")]
    assert rank("megalodn", Candidates(), rows) == []  # no channel offered a typo match
    assert rank("qqqzzzx", Candidates(fuzzy=[1, 2]), rows) == []
    loose = rank_candidates(
        SearchQuery.parse("mogalidan"), Candidates(fuzzy=[1]), rows, SUGGEST_MIN_SIMILARITY
    )
    assert [h.paper_id for h in loose] == [1]  # good enough for "did you mean"
    assert rank("mogalidan", Candidates(fuzzy=[1]), rows) == []  # three edits: not a hit


def test_empty_derived_columns_rank_like_filled_ones() -> None:
    titles = [(1, GENIE, GENIE_ZH), (2, "Genie 2: Large World Models", None)]
    for query in ("genie", "生成式交互环境", "genie world", GENIE):
        found = Candidates(title=[2, 1], some=[1, 2])
        filled = rank(query, found, [row(*t) for t in titles])
        bare = rank(query, found, [bare_row(*t) for t in titles])
        assert filled == bare and filled, query


def test_equal_scores_ordered_by_paper_id() -> None:
    rows = [row(5, "Interactive Agents"), row(2, "Interactive Agents")]
    hits = rank("interactive agents", Candidates(), rows)
    assert [h.paper_id for h in hits] == [2, 5]
    assert hits[0].score == hits[1].score == 500.0
