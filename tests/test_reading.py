"""The reading list end to end: 📌 Save on cards, result lists and the weekly post, /reading
(paging, read marks, removal), who may remove what in groups, /bib and /top, and a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
import pytest

from bot.app import BotApp
from bot.config import BotConfig
from bot.content import LoadResult, load_content
from bot.domain.bibtex import bibtex
from bot.domain.render import esc
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from bot.sandbox.runner import running_bot
from bot.store.content_repo import ingest
from tests.authored import HINTON_TITLE, byline_digest
from tests.conftest import ADMIN_ID
from tests.harness import REPLY_TIMEOUT, Chat

GENIE = "Genie: Generative Interactive Environments"
TODAY = datetime.now(UTC).date().isoformat()
GROUP = -1005550001


def paper_id(app: BotApp, title: str) -> int:
    [hit] = app.bot_data.services.library.search(title, 1)
    return hit.paper_id


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


async def press(
    api: FakeBotApi,
    message: SentMessage,
    data: str,
    user_id: int,
    *,
    first_name: str = "Test",
    lang: str = "en",
    edits: int = 1,
) -> tuple[str, SentMessage]:
    """Press a button; return the toast and the message as it is after the bot's edit."""
    answered, before = len(api.callback_answers), len(api.messages_to(message.chat_id))
    api.press_button(message, data, user_id=user_id, language_code=lang, first_name=first_name)
    await api.wait_for(
        lambda: (
            len(api.callback_answers) > answered
            and len(api.messages_to(message.chat_id)) >= before + edits
        ),
        REPLY_TIMEOUT,
        what=f"answer to {data}",
    )
    latest = api.latest(message.chat_id, message.message_id)
    assert latest is not None
    return api.callback_answers[answered].text or "", latest


# ------------------------------------------------------------------ 📌 Save


async def test_a_saved_paper_shows_saved_wherever_its_card_opens(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    genie = paper_id(bot_app, GENIE)
    shared_link = await chat.ask(f"/start paper_{genie}")
    assert labels(shared_link)[0] == "📌 Save"
    await press(api, shared_link, f"sv:{genie}", chat.user_id)
    # a deep link, a digest's overview and a list's numbered button show the mark
    assert labels(await chat.ask(f"/start paper_{genie}"))[0] == "✓ Saved — remove"
    overview = await chat.ask("/digest 2024-w09")
    marks = {b["callback_data"]: b["text"] for b in overview.buttons}
    assert marks[f"sv:{genie}"].startswith("✓ ")
    assert all(
        text.startswith("📌 ")
        for d, text in marks.items()
        if d.startswith("sv:") and d != f"sv:{genie}"
    )
    [opened] = await chat.press(overview, f"p:{genie}")
    assert labels(opened)[0] == "✓ Saved — remove"
    # another chat's list is its own
    assert labels(await Chat(api, chat_id=777, user_id=777).ask(f"/start paper_{genie}"))[0] == (
        "📌 Save"
    )


async def test_save_from_a_card_toggles_with_a_toast(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    card = await chat.ask("/paper genie")
    genie = paper_id(bot_app, GENIE)
    assert labels(card)[0] == "📌 Save" and card.callback_data[0] == f"sv:{genie}"
    toast, card = await press(api, card, f"sv:{genie}", chat.user_id)
    assert toast == t("en", "saved_toast") == "📌 Saved to this chat's reading list (/reading)."
    assert labels(card)[0] == "✓ Saved — remove"
    assert card.method == "editMessageReplyMarkup"
    # a card opened again shows the state; pressing again removes it
    again = await chat.ask("/paper genie")
    assert labels(again)[0] == "✓ Saved — remove"
    toast, card = await press(api, card, f"sv:{genie}", chat.user_id)
    assert toast == t("en", "removed_toast") == "Removed from this chat's reading list."
    assert labels(card)[0] == "📌 Save"
    assert bot_app.bot_data.services.reading.entries(chat.chat_id) == []


async def test_save_in_chinese(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api, lang="zh-hans")
    card = await chat.ask("/paper genie")
    assert labels(card)[0] == "📌 收藏"
    toast, card = await press(api, card, card.callback_data[0], chat.user_id, lang="zh-hans")
    assert toast == "📌 已加入本聊天的阅读清单（/reading）。"
    assert labels(card)[0] == "✓ 已收藏 — 移除"


async def test_save_from_a_result_list(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    listing = await chat.ask("/paper language model")
    assert " papers match " in listing.text.split("\n")[0]
    save_buttons = [b for b in listing.buttons if b["callback_data"].startswith("sv:")]
    assert [b["text"] for b in save_buttons] == [f"📌 {n}" for n in range(1, 6)]
    second = save_buttons[1]["callback_data"]
    toast, listing = await press(api, listing, second, chat.user_id)
    assert toast == t("en", "saved_toast")
    now = [b["text"] for b in listing.buttons if b["callback_data"].startswith("sv:")]
    assert now == ["📌 1", "✓ 2", "📌 3", "📌 4", "📌 5"]
    saved = bot_app.bot_data.services.reading.entries(chat.chat_id)
    assert [item.paper_id for item in saved] == [int(second.split(":")[1])]


async def test_save_from_the_weekly_post(api: FakeBotApi, bot_app: BotApp):
    reader = Chat(api, chat_id=7001, user_id=7001)
    await reader.ask("/subscribe")
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    api.send_message("/postnow 2024-w09", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(
        lambda: any("Published" in m.text for m in admin.records), 30, what="/postnow"
    )
    post = [m for m in reader.records if m.method == "sendMessage"][1:]
    buttons = [b for m in post for b in m.buttons]
    assert buttons, "the weekly post has no 📌 buttons"
    assert all(b["callback_data"].startswith("sv:") for b in buttons)
    genie = paper_id(bot_app, GENIE)
    [part] = [m for m in post if f"sv:{genie}" in m.callback_data]
    assert GENIE in part.visible_text
    assert "📌 Genie: Generative…" in labels(part)
    toast, part = await press(api, part, f"sv:{genie}", reader.user_id)
    assert toast == t("en", "saved_toast")
    assert "✓ Genie: Generative…" in labels(part)
    assert (
        part.text == post[post.index(next(m for m in post if m.message_id == part.message_id))].text
    )
    listing = await reader.ask("/reading")
    assert GENIE in listing.text


# ------------------------------------------------------------------ /reading


async def test_reading_list_pages_marks_read_and_removes(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    assert (await chat.ask("/reading")).text == t("en", "reading_empty")
    library = bot_app.bot_data.services.library
    papers = library.digest_papers("2024-w09")[:7]
    for paper in papers:  # saved one after another: the last is the newest
        card_text = await chat.ask(f"/start paper_{paper.id}")
        await press(api, card_text, f"sv:{paper.id}", chat.user_id)
    first = await chat.ask("/reading")
    newest = list(reversed(papers))
    lines = [
        "📚 <b>Reading list</b> of this chat · 7 papers, newest first (page 1/2):",
        *[
            f"{n}. {esc(p.title_en)}\n    📌 Test · {TODAY}"
            for n, p in enumerate(newest[:5], start=1)
        ],
    ]
    assert first.text == "\n".join(lines)
    assert labels(first)[:3] == ["1", "✓ Read", "🗑 Remove"]
    assert labels(first)[-2:] == ["1/2", "Next ▶"]
    _, second = await press(api, first, "rl:1", chat.user_id)
    assert second.text.splitlines()[0].endswith("(page 2/2):")
    assert f"6. {esc(newest[5].title_en)}" in second.text
    assert f"7. {esc(newest[6].title_en)}" in second.text
    # mark read: ✓ before the title, the button turns to "Unread"
    toast, second = await press(api, second, f"rr:{newest[5].id}:1", chat.user_id)
    assert toast == "✓ Marked read."
    assert f"6. ✓ {esc(newest[5].title_en)}" in second.text
    assert "↩ Unread" in labels(second)
    toast, second = await press(api, second, f"ru:{newest[5].id}:1", chat.user_id)
    assert toast == "Marked unread." and f"6. {esc(newest[5].title_en)}" in second.text
    # remove both on page 2: the list falls back to page 1 of 1
    toast, second = await press(api, second, f"rx:{newest[6].id}:1", chat.user_id)
    assert toast == t("en", "removed_toast")
    _, second = await press(api, second, f"rx:{newest[5].id}:1", chat.user_id)
    assert second.text.splitlines()[0].endswith("5 papers, newest first (page 1/1):")
    # the card opened from the list shows it saved
    [card] = await chat.press(second, f"p:{newest[0].id}")
    assert labels(card)[0] == "✓ Saved — remove"


async def test_group_members_remove_only_their_own_entries(api: FakeBotApi, bot_app: BotApp):
    api.add_chat(GROUP, "supergroup", title="Lab")
    ada = Chat(api, chat_id=GROUP, chat_type="supergroup", user_id=501, title="Lab")
    card = await ada.ask("/paper genie")
    genie = paper_id(bot_app, GENIE)
    toast, card = await press(api, card, f"sv:{genie}", 501, first_name="Ada")
    assert toast == t("en", "saved_toast")
    # Bob (a member) may save but not take Ada's entry off
    toast, card = await press(api, card, f"sv:{genie}", 502, first_name="Bob", edits=0)
    assert toast == "Only Ada (who saved it) or a chat admin can remove this paper."
    listing = await ada.ask("/reading")
    assert f"📌 Ada · {TODAY}" in listing.text
    toast, _ = await press(api, listing, f"rx:{genie}:0", 502, first_name="Bob", edits=0)
    assert toast == "Only Ada (who saved it) or a chat admin can remove this paper."
    assert bot_app.bot_data.services.reading.entry(GROUP, genie) is not None
    # a chat admin may
    api.set_chat_member_status(GROUP, 503, "administrator")
    toast, listing = await press(api, listing, f"rx:{genie}:0", 503, first_name="Cy")
    assert toast == t("en", "removed_toast")
    assert listing.text == t("en", "reading_empty")
    # and so may a bot admin, and the one who saved it (Bob, now)
    for remover in (ADMIN_ID, 502):
        await press(api, card, f"sv:{genie}", 502, first_name="Bob", edits=0)
        toast, card = await press(api, card, f"sv:{genie}", remover, edits=0)
        assert toast == t("en", "removed_toast")


# ------------------------------------------------------------------ /bib


async def test_bib_file_parses_back_to_the_same_entries(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    assert (await chat.ask("/bib")).text == t("en", "bib_empty")
    services = bot_app.bot_data.services
    papers = [
        *services.library.digest_papers("2024-w09")[:2],
        *services.library.digest_papers("2024-w21")[:2],
    ]
    for paper in papers:
        services.reading.save(chat.chat_id, paper.id, chat.user_id, "Test")
    reply = await chat.ask("/bib")
    assert reply.method == "sendDocument"
    assert reply.visible_text == "📚 The reading list of this chat: 4 BibTeX entries."
    [document] = api.documents
    assert document.file_name == "reading-list.bib"
    parsed = bibtexparser.parse_string(document.text)
    assert parsed.failed_blocks == []
    ordered = services.library.papers(
        [item.paper_id for item in services.reading.entries(chat.chat_id)]
    )
    expected = bibtexparser.parse_string(bibtex(ordered))
    assert [(e.key, e.fields_dict.keys(), [f.value for f in e.fields]) for e in parsed.entries] == [
        (e.key, e.fields_dict.keys(), [f.value for f in e.fields]) for e in expected.entries
    ]
    assert len({e.key for e in parsed.entries}) == 4
    assert all(e["title"] for e in parsed.entries)


async def test_bib_of_one_paper_is_a_code_block(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    reply = await chat.ask("/bib genie")
    genie = bot_app.bot_data.services.library.paper(paper_id(bot_app, GENIE))
    assert genie is not None
    assert reply.text == f"<pre>{esc(bibtex([genie]).strip())}</pre>"
    # the digest gave neither authors nor an arXiv id: the week's year and "anon"
    assert reply.visible_text == (
        "@misc{anon2024genie,\n"
        "\ttitle = {{Genie}: Generative Interactive Environments},\n"
        "\tyear = {2024}\n"
        "}"
    )
    by_id = await chat.ask("/bib 2405.11157")
    assert by_id.visible_text == (
        "@misc{anon2024modular,\n"
        "\ttitle = {Towards Modular {LLMs} by Building and Reusing a Library of {LoRAs}},\n"
        "\tyear = {2024},\n"
        "\teprint = {2405.11157},\n"
        "\tarchivePrefix = {arXiv},\n"
        "\tprimaryClass = {cs.CL},\n"
        "\turl = {https://arxiv.org/abs/2405.11157}\n"
        "}"
    )
    nothing = await chat.ask("/bib zzqxv")
    assert nothing.text == (
        "No paper matches “zzqxv”. Usage: /bib — the reading list as a .bib file; "
        "/bib &lt;title words or arXiv id&gt; — one paper's entry."
    )
    unknown = await chat.ask("/bib 2501.99999")
    assert unknown.text == t("en", "arxiv_not_in_digests", arxiv_id="2501.99999")


async def test_bib_names_the_authors_the_digest_gave(
    api: FakeBotApi, bot_app: BotApp, tmp_path: Path
):
    services = bot_app.bot_data.services
    seeds = load_content(services.config)
    content = LoadResult((*seeds.digests, byline_digest(tmp_path)), seeds.problems)
    await asyncio.to_thread(ingest, services.factory, content, services.config.taxonomy)
    services.library.invalidate()
    reply = await Chat(api).ask(f"/bib {HINTON_TITLE}")
    assert reply.visible_text.startswith("@misc{rumelhart2024learning,\n")
    assert (
        "\tauthor = {David E. Rumelhart and Geoffrey E. Hinton and Ronald J. Williams},\n"
        in reply.visible_text
    )
    assert "\teprint = {8606.00001},\n" in reply.visible_text


# ------------------------------------------------------------------ /top


async def test_top_counts_this_chat_and_globally_for_admins(api: FakeBotApi, bot_app: BotApp):
    services = bot_app.bot_data.services
    a, b, c = services.library.digest_papers("2024-w09")[:3]
    chat = Chat(api, chat_id=8001, user_id=8001)
    assert (await chat.ask("/top")).text == (
        "No papers were saved here in all time. Press 📌 Save under a paper to add it."
    )
    for chat_id, papers in ((8001, [c, a]), (8002, [a, b]), (-1008003, [a])):
        for paper in papers:
            services.reading.save(chat_id, paper.id, None, "")
    mine = await chat.ask("/top")
    assert mine.text == "\n".join(
        [
            "🏆 <b>Top papers</b> of this chat — all time:",
            f"1. {esc(a.title_en)} — 📌 1",
            f"2. {esc(c.title_en)} — 📌 1",
        ]
    )
    assert mine.callback_data == [f"p:{a.id}", f"p:{c.id}"]
    assert (await chat.ask("/top week")).text.startswith(
        "🏆 <b>Top papers</b> of this chat — the last 7 days:"
    )
    usage = "Usage: /top [week|month|all] — the papers this chat saved most."
    assert (await chat.ask("/top year")).text == usage
    assert (await chat.ask("/top global")).text == usage  # not a bot admin
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    everywhere = await admin.ask("/top global month")
    assert everywhere.text == "\n".join(
        [
            "🏆 <b>Top papers</b> across all chats — the last 30 days:",
            f"1. {esc(a.title_en)} — 📌 3",
            f"2. {esc(b.title_en)} — 📌 1",
            f"3. {esc(c.title_en)} — 📌 1",
        ]
    )
    assert not any(str(abs(cid)) in everywhere.text for cid in (8001, 8002, 1008003))
    admin_usage = await admin.ask("/top nonsense")
    assert (
        admin_usage.text
        == usage + "\nAdmins: /top global [week|month|all] — counts across all chats."
    )


# ------------------------------------------------------------------ restart


async def test_a_restart_keeps_the_list(api: FakeBotApi, e2e_config: BotConfig):
    chat = Chat(api)
    async with running_bot(e2e_config, api) as app:
        card = await chat.ask("/paper genie")
        genie = paper_id(app, GENIE)
        await press(api, card, f"sv:{genie}", chat.user_id)
    async with running_bot(e2e_config, api, ingest=False):
        listing = await chat.ask("/reading")
        assert listing.text.splitlines()[1] == f"1. {GENIE}"
        card = await chat.ask("/paper genie")
        assert labels(card)[0] == "✓ Saved — remove"


@pytest.mark.usefixtures("bot_app")
async def test_the_menu_and_help_list_the_new_commands(api: FakeBotApi):
    await Chat(api).ask("/start")
    assert {"reading", "bib", "top"} <= set(api.command_names("default"))
    assert {"reading", "bib", "top"} <= set(api.command_names("default", "zh"))
    help_text = (await Chat(api).ask("/help")).text
    assert "/reading — this chat's reading list" in help_text


async def test_topic_and_digest_pages_have_a_save_row(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    digest = await chat.ask("/digest 2024-w09")
    saves = [b["text"] for b in digest.buttons if b["callback_data"].startswith("sv:")]
    assert saves == [f"📌 {n}" for n in range(1, 11)]
    first = next(b["callback_data"] for b in digest.buttons if b["text"] == "📌 1")
    toast, digest = await press(api, digest, first, chat.user_id)
    assert toast == t("en", "saved_toast")
    assert "✓ 1" in labels(digest)
    topic = await chat.ask("/topic video")
    saves = [b["text"] for b in topic.buttons if b["callback_data"].startswith("sv:")]
    assert len(saves) == 5 and all(label.startswith(("📌 ", "✓ ")) for label in saves)
