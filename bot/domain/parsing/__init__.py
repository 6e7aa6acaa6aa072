"""The digest parser: a digest file's text → :class:`~bot.domain.models.ParsedDigest`.

Markdown goes through markdown-it-py (:mod:`.markdown`), HTML through selectolax
(:mod:`.html`); both give blocks that the named layouts of :mod:`.layouts` read. Plain text
goes through the line reader (:mod:`.plaintext`). Unless the caller names a layout, every
applicable layout reads the digest and the most convincing reading wins. The week comes
from :mod:`.week`; suspicious papers become warnings, and a digest whose papers cannot be
told with confidence is refused with :class:`~bot.domain.models.DigestParseError`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import PurePath

from rapidfuzz import fuzz

from bot.domain.models import DigestParseError, ParsedDigest, ParsedPaper
from bot.domain.parsing import fields, html, layouts, markdown, plaintext
from bot.domain.parsing import lines as fmt
from bot.domain.parsing.blocks import Reading, line_blocks
from bot.domain.parsing.week import week_of

__all__ = ["LAYOUT_NAMES", "parse_digest"]

LAYOUT_NAMES: tuple[str, ...] = tuple(dict.fromkeys([*layouts.BLOCK_LAYOUTS, *plaintext.LAYOUTS]))
MAX_GOOD_TITLE = 250  # longer "titles" are usually a whole row or paragraph
LONG_TITLE = 200  # a title this long is kept, with a warning to look at it
_ORPHAN_SIMILARITY = (
    75  # a summary line this close to another paper's summary start is a stray copy
)
_ORPHAN_PROBE = 40
MIN_SIGNED_RECORDS = 2  # one linked paper is no repeating record
CLOSE_READINGS = 0.05  # two readings this close in quality are told apart by the fields kept
# any of these makes a digest worth reading as markdown: headings, tables, lists, links,
# emphasis, blockquotes, HTML
_MARKDOWN = re.compile(
    r"^ {0,3}(?:#{1,6}\s|\||[-*+]\s|\d{1,3}[.)]\s|>|<[a-zA-Z])|\*\*|__|\]\(", re.MULTILINE
)


def _signed(paper: ParsedPaper) -> bool:
    """The paper carries a paper signature: an arXiv-like id or a link to a paper page."""
    return bool(paper.arxiv_id) or any(fields.is_paper_url(url) for url in paper.links)


def _quality(reading: Reading) -> float:
    """How convincing a reading is: papers with sane titles, summaries and paper links.

    Records that carry a paper signature count most, and a reading where few of its
    "papers" carry one (sections, setup steps, feature lists) is worth less: what repeats
    with signatures is the digest's papers.
    """
    score = 0.0
    signed = 0
    for paper in reading.papers:
        sane = len(paper.title_en) <= MAX_GOOD_TITLE and not fields.looks_like_field(paper.title_en)
        if sane:
            score += 1.0
        elif not reading.long_titles or not fmt.is_en_title(layouts.title_head(paper.title_en)):
            score -= 2.0  # a row or a paragraph read as a title; a long title counts nothing
        score += 0.5 if paper.abstract else 0.0
        if _signed(paper):
            signed += 1
            score += 1.0
        elif paper.links:
            score += 0.25
    share = signed / len(reading.papers) if reading.papers else 0.0
    return score * (0.5 + reading.confidence / 2) * (0.5 + share / 2)


def _kept_fields(reading: Reading) -> int:
    """Fields a reading keeps beyond titles: ids and Chinese titles."""
    return sum(bool(p.arxiv_id) + bool(p.title_zh) for p in reading.papers)


def _closeness_key(reading: Reading) -> tuple[int, int]:
    """Between close readings: more ids and Chinese titles kept, then fewer unsigned
    records among signed ones (sections read as papers)."""
    signed = _signed_count(reading)
    unsigned = len(reading.papers) - signed if signed else 0
    return _kept_fields(reading), -unsigned


def _signed_count(reading: Reading) -> int:
    return sum(1 for paper in reading.papers if _signed(paper))


def _best(readings: list[Reading]) -> Reading:
    """The most convincing reading, at the record level where papers carry signatures.

    When some reading's records carry paper signatures, only readings where most records
    do (and that find at least half as many signed papers as the best) compete: a level
    that also takes sections, setup steps or sign-offs for papers is the wrong level.
    max keeps the first on ties: block layouts.
    """
    most = max((_signed_count(r) for r in readings), default=0)
    eligible = [
        r
        for r in readings
        if most >= MIN_SIGNED_RECORDS and _signed_count(r) * 2 >= max(len(r.papers), most)
    ]
    ranked = sorted(eligible or readings, key=_quality, reverse=True)  # stable: ties keep order
    best = ranked[0]
    for other in ranked[1:]:
        if _quality(other) < _quality(best) * (1 - CLOSE_READINGS):
            break
        if _closeness_key(other) > _closeness_key(best):
            best = other  # close readings: the one keeping more ids and Chinese titles
    return best


SURE_MARGIN = 0.25  # the runner-up this far below the chosen reading: no doubt
PLAUSIBLE = 0.5  # a reading within this share of the chosen one is offered as another


def _sureness(best: Reading, readings: list[Reading]) -> tuple[str, tuple[str, ...]]:
    """How sure the choice was, and the other plausible layouts (different papers, at
    least half as convincing), for an admin to pick with ``format:``."""
    top = _quality(best)
    titles = [p.title_en for p in best.papers]
    others = [
        r
        for r in readings
        if r is not best and r.papers and [p.title_en for p in r.papers] != titles
    ]
    second = max((_quality(r) for r in others), default=0.0)
    margin = (top - second) / top if top > 0 else 0.0
    sureness = (
        "sure"
        if margin >= SURE_MARGIN
        else "fairly sure"
        if margin >= CLOSE_READINGS
        else "close call"
    )
    names = [
        r.layout
        for r in sorted(others, key=_quality, reverse=True)
        if _quality(r) >= top * PLAUSIBLE and r.layout in LAYOUT_NAMES and r.layout != best.layout
    ]
    return sureness, tuple(dict.fromkeys(names))


def _readings(text: str, source_name: str, layout: str | None) -> list[Reading]:
    """Every reading asked for, in the order that wins ties: block layouts, the line
    reader, then the block layouts it knows as well (:data:`layouts.LINE_READER_WINS_TIES`).

    Plain text (no markup at all) is read by the line reader and by the block layouts
    that need no markup (:data:`layouts.PLAIN_TEXT_LAYOUTS`), one block per line.
    """
    text = _without_front_matter(text)
    is_html = html.looks_like_html(text)
    plain = not is_html and not _MARKDOWN.search(text)
    if layout in plaintext.LAYOUTS and (plain or layout not in layouts.BLOCK_LAYOUTS):
        return [_line_reading(text, source_name, layout)]
    if plain and layout is None:
        lines = _line_reading(text, source_name, layout)
        if _accounts_for_every_id(lines, text):
            return [lines]  # parse once: every paper signed, every id in the text a paper
    if is_html:
        blocks = html.to_blocks(text, text)
    else:
        blocks = line_blocks(text) if plain else markdown.to_blocks(text)
    names = (
        [layout] if layout else list(layouts.PLAIN_TEXT_LAYOUTS if plain else layouts.BLOCK_LAYOUTS)
    )
    found = []
    for name in names:
        reading = layouts.BLOCK_LAYOUTS[name](blocks, False)
        if not reading.papers:
            reading = layouts.BLOCK_LAYOUTS[name](blocks, True)  # Chinese-only titles
        found.append(reading)
    if (layout is None or layout in plaintext.LAYOUTS) and not is_html:  # HTML: tag soup
        at = next(
            (i for i, r in enumerate(found) if r.layout in layouts.LINE_READER_WINS_TIES),
            len(found),
        )
        found.insert(
            at, lines if plain and layout is None else _line_reading(text, source_name, layout)
        )
    return found


_ARXIV_IDS = re.compile(r"(?<![\d.])\d{4}\.\d{4,5}(?![\d])")


def _accounts_for_every_id(reading: Reading, text: str) -> bool:
    """A plain-text reading that leaves nothing for another reading to find: at least two
    papers, all with an arXiv id, and no other id anywhere in the text."""
    papers = reading.papers
    if reading.refusal is not None or len(papers) < MIN_SIGNED_RECORDS:
        return False
    ids = {paper.arxiv_id for paper in papers}
    return None not in ids and len(ids) == len(papers) and set(_ARXIV_IDS.findall(text)) <= ids


MAX_UNREAD_LISTED = 3  # arXiv ids named in the warning about ids no paper holds


def _unread_ids(papers: list[ParsedPaper], text: str) -> list[str]:
    """A warning for arXiv ids in the text that no paper read holds (in its id, summary or
    links): a part of the digest written in another shape than the records read, which the
    admin should see before it goes out without them."""
    ids = set(_ARXIV_IDS.findall(text)) - {paper.arxiv_id for paper in papers}
    if not ids:
        return []  # the usual case: every id in the text is a paper's own
    for paper in papers:
        ids.difference_update(_ARXIV_IDS.findall(" ".join((paper.abstract, *paper.links))))
    unread: dict[str, int] = {}
    for match in _ARXIV_IDS.finditer(text):
        if match.group() in ids:
            unread.setdefault(match.group(), text.count("\n", 0, match.start()) + 1)
    if not unread:
        return []
    first = min(unread.values())
    named = ", ".join(list(unread)[:MAX_UNREAD_LISTED]) + (
        " …" if len(unread) > MAX_UNREAD_LISTED else ""
    )
    return [
        f"line {first}: {len(unread)} arXiv id(s) in no paper read ({named}): written in "
        "another shape than the papers read? Check --show, or name the layout with 'format:'"
    ]


_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
MAX_FRONT_MATTER_CHARS = 4000


_FRONT_MATTER_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _front_matter(text: str) -> dict[str, str]:
    """The ``title`` and ``date`` a blog post's front matter states (quotes dropped): what
    the page says it is and when, where its text may say neither."""
    body = _without_front_matter(text)
    if body is text:
        return {}
    settings = text[: len(text) - len(body.lstrip("\n"))]
    return {key: value.strip("'\"") for key, value in _FRONT_MATTER_FIELD.findall(settings)}


def _without_front_matter(text: str) -> str:
    """A blog post's YAML front matter (``---`` / ``title: …`` / ``---``) is the page's
    settings, not its text: blanked, so line numbers stay those of the file."""
    start = len(text) - len(text.lstrip("\n\r\t \ufeff"))
    if not text.startswith("---", start):
        return text
    first = text.find("\n", start)
    end = _FRONT_MATTER_END.search(text, first + 1, MAX_FRONT_MATTER_CHARS) if first > 0 else None
    if end is None or ":" not in text[first : end.start()]:
        return text
    return "\n" * text.count("\n", 0, end.end()) + text[end.end() :]


def _line_reading(text: str, source_name: str, layout: str | None) -> Reading:
    """The line reader's reading; a line it cannot read refuses this reading only, so
    another reading of the same digest can still win (one odd row refuses nothing)."""
    try:
        return plaintext.read_plaintext(text, source_name, layout)
    except DigestParseError as error:
        return Reading("lines", [], refusal=(error.line, error.problem))


def _drop_orphans(papers: list[ParsedPaper], warnings: list[str]) -> list[ParsedPaper]:
    """Drop summary lines that repeat another paper's summary start (stray pasted copies)."""
    starts = {p.position: p.abstract.split("\n", 1)[0][:_ORPHAN_PROBE] for p in papers}
    kept: list[ParsedPaper] = []
    for paper in papers:
        body = paper.abstract.split("\n")
        stray = [
            line
            for line in body[1:]
            if len(line) >= _ORPHAN_PROBE
            and any(
                other != paper.position
                and start
                and fuzz.ratio(line[:_ORPHAN_PROBE], start) >= _ORPHAN_SIMILARITY
                for other, start in starts.items()
            )
        ]
        if stray:
            warnings.append(
                f"line {paper.line}: {len(stray)} summary paragraph(s) of '{paper.title_en[:50]}'"
                " repeat another paper's summary; dropped"
            )
            body = [line for line in body if line not in stray]
            paper = replace(paper, abstract="\n".join(body).strip())
        kept.append(paper)
    return kept


def _warnings(papers: list[ParsedPaper], title: str | None) -> list[str]:
    """Suspicious papers: long titles, the digest's heading, missing summaries, twice an id."""
    found: list[str] = []
    with_summary = sum(1 for p in papers if p.abstract)
    seen: dict[str, int] = {}
    heading = fmt.strip_markup(title or "").casefold()
    for paper in papers:
        where = f"line {paper.line}"
        if len(paper.title_en) >= fmt.MAX_TITLE_CHARS:
            found.append(f"{where}: title cut at {fmt.MAX_TITLE_CHARS} characters")
        elif len(paper.title_en) > LONG_TITLE:
            found.append(f"{where}: title is {len(paper.title_en)} characters")
        if heading and paper.title_en.casefold() == heading:
            found.append(f"{where}: title '{paper.title_en[:60]}' is the digest's own heading")
        if not paper.abstract and with_summary * 2 > len(papers):
            found.append(f"{where}: '{paper.title_en[:60]}' has no summary")
        if paper.arxiv_id:
            if paper.arxiv_id in seen:
                found.append(f"{where}: arXiv {paper.arxiv_id} also at line {seen[paper.arxiv_id]}")
            seen.setdefault(paper.arxiv_id, paper.line)
    return found


def _dedupe(papers: list[ParsedPaper], warnings: list[str]) -> list[ParsedPaper]:
    kept: list[ParsedPaper] = []
    seen: set[str] = set()
    for paper in papers:
        key = paper.title_en.casefold()
        if key in seen:
            warnings.append(f"line {paper.line}: duplicate title '{paper.title_en[:60]}' skipped")
            continue
        seen.add(key)
        kept.append(replace(paper, position=len(kept)))
    return kept


def _without_lone_section(papers: list[ParsedPaper]) -> list[ParsedPaper]:
    """One section over every paper (``# 2024-08-27 更新``, the page's banner) says nothing
    about any of them: the papers keep no section."""
    sections = {paper.section for paper in papers}
    if len(papers) > 1 and len(sections) == 1 and None not in sections:
        return [replace(paper, section=None) for paper in papers]
    return papers


def _first_text_line(text: str) -> int:
    """The 1-based line of the first non-blank line (where a reader would look first)."""
    for number, line in enumerate(fmt.split_lines(text), 1):
        if line and not fmt.is_separator(line):
            return number
    return 1


def _name_for_week(source_name: str) -> str:
    """The file name and its folder (``2024/0212-0216.md``): where names put dates."""
    path = PurePath(source_name)
    return f"{path.parent.name}/{path.name}"


def parse_digest(
    text: str, source_name: str, layout: str | None = None, latest: date | None = None
) -> ParsedDigest:
    """Parse one digest file; raises DigestParseError (file and line) when unsure.

    ``layout`` (one of :data:`LAYOUT_NAMES`) skips detection, as ``format:`` in digests.yaml.
    ``latest`` is the last day a digest's week may be (the caller's today plus a margin).
    """
    if layout is not None and layout not in LAYOUT_NAMES:
        raise DigestParseError(source_name, 1, f"unknown layout {layout!r}")
    binary_line = fmt.looks_binary(text)
    if binary_line is not None:
        raise DigestParseError(source_name, binary_line, "binary data, not a text digest")
    if not text.strip():
        raise DigestParseError(source_name, 1, "the file is empty")
    if "\r" in text:  # one line ending for every reader (CR-only files exist)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    readings = _readings(text, source_name, layout)
    best = _best(readings)
    odd: list[str] = []
    if best.refusal is not None:
        if len(best.papers) * 2 < max(best.candidates, 1):
            raise DigestParseError(source_name, *best.refusal)  # most records are unreadable
        odd.append(f"line {best.refusal[0]}: {best.refusal[1]}; skipped")
    if not best.papers:
        raise DigestParseError(
            source_name,
            _first_text_line(text),
            "no papers found (expected '## Title' headings, a table with one paper per row, "
            "a list of '**Title**' items, numbered entries like '1. Title', or blocks of "
            "English title / Chinese title / summary)",
        )
    long_titles = [p for p in best.papers if len(p.title_en) > MAX_GOOD_TITLE]
    if len(long_titles) * 2 > len(best.papers):
        raise DigestParseError(
            source_name,
            long_titles[0].line,
            f"cannot tell the papers apart ({len(long_titles)} of {len(best.papers)} 'titles' "
            f"are over {MAX_GOOD_TITLE} characters; name the layout with 'format:')",
        )
    warnings = [*best.warnings, *odd]
    warnings.extend(  # what another reading could not read: one odd entry, skipped
        f"line {r.refusal[0]}: {r.refusal[1]}; skipped"
        for r in readings
        if r.refusal and r is not best
    )
    papers = best.papers
    if best.layout in layouts.BLOCK_LAYOUTS:
        papers = _dedupe(_drop_orphans(papers, warnings), warnings)
    papers = _without_lone_section(papers)
    warnings.extend(_warnings(papers, best.title))
    warnings.extend(_unread_ids(papers, text))
    stated = _front_matter(text)
    header = "\n".join(filter(None, [stated.get("date"), best.header_text]))
    week = week_of(header, _name_for_week(source_name), latest)
    week_start, week_end = week if week else (None, None)
    sureness, alternatives = _sureness(best, readings)
    return ParsedDigest(
        reading=best.layout,
        sureness=sureness,
        alternatives=alternatives,
        title=best.title or stated.get("title"),
        week_start=week_start,
        week_end=week_end,
        source_url=best.source_url,
        author=best.author,
        papers=tuple(papers),
        warnings=tuple(warnings),
    )
