"""``python -m bot sandbox``: the real bot against the fake Bot API, with a chat in the terminal.

A newcomer can try every command without a Telegram token: lines typed are sent as a user's
messages, the bot's replies are printed (HTML rendered for the terminal, buttons numbered under
each message), and a few ``:commands`` press buttons, try inline mode, switch language or chat.
Works with piped input too: ``printf '/paper genie\\n:quit\\n' | python -m bot sandbox``.
It never touches the bot's real store: its own temporary database unless ``--db URL``.

The core is :func:`sandbox_session`, which takes its input lines from any (async) iterable and
writes to any text stream, so tests drive it with a script.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import make_url

from bot.app import BotApp
from bot.config import BotConfig, Environment
from bot.domain.webapp import WebUser
from bot.sandbox.fake_telegram import DEFAULT_USER_ID, ChatType, FakeBotApi, SentMessage
from bot.sandbox.fake_telegram.html_check import TelegramHtmlError, parse_telegram_html
from bot.sandbox.runner import running_bot
from bot.sandbox.webapp import open_link, serving_webapp, signed_init_data

__all__ = ["Session", "render_html", "render_message", "run_sandbox", "sandbox_session"]

REPLY_TIMEOUT = 10.0  # everything a line causes must happen within this
QUIET_SECONDS = 0.3  # after the handlers finished, wait this long for stragglers
POLL_SECONDS = 0.02
INLINE_SHOWN = 10
USER_NAME = "You"
GROUP_ID = -1001000000001
GROUP_TITLE = "Sandbox lab"

HELP = """Sandbox commands:
  :press N        press button [N] of the bot's last message with buttons
  :inline QUERY   what typing "@bot QUERY" in any chat offers
  :lang zh|en     switch your Telegram language
  :group          talk in a group where you are an administrator
  :private        back to your private chat with the bot
  :admin          make yourself a bot admin (/stats, /preview, /postnow, /reload)
  :help           this list
  :quit           leave (Ctrl-D and Ctrl-C work too)"""

USAGE = (
    "sandbox commands: :press N, :inline QUERY, :lang zh|en, :group, :private, :admin, :help, :quit"
)

BANNER = """Paper Digest sandbox: the real bot, a fake Telegram on 127.0.0.1, no token needed.
You are "{name}" (user id {user}) in a private chat with @{bot}. Database: {database}.
Try:  /help   /paper genie   /topic quantization   /digest latest   /subscribe
{help}
"""

# Entity type → (start, end) ANSI codes; ends reset only their own attribute, so nesting works.
_ANSI = {
    "bold": ("\033[1m", "\033[22m"),
    "italic": ("\033[3m", "\033[23m"),
    "underline": ("\033[4m", "\033[24m"),
    "strikethrough": ("\033[9m", "\033[29m"),
}


def _utf16_to_index(text: str) -> list[int]:
    """``index[u]`` is the ``str`` index at UTF-16 offset ``u`` (entity offsets are UTF-16)."""
    index = []
    for position, char in enumerate(text):
        index.extend([position] * (2 if ord(char) > 0xFFFF else 1))
    index.append(len(text))
    return index


def render_message(visible: str, entities: list[dict[str, Any]], ansi: bool = False) -> str:
    """A message as Telegram shows it, for a terminal: links as ``text <url>``, styles in ANSI.

    ``visible``/``entities`` are what Telegram made of the HTML (tags gone, ``&amp;`` decoded).
    """
    index = _utf16_to_index(visible)
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in entities:
        start = index[min(entity["offset"], len(index) - 1)]
        end = index[min(entity["offset"] + entity["length"], len(index) - 1)]
        kind = entity["type"]
        if kind == "text_link":
            url = entity.get("url", "")
            if visible[start:end] != url:  # a bare link needs no repeating
                closes.setdefault(end, []).append(f" <{url}>")
        elif ansi and kind in _ANSI:
            on, off = _ANSI[kind]
            opens.setdefault(start, []).append(on)
            # Inner entities (sorted after their outer one) must close first.
            closes.setdefault(end, []).insert(0, off)
    parts: list[str] = []
    for position in range(len(visible) + 1):
        parts.extend(closes.get(position, ()))
        parts.extend(opens.get(position, ()))
        if position < len(visible):
            parts.append(visible[position])
    return "".join(parts)


def render_html(text: str, ansi: bool = False) -> str:
    """Telegram HTML as terminal text (see :func:`render_message`)."""
    try:
        visible, entities = parse_telegram_html(text, strict_entities=False)
    except TelegramHtmlError:  # Telegram would have refused it; show it as it is
        return text
    return render_message(visible, entities, ansi)


def describe_database(url: str) -> str:
    """Where the sandbox keeps its state, without any password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}" if parsed.database else "SQLite in memory"
    return parsed.render_as_string(hide_password=True)


@dataclass
class _Chat:
    chat_id: int
    chat_type: ChatType
    title: str | None = None


@dataclass
class Session:
    """One terminal conversation with the bot: the user's state and what was shown."""

    api: FakeBotApi
    app: BotApp
    out: TextIO
    ansi: bool = False
    user_id: int = DEFAULT_USER_ID
    lang: str = "en"
    chat: _Chat = field(default_factory=lambda: _Chat(DEFAULT_USER_ID, "private"))
    # The chats the user is in, and how many of the bot's records in each were printed.
    chats: dict[int, _Chat] = field(default_factory=dict)
    shown: dict[int, int] = field(default_factory=dict)
    answers_shown: int = 0
    deleted_shown: int = 0

    def __post_init__(self) -> None:
        self.chats[self.chat.chat_id] = self.chat

    def write(self, text: str = "") -> None:
        """One line (or several) of output, flushed at once for interactive use."""
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """A line from the sandbox itself, not from the bot."""
        self.write(f"\033[2m({text})\033[22m" if self.ansi else f"({text})")

    # ------------------------------------------------------------------ user actions

    async def say(self, text: str) -> None:
        """Send ``text`` as the user in the current chat and print what the bot answers."""
        self.flush()  # anything that arrived meanwhile (a scheduled post) comes first
        self.api.send_message(
            text,
            chat_id=self.chat.chat_id,
            user_id=self.user_id,
            chat_type=self.chat.chat_type,
            language_code=self.lang,
            first_name=USER_NAME,
            title=self.chat.title,
        )
        await self._settle_and_show()

    async def press(self, number: str) -> None:
        """Press button ``[number]`` of the bot's last message (in this chat) with buttons."""
        self.flush()
        message = self._keyboard()
        if message is None:
            self.note("no buttons to press: the bot's messages here have none")
            return
        buttons = message.buttons
        if not number.isdigit() or not 1 <= int(number) <= len(buttons):
            self.note(f"no button {number!r}; the last message has buttons 1–{len(buttons)}")
            return
        button = buttons[int(number) - 1]
        label = button.get("text", "")
        if "callback_data" not in button:
            target = button.get("url") or button.get("switch_inline_query") or "?"
            self.note(f"“{label}” is not a callback button; in Telegram it opens {target}")
            return
        self.note(f"you pressed “{label}”")
        try:
            self.api.press_button(
                message,
                button["callback_data"],
                user_id=self.user_id,
                language_code=self.lang,
                first_name=USER_NAME,
            )
        except ValueError:  # the message changed or went away since it was shown
            self.note("that button is gone")
            return
        await self._settle_and_show()

    async def inline(self, query: str) -> None:
        """Show what inline mode offers for ``query``."""
        self.flush()
        answered = len(self.api.inline_answers)
        self.api.inline_query(
            query, user_id=self.user_id, language_code=self.lang, first_name=USER_NAME
        )
        await self._settle()
        self.flush()
        answers = [a for a in self.api.inline_answers[answered:] if a.user_id == self.user_id]
        if not answers:
            self.note("no inline answer")
            return
        answer = answers[-1]
        if not answer.results:
            self.note(f"inline: no results for {query!r}")
        for number, result in enumerate(answer.results[:INLINE_SHOWN], 1):
            self.write(f"  {number}. {result.get('title', '')}")
            if result.get("description"):
                self.write(f"     {result['description']}")
        if len(answer.results) > INLINE_SHOWN:
            self.note(f"{len(answer.results) - INLINE_SHOWN} more results not shown")
        if answer.next_offset:
            self.note("Telegram would load more results on scrolling")

    def switch_language(self, code: str) -> None:
        """What the user's Telegram client reports as ``language_code`` from now on."""
        if code not in ("zh", "en"):
            self.note(f"usage: :lang zh|en (now {self.lang})")
            return
        self.lang = code
        self.note(f"your Telegram language is now {code}")

    def enter_group(self) -> None:
        """Move to a group where the user is an administrator (and has added the bot)."""
        if GROUP_ID not in self.chats:
            self.api.add_chat(GROUP_ID, "supergroup", title=GROUP_TITLE)
            self.api.set_chat_member_status(GROUP_ID, self.user_id, "administrator")
            # As in Telegram: adding the bot to a group is an update the bot sees.
            self.api.my_chat_member(
                GROUP_ID,
                chat_type="supergroup",
                new_status="member",
                user_id=self.user_id,
                old_status="left",
                title=GROUP_TITLE,
            )
            self.chats[GROUP_ID] = _Chat(GROUP_ID, "supergroup", GROUP_TITLE)
        self.chat = self.chats[GROUP_ID]
        self.note(f"you are now in the group “{GROUP_TITLE}”, as an administrator")

    def enter_private(self) -> None:
        """Back to the private chat with the bot."""
        self.chat = self.chats[self.user_id]
        self.note("back in your private chat with the bot")

    def become_admin(self) -> None:
        """Add the user to the running bot's admins (config is frozen: replace it)."""
        services = self.app.bot_data.services
        services.config = replace(
            services.config, admins=services.config.admins | frozenset({self.user_id})
        )
        self.note("you are now a bot admin: try /stats, /preview, /postnow (/reload undoes it)")

    async def command(self, line: str) -> bool:
        """Run a ``:command``; False means quit."""
        name, _, rest = line[1:].partition(" ")
        name, rest = name.lower(), rest.strip()
        if name in ("quit", "exit", "q"):
            return False
        if name == "press":
            await self.press(rest)
        elif name == "inline":
            await self.inline(rest)
        elif name == "lang":
            self.switch_language(rest)
        elif name == "group":
            self.enter_group()
        elif name == "private":
            self.enter_private()
        elif name == "admin":
            self.become_admin()
        elif name == "help":
            self.write(HELP)
        else:
            self.note(f"unknown {line!r}; {USAGE}")
        return True

    # ------------------------------------------------------------------ waiting and showing

    def _activity(self) -> tuple[int, ...]:
        """Changes whenever the bot sends, edits, deletes or answers something."""
        api = self.api
        counts = [len(api.messages_to(chat_id)) for chat_id in self.chats]
        return (*counts, len(api.callback_answers), len(api.inline_answers), len(api.deleted))

    async def _settle(self) -> bool:
        """Wait until the bot has handled what the user did; False on timeout.

        The update must be fetched, its handlers finished (``update_queue.join()``: PTB marks
        each update done after its handlers ran), and then nothing new for a short while,
        for replies sent from tasks the handlers started.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT
        while self.api.pending_updates:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)
        try:
            await asyncio.wait_for(self.app.update_queue.join(), deadline - loop.time())
        except TimeoutError:
            return False
        last = self._activity()
        while loop.time() < deadline:
            await asyncio.sleep(QUIET_SECONDS)
            current = self._activity()
            if current == last:
                return True
            last = current
        return False

    async def _settle_and_show(self) -> None:
        settled = await self._settle()
        if not self.flush():
            self.note("no reply" if settled else "no reply yet; it will show up later")
        elif not settled:
            self.note("the bot is still busy; more may show up later")

    def flush(self) -> bool:
        """Print everything not yet shown in the user's chats; whether anything was."""
        api = self.api
        records: list[SentMessage] = []
        for chat_id in self.chats:
            new = api.messages_to(chat_id)[self.shown.get(chat_id, 0) :]
            self.shown[chat_id] = self.shown.get(chat_id, 0) + len(new)
            records.extend(new)
        answers = api.callback_answers[self.answers_shown :]
        self.answers_shown += len(answers)
        deleted = api.deleted[self.deleted_shown :]
        self.deleted_shown += len(deleted)
        printed = False
        for answer in answers:
            if answer.text and answer.user_id == self.user_id:
                self.write(f"[{'alert' if answer.show_alert else 'popup'}] {answer.text}")
                printed = True
        for record in sorted(records, key=lambda r: r.time):
            self._print_record(record)
            printed = True
        for chat_id, _ in deleted:
            if chat_id in self.chats:
                self.note(f"the bot deleted a message{self._where(chat_id)}")
                printed = True
        return printed

    def _where(self, chat_id: int) -> str:
        if chat_id == self.chat.chat_id:
            return ""
        chat = self.chats[chat_id]
        return f" in “{chat.title}”" if chat.title else " in your private chat"

    def _print_record(self, record: SentMessage) -> None:
        where = self._where(record.chat_id)
        if record.method == "editMessageReplyMarkup":
            self.write(f"bot (changed the buttons of a message{where}):")
        else:
            edited = " (edited)" if record.method != "sendMessage" else ""
            self.write(f"bot{edited}{where}:")
            self.write(render_message(record.visible_text, record.entities, self.ansi))
        labels = []
        for number, button in enumerate(record.buttons, 1):
            text = button.get("text", "")
            labels.append(f"[{number}] {text}" + (f" <{button['url']}>" if "url" in button else ""))
        if labels:
            self.write("  " + "  ".join(labels))
        self.write()

    def _keyboard(self) -> SentMessage | None:
        """The bot's last shown message in this chat that has buttons, as it is now."""
        chat_id = self.chat.chat_id
        records = self.api.messages_to(chat_id)[: self.shown.get(chat_id, 0)]
        seen: set[int] = set()
        for record in reversed(records):
            if record.message_id in seen:
                continue
            seen.add(record.message_id)
            current = self.api.latest(chat_id, record.message_id)
            if current is not None and current.buttons:
                return current
        return None


async def sandbox_session(
    config: BotConfig,
    lines: AsyncIterator[str] | Iterable[str],
    out: TextIO,
    *,
    ansi: bool = False,
    echo: bool = True,
    prompt: bool = False,
    database_note: str | None = None,
) -> int:
    """Run the bot and a terminal chat over ``lines``; returns the exit code (0).

    ``echo`` repeats each line as ``you: ...`` (for piped input, where the terminal does not
    show it); ``prompt`` writes ``> `` when the next line is wanted; ``database_note``
    says in the banner where the database is, instead of its URL.
    """
    async with (
        FakeBotApi() as api,
        running_bot(config, api) as app,
        serving_webapp(app) as web,
    ):
        session = Session(api, app, out, ansi)
        session.write(
            BANNER.format(
                name=USER_NAME,
                user=session.user_id,
                bot=app.bot_data.services.bot_username,
                database=database_note or describe_database(config.database_url),
                help=HELP,
            )
        )
        user = WebUser(session.user_id, USER_NAME, language_code=session.lang)
        link = open_link(web, signed_init_data(app, user))
        session.write(f"Mini App (open in a browser, signed for {USER_NAME}): {link}")
        source = _aiter(lines)
        while True:
            if prompt:
                out.write("> ")
                out.flush()
            try:
                line = (await anext(source)).strip()
            except StopAsyncIteration:
                if prompt:
                    session.write()  # Ctrl-D: leave the shell prompt on a line of its own
                break
            if not line:
                continue
            if echo:
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
    """Lines from standard input, without blocking the event loop.

    A daemon thread does raw ``os.read`` calls: unlike ``asyncio.to_thread(readline)`` it
    does not keep the process alive after Ctrl-C (the default executor would wait for the
    pending read, i.e. for the user to press Enter), and it holds no lock of ``sys.stdin``.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # no stdin at all: nothing to read
        return
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
                loop.call_soon_threadsafe(chunks.put_nowait, chunk)
            if not chunk:
                return

    threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while True:
        chunk = await chunks.get()
        pending += decoder.decode(chunk, final=not chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line
        if not chunk:  # end of input: Ctrl-D, or the end of a pipe
            if pending:
                yield pending
            return


TEMPORARY_DATABASE = "a temporary SQLite file, deleted on exit (--db URL to choose one)"


def run_sandbox(config: BotConfig, env: Environment, database: str | None = None) -> int:
    """Entry point of ``python -m bot sandbox``: on ``database``, or on a temporary SQLite
    file (never the configured store: a fake group subscribed there, or a digest marked
    published, would reach the real bot)."""
    del env  # the sandbox never talks to Telegram: its own fake token, its own base URL
    logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    interactive = sys.stdin.isatty()
    with tempfile.TemporaryDirectory(prefix="bot-sandbox-") as scratch:
        url = database or f"sqlite:///{Path(scratch) / 'sandbox.sqlite3'}"
        return _run_sandbox(
            replace(config, database_url=url),
            interactive,
            None if database else TEMPORARY_DATABASE,
        )


def _run_sandbox(config: BotConfig, interactive: bool, database_note: str | None) -> int:
    try:
        return asyncio.run(
            sandbox_session(
                config,
                stdin_lines(),
                sys.stdout,
                ansi=sys.stdout.isatty(),
                echo=not interactive,
                prompt=interactive,
                database_note=database_note,
            )
        )
    except KeyboardInterrupt:  # Ctrl-C: asyncio.run has already stopped the bot
        sys.stdout.write("\n")
        return 0
