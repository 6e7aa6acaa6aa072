"""State every instance must see alike, kept in the database (the ``bot_state`` table).

Which instance answers a button, and whether it restarted since the button was made, must
not change what a user sees: search result lists for paging buttons and the config
version ``/reload`` bumps live here, not in process memory.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.store.cache import TtlLru
from bot.store.db import engine_of
from bot.store.models import KeyValue

RESULTS_PREFIX = "results:"
CONFIG_VERSION_KEY = "config_version"
RESULTS_TTL_SECONDS = 7 * 24 * 3600  # a week: as long as a weekly post's buttons matter
# A list this process stored that long ago is handed out again for the same query and
# results instead of a new write: the row outlives it by six days, so its buttons still work.
REUSE_SECONDS = 24 * 3600
REUSE_SIZE = 4096
_FORGET_RESULTS_BEFORE = delete(KeyValue).where(
    KeyValue.key.startswith(RESULTS_PREFIX, autoescape=True),
    KeyValue.key < bindparam("cutoff"),
)
_REMEMBER = insert(KeyValue)


class SharedState:
    """Result lists for paging and the config version, shared through the database."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.factory = factory
        self.engine = engine_of(factory)
        self.clock = clock
        self._stored: TtlLru[tuple[str, tuple[int, ...]], str] = TtlLru(
            REUSE_SIZE, REUSE_SECONDS, self._seconds
        )

    def remember_results(self, query: str, ids: list[int]) -> str:
        """Store a result list; returns the short key its buttons carry.

        The key starts with its creation time in fixed-width hex, so expired lists are a
        key range: each write deletes the lists older than :data:`RESULTS_TTL_SECONDS`.
        The same query with the same results within :data:`REUSE_SECONDS` gets the key
        this process stored for it (people repeat searches; each write costs a commit).
        """
        return self._stored.get_or_compute((query, tuple(ids)), lambda: self._store(query, ids))

    def _seconds(self) -> float:
        return self.clock().timestamp()

    def _store(self, query: str, ids: list[int]) -> str:
        now = int(self._seconds())
        key = f"{now:08x}{secrets.token_urlsafe(6)}"
        cutoff = f"{RESULTS_PREFIX}{max(now - RESULTS_TTL_SECONDS, 0):08x}"
        value = json.dumps({"query": query, "ids": ids}, ensure_ascii=False)
        # prebuilt Core statements on a plain connection (db.engine_of): a /paper list waits
        # on this write, and the ORM's unit of work and "ORM-enabled" DELETE doubled its time
        with self.engine.begin() as connection:
            connection.execute(_FORGET_RESULTS_BEFORE, {"cutoff": cutoff})
            connection.execute(_REMEMBER, {"key": RESULTS_PREFIX + key, "value": value})
        return key

    def recall_results(self, key: str) -> tuple[str, list[int]] | None:
        """A stored result list, or None once it has expired (or never existed)."""
        with self.factory() as session:
            row = session.get(KeyValue, RESULTS_PREFIX + key)
            if row is None:
                return None
        stored = json.loads(row.value)
        return str(stored["query"]), [int(i) for i in stored["ids"]]

    def config_version(self) -> int:
        """The config version ``/reload`` last stored (0 before the first one)."""
        with self.factory() as session:
            row = session.get(KeyValue, CONFIG_VERSION_KEY)
            return int(row.value) if row is not None else 0

    def bump_config_version(self) -> int:
        """Count one more ``/reload``; returns the new version (atomic across instances)."""
        with self.factory.begin() as session:
            row = session.get(KeyValue, CONFIG_VERSION_KEY, with_for_update=True)
            if row is None:
                row = KeyValue(key=CONFIG_VERSION_KEY, value="0")
                session.add(row)
            row.value = str(int(row.value) + 1)
            return int(row.value)
