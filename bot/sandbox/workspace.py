"""The sandbox's own copy of the config and content files (``python -m bot sandbox``).

The sandbox runs the real bot, and the real bot edits its files: ✅ Add writes a digest
into content/ and an entry into digests.yaml, ``/queue`` reorders digests.yaml. Run on the
real files, a newcomer's test upload would be published next Monday. So the sandbox copies
the files the config names (bot.yaml, digests.yaml, topics.yaml, every digest file) into a
folder of its own, keeping their layout, and runs on the copy (and on a database in it).

The folder is temporary, or ``--keep DIR``: kept after the session, with a marker that
remembers where each file came from, so :meth:`Workspace.changes` can say what the session
changed and a second ``--keep DIR`` carries on with the same copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from bot.config import BotConfig, Environment, load_config
from bot.store.config_files import atomic_write, content_folder

MARKER = ".bot-sandbox.json"  # in a kept copy: where each file came from
DATABASE = "sandbox.sqlite3"


class WorkspaceError(Exception):
    """The copy cannot be made (a folder that is not the sandbox's, a path it cannot copy)."""


@dataclass
class Workspace:
    """The sandbox's copy: its folder, the config loaded from it, the originals."""

    folder: Path
    config: BotConfig  # loaded from the copy, on the sandbox's database
    originals: dict[str, Path]  # path in the copy (relative, POSIX) → the real file
    kept: bool
    continued: bool = False  # a kept copy from an earlier session
    # bot.yaml before and after :admin added the sandbox's user (undone on leaving)
    _admin_edit: tuple[bytes, bytes] | None = None

    def changes(self) -> list[tuple[str, str]]:
        """``(what, path in the copy)`` for every file the session changed: ``changed``,
        ``new`` or ``removed``, sorted by path."""
        found: list[tuple[str, str]] = []
        for name, original in self.originals.items():
            copy = self.folder / name
            if not copy.exists():
                found.append(("removed", name))
            elif not original.exists() or copy.read_bytes() != original.read_bytes():
                found.append(("changed", name))
        for path in self.folder.rglob("*"):
            name = path.relative_to(self.folder).as_posix()
            if path.is_file() and name not in self.originals and not _own(name):
                found.append(("new", name))
        return sorted(found, key=lambda item: item[1])

    def original_of(self, name: str) -> Path:
        """Where a file of the copy belongs in the real tree (a new file: beside its
        folder's original)."""
        if name in self.originals:
            return self.originals[name]
        folder = Path(name).parent.as_posix()
        for known, original in self.originals.items():
            if Path(known).parent.as_posix() == folder:
                return original.parent / Path(name).name
        return self.folder / name

    def add_admin(self, user_id: int) -> None:
        """Make ``user_id`` a bot admin in the copy's bot.yaml, so every reload of the
        config (✅ Add, ``/queue``, ``/reload``) keeps it; :meth:`drop_admin` undoes it."""
        path = self.config.path
        before = path.read_bytes()
        yaml = YAML()  # round trip: the copy keeps its comments
        yaml.preserve_quotes = True
        data = yaml.load(before.decode("utf-8"))
        if user_id in (data.get("admins") or []):
            return
        if data.get("admins") is None:
            data["admins"] = [user_id]
        else:
            data["admins"].append(user_id)
        out = _Text()
        yaml.dump(data, out)
        after = out.value.encode("utf-8")
        atomic_write(path, after)
        if self._admin_edit is None:
            self._admin_edit = (before, after)

    def drop_admin(self) -> None:
        """Take the sandbox's user out of the copy's bot.yaml again (if nothing else edited
        it since), so a kept copy does not carry a made-up admin."""
        if self._admin_edit is None:
            return
        before, after = self._admin_edit
        path = self.config.path
        if path.exists() and path.read_bytes() == after:
            atomic_write(path, before)
        self._admin_edit = None


class _Text:
    """A write-only text stream (ruamel dumps to a stream)."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str | bytes) -> None:
        self.value += text.decode("utf-8") if isinstance(text, bytes) else text


def _own(name: str) -> bool:
    """Files of the sandbox itself, not of the bot's tree (marker, database, temporaries)."""
    base = Path(name).name
    return name == MARKER or base.startswith(DATABASE) or base.startswith(".")


@contextlib.contextmanager
def sandbox_workspace(
    config: BotConfig, keep: Path | None = None, database: str | None = None
) -> Iterator[Workspace]:
    """The copy for one session, in ``keep`` or a temporary folder (deleted afterwards),
    on ``database`` or a SQLite file in the folder."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="bot-sandbox-") as scratch:
            yield _prepare(config, Path(scratch), database, kept=False)
        return
    yield _prepare(config, keep.resolve(), database, kept=True)


def _prepare(config: BotConfig, folder: Path, database: str | None, kept: bool) -> Workspace:
    marker = folder / MARKER
    url = database or f"sqlite:///{folder / DATABASE}"
    if marker.exists():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        originals = {name: Path(path) for name, path in saved["originals"].items()}
        copied = load_config(folder / saved["config"], Environment(database_url=url))
        return Workspace(folder, copied, originals, kept, continued=True)
    if folder.exists() and any(folder.iterdir()):
        raise WorkspaceError(f"{folder} is not empty and holds no sandbox copy: choose another")
    folder.mkdir(parents=True, exist_ok=True)
    originals, config_name = _copy(config, folder)
    copied = load_config(folder / config_name, Environment(database_url=url))
    _check_inside(copied, folder)
    if kept:
        marker.write_text(
            json.dumps(
                {"config": config_name, "originals": {k: str(v) for k, v in originals.items()}},
                indent=1,
            ),
            encoding="utf-8",
        )
    return Workspace(folder, copied, originals, kept)


def _copy(config: BotConfig, folder: Path) -> tuple[dict[str, Path], str]:
    """Copy the files ``config`` names into ``folder``, keeping their layout below their
    common folder; absolute paths in the YAML are pointed at the copies."""
    files = [config.path, config.digests_path, config.topics_path]
    files += [entry.file for entry in config.digests if entry.file.is_file()]
    target = content_folder(config)
    base = Path(os.path.commonpath([f.parent for f in files] + [target]))
    originals: dict[str, Path] = {}
    for file in dict.fromkeys(files):  # once each, in order
        name = file.relative_to(base).as_posix()
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, folder / name)
        originals[name] = file
    (folder / target.relative_to(base)).mkdir(parents=True, exist_ok=True)
    # an absolute path in bot.yaml or digests.yaml would still name the real file
    for yaml_file in (config.path, config.digests_path):
        copy = folder / yaml_file.relative_to(base)
        text = copy.read_text(encoding="utf-8")
        edited = text
        for file in files:
            if str(file) in edited:
                edited = edited.replace(str(file), str(folder / file.relative_to(base)))
        if edited != text:
            copy.write_text(edited, encoding="utf-8")
    return originals, config.path.relative_to(base).as_posix()


def _check_inside(config: BotConfig, folder: Path) -> None:
    """Refuse a copy whose config still names a real file (it would be edited)."""
    paths = [config.path, config.digests_path, config.topics_path, content_folder(config)]
    paths += [entry.file for entry in config.digests]
    for path in paths:
        if not path.resolve().is_relative_to(folder.resolve()):
            raise WorkspaceError(f"cannot copy {path} into the sandbox (write it relative)")


def quit_notes(workspace: Workspace) -> list[str]:
    """What ``:quit`` says about the copy: where it is, what changed, how to keep it."""
    changes = workspace.changes()
    listed = ", ".join(f"{name} ({what})" for what, name in changes)
    if not workspace.kept:
        notes = [f"the sandbox ran on a copy of config/ and content/ in {workspace.folder}"]
        notes.append(
            f"the copy is deleted now and your files are unchanged; the session changed {listed}"
            if changes
            else "the copy is deleted now; nothing in it had changed"
        )
        notes.append("to keep the copy and its changes: python -m bot sandbox --keep DIR")
        return notes
    notes = [f"the copy is kept in {workspace.folder}; your files are unchanged"]
    if changes:
        notes.append(f"changed in the copy: {listed}")
        notes.append("to keep a change, copy it over your file:")
        notes.extend(
            f"  cp {workspace.folder / name} {workspace.original_of(name)}"
            for what, name in changes
            if what != "removed"
        )
    notes.append(f"python -m bot sandbox --keep {workspace.folder} carries on with this copy")
    return notes
