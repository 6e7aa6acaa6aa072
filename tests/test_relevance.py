"""What this chat likes (issue 24), end to end: /foryou from a chat's 📌 saves, "For this
chat" first in its weekly post once it has five signals, 🔗 Similar under every card, and
no chat seeing another's signals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import BotApp
from bot.config import BotConfig
from bot.domain.relevance import MIN_SIGNALS
from bot.domain.render import PostPlan, weekly_post
from bot.domain.texts import t
from bot.domain.views import PaperView
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID
from tests.harness import Chat

FAST = PublishSettings(workers=4, backoff_base=0.05, network_retries=3)
TOPIC = "efficiency"  # 16 seed papers: five saved leave plenty to recommend
VIDEO = "video-generation"
WEEK = "2024-w09"


@pytest.fixture
async def app(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    async with running_bot(e2e_config, api, publish_settings=FAST) as application:
        yield application


def topic_papers(app: BotApp, topic: str, *, outside: str | None = None) -> list[PaperView]:
    library = app.bot_data.services.library
    papers, _total = library.topic_papers(topic, 0, 100)
    return [p for p in papers if outside is None or p.digest.id != outside]


async def save(chat: Chat, paper_id: int) -> None:
    card = await chat.ask(f"/start paper_{paper_id}")
    [relabelled] = await chat.press(card, f"sv:{paper_id}")  # the button now shows ✓
    assert relabelled.method == "editMessageReplyMarkup"


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit()]


async def test_foryou_needs_five_signals_then_offers_unsaved_papers_like_the_saved(
    app: BotApp, api: FakeBotApi
):
    chat = Chat(api, chat_id=8101, user_id=8101)
    liked = topic_papers(app, TOPIC)[:MIN_SIGNALS]
    for paper in liked[:-1]:
        await save(chat, paper.id)
    cold = await chat.ask("/foryou")
    assert cold.text == t("en", "foryou_cold", count=MIN_SIGNALS - 1, needed=MIN_SIGNALS)
    await save(chat, liked[-1].id)
    reply = await chat.ask("/foryou")
    assert reply.text.splitlines()[0].startswith("✨ <b>For this chat</b>")
    shown = [d for d in reply.callback_data if d.startswith("p:")]
    assert len(shown) == 5
    saved_ids = {p.id for p in liked}
    assert not {int(d[2:]) for d in shown} & saved_ids  # only papers it has not saved
    # each comes with why: the saved paper it resembles
    reasons = [line for line in reply.text.splitlines() if line.startswith("   ↳ like: ")]
    assert len(reasons) == 5
    titles = {p.title_en[:20] for p in liked}
    assert all(r.removeprefix("   ↳ like: ")[:20] in titles for r in reasons)
    # the topic it saved from comes first: most of the top 5 carry it
    library = app.bot_data.services.library
    on_topic = [
        p for p in library.papers([int(d[2:]) for d in shown]) if TOPIC in {x.id for x in p.topics}
    ]
    assert len(on_topic) >= 3
    [page2] = await chat.press(reply, "fy:1")
    assert "(page 2/" in page2.text
    # nothing leaves the chat: another chat has no signals, whatever this one saved
    other = Chat(api, chat_id=8102, user_id=8102)
    assert (await other.ask("/foryou")).text == t("en", "foryou_cold", count=0, needed=MIN_SIGNALS)


async def test_the_weekly_post_puts_for_this_chat_first_after_five_signals(
    app: BotApp, api: FakeBotApi
):
    fan = Chat(api, chat_id=8201, user_id=8201)
    plain = Chat(api, chat_id=8202, user_id=8202)
    for chat in (fan, plain):
        api.add_chat(chat.chat_id, "private")
        await chat.ask("/subscribe")
    # five saves from the topic, none of them in the week about to be posted
    for paper in topic_papers(app, TOPIC, outside=WEEK)[:MIN_SIGNALS]:
        await save(fan, paper.id)
    await save(plain, topic_papers(app, TOPIC, outside=WEEK)[0].id)  # one signal: no order
    seen = {c.chat_id: len(c.records) for c in (fan, plain)}
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    before = len(admin.records)
    api.send_message(f"/postnow {WEEK}", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any("Published" in m.text for m in admin.records[before:]), 30, what="/postnow"
    )
    library = app.bot_data.services.library
    digest, papers = library.digest(WEEK), library.digest_papers(WEEK)
    got = [m.text for m in fan.records[seen[fan.chat_id] :]]
    first = got[0]
    assert "▎<b>For this chat</b>" in first and "▎<b>The rest of the digest</b>" in first
    head = first.split("▎<b>The rest of the digest</b>")[0]
    first_shown = [p for p in papers if p.title_en in head]
    assert first_shown and all(TOPIC in {x.id for x in p.topics} for p in first_shown[:2])
    liked = tuple(p.id for p in sorted(first_shown, key=lambda p: head.index(p.title_en)))
    assert got == weekly_post(digest, papers, "en", plan=PostPlan({}, liked))
    # a chat with one signal gets the digest's order
    assert [m.text for m in plain.records[seen[plain.chat_id] :]] == weekly_post(
        digest, papers, "en"
    )


async def test_similar_button_lists_five_papers_with_their_buttons(app: BotApp, api: FakeBotApi):
    chat = Chat(api)
    card = await chat.ask("/paper genie")
    data = next(d for d in card.callback_data if d.startswith("sm:"))
    assert len(data.encode()) <= 64
    [similar] = await chat.press(card, data)
    lines = similar.text.splitlines()
    assert lines[0] == "🔗 <b>Papers like</b> <b>Genie: Generative Interactive Environments</b>:"
    buttons = [d for d in similar.callback_data if d.startswith("p:")]
    assert len(buttons) == 5 and data.replace("sm:", "p:") not in buttons
    library = app.bot_data.services.library
    shown = library.papers([int(d[2:]) for d in buttons])
    # Genie is a video-generation paper: so are most of its neighbours
    assert sum(VIDEO in {x.id for x in p.topics} for p in shown) >= 3
    [opened] = await chat.press(similar, buttons[0])
    assert f"<b>{shown[0].title_en}</b>" in opened.text.splitlines()[0]  # its card
