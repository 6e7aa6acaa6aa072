"""The Mini App in a real browser: headless Chromium (Debian's ``chromium``, driven by
Playwright with ``executable_path``; nothing is downloaded) against the page on 127.0.0.1
and the real bot on the fake Bot API.

Skipped with a hint when Chromium is absent; under ``CI=true`` a missing browser fails. The
phone-width screenshots in ``docs/screenshots/`` are written here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import bibtexparser
import pytest

from bot.config import BotConfig
from bot.domain.texts import t
from bot.domain.webapp import ChatLink, chat_token
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import SANDBOX_TOKEN
from bot.sandbox.webapp import open_link
from tests.harness import Chat
from tests.webapp_helpers import (
    ALICE,
    BOB,
    GROUP,
    HOSTILE_TITLE,
    WebBot,
    add_hostile_digest,
    web_bot,
)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HOWTO = (
    "Chromium not found at {path}: `apt-get install -y chromium fonts-noto-cjk` "
    "(and `pip install playwright`; never `playwright install`) to run the browser tests"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
GENIE = "Genie: Generative Interactive Environments"
PHONE = {"width": 390, "height": 760}
WAIT_MS = 15_000


def _browser_problem() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return HOWTO.format(path=CHROMIUM)
    try:
        import playwright  # noqa: F401
    except ImportError:
        return HOWTO.format(path=CHROMIUM) + " (playwright is not installed)"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    problem = _browser_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def web(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[WebBot]:
    async with web_bot(e2e_config, api) as running:
        yield running


async def expect_text(locator, text: str) -> None:
    from playwright.async_api import expect

    await expect(locator).to_have_text(text, timeout=WAIT_MS)


async def open_page(browser, url: str, *, scheme: str = "light", wait: str = "1"):
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=1, color_scheme=scheme, accept_downloads=True
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(url)
    await page.wait_for_selector(f"body[data-ready='{wait}']", timeout=WAIT_MS)
    return page


async def texts(page, selector: str) -> list[str]:
    return [text.strip() for text in await page.locator(selector).all_text_contents()]


async def test_search_open_save_list_download_remove_switch(
    browser, web: WebBot, api: FakeBotApi, tmp_path: Path
):
    page = await open_page(browser, open_link(web.base, web.init_data(ALICE)))
    # search as you type: each key asks again; the last answer is what shows
    await page.locator("#q").press_sequentially("genie gen", delay=20)
    await expect_text(page.locator("#results .t-en").first, GENIE)
    await page.locator("#results li .row-main").first.click()
    await page.wait_for_selector("#paper-title", timeout=WAIT_MS)
    assert await page.locator("#paper-title").text_content() == GENIE
    assert "@misc{" in (await page.locator("#bibtex").text_content() or "")
    await page.locator("#save").click()
    await expect_text(page.locator("#save"), "✓ Saved — remove")
    # the chat's /reading, through the fake Bot API, has what the page saved
    chat = Chat(api, chat_id=ALICE.id, user_id=ALICE.id)
    assert GENIE in (await chat.ask("/reading")).visible_text

    await page.locator("#tabs button[data-view='reading']").click()
    await page.wait_for_selector("#reading li", timeout=WAIT_MS)
    assert await texts(page, "#reading .t-en") == [GENIE]
    async with page.expect_download() as download_info:
        await page.locator("#download-bib").click()
    download = await download_info.value
    assert download.suggested_filename == "reading-list.bib"
    saved = tmp_path / "reading-list.bib"
    await download.save_as(saved)
    [entry] = bibtexparser.parse_string(saved.read_text(encoding="utf-8")).entries
    assert "Generative Interactive Environments" in entry["title"]

    await page.locator("#reading .mark").click()
    await page.wait_for_selector("#reading li.is-read", timeout=WAIT_MS)
    await page.locator("#reading .remove").click()
    await page.wait_for_selector("#reading li", state="detached", timeout=WAIT_MS)
    assert (await chat.ask("/reading")).text == t("en", "reading_empty")

    # language and theme switches
    assert await page.locator("#tabs button[data-view='search']").text_content() == "Search"
    await page.locator("#lang-switch").click()
    assert await page.locator("#tabs button[data-view='search']").text_content() == "搜索"
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    assert await page.evaluate("document.documentElement.getAttribute('data-theme')") is None
    await page.locator("#theme-switch").click()
    assert await page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    assert page.errors == []


async def test_the_page_follows_the_users_language_and_telegrams_theme(browser, web: WebBot):
    theme = '{"bg_color":"#101010","text_color":"#fafafa","button_color":"#ff8800"}'
    link = open_link(web.base, web.init_data(BOB)) + "&tgWebAppThemeParams=" + theme
    page = await open_page(browser, link)
    assert await page.locator("#tabs button[data-view='search']").text_content() == "搜索"
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(16, 16, 16)"
    )
    assert await page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"


async def test_a_hostile_title_shows_as_text(browser, web: WebBot, tmp_path: Path):
    add_hostile_digest(web.app, tmp_path)
    page = await open_page(browser, open_link(web.base, web.init_data(ALICE)))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.locator("#q").fill("onerror alert")
    await expect_text(page.locator("#results .t-en").first, HOSTILE_TITLE)
    await page.locator("#results li .row-main").first.click()
    await page.wait_for_selector("#paper-title", timeout=WAIT_MS)
    assert await page.locator("#paper-title").text_content() == HOSTILE_TITLE
    assert await page.locator("img").count() == 0
    assert dialogs == [] and page.errors == []


async def test_tampered_init_data_shows_the_way_in(browser, web: WebBot):
    tampered = web.init_data(ALICE).replace("Alice", "Mallory")
    page = await open_page(browser, open_link(web.base, tampered), wait="error")
    assert await page.locator("#error").text_content() == (
        "Open this page from the bot in Telegram (🔎 Browse)."
    )


async def test_a_non_member_cannot_open_a_groups_list(browser, web: WebBot, api: FakeBotApi):
    api.add_chat(GROUP, "supergroup", "Reading group")
    api.set_chat_member_status(GROUP, BOB.id, "left")
    token = chat_token(SANDBOX_TOKEN, ChatLink(GROUP, reading=True))
    page = await open_page(browser, open_link(web.base, web.init_data(BOB, start_param=token)))
    await page.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
    assert await page.locator("#error").text_content() == "只有该聊天的成员可以查看它的阅读清单。"
    assert await page.locator("#reading").count() == 0


async def test_screenshots_at_phone_width(browser, web: WebBot, api: FakeBotApi):
    """English and Chinese, light and dark, 390 px wide: what the README shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    genie = web.app.bot_data.services.library.search(GENIE, 1)[0].paper_id
    await web.call(f"api/reading/{genie}", web.init_data(ALICE), "POST")
    shots = [
        ("search", ALICE, "light", "language model"),
        ("search", BOB, "dark", "language model"),
        ("paper", ALICE, "dark", None),
        ("paper", BOB, "light", None),
    ]
    for view, user, scheme, query in shots:
        lang = "zh" if user is BOB else "en"
        path = "" if view == "search" else f"?paper={genie}"
        page = await open_page(
            browser, open_link(web.base, web.init_data(user), path), scheme=scheme
        )
        if query:
            await page.wait_for_selector("#main[data-results='1']", timeout=WAIT_MS)
            await page.locator("#q").fill(query)  # one input event: the second search
            await page.wait_for_selector("#main[data-results='2']", timeout=WAIT_MS)
            await page.locator("#q").blur()
        else:
            await page.wait_for_selector("#paper-title", timeout=WAIT_MS)
        target = SCREENSHOTS / f"{view}-{lang}-{scheme}.png"
        await page.screenshot(path=str(target))
        assert target.stat().st_size < 200_000
        await page.context.close()
