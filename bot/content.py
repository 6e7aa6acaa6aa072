"""Reads the digest files that ``digests.yaml`` lists and parses them.

A file that is missing, too large or cannot be parsed is reported (file and line) and
left out; the others still load. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from bot.config import BotConfig, DigestEntry
from bot.domain.models import DigestParseError, ParsedDigest, copied_into
from bot.domain.paper_groups import appearance_order, grouped, paper_keys
from bot.domain.parsing import parse_digest
from bot.domain.preview import DigestPreview
from bot.domain.render import shorten
from bot.domain.searchtext import compact
from bot.domain.topics import Taxonomy

# Part of every digest's config hash: bump it when the same file yields different stored
# papers (a new stored field, a parser fix), so each stored digest is re-read once.
PARSE_REVISION = "4: records with paper signatures, bilingual field labels"


@dataclass(frozen=True, slots=True)
class TaggedPaper:
    """A parsed paper with the topics the taxonomy gave it."""

    title_en: str
    title_zh: str | None
    abstract: str
    arxiv_id: str | None
    url: str | None
    links: tuple[str, ...]
    section: str | None
    position: int
    topics: tuple[str, ...]
    authors: str | None = None
    venue: str | None = None
    line: int = 0  # of the title in the file (for check's warnings)


@dataclass(frozen=True, slots=True)
class LoadedDigest:
    """A digest ready for the store: config facts merged with what the file says."""

    entry: DigestEntry
    title: str
    week_start: date | None
    week_end: date | None
    source_url: str | None
    author: str | None
    content_hash: str
    config_hash: str
    papers: tuple[TaggedPaper, ...]
    warnings: tuple[str, ...] = ()  # ``file:line: warning``
    reading: str = ""  # the parser's chosen layout and how sure (see ParsedDigest)
    sureness: str = ""
    alternatives: tuple[str, ...] = ()
    topic_names: tuple[tuple[str, str], ...] = ()  # (id, English name) of its topics

    def preview(self, listed: bool = True) -> DigestPreview:
        """What ``check --show`` and ``/preview`` show of it (``listed``: in digests.yaml)."""
        return DigestPreview(
            id=self.entry.id if listed else None,
            file=str(self.entry.file),
            title=self.title,
            week_start=self.week_start,
            week_end=self.week_end,
            papers=self.papers,
            warnings=self.warnings,
            reading=self.reading,
            sureness=self.sureness if self.entry.format is None else "",
            alternatives=self.alternatives,
            topic_names=dict(self.topic_names),
        )


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Every digest that loaded, and one line per problem (``file:line: problem``)."""

    digests: tuple[LoadedDigest, ...]
    problems: tuple[str, ...]
    refused_ids: frozenset[str] = frozenset()  # listed digests whose file was refused
    unchanged_ids: frozenset[str] = frozenset()  # listed, stored, and not changed since


def taxonomy_fingerprint(taxonomy: Taxonomy) -> str:
    """Changes whenever tagging could change, so re-tagging follows a topics.yaml edit."""
    text = repr([(t.id, t.name_en, t.name_zh, t.aliases, t.keywords) for t in taxonomy.topics])
    return hashlib.sha256(f"{text}|{taxonomy.fallback_id}".encode()).hexdigest()


_WARNING_LINE = re.compile(r"line (\d+): ")


def _located(file: Path, warning: str) -> str:
    """``file:line: warning`` (the form editors jump to) from the parser's ``line N: …``."""
    match = _WARNING_LINE.match(warning)
    if match is None:
        return f"{file}: {warning}"
    return f"{file}:{match.group(1)}: {warning[match.end() :]}"


MAX_DIGEST_FILE_BYTES = 2 * 1024 * 1024  # a week of papers is ~50 KB; more is not a digest


def _read(entry: DigestEntry) -> tuple[bytes, str]:
    size = entry.file.stat().st_size
    if size > MAX_DIGEST_FILE_BYTES:  # refused before reading or parsing anything
        limit = MAX_DIGEST_FILE_BYTES // (1024 * 1024)
        raise DigestParseError(
            str(entry.file), 1, f"file is {size / 1024 / 1024:.1f} MB, over the {limit} MB limit"
        )
    raw = entry.file.read_bytes()
    return raw, hashlib.sha256(raw).hexdigest()


def listed_file_hash(entry: DigestEntry) -> str | None:
    """The content hash of a listed digest's file as it is on disk (None if unreadable)."""
    try:
        return _read(entry)[1]
    except (OSError, DigestParseError):
        return None


def _config_hash(entry: DigestEntry, fingerprint: str) -> str:
    meta = repr((entry.title, entry.week, entry.source, entry.position, str(entry.file.name)))
    if entry.format:  # a named layout changes what the file yields
        meta += f"|format={entry.format}"
    if entry.skip:  # stored with the digest: the publisher passes it over
        meta += "|skip"
    return hashlib.sha256(f"{meta}|{fingerprint}|{PARSE_REVISION}".encode()).hexdigest()


def _parse_entry(
    entry: DigestEntry, raw: bytes, content_hash: str, taxonomy: Taxonomy, fingerprint: str
) -> LoadedDigest:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DigestParseError(str(entry.file), line, "not UTF-8 text") from exc
    parsed: ParsedDigest = parse_digest(text, str(entry.file), layout=entry.format)
    week_start = entry.week or parsed.week_start
    week_end = parsed.week_end
    if week_end is None and week_start is not None:
        week_end = week_start + timedelta(days=6)
    title = entry.title or parsed.title
    if not title:
        title = f"Week of {week_start.isoformat()}" if week_start else entry.id
    papers = tuple(
        copied_into(
            TaggedPaper,
            p,
            links=tuple(p.links),
            position=index,
            topics=tuple(taxonomy.tag(p.title_en, p.title_zh, p.section, p.abstract)),
        )
        for index, p in enumerate(parsed.papers)
    )
    return LoadedDigest(
        entry=entry,
        title=title,
        week_start=week_start,
        week_end=week_end,
        source_url=entry.source or parsed.source_url,
        author=parsed.author,
        content_hash=content_hash,
        config_hash=_config_hash(entry, fingerprint),
        papers=papers,
        warnings=tuple(_located(entry.file, w) for w in parsed.warnings),
        reading=parsed.reading,
        sureness=parsed.sureness,
        alternatives=parsed.alternatives,
        topic_names=tuple(
            (t.id, t.name_en)
            for t in taxonomy.topics
            if any(t.id in paper.topics for paper in papers)
        ),
    )


def load_content(
    config: BotConfig, known: Mapping[str, tuple[str, str]] | None = None
) -> LoadResult:
    """Parse every listed digest; broken files become problems, the rest load.

    ``known`` maps digest ids to the (content, config) hashes already stored: those
    digests are only read and hashed, not parsed (``LoadResult.unchanged_ids``), so adding
    one digest to a long archive costs one parse.
    """
    fingerprint = taxonomy_fingerprint(config.taxonomy)
    known = known or {}
    loaded: list[LoadedDigest] = []
    problems: list[str] = []
    refused: set[str] = set()
    unchanged: set[str] = set()
    for entry in config.digests:
        try:
            raw, content_hash = _read(entry)
            if known.get(entry.id) == (content_hash, _config_hash(entry, fingerprint)):
                unchanged.add(entry.id)
                continue
            loaded.append(_parse_entry(entry, raw, content_hash, config.taxonomy, fingerprint))
        except DigestParseError as exc:
            problems.append(f"{exc.file}:{exc.line}: {exc.problem} (digest {entry.id} refused)")
            refused.add(entry.id)
        except OSError as exc:
            reason = (
                "file not found"
                if isinstance(exc, FileNotFoundError)
                else f"cannot read: {exc.strerror}"
            )
            problems.append(f"{entry.file}:1: {reason} (digest {entry.id} refused)")
            refused.add(entry.id)
    if not unchanged:  # every listed digest was read: repeats across them can be told
        loaded = _with_repeat_warnings(config, loaded)
    return LoadResult(tuple(loaded), tuple(problems), frozenset(refused), frozenset(unchanged))


def _with_repeat_warnings(config: BotConfig, loaded: list[LoadedDigest]) -> list[LoadedDigest]:
    """``loaded`` with a warning on each digest that repeats another: the same file or text
    as an earlier entry, or papers an earlier digest has (same arXiv id or folded title,
    :mod:`bot.domain.paper_groups`) — the bot shows such a paper once, as first listed."""
    order = sorted(loaded, key=lambda d: appearance_order(d.week_start, d.entry.position, 0))
    extra: dict[str, list[str]] = {}
    same: set[tuple[str, str]] = set()
    # the first digest of each file and of each text: one look-up per digest, not a pass
    # over every earlier one (a thousand-digest archive)
    by_file: dict[Path, int] = {}
    by_text: dict[str, int] = {}
    for index, digest in enumerate(order):
        file = digest.entry.file.resolve()
        first_file = by_file.setdefault(file, index)
        first_text = by_text.setdefault(digest.content_hash, index)
        earlier_index = min(first_file, first_text)
        if earlier_index == index:
            continue
        earlier = order[earlier_index]
        if earlier_index == first_file:
            what = f"the same file as {earlier.entry.id} in {config.digests_path.name}"
        else:
            what = f"the same text as {earlier.entry.id} ({earlier.entry.file})"
        same.add((digest.entry.id, earlier.entry.id))
        extra.setdefault(digest.entry.id, []).append(
            f"{digest.entry.file}:1: {digest.entry.id} names {what}: every paper is a repeat"
        )
    appearances = [(d, p) for d in order for p in d.papers]
    for group in grouped(appearances, lambda a: paper_keys(a[1].arxiv_id, compact(a[1].title_en))):
        first_digest, first = group[0]
        for digest, paper in group[1:]:
            if digest is first_digest or (digest.entry.id, first_digest.entry.id) in same:
                continue  # within one digest the parser warns; a copied file is said once
            extra.setdefault(digest.entry.id, []).append(
                f"{digest.entry.file}:{paper.line}: repeats a paper of {first_digest.entry.id} "
                f"({first_digest.entry.file}:{first.line}): {shorten(paper.title_en, 80)} "
                "(one search result and card for both)"
            )
    return [
        replace(d, warnings=(*d.warnings, *extra[d.entry.id])) if d.entry.id in extra else d
        for d in loaded
    ]


def listed_entry(config: BotConfig, key: str, files: bool = True) -> DigestEntry | None:
    """The ``digests.yaml`` entry whose id is ``key`` (any case) or, with ``files``, whose
    file it names."""
    wanted = key.strip().lower()
    for entry in config.digests:
        if entry.id == wanted:
            return entry
    path = Path(key.strip()).expanduser()
    if files and path.is_file():
        resolved = path.resolve()
        return next((e for e in config.digests if e.file.resolve() == resolved), None)
    return None


def _preview(config: BotConfig, entry: DigestEntry, listed: bool) -> DigestPreview:
    raw, content_hash = _read(entry)
    fingerprint = taxonomy_fingerprint(config.taxonomy)
    return _parse_entry(entry, raw, content_hash, config.taxonomy, fingerprint).preview(listed)


def preview_listed(config: BotConfig, key: str, files: bool = True) -> DigestPreview | None:
    """A listed digest (by id or, with ``files``, by file) parsed and tagged as ingestion
    would, None when it is not listed; raises DigestParseError for a refused file, OSError
    for an unreadable one."""
    entry = listed_entry(config, key, files)
    return _preview(config, entry, listed=True) if entry is not None else None


MAX_UPLOAD_BYTES = 1024 * 1024  # a digest sent in the chat; a week of papers is ~50 KB


def parse_upload(config: BotConfig, entry: DigestEntry, raw: bytes) -> LoadedDigest:
    """A digest sent in the chat (not on disk yet), parsed and tagged as it will be once
    written to ``entry.file`` and listed. Raises DigestParseError (binary, not UTF-8, over
    :data:`MAX_UPLOAD_BYTES`, no papers)."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DigestParseError(
            str(entry.file), 1, f"{len(raw) / 1024 / 1024:.1f} MB, over the 1 MB limit"
        )
    if b"\x00" in raw:  # text never holds NUL; UTF-16 and binaries do
        raise DigestParseError(str(entry.file), 1, "binary data, not a text file")
    content_hash = hashlib.sha256(raw).hexdigest()
    fingerprint = taxonomy_fingerprint(config.taxonomy)
    return _parse_entry(entry, raw, content_hash, config.taxonomy, fingerprint)


def preview_file(config: BotConfig, path: Path) -> DigestPreview:
    """A digest file not (yet) in ``digests.yaml``, parsed and tagged as it would be once
    listed; the week and title come from the file alone. Raises as ``preview_listed``."""
    entry = DigestEntry(id=path.name, file=path.resolve())
    return _preview(config, entry, listed=False)
