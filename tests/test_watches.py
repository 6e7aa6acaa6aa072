"""Watches end to end (issue 24): /watch answers with the archive's best matches; an
uploaded digest's preview counts the chats it matches; the weekly post puts a chat's
watched papers first (🔔), a watches-only chat gets exactly those, once, and nothing in a
week without any; /unwatch stops it; group members who are not administrators cannot
change a chat's watches. The kill -9 case is in test_watches_crash.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import BotApp
from bot.config import BotConfig
from bot.domain.render import PostPlan, paper_line, weekly_post
from bot.domain.texts import t
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID
from tests.harness import Chat

FAST = PublishSettings(workers=4, backoff_base=0.05, network_retries=3)
ZEBRAFISH = (
    b"# AI papers, week of 2025-05-19\n\n"
    b"1) **Zebrafish Vision: Models of the Larval Retina** - a retina model learned from "
    b"zebrafish recordings. [Paper](https://arxiv.org/abs/2505.01111)\n"
    b"2) **Quiet Agents: Planning with Small Models** - small models plan well. "
    b"[Paper](https://arxiv.org/abs/2505.02222)\n"
    b"3) **Swimming Policies: Reinforcement Learning for Fish Robots** - policies trained on "
    b"zebrafish swimming data. [Paper](https://arxiv.org/abs/2505.03333)\n"
)
NEW = "2025-w21"
GENIE_WEEK = "2024-w09"  # its papers include Genie


@pytest.fixture
async def app(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    async with running_bot(e2e_config, api, publish_settings=FAST) as application:
        yield application


def admin(api: FakeBotApi) -> Chat:
    return Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)


async def postnow(api: FakeBotApi, digest_id: str) -> str:
    me = admin(api)
    before = len(me.records)
    api.send_message(f"/postnow {digest_id}", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any("Published" in m.text for m in me.records[before:]), 30, what="/postnow"
    )
    return me.records[-1].text


def expected(app: BotApp, digest_id: str, plan: PostPlan | None) -> list[str]:
    library = app.bot_data.services.library
    papers = library.digest_papers(digest_id)
    return weekly_post(library.digest(digest_id), papers, "en", plan=plan)


def ids_with(app: BotApp, digest_id: str, word: str) -> list[int]:
    papers = app.bot_data.services.library.digest_papers(digest_id)
    return [p.id for p in papers if word in (p.title_en + p.abstract).lower()]


async def test_a_new_watch_answers_with_the_archives_best_matches(app: BotApp, api: FakeBotApi):
    chat = Chat(api, chat_id=7101, user_id=7101)
    reply = await chat.ask("/watch 世界模型")
    genie = app.bot_data.services.library.search("Genie: Generative Interactive Environments")
    paper = app.bot_data.services.library.paper(genie[0].paper_id)
    assert reply.text == "\n".join(
        [
            t("en", "watch_added", query="世界模型"),
            t("en", "watch_matches"),
            paper_line(1, paper),
        ]
    )
    assert reply.callback_data == [f"p:{paper.id}"]
    # the same again: told, not added twice
    again = await chat.ask("/watch 世界模型")
    assert again.text.startswith(t("en", "watch_exists", query="世界模型"))
    # -word excludes: nothing but Genie had the phrase
    none = await chat.ask("/watch 世界模型 -genie")
    assert none.text == "\n".join(
        [t("en", "watch_added", query="世界模型 -genie"), t("en", "watch_no_matches")]
    )
    listing = await chat.ask("/watches")
    assert listing.text.splitlines()[1:] == ["1. 🔔 世界模型", "2. 🔔 世界模型 -genie"]
    [edited] = await chat.press(listing, listing.callback_data[1])
    assert edited.text.splitlines()[1:] == ["1. 🔔 世界模型"]
    assert (await chat.ask("/watch -genie")).text == t("en", "watch_meaningless")


async def test_group_members_cannot_change_watches_but_admins_can(app: BotApp, api: FakeBotApi):
    api.add_chat(-1007100, "supergroup", title="Lab")
    group = Chat(api, chat_id=-1007100, chat_type="supergroup", user_id=55)
    assert (await group.ask("/watch genie")).text == t("en", "need_chat_admin_watch")
    assert (await group.ask("/subscribe watches")).text == t("en", "need_chat_admin")
    assert app.bot_data.services.watches.of_chat(-1007100) == []
    api.set_chat_member_status(-1007100, 55, "administrator")
    assert (await group.ask("/watch genie")).text.startswith(t("en", "watch_added", query="genie"))
    api.set_chat_member_status(-1007100, 55, "member")
    assert (await group.ask("/unwatch genie")).text == t("en", "need_chat_admin_watch")
    listing = await group.ask("/watches")  # anyone may look
    assert await group.press_for_answer(listing, listing.callback_data[0]) == t(
        "en", "need_chat_admin_watch"
    )
    assert [w.query for w in app.bot_data.services.watches.of_chat(-1007100)] == ["genie"]


async def test_upload_counts_watching_chats_and_their_posts_put_watched_papers_first(
    app: BotApp, api: FakeBotApi
):
    only = Chat(api, chat_id=7201, user_id=7201)  # watches only
    full = Chat(api, chat_id=7202, user_id=7202)  # the whole post, watched papers first
    other = Chat(api, chat_id=7203, user_id=7203)  # watches only, nothing matches
    for chat in (only, full, other):
        api.add_chat(chat.chat_id, "private")
    await only.ask("/watch zebrafish")
    assert (await only.ask("/subscribe watches")).text == t(
        "en", "subscribed_watches", when=_when(app)
    )
    await full.ask("/subscribe")
    await full.ask("/watch zebrafish")
    await other.ask("/watch quasar")
    await other.ask("/subscribe watches")
    settings = await only.ask("/settings")
    assert "only papers its watches match 🔔 (1 watch)" in settings.text

    head, part = await admin(api).send_file("z.md", ZEBRAFISH, replies=2)
    assert head.text.endswith("\n\n" + t("en", "preview_watch_reach", count=2))
    _edit, done = await admin(api).press(part, "u:1:a", records=2)
    assert done.text.endswith("\n" + t("en", "preview_watch_reach", count=2))

    seen = {c.chat_id: len(c.records) for c in (only, full, other)}
    await postnow(api, NEW)
    zebra = ids_with(app, NEW, "zebrafish")
    assert len(zebra) == 2
    watched = {pid: "zebrafish" for pid in zebra}
    only_post = expected(app, NEW, PostPlan(watched, only_watched=True))
    assert [m.text for m in only.records[seen[only.chat_id] :]] == only_post
    assert only_post[0].startswith("🔔 <b>AI papers, week of 2025-05-19</b>")
    assert only_post[0].count("🔔 <i>zebrafish</i>") == 2 and "Quiet Agents" not in only_post[0]
    full_post = expected(app, NEW, PostPlan(watched))
    assert [m.text for m in full.records[seen[full.chat_id] :]] == full_post
    text = full_post[0]
    assert text.index("Zebrafish Vision") < text.index("Swimming Policies") < text.index("Quiet")
    assert len(other.records) == seen[other.chat_id]  # nothing matched: no post at all
    # each 📌 button row follows the post's own order
    saves = [d for d in full.records[-1].callback_data if d.startswith("sv:")]
    assert saves[:2] == [f"sv:{zebra[0]}", f"sv:{zebra[1]}"]

    # exactly once: publishing the digest again sends nothing to anyone who had it
    again = {c.chat_id: len(c.records) for c in (only, full, other)}
    await postnow(api, NEW)
    assert {c.chat_id: len(c.records) for c in (only, full, other)} == again
    # a week without matches: the watches-only chat gets nothing, the full one the post
    await postnow(api, GENIE_WEEK)
    assert len(only.records) == again[only.chat_id]
    assert [m.text for m in full.records[again[full.chat_id] :]] == expected(app, GENIE_WEEK, None)


async def test_unwatch_stops_the_watched_post(app: BotApp, api: FakeBotApi):
    stays = Chat(api, chat_id=7301, user_id=7301)
    leaves = Chat(api, chat_id=7302, user_id=7302)
    for chat in (stays, leaves):
        api.add_chat(chat.chat_id, "private")
        await chat.ask("/watch genie")
        await chat.ask("/subscribe watches")
    assert (await leaves.ask("/unwatch genie")).text == t("en", "unwatched", query="genie")
    assert (await leaves.ask("/unwatch genie")).text == t("en", "unwatch_unknown", query="genie")
    before, stays_before = len(leaves.records), len(stays.records)
    await postnow(api, GENIE_WEEK)
    genie = ids_with(app, GENIE_WEEK, "genie")
    plan = PostPlan(dict.fromkeys(genie, "genie"), only_watched=True)
    assert [m.text for m in stays.records[stays_before:]] == expected(app, GENIE_WEEK, plan)
    assert len(leaves.records) == before


def _when(app: BotApp) -> str:
    from bot.domain.schedule import format_local

    services = app.bot_data.services
    return format_local(services.next_post_time(services.clock()), services.config.timezone)
