"""The words the publishing ledger stores: a delivery's status, what started a publication,
and what a restart does with a part in doubt.

They are ``StrEnum`` members, so they are stored and compared as the plain strings the
database has always held (``"pending"``, ``"catch-up"`` …) while code gets them checked.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    """Where one chat's delivery of a digest stands."""

    PENDING = "pending"  # queued, or given back after network errors
    SENDING = "sending"  # claimed by a worker (stale once its lease runs out)
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it, or the chat is gone (``error`` says why)


class InDoubt(StrEnum):
    """What a restart does with a part whose fate is unknown (its process died mid-send)."""

    RESEND = "resend"  # send it again: never a gap, at most one duplicate per crash
    SKIP = "skip"  # leave it out: never a duplicate, maybe a gap


class PublishTrigger(StrEnum):
    """What started a publication."""

    SCHEDULE = "schedule"  # the weekly schedule
    CATCH_UP = "catch-up"  # a schedule slot missed while the bot was down
    POSTNOW = "postnow"  # an admin's /postnow

    @property
    def scheduled(self) -> bool:
        """Whether no one asked for it (so no one waits for an answer)."""
        return self is not PublishTrigger.POSTNOW
