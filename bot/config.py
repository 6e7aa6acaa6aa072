"""Typed configuration: reads ``config/bot.yaml``, ``digests.yaml`` and ``topics.yaml``.

pydantic models describe each file; every problem becomes one :class:`ConfigError`
naming the file, the key and what is wrong (the first one found), so ``python -m bot``
can print a single line instead of a traceback. Secrets never live here: the token and
overrides come from the environment (:class:`Environment`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.domain.clock import Clock, system_clock
from bot.domain.dates import date_problem
from bot.domain.parsing import LAYOUT_NAMES
from bot.domain.topics import Taxonomy, Topic
from bot.yaml_io import YamlProblem, item_lines, parse_yaml, yaml_reads_as, yaml_word

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "bot.yaml"
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration problem: ``file: key: problem``."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + problem)


class _Section(BaseModel):
    """One mapping of a config file: known keys only, YAML values as written (no coercion).

    Strict: ``admins: [true]`` or ``workers: "8"`` are mistakes, not numbers. A key left
    blank (YAML null) counts as absent, so its default applies.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_absent(cls, data: Any) -> Any:
        if data is None:
            return {}
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def _invalid(problem: str) -> PydanticCustomError:
    """A validation error whose message is exactly ``problem`` (no "Value error, " prefix)."""
    return PydanticCustomError("config", "{problem}", {"problem": problem})


def _parse_time(value: Any) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str):
        raise _invalid(f"expected text or a whole number, got {value!r}")
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value.strip())
    hour, minute, second = (int(g or 0) for g in match.groups()) if match else (99, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _invalid(f'expected a time like "09:00", got {value!r}')
    return dt.time(hour, minute, second)


def _within(low: float, high: float, problem: str) -> AfterValidator:
    """A range check for a number setting, refused with ``problem``."""

    def check(value: float) -> float:
        if not low <= value <= high:
            raise _invalid(problem)
        return value

    return AfterValidator(check)


def _parse_day(value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(f"expected text, got {value!r}")
    day = value.strip().lower()[:3]
    if day not in DAYS_OF_WEEK:
        raise _invalid(f"expected one of {', '.join(DAYS_OF_WEEK)}")
    return day


class Schedule(_Section):
    """When the weekly post goes out, in the configured timezone (``schedule:``)."""

    day_of_week: Annotated[str, BeforeValidator(_parse_day)]  # one of DAYS_OF_WEEK
    time: Annotated[dt.time, BeforeValidator(_parse_time)]
    # a missed run is caught up on start within this grace
    catch_up_days: Annotated[float, _within(0, math.inf, "must not be negative")] = 3.0

    @property
    def weekday(self) -> int:
        """0 = Monday, as ``datetime.weekday()`` (not PTB's 0 = Sunday)."""
        return DAYS_OF_WEEK.index(self.day_of_week)


class Delivery(_Section):
    """How a broadcast runs (``delivery:`` in bot.yaml, optional)."""

    # chats served concurrently; the rate limiter caps the total anyway
    workers: Annotated[int, _within(1, 64, "expected a number from 1 to 64")] = 8
    # a chat claimed by a process that has not sent for this long is taken over (it died)
    claim_timeout_seconds: Annotated[float, _within(5, math.inf, "expected at least 5 seconds")] = (
        60.0
    )
    # a part on the wire when its process died: send it again (a rare duplicate) or not
    # (a rare gap); the ledger counts either way
    in_doubt: Literal["resend", "skip"] = "resend"


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
    skip: bool = False  # listed and browsable, but the weekly job and /postnow pass it over


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
    poll_hours: float = 48.0  # a weekly reading poll closes this long after it opens


@dataclass(frozen=True, slots=True)
class Environment:
    """Settings that come only from the environment (secrets and deployment)."""

    token: str | None = None
    database_url: str | None = None
    api_base_url: str | None = None
    config_path: Path = DEFAULT_CONFIG
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8080
    webapp_url: str | None = None  # the Mini App's public HTTPS address; None: no Mini App
    webapp_name: str = "browse"  # its short name from BotFather's /newapp (direct links)
    webapp_max_age: dt.timedelta = dt.timedelta(hours=24)  # oldest initData accepted
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """Read the environment once, at start-up (never at import time)."""
        env = os.environ if environ is None else environ
        port = _env_number(env, "PORT", 8080)
        max_age_hours = _env_number(env, "WEBAPP_MAX_AGE_HOURS", 24)
        webapp_url = env.get("WEBAPP_URL") or None
        if webapp_url and not webapp_url.lower().startswith("https://"):
            # Telegram opens Mini Apps over HTTPS only
            raise ConfigError("environment", "WEBAPP_URL", "expected an https:// address")
        config_path = Path(env["BOT_CONFIG"]) if env.get("BOT_CONFIG") else DEFAULT_CONFIG
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            database_url=env.get("DATABASE_URL") or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            config_path=config_path,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            port=port,
            webapp_url=webapp_url,
            webapp_name=env.get("WEBAPP_NAME") or "browse",
            webapp_max_age=dt.timedelta(hours=max_age_hours),
        )


def _env_number(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole positive number from the environment, or a one-line ConfigError."""
    text = env.get(name) or str(default)
    try:
        value = int(text)
    except ValueError as exc:
        raise ConfigError("environment", name, f"expected a number, got {text!r}") from exc
    if value <= 0:
        raise ConfigError("environment", name, f"expected a number above 0, got {text!r}")
    return value


class _BotFile(_Section):
    """``bot.yaml`` as written."""

    timezone: str = "UTC"
    schedule: Schedule
    admins: list[int] = Field(default_factory=list)
    channels: list[int] = Field(default_factory=list)
    digests: str = "digests.yaml"
    topics: str = "topics.yaml"
    database: str | None = None
    bot_username: str | None = None
    delivery: Delivery = Field(default_factory=Delivery)
    # how long a weekly reading poll stays open (a second up to four weeks)
    poll_hours: Annotated[
        float, _within(1 / 3600, 672, "expected hours above 0 (at least one second), at most 672")
    ] = 48.0

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _invalid(f"unknown timezone {value.strip()!r} (e.g. Asia/Shanghai)") from exc
        return value.strip()


def digest_id_problem(digest_id: str) -> str | None:
    """Why ``digest_id`` cannot be a digest id (or a file name made from one), or None.

    An id YAML would read as something else (``no``, ``on``, ``010``, ``1e3``, a date) is
    refused too: written to digests.yaml it would come back as false or a number."""
    if not _ID_RE.match(digest_id) or digest_id.strip(".") != digest_id:
        return f"{digest_id!r}: use 1-40 lowercase letters, digits, '.', '_' or '-'"
    read = yaml_reads_as(digest_id)
    if read != digest_id:
        return (
            f"{digest_id!r} reads in YAML as {yaml_word(read)}, not as text: "
            "add a letter or a word (e.g. 'digest-" + digest_id.strip(".") + "')"
        )
    return None


def _digest_id(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise _invalid(f"YAML read it as {yaml_word(value)}: put the id in quotes")
    if not isinstance(value, str | int):
        raise _invalid(f"expected text or a whole number, got {value!r}")
    digest_id = str(value).strip()
    if not _ID_RE.match(digest_id):
        raise _invalid(f"{digest_id!r}: use 1-40 lowercase letters, digits, '.', '_' or '-'")
    return digest_id


def _digest_file(value: Any, info: ValidationInfo) -> Path:
    if not isinstance(value, str):
        raise _invalid(f"expected text, got {value!r}")
    if not value.strip():
        raise _invalid("missing (required)")
    # a missing file is not checked here: content loading refuses that digest alone
    return _resolve((info.context or {}).get("folder", Path.cwd()), value)


MAX_DIGEST_TITLE_CHARS = 200  # a headline; longer text would crowd every post and list


def digest_title_problem(title: str | None) -> str | None:
    """Why a ``title:`` in digests.yaml is not acceptable, or None when it is."""
    if title is not None and len(title.strip()) > MAX_DIGEST_TITLE_CHARS:
        return f"{len(title.strip())} characters, at most {MAX_DIGEST_TITLE_CHARS} allowed"
    return None


def _title(value: str | None) -> str | None:
    problem = digest_title_problem(value)
    if problem:
        raise _invalid(problem)
    return value


def _monday(value: Any, info: ValidationInfo) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise _invalid(f"expected an ISO date like 2024-02-26, got {value!r}") from exc
    if not isinstance(value, date) or isinstance(value, dt.datetime):
        raise _invalid(f"expected an ISO date like 2024-02-26, got {value!r}")
    today = (info.context or {}).get("today")
    problem = date_problem(value, today) if isinstance(today, date) else None
    if problem:
        raise _invalid(problem)
    if value.weekday() != 0:
        raise _invalid(f"{value.isoformat()} is not a Monday")
    return value


def _layout(value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(f"expected text, got {value!r}")
    if value.strip() not in LAYOUT_NAMES:
        raise _invalid(f"{value!r}: use one of {', '.join(LAYOUT_NAMES)} (or leave it out)")
    return value.strip()


class _DigestItem(_Section):
    """One item of ``digests.yaml`` as written (``file`` resolved)."""

    id: Annotated[str, BeforeValidator(_digest_id)]
    file: Annotated[Path, BeforeValidator(_digest_file)]
    title: Annotated[str | None, AfterValidator(_title)] = None
    week: Annotated[date | None, BeforeValidator(_monday)] = None
    source: str | None = None
    format: Annotated[str | None, BeforeValidator(_layout)] = None
    skip: bool = False


def _topic_id(value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(f"expected text, got {value!r}")
    if not _ID_RE.match(value.strip()):
        raise _invalid(f"{value.strip()!r}: use lowercase letters, digits, '-' or '_'")
    return value.strip()


def _words(value: str) -> str:
    if not value.strip():
        raise _invalid(f"expected text, got {value!r}")
    return value.strip()


_Words = Annotated[str, AfterValidator(_words)]


class _TopicItem(_Section):
    """One topic of ``topics.yaml``."""

    id: Annotated[str, BeforeValidator(_topic_id)]
    en: str
    zh: str
    aliases: list[_Words] = Field(default_factory=list)
    keywords: list[_Words] = Field(default_factory=list)
    # an alias narrower than the topic → the words its papers have (``/topic quantization``
    # puts them first); an alias not listed looks for itself
    narrow: dict[_Words, list[_Words]] = Field(default_factory=dict)


class _TopicsFile(_Section):
    """``topics.yaml`` as written."""

    fallback: str | None = None
    topics: list[_TopicItem]


_KIND_NAMES = {
    "string_type": "text",
    "float_type": "a number",
    "list_type": "a list",
}


_MISSING_HINTS: dict[tuple[int | str, ...], str] = {
    ("schedule",): ': {day_of_week: mon, time: "09:00"}'
}


def _problem(error: ErrorDetails, model: type[BaseModel]) -> str:
    """Today's wording for one pydantic error (custom errors already carry it)."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "missing (required)" + _MISSING_HINTS.get(error["loc"], "")
    if kind == "extra_forbidden":
        return f"unknown key (allowed: {', '.join(_keys_at(model, error['loc'][:-1]))})"
    if kind == "int_type":  # a setting is a count; an item of admins/channels is an id
        whole = "a whole number" if isinstance(error["loc"][-1], str) else "a number"
        return f"expected {whole}, got {value!r}"
    if kind in _KIND_NAMES:
        return f"expected {_KIND_NAMES[kind]}, got {value!r}"
    if kind in ("model_type", "dict_type"):
        return "expected a mapping of keys"
    return error["msg"]


def _keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (list positions skipped)."""
    for part in loc:
        if isinstance(part, str):
            model = _model_in(model.model_fields[part].annotation)
    return sorted(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel]:
    """The model inside an annotation such as ``list[_TopicItem]`` or ``Schedule``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for inner in get_args(annotation):
        with contextlib.suppress(LookupError):
            return _model_in(inner)
    raise LookupError(annotation)


def _key(loc: tuple[int | str, ...]) -> str:
    """``("topics", 3, "id")`` → ``topics[3].id``."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "", "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from exc
    return _parse_yaml(path, text)


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return parse_yaml(text)
    except YamlProblem as exc:
        raise ConfigError(path, "", str(exc)) from exc


def _validate(schema: type[T], path: Path, data: Any) -> T:
    """``data`` read from ``path`` as ``schema``; the first problem becomes a ConfigError."""
    try:
        value = TypeAdapter(schema).validate_python(data, context={"folder": path.parent})
    except ValidationError as exc:
        errors = exc.errors()
        # an unknown key first: it is usually a typo that explains the other problems
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        key = _key(error["loc"]) or "(top level)"
        raise ConfigError(path, key, _problem(error, _model_in(schema))) from exc
    return value


def _resolve(folder: Path, raw: str) -> Path:
    """Relative paths resolve against the config file's folder, not the cwd."""
    candidate = Path(raw)
    return candidate if candidate.is_absolute() else (folder / candidate).resolve()


def _stripped(text: str | None) -> str | None:
    return text.strip() if text else None


def load_digests(path: Path, today: date | None = None) -> tuple[DigestEntry, ...]:
    """Read ``digests.yaml``: an ordered list of ``{id, file, title?, week?, source?,
    format?, skip?}``; the list order is the publishing order. With ``today``, a week
    outside :func:`bot.domain.dates.sane_date_range` is refused."""
    if not path.is_file():
        raise ConfigError(path, "", "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from exc
    return parse_digests(path, text, today)


def parse_digests(path: Path, text: str, today: date | None = None) -> tuple[DigestEntry, ...]:
    """:func:`load_digests` of ``text`` (what an edit is about to write to ``path``)."""
    data = _parse_yaml(path, text)
    if data is None:
        return ()
    if isinstance(data, dict) and set(data) == {"digests"}:
        data = data["digests"]
    if not isinstance(data, list):
        raise ConfigError(path, "(top level)", "expected a list of digests")
    context = {"folder": path.parent, "today": today}
    try:
        items = TypeAdapter(list[_DigestItem]).validate_python(data, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        key = _key(error["loc"]) or "(top level)"
        raise ConfigError(path, key, _problem(error, _DigestItem)) from exc
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.id in seen:
            lines = item_lines(text)
            first = seen[item.id]
            raise ConfigError(
                path,
                f"[{index}].id",
                f"duplicate digest id {item.id!r} at line {lines.get(index, '?')} "
                f"(also at line {lines.get(first, '?')})",
            )
        seen[item.id] = index
    return tuple(
        DigestEntry(
            id=item.id,
            file=item.file,
            title=_stripped(item.title),
            week=item.week,
            source=_stripped(item.source),
            position=index,
            format=item.format,
            skip=item.skip,
        )
        for index, item in enumerate(items)
    )


def load_topics(path: Path) -> Taxonomy:
    """Read ``topics.yaml``: ``{fallback: id, topics: [{id, en, zh, aliases, keywords}]}``."""
    raw = _validate(_TopicsFile, path, _read_yaml(path))
    seen: set[str] = set()
    for index, item in enumerate(raw.topics):
        if item.id in seen:
            raise ConfigError(path, f"topics[{index}].id", f"duplicate topic id {item.id!r}")
        seen.add(item.id)
    if not raw.topics:
        raise ConfigError(path, "topics", "at least one topic is needed")
    fallback = raw.fallback or raw.topics[-1].id
    if fallback not in seen:
        raise ConfigError(path, "fallback", f"{fallback!r} is not one of the topic ids")
    topics = tuple(
        Topic(
            id=item.id,
            name_en=item.en.strip(),
            name_zh=item.zh.strip(),
            aliases=tuple(item.aliases),
            keywords=tuple(item.keywords),
            narrow={alias.casefold(): tuple(words) for alias, words in item.narrow.items()},
        )
        for item in raw.topics
    )
    return Taxonomy(topics=topics, fallback_id=fallback)


def default_database_url(config_dir: Path, raw: str | None) -> str:
    """A SQLAlchemy URL; a plain path means a SQLite file relative to the config folder."""
    if raw and "://" in raw:
        return raw
    db_path = Path(raw) if raw else Path("../data/bot.sqlite3")
    if not db_path.is_absolute():
        db_path = (config_dir / db_path).resolve()
    return f"sqlite:///{db_path}"


def load_config(
    path: Path | None = None, env: Environment | None = None, clock: Clock = system_clock
) -> BotConfig:
    """Load and validate the main config file and the files it names (``clock``: today, for
    the range of accepted weeks)."""
    env = env or Environment()
    path = (path or env.config_path).resolve()
    raw = _validate(_BotFile, path, _read_yaml(path))
    digests_path = _resolve(path.parent, raw.digests)
    topics_path = _resolve(path.parent, raw.topics)
    return BotConfig(
        path=path,
        timezone=ZoneInfo(raw.timezone),
        schedule=raw.schedule,
        admins=frozenset(raw.admins),
        channels=tuple(raw.channels),
        digests_path=digests_path,
        topics_path=topics_path,
        database_url=env.database_url or default_database_url(path.parent, raw.database),
        digests=load_digests(digests_path, clock().date()),
        taxonomy=load_topics(topics_path),
        bot_username=raw.bot_username,
        delivery=raw.delivery,
        poll_hours=raw.poll_hours,
    )
