"""The admin's preview of a digest: every paper as it will be stored and posted.

Pure formatting shared by ``python -m bot check --show`` (plain text for a terminal) and
the admins' ``/preview <id>`` (Telegram HTML, split into messages). Both show the same
lines: the digest's id, week, paper count and parser warnings, then per paper its number,
English and Chinese titles, arXiv id, authors and venue (when the digest gives them), the
start of its summary and its topics. A missing value is shown as ``—`` so that an admin
sees what the parser did not find.

In the chat the preview is capped like a post: the first :data:`CHAT_PAPERS` papers in full
(and the first :data:`CHAT_WARNINGS` warnings), then how many more there are and the
``check --show`` command that lists them all; a 2,000-paper digest is two messages, not 124.

The papers are read through :class:`PreviewPaper`, which the tagged papers of the loading
code satisfy, so the domain depends on nothing above it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.domain.render import esc, shorten, split_blocks

SUMMARY_CHARS = 80
FIELD_CHARS = 300  # a longer title or author list is cut (it is already suspicious)
MISSING = "—"
CHAT_PAPERS = 10  # papers shown in full by /preview <id> and an upload's preview
CHAT_WARNINGS = 10


class PreviewPaper(Protocol):
    """What the preview reads of a parsed and tagged paper."""

    @property
    def title_en(self) -> str: ...
    @property
    def title_zh(self) -> str | None: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def abstract(self) -> str: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def authors(self) -> str | None: ...
    @property
    def venue(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """A parsed digest as the preview shows it; ``id`` is None for a file not yet listed
    in ``digests.yaml``. ``warnings`` are ``file:line: warning`` lines."""

    id: str | None
    file: str
    title: str
    week_start: date | None
    week_end: date | None
    papers: Sequence[PreviewPaper]
    warnings: Sequence[str] = ()
    reading: str = ""  # the layout the parser chose, "" when unknown
    sureness: str = ""  # how sure: "sure", "fairly sure", "close call"
    alternatives: Sequence[str] = ()  # other plausible layouts (``format:`` picks one)
    # topic id → the name the chat shows (``Computer vision``, not ``vision``)
    topic_names: Mapping[str, str] = field(default_factory=dict)


def reading_text(digest: DigestPreview) -> str | None:
    """``read as heading (sure)``, with the other plausible readings when there are any."""
    if not digest.reading:
        return None
    text = f"read as {digest.reading} ({digest.sureness or 'forced'})"
    if digest.alternatives:
        text += "; also plausible: " + ", ".join(digest.alternatives)
    return text


def week_text(start: date | None, end: date | None) -> str:
    """``week 2024-02-26 – 2024-03-03``; ``no week`` when neither file nor config gives one."""
    if start is None:
        return "no week"
    return f"week {start.isoformat()} – {end.isoformat()}" if end else f"week of {start}"


def header_lines(digest: DigestPreview) -> list[str]:
    """Id, week, paper count, title, file and every warning, one per line."""
    listed = digest.id if digest.id is not None else "(not listed in digests.yaml)"
    count = len(digest.papers)
    lines = [
        f"digest {listed} · {week_text(digest.week_start, digest.week_end)} · "
        f"{count} {'paper' if count == 1 else 'papers'}",
        f"title: {_field(digest.title)}",
        f"file: {digest.file}",
    ]
    reading = reading_text(digest)
    if reading is not None:
        lines.append(reading)
    lines.extend(f"warning: {_field(warning)}" for warning in digest.warnings)
    return lines


def _field(value: str | None) -> str:
    """A value on one line, cut to ``FIELD_CHARS``; ``—`` when absent."""
    return shorten(value, FIELD_CHARS) if value and value.strip() else MISSING


def paper_lines(
    number: int, paper: PreviewPaper, topic_names: Mapping[str, str] | None = None
) -> list[str]:
    """One paper: the numbered English title, then one indented line per field (topics
    by the names the chat shows, where ``topic_names`` has them)."""
    names = topic_names or {}
    lines = [
        f"{number}. {_field(paper.title_en)}",
        f"   zh: {_field(paper.title_zh)}",
        f"   arXiv: {_field(paper.arxiv_id)}",
    ]
    if paper.authors:
        lines.append(f"   authors: {_field(paper.authors)}")
    if paper.venue:
        lines.append(f"   venue: {_field(paper.venue)}")
    summary = shorten(paper.abstract, SUMMARY_CHARS) if paper.abstract.strip() else MISSING
    lines.append(f"   summary: {summary}")
    lines.append(f"   topics: {_field(', '.join(names.get(t, t) for t in paper.topics))}")
    return lines


def preview_text(digest: DigestPreview) -> list[str]:
    """The whole preview as plain text lines (a blank line between papers)."""
    lines = header_lines(digest)
    for number, paper in enumerate(digest.papers, start=1):
        lines.append("")
        lines.extend(paper_lines(number, paper, digest.topic_names))
    return lines


def preview_messages(
    digest: DigestPreview, papers: int = CHAT_PAPERS, warnings: int = CHAT_WARNINGS
) -> list[str]:
    """The same preview as Telegram HTML messages of at most 4096 characters each; every
    value escaped, a paper never split across two messages. Only the first ``papers``
    papers and ``warnings`` warnings are shown; a last line counts the rest and names the
    ``check --show`` command that shows everything."""
    header = header_lines(digest)
    body = header[1 : len(header) - len(digest.warnings) + warnings]
    hidden_warnings = max(0, len(digest.warnings) - warnings)
    if hidden_warnings:
        body.append(f"… and {hidden_warnings} more warnings")
    blocks = [f"<b>{esc(header[0])}</b>\n" + "\n".join(esc(line) for line in body)]
    for number, paper in enumerate(digest.papers[:papers], start=1):
        first, *rest = paper_lines(number, paper, digest.topic_names)
        blocks.append("\n".join([f"<b>{esc(first)}</b>", *(esc(line) for line in rest)]))
    hidden = len(digest.papers) - papers
    if hidden > 0 or hidden_warnings:
        target = digest.id if digest.id is not None else digest.file
        more = f"… and {hidden} more {'paper' if hidden == 1 else 'papers'}. " if hidden > 0 else ""
        blocks.append(
            f"<i>{esc(more)}Every paper and warning: </i>"
            f"<code>python -m bot check --show {esc(target)}</code>"
        )
    return split_blocks(blocks, separator="\n\n")
