"""Native polls in the fake: ``sendPoll``, ``stopPoll``, and people voting.

The limits are python-telegram-bot's ``telegram.constants.PollLimit`` (options: at least
``MIN_OPTION_NUMBER``, at most 12, each 1-100 characters; a question of 1-300 characters),
counted on the text as Telegram shows it after its parse mode. Polls are anonymous unless the
bot says ``is_anonymous=false``, and non-anonymous polls are refused in channels.

Telegram's updates: a vote in a non-anonymous poll gives a ``poll_answer`` (empty
``option_ids`` when the vote is retracted), and every change of a poll the bot sent gives a
``poll`` update with the new counts (also when it is stopped). The polls live beside the
world (one :class:`PollBook` per world), and :class:`Voters` is the people's side.
"""

from __future__ import annotations

import itertools
import json
import weakref
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import PollLimit

from bot.sandbox.fake_telegram import rules
from bot.sandbox.fake_telegram.html_check import utf16_len
from bot.sandbox.fake_telegram.methods import Backend, bot_api
from bot.sandbox.fake_telegram.records import SentMessage
from bot.sandbox.fake_telegram.rules import bad
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import DEFAULT_USER_ID, JsonDict, StoredMessage, World


@dataclass(slots=True)
class FakePoll:
    """A poll the bot sent, with every voter's current choice."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool
    allows_multiple_answers: bool
    allows_revoting: bool
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)  # user → option ids

    @property
    def counts(self) -> list[int]:
        """Votes per option."""
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return counts

    def to_dict(self) -> JsonDict:
        """The ``Poll`` object as Telegram sends it."""
        return {
            "id": self.id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": count, "persistent_id": str(index)}
                for index, (text, count) in enumerate(zip(self.options, self.counts, strict=True))
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": "regular",
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }


class PollBook:
    """The polls of one world (kept beside it: the world's lock guards them too)."""

    def __init__(self) -> None:
        self.polls: list[FakePoll] = []
        self.by_message: dict[tuple[int, int], FakePoll] = {}
        self._ids = itertools.count(5_000_000_000_001)

    def new_id(self) -> str:
        """A fresh poll id."""
        return str(next(self._ids))


_BOOKS: weakref.WeakKeyDictionary[World, PollBook] = weakref.WeakKeyDictionary()


def book(world: World) -> PollBook:
    """The polls of ``world``."""
    with world.lock:
        found = _BOOKS.get(world)
        if found is None:
            found = _BOOKS[world] = PollBook()
        return found


def _json(params: JsonDict, key: str) -> Any:
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad(f"can't parse {key} JSON object") from exc
    return value


def _flag(params: JsonDict, key: str, default: bool) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _shown(text: Any, parse_mode: Any, empty: str) -> str:
    """The text as Telegram shows it after its parse mode (bad HTML is refused)."""
    if text is None or str(text).strip() == "":
        raise bad(empty)
    visible, _ = rules.check_text(str(text), parse_mode or None, None, empty=empty)
    return visible


def check_poll(params: JsonDict) -> tuple[str, list[str]]:
    """The question and options as shown, with Telegram's limits (``PollLimit``)."""
    question = _shown(
        params.get("question"), params.get("question_parse_mode"), "poll question must be non-empty"
    )
    if utf16_len(question) > PollLimit.MAX_QUESTION_LENGTH:
        raise bad(f"poll question length must not exceed {PollLimit.MAX_QUESTION_LENGTH}")
    raw_options = _json(params, "options")
    if not isinstance(raw_options, list):
        raise bad("can't parse options JSON object")
    if len(raw_options) < PollLimit.MIN_OPTION_NUMBER:
        raise bad(f"poll must have at least {PollLimit.MIN_OPTION_NUMBER} option")
    if len(raw_options) > PollLimit.MAX_OPTION_NUMBER:
        raise bad(f"poll can't have more than {PollLimit.MAX_OPTION_NUMBER} options")
    options = []
    for raw in raw_options:
        text, mode = (
            (raw.get("text"), raw.get("text_parse_mode"))
            if isinstance(raw, dict)
            else (
                raw,
                None,
            )
        )
        shown = _shown(text, mode, "poll options must be non-empty")
        if utf16_len(shown) > PollLimit.MAX_OPTION_LENGTH:
            raise bad(f"poll options length must not exceed {PollLimit.MAX_OPTION_LENGTH}")
        options.append(shown)
    return question, options


@bot_api("sendPoll")
def send_poll(tg: Backend, params: JsonDict) -> JsonDict:
    world = tg.world
    chat = world.chat(params)
    question, options = check_poll(params)
    anonymous = _flag(params, "is_anonymous", True)
    if not anonymous and chat.type == "channel":
        raise bad("non-anonymous polls can't be sent to channel chats")
    markup = rules.check_markup(params.get("reply_markup"))
    tg.faults.flood.check(chat)
    polls = book(world)
    thread_id = params.get("message_thread_id")
    message_id = world.new_message_id(chat.id)
    poll = FakePoll(
        polls.new_id(),
        chat.id,
        message_id,
        question,
        options,
        anonymous,
        _flag(params, "allows_multiple_answers", False),
        _flag(params, "allows_revoting", True),
        is_closed=_flag(params, "is_closed", False),
    )
    data = world.message_dict(chat, message_id, world.bot.user(), "", [], thread_id, markup)
    del data["text"]
    data["poll"] = poll.to_dict()
    stored = StoredMessage(chat.id, message_id, True, data, question, [], markup, thread_id)
    world.messages[(chat.id, message_id)] = stored
    polls.polls.append(poll)
    polls.by_message[(chat.id, message_id)] = poll
    raw_markup = params.get("reply_markup")
    world.record_sent(chat, stored, params, "sendPoll", question, None, raw_markup)
    return data


@bot_api("stopPoll")
def stop_poll(tg: Backend, params: JsonDict) -> JsonDict:
    world = tg.world
    chat = world.chat(params)
    message_id = params.get("message_id")
    if message_id is None:
        raise bad("message identifier is not specified")
    stored = world.messages.get((chat.id, int(message_id)))
    if stored is None or stored.deleted:
        raise bad("message with poll to stop not found")
    poll = book(world).by_message.get((chat.id, int(message_id)))
    if poll is None:
        raise bad("message is not a poll")
    if poll.is_closed:
        raise bad("poll has already been closed")
    poll.is_closed = True
    stored.data["poll"] = poll.to_dict()
    tg.updates.push("poll", poll.to_dict())
    world.changed()
    return poll.to_dict()


class Voters:
    """People answering the bot's polls; each vote queues the updates Telegram sends."""

    def __init__(self, world: World, updates: UpdateQueue) -> None:
        self._world = world
        self._updates = updates

    @property
    def polls(self) -> list[FakePoll]:
        """Every poll the bot sent, oldest first."""
        return book(self._world).polls

    def poll_of(self, message: SentMessage) -> FakePoll:
        """The poll the bot sent as ``message``."""
        with self._world.lock:
            poll = book(self._world).by_message.get((message.chat_id, message.message_id))
        if poll is None:
            raise ValueError(f"message {message.message_id} in {message.chat_id} is not a poll")
        return poll

    def vote(
        self,
        message: SentMessage,
        option_ids: list[int],
        user_id: int = DEFAULT_USER_ID,
        first_name: str | None = None,
        language_code: str | None = "en",
    ) -> list[JsonDict]:
        """A user chooses ``option_ids`` in the poll (``[]`` retracts the vote); returns the
        updates queued: ``poll_answer`` (non-anonymous polls) and ``poll``.

        Raises ValueError for what a real user could not do: vote in a closed poll, pick an
        option that is not there, pick several in a single-answer poll, change a vote where
        revoting is off.
        """
        world = self._world
        with world.lock:
            poll = self.poll_of(message)
            if poll.is_closed:
                raise ValueError("the poll is closed")
            if any(not 0 <= o < len(poll.options) for o in option_ids):
                raise ValueError(f"the poll has options 0…{len(poll.options) - 1}: {option_ids}")
            if len(option_ids) > 1 and not poll.allows_multiple_answers:
                raise ValueError("the poll allows one answer")
            if user_id in poll.votes and not poll.allows_revoting:
                raise ValueError("the poll does not allow changing a vote")
            if not option_ids and user_id not in poll.votes:
                raise ValueError("there is no vote to retract")
            user = world.user(user_id, first_name, None, language_code)
            if option_ids:
                poll.votes[user_id] = sorted(set(option_ids))
            else:
                del poll.votes[user_id]
            pushed = []
            if not poll.is_anonymous:
                pushed.append(
                    self._updates.push(
                        "poll_answer",
                        {
                            "poll_id": poll.id,
                            "user": user,
                            "option_ids": sorted(set(option_ids)),
                            "option_persistent_ids": [str(o) for o in sorted(set(option_ids))],
                        },
                    )
                )
            pushed.append(self._updates.push("poll", poll.to_dict()))
            stored = world.messages.get((poll.chat_id, poll.message_id))
            if stored is not None:
                stored.data["poll"] = poll.to_dict()
            return pushed
