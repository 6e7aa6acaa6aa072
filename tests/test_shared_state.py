"""State that must look the same whichever instance answers, and after a restart.

Paging buttons carry a key to a result list stored in the database; ``/reload`` on one
instance bumps a config version the others follow within seconds; an edited old command
message runs nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.domain.texts import t
from bot.jobs.weekly import WEEKLY_JOB
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.store.models import KeyValue
from bot.store.shared_state import RESULTS_PREFIX, RESULTS_TTL_SECONDS, REUSE_SECONDS, SharedState
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import REPLY_TIMEOUT, Chat

NEW_ADMIN = 5151


async def test_next_page_works_after_a_restart(e2e_config: BotConfig, api: FakeBotApi):
    chat = Chat(api)
    async with running_bot(e2e_config, api):
        reply = await chat.ask("/paper model")
    assert "(page 1/" in reply.text
    async with running_bot(e2e_config, api, ingest=False):
        [edited] = await chat.press(reply, reply.button_data("Next"))
    assert edited.method == "editMessageText" and "(page 2/" in edited.text
    assert edited.text.split("\n")[1].startswith("6.")


async def test_next_page_works_on_the_other_instance(e2e_config: BotConfig, api: FakeBotApi):
    chat = Chat(api)
    async with running_bot(e2e_config, api) as first:
        reply = await chat.ask("/paper model")
        assert first.updater is not None
        # the first instance stays up, but the next update goes to the second one
        await first.updater.stop()
        async with running_bot(e2e_config, api, ingest=False):
            [edited] = await chat.press(reply, reply.button_data("Next"))
    assert edited.method == "editMessageText" and "(page 2/" in edited.text


async def test_reload_on_one_instance_is_followed_by_the_other(
    e2e_config: BotConfig, config_dir: Path
):
    async with (
        FakeBotApi() as api_a,
        FakeBotApi() as api_b,
        running_bot(e2e_config, api_a) as first,
        running_bot(e2e_config, api_b, ingest=False) as second,
    ):
        newcomer = Chat(api_b, chat_id=NEW_ADMIN, user_id=NEW_ADMIN)
        refused = await newcomer.ask("/stats")
        assert refused.text == t("en", "admins_only", user_id=NEW_ADMIN)
        edit_bot_yaml(
            config_dir,
            admins=[ADMIN_ID, NEW_ADMIN],
            schedule={"day_of_week": "fri", "time": "18:30"},
        )
        reloaded = await Chat(api_a, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/reload")
        assert reloaded.text.startswith("<b>Reloaded.</b>")
        version = first.bot_data.services.config_version
        services = second.bot_data.services
        await api_b.wait_for(
            lambda: services.config_version == version, REPLY_TIMEOUT, what="config followed"
        )
        assert services.config.admins == {ADMIN_ID, NEW_ADMIN}
        assert (services.config.schedule.day_of_week, services.config.schedule.time) == (
            "fri",
            time(18, 30),
        )
        tz = services.config.timezone

        def weekly_run_on_friday() -> bool:
            assert second.job_queue is not None
            [job] = second.job_queue.get_jobs_by_name(WEEKLY_JOB)
            return job.next_t is not None and job.next_t.astimezone(tz).weekday() == 4

        await api_b.wait_for(weekly_run_on_friday, REPLY_TIMEOUT, what="rescheduled")
        stats = await newcomer.ask("/stats")
        assert stats.text != t("en", "admins_only", user_id=NEW_ADMIN)


async def test_an_edited_postnow_publishes_nothing(e2e_config: BotConfig, api: FakeBotApi):
    reader = Chat(api, chat_id=77, user_id=77)
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    # one update at a time, in order: once /help is answered the edit has been handled
    async with running_bot(e2e_config, api, concurrent_updates=False):
        await reader.ask("/subscribe")
        sent = api.send_message("/stats", chat_id=ADMIN_ID, user_id=ADMIN_ID)
        await api.wait_for(lambda: admin.records, REPLY_TIMEOUT, what="/stats reply")
        api.edit_message(sent, "/postnow")
        await admin.say("/help")
    assert len(admin.records) == 2  # /stats and /help answered, the edit not
    assert len(reader.records) == 1  # the /subscribe reply, no post


def test_a_repeated_search_reuses_its_stored_list_until_a_day_has_passed(
    factory: sessionmaker[Session],
):
    now = [datetime(2027, 1, 15, 8, 0, tzinfo=UTC)]
    shared = SharedState(factory, clock=lambda: now[0])

    def stored_lists() -> int:
        with factory() as session:
            prefix = KeyValue.key.startswith(RESULTS_PREFIX)
            return int(session.scalar(select(func.count()).where(prefix)) or 0)

    key = shared.remember_results("genie", [3, 1, 2])
    assert shared.remember_results("genie", [3, 1, 2]) == key and stored_lists() == 1
    other = shared.remember_results("genie", [3, 1])  # new results: a new list
    assert other != key and stored_lists() == 2
    now[0] += timedelta(seconds=REUSE_SECONDS)
    renewed = shared.remember_results("genie", [3, 1, 2])
    assert renewed != key and stored_lists() == 3
    # the reused list itself lives on well past the reuse window
    assert shared.recall_results(key) == ("genie", [3, 1, 2])
    now[0] += timedelta(seconds=RESULTS_TTL_SECONDS + 1)
    shared.remember_results("diffusion", [4])  # each write drops the expired lists
    assert shared.recall_results(key) is None and stored_lists() == 1
