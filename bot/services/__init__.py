"""The services every handler and job needs, built once and handed over via ``bot_data``.

The layer between the store and Telegram: handlers and jobs reach the store, the
publisher and the scheduler only through :class:`Services`, and every blocking store call
from async code goes through :func:`db` (the publisher's through :func:`broadcast_db`), the
one async boundary.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig, Environment, load_config
from bot.domain.clock import Clock, system_clock
from bot.domain.schedule import next_occurrence
from bot.logs import DatabaseHealth, OncePer
from bot.services.ingestion import sync
from bot.services.ports import PollsPort, PublisherPort, SchedulerPort
from bot.services.relevance import Relevance
from bot.store.content_repo import IngestReport
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.pending import PendingUploads
from bot.store.polls import PollStore
from bot.store.reading import ReadingList
from bot.store.shared_state import SharedState
from bot.store.subscriptions import Subscriptions
from bot.store.watches import WatchStore

log = logging.getLogger(__name__)

UNREADABLE_UPDATES_KEY = "unreadable_updates"  # bot_state: updates skipped (bot.handlers.poison)
P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


async def db(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking store call in a worker thread, so no query ever stalls the event loop.

    The one way async code (handlers, jobs, the publisher) calls the store.
    """
    return await asyncio.to_thread(func, *args, **kwargs)


# The broadcast's ledger writes (a few per message, 30 messages a second) get threads of
# their own: in the default pool they would queue every person's /paper lookup behind them.
@functools.cache
def _broadcast_threads() -> ThreadPoolExecutor:
    """Made on first use: nothing starts at import time."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="broadcast-db")


async def broadcast_db(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """:func:`db` for the publisher, on its own worker threads (people's replies first)."""
    call = functools.partial(func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_broadcast_threads(), call)


def _wired(port: T | None, name: str) -> T:
    """A port the wiring plugs in; fails loudly if it forgot."""
    if port is None:
        raise RuntimeError(f"{name} is not set up (build the app with bot.app)")
    return port


@dataclass
class Services:
    """Config, storage and domain services shared by the whole bot."""

    config: BotConfig
    env: Environment
    engine: Engine
    factory: sessionmaker[Session]
    library: Library
    subscriptions: Subscriptions
    ledger: Ledger
    shared: SharedState  # result lists for paging, config version: alike on every instance
    polls: PollStore  # the weekly reading polls and their votes
    reading: ReadingList  # the chats' reading lists
    clock: Clock = system_clock  # the one wall clock (tests set it)
    bot_username: str = "paper_digest_bot"
    publisher_ref: PublisherPort | None = None  # set by the wiring (bot.app)
    scheduler_ref: SchedulerPort | None = None  # set by the wiring (bot.app)
    reading_polls_ref: PollsPort | None = None  # set by the wiring (bot.app)
    catch_up_on_start: bool = True
    config_version: int = 0  # the shared config version this process's config is at
    # a readable log through an outage: one line per failure, a traceback once a minute
    health: DatabaseHealth = field(default_factory=DatabaseHealth)
    tracebacks: OncePer = field(default_factory=OncePer)

    @property
    def publisher(self) -> PublisherPort:
        """The publisher (set by the wiring once the Bot object exists)."""
        return _wired(self.publisher_ref, "publisher")

    @property
    def scheduler(self) -> SchedulerPort:
        """The weekly schedule (set by the wiring once the JobQueue exists)."""
        return _wired(self.scheduler_ref, "scheduler")

    @property
    def reading_polls(self) -> PollsPort:
        """The weekly reading polls (set by the wiring once the JobQueue exists)."""
        return _wired(self.reading_polls_ref, "reading polls")

    @functools.cached_property
    def pending(self) -> PendingUploads:
        """Digests sent in the chat and waiting for ✅ / ❌ (in the database)."""
        return PendingUploads(self.factory, self.clock)

    async def count_unreadable_update(self, update_id: int, reason: str) -> None:
        """One more update skipped because it could not be read (``/stats``; in the
        database, so any instance's ``/stats`` counts every instance's skips)."""
        await db(self.ledger.add_to_counter, UNREADABLE_UPDATES_KEY, 1)

    def unreadable_updates(self) -> int:
        """How many updates were skipped as unreadable (blocking)."""
        return int(self.ledger.get_flag(UNREADABLE_UPDATES_KEY) or 0)

    @functools.cached_property
    def watches(self) -> WatchStore:
        """The chats' saved queries (``/watch``) and their signals."""
        return WatchStore(self.factory, self.clock)

    @functools.cached_property
    def relevance(self) -> Relevance:
        """Per-chat relevance, similar papers, each chat's order of the weekly post."""
        return Relevance(self.factory, self.watches, lambda: self.config.taxonomy)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` is one of the bot's admins (config ``admins``)."""
        return user_id is not None and user_id in self.config.admins

    def next_post_time(self, now: datetime) -> datetime:
        """When the weekly job fires next, in the configured timezone."""
        schedule = self.config.schedule
        return next_occurrence(now, schedule.weekday, schedule.time, self.config.timezone)

    def reload(self) -> IngestReport:
        """Re-read config and content and ingest what changed (blocking; run in a thread).

        A broken config keeps the running one: the ConfigError propagates to the caller.
        """
        config = self.config_on_disk()
        report = sync(self.factory, config, self.clock)
        self._apply(config)
        # tell the other instances (they poll the version: :meth:`follow_reload`)
        self.config_version = self.shared.bump_config_version()
        return report

    def follow_reload(self) -> bool:
        """Apply another instance's ``/reload`` if the shared config version moved on
        (blocking; run in a thread). Returns True when the config was re-read.

        That instance ingested already; this one re-reads the config files (admins,
        channels, taxonomy, schedule) and forgets its caches. A config that fails to load
        here keeps the running one, and the version is retried on the next call.
        """
        stored = self.shared.config_version()
        if stored == self.config_version:
            return False
        self._apply(self.config_on_disk())
        self.config_version = stored
        log.info("config version %d applied (a /reload elsewhere)", stored)
        return True

    def _apply(self, config: BotConfig) -> None:
        """Run on ``config`` from now on; cached answers may belong to the old one."""
        self.config = config
        self.library.invalidate()
        self.relevance.invalidate()

    def config_on_disk(self) -> BotConfig:
        """The config files as they are now — what /reload would apply — without applying
        them (blocking; run in a thread). Raises ConfigError."""
        return load_config(self.config.path, self.env, self.clock)
