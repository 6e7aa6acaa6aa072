"""The fake Bot API's files: documents users send, getFile (Telegram's refusals) and the
download python-telegram-bot makes, over HTTP and in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Message
from telegram.error import BadRequest

from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.fake_telegram.files import GET_FILE_LIMIT

TOKEN = "123:ABC"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


async def test_a_sent_document_is_fetched_by_get_file_and_downloaded(api: FakeBotApi):
    update = api.send_document("digest.md", "# 论文\n".encode(), user_id=7)
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        message = Message.de_json(update["message"], bot)
        assert message.document is not None
        assert (message.document.file_name, message.document.mime_type) == (
            "digest.md",
            "text/markdown",
        )
        assert message.document.file_size == len("# 论文\n".encode())
        file = await message.document.get_file()
        assert file.file_path is not None and file.file_path.endswith(".md")
        assert bytes(await file.download_as_bytearray()) == "# 论文\n".encode()


async def test_unknown_file_id_and_files_over_20_mb_are_refused(api: FakeBotApi):
    big = api.send_document("big.txt", b"x" * (GET_FILE_LIMIT + 1), user_id=7)
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("BQACAgIAAxnope")
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await bot.get_file(big["message"]["document"]["file_id"])


async def test_the_in_process_transport_downloads_too(api: FakeBotApi):
    update = api.send_document("notes.txt", b"plain", user_id=7)
    bot = Bot(TOKEN, request=api.request(), get_updates_request=api.request())
    async with bot:
        file = await bot.get_file(update["message"]["document"]["file_id"])
        assert bytes(await file.download_as_bytearray()) == b"plain"
