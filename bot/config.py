"""Typed configuration: reads ``config/bot.yaml``, ``digests.yaml`` and ``topics.yaml``.

Every problem becomes one :class:`ConfigError` naming the file, the key and what is
wrong, so ``python -m bot`` can print a single line instead of a traceback.
Secrets never live here: the token and overrides come from the environment
(:class:`Environment`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.domain.parsing import LAYOUT_NAMES
from bot.domain.topics import Taxonomy, Topic

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "bot.yaml"
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DIGEST_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


class ConfigError(Exception):
    """A configuration problem: ``file: key: problem``."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + problem)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the weekly post goes out, in the configured timezone."""

    day_of_week: str  # one of DAYS_OF_WEEK
    time: time
    catch_up_days: float = 3.0  # a missed run is caught up on start within this grace

    @property
    def weekday(self) -> int:
        """0 = Monday, as ``datetime.weekday()`` (not PTB's 0 = Sunday)."""
        return DAYS_OF_WEEK.index(self.day_of_week)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a broadcast runs (``delivery:`` in bot.yaml)."""

    workers: int = 8  # chats served concurrently; the rate limiter caps the total anyway
    # a chat claimed by a process that has not sent for this long is taken over (it died)
    claim_timeout_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One line of ``digests.yaml``: a digest file and what the admin says about it."""

    id: str
    file: Path
    title: str | None = None
    week: date | None = None
    source: str | None = None
    position: int = 0
    format: str | None = None  # a layout name (bot.domain.parsing.LAYOUT_NAMES): skips detection


@dataclass(frozen=True, slots=True)
class BotConfig:
    """The validated main config with its digests list and topic taxonomy."""

    path: Path
    timezone: ZoneInfo
    schedule: Schedule
    admins: frozenset[int]
    channels: tuple[int, ...]
    digests_path: Path
    topics_path: Path
    database_url: str
    digests: tuple[DigestEntry, ...]
    taxonomy: Taxonomy
    bot_username: str | None = None
    delivery: Delivery = field(default_factory=Delivery)


@dataclass(frozen=True, slots=True)
class Environment:
    """Settings that come only from the environment (secrets and deployment)."""

    token: str | None = None
    database_url: str | None = None
    api_base_url: str | None = None
    config_path: Path = DEFAULT_CONFIG
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8443
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """Read the environment once, at start-up (never at import time)."""
        env = os.environ if environ is None else environ
        port_text = env.get("PORT", "8443")
        try:
            port = int(port_text)
        except ValueError as exc:
            raise ConfigError(
                "environment", "PORT", f"expected a number, got {port_text!r}"
            ) from exc
        config_path = Path(env["BOT_CONFIG"]) if env.get("BOT_CONFIG") else DEFAULT_CONFIG
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            database_url=env.get("DATABASE_URL") or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            config_path=config_path,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            port=port,
        )


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "", "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from exc
    try:
        # libyaml's loader when present: a digests.yaml of years of weeks loads in ms
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, "", f"YAML syntax error at {where}: {problem}") from exc


class _Section:
    """Typed access to one mapping of a config file, naming keys in errors."""

    def __init__(self, path: Path, data: Any, prefix: str = "", *, allowed: set[str]) -> None:
        self.path = path
        self.prefix = prefix
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(path, prefix or "(top level)", "expected a mapping of keys")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise ConfigError(
                path,
                self.key(unknown[0]),
                f"unknown key (allowed: {', '.join(sorted(allowed))})",
            )
        self.data: dict[str, Any] = data

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.path, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.data.get(name, default)
        if value is None:
            return default
        # bool is an int in Python; a user id of `true` is a mistake
        if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
            raise self.error(name, f"expected {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.error(name, f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def require(self, name: str, kind: type | tuple[type, ...]) -> Any:
        if self.data.get(name) is None:
            raise self.error(name, "missing (required)")
        return self.get(name, kind)

    def path_value(self, name: str, default: str) -> Path:
        raw = self.get(name, str, default)
        candidate = Path(raw)
        # relative paths resolve against the config file's folder, not the cwd
        return candidate if candidate.is_absolute() else (self.path.parent / candidate).resolve()


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _parse_time(section: _Section, name: str) -> time:
    raw = section.require(name, (str, int))
    if isinstance(raw, int):
        # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540
        raw = f"{raw // 60:02d}:{raw % 60:02d}"
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", raw.strip())
    hour, minute, second = (int(g or 0) for g in match.groups()) if match else (99, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise section.error(name, f'expected a time like "09:00", got {raw!r}')
    return time(hour, minute, second)


def _parse_schedule(path: Path, data: Any) -> Schedule:
    section = _Section(path, data, "schedule", allowed={"day_of_week", "time", "catch_up_days"})
    day = str(section.require("day_of_week", str)).strip().lower()[:3]
    if day not in DAYS_OF_WEEK:
        raise section.error("day_of_week", f"expected one of {', '.join(DAYS_OF_WEEK)}")
    grace = section.get("catch_up_days", (int, float), 3)
    if grace < 0:
        raise section.error("catch_up_days", "must not be negative")
    return Schedule(day_of_week=day, time=_parse_time(section, "time"), catch_up_days=float(grace))


def _parse_delivery(path: Path, data: Any) -> Delivery:
    section = _Section(path, data, "delivery", allowed={"workers", "claim_timeout_seconds"})
    workers = section.get("workers", int, Delivery.workers)
    if not 1 <= workers <= 64:
        raise section.error("workers", "expected a number from 1 to 64")
    timeout = section.get("claim_timeout_seconds", (int, float), Delivery.claim_timeout_seconds)
    if timeout < 5:
        raise section.error("claim_timeout_seconds", "expected at least 5 seconds")
    return Delivery(workers=workers, claim_timeout_seconds=float(timeout))


def _parse_int_list(section: _Section, name: str) -> list[int]:
    values = section.get(name, list, [])
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                section.path, f"{section.key(name)}[{index}]", f"expected a number, got {value!r}"
            )
    return list(values)


def load_digests(path: Path) -> tuple[DigestEntry, ...]:
    """Read ``digests.yaml``: an ordered list of ``{id, file, title?, week?, source?}``."""
    data = _read_yaml(path)
    if data is None:
        return ()
    if isinstance(data, dict) and set(data) == {"digests"}:
        data = data["digests"]
    if not isinstance(data, list):
        raise ConfigError(path, "(top level)", "expected a list of digests")
    entries: list[DigestEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        prefix = f"[{index}]"
        section = _Section(
            path, item, prefix, allowed={"id", "file", "title", "week", "source", "format"}
        )
        digest_id = str(section.require("id", (str, int))).strip()
        if not _DIGEST_ID_RE.match(digest_id):
            raise section.error(
                "id", f"{digest_id!r}: use 1-40 lowercase letters, digits, '.', '_' or '-'"
            )
        if digest_id in seen:
            raise section.error(
                "id", f"duplicate digest id {digest_id!r} (also at [{seen[digest_id]}])"
            )
        seen[digest_id] = index
        file = section.path_value("file", "")
        if not section.data.get("file"):
            raise section.error("file", "missing (required)")
        if not file.is_file():
            raise section.error("file", f"file not found: {file}")
        week = section.get("week", (date, str))
        if isinstance(week, str):
            try:
                week = date.fromisoformat(week.strip())
            except ValueError as exc:
                raise section.error(
                    "week", f"expected an ISO date like 2024-02-26, got {week!r}"
                ) from exc
        if week is not None and week.weekday() != 0:
            raise section.error("week", f"{week.isoformat()} is not a Monday")
        title = section.get("title", str)
        source = section.get("source", str)
        layout = section.get("format", str)
        if layout is not None and layout.strip() not in LAYOUT_NAMES:
            raise section.error(
                "format", f"{layout!r}: use one of {', '.join(LAYOUT_NAMES)} (or leave it out)"
            )
        entries.append(
            DigestEntry(
                id=digest_id,
                file=file,
                title=title.strip() if title else None,
                week=week,
                source=source.strip() if source else None,
                position=index,
                format=layout.strip() if layout else None,
            )
        )
    return tuple(entries)


def load_topics(path: Path) -> Taxonomy:
    """Read ``topics.yaml``: ``{fallback: id, topics: [{id, en, zh, aliases, keywords}]}``."""
    root = _Section(path, _read_yaml(path), allowed={"fallback", "topics"})
    raw_topics = root.require("topics", list)
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, item in enumerate(raw_topics):
        section = _Section(
            path, item, f"topics[{index}]", allowed={"id", "en", "zh", "aliases", "keywords"}
        )
        topic_id = str(section.require("id", str)).strip()
        if not _DIGEST_ID_RE.match(topic_id):
            raise section.error("id", f"{topic_id!r}: use lowercase letters, digits, '-' or '_'")
        if topic_id in seen:
            raise section.error("id", f"duplicate topic id {topic_id!r}")
        seen.add(topic_id)
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("aliases", "keywords"):
            values = section.get(name, list, [])
            for position, value in enumerate(values):
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(
                        path, f"{section.key(name)}[{position}]", f"expected text, got {value!r}"
                    )
            lists[name] = tuple(v.strip() for v in values)
        topics.append(
            Topic(
                id=topic_id,
                name_en=str(section.require("en", str)).strip(),
                name_zh=str(section.require("zh", str)).strip(),
                aliases=lists["aliases"],
                keywords=lists["keywords"],
            )
        )
    if not topics:
        raise root.error("topics", "at least one topic is needed")
    fallback = str(root.get("fallback", str, topics[-1].id))
    if fallback not in seen:
        raise root.error("fallback", f"{fallback!r} is not one of the topic ids")
    return Taxonomy(topics=tuple(topics), fallback_id=fallback)


def default_database_url(config_dir: Path, raw: str | None) -> str:
    """A SQLAlchemy URL; a plain path means a SQLite file relative to the config folder."""
    if raw and "://" in raw:
        return raw
    db_path = Path(raw) if raw else Path("../data/bot.sqlite3")
    if not db_path.is_absolute():
        db_path = (config_dir / db_path).resolve()
    return f"sqlite:///{db_path}"


def load_config(path: Path | None = None, env: Environment | None = None) -> BotConfig:
    """Load and validate the main config file and the files it names."""
    env = env or Environment()
    path = (path or env.config_path).resolve()
    root = _Section(
        path,
        _read_yaml(path),
        allowed={
            "timezone",
            "schedule",
            "admins",
            "channels",
            "digests",
            "topics",
            "database",
            "bot_username",
            "delivery",
        },
    )
    tz_name = str(root.get("timezone", str, "UTC")).strip()
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise root.error("timezone", f"unknown timezone {tz_name!r} (e.g. Asia/Shanghai)") from exc
    if root.data.get("schedule") is None:
        raise root.error("schedule", 'missing (required): {day_of_week: mon, time: "09:00"}')
    schedule = _parse_schedule(path, root.data["schedule"])
    admins = frozenset(_parse_int_list(root, "admins"))
    channels = tuple(_parse_int_list(root, "channels"))
    digests_path = root.path_value("digests", "digests.yaml")
    topics_path = root.path_value("topics", "topics.yaml")
    database_url = env.database_url or default_database_url(path.parent, root.get("database", str))
    return BotConfig(
        path=path,
        timezone=timezone,
        schedule=schedule,
        admins=admins,
        channels=channels,
        digests_path=digests_path,
        topics_path=topics_path,
        database_url=database_url,
        digests=load_digests(digests_path),
        taxonomy=load_topics(topics_path),
        bot_username=root.get("bot_username", str),
        delivery=_parse_delivery(path, root.data.get("delivery") or {}),
    )
