"""Edits of ``digests.yaml`` and ``content/`` made from the chat (✅ Add, ``/queue``).

The config stays the source of truth: an upload becomes a file in ``content/`` and an
entry in ``digests.yaml``, exactly what an admin with a shell would write. ``ruamel.yaml``
reads and writes the list round-trip, so comments, key order, quoting and the rest of the
file survive byte for byte (PyYAML would drop the comments). Every write goes to a
temporary file in the same folder, then ``os.replace``: a reader (another instance, a
crash halfway) sees the old file or the new one, never half of one. Edits are serialised
by an ``flock`` on the config folder, so two admins' edits never lose one another.

ruamel.yaml writes YAML 1.2 and the bot reads the file with PyYAML (YAML 1.1): a string
either reader would take for something else (``no``, ``010``, ``1e3``) is written in
double quotes, and the whole new file is read back with the bot's own reader before
anything is written, so an edit that would not load again writes nothing.

A folder that cannot be written (a container image, an ephemeral platform disk) raises
:class:`ReadOnlyConfig`: the caller sends the admin the two things to commit instead.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from bot.config import BotConfig, ConfigError, digest_id_problem, parse_digests
from bot.yaml_io import yaml_reads_as

_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_SEQUENCE_DASH = re.compile(r"^( *)- ", re.MULTILINE)


class ReadOnlyConfig(Exception):
    """The config or content folder cannot be written; ``folder`` says which."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(f"{folder} is read-only")


class ConfigEditError(Exception):
    """An edit that does not apply (an unknown id, a file name taken by other text)."""


@dataclass(frozen=True, slots=True)
class NewDigest:
    """What ✅ Add writes: the file's bytes and the entry appended to digests.yaml."""

    digest_id: str
    suffix: str  # ".md" or ".txt"
    content: bytes
    week: date | None
    format: str | None = None  # the reading the admin picked in the preview (``format:``)


@dataclass(frozen=True, slots=True)
class Written:
    """Where a new digest went (or would go, for a read-only folder)."""

    file: Path  # the digest file in content/
    entry_text: str  # the YAML item appended to digests.yaml


def file_name(digest_id: str, suffix: str) -> str:
    """The digest's file name in content/: its id, never a name sent by a user."""
    problem = digest_id_problem(digest_id)
    if problem or suffix not in (".md", ".txt"):
        raise ConfigEditError(problem or f"not a digest file type: {suffix!r}")
    return digest_id + suffix


def content_folder(config: BotConfig) -> Path:
    """Where new digest files go: the folder of the last listed digest, else ``content/``
    beside the config folder."""
    if config.digests:
        return config.digests[-1].file.parent
    return config.digests_path.parent.parent / "content"


def _mkstemp(folder: Path, name: str) -> tuple[int, str]:
    """A temporary file beside ``name`` (a module function: tests make it fail)."""
    return tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    ``os.replace``; ReadOnlyConfig when the folder cannot be written."""
    try:
        fd, temp = _mkstemp(path.parent, path.name)
    except OSError as exc:
        if exc.errno in _READ_ONLY_ERRNOS:
            raise ReadOnlyConfig(path.parent) from exc
        raise
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():  # keep the file's permissions (a 0644 config stays 0644)
            os.chmod(temp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def config_lock(folder: Path) -> Iterator[None]:
    """Hold the config folder's lock: one edit of digests.yaml at a time, across processes
    on this machine (a lock on the folder works even when it is read-only)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML writer that indents lists as ``text`` already does."""
    yaml = YAML()  # typ="rt": comments, order and quotes are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-fold a long title
    match = _SEQUENCE_DASH.search(text)
    offset = len(match.group(1)) if match else 0
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _load(path: Path) -> tuple[YAML, str, Any, CommentedSeq]:
    """The round-trip document and its list of digests (the list itself, or ``digests:``).

    The text is the file's exact bytes decoded (``read_text`` would turn CRLF into LF)."""
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    yaml = _yaml_for(text)
    data = yaml.load(text) if text.strip() else None
    if data is None:
        data = CommentedSeq()
    items = data["digests"] if isinstance(data, CommentedMap) else data
    if not isinstance(items, CommentedSeq):
        raise ConfigEditError(f"{path}: expected a list of digests")
    return yaml, text, data, items


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _like(original: str, dumped: str) -> str:
    """``dumped`` with the original's line endings and (lack of a) final newline: ruamel.yaml
    writes LF and always ends with one."""
    if "\r\n" in original:
        dumped = dumped.replace("\r\n", "\n").replace("\n", "\r\n")
    if original and not original.endswith("\n"):
        dumped = dumped.rstrip("\r\n")
    return dumped


def _appended(yaml: YAML, text: str, data: Any, items: CommentedSeq, entry: CommentedMap) -> str:
    """``text`` with ``entry`` written after its last line: every byte before stays as it
    was (a round-trip dump may still re-space a line). Falls back to the dump where the list
    of digests is not what ends the file (another key after ``digests:``, a flow list)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    match = _SEQUENCE_DASH.search(text)
    indent = match.group(1) if match else ""
    block = _dump(_yaml_for(""), CommentedSeq([entry]))
    lines = [indent + line for line in block.splitlines()]
    head = text if not text or text.endswith("\n") else text + newline
    candidate = head + newline.join(lines) + newline
    try:
        loaded = _yaml_for(candidate).load(candidate)
        listed = loaded["digests"] if isinstance(loaded, CommentedMap) else loaded
        fits = list(listed) == list(items)
    except Exception:  # the append did not parse as intended: write the round trip
        fits = False
    return candidate if fits else _like(text, _dump(yaml, data))


def _entry(config: BotConfig, new: NewDigest, file: Path) -> CommentedMap:
    relative = os.path.relpath(file, config.digests_path.parent)
    entry = CommentedMap()
    entry["id"] = _text(new.digest_id)
    entry["file"] = _text(str(PurePosixPath(*Path(relative).parts)))
    if new.week is not None:
        entry["week"] = new.week
    if new.format is not None:
        entry["format"] = new.format
    return entry


def _text(value: str) -> str:
    """``value`` as ruamel.yaml should write it: in quotes when a YAML 1.1 or 1.2 reader
    would read the plain form as anything but this text."""
    return value if yaml_reads_as(value) == value else DoubleQuotedScalarString(value)


def _checked(path: Path, text: str, today: date | None) -> bytes:
    """The new digests.yaml as bytes, once the bot's own reader accepts it whole."""
    try:
        parse_digests(path, text, today)
    except ConfigError as exc:
        raise ConfigEditError(f"not written: {exc}") from exc
    return text.encode()


def entry_text(config: BotConfig, new: NewDigest) -> str:
    """The YAML item ✅ Add appends, as text (what a read-only config gets to commit)."""
    file = content_folder(config) / file_name(new.digest_id, new.suffix)
    seq = CommentedSeq([_entry(config, new, file)])
    text = config.digests_path.read_text(encoding="utf-8") if config.digests_path.exists() else ""
    return _dump(_yaml_for(text), seq)


def add_digest(config: BotConfig, new: NewDigest, today: date | None = None) -> Written:
    """Write the digest file into content/ and append its entry to digests.yaml, each
    atomically. ReadOnlyConfig when a folder cannot be written (nothing is left behind);
    ConfigEditError when the id is taken or the file name holds other text."""
    folder = content_folder(config)
    file = folder / file_name(new.digest_id, new.suffix)
    digests_path = config.digests_path
    with config_lock(digests_path.parent):
        yaml, text, data, items = _load(digests_path)
        if any(str(item.get("id")) == new.digest_id for item in items):
            raise ConfigEditError(f"digest id {new.digest_id!r} is taken")
        if file.exists() and file.read_bytes() != new.content:
            raise ConfigEditError(f"{file} exists already with other text")
        entry = _entry(config, new, file)
        items.append(entry)
        new_text = _checked(digests_path, _appended(yaml, text, data, items, entry), today)
        created = not file.exists()
        atomic_write(file, new.content)
        try:
            atomic_write(digests_path, new_text)
        except BaseException:
            if created:  # no file in content/ that digests.yaml does not list
                with contextlib.suppress(OSError):
                    file.unlink()
            raise
    return Written(file=file, entry_text=_dump(yaml, CommentedSeq([entry])))


def _index(items: CommentedSeq, digest_id: str) -> int:
    for index, item in enumerate(items):
        if isinstance(item, CommentedMap) and str(item.get("id")) == digest_id:
            return index
    raise ConfigEditError(f"no digest {digest_id!r} in digests.yaml")


def move_digest(config: BotConfig, digest_id: str, before: str | None, after: str | None) -> None:
    """Move ``digest_id`` to just before ``before`` or just after ``after`` (another
    listed id) in digests.yaml: the list order is the publishing order. Comment lines above
    an entry move with it; the file's header and trailing comments stay where they are."""
    digests_path = config.digests_path
    with config_lock(digests_path.parent):
        yaml, text, data, items = _load(digests_path)
        order = list(range(len(items)))
        moving = _index(items, digest_id)
        order.remove(moving)
        if before is not None:
            order.insert(order.index(_index(items, before)), moving)
        elif after is not None:
            order.insert(order.index(_index(items, after)) + 1, moving)
        else:
            raise ConfigEditError("move where?")
        _reorder(data, items, order)
        atomic_write(digests_path, _checked(digests_path, _like(text, _dump(yaml, data)), None))


def _tail(item: CommentedMap) -> Any:
    """The comment token after an entry's last value: the rest of its last line, then the
    comment and blank lines up to the next entry (ruamel.yaml keeps them there)."""
    entry = item.ca.items.get(list(item)[-1])
    return entry[2] if entry and len(entry) > 2 else None


def _reorder(data: Any, items: CommentedSeq, order: list[int]) -> None:
    """Put ``items`` in ``order``, each with the comment lines written above it.

    ruamel.yaml stores the comments above an entry on the entry before it; moved as is,
    they would follow the wrong entry. So each tail is split into the previous entry's own
    line end and the next entry's leading lines, and joined again in the new order. Where
    the layout is not the simple one (a nested last value, a ``digests:`` mapping with a
    comment to move to the top), the entries move alone (comments stay with the entry above).
    """
    simple = all(
        isinstance(item, CommentedMap)
        and item
        and not isinstance(item[list(item)[-1]], CommentedMap | CommentedSeq)
        for item in items
    )
    own: list[str] = []
    leading = [""]
    for item in items if simple else ():
        token = _tail(item)
        text = token.value if token is not None else "\n"
        cut = text.index("\n") + 1 if "\n" in text else len(text)
        own.append(text[:cut])
        leading.append(text[cut:])
    first = order[0]
    if simple and leading[first] and not isinstance(data, CommentedSeq):
        simple = False  # no header to put the new first entry's comment in
    if not simple:
        items[:] = [items[index] for index in order]
        return
    trailer = leading.pop()  # after the last entry: stays at the end
    if leading[first]:  # the new first entry's comment goes under the file's header
        if data.ca.comment is None:
            data.ca.comment = [None, []]
        data.ca.comment[1].append(CommentToken(leading[first], CommentMark(0), None))
        leading[first] = ""
    for position, index in enumerate(order):
        following = leading[order[position + 1]] if position + 1 < len(order) else trailer
        _set_tail(items[index], own[index] + following)
    items[:] = [items[index] for index in order]


def _set_tail(item: CommentedMap, text: str) -> None:
    token = _tail(item)
    if token is not None:
        token.value = text
    elif text != "\n":
        slots = item.ca.items.setdefault(list(item)[-1], [None, None, None, None])
        slots[2] = CommentToken(text, CommentMark(0), None)


def set_skip(config: BotConfig, digest_id: str, skip: bool) -> None:
    """Set (or remove) ``skip: true`` on a digest's entry in digests.yaml."""
    digests_path = config.digests_path
    with config_lock(digests_path.parent):
        yaml, text, data, items = _load(digests_path)
        item = items[_index(items, digest_id)]
        if skip:
            item["skip"] = True
        else:
            item.pop("skip", None)
        atomic_write(digests_path, _checked(digests_path, _like(text, _dump(yaml, data)), None))
