"""``python -m bot sandbox``: the real bot against the fake Bot API, with a chat in the terminal.

A newcomer can try every command without a Telegram token: lines typed are sent as a user's
messages, the bot's replies are printed (HTML rendered for the terminal, buttons numbered),
and a few ``:commands`` press buttons, try inline mode, switch language or chat. Works with
piped input too: ``printf '/paper genie\\n:quit\\n' | python -m bot sandbox``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import TextIO

from bot.app import BotApp
from bot.config import BotConfig, Environment
from bot.sandbox.fake_api import DEFAULT_USER_ID, FakeBotApi, SentMessage
from bot.sandbox.runner import running_bot

REPLY_TIMEOUT = 10.0  # the first reply to a line must come within this
SETTLE_SECONDS = 0.4  # then wait this long for more replies before showing the prompt
GROUP_ID = -1001000000001

HELP = """Sandbox commands:
  :press N        press the button shown as [N]
  :inline QUERY   what typing "@bot QUERY" in any chat offers
  :lang zh|en     switch your Telegram language
  :group          talk in a group where you are an administrator
  :private        back to your private chat with the bot
  :admin          make yourself a bot admin (/reload, /preview, /stats, /postnow)
  :help           this list
  :quit           leave (Ctrl-D works too)"""

BANNER = """Paper Digest sandbox: the real bot, a fake Telegram on 127.0.0.1, no token needed.
You are user {user} in a private chat with @{bot}. Try:
  /help   /paper genie   /topic quantization   /digest latest   /subscribe
{help}
"""

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)>")


def render_html(text: str, ansi: bool = False) -> str:
    """Telegram HTML as terminal text: bold in ANSI (on a TTY), links as ``text <url>``."""
    text = _LINK.sub(
        lambda m: (
            m.group(2)
            if m.group(1) == m.group(2)
            else f"{m.group(2)} <{html.unescape(m.group(1))}>"
        ),
        text,
    )
    if ansi:
        text = text.replace("<b>", "\033[1m").replace("</b>", "\033[0m")
    return html.unescape(_TAG.sub("", text))


@dataclass
class _Chat:
    chat_id: int
    chat_type: str
    title: str | None = None


@dataclass
class Session:
    """One terminal conversation with the bot."""

    api: FakeBotApi
    app: BotApp
    out: TextIO
    ansi: bool = False
    user_id: int = DEFAULT_USER_ID
    lang: str = "en"
    chat: _Chat = field(default_factory=lambda: _Chat(DEFAULT_USER_ID, "private"))
    buttons: list[tuple[SentMessage, str]] = field(default_factory=list)
    shown: dict[int, int] = field(default_factory=dict)  # chat id → records printed

    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def say(self, text: str) -> None:
        """Send ``text`` as the user and print what the bot answers."""
        before = self._record_count()
        self.api.send_message(
            text,
            chat_id=self.chat.chat_id,
            user_id=self.user_id,
            chat_type=self.chat.chat_type,  # type: ignore[arg-type]
            language_code=self.lang,
            title=self.chat.title,
        )
        await self._show_replies(before)

    async def press(self, number: str) -> None:
        """Press the N-th button shown."""
        if not number.isdigit() or not 1 <= int(number) <= len(self.buttons):
            self.write(f"(no button {number!r}; buttons 1–{len(self.buttons)} are shown)")
            return
        message, data = self.buttons[int(number) - 1]
        before = self._record_count()
        answers = len(self.api.callback_answers)
        try:
            self.api.press_button(message, data, user_id=self.user_id, language_code=self.lang)
        except ValueError:
            self.write("(that button is gone: the message changed since)")
            return
        await self._show_replies(before, answers)

    async def inline(self, query: str) -> None:
        """Show what inline mode offers for ``query``."""
        answered = len(self.api.inline_answers)
        self.api.inline_query(query, user_id=self.user_id, language_code=self.lang)
        try:
            await self.api.wait_for(
                lambda: len(self.api.inline_answers) > answered, REPLY_TIMEOUT, what="inline"
            )
        except TimeoutError:
            self.write("(no inline answer)")
            return
        results = self.api.inline_answers[answered].results
        if not results:
            self.write("(inline: no results)")
        for index, result in enumerate(results[:10], 1):
            self.write(f"  {index}. {result.get('title', '')}")
            if result.get("description"):
                self.write(f"     {result['description']}")

    def _record_count(self) -> int:
        return len(self.api.messages_to(self.chat.chat_id))

    async def _show_replies(self, before: int, answers: int | None = None) -> None:
        chat_id = self.chat.chat_id

        def arrived() -> bool:
            new = len(self.api.messages_to(chat_id)) > before
            return new or (answers is not None and len(self.api.callback_answers) > answers)

        try:
            await self.api.wait_for(arrived, REPLY_TIMEOUT, what="a reply")
        except TimeoutError:
            self.write("(no reply)")
            return
        while True:  # more parts may follow (a long digest is several messages)
            count = len(self.api.messages_to(chat_id))
            await asyncio.sleep(SETTLE_SECONDS)
            if len(self.api.messages_to(chat_id)) == count:
                break
        if answers is not None:
            for answer in self.api.callback_answers[answers:]:
                if answer.text:
                    self.write(f"[popup] {answer.text}")
        self._print_records(self.api.messages_to(chat_id)[before:])

    def _print_records(self, records: list[SentMessage]) -> None:
        for record in records:
            edited = " (edited)" if record.method != "sendMessage" else ""
            self.write(f"bot{edited}:")
            self.write(render_html(record.text, self.ansi))
            labels = []
            for button in record.buttons:
                if "callback_data" in button:
                    self.buttons.append((record, button["callback_data"]))
                    labels.append(f"[{len(self.buttons)}] {button.get('text', '')}")
                elif "url" in button:
                    labels.append(f"[{button.get('text', '')} → {button['url']}]")
            if labels:
                self.write("  " + "  ".join(labels))
            self.write()

    async def command(self, line: str) -> bool:
        """A ``:command``; False means quit."""
        name, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if name in ("quit", "exit", "q"):
            return False
        if name == "press":
            await self.press(rest)
        elif name == "inline":
            await self.inline(rest)
        elif name == "lang" and rest in ("zh", "en"):
            self.lang = rest
            self.write(f"(your language is now {rest})")
        elif name == "group":
            self.chat = _Chat(GROUP_ID, "supergroup", "Sandbox lab")
            self.api.add_chat(GROUP_ID, "supergroup", title="Sandbox lab")
            self.api.set_chat_member_status(GROUP_ID, self.user_id, "administrator")
            self.write("(you are now in the group “Sandbox lab”, as an administrator)")
        elif name == "private":
            self.chat = _Chat(self.user_id, "private")
            self.write("(back in your private chat with the bot)")
        elif name == "admin":
            services = self.app.bot_data.services
            admins = services.config.admins | {self.user_id}
            services.config = replace(services.config, admins=frozenset(admins))
            self.write("(you are now a bot admin: try /stats, /preview, /postnow)")
        elif name == "help":
            self.write(HELP)
        else:
            self.write(f"(unknown {line!r})\n{HELP}")
        return True


async def sandbox_session(
    config: BotConfig, lines: AsyncIterator[str] | Iterable[str], out: TextIO, ansi: bool = False
) -> int:
    """Run the bot and a terminal chat over ``lines``; returns the exit code."""
    async with FakeBotApi() as api, running_bot(config, api) as app:
        session = Session(api, app, out, ansi)
        username = app.bot_data.services.bot_username
        session.write(BANNER.format(user=session.user_id, bot=username, help=HELP))
        async for raw in _aiter(lines):
            line = raw.strip()
            if not line:
                continue
            session.write(f"you: {line}")
            if line.startswith(":"):
                if not await session.command(line):
                    break
            else:
                await session.say(line)
    return 0


async def _aiter(lines: AsyncIterator[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterator):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from standard input, read in a thread so the bot keeps running meanwhile."""
    while True:
        if sys.stdin.isatty():
            sys.stdout.write("> ")
            sys.stdout.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:  # end of input (Ctrl-D, or the end of a pipe)
            return
        yield line


def run_sandbox(config: BotConfig, env: Environment) -> int:
    """Entry point of ``python -m bot sandbox``."""
    del env  # the sandbox never talks to Telegram: no token, no base URL
    logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    try:
        return asyncio.run(sandbox_session(config, stdin_lines(), sys.stdout, sys.stdout.isatty()))
    except KeyboardInterrupt:
        return 0
