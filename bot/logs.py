"""Logging set-up: secrets are redacted from every record, whatever the logger and level.

python-telegram-bot puts the bot token in URLs (its ``ExtBot`` debug line prints the base
URL, ``InvalidToken`` quotes the token), so a filter on every root handler rewrites each
record's message, arguments and formatted traceback before it is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
# anything shaped like a bot token (id:secret), even one we were not given
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_MIN_SECRET_CHARS = 6  # shorter "secrets" would redact ordinary words


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
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        for handler in logging.getLogger().handlers:
            handler.addFilter(OneLineStartupFailures())
    redactor = root_redactor()
    redactor.add(secrets)
    return redactor
