"""How the terminal sandbox shows what the bot sent: Telegram's HTML as terminal text (links
as ``text <url>``, styles in ANSI), labels by kind, documents and polls as lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from bot.sandbox.fake_telegram import SentDocument
from bot.sandbox.fake_telegram.html_check import TelegramHtmlError, parse_telegram_html
from bot.sandbox.fake_telegram.polls import FakePoll

DOCUMENT_LINES = 5  # first lines of a text document shown

HELP = """Sandbox commands:
  :press N        press button [N] of the bot's last message with buttons
  :paste          send the next lines as one message, up to a line :end
  :file PATH      send a file as a document (e.g. a digest to add, as an admin)
  :save N PATH    save document [N] the bot sent
  :vote N [M …]   vote for option N (and M …) of the last poll here
  :inline QUERY   what typing "@bot QUERY" in any chat offers
  :lang zh|en     switch your Telegram language
  :group          talk in a group where you are an administrator
  :private        back to your private chat with the bot
  :admin          make yourself a bot admin for the session (/stats, /postnow, /queue …)
  :help           this list
  :quit           leave (Ctrl-D and Ctrl-C work too)"""

USAGE = (
    "sandbox commands: :press N, :paste, :file PATH, :save N PATH, :vote N, :inline QUERY, "
    ":lang zh|en, :group, :private, :admin, :help, :quit"
)
MAX_MESSAGE = 4096  # characters Telegram accepts in one message (it refuses longer ones)
PASTE_END = ":end"

BANNER = """Paper Digest sandbox: the real bot, a fake Telegram on 127.0.0.1, no token needed.
You are "{name}" (user id {user}) in a private chat with @{bot}. Database: {database}.
{files}
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


KINDS = {  # a record's method → how its label names it ("" for a plain message)
    "sendMessage": "",
    "editMessageText": "edited",
    "editMessageCaption": "edited caption",
    "stopPoll": "poll closed",
}


def file_size(count: int) -> str:
    """A file size as people read it: 812 bytes, 3.4 kB, 1.2 MB."""
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def tally(counts: list[int]) -> str:
    return " · ".join(f"{number}: {count}" for number, count in enumerate(counts, 1))


def document_lines(document: SentDocument, number: int) -> list[str]:
    """A document's name and size as the label, then the first lines of a text file."""
    lines = [f"document [{number}] {document.file_name}, {file_size(len(document.content))}"]
    try:
        text = document.content.decode("utf-8")
    except UnicodeDecodeError:
        return lines
    rows = text.splitlines()
    lines.extend(f"  | {row}" for row in rows[:DOCUMENT_LINES])
    if len(rows) > DOCUMENT_LINES:
        lines.append(f"  | … {len(rows) - DOCUMENT_LINES} more lines")
    return lines


def poll_lines(poll: FakePoll) -> list[str]:
    """A poll's question and its numbered options."""
    options = [f"  {number}. {option}" for number, option in enumerate(poll.options, 1)]
    return [poll.question, *options]
