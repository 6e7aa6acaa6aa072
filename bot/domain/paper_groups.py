"""One paper, one row: which papers of different digests are the same paper, and its card.

Two papers are one paper when they share an arXiv id (stored without its version) or
their English titles fold to the same compact form (:func:`bot.domain.searchtext.compact`,
the search key: case, width, punctuation and spaces ignored), and so on transitively —
a *group*. The store finds groups when it reads (``bot/store/groups.py``); ``check``
finds them in the files (:mod:`bot.content`) the same way.

The group's **first appearance** — the earliest digest week (a digest without a week
last), then the order of ``digests.yaml``, then the order within the digest — is the
paper's own: its id stands for the group in result lists, topic pages and digest
overviews (so 📌 and the card buttons act on one id), and its text is the card. What it
lacks (Chinese title, arXiv id, link, authors, venue) comes from the later appearances,
and the card names them ("also in 2024-w21"). The earliest, not the newest, so that a
paper's id and card do not change when a later digest repeats it. A weekly post and a
digest's overview still show each digest's own text: a repeat is that week's news too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

from bot.domain.views import PaperView

T = TypeVar("T")

AppearanceOrder = tuple[bool, date, int, int, int]


def paper_keys(arxiv_id: str | None, title_compact: str) -> tuple[str, ...]:
    """What makes two papers one: the arXiv id and the compact English title (either)."""
    keys: list[str] = []
    if arxiv_id:
        keys.append(f"arxiv:{arxiv_id.casefold()}")
    if title_compact:
        keys.append(f"title:{title_compact}")
    return tuple(keys)


def appearance_order(
    week_start: date | None, digest_position: int, position: int, paper_id: int = 0
) -> AppearanceOrder:
    """Sort key of one appearance: earliest week first (no week last), then the order of
    ``digests.yaml``, then the order within the digest (then the id, for ties)."""
    return (week_start is None, week_start or date.min, digest_position, position, paper_id)


def grouped(items: Sequence[T], keys: Callable[[T], Iterable[str]]) -> list[list[T]]:
    """``items`` in groups that share a key, transitively (union-find); each group in the
    order of ``items``, the groups in the order of their first item."""
    parent = list(range(len(items)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, item in enumerate(items):
        for key in keys(item):
            if key not in owner:
                owner[key] = index
                continue
            first, second = root(owner[key]), root(index)
            if first != second:
                parent[max(first, second)] = min(first, second)
    groups: dict[int, list[T]] = {}
    for index, item in enumerate(items):
        groups.setdefault(root(index), []).append(item)
    return list(groups.values())


def merged_card(appearances: Sequence[PaperView]) -> PaperView:
    """The card of one paper from its appearances, first appearance first: its text, the
    fields it lacks from the later ones, and the other digests as ``also_in``."""
    first, *later = appearances

    def filled(name: str) -> str | None:
        own: str | None = getattr(first, name)
        return own or next((value for p in later if (value := getattr(p, name))), None)

    return replace(
        first,
        title_zh=filled("title_zh"),
        arxiv_id=filled("arxiv_id"),
        url=filled("url"),
        authors=filled("authors"),
        venue=filled("venue"),
        also_in=other_digests(first.digest.id, later),
    )


def other_digests(own: str, appearances: Iterable[PaperView]) -> tuple[str, ...]:
    """The ids of the digests of ``appearances`` but ``own``, once each, in order."""
    return tuple(dict.fromkeys(p.digest.id for p in appearances if p.digest.id != own))
