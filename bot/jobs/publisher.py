"""Publishing a digest to every target chat through the delivery ledger.

Each chat's post is a few messages sent in order; chats are served by a handful of
concurrent workers while the bot's rate limiter (bot.jobs.ratelimit) keeps the whole bot
under Telegram's flood limits. Telegram's answers are handled one by one:

* ``RetryAfter`` — wait what Telegram asks, send the same part again;
* network errors and 5xx — retry with exponential backoff; if that runs out, the
  delivery goes back to pending and the periodic resume job retries it later;
* ``Forbidden`` / chat not found — the chat is unsubscribed and the reason recorded;
* ``ChatMigrated`` — the subscription and the delivery move to the new supergroup id.

A delivery task renews its claim while it waits (a long 429, the flood limits), so only a
dead task's claim goes stale; the post is rendered once, when the publication opens, and
stored in the ledger, so a resumed delivery sends the same messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.domain.callbacks import SavePaper
from bot.domain.delivery import DeliveryStatus, InDoubt, PublishTrigger
from bot.domain.reading import papers_in_post_part, post_save_label
from bot.domain.render import PostPlan, weekly_post
from bot.domain.texts import t
from bot.domain.views import DigestView, PaperView, TopicView
from bot.jobs.ratelimit import BeforeSend, DeliveryRateLimiter, SendCancelled, retry_seconds
from bot.services import broadcast_db
from bot.store.ledger import (
    DeliveryJob,
    Ledger,
    OpenedPublication,
    PublicationSummary,
    post_key,
)
from bot.store.library import Library
from bot.store.subscriptions import Subscriptions, Target

log = logging.getLogger(__name__)
QUEUE_EMPTY_FLAG = "queue_empty_notified"
# stored beside a post's messages (post key + this): the 📌 buttons of each message
BUTTONS_KEY = "\x1fbuttons"
_GONE_CHAT_ERRORS = ("chat not found", "thread not found", "have no rights", "not enough rights")


class PartResult(StrEnum):
    """How sending one part of a post ended (a migration is :class:`ChatMoved` instead)."""

    SENT = "sent"
    TAKEN_OVER = "taken over"  # another worker holds the delivery now: it carries on
    RETRY_LATER = "retry later"  # network errors outlasted the retries: back to pending
    DUPLICATE = "duplicate"  # migrated to a supergroup that already had the digest
    CHAT_GONE = "chat gone"  # blocked, kicked or deleted: the chat is unsubscribed
    REFUSED = "refused"  # Telegram refused the message itself: the delivery failed


@dataclass(frozen=True, slots=True)
class ChatMoved:
    """The group became a supergroup: the same part goes again to ``chat_id``."""

    chat_id: int


PartOutcome = PartResult | ChatMoved
# what follows a chat's delivered post (the weekly reading poll): the job and the chat's id
AfterPost = Callable[[DeliveryJob, int], Awaitable[None]]
# each target's own order of the post (watches, what it likes), or None for the digest's;
# targets left out get nothing (a watches-only chat nothing matched)
PostPlans = Callable[[Sequence[PaperView], Sequence[Target]], list[tuple[Target, PostPlan | None]]]


@dataclass(frozen=True, slots=True)
class PublishSettings:
    """Tunables of a broadcast."""

    workers: int = 8
    lease: timedelta = timedelta(seconds=120)  # a claim older than this is considered dead
    network_retries: int = 5
    backoff_base: float = 1.0
    max_retry_after: float = 3600.0
    in_doubt: InDoubt = InDoubt.RESEND  # a part on the wire when a process died

    @property
    def renew_every(self) -> float:
        """Seconds between claim renewals: a few per lease, so a live claim never expires."""
        return self.lease.total_seconds() / 4


class Publisher:
    """Publishes digests: opens a publication in the ledger and works off its deliveries."""

    def __init__(
        self,
        bot: ExtBot[Any],
        library: Library,
        subscriptions: Subscriptions,
        ledger: Ledger,
        channels: Callable[[], Sequence[int]],
        admins: Callable[[], Sequence[int]],
        settings: PublishSettings | None = None,
        after_post: AfterPost | None = None,
        plans: PostPlans | None = None,
    ) -> None:
        self.bot = bot
        self.library = library
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.channels = channels
        self.admins = admins
        self.settings = settings or PublishSettings()
        self.after_post = after_post
        self.plans = plans
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._render_cache: dict[tuple[int, str], list[str]] = {}
        # the 📌 buttons under each message of a post, by the same key as _render_cache
        self._markup_cache: dict[tuple[int, str], list[InlineKeyboardMarkup | None]] = {}
        # publications this process's workers are delivering now: the periodic resume job
        # leaves them to those workers (it is for claims a dead process left behind), so a
        # broadcast's summary is never taken while a second set of workers still sends
        self._delivering: set[int] = set()
        self._lock = asyncio.Lock()

    # --- what to publish ------------------------------------------------------------

    def targets(self) -> list[Target]:
        """Every subscribed chat plus the configured channels (no filter for those)."""
        subscribed = self.subscriptions.active_targets()
        known = {(t.chat_id, t.thread_id) for t in subscribed}
        extra = [Target(chat_id) for chat_id in self.channels() if (chat_id, 0) not in known]
        return subscribed + extra

    async def publish_next(
        self, trigger: PublishTrigger, slot: str | None = None
    ) -> PublicationSummary | None:
        """Publish the next unpublished digest; with none left, tell the admins once."""
        if slot is not None and await broadcast_db(self.ledger.slot_taken, slot):
            # another process (or an earlier run) owns this slot: just help it finish
            return await self.resume()
        digest_id = await broadcast_db(self.ledger.next_digest)
        if digest_id is None:
            if trigger.scheduled:  # /postnow answers its admin itself
                await self._notify_queue_empty()
            return None
        return await self.publish(digest_id, trigger, slot)

    async def publish(
        self, digest_id: str, trigger: PublishTrigger, slot: str | None = None
    ) -> PublicationSummary | None:
        """Publish ``digest_id`` to every target that has not had it yet."""
        targets = await broadcast_db(self.targets)
        try:
            posts, targets = await broadcast_db(self._render_posts, digest_id, targets)
        except LookupError:  # each delivery then fails with the reason
            posts = {}
            targets = [t for t in targets if not t.watches_only]
        opened: OpenedPublication | None = await broadcast_db(
            self.ledger.open, digest_id, trigger, targets, slot, posts
        )
        if opened is None:
            return None
        log.info(
            "publication %s of %s (%s): %d chats queued, %d already had it",
            opened.id,
            digest_id,
            trigger,
            opened.queued,
            opened.skipped,
        )
        await self.ledger_flag_clear()
        summary = await self.deliver(opened.id)
        # counted when it opened: a chat that subscribes during the broadcast is no
        # "already had it", whatever the target list says afterwards
        return replace(summary, already_had=opened.skipped)

    async def ledger_flag_clear(self) -> None:
        """A digest went out, so the next empty queue is news again."""
        await broadcast_db(self.ledger.set_flag, QUEUE_EMPTY_FLAG, None)

    async def resume(self) -> PublicationSummary | None:
        """Finish every publication that still has pending or stale deliveries."""
        last: PublicationSummary | None = None
        for publication_id in await broadcast_db(self.ledger.unfinished):
            if publication_id not in self._delivering:
                last = await self.deliver(publication_id)
        return last

    async def _notify_queue_empty(self) -> None:
        if await broadcast_db(self.ledger.get_flag, QUEUE_EMPTY_FLAG):
            return
        await broadcast_db(self.ledger.set_flag, QUEUE_EMPTY_FLAG, "1")
        for admin in self.admins():
            try:
                await self.bot.send_message(admin, t("en", "queue_empty"))
            except (Forbidden, BadRequest) as exc:  # admin never started the bot
                log.warning("cannot tell admin %s the queue is empty: %s", admin, exc)
        log.warning("weekly run found no unpublished digest")

    # --- delivering -----------------------------------------------------------------

    async def deliver(self, publication_id: int) -> PublicationSummary:
        """Run workers until no delivery of the publication is claimable."""
        self._delivering.add(publication_id)
        try:
            workers = [
                asyncio.create_task(self._worker(publication_id))
                for _ in range(max(1, self.settings.workers))
            ]
            await asyncio.gather(*workers)
        finally:
            self._delivering.discard(publication_id)
        await broadcast_db(self.ledger.complete_if_done, publication_id)
        summary = await broadcast_db(self.ledger.summary, publication_id)
        log.info(
            "publication %s: %d sent, %d failed, %d pending",
            publication_id,
            summary.sent,
            summary.failed,
            summary.pending,
        )
        return summary

    async def _worker(self, publication_id: int) -> None:
        while True:
            jobs = await broadcast_db(
                self.ledger.claim,
                publication_id,
                self.worker_id,
                self.settings.lease,
                1,
                self.settings.in_doubt,
            )
            if not jobs:
                return
            for job in jobs:
                await self._deliver_one(job)

    def _render(
        self,
        digest_id: str,
        language: str,
        topics: Sequence[str],
        plan: PostPlan | None = None,
        loaded: tuple[DigestView, list[PaperView], list[TopicView]] | None = None,
    ) -> list[str]:
        digest, papers, all_topics = loaded or self._load(digest_id)
        names = {tp.id: tp.name(language) for tp in all_topics}
        labels = [names.get(t, t) for t in topics]
        return weekly_post(digest, papers, language, topics, labels, plan)

    def _load(self, digest_id: str) -> tuple[DigestView, list[PaperView], list[TopicView]]:
        """What a render reads: the digest, its papers, the topics (read once a post)."""
        digest = self.library.digest(digest_id)
        if digest is None:
            raise LookupError(f"digest {digest_id} is not in the store")
        return digest, self.library.digest_papers(digest_id), self.library.topics()

    def _render_posts(
        self, digest_id: str, targets: Sequence[Target]
    ) -> tuple[dict[str, list[str]], list[Target]]:
        """The post for every (language, topic filter, chat's own order) among
        ``targets``, to store, and the targets that get one (with their post's tag). With
        each post, under ``key + BUTTONS_KEY``, the 📌 buttons of each message (paper id
        and label, as JSON): a resumed delivery sends the same buttons even after the
        titles changed (the buttons are found by title in the render, kept as it was)."""
        loaded = self._load(digest_id)
        planned: list[tuple[Target, PostPlan | None]] = [(t, None) for t in targets]
        if self.plans is not None:
            planned = self.plans(loaded[1], targets)
        wanted = {post_key(t.language, t.topics, t.post_tag): (t, plan) for t, plan in planned}
        posts: dict[str, list[str]] = {}
        for key, (target, plan) in wanted.items():
            parts = self._render(digest_id, target.language, target.topics, plan, loaded)
            posts[key] = parts
            posts[key + BUTTONS_KEY] = [
                json.dumps(
                    [
                        [paper.id, post_save_label(paper)]
                        for paper in papers_in_post_part(part, loaded[1])
                    ],
                    ensure_ascii=False,
                )
                for part in parts
            ]
        return posts, [target for target, _plan in planned]

    def _post(self, job: DeliveryJob) -> list[str]:
        """The messages stored with the publication (rendered now if it predates that)."""
        key = (job.publication_id, post_key(job.language, job.topics, job.post_tag))
        cached = self._render_cache.get(key)
        if cached is None:
            cached = self.ledger.post(*key) or self._render(job.digest_id, job.language, job.topics)
            if len(self._render_cache) > 256:
                self._render_cache.clear()
            self._render_cache[key] = cached
        return cached

    def _post_markups(
        self, job: DeliveryJob, parts: Sequence[str]
    ) -> list[InlineKeyboardMarkup | None]:
        """A 📌 Save button for every paper of each message of the post, two to a row."""
        key = (job.publication_id, post_key(job.language, job.topics, job.post_tag))
        cached = self._markup_cache.get(key)
        if cached is None:
            stored = self.ledger.post(key[0], key[1] + BUTTONS_KEY)
            if stored is None or len(stored) != len(parts):  # opened before buttons were kept
                papers = self.library.digest_papers(job.digest_id)
                stored = [
                    json.dumps(
                        [[p.id, post_save_label(p)] for p in papers_in_post_part(part, papers)]
                    )
                    for part in parts
                ]
            cached = []
            for part_buttons in stored:
                buttons = [
                    InlineKeyboardButton(str(label), callback_data=SavePaper(int(paper_id)).pack())
                    for paper_id, label in json.loads(part_buttons)
                ]
                rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
                cached.append(InlineKeyboardMarkup(rows) if rows else None)
            if len(self._markup_cache) > 256:
                self._markup_cache.clear()
            self._markup_cache[key] = cached
        return cached

    async def _deliver_one(self, job: DeliveryJob) -> None:
        keep_claim = asyncio.create_task(self._keep_claim(job))
        try:
            await self._send_parts(job)
        finally:
            keep_claim.cancel()

    async def _keep_claim(self, job: DeliveryJob) -> None:
        """Renew the claim while the delivery task lives (a 429 or the flood limits may
        hold it for longer than the lease); stop once it is no longer ours."""
        while True:
            await asyncio.sleep(self.settings.renew_every)
            if not await broadcast_db(self.ledger.renew, job.id, job.token):
                return

    async def _send_parts(self, job: DeliveryJob) -> None:
        try:
            parts = await broadcast_db(self._post, job)
        except LookupError as exc:
            await broadcast_db(self.ledger.finish, job.id, DeliveryStatus.FAILED, str(exc))
            return
        markups = await broadcast_db(self._post_markups, job, parts)
        chat_id = job.chat_id
        for index in range(job.parts_sent, len(parts)):
            part = (parts[index], markups[index])
            outcome = await self._send_part(job, chat_id, index, part)
            if isinstance(outcome, ChatMoved):  # the same part again, to the new chat id
                chat_id = outcome.chat_id
                outcome = await self._send_part(job, chat_id, index, part)
            if outcome is PartResult.TAKEN_OVER:
                log.warning("delivery %s was taken over by another worker", job.id)
                return
            if outcome is not PartResult.SENT:
                await broadcast_db(self.ledger.part_not_sent, job.id, index)
                if outcome is PartResult.RETRY_LATER:
                    await broadcast_db(self.ledger.release, job.id, "network errors")
                return
            await broadcast_db(self.ledger.part_sent, job.id, index)
        await broadcast_db(self.ledger.finish, job.id, DeliveryStatus.SENT)
        if self.after_post is not None:
            try:
                await self.after_post(job, chat_id)
            except Exception:  # the post is delivered; a failed extra must not undo that
                log.exception("after the post to chat %s", chat_id)

    def _before_send(self, job: DeliveryJob, index: int) -> BeforeSend:
        """Mark the part attempted in the ledger the moment it leaves (after flood waits)."""

        async def mark_attempted() -> None:
            owned = await broadcast_db(self.ledger.part_attempted, job.id, index, job.token)
            if not owned:
                raise SendCancelled(f"delivery {job.id} is claimed by another worker")

        async def mark_refused() -> None:
            await broadcast_db(self.ledger.part_not_sent, job.id, index)

        return BeforeSend(mark_attempted, mark_refused)

    async def _send(
        self,
        job: DeliveryJob,
        chat_id: int,
        index: int,
        part: tuple[str, InlineKeyboardMarkup | None],
    ) -> None:
        hook = self._before_send(job, index)
        limiter = getattr(self.bot, "rate_limiter", None)
        if not isinstance(limiter, DeliveryRateLimiter):
            await hook.hook()  # no hook support: mark just before the call
        text, markup = part
        await self.bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            message_thread_id=job.thread_id or None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            rate_limit_args=hook if isinstance(limiter, DeliveryRateLimiter) else None,
        )

    async def _send_part(
        self,
        job: DeliveryJob,
        chat_id: int,
        index: int,
        part: tuple[str, InlineKeyboardMarkup | None],
    ) -> PartOutcome:
        """Send one message: sent, the chat's new id after a migration, or why not."""
        network_failures = 0
        while True:
            try:
                await self._send(job, chat_id, index, part)
                return PartResult.SENT
            except SendCancelled:
                return PartResult.TAKEN_OVER
            except RetryAfter as exc:
                wait = min(retry_seconds(exc), self.settings.max_retry_after)
                log.info("flood limit for chat %s: waiting %.1fs", chat_id, wait)
                await asyncio.sleep(wait)
            except ChatMigrated as exc:
                log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
                await broadcast_db(self.subscriptions.migrate_chat, chat_id, exc.new_chat_id)
                if not await broadcast_db(self.ledger.move_chat, job.id, exc.new_chat_id):
                    return PartResult.DUPLICATE
                return ChatMoved(int(exc.new_chat_id))
            except Forbidden as exc:
                await self._drop_chat(job, chat_id, f"forbidden: {exc.message}")
                return PartResult.CHAT_GONE
            except BadRequest as exc:
                if any(marker in exc.message.lower() for marker in _GONE_CHAT_ERRORS):
                    await self._drop_chat(job, chat_id, f"bad request: {exc.message}")
                    return PartResult.CHAT_GONE
                log.error("Telegram refused the post for chat %s: %s", chat_id, exc.message)
                await broadcast_db(
                    self.ledger.finish, job.id, DeliveryStatus.FAILED, exc.message[:500]
                )
                return PartResult.REFUSED
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                network_failures += 1
                if network_failures > self.settings.network_retries:
                    log.warning("chat %s: giving up for now after %s", chat_id, exc)
                    return PartResult.RETRY_LATER
                await asyncio.sleep(self.settings.backoff_base * 2 ** (network_failures - 1))

    async def _drop_chat(self, job: DeliveryJob, chat_id: int, reason: str) -> None:
        log.info("unsubscribing chat %s: %s", chat_id, reason)
        thread = job.thread_id if "thread" in reason else None
        await broadcast_db(self.subscriptions.unsubscribe, chat_id, thread, reason[:300])
        await broadcast_db(self.ledger.finish, job.id, DeliveryStatus.FAILED, reason[:500])
