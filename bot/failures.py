"""Start-up failures as one line: what failed and which setting to check.

``python -m bot`` prints this line instead of a traceback (``-v`` adds the traceback).
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from bot.store.db import DatabaseUnavailable


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (unparsable URLs are not shown at all)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def database_password(url: str) -> str | None:
    """The password in a database URL, if any (to keep it out of every output)."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _database_reason(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return _one_line(str(exc.orig))
    # SQLAlchemy appends "(Background on this error at: …)" to its own messages
    return _one_line(str(exc).split("(Background on this error")[0])


def explain_failure(exc: BaseException, database_url: str, database_setting: str) -> str:
    """One line saying what failed and what to check; never the token or a password."""
    from telegram.error import InvalidToken, NetworkError  # only needed when running

    if isinstance(exc, InvalidToken):
        return (
            "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN "
            "(copy it again from @BotFather; a revoked token must be replaced)"
        )
    if isinstance(exc, NetworkError):
        return (
            f"cannot reach the Telegram Bot API ({_one_line(exc.message)}), gave up after "
            "retries: check the network, or TELEGRAM_API_BASE_URL if it is set"
        )
    if isinstance(exc, SQLAlchemyError | DatabaseUnavailable):
        reason = _database_reason(exc)
        password = database_password(database_url)
        if password:
            reason = reason.replace(password, "***")
        return f"database {masked_url(database_url)}: {reason}: check {database_setting}"
    return f"start-up failed: {type(exc).__name__}: {_one_line(str(exc))}"
