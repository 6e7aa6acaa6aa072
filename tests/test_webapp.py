"""The Mini App without a browser: initData checks (signature, age), startapp tokens, the
chat a request acts for and who may see or change its list, the rate limit, the chat's 🔎
Browse buttons, and the webhook sharing the web server's port."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode

import aiohttp
import bibtexparser
import pytest

from bot.app import build_application, serve_bot
from bot.config import BotConfig, Environment
from bot.content import LoadResult, load_content
from bot.domain.webapp import (
    ChatLink,
    InvalidInitData,
    WebUser,
    chat_token,
    check_init_data,
    read_chat_token,
    sign_init_data,
)
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import SANDBOX_TOKEN
from bot.store.content_repo import ingest
from bot.web.access import RateLimit
from tests.authored import BYLINE_DIGEST_ID, HINTON_AUTHORS, HINTON_TITLE, byline_digest
from tests.conftest import ADMIN_ID
from tests.harness import Chat
from tests.webapp_helpers import ALICE, BOB, GROUP, WEBAPP_URL, WebBot, web_bot

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
GENIE = "Genie: Generative Interactive Environments"


# ------------------------------------------------------------------ initData (pure)


def test_signed_init_data_checks_and_names_the_user():
    raw = sign_init_data(TOKEN, BOB, NOW, start_param="abc")
    checked = check_init_data(raw, TOKEN, NOW + timedelta(hours=1))
    assert checked.user == BOB
    assert checked.start_param == "abc"
    assert checked.auth_date == NOW


def test_telegram_documented_example_hash_is_what_we_compute():
    # the data-check string is the sorted key=value lines of the decoded pairs but hash
    pairs = {"auth_date": "1700000000", "user": '{"id":1,"first_name":"A"}', "query_id": "Q"}
    import hashlib
    import hmac as hmac_module

    secret = hmac_module.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = 'auth_date=1700000000\nquery_id=Q\nuser={"id":1,"first_name":"A"}'
    expected = hmac_module.new(secret, check.encode(), hashlib.sha256).hexdigest()
    raw = urlencode({**pairs, "hash": expected}, quote_via=quote)
    when = datetime.fromtimestamp(1700000000, UTC)
    assert check_init_data(raw, TOKEN, when).user.id == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda raw: raw.replace("Bob", "Eve"),  # another name, same hash
        lambda raw: raw.replace("5002", "5001"),  # another user id
        lambda raw: re.sub(r"hash=[0-9a-f]+", "hash=" + "0" * 64, raw),
        lambda raw: re.sub(r"&hash=[0-9a-f]+", "", raw),  # no hash at all
        lambda raw: raw + "&extra=1",  # a pair added after signing
        lambda raw: raw + "&user=%7B%22id%22%3A1%7D",  # a key twice
        lambda raw: "",
    ],
)
def test_tampered_init_data_is_refused(tamper):
    raw = sign_init_data(TOKEN, BOB, NOW)
    with pytest.raises(InvalidInitData):
        check_init_data(tamper(raw), TOKEN, NOW)


def test_init_data_of_another_bot_is_refused():
    raw = sign_init_data("999:OTHER", BOB, NOW)
    with pytest.raises(InvalidInitData, match="bad signature"):
        check_init_data(raw, TOKEN, NOW)


def test_old_init_data_is_refused_at_the_configured_age():
    raw = sign_init_data(TOKEN, BOB, NOW)
    check_init_data(raw, TOKEN, NOW + timedelta(hours=23, minutes=59))
    with pytest.raises(InvalidInitData, match="too old"):
        check_init_data(raw, TOKEN, NOW + timedelta(hours=24, seconds=1))
    with pytest.raises(InvalidInitData, match="too old"):
        check_init_data(raw, TOKEN, NOW + timedelta(hours=2), max_age=timedelta(hours=1))


def test_startapp_tokens_fit_telegrams_limits_and_cannot_be_forged():
    for link in (
        ChatLink(-1001234567890123),
        ChatLink(-1009999999999, paper_id=123456789),
        ChatLink(42, reading=True),
    ):
        token = chat_token(TOKEN, link)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token), token
        assert read_chat_token(TOKEN, token) == link
        assert read_chat_token("999:OTHER", token) is None
    token = chat_token(TOKEN, ChatLink(-100123))
    forged = token.replace("m100123", "m100124")
    assert read_chat_token(TOKEN, forged) is None
    assert read_chat_token(TOKEN, "m100123_" + "A" * 16) is None


# ------------------------------------------------------------------ the API


@pytest.fixture
async def web(e2e_config: BotConfig, api: FakeBotApi):
    async with web_bot(e2e_config, api) as running:
        yield running


def paper_id(web: WebBot, title: str) -> int:
    [hit] = web.app.bot_data.services.library.search(title, 1)
    return hit.paper_id


async def test_the_page_needs_no_auth_but_every_api_call_does(web: WebBot):
    status, page = await web.call("", None)
    assert status == 200 and "static/app.js" in page
    for path in ("api/session", "api/search?q=genie", "api/reading", "api/reading.bib"):
        assert (await web.call(path, None))[0] == 401, path
    raw = web.init_data(ALICE)
    assert (await web.call("api/session", raw))[0] == 200
    tampered = raw.replace("Alice", "Mallory")
    assert (await web.call("api/session", tampered)) == (401, {"error": "error_auth"})


async def test_old_auth_date_gets_401(web: WebBot):
    services = web.app.bot_data.services
    old = web.init_data(ALICE, auth_date=services.clock() - timedelta(hours=25))
    assert (await web.call("api/session", old))[0] == 401
    fresh = web.init_data(ALICE, auth_date=services.clock() - timedelta(hours=23))
    assert (await web.call("api/session", fresh))[0] == 200
    services.env = replace(services.env, webapp_max_age=timedelta(hours=1))
    assert (await web.call("api/session", fresh))[0] == 401


async def test_search_is_the_paper_search_with_filters(web: WebBot):
    raw = web.init_data(ALICE)
    status, found = await web.call("api/search?q=genie", raw)
    assert status == 200
    assert found["papers"][0]["title_en"] == GENIE
    genie = found["papers"][0]
    topic = genie["topics"][0]["id"]
    week = genie["digest"]["id"]
    _, narrowed = await web.call(f"api/search?q=genie&topic={topic}&week={week}", raw)
    assert narrowed["papers"][0]["title_en"] == GENIE
    assert all(p["digest"]["id"] == week for p in narrowed["papers"])
    _, other_week = await web.call("api/search?q=genie&week=no-such-week", raw)
    assert other_week == {"total": 0, "papers": []}
    _, weekly = await web.call(f"api/search?week={week}", raw)
    assert weekly["total"] == genie["digest"]["count"]


async def test_paper_page_has_links_digests_and_bibtex(web: WebBot, tmp_path):
    services = web.app.bot_data.services
    seeds = load_content(services.config)
    content = LoadResult((*seeds.digests, byline_digest(tmp_path)), seeds.problems)
    await asyncio.to_thread(ingest, services.factory, content, services.config.taxonomy)
    services.library.invalidate()
    raw = web.init_data(ALICE)
    status, paper = await web.call(f"api/paper/{paper_id(web, HINTON_TITLE)}", raw)
    assert status == 200
    assert (paper["title_en"], paper["title_zh"]) == (HINTON_TITLE, "通过反向传播误差学习表示")
    assert paper["authors"] == HINTON_AUTHORS
    assert paper["links"] == [
        {"kind": "arxiv", "url": "https://arxiv.org/abs/8606.00001"},
        {"kind": "pdf", "url": "https://arxiv.org/pdf/8606.00001"},
    ]
    assert [d["id"] for d in paper["digests"]] == [BYLINE_DIGEST_ID]
    [entry] = bibtexparser.parse_string(paper["bibtex"]).entries
    assert entry["eprint"] == "8606.00001"
    assert (await web.call("api/paper/99999999", raw))[0] == 404


async def test_a_private_list_is_its_users_alone(web: WebBot, api: FakeBotApi):
    genie = paper_id(web, GENIE)
    alice, bob = web.init_data(ALICE), web.init_data(BOB)
    assert (await web.call(f"api/reading/{genie}", alice, "POST")) == (200, {"saved": True})
    _, alices = await web.call("api/reading", alice)
    assert [item["title_en"] for item in alices["items"]] == [GENIE]
    # Bob sees neither Alice's list nor her 📌 marks
    assert (await web.call("api/reading", bob)) == (200, {"items": []})
    _, found = await web.call("api/search?q=genie", bob)
    assert found["papers"][0]["saved"] is False
    _, found = await web.call("api/search?q=genie", alice)
    assert found["papers"][0]["saved"] is True
    # the chat sees it too: the web list is the chat's /reading
    reading = await Chat(api, chat_id=ALICE.id, user_id=ALICE.id).ask("/reading")
    assert GENIE in reading.visible_text


async def test_a_groups_list_needs_a_signed_link_and_membership(web: WebBot, api: FakeBotApi):
    genie = paper_id(web, GENIE)
    api.add_chat(GROUP, "supergroup", "Reading group")
    token = chat_token(SANDBOX_TOKEN, ChatLink(GROUP, reading=True))
    alice = web.init_data(ALICE, start_param=token)
    assert (await web.call(f"api/reading/{genie}", alice, "POST"))[0] == 200
    _, session = await web.call("api/session", alice)
    assert session["chat"] == {"private": False, "title": "Reading group", "member": True}
    assert session["open"] == {"paper": None, "reading": True}
    # a non-member with the same link: no list, no marks, no saving
    api.set_chat_member_status(GROUP, BOB.id, "left")
    bob = web.init_data(BOB, start_param=token)
    assert (await web.call("api/reading", bob)) == (403, {"error": "error_member"})
    assert (await web.call("api/reading.bib", bob))[0] == 403
    assert (await web.call(f"api/reading/{genie}", bob, "DELETE"))[0] == 403
    _, found = await web.call("api/search?q=genie", bob)
    assert found["papers"][0]["saved"] is False
    # a made-up token names no group: the page acts for the user's own private chat
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    _, own = await web.call("api/reading", web.init_data(ALICE, start_param=forged))
    assert own == {"items": []}
    # the group's chat has it too
    group = Chat(api, chat_id=GROUP, user_id=ALICE.id, chat_type="supergroup")
    assert GENIE in (await group.ask("/reading")).visible_text


async def test_removing_from_a_group_follows_the_chats_rule(web: WebBot, api: FakeBotApi):
    genie = paper_id(web, GENIE)
    api.add_chat(GROUP, "supergroup", "Reading group")
    token = chat_token(SANDBOX_TOKEN, ChatLink(GROUP))
    alice, bob = web.init_data(ALICE, start_param=token), web.init_data(BOB, start_param=token)
    await web.call(f"api/reading/{genie}", alice, "POST")
    assert (await web.call(f"api/reading/{genie}", bob, "DELETE")) == (
        403,
        {"error": "error_refused"},
    )
    assert (await web.call(f"api/reading/{genie}/read", bob, "POST", {"read": True})) == (
        200,
        {"read": True},
    )
    _, listed = await web.call("api/reading", alice)
    assert listed["items"][0]["read"] is True and listed["items"][0]["saved_by"] == "Alice"
    api.set_chat_member_status(GROUP, 5003, "administrator")
    admin = web.init_data(WebUser(5003, "Ada"), start_param=token)
    assert (await web.call(f"api/reading/{genie}", admin, "DELETE")) == (200, {"saved": False})


async def test_requests_are_rate_limited_per_user(e2e_config: BotConfig, api: FakeBotApi):
    async with web_bot(e2e_config, api, rate=RateLimit(requests=5, seconds=60)) as web:
        alice, bob = web.init_data(ALICE), web.init_data(BOB)
        statuses = [(await web.call("api/search?q=genie", alice))[0] for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        assert (await web.call("api/search?q=genie", bob))[0] == 200


# ------------------------------------------------------------------ the chat's 🔎 buttons


def browse_buttons(message) -> list[dict]:
    return [b for b in message.buttons if b["text"].startswith("🔎")]


async def test_browse_opens_the_app_from_start_cards_and_reading(web: WebBot, api: FakeBotApi):
    menu = [c for c in api.calls if c.method == "setChatMenuButton"]
    assert menu and menu[0].params["menu_button"]["web_app"]["url"] == WEBAPP_URL
    chat = Chat(api)
    [start] = browse_buttons(await chat.ask("/start"))
    assert start == {"text": "🔎 Browse", "web_app": {"url": WEBAPP_URL}}
    genie = paper_id(web, GENIE)
    [card] = browse_buttons(await chat.ask("/paper genie"))
    assert card["web_app"]["url"] == f"{WEBAPP_URL}?paper={genie}"
    [reading] = browse_buttons(await chat.ask("/reading"))
    assert reading["web_app"]["url"] == f"{WEBAPP_URL}?view=reading"


async def test_groups_get_a_signed_direct_link(web: WebBot, api: FakeBotApi):
    group = Chat(api, chat_id=GROUP, chat_type="supergroup")
    [start] = browse_buttons(await group.ask("/start"))
    username = web.app.bot_data.services.bot_username
    prefix = f"https://t.me/{username}/browse?startapp="
    assert "web_app" not in start and start["url"].startswith(prefix)
    assert read_chat_token(SANDBOX_TOKEN, start["url"].removeprefix(prefix)) == ChatLink(GROUP)
    [card] = browse_buttons(await group.ask("/paper genie"))
    link = read_chat_token(SANDBOX_TOKEN, card["url"].removeprefix(prefix))
    assert link == ChatLink(GROUP, paper_id=paper_id(web, GENIE))
    [reading] = browse_buttons(await group.ask("/reading"))
    assert read_chat_token(SANDBOX_TOKEN, reading["url"].removeprefix(prefix)) == ChatLink(
        GROUP, reading=True
    )


async def test_admins_are_told_whether_the_mini_app_is_on(
    e2e_config: BotConfig, api: FakeBotApi, bot_app
):
    admin = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    start = await admin.ask("/start")
    assert "Mini App: off (set WEBAPP_URL to turn it on)." in start.visible_text
    assert not browse_buttons(start)
    assert "Mini App" not in (await Chat(api).ask("/start")).visible_text


async def test_admins_see_the_mini_app_is_on(web: WebBot, api: FakeBotApi):
    start = await Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID).ask("/start")
    assert f"Mini App: on ({WEBAPP_URL})." in start.visible_text


async def test_the_fake_refuses_web_app_buttons_outside_private_chats(api: FakeBotApi):
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
    from telegram.error import BadRequest

    api.add_chat(GROUP, "supergroup", "Team")
    api.add_chat(77, "private")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", web_app=WebAppInfo(WEBAPP_URL))]])
    async with Bot(SANDBOX_TOKEN, base_url=api.base_url) as bot:
        await bot.send_message(77, "ok", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
            await bot.send_message(GROUP, "no", reply_markup=markup)
        http = InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", web_app=WebAppInfo("http://plain.example.org/"))]]
        )
        with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
            await bot.send_message(77, "no", reply_markup=http)


# ------------------------------------------------------------------ one port for both


async def test_webhook_and_mini_app_share_one_server(
    e2e_config: BotConfig, api: FakeBotApi, unused_tcp_port: int
):
    env = Environment(
        token=SANDBOX_TOKEN,
        api_base_url=api.base_url,
        webhook_url="https://bot.example.org/telegram",
        port=unused_tcp_port,
        webapp_url=WEBAPP_URL,
    )
    from bot.services.ingestion import sync_content

    await asyncio.to_thread(sync_content, e2e_config)
    application = build_application(e2e_config, env, catch_up_on_start=False)
    stop = asyncio.Event()
    served = asyncio.create_task(serve_bot(application, "hook-secret", stop))
    base = f"http://127.0.0.1:{unused_tcp_port}"
    try:
        registered = await api.wait_for(
            lambda: [c for c in api.calls if c.method == "setWebhook" and c.ok], 30, what="hook"
        )
        assert registered[0].params["secret_token"] == "hook-secret"
        update = api.send_message("/paper genie", user_id=778)
        async with aiohttp.ClientSession() as http:
            for _ in range(300):  # the hook is set before the server listens
                try:
                    page = await http.get(base + "/")
                    break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            assert page.status == 200 and "static/app.js" in await page.text()
            assert (await http.post(base + "/telegram", json=update)).status == 403
            accepted = await http.post(
                base + "/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"},
            )
            assert accepted.status == 200
        [reply] = await api.wait_for_messages(778, 1, 30)
        assert reply.text.startswith(f"<b>{GENIE}</b>")
    finally:
        stop.set()
        await served
    assert not application.running


def test_webapp_url_must_be_https():
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="WEBAPP_URL: expected an https:// address"):
        Environment.from_environ({"WEBAPP_URL": "http://example.org/"})
    env = Environment.from_environ({"WEBAPP_URL": WEBAPP_URL, "WEBAPP_MAX_AGE_HOURS": "2"})
    assert env.webapp_max_age == timedelta(hours=2) and env.port == 8080


def test_sandbox_link_carries_signed_init_data():
    from bot.sandbox.webapp import open_link

    raw = sign_init_data(TOKEN, ALICE, NOW)
    link = open_link("http://127.0.0.1:1/", raw)
    fragment = link.split("#", 1)[1]
    assert dict(parse_qsl(fragment))["tgWebAppData"] == raw
