"""Which failures mean "the database is not answering" (for a one-line log in an outage)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError


def is_database_down(exc: BaseException | None) -> bool:
    """True for a lost or refused database connection (not for a bad query)."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
