"""Weekly publishing end to end: schedule, ledger, order, filters, and Telegram's failures.

The real bot runs against the fake Bot API; faults (429, 403, migration, 5xx) are injected
there. Every test checks what each chat received, message by message.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApp
from bot.config import BotConfig, Environment, load_config
from bot.domain.delivery import PublishTrigger
from bot.domain.render import weekly_post
from bot.domain.texts import t
from bot.jobs.publisher import PublishSettings
from bot.jobs.weekly import WEEKLY_JOB
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import Chat

FAST = PublishSettings(workers=4, backoff_base=0.05, network_retries=3)
ORDER = ["2024-w09", "2024-w16", "2024-w21"]  # config/digests.yaml


@pytest.fixture
async def app(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    async with running_bot(e2e_config, api, publish_settings=FAST) as application:
        yield application


def expected_post(app: BotApp, digest_id: str, lang: str = "en", topics: tuple[str, ...] = ()):
    library = app.bot_data.services.library
    digest = library.digest(digest_id)
    names = {tp.id: tp.name(lang) for tp in library.topics()}
    return weekly_post(
        digest, library.digest_papers(digest_id), lang, topics, [names[x] for x in topics]
    )


def subscribe(app: BotApp, api: FakeBotApi, chat_id: int, thread_id: int = 0, **kwargs) -> None:
    """Subscribe a chat as /subscribe would; Telegram knows the chat (the user started it)."""
    if chat_id > 0:
        api.add_chat(chat_id, "private")
    app.bot_data.services.subscriptions.subscribe(chat_id, thread_id, **kwargs)


async def posts(api: FakeBotApi, chat_id: int, count: int, thread_id: int | None = None):
    records = await api.wait_for_messages(chat_id, count, 20, thread_id=thread_id)
    return [m.text for m in records]


async def postnow(api: FakeBotApi, arg: str = "") -> str:
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    before = len(admin.records)
    api.send_message(f"/postnow {arg}".strip(), chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any(
            "Published" in m.text or "queue is empty" in m.text or "No digest" in m.text
            for m in admin.records[before:]
        ),
        30,
        what="/postnow report",
    )
    return admin.records[-1].text


# ------------------------------------------------------------------ the schedule


async def test_scheduled_run_posts_the_next_digest_at_the_configured_time(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    config = load_config(
        config_dir / "bot.yaml", Environment(database_url=f"sqlite:///{tmp_path}/s.sqlite3")
    )
    # far enough ahead for the bot to be up on a loaded machine (a later start would
    # schedule next week's run instead)
    soon = (datetime.now(config.timezone) + timedelta(seconds=8)).replace(microsecond=0)
    edit_bot_yaml(
        config_dir,
        schedule={"day_of_week": soon.strftime("%a").lower(), "time": soon.strftime("%H:%M:%S")},
        channels=[-100900],
    )
    config = load_config(
        config_dir / "bot.yaml", Environment(database_url=f"sqlite:///{tmp_path}/s.sqlite3")
    )
    api.add_chat(-100900, "channel", title="Papers")
    api.add_chat(-100901, "supergroup", title="Forum", is_forum=True)
    async with running_bot(config, api, publish_settings=FAST) as app:
        job = app.job_queue.get_jobs_by_name(WEEKLY_JOB)[0]
        assert abs((job.next_t - soon).total_seconds()) < 1.5
        subscribe(app, api, 501)
        subscribe(app, api, 502, language="zh")
        subscribe(app, api, -100901, 7, chat_type="supergroup")
        nothing_yet = len(api.sent)
        want_en = expected_post(app, "2024-w09")
        want_zh = expected_post(app, "2024-w09", "zh")
        assert await posts(api, 501, len(want_en)) == want_en
        assert datetime.now(config.timezone) >= soon
        assert nothing_yet == 0
        assert await posts(api, 502, len(want_zh)) == want_zh
        assert await posts(api, -100900, len(want_en)) == want_en
        assert await posts(api, -100901, len(want_en), thread_id=7) == want_en
        assert app.bot_data.services.ledger.published_ids() == {"2024-w09"}
        # the same slot never publishes twice, even if the job fired again
        await app.job_queue.get_jobs_by_name(WEEKLY_JOB)[0].run(app)
        assert len(api.messages_to(501)) == len(want_en)


async def test_reload_reschedules_without_restart(app: BotApp, api: FakeBotApi):
    config = app.bot_data.services.config
    before = app.job_queue.get_jobs_by_name(WEEKLY_JOB)[0].next_t
    edit_bot_yaml(config.path.parent, schedule={"day_of_week": "fri", "time": "18:30"})
    await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/reload")
    jobs = app.job_queue.get_jobs_by_name(WEEKLY_JOB)
    assert len([j for j in jobs if not j.removed]) == 1
    after = jobs[-1].next_t.astimezone(config.timezone)
    assert after != before and (after.strftime("%a %H:%M") == "Fri 18:30")
    start = await Chat(api).ask("/start")
    assert f"<b>{after:%a %Y-%m-%d} 18:30 (Asia/Shanghai)</b>" in start.text


# ------------------------------------------------------------------ order and the ledger


async def test_postnow_follows_digests_yaml_order_then_reports_an_empty_queue(
    app: BotApp, api: FakeBotApi
):
    subscribe(app, api, 601)
    sent = 0
    for digest_id in ORDER:
        report = await postnow(api)
        assert report == t("en", "postnow_done", id=digest_id, sent=1, failed=0, skipped=0)
        want = expected_post(app, digest_id)
        sent += len(want)
        assert (await posts(api, 601, sent))[-len(want) :] == want
    before_empty = len(api.messages_to(ADMIN_ID))
    assert await postnow(api) == t("en", "queue_empty")
    # the admin's updates run in order: once a later /start is answered, /postnow's handler
    # has ended, and any extra notice it caused is in
    api.send_message("/start", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any(
            m.text != t("en", "queue_empty") for m in api.messages_to(ADMIN_ID)[before_empty:]
        ),
        20,
        what="the reply to /start",
    )
    after = [m.text for m in api.messages_to(ADMIN_ID)[before_empty:]]
    assert after[:-1] == [t("en", "queue_empty")]  # the reply, no extra notice
    # the weekly job with an empty queue tells the admins once, not every week
    publisher = app.bot_data.services.publisher
    admin_chat = api.messages_to(ADMIN_ID)
    await publisher.publish_next(PublishTrigger.SCHEDULE, "weekly:2030-01-07T01:00:00Z")
    await publisher.publish_next(PublishTrigger.SCHEDULE, "weekly:2030-01-14T01:00:00Z")
    notices = [m for m in api.messages_to(ADMIN_ID)[len(admin_chat) :]]
    assert [m.text for m in notices] == [t("en", "queue_empty")]
    assert len(api.messages_to(601)) == sent


async def test_late_subscribers_are_not_pushed_old_digests(app: BotApp, api: FakeBotApi):
    subscribe(app, api, 701)
    await postnow(api)
    subscribe(app, api, 702)
    await postnow(api)
    first, second = expected_post(app, ORDER[0]), expected_post(app, ORDER[1])
    assert await posts(api, 701, len(first) + len(second)) == first + second
    assert await posts(api, 702, len(second)) == second
    # /postnow <id> republishes to chats that have not had it: only 702 lacks w09
    report = await postnow(api, ORDER[0])
    assert report == t("en", "postnow_done", id=ORDER[0], sent=1, failed=0, skipped=1)
    assert (await posts(api, 702, len(second) + len(first)))[-len(first) :] == first
    assert len(api.messages_to(701)) == len(first) + len(second)


async def test_topic_filters_and_a_week_without_matching_papers(app: BotApp, api: FakeBotApi):
    subscribe(app, api, 801, topics=("multimodal",))
    subscribe(app, api, 802, topics=("audio-music",))
    subscribe(app, api, 803)
    await postnow(api, ORDER[2])  # the LLM digest: multimodal papers but nothing on music
    code_post = expected_post(app, ORDER[2], topics=("multimodal",))
    assert await posts(api, 801, len(code_post)) == code_post
    assert re.search(r"· \d of 17 papers, on: Multimodal", code_post[0]), code_post[0]
    [note] = await posts(api, 802, 1)
    assert note.startswith("📚 <b>") and "no papers on Music &amp; audio this week" in note
    full = expected_post(app, ORDER[2])
    assert await posts(api, 803, len(full)) == full
    assert len("".join(code_post)) < len("".join(full))


async def test_postnow_report_does_not_count_a_chat_that_subscribed_meanwhile(
    app: BotApp, api: FakeBotApi
):
    subscribe(app, api, 1301)
    api.inject_fault(chat_id=1301, kind="delay", seconds=1.5)  # the broadcast is under way
    report = asyncio.create_task(postnow(api))
    await api.wait_for(lambda: any(f.hits for f in api.faults), 10, what="broadcast started")
    subscribe(app, api, 1302)  # subscribes while the post is on its way to 1301
    assert await report == t("en", "postnow_done", id=ORDER[0], sent=1, failed=0, skipped=0)


async def test_the_resume_job_leaves_a_running_broadcast_to_its_own_workers(
    app: BotApp, api: FakeBotApi
):
    for chat_id in (1401, 1402, 1403):
        subscribe(app, api, chat_id)
    api.inject_fault(chat_id=1401, kind="delay", seconds=1.0)
    publisher = app.bot_data.services.publisher
    publishing = asyncio.create_task(publisher.publish_next(PublishTrigger.POSTNOW))
    await api.wait_for(lambda: any(f.hits for f in api.faults), 10, what="broadcast started")
    # the periodic resume job firing mid-broadcast: it must not run a second set of workers
    # whose last sends would still be under way when the broadcast reports
    assert await publisher.resume() is None
    summary = await publishing
    assert summary is not None and (summary.sent, summary.pending) == (3, 0)


# ------------------------------------------------------------------ Telegram's failures


async def test_flood_waits_retry_after_and_delivers_everything_once(app: BotApp, api: FakeBotApi):
    chats = list(range(1101, 1121))
    for chat_id in chats:
        subscribe(app, api, chat_id)
    for chat_id in chats[:5]:
        api.inject_fault(chat_id=chat_id, kind="retry_after", retry_after=1)
    api.inject_fault(kind="retry_after", retry_after=1, times=3)  # any chat
    report = await postnow(api)
    assert report == t("en", "postnow_done", id=ORDER[0], sent=20, failed=0, skipped=0)
    want = expected_post(app, ORDER[0])
    for chat_id in chats:
        assert [m.text for m in api.messages_to(chat_id)] == want
    assert sum(f.hits for f in api.faults) == 8


async def test_forbidden_unsubscribes_and_the_others_still_get_it(app: BotApp, api: FakeBotApi):
    for chat_id in (1201, 1202, 1203):
        subscribe(app, api, chat_id)
    api.inject_fault(chat_id=1202, kind="forbidden", times=99)
    report = await postnow(api)
    assert report == t("en", "postnow_done", id=ORDER[0], sent=2, failed=1, skipped=0)
    want = expected_post(app, ORDER[0])
    assert [m.text for m in api.messages_to(1201)] == want
    assert [m.text for m in api.messages_to(1203)] == want
    assert api.messages_to(1202) == []
    gone = app.bot_data.services.subscriptions.get(1202)
    assert gone is not None and not gone.active and "blocked" in (gone.reason or "")


async def test_group_migrated_to_supergroup_gets_it_at_the_new_id(app: BotApp, api: FakeBotApi):
    api.add_chat(-3001, "group", title="Old group")
    api.add_chat(-1003001, "supergroup", title="Old group")
    subscribe(app, api, -3001, chat_type="group")
    api.inject_fault(chat_id=-3001, kind="migrate", new_chat_id=-1003001, times=99)
    report = await postnow(api)
    assert report == t("en", "postnow_done", id=ORDER[0], sent=1, failed=0, skipped=0)
    assert [m.text for m in api.messages_to(-1003001)] == expected_post(app, ORDER[0])
    subs = app.bot_data.services.subscriptions
    assert subs.get(-1003001).active and (subs.get(-3001) is None or not subs.get(-3001).active)


async def test_server_errors_are_retried_with_backoff(app: BotApp, api: FakeBotApi):
    subscribe(app, api, 1301)
    api.inject_fault(chat_id=1301, kind="server_error", times=2)
    await postnow(api)
    assert [m.text for m in api.messages_to(1301)] == expected_post(app, ORDER[0])
    refused = [c for c in api.calls if c.method == "sendMessage" and c.status >= 500]
    assert len(refused) == 2


async def test_posts_never_exceed_telegram_limits_and_never_cut_a_paper(
    app: BotApp, api: FakeBotApi
):
    subscribe(app, api, 1401)
    library = app.bot_data.services.library
    for digest_id in ORDER:
        await postnow(api)
        for part in expected_post(app, digest_id):
            assert len(part) <= 4096
        joined = "\n".join(expected_post(app, digest_id))
        for paper in library.digest_papers(digest_id):
            assert joined.count(paper.title_en.replace("&", "&amp;").replace("<", "&lt;")) >= 1
    counts = Counter(m.text for m in api.messages_to(1401))
    assert max(counts.values()) == 1  # nothing twice


# ------------------------------------------------------------------ restarts


async def test_catch_up_posts_once_and_not_again_after_restart(
    config_dir: Path, tmp_path: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
):
    from bot import app as app_module
    from bot.jobs.weekly import INSTALLED_FLAG
    from bot.store.db import make_engine, make_session_factory, migrate
    from bot.store.ledger import Ledger
    from bot.store.subscriptions import Subscriptions

    url = f"sqlite:///{tmp_path / 'catchup.sqlite3'}"
    tz = load_config(config_dir / "bot.yaml", Environment(database_url=url)).timezone
    missed = (datetime.now(tz) - timedelta(hours=5)).replace(second=0, microsecond=0)
    edit_bot_yaml(
        config_dir,
        schedule={"day_of_week": f"{missed:%a}".lower(), "time": f"{missed:%H:%M}"},
    )
    config = load_config(config_dir / "bot.yaml", Environment(database_url=url))
    engine = make_engine(url)
    migrate(engine)
    factory = make_session_factory(engine)
    Ledger(factory).set_flag(INSTALLED_FLAG, (datetime.now(UTC) - timedelta(days=30)).isoformat())
    api.add_chat(1601, "private")
    Subscriptions(factory).subscribe(1601)
    engine.dispose()
    caught_up: list[str | None] = []  # what each start's catch-up job published, once done
    real_catch_up = app_module.catch_up

    async def recorded(*args: Any) -> str | None:
        slot = await real_catch_up(*args)
        caught_up.append(slot)
        return slot

    monkeypatch.setattr(app_module, "catch_up", recorded)
    async with running_bot(config, api, catch_up_on_start=True) as app:
        want = expected_post(app, ORDER[0])
        assert await posts(api, 1601, len(want)) == want
        await api.wait_for(lambda: caught_up, 20, what="the first catch-up finished")
    assert caught_up[0] is not None
    async with running_bot(config, api, catch_up_on_start=True) as app:
        # the second start's catch-up ran to its end (and its deliveries with it)
        await api.wait_for(lambda: len(caught_up) == 2, 20, what="the second catch-up finished")
        assert caught_up[1] is None
        assert app.bot_data.services.ledger.published_ids() == {ORDER[0]}
    assert len(api.messages_to(1601)) == len(want)


async def test_broadcast_under_simulated_flood_limits_loses_nothing(app: BotApp, api: FakeBotApi):
    api.flood_limits(30, 20)
    chats = list(range(1701, 1761))
    for chat_id in chats:
        subscribe(app, api, chat_id)
    api.add_chat(-1001701, "supergroup", title="Busy group")
    subscribe(app, api, -1001701, chat_type="supergroup")
    report = await postnow(api)
    assert report == t("en", "postnow_done", id=ORDER[0], sent=61, failed=0, skipped=0)
    want = expected_post(app, ORDER[0])
    for chat_id in [*chats, -1001701]:
        assert [m.text for m in api.messages_to(chat_id)] == want
    assert api.flood_rejections == 0  # evenly paced: never over 30 in any second
