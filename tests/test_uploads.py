"""Admins add a digest from the chat (issue 15), end to end against the fake Bot API.

A document or ``/add <text>`` → the preview with ✅ 🗓 🆔 ❌ → the file in content/ and the
entry in digests.yaml (comments kept byte for byte), ingested; ❌, refusals, non-admins,
a read-only config folder, the week and id prompts, a restart in between, and ``/queue``
reordering what the weekly job posts.
"""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import BotApp, build_services
from bot.config import BotConfig, DigestEntry, Environment, digest_id_problem
from bot.content import parse_upload
from bot.domain.preview import preview_messages
from bot.domain.schedule import format_local
from bot.domain.texts import t
from bot.jobs.weekly import WEEKLY_JOB
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from bot.sandbox.runner import running_bot
from bot.store import config_files
from tests.conftest import ADMIN_ID
from tests.harness import Chat

DIGEST = (
    b"# AI papers, week of 2025-05-19\n\n"
    b"1) **Lantern Search: Retrieval for Long Documents** - a retrieval method that halves "
    b"compute. [Paper](https://arxiv.org/abs/2505.01111)\n"
    b"2) **Quiet Agents: Planning with Small Models** - small models plan well. "
    b"[Paper](https://arxiv.org/abs/2505.02222)\n"
)
NO_WEEK = DIGEST.replace(b", week of 2025-05-19", b"")
ENTRY = "- id: 2025-w21\n  file: ../content/2025-w21.md\n  week: 2025-05-19\n"
WEEK = "week 2025-05-19 – 2025-05-25"
SEEDS = ["2024-w09", "2024-w16", "2024-w21"]


def admin(api: FakeBotApi) -> Chat:
    return Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)


def services(app: BotApp):
    return app.bot_data.services


def expected_parts(config: BotConfig, digest_id: str, data: bytes, week: date | None):
    folder = config.digests_path.parent.parent / "content"
    entry = DigestEntry(id=digest_id, file=folder / f"{digest_id}.md", week=week)
    return preview_messages(parse_upload(config, entry, data).preview())


def header(name: str, digest_id: str, week: str = WEEK, n: int = 1) -> str:
    return t(
        "en",
        "upload_header",
        name=name,
        id=digest_id,
        week=week,
        file=f"content/{digest_id}.md",
        n=n,
    )


def buttons(pending: int, add: str = "✅ Add") -> list[tuple[str, str]]:
    return [
        (add, f"u:{pending}:a"),
        ("🗓 Week", f"u:{pending}:w"),
        ("🆔 Id", f"u:{pending}:i"),
        ("❌ Discard", f"u:{pending}:x"),
    ]


def queue_data(queue: SentMessage, button: str) -> str:
    """The data of a /queue button (``q:<id>:<action>``) with the queue version it carries."""
    return next(data for data in queue.callback_data if data.startswith(button + ":"))


def labelled(message: SentMessage) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for b in message.buttons]


def added_text(app: BotApp, digest_id: str, papers: int, place: int, total: int) -> str:
    svc = services(app)
    now = datetime.now(UTC)
    next_post = svc.next_post_time(now)
    tz = svc.config.timezone
    return t(
        "en",
        "upload_added",
        id=digest_id,
        papers=papers,
        file=f"content/{digest_id}.md",
        digests="digests.yaml",
        place=place,
        total=total,
        post_time=format_local(next_post + timedelta(weeks=place - 1), tz),
        next_post=format_local(next_post, tz),
    )


@pytest.fixture
def digests_yaml(config_dir: Path) -> Path:
    """digests.yaml with comments in odd places, to see that they survive byte for byte."""
    path = config_dir / "digests.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "- id: 2024-w16\n", "# spring: the hf list\n- id: 2024-w16  # from huggingface\n"
    )
    path.write_text(text + "# end of the list\n", encoding="utf-8")
    return path


@pytest.fixture
async def app(digests_yaml: Path, e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    async with running_bot(e2e_config, api) as application:
        yield application


async def send(api: FakeBotApi, name: str, data: bytes, replies: int = 2) -> list[SentMessage]:
    return await admin(api).send_file(name, data, replies=replies)


# ------------------------------------------------------------------ upload → ✅


async def test_upload_preview_add_writes_file_and_entry_and_ingests(
    app: BotApp, api: FakeBotApi, e2e_config: BotConfig, digests_yaml: Path, config_dir: Path
):
    before = digests_yaml.read_bytes()
    version = services(app).shared.config_version()
    other = build_services(e2e_config, Environment())  # another instance, started before
    head, part = await send(api, "my digest.md", DIGEST)
    assert head.text == header("my digest.md", "2025-w21")
    assert [part.text] == expected_parts(e2e_config, "2025-w21", DIGEST, date(2025, 5, 19))
    assert labelled(part) == buttons(1)

    edit, done = await admin(api).press(part, "u:1:a", records=2)
    assert edit.method == "editMessageReplyMarkup" and edit.reply_markup is None
    assert done.text == added_text(app, "2025-w21", papers=2, place=4, total=4)
    assert (config_dir.parent / "content" / "2025-w21.md").read_bytes() == DIGEST
    # the old bytes untouched (comments included), the entry appended after them
    assert digests_yaml.read_bytes() == before + ENTRY.encode()
    assert services(app).pending.get(1) is None
    # the shared config version moved on: another instance re-reads the config
    assert services(app).shared.config_version() == version + 1
    try:
        assert other.follow_reload()
        assert other.config.digests[-1].id == "2025-w21"
        assert other.library.digest("2025-w21") is not None
    finally:
        other.engine.dispose()

    overview = await admin(api).ask("/digest 2025-w21")
    assert "AI papers, week of 2025-05-19" in overview.text
    assert "Lantern Search" in overview.text
    assert services(app).ledger.next_digest() == "2024-w09"  # appended: last in the queue


async def test_preview_shows_an_added_digest_as_next_once_it_is(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    _, part = await send(api, "d.md", DIGEST)
    await admin(api).press(part, "u:1:a", records=2)
    queue = await admin(api).ask("/queue")
    assert "4. <b>2025-w21</b> · 2025-05-19" in queue.text
    for step in range(3):  # up to the top: ⬆️ 4, ⬆️ 3, ⬆️ 2
        await admin(api).press(queue, queue_data(queue, "q:2025-w21:u"))
        queue = admin(api).records[-1]
        assert f"{3 - step}. <b>2025-w21</b>" in queue.text
    assert services(app).ledger.next_digest() == "2025-w21"
    before = len(admin(api).records)
    api.send_message("/preview", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    first = await api.wait_for(
        lambda: admin(api).records[before:] and admin(api).records[before], 15, what="preview"
    )
    assert first.text.startswith("👀 Preview of the next weekly post (2025-w21)")


async def test_a_long_digest_is_previewed_in_several_messages_buttons_under_the_last(
    app: BotApp, api: FakeBotApi, e2e_config: BotConfig
):
    lines = ["# AI papers, week of 2025-05-19\n"]
    for n in range(1, 81):
        lines.append(
            f"{n}) **Paper number {n}: a study of <tags> & long titles** - "
            f"{'a summary that goes on. ' * 8}[Paper](https://arxiv.org/abs/2505.{n:05d})\n"
        )
    data = "".join(lines).encode()
    parts = expected_parts(e2e_config, "2025-w21", data, date(2025, 5, 19))
    assert "… and 70 more papers." in parts[-1]  # capped like a post (tests/test_preview_cap.py)
    sent = await send(api, "long.md", data, replies=1 + len(parts))
    assert sent[0].text == header("long.md", "2025-w21", n=len(parts))
    assert [m.text for m in sent[1:]] == parts
    assert all(len(m.text) <= 4096 for m in sent)
    assert [m.reply_markup is None for m in sent] == [True] * len(parts) + [False]


# ------------------------------------------------------------------ ❌, refusals, non-admins


async def test_discard_leaves_nothing_behind(
    app: BotApp, api: FakeBotApi, digests_yaml: Path, config_dir: Path
):
    before = digests_yaml.read_bytes()
    _, part = await send(api, "d.md", DIGEST)
    edit, done = await admin(api).press(part, "u:1:x", records=2)
    assert edit.reply_markup is None
    assert done.text == t("en", "upload_discarded", name="d.md")
    assert digests_yaml.read_bytes() == before
    assert not (config_dir.parent / "content" / "2025-w21.md").exists()
    assert services(app).pending.get(1) is None


async def test_a_refused_file_gets_the_refusal_and_no_add(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    before = digests_yaml.read_bytes()
    [reply] = await send(api, "notes.md", b"Just some notes, nothing like a paper list.\n", 1)
    assert reply.text.startswith(t("en", "upload_refused", problem="notes.md:1: no papers found"))
    assert reply.reply_markup is None
    assert services(app).pending.get(1) is None
    assert digests_yaml.read_bytes() == before


async def test_a_non_admins_upload_changes_nothing(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    before = digests_yaml.read_bytes()
    stranger = Chat(api, chat_id=777, user_id=777)
    api.send_document("d.md", DIGEST, chat_id=777, user_id=777)
    help_reply = await stranger.ask("/help")  # answered after the document: it was ignored
    assert stranger.records == [help_reply]
    assert not any(c.method == "getFile" for c in api.calls)
    assert services(app).pending.get(1) is None
    assert digests_yaml.read_bytes() == before
    for command in ("/add " + DIGEST.decode(), "/queue"):
        assert (await stranger.ask(command)).text == t("en", "admins_only", user_id=777)


async def test_someone_elses_press_of_an_admin_button_is_refused(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    before = digests_yaml.read_bytes()
    _, part = await send(api, "d.md", DIGEST)
    queue = await admin(api).ask("/queue")
    down = queue_data(queue, "q:2024-w09:d")
    for message, data in ((part, "u:1:a"), (part, "u:1:x"), (queue, down)):
        answered = len(api.callback_answers)
        api.press_button(message, data, user_id=777)
        await api.wait_for(
            lambda n=answered: len(api.callback_answers) > n, 15, what="callback answer"
        )
        assert api.callback_answers[answered].text == t("en", "admins_only", user_id=777)
    assert services(app).pending.get(1) is not None
    assert digests_yaml.read_bytes() == before


async def test_a_five_mb_or_binary_upload_is_refused_with_a_clear_line(
    app: BotApp, api: FakeBotApi
):
    [big] = await send(api, "huge.md", b"# week\n" + b"x" * (5 * 1024 * 1024), 1)
    assert big.text == t("en", "upload_too_big", name="huge.md", size="5.0")
    [pdf] = await send(api, "paper.pdf", b"%PDF-1.7\n\x00\x01binary", 1)
    assert pdf.text == t("en", "upload_not_text", name="paper.pdf")
    [fake_text] = await send(api, "digest.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1)
    assert fake_text.text == t("en", "upload_not_text", name="digest.md")
    assert services(app).pending.get(1) is None
    assert [c.method for c in api.calls].count("getFile") == 1  # the 5 MB was never fetched


async def test_add_command_takes_one_message_and_says_how_to_send_more(
    app: BotApp, api: FakeBotApi, e2e_config: BotConfig
):
    assert (await admin(api).ask("/add")).text == t("en", "usage_add")
    head, part = await admin(api).say("/add\n" + DIGEST.decode(), 2)
    assert head.text == header("pasted text.md", "2025-w21")
    assert labelled(part) == buttons(1)
    group = Chat(api, chat_id=-100900, user_id=ADMIN_ID, chat_type="supergroup")
    assert (await group.ask("/add " + DIGEST.decode())).text == t("en", "add_in_private")
    long_text = "/add " + DIGEST.decode() + "\n" + "filler line\n" * 300
    [note] = await admin(api).say(long_text, 1)
    assert note.text == t("en", "add_one_message", n=len(long_text))


async def test_a_broken_config_on_disk_is_named_and_nothing_is_stored(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    digests_yaml.write_text("- id: Bad Id\n  file: x.md\n", encoding="utf-8")
    [reply] = await send(api, "d.md", DIGEST, 1)
    problem = f"{digests_yaml.resolve()}: [0].id: 'Bad Id': use 1-40 lowercase letters, digits, "
    assert reply.text == t("en", "upload_refused", problem=problem + "'.', '_' or '-'")
    assert services(app).pending.get(1) is None


# ------------------------------------------------------------------ duplicates


async def test_same_week_asks_to_confirm_and_same_text_has_no_add(
    app: BotApp, api: FakeBotApi, config_dir: Path
):
    same_week = DIGEST.replace(b"2025-05-19", b"2024-02-26")
    head, part = await send(api, "again.md", same_week)
    assert head.text == header(
        "again.md", "2024-w09-2", week="week 2024-02-26 – 2024-03-03"
    ) + "\n\n" + t("en", "upload_same_week", id="2024-w09")
    assert labelled(part) == buttons(1, add="✅ Add anyway")

    seed = (config_dir.parent / "content" / "2024-02-26_weekly-ai-papers.txt").read_bytes()
    head, part = await send(api, "copy.txt", seed, replies=2)
    assert t("en", "upload_same_content", id="2024-w09") in head.text
    assert [d for _label, d in labelled(part)] == ["u:2:w", "u:2:i", "u:2:x"]


async def test_a_digest_listed_on_disk_but_not_reloaded_counts_as_a_duplicate(
    app: BotApp, api: FakeBotApi, digests_yaml: Path, config_dir: Path
):
    # an admin listed a digest by hand and has not sent /reload yet: the same text (or a
    # digest of its week) is pointed out all the same
    (config_dir.parent / "content" / "by-hand.md").write_bytes(DIGEST)
    with digests_yaml.open("a", encoding="utf-8") as listing:
        listing.write("- id: by-hand\n  file: ../content/by-hand.md\n  week: 2025-05-19\n")
    head, part = await send(api, "again.md", DIGEST, replies=2)
    assert t("en", "upload_same_content", id="by-hand") in head.text
    assert [d for _label, d in labelled(part)] == ["u:1:w", "u:1:i", "u:1:x"]


# ------------------------------------------------------------------ read-only config


async def test_a_read_only_config_folder_gets_the_two_files_back(
    app: BotApp,
    api: FakeBotApi,
    digests_yaml: Path,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    def read_only(folder: Path, name: str) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system", str(folder))

    monkeypatch.setattr(config_files, "_mkstemp", read_only)
    before = digests_yaml.read_bytes()
    _, part = await send(api, "d.md", DIGEST)
    edit, document, text = await admin(api).press(part, "u:1:a", records=3)
    assert edit.reply_markup is None  # no ✅ to press twice
    assert document.method == "sendDocument"
    [sent] = api.documents
    assert (sent.chat_id, sent.file_name, sent.content) == (ADMIN_ID, "2025-w21.md", DIGEST)
    content = (config_dir.parent / "content").resolve()
    assert text.text == t(
        "en",
        "upload_read_only",
        folder=str(content),
        file="2025-w21.md",
        digests="digests.yaml",
        entry=ENTRY,
    )
    assert f"<pre>{ENTRY}</pre>" in text.text
    assert digests_yaml.read_bytes() == before
    assert not (content / "2025-w21.md").exists()


# ------------------------------------------------------------------ 🗓 and 🆔


async def test_week_and_id_are_asked_validated_and_used(
    app: BotApp, api: FakeBotApi, e2e_config: BotConfig, digests_yaml: Path
):
    me = admin(api)
    head, part = await send(api, "undated.md", NO_WEEK)
    first_id = "new-digest"
    assert head.text == header("undated.md", first_id, week="no week")

    [ask] = await me.press(part, "u:1:w")
    assert ask.text == t("en", "ask_week", id=first_id)
    assert ask.reply_markup["force_reply"] is True
    assert (await me.ask("next tuesday")).text == t("en", "bad_week", text="next tuesday")
    head, part = await me.say("2025-05-21", 2)  # a Wednesday: its week's Monday is kept
    assert head.text == header("undated.md", "2025-w21")  # the proposed id follows the week

    [ask] = await me.press(part, "u:1:i")
    assert ask.text == t("en", "ask_id", id="2025-w21")
    bad = await me.ask("Spring Special!")
    assert bad.text == t("en", "bad_id", problem=digest_id_problem("spring special!"))
    taken = await me.ask("2024-w09")
    assert taken.text == t("en", "bad_id", problem="'2024-w09' is taken")
    head, part = await me.say("spring-special", 2)
    assert head.text == header("undated.md", "spring-special")

    await me.press(part, "u:1:a", records=2)
    assert digests_yaml.read_text(encoding="utf-8").endswith(
        "- id: spring-special\n  file: ../content/spring-special.md\n  week: 2025-05-19\n"
    )
    # plain text afterwards is a search hint again, not an answer to a question
    hint = await me.ask("genie")
    assert hint.text == t("en", "plain_text", query="genie")


# ------------------------------------------------------------------ restart


async def test_a_restart_between_preview_and_add_keeps_the_upload(
    digests_yaml: Path, e2e_config: BotConfig, api: FakeBotApi, config_dir: Path
):
    async with running_bot(e2e_config, api):
        _, part = await send(api, "d.md", DIGEST)
    async with running_bot(e2e_config, api, ingest=False) as again:
        _, done = await admin(api).press(part, "u:1:a", records=2)
        assert done.text == added_text(again, "2025-w21", papers=2, place=4, total=4)
    assert (config_dir.parent / "content" / "2025-w21.md").read_bytes() == DIGEST


# ------------------------------------------------------------------ /queue


async def test_queue_reorders_and_skips_and_the_weekly_job_follows(
    app: BotApp, api: FakeBotApi, digests_yaml: Path
):
    me = admin(api)
    queue = await me.ask("/queue")
    lines = queue.text.split("\n")[1:]
    assert lines == [
        "1. <b>2024-w09</b> · 2024-02-26",
        "2. <b>2024-w16</b> · 2024-04-15",
        "3. <b>2024-w21</b> · 2024-05-20",
    ]
    assert [data.rsplit(":", 1)[0] for data in queue.callback_data] == [
        "q:2024-w09:d",
        "q:2024-w09:s",
        "q:2024-w16:u",
        "q:2024-w16:d",
        "q:2024-w16:s",
        "q:2024-w21:u",
        "q:2024-w21:s",
    ]
    toast = await me.press_for_answer(queue, queue_data(queue, "q:2024-w09:d"))
    assert toast == t("en", "queue_changed")
    queue = await api.wait_for(
        lambda: me.records[-1] if "1. <b>2024-w16</b>" in me.records[-1].text else None,
        15,
        what="the edited queue",
    )
    text = digests_yaml.read_text(encoding="utf-8")
    assert text.index("id: 2024-w16") < text.index("id: 2024-w09") < text.index("id: 2024-w21")
    # every comment kept, and the one above an entry moved with it
    assert "# spring: the hf list\n- id: 2024-w16  # from huggingface\n" in text
    assert text.startswith("# The digests, in the order the weekly job publishes them")
    assert text.endswith("# end of the list\n")

    await me.press_for_answer(queue, queue_data(queue, "q:2024-w16:s"))  # skip the new first
    queue = await api.wait_for(
        lambda: me.records[-1] if "skipped" in me.records[-1].text else None, 15, what="skip"
    )
    assert "1. <s>2024-w16</s> · 2024-04-15 · skipped" in queue.text
    assert "  skip: true\n" in digests_yaml.read_text(encoding="utf-8")
    assert services(app).ledger.next_digest() == "2024-w09"
    stats = await me.ask("/stats")  # a skipped digest is not counted as queued
    assert "Published: 0 · queued: 2" in stats.text

    services(app).subscriptions.subscribe(601, 0)
    api.add_chat(601, "private")
    [job] = app.job_queue.get_jobs_by_name(WEEKLY_JOB)
    await job.run(app)
    assert services(app).ledger.published_ids() == {"2024-w09"}


# ------------------------------------------------------------------ 📖 other readings

TIERED = (
    b"# Daily digest 2025-05-19\n\n## Highlights\n\n"
    b"### 1. [Sparse Lanterns for Retrieval](items/sparse.md)\n\n"
    b"Lanterns light only the passages a query needs.\n\n"
    b"[arXiv](https://arxiv.org/abs/2505.10123)\n\n"
    b"### 2. [Grounded Parrots Talk Less](items/parrots.md)\n\n"
    b"Grounding a chat model shortens answers.\n\n"
    b"[arXiv](https://arxiv.org/abs/2505.11234)\n\n"
    b"## Also notable\n\n"
    b"- **Wide Nets for Narrow Tasks** - wide shallow nets win. "
    b"[arXiv](https://arxiv.org/abs/2505.12345)\n"
    b"- **Slow Teachers Make Fast Students** - slow teachers help. "
    b"[arXiv](https://arxiv.org/abs/2505.13456)\n"
)


async def test_the_preview_offers_other_readings_and_the_one_picked_is_stored_as_format(
    app: BotApp, api: FakeBotApi, e2e_config: BotConfig, digests_yaml: Path
):
    before = digests_yaml.read_bytes()
    _, part = await send(api, "tiers.md", TIERED)
    assert "read as heading (sure); also plausible: list" in part.text
    assert labelled(part) == [
        *buttons(1)[:3],
        ("📖 Read as list", "u:1:r2"),
        buttons(1)[3],
    ]
    answered = len(api.callback_answers)
    edit, head, again = await admin(api).press(part, "u:1:r2", records=3)
    assert api.callback_answers[answered].text == "📖 Read as list."
    assert edit.method == "editMessageReplyMarkup" and edit.reply_markup is None
    assert head.text == header("tiers.md", "2025-w21")
    assert "read as list (forced)" in again.text
    assert "Wide Nets for Narrow Tasks" in again.text
    assert "Sparse Lanterns" not in again.text  # the list reading: the second tier only
    assert services(app).pending.get(1).format == "list"  # in the database, not in memory

    await admin(api).press(again, "u:1:a", records=2)
    assert digests_yaml.read_bytes() == before + (ENTRY + "  format: list\n").encode()
    assert [p.title_en for p in services(app).library.digest_papers("2025-w21")] == [
        "Wide Nets for Narrow Tasks",
        "Slow Teachers Make Fast Students",
    ]


async def test_a_made_up_reading_button_changes_nothing(app: BotApp, api: FakeBotApi):
    from tests.test_forged_buttons import forged_message

    await send(api, "tiers.md", TIERED)
    forged = await forged_message(app, admin(api), "u:1:r9")  # no 10th layout
    toast = await admin(api).press_for_answer(forged, "u:1:r9")
    assert toast == t("en", "upload_gone")
    assert services(app).pending.get(1).format is None
