"""Ranking a researcher trusts, through the real bot on the seed content: a generic word
gets the list, not one card; an arXiv id we do not have points to arxiv.org; markup and
punctuation in a query are noise."""

from __future__ import annotations

import html

import pytest

from bot.domain.ranking import clear_winner
from bot.domain.search_kinds import MatchKind
from bot.domain.search_tokens import clean_query
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi
from bot.store.search import SearchHit
from tests.harness import Chat
from tests.test_commands import GENIE, title_of

pytestmark = pytest.mark.usefixtures("bot_app")


def list_titles(text: str) -> list[str] | None:
    """The numbered titles of a result list (None: the reply is a card)."""
    lines = html.unescape(text).split("\n")
    if " papers match " not in lines[0]:
        return None
    return [line.split(". ", 1)[1] for line in lines[1:] if line[:1].isdigit()]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        (
            "transformer",
            [
                "TransformerFAM",
                "Reducing Transformer",
                "Your Transformer is Secretly Linear",
                "SLAB: Efficient Transformers",
            ],
        ),
        ("scaling", ["Scaling (Down) CLIP", "MegaScale", "Observational Scaling Laws"]),
    ],
)
async def test_a_generic_word_that_starts_a_title_gets_the_list(
    api: FakeBotApi, query: str, titles: list[str]
):
    reply = await Chat(api).ask(f"/paper {query}")
    listed = list_titles(reply.text)
    assert listed is not None, reply.text
    for title in titles:
        assert any(line.startswith(title) for line in listed), (title, listed)


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("genie", GENIE),
        ("mobilellm", "MobileLLM:"),
        ("2405.11157", "Towards Modular LLMs"),
        ("Your Transformer is Secretly Linear", "Your Transformer is Secretly Linear"),
    ],
)
async def test_a_name_a_title_or_an_id_still_gets_one_card(api: FakeBotApi, query: str, title: str):
    reply = await Chat(api).ask(f"/paper {query}")
    assert list_titles(reply.text) is None
    assert html.unescape(title_of(reply.text)).startswith(title)


@pytest.mark.parametrize(
    ("query", "lang", "arxiv_id"),
    [
        ("2402.99999", "en", "2402.99999"),
        ("https://arxiv.org/abs/2402.99999v3", "en", "2402.99999"),
        ("arXiv:2402.99999", "zh", "2402.99999"),
    ],
)
async def test_an_arxiv_id_we_do_not_have_links_to_arxiv(
    api: FakeBotApi, query: str, lang: str, arxiv_id: str
):
    reply = await Chat(api, lang=lang).ask(f"/paper {query}")
    assert reply.text == t(lang, "arxiv_not_in_digests", arxiv_id=arxiv_id)
    assert f'<a href="https://arxiv.org/abs/{arxiv_id}">' in reply.text


async def test_markup_and_punctuation_in_a_query_are_noise(api: FakeBotApi):
    reply = await Chat(api).ask("/paper <b>genie</b> & co")
    listed = list_titles(reply.text)
    first = listed[0] if listed is not None else html.unescape(title_of(reply.text))
    assert first == GENIE


def test_clean_query_drops_tags_and_entities_but_keeps_words():
    assert clean_query("<b>Genie</b>&nbsp;&amp; co") == "genie co"
    assert clean_query("a <i>b</i> c") == "a b c"
    assert clean_query("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2"


def _hit(pid: int, kind: MatchKind) -> SearchHit:
    return SearchHit(paper_id=pid, score=0.0, kind=kind)


def test_clear_winner_needs_one_paper_clearly_ahead():
    prefix, title, abstract = MatchKind.PREFIX, MatchKind.TITLE, MatchKind.ABSTRACT
    assert clear_winner([_hit(1, prefix), _hit(2, abstract)])
    assert not clear_winner([_hit(1, prefix), _hit(2, title)])  # "transformer"
    assert not clear_winner([_hit(1, prefix), _hit(2, prefix)])
    assert clear_winner([_hit(1, MatchKind.EXACT), _hit(2, prefix)])
    assert clear_winner([_hit(1, MatchKind.ARXIV), _hit(2, title)])
    assert clear_winner([_hit(1, title)])
    assert not clear_winner([_hit(1, title), _hit(2, abstract)])
