"""The fake Bot API's polls, driven by the real python-telegram-bot client: ``sendPoll`` and
``stopPoll`` within Telegram's limits (``telegram.constants.PollLimit``), refusals with
Telegram's words, and the ``poll_answer`` / ``poll`` updates people's votes produce."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputPollOption
from telegram.constants import ParseMode, PollLimit
from telegram.error import BadRequest

from bot.sandbox.fake_telegram import FakeBotApi

TOKEN = "123:ABC"
GROUP = -4001
CHANNEL = -1004002


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        server.add_chat(GROUP, "supergroup", title="Readers")
        server.add_chat(CHANNEL, "channel", title="News")
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


async def test_send_poll_within_the_limits_is_recorded(api: FakeBotApi, bot: Bot) -> None:
    options = ["a" * PollLimit.MAX_OPTION_LENGTH, *[f"option {i}" for i in range(11)]]
    assert len(options) == PollLimit.MAX_OPTION_NUMBER
    question = "q" * PollLimit.MAX_QUESTION_LENGTH
    message = await bot.send_poll(GROUP, question, options, is_anonymous=False)
    assert message.poll is not None and not message.poll.is_anonymous
    assert [o.text for o in message.poll.options] == options
    [poll] = api.polls
    assert (poll.chat_id, poll.message_id, poll.question) == (GROUP, message.message_id, question)
    [record] = api.messages_to(GROUP, method="sendPoll")
    assert record.text == question
    # anonymous unless the bot says otherwise, as in Telegram
    anonymous = await bot.send_poll(GROUP, "Which?", ["x", "y"])
    assert anonymous.poll is not None and anonymous.poll.is_anonymous


@pytest.mark.parametrize(
    ("question", "options", "error"),
    [
        ("Which?", [], f"poll must have at least {PollLimit.MIN_OPTION_NUMBER} option"),
        ("Which?", [f"o{i}" for i in range(13)], "poll can't have more than 12 options"),
        ("Which?", ["fine", "x" * 101], "poll options length must not exceed 100"),
        ("q" * 301, ["a", "b"], "poll question length must not exceed 300"),
        ("Which?", ["a", " "], "poll options must be non-empty"),
    ],
)
async def test_polls_outside_the_limits_are_refused(
    api: FakeBotApi, bot: Bot, question: str, options: list[str], error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){re.escape(error)}"):
        await bot.send_poll(GROUP, question, options)
    assert api.polls == []
    assert api.calls[-1].status == 400


async def test_option_length_counts_the_text_after_its_parse_mode(bot: Bot) -> None:
    escaped = "R&amp;D " + "x" * 94  # 100 characters once parsed
    message = await bot.send_poll(
        GROUP,
        "Which?",
        [InputPollOption(escaped, text_parse_mode=ParseMode.HTML), "b"],
        question_parse_mode=ParseMode.HTML,
    )
    assert message.poll is not None and message.poll.options[0].text == "R&D " + "x" * 94
    with pytest.raises(BadRequest, match=r"(?i)" + "can't parse entities"):
        await bot.send_poll(
            GROUP, "Which?", [InputPollOption("a <b", text_parse_mode=ParseMode.HTML), "b"]
        )


async def test_non_anonymous_polls_are_refused_in_channels(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(
        BadRequest, match=r"(?i)" + "non-anonymous polls can't be sent to channel chats"
    ):
        await bot.send_poll(CHANNEL, "Which?", ["a", "b"], is_anonymous=False)
    await bot.send_poll(CHANNEL, "Which?", ["a", "b"])  # an anonymous one is fine
    assert len(api.polls) == 1


async def test_votes_give_poll_answer_and_poll_updates(api: FakeBotApi, bot: Bot) -> None:
    message = await bot.send_poll(GROUP, "Which?", ["a", "b", "c"], is_anonymous=False)
    [record] = api.messages_to(GROUP, method="sendPoll")
    api.vote(record, [1], user_id=11)
    api.vote(record, [2], user_id=12)
    api.vote(record, [], user_id=12)  # retracted
    updates = await bot.get_updates()
    kinds = [(u.poll_answer is not None, u.poll is not None) for u in updates]
    assert kinds == [(True, False), (False, True)] * 3
    answers = [u.poll_answer for u in updates if u.poll_answer]
    assert [(a.user.id, a.option_ids) for a in answers if a.user] == [
        (11, (1,)),
        (12, (2,)),
        (12, ()),
    ]
    assert all(a.poll_id == message.poll.id for a in answers if message.poll)
    last_state = [u.poll for u in updates if u.poll][-1]
    assert last_state is not None
    assert [o.voter_count for o in last_state.options] == [0, 1, 0]
    assert last_state.total_voter_count == 1
    with pytest.raises(ValueError, match="one answer"):
        api.vote(record, [0, 1], user_id=13)
    with pytest.raises(ValueError, match="options 0…2"):
        api.vote(record, [3], user_id=13)


async def test_anonymous_votes_give_only_poll_updates(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_poll(GROUP, "Which?", ["a", "b"])
    [record] = api.messages_to(GROUP, method="sendPoll")
    api.vote(record, [0], user_id=11)
    [update] = await bot.get_updates()
    assert update.poll is not None and update.poll_answer is None
    assert [o.voter_count for o in update.poll.options] == [1, 0]


async def test_stop_poll_returns_the_final_counts_once(api: FakeBotApi, bot: Bot) -> None:
    message = await bot.send_poll(GROUP, "Which?", ["a", "b"], is_anonymous=False)
    [record] = api.messages_to(GROUP, method="sendPoll")
    api.vote(record, [1], user_id=11)
    stopped = await bot.stop_poll(GROUP, message.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [0, 1]
    with pytest.raises(BadRequest, match=r"(?i)" + "poll has already been closed"):
        await bot.stop_poll(GROUP, message.message_id)
    with pytest.raises(ValueError, match="closed"):
        api.vote(record, [0], user_id=12)
    text = await bot.send_message(GROUP, "not a poll")
    with pytest.raises(BadRequest, match=r"(?i)" + "message is not a poll"):
        await bot.stop_poll(GROUP, text.message_id)
    with pytest.raises(BadRequest, match=r"(?i)" + "message with poll to stop not found"):
        await bot.stop_poll(GROUP, 9999)
    updates = await bot.get_updates()
    assert updates[-1].poll is not None and updates[-1].poll.is_closed
