"""What the services need from the layers above them, as protocols.

Handlers and jobs are siblings that never import each other, yet ``/postnow`` publishes,
``/reload`` reschedules and ``/poll close`` closes a reading poll. The services hold these
ports; the jobs implement them (:class:`bot.jobs.publisher.Publisher`,
:class:`bot.jobs.weekly.WeeklySchedule`, :class:`bot.jobs.polls.ReadingPolls`) and the
wiring in :mod:`bot.app` plugs them in.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.delivery import PublishTrigger
from bot.store.ledger import PublicationSummary
from bot.store.subscriptions import Target


class PublisherPort(Protocol):
    """Publishes digests to every target chat through the delivery ledger."""

    def targets(self) -> list[Target]:
        """Every chat a publication goes to (blocking: call through ``db``)."""
        ...

    async def publish(
        self, digest_id: str, trigger: PublishTrigger, slot: str | None = None
    ) -> PublicationSummary | None:
        """Publish ``digest_id`` to every target that has not had it yet."""
        ...

    async def publish_next(
        self, trigger: PublishTrigger, slot: str | None = None
    ) -> PublicationSummary | None:
        """Publish the next unpublished digest (None when there is none)."""
        ...

    async def resume(self) -> PublicationSummary | None:
        """Finish publications that still have pending deliveries."""
        ...


class PollsPort(Protocol):
    """The weekly reading polls (:class:`bot.jobs.polls.ReadingPolls`)."""

    async def close_now(self, chat_id: int, thread_id: int) -> bool:
        """Close the chat's open reading poll now; False if it has none."""
        ...


class SchedulerPort(Protocol):
    """The weekly schedule, rebuilt from the current config."""

    def reschedule(self) -> None:
        """(Re)create the scheduled jobs after the config changed."""
        ...
