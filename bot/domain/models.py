"""Plain data objects produced by the digest parser and consumed by the store."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Dataclass = TypeVar("_Dataclass", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    """One paper as read from a digest file."""

    title_en: str
    title_zh: str | None
    abstract: str
    arxiv_id: str | None
    url: str | None
    links: tuple[str, ...] = ()
    section: str | None = None
    authors: str | None = None  # as the digest writes them, e.g. "Bruce, Dennis, …"
    venue: str | None = None  # journal or conference, where the digest names one
    position: int = 0  # 0-based order within the digest
    line: int = 0  # 1-based line of the title in the source file


@dataclass(frozen=True, slots=True)
class ParsedDigest:
    """A whole digest file: its header facts and its papers in order."""

    title: str | None
    week_start: date | None
    week_end: date | None
    source_url: str | None
    author: str | None
    papers: tuple[ParsedPaper, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = ()
    reading: str = ""  # the layout whose reading was chosen ("heading", "table", …)
    sureness: str = ""  # "sure", "fairly sure" or "close call" (see parsing._sureness)
    alternatives: tuple[str, ...] = ()  # other plausible layouts, for ``format:``


class DigestParseError(ValueError):
    """A digest file that cannot be parsed with confidence; names file and line."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line
        self.problem = problem


def copied_into(target: type[_Dataclass], source: object, **given: Any) -> _Dataclass:
    """A ``target`` dataclass: the fields ``given``, every other one ``source``'s same-named value.

    One paper passes through several forms (parsed, tagged, stored, shown) that share most
    fields; this copies them without a list of names to keep in step with each form. A field
    ``source`` lacks is an AttributeError, not a silent default.
    """
    copied = {f.name: getattr(source, f.name) for f in fields(target) if f.name not in given}
    return target(**copied, **given)
