"""The fake Bot API, driven by the real python-telegram-bot client: it must accept what
Telegram accepts, refuse what Telegram refuses (with Telegram's errors), and inject faults."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox.fake_telegram import BOT_ID, FakeBotApi
from bot.sandbox.fake_telegram.html_check import (
    TelegramHtmlError,
    check_telegram_html,
    parse_telegram_html,
)

TOKEN = "123:ABC"
CHAT = 4242


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB warns on every RetryAfter unless durations are opted in as timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        server.add_chat(CHAT, "private", first_name="Ada")
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "?", callback_data=d) for d in data]])


# ------------------------------------------------------------------ basics


async def test_get_me_and_base_url(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "paper_digest_test_bot", True)
    assert me.supports_inline_queries and me.can_join_groups
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
    assert api.calls[-1].method == "getMe" and api.calls[-1].ok


async def test_send_message_is_recorded_exactly(api: FakeBotApi, bot: Bot) -> None:
    api.add_chat(-100777, "supergroup", title="Team", is_forum=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", url="https://arxiv.org/abs/1")]])
    message = await bot.send_message(
        -100777,
        "<b>Digest</b> &amp; more",
        parse_mode="HTML",
        reply_markup=markup,
        message_thread_id=7,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert message.text == "Digest & more"  # Telegram answers with the visible text
    assert message.entities[0].type == "bold" and message.is_topic_message
    [sent] = api.sent
    assert sent.chat_id == -100777 and sent.message_id == message.message_id
    assert sent.text == "<b>Digest</b> &amp; more"
    assert sent.visible_text == "Digest & more"
    assert sent.parse_mode == "HTML" and sent.method == "sendMessage"
    assert sent.reply_markup == markup.to_dict()
    assert sent.message_thread_id == 7
    assert sent.link_preview_options == {"is_disabled": True}
    assert api.messages_to(-100777, thread_id=7) == [sent]
    assert api.messages_to(-100777, thread_id=8) == []
    assert api.messages_to(CHAT) == []


async def test_unknown_chat_and_method_are_refused(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(555, "hello")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})
    assert [c.status for c in api.calls[-2:]] == [400, 404]
    assert api.sent == []


async def test_method_names_are_case_insensitive_and_json_bodies_work(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{api.base_url}any-token/SENDMESSAGE"
        async with session.post(url, json={"chat_id": str(CHAT), "text": "hi"}) as response:
            body = await response.json()
    assert response.status == 200 and body["ok"] is True
    assert body["result"]["chat"]["id"] == CHAT
    assert api.sent[0].text == "hi"


# ------------------------------------------------------------------ Telegram's refusals


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<think>plan</think> answer", 'unsupported start tag "think" at byte offset 0'),
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("AT&T", 'unescaped "&"'),
        ("a < b", 'unsupported start tag "" at byte offset 2'),
        ("x</i>", "unexpected end tag at byte offset 1"),
    ],
)
async def test_invalid_html_is_refused(
    api: FakeBotApi, bot: Bot, text: str, description: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHAT, text, parse_mode="HTML")
    assert description in str(caught.value).lower()
    assert api.calls[-1].description.startswith("Bad Request: can't parse entities: ")
    assert api.sent == []


async def test_message_length_counts_visible_utf16(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "a" * 4096)
    await bot.send_message(
        CHAT, "<b>" + "a" * 4000 + "</b><i>" + "b" * 96 + "</i>", parse_mode="HTML"
    )
    await bot.send_message(CHAT, "😀" * 2048)  # 2 UTF-16 units each
    for too_long in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(CHAT, too_long)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")
    assert len(api.messages_to(CHAT)) == 3


async def test_inline_keyboards_are_validated(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "too long", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "bytes", reply_markup=keyboard("é" * 33))  # 66 bytes
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="javascript:alert(1)")]])
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await bot.send_message(CHAT, "url", reply_markup=bad_url)
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("no action")]])
    with pytest.raises(BadRequest, match="text buttons are unallowed"):
        await bot.send_message(CHAT, "t", reply_markup=text_only)
    assert len(api.sent) == 1


async def test_edits_and_not_modified(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    # Same visible text without the bold entity is a change.
    await bot.edit_message_text("v1", CHAT, sent.message_id, reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    methods = [m.method for m in api.messages_to(CHAT)]
    assert methods == ["sendMessage", "editMessageText", "editMessageReplyMarkup"]
    latest = api.latest(CHAT, sent.message_id)
    assert latest is not None and latest.callback_data == ["b"] and latest.visible_text == "v1"
    assert await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)
    assert api.deleted == [(CHAT, sent.message_id)]


async def test_callback_and_inline_answers(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=keyboard("p:1", "p:2"))
    with pytest.raises(ValueError, match="no button"):
        api.press_button(api.sent[0], "p:3")
    query_id = api.press_button(api.sent[0], "p:2")["callback_query"]["id"]
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, "x" * 201)
    await bot.answer_callback_query(query_id, "done", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)  # a query is answered once
    [answer] = api.callback_answers
    assert (answer.text, answer.show_alert, answer.data) == ("done", True, "p:2")
    assert (answer.chat_id, answer.message_id, answer.user_id) == (CHAT, sent.message_id, CHAT)

    def article(i: int, text: str = "card") -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            str(i), f"t{i}", InputTextMessageContent(text, parse_mode="HTML")
        )

    query_id = api.inline_query("genie")["inline_query"]["id"]
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(query_id, [article(i) for i in range(51)])
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.answer_inline_query(query_id, [article(1, "<think>")])
    await bot.answer_inline_query(query_id, [article(i) for i in range(50)], cache_time=60)
    [inline] = api.inline_answers
    assert inline.query == "genie" and len(inline.results) == 50 and inline.cache_time == 60


async def test_commands_members_and_membership(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("paper", "Find a paper")], language_code="zh")
    await bot.set_my_commands([BotCommand("admin", "Admin")], BotCommandScopeChat(CHAT))
    with pytest.raises(BadRequest, match="Chat not found"):  # an admin who never wrote
        await bot.set_my_commands([BotCommand("admin", "Admin")], BotCommandScopeChat(31337))
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert api.command_names("default", "zh") == ["paper"]
    assert api.commands[(f"chat:{CHAT}", "")] == [{"command": "admin", "description": "Admin"}]
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["paper"]
    assert await bot.get_my_commands() == ()

    api.add_chat(-500, "group", title="Readers")
    api.set_chat_member_status(-500, 7, "administrator")
    assert (await bot.get_chat_member(-500, 7)).status == "administrator"
    assert (await bot.get_chat_member(-500, 8)).status == "member"
    assert [m.user.id for m in await bot.get_chat_administrators(-500)] == [7]
    assert (await bot.get_chat(-500)).title == "Readers"

    api.my_chat_member(-500, "group", new_status="kicked")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(-500, "still here?")
    update = Update.de_json(api.my_chat_member(-100900, "channel", "administrator"), bot)
    assert update.my_chat_member.new_chat_member.status == "administrator"
    await bot.send_message(-100900, "channel post")
    assert api.messages_to(-100900)[0].text == "channel post"


async def test_webhook_token_and_allowed_updates(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    api.send_message("dropped", user_id=CHAT)
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates == 0
    api.inline_query("x")
    api.send_message("kept", user_id=CHAT)
    [update] = await bot.get_updates(allowed_updates=["message"])
    assert update.message.text == "kept"
    async with FakeBotApi(token=TOKEN) as strict:
        other = Bot("123:WRONG", base_url=strict.base_url)
        with pytest.raises(InvalidToken):
            await other.initialize()  # the first call (getMe) is refused like Telegram does
        await other.shutdown()


# ------------------------------------------------------------------ faults


async def test_fault_injection(api: FakeBotApi, bot: Bot) -> None:
    api.add_chat(-300, "group", title="Old group")

    api.inject_fault(kind="retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(CHAT, "x")
    assert flood.value.retry_after == timedelta(seconds=7)

    api.inject_fault(chat_id=CHAT, kind="forbidden", times=2)
    await bot.send_message(-300, "another chat is not affected")
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "passes after `times` failures")

    api.inject_fault(chat_id=-300, kind="migrate")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-300, "x")
    new_id = migrated.value.new_chat_id
    assert new_id == -100300
    await bot.send_message(new_id, "the supergroup is known")

    api.inject_fault(kind="server_error")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(CHAT, "x")
    api.inject_fault(kind="chat_not_found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(CHAT, "x")
    api.inject_fault(kind="drop")
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(CHAT, "x")
    api.inject_fault(kind="delay", seconds=0.2)
    started = time.monotonic()
    await bot.send_message(CHAT, "late")
    assert time.monotonic() - started >= 0.2

    statuses = [c.status for c in api.calls if c.method == "sendMessage"]
    assert statuses == [429, 200, 403, 403, 200, 400, 200, 500, 400, 0, 200]
    assert [m.text for m in api.sent] == [
        "another chat is not affected",
        "passes after `times` failures",
        "the supergroup is known",
        "late",
    ]
    assert all(f.remaining == 0 for f in api.faults)


async def test_flood_limits(api: FakeBotApi, bot: Bot) -> None:
    api.flood_limits(global_per_second=30, per_group_per_minute=None)
    started = time.monotonic()
    results = await asyncio.gather(
        *(bot.send_message(CHAT, f"m{i}") for i in range(40)), return_exceptions=True
    )
    took = time.monotonic() - started
    rejected = [r for r in results if isinstance(r, RetryAfter)]
    assert len(rejected) == api.flood_rejections == 40 - len(api.sent) > 0
    # never 31 accepted within one second (recorded a moment after the check: 0.1 s slack)
    times = sorted(m.time for m in api.sent)
    assert all(later - earlier > 0.9 for earlier, later in zip(times, times[30:], strict=False))
    if took < 1.0:  # a loaded machine may spread the 40 sends over more than a second
        assert len(api.sent) == 30
    refusal = next(c for c in api.calls if (c.description or "").startswith("Too Many"))
    assert refusal.description == "Too Many Requests: retry after 1"

    api.reset()
    api.flood_limits(global_per_second=None, per_group_per_minute=20)
    api.add_chat(-600, "supergroup")
    for i in range(20):
        await bot.send_message(-600, f"g{i}")
    await bot.send_message(CHAT, "private chats have no group limit")
    with pytest.raises(RetryAfter):
        await bot.send_message(-600, "one too many")
    retry = api.calls[-1].description
    assert retry in {"Too Many Requests: retry after 60", "Too Many Requests: retry after 59"}

    api.reset()
    api.flood_limits(2, None)  # refused messages do not count
    for _ in range(3):
        with pytest.raises(BadRequest):
            await bot.send_message(CHAT, "<bad>", parse_mode="HTML")
    await bot.send_message(CHAT, "1")
    await bot.send_message(CHAT, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "3")
    api.flood_limits(None, None)
    await bot.send_message(CHAT, "3")


# ------------------------------------------------------------------ polling and waiting


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for(lambda: api.is_polling, what="an open long poll")
    started = time.monotonic()
    api.send_message("/paper genie", user_id=CHAT)
    [update] = await poll
    assert time.monotonic() - started < 1.0
    assert update.message.text == "/paper genie"
    assert update.message.entities[0].type == "bot_command"
    # Not confirmed yet: delivered again until an offset passes it.
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert api.pending_updates == 0


async def test_application_round_trip(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = update.effective_user.first_name
        await update.effective_message.reply_text(f"hello {name}", reply_markup=keyboard("again"))

    async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("hello again")

    app = Application.builder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(again))
    api.send_message("/start@paper_digest_test_bot", user_id=77, first_name="Grace")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            [reply] = await api.wait_for_messages(77, 1)
            api.press_button(reply, "again", user_id=77)
            _, edit = await api.wait_for_messages(77, 2)
            await api.wait_for(lambda: api.callback_answers, what="a callback answer")
        finally:
            await app.updater.stop()
            await app.stop()
    assert reply.text == "hello Grace" and reply.callback_data == ["again"]
    assert edit.method == "editMessageText" and edit.text == "hello again"
    assert edit.reply_markup is None  # an edit without markup drops the keyboard
    assert api.pending_updates == 0  # the updater confirmed what it handled


async def test_wait_for_timeout_explains_what_happened(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<think>", parse_mode="HTML")
    with pytest.raises(TimeoutError) as caught:
        await api.wait_for_messages(CHAT, 2, timeout=0.05)
    report = str(caught.value)
    assert "2 message record(s) to chat 4242" in report
    assert "'only one'" in report and 'Unsupported start tag "think"' in report


def test_thread_mode_for_synchronous_callers() -> None:
    with FakeBotApi(username="other_bot") as api:
        api.add_chat(CHAT)
        replies: list[str] = []

        async def bot_side() -> None:
            async with Bot(TOKEN, base_url=api.base_url) as client:
                [update] = await client.get_updates(timeout=10)
                replies.append(update.message.text)
                await client.send_message(update.message.chat_id, "pong")

        runner = threading.Thread(target=lambda: asyncio.run(bot_side()))
        runner.start()
        api.wait_for_sync(lambda: api.is_polling)
        api.send_message("ping", chat_id=CHAT, user_id=CHAT)
        [pong] = api.wait_for_messages_sync(CHAT, 1)
        runner.join(5)
        assert replies == ["ping"] and pong.text == "pong"
        assert api.calls[0].params == {}  # getMe
        assert api.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not started"):
        _ = api.port


# ------------------------------------------------------------------ the HTML checker


def test_check_telegram_html_accepts_telegram_html() -> None:
    text = (
        '<b>bold <i>both</i></b> <a href="https://arxiv.org/abs/2402.17764?a=1&amp;b=2">link</a> '
        '&lt;think&gt; &amp; &quot;q&quot; &#65;&#x42; <span class="tg-spoiler">s</span> '
        "<tg-spoiler>t</tg-spoiler> <u>u</u> <s>s</s> <code>c</code> "
        '<pre><code class="language-python">x = 1</code></pre> '
        "<blockquote expandable>q</blockquote>"
    )
    visible, entities = parse_telegram_html(text)
    assert visible == 'bold both link <think> & "q" AB s t u s c x = 1 q'
    assert check_telegram_html(text) == visible
    types = {e["type"] for e in entities}
    assert {"bold", "italic", "text_link", "spoiler", "pre", "expandable_blockquote"} <= types
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://arxiv.org/abs/2402.17764?a=1&b=2"
    assert {
        "type": "pre",
        "offset": visible.index("x = 1"),
        "length": 5,
        "language": "python",
    } in entities
    assert check_telegram_html("😀<b>x</b>") == "😀x"
    assert parse_telegram_html("😀<b>x</b>")[1] == [{"offset": 2, "length": 1, "type": "bold"}]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<think>", 'Unsupported start tag "think" at byte offset 0'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("a & b", 'Unescaped "&" (write "&amp;") at byte offset 2'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("&amp", 'Unescaped "&" (write "&amp;") at byte offset 0'),
    ],
)
def test_check_telegram_html_refuses(text: str, detail: str) -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        check_telegram_html(text)
    assert caught.value.detail == detail
    assert caught.value.description == f"Bad Request: can't parse entities: {detail}"


def test_check_telegram_html_lenient_mode_matches_telegram_for_ampersands() -> None:
    assert check_telegram_html("AT&T &nbsp; &amp", strict_entities=False) == "AT&T &nbsp; &"
