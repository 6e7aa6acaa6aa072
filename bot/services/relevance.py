"""Relevance per chat, similar papers, and the personalised weekly post.

:class:`Relevance` keeps the archive's TF-IDF space (``bot.domain.relevance``), built on
first use and again after an ingest, and one profile per chat, retrained on a worker
thread when the chat's signals (📌 saves, poll votes, watches) change — the handlers call
:meth:`Relevance.touch` after each change, so a reply never waits for a training. A
chat's profile is built from that chat's signals only, kept in this process, and used
only for that chat.

:meth:`Relevance.plans` decides, for each target of a weekly post, what it gets: its
watched papers first (🔔, with the watch), "For this chat" next once it has
``MIN_SIGNALS`` signals, the rest in digest order — or, subscribed to its watches only,
just the watched papers (no post when none match).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.relevance import MIN_SIGNALS, ChatModel, PaperSpace, Reason, document
from bot.domain.render import PostPlan
from bot.domain.topics import Taxonomy
from bot.domain.views import PaperView
from bot.domain.watches import WatchedPaper, WatchQuery, matching_watch, paper_tokens
from bot.store.paper_texts import paper_texts
from bot.store.subscriptions import Target
from bot.store.watches import ChatSignals, WatchStore

log = logging.getLogger(__name__)

FOR_CHAT = 5  # papers under "For this chat" in a weekly post
SIMILAR = 5


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A paper ``/foryou`` offers, and why."""

    paper_id: int
    reason: Reason


class Relevance:
    """The TF-IDF space, the per-chat profiles, and the post plans built from them."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        watches: WatchStore,
        taxonomy: Callable[[], Taxonomy],
    ) -> None:
        self.factory = factory
        self.watches = watches
        self.taxonomy = taxonomy
        self._space: PaperSpace | None = None
        self._models: dict[int, tuple[tuple[object, ...], ChatModel]] = {}
        self._lock = threading.Lock()
        self._worker: ThreadPoolExecutor | None = None

    # --- the space ------------------------------------------------------------------

    def space(self) -> PaperSpace:
        """The archive's TF-IDF space (built now if an ingest made it stale)."""
        space = self._space
        if space is None:
            with self._lock:
                space = self._space
                if space is None:
                    texts = paper_texts(self.factory)
                    space = PaperSpace.build(
                        [p.id for p in texts],
                        (document(p.title_tokens, p.abstract_tokens, p.topics) for p in texts),
                    )
                    del texts
                    self._space = space
                    self._models.clear()
        return space

    def invalidate(self) -> None:
        """The archive changed (an ingest): rebuild the space and profiles on next use."""
        with self._lock:
            self._space = None
            self._models.clear()

    # --- per chat -------------------------------------------------------------------

    def model(self, chat_id: int, signals: ChatSignals | None = None) -> ChatModel:
        """The chat's profile, retrained if its signals changed since."""
        signals = signals or self.watches.signals(chat_id)
        space = self.space()
        cached = self._models.get(chat_id)
        if cached is not None and cached[0] == signals.fingerprint and cached[1].space is space:
            return cached[1]
        model = ChatModel.train(space, signals.papers, signals.watches)
        self._models[chat_id] = (signals.fingerprint, model)
        return model

    def touch(self, chat_id: int) -> None:
        """The chat's signals changed: retrain its profile on the worker thread."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relevance")
        future = self._worker.submit(self.model, chat_id)
        future.add_done_callback(_log_failure)

    def for_you(
        self, chat_id: int, offset: int, limit: int, signals: ChatSignals | None = None
    ) -> tuple[list[Recommendation], int]:
        """A page of the archive's best papers for the chat that it has not saved, and
        how many there are to page through (at most 50)."""
        model = self.model(chat_id, signals)
        best = model.recommend(50)
        page = best[offset : offset + limit]
        return [Recommendation(pid, model.reason(pid)) for pid, _s in page], len(best)

    def signal_count(self, chat_id: int) -> int:
        """How many signals the chat has given."""
        return self.watches.signals(chat_id).count

    def similar(self, paper_id: int, count: int = SIMILAR) -> list[int]:
        """The ``count`` papers most like ``paper_id``."""
        return [pid for pid, score in self.space().similar(paper_id, count) if score > 0]

    # --- the weekly post ------------------------------------------------------------

    def watch_queries(
        self, queries: Sequence[str], memo: dict[str, WatchQuery] | None = None
    ) -> list[WatchQuery]:
        """Watches prepared for matching (a watch naming a topic also matches it);
        ``memo`` keeps them across chats (a weekly post prepares every chat's)."""
        if memo is not None:
            missing = [q for q in dict.fromkeys(queries) if q not in memo]
            memo.update(zip(missing, self.watch_queries(missing), strict=True))
            return [memo[q] for q in queries]
        taxonomy = self.taxonomy()
        prepared = []
        for text in queries:
            named = taxonomy.named(text)
            focus = taxonomy.focus(named, text) if named else None
            if named is not None and focus is not None and named.narrow:
                # a narrow alias (quantization): its own words, not the whole broad topic
                words = named.focus_words(named.names()[focus])
                prepared.append(WatchQuery.parse(text, any_of=words))
            else:
                prepared.append(WatchQuery.parse(text, named.id if named else None))
        return prepared

    def watch_reach(self, papers: Sequence[WatchedPaper]) -> int:
        """How many chats' watches match at least one of ``papers`` (stored or not)."""
        tokens = [paper_tokens(p) for p in papers]
        reach = 0
        for watches in self.watches.by_chat().values():
            queries = self.watch_queries([w.query for w in watches])
            if any(
                matching_watch(queries, p, words) for p, words in zip(papers, tokens, strict=True)
            ):
                reach += 1
        return reach

    def plans(
        self, papers: Sequence[PaperView], targets: Sequence[Target]
    ) -> list[tuple[Target, PostPlan | None]]:
        """Each target with its plan (None: the digest as it is); a watches-only target
        nothing matches is left out."""
        tokens = {p.id: paper_tokens(p) for p in papers}
        token_sets = {pid: frozenset(words) for pid, words in tokens.items()}
        by_chat = self.watches.by_chat()
        memo: dict[str, WatchQuery] = {}
        signals = self.watches.signals_of([t.chat_id for t in targets if not t.watches_only])
        planned: list[tuple[Target, PostPlan | None]] = []
        for target in targets:
            queries = self.watch_queries([w.query for w in by_chat.get(target.chat_id, ())], memo)
            shown = [
                p
                for p in papers
                if not target.topics or set(target.topics) & {tp.id for tp in p.topics}
            ]
            watched = {}
            for paper in shown if queries else ():
                watch = matching_watch(queries, paper, tokens[paper.id], token_sets[paper.id])
                if watch is not None:
                    watched[paper.id] = watch.text
            if target.watches_only:
                if watched:
                    plan = PostPlan(watched, (), only_watched=True)
                    planned.append((replace(target, post_tag=plan.tag()), plan))
                continue
            liked: tuple[int, ...] = ()
            chat_signals = signals.get(target.chat_id)
            if chat_signals is not None and chat_signals.count >= MIN_SIGNALS:
                model = self.model(target.chat_id, chat_signals)
                rest = [p.id for p in shown if p.id not in watched]
                liked = tuple(model.order(rest, FOR_CHAT))
            if not watched and not liked:
                planned.append((target, None))
                continue
            plan = PostPlan(watched, liked)
            planned.append((replace(target, post_tag=plan.tag()), plan))
        return planned


def _log_failure(future: object) -> None:
    exc = getattr(future, "exception", lambda: None)()
    if exc is not None:
        log.error("retraining a chat's relevance model failed: %r", exc)
