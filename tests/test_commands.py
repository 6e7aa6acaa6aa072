"""Chat commands end to end: a user types, the real bot answers through the fake Bot API.

The fake refuses what Telegram refuses (bad HTML, > 4096 characters, bad buttons), so every
reply these tests receive is also valid for Telegram.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApp
from bot.content import LoadResult, load_content
from bot.domain.schedule import format_local
from bot.domain.texts import Raw, t
from bot.sandbox.fake_telegram import DEFAULT_USER_ID, FakeBotApi
from bot.store.content_repo import ingest
from tests.authored import (
    BYLINE_DIGEST_ID,
    HINTON_AUTHORS,
    HINTON_TITLE,
    HINTON_VENUE,
    byline_digest,
)
from tests.conftest import ADMIN_ID
from tests.harness import Chat
from tests.seed_papers import SEED_PAPERS

pytestmark = pytest.mark.usefixtures("bot_app")

GENIE = "Genie: Generative Interactive Environments"
MOBILELLM = "MobileLLM: Optimizing Sub-billion Parameter Language Models for On-Device Use Cases"


def next_post(bot_app: BotApp) -> str:
    services = bot_app.bot_data.services
    return format_local(services.next_post_time(datetime.now(UTC)), services.config.timezone)


def title_of(message_text: str) -> str:
    """The bold first line of a paper card."""
    match = re.match(r"(?:<a href=\"[^\"]+\">)?<b>(.*?)</b>", message_text)
    assert match, message_text
    return match.group(1)


# ------------------------------------------------------------------ start, help, menu


async def test_start_says_what_the_bot_does_and_when_it_posts(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    reply = await chat.ask("/start")
    services = bot_app.bot_data.services
    expected = t(
        "en",
        "start",
        commands=Raw(t("en", "commands", username=services.bot_username)),
        next_post=next_post(bot_app),
        status="",
    )
    assert reply.text == expected.replace("This chat: ", "This chat: not subscribed — /subscribe")
    assert "Next weekly post: <b>Mon " in reply.text and "(Asia/Shanghai)" in reply.text

    await chat.ask("/subscribe")
    assert "This chat: subscribed ✅" in (await chat.ask("/help")).text


async def test_help_in_chinese_for_chinese_clients(api: FakeBotApi):
    reply = await Chat(api, lang="zh-hans").ask("/help")
    assert reply.text.startswith("<b>论文速递</b>每周把值得关注的 AI 论文推送到本聊天")
    assert "本聊天：未订阅 — /subscribe" in reply.text


async def test_admins_see_admin_commands_in_help(api: FakeBotApi):
    reply = await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/help")
    assert "Admin: /reload · /preview [id] · /stats · /postnow [id] · /top global" in reply.text
    assert "Admin:" not in (await Chat(api).ask("/help")).text


async def test_command_menu_is_registered_in_both_languages_and_admin_scope(api: FakeBotApi):
    await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/start")  # now Telegram knows them
    menu = api.command_names("default")
    assert menu[:4] == ["start", "help", "paper", "topic"] or {"paper", "topic", "digest"} <= set(
        menu
    )
    assert "reload" not in menu
    assert set(api.command_names("default", "zh")) == set(menu)
    admin_menu = api.command_names(f"chat:{ADMIN_ID}")
    assert {"reload", "preview", "stats", "postnow"} <= set(admin_menu)


async def test_deep_link_opens_the_paper(api: FakeBotApi, bot_app: BotApp):
    [hit] = bot_app.bot_data.services.library.search(GENIE, 1)
    reply = await Chat(api).ask(f"/start paper_{hit.paper_id}")
    assert title_of(reply.text) == GENIE
    assert reply.callback_data[-1] == "d:2024-w09"


def is_card(text: str) -> bool:
    return text.startswith(("<b>", "<a href")) and " papers match " not in text.split("\n")[0]


# ------------------------------------------------------------------ /paper


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("genie", GENIE),
        ("Genie", GENIE),
        ("mobilellm", MOBILELLM),
        ("ＭｏｂｉｌｅＬＬＭ", MOBILELLM),
        ("megalodn", None),  # checked by prefix below
    ],
)
async def test_paper_finds_the_clear_best_match(api: FakeBotApi, query: str, title: str | None):
    reply = await Chat(api).ask(f"/paper {query}")
    found = title_of(reply.text)
    if title is None:
        assert found.startswith("Megalodon"), found
    else:
        assert found == title


async def test_paper_card_has_both_titles_summary_link_topics_and_digest(api: FakeBotApi):
    reply = await Chat(api).ask("/paper genie")
    lines = reply.text.split("\n")
    assert lines[0] == f"<b>{GENIE}</b>"
    assert lines[1] == "Genie: 生成式互动环境"
    assert "我们介绍Genie" in reply.text
    assert "Topics:" in reply.text and "#Video_generation" in reply.text
    assert "From: " in reply.text and "2024-02-26" in reply.text
    assert reply.link_preview_options == {"is_disabled": True}


async def test_paper_every_seed_title_is_found_first(api: FakeBotApi):
    chat = Chat(api)
    for _week, title_en, title_zh, _arxiv, _section, _abstract in SEED_PAPERS:
        for query in filter(None, (title_en, title_zh)):
            reply = await chat.ask(f"/paper {query}")
            if is_card(reply.text):
                assert title_of(reply.text) == title_en, query
            else:  # a list: the exact title must be the first line of results
                first = reply.text.split("\n")[1]
                assert title_en in first, (query, first)


async def test_paper_finds_papers_by_author_and_shows_the_byline(
    api: FakeBotApi, bot_app: BotApp, tmp_path: Path
):
    services = bot_app.bot_data.services
    seeds = load_content(services.config)
    content = LoadResult((*seeds.digests, byline_digest(tmp_path)), seeds.problems)
    report = await asyncio.to_thread(ingest, services.factory, content, services.config.taxonomy)
    assert report.added == [BYLINE_DIGEST_ID]
    services.library.invalidate()
    chat = Chat(api)
    listing = await chat.ask("/paper hinton")  # his paper, then one that cites him
    assert HINTON_TITLE in listing.text.split("\n")[1]
    card = await chat.ask("/paper Geoffrey Hinton")
    assert title_of(card.text) == HINTON_TITLE
    assert f"👥 Authors: {HINTON_AUTHORS}" in card.text and f"🏛 Venue: {HINTON_VENUE}" in card.text
    zh_card = await Chat(api, lang="zh").ask("/paper 李飞飞")
    assert "作者：Jia Deng, Wei Dong" in zh_card.text


async def test_paper_with_arxiv_url_opens_the_paper(api: FakeBotApi):
    with_arxiv = [p for p in SEED_PAPERS if p[3]]
    assert with_arxiv
    _week, title_en, _zh, arxiv_id, _section, _abstract = with_arxiv[0]
    chat = Chat(api)
    for query in (arxiv_id, f"https://arxiv.org/abs/{arxiv_id}v2", f"arXiv:{arxiv_id}"):
        reply = await chat.ask(f"/paper {query}")
        assert title_of(reply.text) == title_en
        assert f'<a href="https://arxiv.org/abs/{arxiv_id}">' in reply.text


async def test_paper_without_query_gets_usage(api: FakeBotApi):
    reply = await Chat(api).ask("/paper")
    assert reply.text == t("en", "usage_paper")
    reply = await Chat(api, lang="zh").ask("/paper   ")
    assert reply.text == t("zh", "usage_paper")


async def test_paper_without_match_suggests_titles_and_topics(api: FakeBotApi):
    reply = await Chat(api).ask("/paper qqqzzzxxx")
    assert reply.text.startswith(t("en", "no_match", query="qqqzzzxxx"))
    assert reply.text.endswith(t("en", "try_topics"))


async def test_paper_list_pages_and_opens_cards(api: FakeBotApi):
    chat = Chat(api)
    reply = await chat.ask("/paper model")
    header = reply.text.split("\n")[0]
    total = int(re.search(r"<b>(\d+)</b> papers", header).group(1))
    assert total > 5 and "(page 1/" in header
    assert len(reply.text.split("\n")) == 6  # header + 5 papers
    next_data = reply.button_data("Next")
    [edited] = await chat.press(reply, next_data)
    assert edited.method == "editMessageText" and "(page 2/" in edited.text
    assert edited.text.split("\n")[1].startswith("6.")
    [card] = await chat.press(edited, "p:" + edited.callback_data[0].split(":")[1])
    assert card.method == "sendMessage" and is_card(card.text)
    assert all(len(d.encode()) <= 64 for m in api.sent for d in m.callback_data)


async def test_paper_answers_after_one_trip_to_the_store(
    api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
):
    # each trip to a store thread is a hand-over and back: /paper makes one, whatever it
    # answers (a list with its remembered key, a card, suggestions, an arXiv id not covered)
    from bot.handlers import papers

    trips: list[str] = []
    real_db = papers.db

    async def counting_db(func: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(func, "__name__", repr(func)))
        return await real_db(func, *args, **kwargs)

    monkeypatch.setattr(papers, "db", counting_db)
    chat = Chat(api)
    answers = {
        "model": "papers match <b>model</b> (page 1/",  # a list
        "genie": f"<b>{GENIE}</b>",  # Genie's card
        "qqqzzzxxx": t("en", "no_match", query="qqqzzzxxx"),
        "arXiv:2501.99999": t("en", "arxiv_not_in_digests", arxiv_id="2501.99999"),
    }
    for query, expected in answers.items():
        trips.clear()
        reply = await chat.ask(f"/paper {query}")
        assert expected in reply.text and trips == ["look_up"], (query, trips, reply.text)
    # the list's paging key was stored in that one trip: its "Next" button works, and a
    # page or a card opened from it is one trip too (the papers with the chat's 📌 marks)
    listing = await chat.ask("/paper model")
    trips.clear()
    [edited] = await chat.press(listing, listing.button_data("Next"))
    assert "(page 2/" in edited.text and trips == ["page_lookup"]
    trips.clear()
    [card] = await chat.press(edited, edited.button_data("6"))
    assert card.method == "sendMessage" and trips == ["card_lookup"]


async def test_long_summary_has_more_and_less(api: FakeBotApi):
    chat = Chat(api)
    long_papers = sorted(SEED_PAPERS, key=lambda p: -len(p[5]))
    reply = await chat.ask(f"/paper {long_papers[0][1]}")
    assert any(d.startswith("pf:") for d in reply.callback_data), "long summary not trimmed"
    [full] = await chat.press(reply, reply.button_data("More"))
    assert len(full.text) > len(reply.text)
    [short] = await chat.press(full, full.button_data("Less"))
    assert short.text == reply.text


@pytest.mark.parametrize(
    "query",
    [
        "x" * 5000,
        "ge\x00nie\x07",
        '" OR *',
        "%",
        "'; DROP TABLE papers; --",
        "NEAR(genie model)",
        "🤖📄🔥",
        "מודל שפה",  # right-to-left
        "<b>genie</b> & co",
        "_*[]()~`>#+-=|{}.!",
    ],
)
async def test_hostile_queries_get_a_reply_and_the_bot_keeps_serving(api: FakeBotApi, query: str):
    chat = Chat(api)
    reply = await chat.ask(f"/paper {query}")
    assert reply.text
    assert "went wrong" not in reply.text
    assert title_of((await chat.ask("/paper genie")).text) == GENIE


# ------------------------------------------------------------------ topics


async def test_topic_by_english_chinese_alias_and_prefix(api: FakeBotApi):
    chat = Chat(api)
    for name in ("quantization", "Efficiency", "量化", "effic"):
        reply = await chat.ask(f"/topic {name}")
        assert reply.text.startswith("<b>Efficiency"), (name, reply.text[:80])
        assert " papers, newest first (page 1/" in reply.text


async def test_topic_by_a_narrow_alias_shows_its_papers_first(api: FakeBotApi):
    # "Efficiency & quantization" is broad: /topic quantization puts the papers about
    # quantization (the alias's words in topics.yaml, both languages) before the rest
    chat = Chat(api)
    quantized = {"The Era of 1-bit LLMs", "Imp: Highly Capable "}
    for name in ("quantization", "量化", "quant"):
        reply = await chat.ask(f"/topic {name}")
        lines = [line for line in reply.text.split("\n") if re.match(r"\d+\. ", line)]
        first_two = {line.split(". ", 1)[1][:20] for line in lines[:2]}
        assert first_two == {q[:20] for q in quantized}, (name, lines)
        [page2] = await chat.press(reply, reply.button_data("Next"))
        assert not any(q in page2.text for q in quantized)  # paging keeps the order
    plain = await chat.ask("/topic efficiency")  # the topic's own name: newest first
    assert "1. INDUS" in plain.text


async def test_topic_lists_newest_digest_first_and_pages(api: FakeBotApi):
    chat = Chat(api)
    reply = await chat.ask("/topic language models")
    lines = reply.text.split("\n")
    newest_titles = {p[1] for p in SEED_PAPERS if p[0] == "2024-05-20"}
    assert any(title in lines[1] for title in newest_titles), lines[1]
    [page2] = await chat.press(reply, reply.button_data("Next"))
    assert "(page 2/" in page2.text


async def test_unknown_topic_lists_topics(api: FakeBotApi):
    reply = await Chat(api).ask("/topic basket weaving")
    assert reply.text == t("en", "unknown_topic", query="basket weaving")
    assert "t:efficiency" in reply.callback_data


async def test_topics_shows_counts_and_opens_a_topic(api: FakeBotApi):
    chat = Chat(api)
    reply = await chat.ask("/topics")
    assert reply.text == t("en", "topics_header")
    labels = [b["text"] for b in reply.buttons]
    assert all(re.search(r"\(\d+\)$", label) for label in labels)
    assert sum(int(re.search(r"\((\d+)\)$", x).group(1)) for x in labels) >= len(SEED_PAPERS)
    [opened] = await chat.press(reply, "t:code")
    assert opened.text.startswith("<b>Code")


async def test_a_topic_without_papers_has_no_button_and_no_empty_keyboard(api: FakeBotApi):
    chat = Chat(api)
    listing = await chat.ask("/topics")
    assert "t:general" not in listing.callback_data and len(listing.callback_data) >= 5
    empty = await chat.ask("/topic general")
    assert empty.text == t("en", "topic_empty", topic="General AI")
    assert empty.reply_markup is None  # never an empty InlineKeyboardMarkup


async def test_unknown_commands_and_plain_text_point_to_help(api: FakeBotApi):
    chat = Chat(api)
    assert (await chat.ask("/frobnicate now")).text == t(
        "en", "unknown_command", command="/frobnicate"
    )
    assert (await chat.ask("genie <world>")).text == t("en", "plain_text", query="genie <world>")
    zh = Chat(api, lang="zh")
    assert (
        await zh.ask("世界模型")
    ).text == "查找论文请发送 <code>/paper 世界模型</code>。发送 /help 查看全部命令。"
    group = Chat(api, chat_id=-1001, chat_type="group")
    await group.say("hello everyone", replies=0)
    await group.say("/frobnicate", replies=0)
    # a group stays quiet: the next reply there is the one to /help
    assert (await group.ask("/help")).text.startswith("<b>Paper Digest</b>")
    assert len(group.records) == 1


async def test_chinese_ui_names_the_weekday_in_chinese(api: FakeBotApi):
    reply = await Chat(api, lang="zh").ask("/start")
    assert re.search(r"下次每周推送：<b>周[一二三四五六日] \d{4}-", reply.text), reply.text


# ------------------------------------------------------------------ digests


async def test_digest_latest_date_and_id(api: FakeBotApi):
    chat = Chat(api)
    # /digest latest is the newest posted digest: tests/test_small_points.py
    latest = await chat.ask("/digest 2024-w21")
    assert latest.text.startswith("<b>本周最重要的LLM论文")
    assert "17 papers" in latest.text and latest.text.count("\n") >= 11
    assert [b["text"] for b in latest.buttons][:10] == [str(n) for n in range(1, 11)]
    assert len(latest.callback_data) == 22  # 10 papers, their 10 📌, then "1/2" and "Next"
    by_date = await chat.ask("/digest 2024-04-17")  # a day inside the week
    assert by_date.text.startswith("<b>AI papers of the week (2024-04-15)</b>")
    by_id = await chat.ask("/digest 2024-w09")
    assert "15 papers" in by_id.text
    missing = await chat.ask("/digest 1999-01-01")
    assert missing.text.startswith(t("en", "digest_not_found", query="1999-01-01"))


async def test_digest_pages_its_papers_ten_at_a_time(api: FakeBotApi):
    chat = Chat(api)
    first = await chat.ask("/digest 2024-w21")
    assert "\n10. " in first.text and "\n11. " not in first.text
    [second] = await chat.press(first, first.button_data("Next"))
    assert second.message_id == first.message_id  # edited in place
    assert "\n11. " in second.text and "\n17. " in second.text and "\n10. " not in second.text
    labels = [b["text"] for b in second.buttons]
    assert labels[:7] == [str(n) for n in range(11, 18)] and "2/2" in labels
    [card] = await chat.press(second, second.callback_data[0])
    assert card.message_id != first.message_id  # a paper button opens its card


async def test_digests_archive_newest_first(api: FakeBotApi):
    reply = await Chat(api).ask("/digests")
    assert reply.callback_data == ["d:2024-w21", "d:2024-w16", "d:2024-w09"]


# ------------------------------------------------------------------ inline mode


async def test_inline_query_offers_papers_that_post_cards(api: FakeBotApi):
    api.inline_query("genie")
    await api.wait_for(lambda: api.inline_answers, 15, what="inline answer")
    results = api.inline_answers[-1].results
    assert 1 <= len(results) <= 50
    assert results[0]["title"] == GENIE
    assert "Genie: 生成式互动环境" in results[0]["description"]
    content = results[0]["input_message_content"]
    assert content["message_text"].startswith(f"<b>{GENIE}</b>")
    assert content["parse_mode"] == "HTML"


async def test_empty_inline_query_shows_the_latest_digest(api: FakeBotApi):
    api.inline_query("")
    await api.wait_for(lambda: api.inline_answers, 15, what="inline answer")
    titles = {r["title"] for r in api.inline_answers[-1].results}
    newest = {p[1] for p in SEED_PAPERS if p[0] == "2024-05-20"}
    assert titles == newest


async def test_inline_query_with_no_match_and_long_query(api: FakeBotApi):
    api.inline_query("qqqzzzxxx " * 40)
    await api.wait_for(lambda: api.inline_answers, 15, what="inline answer")
    assert api.inline_answers[-1].results == [] or api.inline_answers[-1].button


# ------------------------------------------------------------------ subscriptions


async def test_subscribe_settings_unsubscribe_in_private(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    when = next_post(bot_app)
    assert (await chat.ask("/subscribe")).text == t("en", "subscribed", when=when)
    assert (await chat.ask("/subscribe")).text == t("en", "already_subscribed", when=when)
    settings = await chat.ask("/settings")
    assert "Weekly digest: subscribed ✅" in settings.text
    assert (await chat.ask("/unsubscribe")).text == t("en", "unsubscribed")
    assert (await chat.ask("/unsubscribe")).text == t("en", "not_subscribed")


async def test_subscribe_to_topics(api: FakeBotApi, bot_app: BotApp):
    chat = Chat(api)
    reply = await chat.ask("/subscribe quantization 代码")
    assert reply.text == t(
        "en", "subscribed_topics", when=next_post(bot_app), topics="Efficiency & quantization, Code"
    )
    sub = bot_app.bot_data.services.subscriptions.get(chat.chat_id)
    assert sub is not None and sub.topics == ("efficiency", "code")
    unknown = await chat.ask("/subscribe nonsense")
    assert unknown.text.startswith("Unknown topic <b>nonsense</b>")


async def test_group_members_cannot_change_subscription_but_admins_can(api: FakeBotApi):
    group = Chat(api, chat_id=-1001234, chat_type="supergroup", user_id=55)
    api.add_chat(-1001234, "supergroup", title="Lab")
    refused = await group.ask("/subscribe")
    assert refused.text == t("en", "need_chat_admin")
    services_sub = api.calls[-1]
    assert services_sub.method == "sendMessage"
    api.set_chat_member_status(-1001234, 55, "administrator")
    assert (await group.ask("/subscribe")).text.startswith("✅")
    # a bot admin may too, without being a chat admin
    assert (await group.ask("/unsubscribe", user_id=ADMIN_ID)).text == t("en", "unsubscribed")


async def test_forum_topic_subscribes_that_thread(api: FakeBotApi, bot_app: BotApp):
    api.add_chat(-100777, "supergroup", title="Forum", is_forum=True)
    api.set_chat_member_status(-100777, 1001, "creator")
    topic = Chat(api, chat_id=-100777, chat_type="supergroup", thread_id=12, is_forum=True)
    reply = await topic.ask("/subscribe")
    assert reply.message_thread_id == 12
    subs = bot_app.bot_data.services.subscriptions
    assert subs.get(-100777, 12) is not None and subs.get(-100777, 0) is None


async def test_channel_subscribes_when_bot_becomes_admin_and_unsubscribes_when_removed(
    api: FakeBotApi, bot_app: BotApp
):
    subs = bot_app.bot_data.services.subscriptions
    api.my_chat_member(-100555, "channel", "administrator", title="Papers channel")
    view = await api.wait_for(lambda: subs.get(-100555), 15, what="channel subscription")
    assert view.active
    api.my_chat_member(-100555, "channel", "left")
    await api.wait_for(lambda: not subs.get(-100555).active, 15, what="channel unsubscribed")


# ------------------------------------------------------------------ admin


@pytest.mark.parametrize(
    "command",
    ["/reload", "/preview", "/preview 2024-w09", "/stats", "/postnow", "/postnow 2024-w09"],
)
async def test_non_admins_are_refused_and_nothing_happens(
    api: FakeBotApi, bot_app: BotApp, command: str
):
    reply = await Chat(api).ask(command)
    assert reply.text == t("en", "admins_only", user_id=DEFAULT_USER_ID)
    assert bot_app.bot_data.services.ledger.published_ids() == set()


async def test_admin_stats_and_preview(api: FakeBotApi, bot_app: BotApp):
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    stats = await admin.ask("/stats")
    assert "Digests: 3 (0 retired)" in stats.text and f"Papers: {len(SEED_PAPERS)}" in stats.text
    assert f"Next post: {next_post(bot_app)}" in stats.text
    assert "Parts resent after a crash: 0" in stats.text
    before = len(admin.records)
    api.send_message("/preview", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(lambda: len(admin.records) > before + 1, 15, what="preview")
    await api.wait_for(
        lambda: re.search(r"(\d+) messages?:", admin.records[before].text), 15, what="count"
    )
    count = int(re.search(r"(\d+) messages?:", admin.records[before].text).group(1))
    await api.wait_for(lambda: len(admin.records) >= before + 1 + count, 15, what="preview parts")
    post = "".join(m.text for m in admin.records[before + 1 : before + 1 + count])
    assert post.startswith("📚 <b>每周AI论文速递")  # the first digest in digests.yaml
    assert bot_app.bot_data.services.ledger.published_ids() == set()


async def test_admin_preview_of_a_digest_id_shows_its_papers_as_stored(api: FakeBotApi):
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    before = len(admin.records)
    api.send_message("/preview 2024-w21", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    await api.wait_for(lambda: len(admin.records) > before, 15, what="preview header")
    header = admin.records[before].text
    assert header.startswith("👀 <b>2024-w21</b> as it will be stored and posted")
    count = int(re.search(r"(\d+) messages?", header).group(1))
    await api.wait_for(lambda: len(admin.records) >= before + 1 + count, 15, what="parts")
    parts = [m.text for m in admin.records[before + 1 : before + 1 + count]]
    assert all(len(part) <= 4096 for part in parts)
    assert parts[0].startswith("<b>digest 2024-w21 · week 2024-05-20 – 2024-05-26 · 17 papers</b>")
    numbered = re.findall(r"<b>(\d+)\. (.*?)</b>", "\n".join(parts))
    newest = [p[1] for p in SEED_PAPERS if p[0] == "2024-05-20"]
    # capped like a post: the first 10 papers, then the count and check --show
    assert [int(n) for n, _ in numbered] == list(range(1, 11))
    assert [title for _, title in numbered] == [html.escape(x, quote=False) for x in newest[:10]]
    assert parts[-1].endswith(
        "… and 7 more papers. Every paper and warning: </i>"
        "<code>python -m bot check --show 2024-w21</code>"
    )
    assert "   topics: " in parts[0] and "   summary: " in parts[0]


def list_new_digest(bot_app: BotApp, digest_id: str, text: str) -> None:
    """Write ``content/<id>.md`` and append it to digests.yaml (week of 2024-06-03), as an
    admin adding a digest does; nothing is reloaded."""
    config = bot_app.bot_data.services.config
    (config.path.parent.parent / "content" / f"{digest_id}.md").write_text(text, encoding="utf-8")
    with (config.path.parent / "digests.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"- id: {digest_id}\n  file: ../content/{digest_id}.md\n  week: 2024-06-03\n")


async def test_admin_previews_a_newly_listed_digest_before_reload(api: FakeBotApi, bot_app: BotApp):
    list_new_digest(
        bot_app,
        "next",
        "# Next week\n\n1. **A <Brand> New Paper**\n全新的论文\n\n一段摘要（含全角标点）。\n"
        "[arXiv](https://arxiv.org/abs/2501.00002)\n",
    )
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    header, body = await admin.say("/preview next", 2)
    assert header.text.startswith("👀 <b>next</b> as it will be stored and posted")
    assert body.text.startswith("<b>digest next · week 2024-06-03 – 2024-06-09 · 1 paper</b>")
    assert (
        "<b>1. A &lt;Brand&gt; New Paper</b>\n   zh: 全新的论文\n   arXiv: 2501.00002" in body.text
    )
    # only previewed: not stored until /reload
    assert "Brand" not in (await admin.ask("/paper brand new paper")).text


async def test_admin_preview_of_an_unknown_id_gives_usage(api: FakeBotApi):
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    reply = await admin.ask("/preview <nope>")
    assert reply.text == t("en", "usage_preview", id="<nope>", ids="2024-w09, 2024-w16, 2024-w21")
    zh = await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID, lang="zh").ask("/preview x")
    assert zh.text.startswith("digests.yaml 中没有速递 <b>x</b>")


async def test_admin_preview_of_a_broken_digest_says_it_would_be_refused(
    api: FakeBotApi, bot_app: BotApp
):
    [entry] = [e for e in bot_app.bot_data.services.config.digests if e.id == "2024-w16"]
    entry.file.write_bytes(b"\xff\xfe garbage \x00\x01")
    reply = await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/preview 2024-w16")
    assert reply.text.startswith("⚠️ Digest <b>2024-w16</b> would be refused: ")
    assert f"{entry.file}:1: " in reply.text


async def test_admin_reload_picks_up_a_new_digest(api: FakeBotApi, bot_app: BotApp):
    list_new_digest(
        bot_app,
        "extra",
        "# Extra week\n\n1. **Tiny <think> & Co: A Test Paper**\n测试论文\n\n一段摘要。\n"
        "[arXiv](https://arxiv.org/abs/2501.00001)\n",
    )
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    before = await admin.ask("/paper tiny think")  # answered (and cached) before the reload
    assert "Tiny &lt;think&gt;" not in before.text
    reply = await admin.ask("/reload")
    assert reply.text.startswith("<b>Reloaded.</b>")
    assert "extra" in reply.text
    card = await admin.ask("/paper tiny think")
    assert title_of(card.text) == "Tiny &lt;think&gt; &amp; Co: A Test Paper"
    assert card.text.startswith('<a href="https://arxiv.org/abs/2501.00001">')


# ------------------------------------------------------------------ errors


async def test_a_failing_handler_apologises_logs_without_token_and_keeps_serving(
    api: FakeBotApi, bot_app: BotApp, monkeypatch: pytest.MonkeyPatch, caplog
):
    library = bot_app.bot_data.services.library

    def broken(query: str, limit: int = 50):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(library, "search", broken)
    chat = Chat(api)
    reply = await chat.ask("/paper genie")
    assert reply.text == t("en", "error")
    assert "database is on fire" in caplog.text and "/paper genie" in caplog.text
    assert "SANDBOX-TOKEN" not in caplog.text
    monkeypatch.undo()
    assert title_of((await chat.ask("/paper genie")).text) == GENIE


async def test_a_failing_button_gets_an_alert(
    api: FakeBotApi, bot_app: BotApp, monkeypatch: pytest.MonkeyPatch
):
    chat = Chat(api)
    listing = await chat.ask("/digests")
    topics = await chat.ask("/topics")

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot_app.bot_data.services.library, "digest", broken)
    [apology] = await chat.press(listing, "d:2024-w09")  # the button was answered already
    assert apology.text == t("en", "error")

    monkeypatch.setattr(bot_app.bot_data.services.library, "topics", broken)
    answer = await chat.press_for_answer(topics, "t:code")  # fails before answering
    assert answer == t("en", "error")


async def test_paper_query_that_is_a_topic_name_offers_the_topic(api: FakeBotApi):
    chat = Chat(api)
    reply = await chat.ask("/paper quantization")
    assert reply.text.startswith(t("en", "no_match", query="quantization"))
    assert reply.text.endswith(t("en", "topic_hint", topic="Efficiency & quantization"))
    [papers] = await chat.press(reply, "t:efficiency")
    assert papers.text.startswith("<b>Efficiency &amp; quantization</b> — ")
