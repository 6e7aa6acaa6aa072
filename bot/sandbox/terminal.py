"""``python -m bot sandbox``: the real bot against the fake Bot API, with a chat in the terminal.

A newcomer can try every command without a Telegram token: lines typed are sent as a user's
messages, the bot's replies are printed, each labelled by what it is (a message, an edit, a
document, a poll, a toast; HTML rendered for the terminal, buttons numbered under each
message), and a few ``:commands`` press buttons, vote, send a multi-line message or a file,
save a file the bot sent, try inline mode, switch language or chat.
Works with piped input too: ``printf '/paper genie\\n:quit\\n' | python -m bot sandbox``.
It never touches the bot's real files or store: it runs on its own copy of config/ and
content/ (:mod:`bot.sandbox.workspace`) and its own database unless ``--db URL``.

The core is :func:`sandbox_session`, which takes its input lines from any (async) iterable and
writes to any text stream, so tests drive it with a script.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from bot.app import BotApp
from bot.config import BotConfig, Environment
from bot.domain.webapp import WebUser
from bot.sandbox.fake_telegram import (
    DEFAULT_USER_ID,
    ChatType,
    FakeBotApi,
    SentDocument,
    SentMessage,
)
from bot.sandbox.lines import aiter_lines, next_line, pasted_text, stdin_lines
from bot.sandbox.runner import running_bot
from bot.sandbox.screen import (
    BANNER,
    HELP,
    KINDS,
    MAX_MESSAGE,
    PASTE_END,
    USAGE,
    describe_database,
    document_lines,
    file_size,
    poll_lines,
    render_html,
    render_message,
    tally,
)
from bot.sandbox.webapp import open_link, serving_webapp, signed_init_data
from bot.sandbox.workspace import DATABASE, Workspace, WorkspaceError, quit_notes, sandbox_workspace

__all__ = [
    "Session",
    "describe_database",
    "render_html",
    "render_message",
    "run_sandbox",
    "sandbox_session",
    "stdin_lines",
]

REPLY_TIMEOUT = 10.0  # everything a line causes must happen within this
QUIET_SECONDS = 0.3  # after the handlers finished, wait this long for stragglers
POLL_SECONDS = 0.02
INLINE_SHOWN = 10
USER_NAME = "You"
GROUP_ID = -1001000000001
GROUP_TITLE = "Sandbox lab"


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
    workspace: Workspace | None = None
    documents: list[SentDocument] = field(default_factory=list)  # shown, numbered from 1

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
        if len(text) > MAX_MESSAGE:
            self.note(
                f"not sent: Telegram refuses messages over {MAX_MESSAGE:,} characters, this one "
                f"has {len(text):,} (send a long digest with :file PATH)"
            )
            return
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

    async def send_file(self, argument: str) -> None:
        """Send the file at ``argument`` as a document, as a user attaching it would."""
        self.flush()
        if not argument:
            self.note("usage: :file PATH (e.g. :file content/my-digest.md)")
            return
        path = Path(argument).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.note(f"cannot read {path}: {exc.strerror}")
            return
        self.note(f"you sent the file {path.name} ({file_size(len(data))})")
        self.api.send_document(
            path.name,
            data,
            chat_id=self.chat.chat_id,
            user_id=self.user_id,
            chat_type=self.chat.chat_type,
            language_code=self.lang,
        )
        await self._settle_and_show()

    def save(self, argument: str) -> None:
        """Write document ``[N]`` the bot sent to a file (never over an existing one)."""
        number, _, target = argument.partition(" ")
        if not self.documents:
            self.note("no document to save: the bot has sent none")
            return
        if not number.isdigit() or not 1 <= int(number) <= len(self.documents) or not target:
            self.note(f"usage: :save N PATH, N from 1 to {len(self.documents)}")
            return
        document = self.documents[int(number) - 1]
        path = Path(target.strip()).expanduser()
        try:
            with path.open("xb") as out:
                out.write(document.content)
        except FileExistsError:
            self.note(f"{path} exists already: choose another name")
            return
        except OSError as exc:
            self.note(f"cannot write {path}: {exc.strerror}")
            return
        self.note(f"saved {document.file_name} to {path} ({file_size(len(document.content))})")

    async def vote(self, argument: str) -> None:
        """Vote for options of the last poll shown in this chat (``:vote`` alone retracts)."""
        self.flush()
        message = self._last_poll()
        if message is None:
            self.note("no poll to vote in here")
            return
        poll = self.api.poll_of(message)
        numbers = argument.replace(",", " ").split()
        if not all(n.isdigit() and 1 <= int(n) <= len(poll.options) for n in numbers):
            self.note(f"usage: :vote N, N from 1 to {len(poll.options)} (:vote alone retracts)")
            return
        try:
            self.api.vote(
                message,
                [int(n) - 1 for n in numbers],
                user_id=self.user_id,
                first_name=USER_NAME,
                language_code=self.lang,
            )
        except ValueError as exc:  # what Telegram's client would not let one do
            self.note(f"Telegram would not let you: {exc}")
            return
        chosen = ", ".join(f"“{poll.options[int(n) - 1]}”" for n in numbers)
        done = f"you voted for {chosen}" if chosen else "you took your vote back"
        self.note(f"{done}; votes now: {tally(poll.counts)}")
        settled = await self._settle()
        if not self.flush() and not settled:
            self.note("the bot is still busy; more may show up later")

    def _last_poll(self) -> SentMessage | None:
        chat_id = self.chat.chat_id
        records = self.api.messages_to(chat_id)[: self.shown.get(chat_id, 0)]
        return next((r for r in reversed(records) if r.method == "sendPoll"), None)

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
        """Add the user to the bot's admins for the whole session: in the copy's bot.yaml,
        which every reload (✅ Add, ``/queue``, ``/reload``) reads again, and in the running
        config (frozen: replaced)."""
        services = self.app.bot_data.services
        if self.workspace is not None:
            self.workspace.add_admin(self.user_id)
        services.config = replace(
            services.config, admins=services.config.admins | frozenset({self.user_id})
        )
        self.note("you are a bot admin for this session: try /stats, /postnow, /queue, /reload")

    async def command(self, line: str) -> bool:
        """Run a ``:command``; False means quit."""
        name, _, rest = line[1:].partition(" ")
        name, rest = name.lower(), rest.strip()
        if name in ("quit", "exit", "q"):
            return False
        if name == "press":
            await self.press(rest)
        elif name == "file":
            await self.send_file(rest)
        elif name == "save":
            self.save(rest)
        elif name == "vote":
            await self.vote(rest)
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
                self.write(f"bot ({'alert' if answer.show_alert else 'toast'}): {answer.text}")
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
        elif record.method == "sendDocument":
            self._print_document(record, where)
        elif record.method == "sendPoll":
            self._print_poll(record, where)
        else:
            kind = KINDS.get(record.method, record.method)
            self.write(f"bot{f' ({kind})' if kind else ''}{where}:")
            self.write(render_message(record.visible_text, record.entities, self.ansi))
        labels = []
        for number, button in enumerate(record.buttons, 1):
            text = button.get("text", "")
            labels.append(f"[{number}] {text}" + (f" <{button['url']}>" if "url" in button else ""))
        if labels:
            self.write("  " + "  ".join(labels))
        self.write()

    def _print_document(self, record: SentMessage, where: str) -> None:
        key = (record.chat_id, record.message_id)
        document = next(d for d in self.api.documents if (d.chat_id, d.message_id) == key)
        self.documents.append(document)
        label, *lines = document_lines(document, len(self.documents))
        self.write(f"bot ({label}){where}:")
        if record.visible_text:
            self.write(render_message(record.visible_text, record.entities, self.ansi))
        if lines:
            self.write("\n".join(lines))
        self.note(f":save {len(self.documents)} PATH saves it")

    def _print_poll(self, record: SentMessage, where: str) -> None:
        poll = self.api.poll_of(record)
        self.write(f"bot (poll){where}:")
        self.write("\n".join(poll_lines(poll)))
        self.note(f":vote N{' [M …]' if poll.allows_multiple_answers else ''} to vote")

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
    workspace: Workspace | None = None,
) -> int:
    """Run the bot and a terminal chat over ``lines``; returns the exit code (0).

    ``echo`` repeats each line as ``you: ...`` (for piped input, where the terminal does not
    show it); ``prompt`` writes ``> `` when the next line is wanted; ``database_note``
    says in the banner where the database is, instead of its URL; ``workspace`` is the copy
    of the files the bot runs on (``config`` is loaded from it), described on ``:quit``.
    """
    async with (
        FakeBotApi() as api,
        running_bot(config, api) as app,
        serving_webapp(app) as web,
    ):
        session = Session(api, app, out, ansi, workspace=workspace)
        files = (
            f"Files: a copy of config/ and content/ in {workspace.folder} (your files are "
            "never changed)."
            if workspace
            else ""
        )
        session.write(
            BANNER.format(
                name=USER_NAME,
                user=session.user_id,
                bot=app.bot_data.services.bot_username,
                database=database_note or describe_database(config.database_url),
                files=files,
                help=HELP,
            )
        )
        user = WebUser(session.user_id, USER_NAME, language_code=session.lang)
        link = open_link(web, signed_init_data(app, user))
        session.write(f"Mini App (open in a browser, signed for {USER_NAME}): {link}")
        source = aiter_lines(lines)
        while True:
            raw = await next_line(source, out, prompt)
            if raw is None:
                break
            line = raw.strip()
            if not line:
                continue
            if echo:
                session.write(f"you: {line}")
            if line.lower() == ":paste":
                session.note(f"pasting: the lines up to one that says {PASTE_END} are one message")
                text = await pasted_text(
                    source, out, prompt, PASTE_END, session.write if echo else None
                )
                if text is None:
                    break
                if text.strip():
                    await session.say(text)
                else:
                    session.note("nothing pasted: nothing sent")
            elif line.startswith(":"):
                if not await session.command(line):
                    break
            else:
                await session.say(line)
        if workspace is not None:
            workspace.drop_admin()
            for note in quit_notes(workspace):
                session.note(note)
    return 0


TEMPORARY_DATABASE = "a temporary SQLite file, deleted on exit (--db URL to choose one)"
KEPT_DATABASE = "a SQLite file in the kept copy, {path}"


def run_sandbox(
    config: BotConfig,
    env: Environment,
    database: str | None = None,
    keep: Path | None = None,
) -> int:
    """Entry point of ``python -m bot sandbox``: on a copy of the config and content files
    (in ``keep``, else a temporary folder) and on ``database``, or a SQLite file in the
    copy (never the configured store nor the real files: a fake group subscribed there, a
    digest marked published or a test upload would reach the real bot)."""
    del env  # the sandbox never talks to Telegram: its own fake token, its own base URL
    logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    interactive = sys.stdin.isatty()
    try:
        with sandbox_workspace(config, keep, database) as workspace:
            if database:
                note = None
            elif keep:
                note = KEPT_DATABASE.format(path=workspace.folder / DATABASE)
            else:
                note = TEMPORARY_DATABASE
            if workspace.continued:
                print(f"(carrying on with the kept copy in {workspace.folder})")
            return _run_sandbox(workspace, interactive, note)
    except WorkspaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run_sandbox(workspace: Workspace, interactive: bool, database_note: str | None) -> int:
    try:
        return asyncio.run(
            sandbox_session(
                workspace.config,
                stdin_lines(),
                sys.stdout,
                ansi=sys.stdout.isatty(),
                echo=not interactive,
                prompt=interactive,
                database_note=database_note,
                workspace=workspace,
            )
        )
    except KeyboardInterrupt:  # Ctrl-C: asyncio.run has already stopped the bot
        sys.stdout.write("\n")
        workspace.drop_admin()
        for note in quit_notes(workspace):
            sys.stdout.write(f"({note})\n")
        return 0
