"""YAML as the config files are read: PyYAML (YAML 1.1, libyaml when present), with the
mistakes an admin makes turned into one line, and what the writer (ruamel.yaml, YAML 1.2)
must quote.

A syntax error names its line and column and what to check in plain words; an impossible
date (``2025-02-30``) is refused at its line instead of raising from the date constructor.
:func:`yaml_reads_as` says what either reader makes of a plain scalar, so an id such as
``no`` or ``010`` is refused or quoted instead of coming back as false or 8.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import yaml


class YamlProblem(Exception):
    """A YAML text that cannot be read: the message is one line (where, what to check)."""


def yaml_reads_as(text: str) -> Any:
    """What a YAML reader makes of ``text`` written unquoted: the text itself when YAML 1.1
    (PyYAML, which reads the config) and YAML 1.2 (ruamel.yaml, which edits it) both read it
    as that text, else the first other value one of them reads (``no`` → False, ``010`` → 8
    in YAML 1.1, ``1_000``, ``.inf``, ``2024-02-26`` a date, ``~`` None …). ``y`` and
    ``n`` count as booleans: the YAML 1.1 spec says so, though PyYAML reads them as text."""
    if text.lower() in ("y", "n"):
        return text.lower() == "y"
    try:
        old = yaml.load(text, Loader=_SAFE_LOADER)
    except (yaml.YAMLError, ValueError, OverflowError):
        old = None
    if old != text:
        return old
    try:
        new = _yaml12().load(text)
    except Exception:  # ruamel raises its own error classes for odd scalars; any means "no"
        return None
    return text if new == text else new


def yaml_word(value: Any) -> str:
    """``False`` → "false", ``None`` → "empty (null)", ``8`` → "the number 8"."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "empty (null)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return repr(value)


def parse_yaml(text: str) -> Any:
    """``text`` read as YAML 1.1 (PyYAML); a mistake is one line with its line and column
    and, for the usual slips, what to check in plain words."""
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = exc.problem or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError):
            raise YamlProblem(f"{where}: {problem}") from exc
        hint = _syntax_hint(exc)
        raise YamlProblem(f"YAML syntax error at {where}: {problem} — {hint}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax error: {exc}") from exc


_SYNTAX_HINTS = (
    ("tab character", "a tab: indent with spaces only"),
    ("found character '\\t'", "a tab: indent with spaces only"),
    ("mapping values are not allowed", "a ':' inside a value: put that value in quotes"),
    ("could not find expected ':'", "a line without 'key: value', or a quote left open above"),
    ("expected <block end>", "the indentation: keys of one entry start in the same column"),
    ("expected '-' indicator", "the indentation: keys of one entry start in the same column"),
    ("end of stream", "a quote or bracket that is never closed"),
    ("expected ',' or ']'", "a '[' list without its ']' (or a ',' missing)"),
    ("expected ',' or '}'", "a '{' mapping without its '}' (or a ',' missing)"),
    ("found undefined alias", "a value starting with '*': put it in quotes"),
    ("found character '@'", "a value starting with '@' or '`': put it in quotes"),
    ("found character '`'", "a value starting with '@' or '`': put it in quotes"),
    ("found duplicate anchor", "a value starting with '&': put it in quotes"),
)


def _syntax_hint(exc: yaml.MarkedYAMLError) -> str:
    """What to check for a YAML syntax error, in plain words."""
    text = f"{exc.context or ''} {exc.problem or ''}"
    for needle, hint in _SYNTAX_HINTS:
        if needle in text:
            return f"check {hint}"
    return "check the indentation, quotes and the ':' after each key on that line or the one above"


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """YAML 1.1 dates, an impossible one (``2025-02-30``) refused at its line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date ({exc})", node.start_mark
        ) from exc


# libyaml's loader when present: a digests.yaml of years of weeks loads in ms
class _SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader that refuses impossible dates with their line."""


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_SAFE_LOADER: Any = _SafeLoader


@functools.cache
def _yaml12() -> Any:
    """ruamel.yaml's YAML 1.2 reader (what edits digests.yaml), made on first use."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True)


def item_lines(text: str) -> dict[int | str, int]:
    """The 1-based line of each digests.yaml item, by its index (for messages only)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "digests"), None)
    if not isinstance(node, yaml.SequenceNode):
        return {}
    return {index: item.start_mark.line + 1 for index, item in enumerate(node.value)}
