"""The fake's ``sendDocument`` (bot/sandbox/fake_telegram/documents.py): multipart uploads
over HTTP and in-process, the file kept for the test, and Telegram's refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.fake_telegram.documents import CAPTION_LIMIT

TOKEN = "123:ABC"
CHAT = 4242


@asynccontextmanager
async def bot_over(api: FakeBotApi, transport: str) -> AsyncIterator[Bot]:
    if transport == "http":
        async with api, Bot(TOKEN, base_url=api.base_url) as bot:
            yield bot
    else:
        async with Bot(TOKEN, request=api.request()) as bot:
            yield bot


@pytest.mark.parametrize("transport", ["http", "in-process"])
async def test_a_document_is_uploaded_and_kept(transport: str):
    api = FakeBotApi()
    api.add_chat(CHAT, "private", first_name="Ada")
    content = "@misc{a,\n  title = {Ünïcode},\n}\n".encode()
    async with bot_over(api, transport) as bot:
        sent = await bot.send_document(
            CHAT,
            InputFile(content, filename="list.bib"),
            caption="<b>2</b> entries",
            parse_mode="HTML",
        )
    assert sent.document is not None and sent.document.file_name == "list.bib"
    assert sent.document.file_size == len(content)
    assert sent.caption == "2 entries" and sent.caption_entities[0].type == "bold"
    [document] = api.documents
    assert (document.chat_id, document.message_id) == (CHAT, sent.message_id)
    assert document.content == content and document.text.startswith("@misc{a,")
    assert document.file_name == "list.bib" and document.caption == "<b>2</b> entries"
    [record] = api.messages_to(CHAT)
    assert record.method == "sendDocument" and record.visible_text == "2 entries"


@pytest.mark.parametrize("transport", ["http", "in-process"])
async def test_telegrams_refusals(transport: str):
    api = FakeBotApi()
    api.add_chat(CHAT, "private")
    async with bot_over(api, transport) as bot:
        with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
            await bot.send_document(CHAT, InputFile(b"", filename="empty.bib"))
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            caption = "x" * (CAPTION_LIMIT + 1)
            await bot.send_document(CHAT, InputFile(b"x", filename="a.txt"), caption=caption)
        # the limit counts the caption after entity parsing: tags are free
        fits = "<b>" + "x" * CAPTION_LIMIT + "</b>"
        await bot.send_document(
            CHAT, InputFile(b"x", filename="a.txt"), caption=fits, parse_mode="HTML"
        )
        with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
            await bot.send_document(
                CHAT, InputFile(b"x", filename="a.txt"), caption="<b>x", parse_mode="HTML"
            )
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_document(CHAT, "made-up-file-id")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_document(999, InputFile(b"x", filename="a.txt"))
        again = await bot.send_document(CHAT, _file_id(api))
    assert again.document is not None and again.document.file_name == "a.txt"
    assert [d.content for d in api.documents] == [b"x", b"x"]


def _file_id(api: FakeBotApi) -> str:
    """The file_id Telegram gave the first upload: a bot may send it again without bytes."""
    message = api.world.messages[(CHAT, api.documents[0].message_id)]
    return str(message.data["document"]["file_id"])
