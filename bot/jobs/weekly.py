"""The weekly schedule on python-telegram-bot's JobQueue (APScheduler underneath).

JobQueue jobs are not persisted, so everything is rebuilt from config and the ledger
on every start: the cron job itself, a catch-up of a run missed while the bot was
down (within the configured grace), the resumption of interrupted broadcasts, and the
follower of ``/reload`` made on other instances.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application, JobQueue

from bot.domain.delivery import PublishTrigger
from bot.domain.schedule import previous_occurrence, slot_key
from bot.logs import error_summary
from bot.services import Services, db
from bot.services.context import BotContext
from bot.services.health import is_database_down
from bot.services.ports import PublisherPort

log = logging.getLogger(__name__)
WEEKLY_JOB = "weekly-digest"
RESUME_JOB = "resume-deliveries"
INSTALLED_FLAG = "installed_at"
RESUME_EVERY = timedelta(minutes=2)
FOLLOW_RELOAD_JOB = "follow-reload"
# how soon a /reload on another instance applies here (one small read per interval)
FOLLOW_RELOAD_EVERY = timedelta(seconds=2)


def cron_trigger(services: Services) -> CronTrigger:
    """A cron trigger from ``schedule`` in the configured timezone (cron days, not PTB's)."""
    schedule = services.config.schedule
    return CronTrigger(
        day_of_week=schedule.day_of_week,
        hour=schedule.time.hour,
        minute=schedule.time.minute,
        second=schedule.time.second,
        timezone=services.config.timezone,
    )


def schedule_weekly(job_queue: JobQueue[Any], services: Services) -> None:
    """(Re)create the weekly job from config; called on start and by /reload."""
    for job in job_queue.get_jobs_by_name(WEEKLY_JOB):
        job.schedule_removal()
    job_queue.run_custom(
        weekly_job, job_kwargs={"trigger": cron_trigger(services)}, name=WEEKLY_JOB
    )
    if not job_queue.get_jobs_by_name(RESUME_JOB):
        # a dead process's claims expire after the claim timeout: look again about then
        every = min(RESUME_EVERY, timedelta(seconds=services.config.delivery.claim_timeout_seconds))
        job_queue.run_repeating(resume_job, interval=every, first=every, name=RESUME_JOB)


class WeeklySchedule:
    """The scheduler port of the services (:mod:`bot.services.ports`): used by ``/reload``."""

    def __init__(self, job_queue: JobQueue[Any], services: Services) -> None:
        self.job_queue = job_queue
        self.services = services

    def reschedule(self) -> None:
        """(Re)create the weekly job from the current config."""
        schedule_weekly(self.job_queue, self.services)


def current_slot(services: Services, now: datetime) -> str:
    """The slot of the occurrence at or just before ``now``."""
    schedule = services.config.schedule
    return slot_key(
        previous_occurrence(now, schedule.weekday, schedule.time, services.config.timezone)
    )


async def weekly_job(context: BotContext) -> None:
    """The scheduled run: publish the next digest to every target."""
    services = context.services
    publisher = services.publisher
    # a second of slack: the job may start a hair before the wall clock shows the slot
    slot = current_slot(services, services.clock() + timedelta(seconds=1))
    log.info("weekly run for %s", slot)
    await publisher.publish_next(PublishTrigger.SCHEDULE, slot)


async def resume_job(context: BotContext) -> None:
    """Periodically finish deliveries that were released after network trouble."""
    await context.services.publisher.resume()


async def follow_reload_job(context: BotContext) -> None:
    """Apply a ``/reload`` made on another instance: config, caches and the schedule.

    It runs every 2 s: while the database is down its failure is said once (by
    ``services.health``), not a traceback every run, and once more when it is back."""
    services = context.services
    try:
        followed = await db(services.follow_reload)
    except Exception as exc:
        if is_database_down(exc):
            services.health.failed("following /reload", exc)
        elif services.tracebacks.first(f"follow-reload {error_summary(exc)}"):
            log.warning("following /reload failed: %s", error_summary(exc), exc_info=exc)
        return
    services.health.ok()
    if followed:
        services.scheduler.reschedule()


def first_start(services: Services, now: datetime) -> datetime:
    """When this database first ran the bot (no catch-up of slots before that)."""
    stored = services.ledger.get_flag(INSTALLED_FLAG)
    if stored:
        return datetime.fromisoformat(stored)
    services.ledger.set_flag(INSTALLED_FLAG, now.isoformat())
    return now


async def catch_up(services: Services, publisher: PublisherPort, now: datetime) -> str | None:
    """On start: resume interrupted broadcasts, then post a missed run once, within grace."""
    await publisher.resume()
    schedule = services.config.schedule
    missed = previous_occurrence(now, schedule.weekday, schedule.time, services.config.timezone)
    installed = await db(first_start, services, now)
    if missed <= installed or now - missed > timedelta(days=schedule.catch_up_days):
        return None
    slot = slot_key(missed)
    if await db(services.ledger.slot_taken, slot):
        return None
    log.info("catching up the run missed at %s", missed.isoformat())
    await publisher.publish_next(PublishTrigger.CATCH_UP, slot)
    return slot


def install_jobs(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> WeeklySchedule:
    """Schedule the weekly and resume jobs on the application's JobQueue."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    schedule = WeeklySchedule(application.job_queue, services)
    schedule.reschedule()
    application.job_queue.run_repeating(
        follow_reload_job,
        interval=FOLLOW_RELOAD_EVERY,
        first=FOLLOW_RELOAD_EVERY,
        name=FOLLOW_RELOAD_JOB,
    )
    return schedule
