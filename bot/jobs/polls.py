"""The weekly reading poll: sent after the weekly post, closed after ``poll_hours``.

Right after a chat's weekly post is delivered (:class:`bot.jobs.publisher.Publisher` calls
:meth:`ReadingPolls.after_post`), a chat that opted in (``/subscribe poll``) gets a native,
non-anonymous poll "Which paper should we read this week?" whose options are the post's
papers as that chat got them (its topic filter), at most 12, each shortened between words
to Telegram's 100 characters. Channels get none: Telegram refuses non-anonymous polls
there, and an anonymous poll cannot say who wants to read what (``/subscribe poll`` says so).

Exactly once per chat and publication: the poll row is reserved in the database before
``sendPoll`` (a unique key), so a resumed or resent delivery, a second worker or a second
instance finds it taken. A process that dies between the reservation and Telegram's answer
leaves the reservation without a message: that chat misses the poll rather than getting two.

Closing (:meth:`ReadingPolls.close`): by a one-off JobQueue job at the close time stored in
the database (rescheduled on every start, and a periodic sweep catches polls another
instance opened), or by ``/poll close``. ``stopPoll`` returns the final counts; the winner is
the most voted option, the earliest one on a tie; it is saved to the chat's reading list
and announced with its card. The close is a compare-and-set in the database: one closer
announces.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import InputPollOption, Poll
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ExtBot, JobQueue

from bot.domain.polls import (
    MIN_OPTIONS,
    choose_options,
    in_filter,
    is_tie,
    option_text,
    paper_title,
    winner,
)
from bot.domain.render import esc, paper_card
from bot.domain.texts import Raw, t
from bot.services import Services, broadcast_db, db
from bot.services.context import BotContext
from bot.store.ledger import DeliveryJob
from bot.store.polls import PollView

log = logging.getLogger(__name__)
CLOSE_JOB_PREFIX = "reading-poll-close-"
SWEEP_JOB = "reading-poll-sweep"
SWEEP_EVERY = timedelta(minutes=5)
NETWORK_RETRY = timedelta(minutes=1)


class ReadingPolls:
    """Sends, schedules and closes the weekly reading polls (the services' polls port)."""

    def __init__(self, bot: ExtBot[Any], services: Services, job_queue: JobQueue[Any]) -> None:
        self.bot = bot
        self.services = services
        self.job_queue = job_queue

    # ------------------------------------------------------------------ sending

    async def after_post(self, job: DeliveryJob, chat_id: int) -> None:
        """The weekly post reached ``chat_id``: send its poll if the chat wants one."""
        services = self.services
        sub = await broadcast_db(services.subscriptions.get, chat_id, job.thread_id)
        if sub is None or not sub.active or not sub.poll or sub.chat_type == "channel":
            return
        papers = in_filter(
            await broadcast_db(services.library.digest_papers, job.digest_id), job.topics
        )
        if len(papers) < MIN_OPTIONS:
            return
        saves, liked = await broadcast_db(self.chat_interests, chat_id)
        chosen = choose_options(papers, saves=saves, liked_topics=liked, chat_topics=job.topics)
        now = services.clock()
        closes_at = now + timedelta(hours=services.config.poll_hours)
        row_id = await broadcast_db(
            services.polls.reserve,
            publication_id=job.publication_id,
            digest_id=job.digest_id,
            chat_id=chat_id,
            thread_id=job.thread_id,
            language=job.language,
            paper_ids=[p.id for p in chosen],
            opened_at=now,
            closes_at=closes_at,
        )
        if row_id is None:  # this publication's poll went out already (or is going out)
            return
        lang = job.language
        options = [InputPollOption(esc(option_text(paper_title(p, lang)))) for p in chosen]
        try:
            message = await self.bot.send_poll(
                chat_id,
                esc(t(lang, "poll_question")),
                options,
                is_anonymous=False,
                message_thread_id=job.thread_id or None,
            )
        except TelegramError as exc:
            log.warning("reading poll for chat %s refused: %s", chat_id, exc)
            await broadcast_db(services.polls.failed, row_id, str(exc))
            return
        if message.poll is None:  # Telegram always answers with the poll
            return
        await broadcast_db(services.polls.opened, row_id, message.message_id, message.poll.id)
        log.info("reading poll %s sent to chat %s (%d options)", row_id, chat_id, len(chosen))
        self.schedule_close(row_id, closes_at)

    def chat_interests(self, chat_id: int) -> tuple[dict[int, int], dict[str, int]]:
        """What the chat saved (paper → 1) and the topics of those papers (topic → count),
        to choose the options when the post has more papers than a poll can hold
        (blocking: call through ``broadcast_db``)."""
        services = self.services
        saved = [item.paper_id for item in services.reading.entries(chat_id)]
        liked: dict[str, int] = {}
        for paper in services.library.papers(saved):
            for topic in paper.topics:
                liked[topic.id] = liked.get(topic.id, 0) + 1
        return dict.fromkeys(saved, 1), liked

    # ------------------------------------------------------------------ closing

    def schedule_close(self, row_id: int, closes_at: datetime) -> None:
        """A one-off job at the stored close time (at once if it passed)."""
        name = f"{CLOSE_JOB_PREFIX}{row_id}"
        for old in self.job_queue.get_jobs_by_name(name):
            old.schedule_removal()
        when = max(closes_at, self.services.clock() + timedelta(milliseconds=10))
        self.job_queue.run_once(self._close_job, when=when, name=name, data=row_id)

    async def reschedule(self) -> int:
        """On start (and every few minutes): a close job for every open poll; returns how
        many there are."""
        open_polls = await db(self.services.polls.open_polls)
        for row in open_polls:
            if not self.job_queue.get_jobs_by_name(f"{CLOSE_JOB_PREFIX}{row.id}"):
                self.schedule_close(row.id, row.closes_at)
        return len(open_polls)

    def install(self) -> None:
        """Schedule the start-up catch-up and the periodic sweep."""
        self.job_queue.run_once(self._sweep_job, when=0, name=f"{SWEEP_JOB}-start")
        self.job_queue.run_repeating(
            self._sweep_job, interval=SWEEP_EVERY, first=SWEEP_EVERY, name=SWEEP_JOB
        )

    async def _sweep_job(self, _context: BotContext) -> None:
        await self.reschedule()

    async def _close_job(self, context: BotContext) -> None:
        job = context.job
        row_id = job.data if job is not None else None
        if not isinstance(row_id, int):
            return
        row = await db(self.services.polls.get, row_id)
        if row is not None and row.is_open:
            await self.close(row)

    async def close_now(self, chat_id: int, thread_id: int) -> bool:
        """``/poll close``: close the chat's open poll now; False if it has none."""
        row = await db(self.services.polls.open_in_chat, chat_id, thread_id)
        if row is None:
            return False
        await self.close(row)
        return True

    async def close(self, row: PollView) -> bool:
        """Stop the poll, record and save the winner, announce it; False if another closer
        was first (or Telegram could not be reached: retried in a minute)."""
        services = self.services
        if row.message_id is None:
            return False
        counts: list[int] | None = None
        try:
            stopped: Poll = await self.bot.stop_poll(row.chat_id, row.message_id)
            counts = [option.voter_count for option in stopped.options]
        except BadRequest as exc:  # already stopped, or the message is gone: count ours
            log.info("stopPoll for reading poll %s: %s", row.id, exc.message)
        except NetworkError as exc:
            log.warning("stopPoll for reading poll %s failed, retrying: %s", row.id, exc)
            self.schedule_close(row.id, services.clock() + NETWORK_RETRY)
            return False
        except TelegramError as exc:  # e.g. the bot was removed from the chat
            log.warning("stopPoll for reading poll %s refused: %s", row.id, exc)
        if counts is None or len(counts) != len(row.paper_ids):
            counts = await db(services.polls.tally, row.id)
        chosen = winner(counts)
        paper_id = row.paper_ids[chosen] if chosen is not None else None
        if not await db(services.polls.close, row.id, paper_id, services.clock()):
            return False  # closed meanwhile by another instance or command
        lang = row.language
        paper = None if paper_id is None else await db(services.library.paper, paper_id)
        if chosen is None or paper is None:
            text = t(lang, "poll_no_votes")
        else:
            await self.save_winner(row, paper.id)
            tie = t(lang, "poll_tie") if is_tie(counts) else ""
            head = t(lang, "poll_winner", count=counts[chosen], tie=Raw(tie))
            text = f"{head}\n\n{paper_card(paper, lang)[0]}"
        try:
            await self.bot.send_message(row.chat_id, text, message_thread_id=row.thread_id or None)
        except TelegramError as exc:
            log.warning("could not announce reading poll %s: %s", row.id, exc)
        log.info("reading poll %s closed: winner %s, counts %s", row.id, paper_id, counts)
        return True

    async def save_winner(self, row: PollView, paper_id: int) -> None:
        """The winner goes into the chat's reading list, saved by the poll (no person: the
        list shows "the weekly poll"); already on the list, it stays as it was."""
        name = t(row.language, "poll_saved_by")
        await db(self.services.reading.save, row.chat_id, paper_id, None, name)
