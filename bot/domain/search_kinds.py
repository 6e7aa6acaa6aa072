"""What a search hit matched (its ``kind``), best first; the scores are in bot.domain.ranking's
module doc. ``StrEnum`` members, so they compare equal to the plain strings they replace."""

from __future__ import annotations

from enum import StrEnum


class MatchKind(StrEnum):
    """What made a paper a hit, from the strongest match to the weakest."""

    ARXIV = "arxiv"  # the arXiv id
    EXACT = "exact"  # a whole title
    PREFIX = "prefix"  # the beginning of a title
    TITLE = "title"  # every query word is in the title
    ABSTRACT = "abstract"  # every term is in the title or abstract
    FUZZY = "fuzzy"  # the title, with typos
