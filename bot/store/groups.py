"""Which stored papers are one paper (:mod:`bot.domain.paper_groups`), found as they are read.

Nothing is stored for it: a paper's group is the active papers sharing its arXiv id or
its compact title (both indexed columns), found with one join per hop — usually one, a
second only when a found paper brings a key the asked ones lacked (a repeat with an arXiv
id of a paper first listed without one). Retired digests' papers are never members, but a
retired paper asked for (a reading list, an old button) still finds its group.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from bot.domain.paper_groups import AppearanceOrder, appearance_order, grouped, paper_keys
from bot.store.models import Digest, KeyValue, Paper

MAX_HOPS = 3  # a chain of repeats longer than this (never seen) is cut there

_asked = aliased(Paper, name="asked_paper")

# what ordering and keying a member needs, besides the caller's columns
GROUP_COLUMNS = (
    Paper.id,
    Paper.arxiv_id,
    Paper.title_compact,
    Paper.digest_id,
    Paper.position,
    Digest.week_start,
    Digest.position.label("digest_position"),
)


def _same_paper(asked: Any) -> ColumnElement[bool]:
    """``papers`` is ``asked`` or shares its arXiv id or compact title."""
    return or_(
        Paper.id == asked.id,
        and_(asked.arxiv_id.is_not(None), Paper.arxiv_id == asked.arxiv_id),
        and_(asked.title_compact != "", Paper.title_compact == asked.title_compact),
    )


def group_statement(*columns: Any) -> Select[Any]:
    """Every active paper (``columns``, plus :data:`GROUP_COLUMNS`) that is one paper with
    one of the papers ``:ids``, labelled with that paper's id as ``asked``."""
    wanted = [*GROUP_COLUMNS, *(c for c in columns if not any(c is g for g in GROUP_COLUMNS))]
    return (
        select(_asked.id.label("asked"), *wanted)
        .select_from(_asked)
        .join(Paper, _same_paper(_asked))
        .join(Digest, Digest.id == Paper.digest_id)
        .where(_asked.id.in_(bindparam("ids", expanding=True)), Digest.retired.is_(False))
    )


KEY_GROUPS = group_statement()


def _keys(row: Any) -> tuple[str, ...]:  # a row having GROUP_COLUMNS
    return paper_keys(row.arxiv_id, row.title_compact)


def _order(row: Any) -> AppearanceOrder:
    return appearance_order(row.week_start, row.digest_position, row.position, row.id)


def groups_of(
    connection: Connection, statement: Select[Any], paper_ids: Iterable[int]
) -> dict[int, list[Row[Any]]]:
    """For each of ``paper_ids``, the active papers that are one paper with it (rows of
    ``statement``, a :func:`group_statement`), first appearance first; a paper with none
    (its digest retired, and no repeat elsewhere) is left out."""
    to_ask = list(dict.fromkeys(paper_ids))
    asked = set(to_ask)
    asked_keys: set[str] = set()  # every paper sharing one of these was found
    pairs: list[tuple[int, Row[Any]]] = []
    for _hop in range(MAX_HOPS):
        if not to_ask:
            break
        found = connection.execute(statement, {"ids": to_ask}).all()
        pairs.extend((row.asked, row) for row in found)
        asked_keys.update(key for row in found if row.id in asked for key in _keys(row))
        # ask again only for papers bringing a key nobody asked with
        to_ask = list(
            dict.fromkeys(
                row.id for row in found if row.id not in asked and not set(_keys(row)) <= asked_keys
            )
        )
        asked.update(to_ask)
    links = grouped(pairs, lambda pair: (f"p{pair[0]}", f"p{pair[1].id}"))
    result: dict[int, list[Row[Any]]] = {}
    for linked in links:
        members = sorted({row.id: row for _asked_id, row in linked}.values(), key=_order)
        for asked_id, _row in linked:
            result[asked_id] = members
    return result


def first_appearances(connection: Connection, paper_ids: Sequence[int]) -> dict[int, int]:
    """Each of ``paper_ids`` → the id of its group's first appearance (itself when alone);
    ids of papers with no active appearance are left out."""
    groups = groups_of(connection, KEY_GROUPS, paper_ids)
    return {pid: members[0].id for pid, members in groups.items()}


def one_per_paper(ids: Sequence[int], first: dict[int, int]) -> list[int]:
    """``ids`` as their first appearances (:func:`first_appearances`), each once, in order."""
    return list(dict.fromkeys(first.get(pid, pid) for pid in ids))


# --------------------------------------------------------------------------- repeats


REPEATS_KEY = "paper_repeats"  # bot_state: what ingestion found (see stored_repeats)


def store_repeats(session: Session) -> None:
    """Find the repeats (:func:`repeats`) and keep them in ``bot_state`` for every instance:
    ingestion calls this after a change, so no reader pays for the scans."""
    found = repeats(session.connection())
    value = json.dumps(sorted(found.items()), separators=(",", ":"))
    row = session.get(KeyValue, REPEATS_KEY)
    if row is None:
        session.add(KeyValue(key=REPEATS_KEY, value=value))
    elif row.value != value:
        row.value = value


def stored_repeats(connection: Connection) -> dict[int, int]:
    """The repeats the last ingestion stored; found now (two index scans) in a store that
    has none yet."""
    value = connection.scalar(select(KeyValue.value).where(KeyValue.key == REPEATS_KEY))
    if value is None:
        return repeats(connection)
    return {int(repeat): int(first) for repeat, first in json.loads(value)}


def repeats(connection: Connection) -> dict[int, int]:
    """Every active paper that repeats an earlier appearance → that first appearance's id.

    Two scans of the arXiv id and compact title indexes (for keys more than one paper
    has), then only those papers: what topic pages and counts leave out. A scan of
    100,000 index entries is no per-request work: ingestion stores the answer
    (:func:`store_repeats`).
    """
    active = Digest.retired.is_(False)
    repeated_titles = (
        select(Paper.title_compact)
        .where(Paper.title_compact != "")
        .group_by(Paper.title_compact)
        .having(func.count() > 1)
    )
    repeated_arxiv = (
        select(Paper.arxiv_id)
        .where(Paper.arxiv_id.is_not(None))
        .group_by(Paper.arxiv_id)
        .having(func.count() > 1)
    )
    candidates = (
        select(*GROUP_COLUMNS)
        .join(Digest, Digest.id == Paper.digest_id)
        .where(
            active,
            or_(Paper.title_compact.in_(repeated_titles), Paper.arxiv_id.in_(repeated_arxiv)),
        )
    )
    rows = connection.execute(candidates).all()
    found: dict[int, int] = {}
    for members in grouped(sorted(rows, key=_order), _keys):
        found.update((row.id, members[0].id) for row in members[1:])
    return found
