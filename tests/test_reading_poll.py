"""The weekly reading poll end to end: the real bot against the fake Bot API.

A chat opts in with ``/subscribe poll``; right after its weekly post it gets a native,
non-anonymous poll of the post's papers; votes arrive as ``poll_answer`` updates; the poll
closes by ``/poll close`` (chat admins) or after ``poll_hours``, and the winner's card is
posted. Every test asserts the exact messages the chats got.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import BotApp
from bot.config import BotConfig, Environment, load_config
from bot.domain.polls import in_filter, option_text
from bot.domain.reading import RankedPaper, top_text
from bot.domain.render import paper_card, weekly_post
from bot.domain.texts import Raw, t
from bot.domain.views import PaperView
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from bot.sandbox.runner import running_bot
from bot.services import Services
from bot.store.ledger import DeliveryJob
from bot.store.models import ReadingPoll
from bot.store.polls import PollView
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import REPLY_TIMEOUT, Chat

FAST = PublishSettings(workers=4, backoff_base=0.05, network_retries=3)
DIGEST = "2024-w09"  # the next digest of the seed content: 15 papers
GROUP, OTHER_GROUP, PRIVATE = -3001, -3002, 3003
CHAIR, MEMBER = 71, 72  # a chat administrator and a plain member of the groups


@pytest.fixture
async def app(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    async with running_bot(e2e_config, api, publish_settings=FAST) as application:
        yield application


def services_of(app: BotApp) -> Services:
    return app.bot_data.services


def group(api: FakeBotApi, chat_id: int = GROUP, lang: str = "en") -> Chat:
    """A group whose administrator (``CHAIR``) types."""
    api.set_chat_member_status(chat_id, CHAIR, "administrator")
    return Chat(api, chat_id=chat_id, user_id=CHAIR, chat_type="supergroup", lang=lang)


async def opt_in(chat: Chat, subscribe: str = "/subscribe") -> None:
    await chat.ask(subscribe)
    reply = await chat.ask("/subscribe poll")
    assert reply.text == t(chat.lang if chat.lang == "zh" else "en", "poll_on", hours="48")


async def postnow(api: FakeBotApi) -> str:
    """/postnow from the bot admin; returns the report (every delivery is done by then)."""
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    before = len(admin.records)
    api.send_message("/postnow", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any("Published" in m.text for m in admin.records[before:]), 30, what="report"
    )
    return admin.records[-1].text


async def the_poll(api: FakeBotApi, chat_id: int = GROUP) -> SentMessage:
    [poll] = await api.wait_for(
        lambda: api.messages_to(chat_id, method="sendPoll"), REPLY_TIMEOUT, what="a poll"
    )
    return poll


def papers(app: BotApp, topics: tuple[str, ...] = ()) -> list[PaperView]:
    return in_filter(services_of(app).library.digest_papers(DIGEST), topics)


def poll_row(app: BotApp, chat_id: int = GROUP) -> PollView:
    [row] = services_of(app).polls.for_chat(chat_id)
    return row


def winner_text(paper: PaperView, votes: int, lang: str = "en", tie: bool = False) -> str:
    head = t(lang, "poll_winner", count=votes, tie=Raw(t(lang, "poll_tie") if tie else ""))
    return f"{head}\n\n{paper_card(paper, lang)[0]}"


async def stored_tally(api: FakeBotApi, app: BotApp, row_id: int, wanted: list[int]) -> None:
    """Wait until the bot has stored the votes (it re-polls Telegram after each batch)."""
    polls = services_of(app).polls
    await api.wait_for(lambda: polls.tally(row_id) == wanted, REPLY_TIMEOUT, what=f"{wanted}")


# ------------------------------------------------------------------ sending


async def test_poll_follows_the_post_in_opted_in_chats_only(app: BotApp, api: FakeBotApi):
    readers = group(api)
    await opt_in(readers)
    await group(api, OTHER_GROUP).ask("/subscribe")  # the post, no poll
    await Chat(api, chat_id=PRIVATE, user_id=PRIVATE).ask("/subscribe")
    before = len(readers.records)
    await postnow(api)
    poll = await the_poll(api)
    assert api.messages_to(OTHER_GROUP, method="sendPoll") == []
    assert api.messages_to(PRIVATE, method="sendPoll") == []
    # right after the post: every part of it first, then the poll
    library = services_of(app).library
    post = weekly_post(library.digest(DIGEST), library.digest_papers(DIGEST), "en")  # type: ignore[arg-type]
    assert [m.text for m in readers.records[before:]] == [*post, poll.text]
    assert readers.records[-1].method == "sendPoll"
    assert poll.text == "Which paper should we read this week?"
    sent = api.poll_of(poll)
    assert not sent.is_anonymous and not sent.allows_multiple_answers
    # the bot asks Telegram for the updates votes come in
    [*_, last_poll] = [c for c in api.calls if c.method == "getUpdates"]
    assert {"poll", "poll_answer"} <= set(last_poll.params["allowed_updates"])
    # 15 papers, 12 options: nothing saved yet, no topic filter, so the first 12 of the post
    all_papers = papers(app)
    assert len(all_papers) == 15
    assert sent.options == [option_text(p.title_en) for p in all_papers[:12]]
    row = poll_row(app)
    assert row.paper_ids == tuple(p.id for p in all_papers[:12])
    assert row.closes_at - row.opened_at == timedelta(hours=48)


async def test_long_titles_are_shortened_between_words(app: BotApp, api: FakeBotApi):
    await opt_in(group(api))
    await postnow(api)
    sent = api.poll_of(await the_poll(api))
    long_ones = [p.title_en for p in papers(app)[:12] if len(p.title_en) > 100]
    assert long_ones, "the seed week has a title over 100 characters"
    for title in long_ones:
        [option] = [o for o in sent.options if o.endswith("…") and title.startswith(o[:-1])]
        assert len(option) <= 100
        rest = title[len(option) - 1 :]
        assert re.match(r"[\s,:;–-]", rest), (option, rest)  # the cut is between words
    assert all(1 <= len(o) <= 100 for o in sent.options)


async def test_chinese_chat_with_a_topic_filter_gets_its_own_papers(app: BotApp, api: FakeBotApi):
    readers = group(api, lang="zh")
    await opt_in(readers, "/subscribe video-generation")
    await postnow(api)
    poll = await the_poll(api)
    assert poll.text == "本周我们读哪篇论文？"
    mine = papers(app, ("video-generation",))
    assert 2 <= len(mine) <= 12
    assert api.poll_of(poll).options == [option_text(p.title_zh or p.title_en) for p in mine]


async def test_channels_get_the_post_but_never_a_poll(app: BotApp, api: FakeBotApi):
    channel = -1007001
    api.add_chat(channel, "channel", title="Papers")
    subscriptions = services_of(app).subscriptions
    subscriptions.subscribe(channel, 0, chat_type="channel")
    # even if the flag were set (an old row, a hand edit): Telegram refuses non-anonymous
    # polls in channels, and an anonymous one cannot say who wants to read what
    assert subscriptions.set_poll(channel, 0, True)
    await postnow(api)
    assert api.messages_to(channel, method="sendMessage")
    assert api.messages_to(channel, method="sendPoll") == []
    assert not [c for c in api.calls if c.method == "sendPoll"]
    assert services_of(app).polls.for_chat(channel) == []


async def test_a_chat_with_fewer_than_two_papers_gets_no_poll(app: BotApp, api: FakeBotApi):
    counts: dict[str, int] = {}
    for paper in papers(app):
        for topic in paper.topics:
            counts[topic.id] = counts.get(topic.id, 0) + 1
    lonely = next(topic for topic, count in sorted(counts.items()) if count == 1)
    readers = group(api)
    await opt_in(readers, f"/subscribe {lonely}")
    await postnow(api)  # every delivery, and what follows it, is done
    assert readers.records[-1].method == "sendMessage"
    assert api.polls == [] and services_of(app).polls.for_chat(GROUP) == []


async def test_with_more_than_twelve_papers_the_chats_saves_choose(app: BotApp, api: FakeBotApi):
    readers = group(api)
    await opt_in(readers)
    week = papers(app)
    late = week[13:]  # the last two papers of the post: not among the first twelve
    for paper in late:
        assert app.bot_data.services.reading.save(GROUP, paper.id, CHAIR, "Chair")
    await postnow(api)
    sent = api.poll_of(await the_poll(api))
    row = poll_row(app)
    assert len(row.paper_ids) == 12 == len(sent.options)
    assert {p.id for p in late} <= set(row.paper_ids)  # what the chat saved is in
    positions = [p.id for p in week]
    assert list(row.paper_ids) == sorted(row.paper_ids, key=positions.index)  # post order
    by_id = {p.id: p for p in week}
    assert sent.options == [option_text(by_id[i].title_en) for i in row.paper_ids]


async def test_the_poll_is_sent_once_however_often_the_post_is_finished(
    app: BotApp, api: FakeBotApi
):
    await opt_in(group(api))
    await postnow(api)
    await the_poll(api)
    services = services_of(app)
    # a resumed delivery of the same publication (another worker, a resend) reaches the
    # chat's poll step again: the reservation holds
    [job_row] = services.polls.for_chat(GROUP)
    publisher = services.publisher
    after_post = publisher.after_post  # type: ignore[attr-defined]
    job = DeliveryJob(0, job_row.publication_id or 0, DIGEST, GROUP, 0, (), "en", 0, "t")
    await after_post(job, GROUP)
    await publisher.resume()
    assert len(api.messages_to(GROUP, method="sendPoll")) == 1
    assert len(services.polls.for_chat(GROUP)) == 1


# ------------------------------------------------------------------ voting and closing


async def test_votes_are_counted_and_an_admin_closes_the_poll(app: BotApp, api: FakeBotApi):
    readers = group(api)
    await opt_in(readers)
    await postnow(api)
    poll = await the_poll(api)
    row = poll_row(app)
    api.vote(poll, [1], user_id=11)
    api.vote(poll, [2], user_id=12)
    api.vote(poll, [2], user_id=13)
    api.vote(poll, [], user_id=13)  # changed their mind: retracted
    api.vote(poll, [1], user_id=14)
    await stored_tally(api, app, row.id, [0, 2, 1] + [0] * 9)

    member = Chat(api, chat_id=GROUP, user_id=MEMBER, chat_type="supergroup")
    assert (await member.ask("/poll close")).text == t("en", "poll_need_admin")
    assert (await readers.ask("/poll")).text == t("en", "poll_close_usage")
    assert api.poll_of(poll).is_closed is False

    announcement = await readers.ask("/poll close")
    winner = papers(app)[1]
    assert announcement.text == winner_text(winner, 2)
    assert api.poll_of(poll).is_closed
    closed = poll_row(app)
    assert closed.winner_paper_id == winner.id and closed.closed_at is not None
    assert services_of(app).polls.votes_by_paper(GROUP) == {winner.id: 2, papers(app)[2].id: 1}
    assert (await readers.ask("/poll close")).text == t("en", "poll_none_open")
    # the winner is on the chat's reading list, saved by the poll
    [entry] = services_of(app).reading.entries(GROUP)
    assert (entry.paper_id, entry.saved_by, entry.saved_by_name) == (
        winner.id,
        None,
        "the weekly poll",
    )
    # /top counts the votes too: the winner (saved, 2 votes), then the runner-up (1 vote)
    top = await readers.ask("/top")
    ranked = [RankedPaper(winner, 1, 2), RankedPaper(papers(app)[2], 0, 1)]
    assert top.text == top_text("en", ranked, "all", everywhere=False)
    assert "📌 1 · 🗳 2" in top.text and "📌 0 · 🗳 1" in top.text


async def test_a_tie_goes_to_the_earliest_option_and_says_so(app: BotApp, api: FakeBotApi):
    readers = group(api)
    await opt_in(readers)
    await postnow(api)
    poll = await the_poll(api)
    api.vote(poll, [5], user_id=11)
    api.vote(poll, [3], user_id=12)
    await stored_tally(api, app, poll_row(app).id, [0, 0, 0, 1, 0, 1] + [0] * 6)
    announcement = await readers.ask("/poll close")
    assert announcement.text == winner_text(papers(app)[3], 1, tie=True)
    assert "the earliest option among the most voted wins" in announcement.text


async def test_no_votes_adds_nothing(app: BotApp, api: FakeBotApi):
    readers = group(api, lang="zh")
    await opt_in(readers)
    await postnow(api)
    await the_poll(api)
    announcement = await readers.ask("/poll close")
    assert announcement.text == t("zh", "poll_no_votes")
    assert poll_row(app).winner_paper_id is None
    assert services_of(app).reading.entries(GROUP) == []


async def test_the_poll_closes_by_itself_after_poll_hours(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    edit_bot_yaml(config_dir, admins=[ADMIN_ID], poll_hours=0.001)  # 3.6 seconds
    config = load_config(
        config_dir / "bot.yaml", Environment(database_url=f"sqlite:///{tmp_path}/p.sqlite3")
    )
    async with running_bot(config, api, publish_settings=FAST) as app:
        readers = group(api)
        await readers.ask("/subscribe")
        assert (await readers.ask("/subscribe poll")).text == t("en", "poll_on", hours="0.001")
        await postnow(api)
        poll = await the_poll(api)
        api.vote(poll, [0], user_id=11)
        [announcement] = await api.wait_for(
            lambda: [m for m in readers.records if m.text.startswith("🏆")], 20, what="close"
        )
        assert announcement.text == winner_text(papers(app)[0], 1)
        row = poll_row(app)
        assert row.closed_at is not None and row.closed_at >= row.closes_at
        [entry] = app.bot_data.services.reading.entries(GROUP)
        assert entry.paper_id == papers(app)[0].id


async def test_a_restart_between_post_and_close_loses_nothing(
    e2e_config: BotConfig, api: FakeBotApi
):
    async with running_bot(e2e_config, api, publish_settings=FAST) as app:
        readers = group(api)
        await opt_in(readers)
        await postnow(api)
        poll = await the_poll(api)
        api.vote(poll, [4], user_id=11)
        await stored_tally(api, app, poll_row(app).id, [0, 0, 0, 0, 1] + [0] * 7)
        factory = services_of(app).factory
    # while the bot is down: two more votes, and the 48 hours pass
    api.vote(poll, [4], user_id=12)
    api.vote(poll, [0], user_id=13)
    with factory.begin() as session:
        session.execute(update(ReadingPoll).values(closes_at=datetime.now(UTC)))
    async with running_bot(e2e_config, api, publish_settings=FAST, ingest=False) as app:
        [announcement] = await api.wait_for(
            lambda: [m for m in readers.records if m.text.startswith("🏆")], 20, what="close"
        )
        assert announcement.text == winner_text(papers(app)[4], 2)
        row = poll_row(app)
        await stored_tally(api, app, row.id, [1, 0, 0, 0, 2] + [0] * 7)
        assert row.winner_paper_id == papers(app)[4].id
        [entry] = services_of(app).reading.entries(GROUP)
        assert entry.paper_id == papers(app)[4].id
        assert api.poll_of(poll).is_closed
        assert len(api.messages_to(GROUP, method="sendPoll")) == 1  # no second poll


# ------------------------------------------------------------------ the setting


async def test_subscribe_poll_settings_and_unsubscribe_poll(app: BotApp, api: FakeBotApi):
    readers = group(api)
    assert (await readers.ask("/subscribe poll")).text == t("en", "poll_needs_subscription")
    await readers.ask("/subscribe")
    settings = await readers.ask("/settings")
    assert settings.text.endswith("Reading poll: " + t("en", "poll_setting_off"))
    member = Chat(api, chat_id=GROUP, user_id=MEMBER, chat_type="supergroup")
    assert (await member.ask("/subscribe poll")).text == t("en", "need_chat_admin")
    assert (await readers.ask("/subscribe poll")).text == t("en", "poll_on", hours="48")
    assert (await readers.ask("/subscribe poll")).text == t("en", "poll_already_on")
    settings = await readers.ask("/settings")
    assert settings.text.endswith("Reading poll: " + t("en", "poll_setting_on", hours="48"))
    assert services_of(app).subscriptions.get(GROUP).poll  # type: ignore[union-attr]
    assert (await readers.ask("/unsubscribe poll")).text == t("en", "poll_off")
    assert (await readers.ask("/unsubscribe poll")).text == t("en", "poll_already_off")
    # the weekly post itself stays on
    assert "Weekly digest: subscribed ✅" in (await readers.ask("/settings")).text
    zh = await group(api, lang="zh").ask("/settings")
    assert zh.text.endswith("阅读投票：" + t("zh", "poll_setting_off"))
