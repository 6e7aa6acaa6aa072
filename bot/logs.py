"""Logging set-up: secrets are redacted from every record, whatever the logger and level;
helpers that keep the log readable through an outage (:class:`OncePer`, :class:`DatabaseHealth`).

python-telegram-bot puts the bot token in URLs (its ``ExtBot`` debug line prints the base
URL, ``InvalidToken`` quotes the token), so a filter on every root handler rewrites each
record's message, arguments and formatted traceback before it is written.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"
# anything shaped like a bot token (id:secret), even one we were not given
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_MIN_SECRET_CHARS = 6  # shorter "secrets" would redact ordinary words
_health_log = logging.getLogger("bot.database")


class RedactSecrets(logging.Filter):
    """Replaces every known secret (and anything token-shaped) in a record with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        """Also redact these values (empty and very short ones are ignored)."""
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_CHARS:
                self.secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced; longest first so no fragment survives."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose args do not fit its format
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # formatted here (the formatter reuses exc_text) so the traceback is redacted too
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class OneLineStartupFailures(logging.Filter):
    """Without ``-v``: python-telegram-bot's start-up retry loop logs its final failure with a
    traceback; ``python -m bot`` reports that failure itself in one line, so keep the message
    and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.module == "networkloop":
            record.exc_info, record.exc_text = None, None
        return True


def root_redactor() -> RedactSecrets:
    """The redaction filter on the root handlers, installed on first use."""
    handlers = logging.getLogger().handlers
    for handler in handlers:
        for existing in handler.filters:
            if isinstance(existing, RedactSecrets):
                return existing
    redactor = RedactSecrets()
    for handler in handlers:
        handler.addFilter(redactor)
    return redactor


def configure_logging(verbose: bool = False, secrets: Iterable[str | None] = ()) -> RedactSecrets:
    """Log to stderr with ``secrets`` redacted; returns the filter (to add secrets later)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # apscheduler's scheduler logs five INFO lines at every start ("Added job …")
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        for handler in logging.getLogger().handlers:
            handler.addFilter(OneLineStartupFailures())
    redactor = root_redactor()
    redactor.add(secrets)
    return redactor


class OncePer:
    """Whether a key was seen in the last ``seconds`` (monotonic time): a traceback is
    logged once per distinct error per minute, the failures in between as one line."""

    def __init__(self, seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[str, float] = {}

    def first(self, key: str) -> bool:
        """True the first time ``key`` comes up in a window (and records it)."""
        now = self.clock()
        if len(self._last) > 256:  # forget old keys: an outage has few distinct errors
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return False
        self._last[key] = now
        return True


def verbose_logging() -> bool:
    """Whether ``-v`` is on (the root logger passes debug records)."""
    return logging.getLogger().isEnabledFor(logging.DEBUG)


def error_summary(exc: BaseException | None) -> str:
    """``Type: first line of the message`` (at most 300 characters), for one-line logs."""
    if exc is None:
        return "unknown error"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}".rstrip(": ")


class DatabaseHealth:
    """One line when the database stops answering, silence while it stays down, one line
    when it is back (how long, how many failures): a readable log through an outage."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.down_since: float | None = None
        self.failures = 0

    def failed(self, what: str, exc: BaseException | None) -> None:
        """``what`` failed because the database did not answer."""
        self.failures += 1
        if self.down_since is None:
            self.down_since = self.clock()
            _health_log.warning(
                "database unreachable (%s: %s); failures are one line each until it is back",
                what,
                error_summary(exc),
            )

    def ok(self) -> None:
        """A database call worked: say so once if it was down."""
        if self.down_since is None:
            return
        _health_log.warning(
            "database is back after %.0f s (%d failed calls meanwhile)",
            self.clock() - self.down_since,
            self.failures,
        )
        self.down_since, self.failures = None, 0
