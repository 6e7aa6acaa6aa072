"""Typing into a chat with the real bot, through the fake Bot API: the end-to-end helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.sandbox.fake_telegram import DEFAULT_USER_ID, ChatType, FakeBotApi, SentMessage

REPLY_TIMEOUT = 15.0  # generous for a loaded CI machine; waits end as soon as the reply is in


@dataclass
class Chat:
    """One chat as a user sees it: say something, press a button, read what the bot sent."""

    api: FakeBotApi
    chat_id: int = DEFAULT_USER_ID
    user_id: int = DEFAULT_USER_ID
    chat_type: ChatType = "private"
    lang: str = "en"
    thread_id: int | None = None
    title: str | None = None
    is_forum: bool = False
    _seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.chat_type != "private" and self.title is None:
            self.title = f"Team {abs(self.chat_id)}"

    @property
    def records(self) -> list[SentMessage]:
        """Everything the bot sent or edited in this chat (this thread), oldest first."""
        return self.api.messages_to(self.chat_id, self.thread_id)

    async def say(
        self, text: str, replies: int = 1, *, user_id: int | None = None, lang: str | None = None
    ) -> list[SentMessage]:
        """Send ``text`` as the user; return the bot's ``replies`` new messages."""
        before = len(self.records)
        self.api.send_message(
            text,
            chat_id=self.chat_id,
            user_id=user_id or self.user_id,
            chat_type=self.chat_type,
            language_code=lang or self.lang,
            message_thread_id=self.thread_id,
            is_forum=self.is_forum,
            title=self.title,
        )
        return await self._new_records(before, replies, f"reply to {text!r}")

    async def send_file(
        self, file_name: str, data: bytes, mime_type: str | None = None, replies: int = 1
    ) -> list[SentMessage]:
        """Send ``data`` as the document ``file_name``; return the bot's ``replies`` messages."""
        before = len(self.records)
        self.api.send_document(
            file_name,
            data,
            mime_type,
            chat_id=self.chat_id,
            user_id=self.user_id,
            chat_type=self.chat_type,
            language_code=self.lang,
        )
        return await self._new_records(before, replies, f"reply to the file {file_name!r}")

    async def ask(self, text: str, **kwargs: object) -> SentMessage:
        """Send ``text``; return the bot's one reply."""
        [message] = await self.say(text, 1, **kwargs)  # type: ignore[arg-type]
        return message

    async def press(self, message: SentMessage, data: str, records: int = 1) -> list[SentMessage]:
        """Press the button with callback ``data`` under ``message``; return the new records
        (the edited message, or new messages)."""
        before = len(self.records)
        self.api.press_button(message, data, user_id=self.user_id, language_code=self.lang)
        return await self._new_records(before, records, f"answer to button {data!r}")

    async def press_for_answer(self, message: SentMessage, data: str) -> str:
        """Press a button whose only effect is a callback answer (a toast); return its text."""
        answered = len(self.api.callback_answers)
        self.api.press_button(message, data, user_id=self.user_id, language_code=self.lang)
        await self.api.wait_for(
            lambda: len(self.api.callback_answers) > answered, REPLY_TIMEOUT, what="callback answer"
        )
        return self.api.callback_answers[answered].text or ""

    async def _new_records(self, before: int, count: int, what: str) -> list[SentMessage]:
        wanted = before + count
        await self.api.wait_for(lambda: len(self.records) >= wanted, REPLY_TIMEOUT, what=what)
        return self.records[before:wanted]

    def assert_quiet(self) -> None:
        """Nothing was sent that the test did not read."""
        assert not self.api.pending_updates
