"""The README's examples answer as it says, on the bundled content (config/ and content/).

Every row of the README's "Try it" table is sent to the real bot through the fake Bot API
(a command in a private chat, ``@bot …`` as an inline query); each ``*fragment*`` of the row's
answer must be in what the bot sends back. And every example the command table names is
one of those rows, so the README cannot promise an example nobody tried.
"""

from __future__ import annotations

import re

import pytest

from bot.app import BotApp
from bot.domain.render import plain_text
from bot.sandbox.fake_telegram import FakeBotApi
from tests.conftest import ROOT
from tests.harness import Chat

pytestmark = pytest.mark.bundled

README = (ROOT / "README.md").read_text(encoding="utf-8")
# words of the command table that are formats or names, not examples to send
NOT_EXAMPLES = {
    "@misc",
    "eprint",
    "archivePrefix",
    "primaryClass",
    "url",
    "{LLaMA}",
    "reading-list.bib",
    "/start paper_<id>",
    "poll_hours",
    "/top global …",
    '"phrases"',  # words of the query language, not commands
    "-word",
}


def table(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading`` in README.md."""
    section = README[README.index(heading) :]
    rows = []
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[1:]  # without the header row


TRY_IT = [(re.findall(r"`([^`]+)`", row[0])[0], row[1]) for row in table("### Try it")]


async def answer(api: FakeBotApi, command: str) -> str:
    if command.startswith("@bot "):
        before = len(api.inline_answers)
        api.inline_query(command.removeprefix("@bot "))
        await api.wait_for(lambda: len(api.inline_answers) > before, 15, what="inline answer")
        results = api.inline_answers[-1].results
        return "\n".join(
            f"{r['title']}\n{plain_text(r['input_message_content']['message_text'])}"
            for r in results
        )
    reply = await Chat(api).ask(command)
    buttons = " ".join(button.get("text", "") for button in reply.buttons)
    return plain_text(reply.text) + "\n" + buttons


async def test_every_try_it_row_answers_as_the_readme_says(bot_app: BotApp, api: FakeBotApi):
    wrong = []
    for command, says in TRY_IT:
        got = await answer(api, command)
        missing = [f for f in re.findall(r"\*([^*]+)\*", says) if f not in got]
        if missing:
            wrong.append(f"{command}: missing {missing} in:\n{got}\n")
    assert not wrong, "\n".join(wrong)


def test_every_example_of_the_command_table_is_tried():
    tried = " ".join(f"{command} {says}" for command, says in TRY_IT)
    examples = {
        span
        for row in table("## What people in a chat can do")
        for span in re.findall(r"`([^`]+)`", row[1])
    }
    untried = sorted(e for e in examples - NOT_EXAMPLES if e not in tried)
    assert untried == [], f"add these to the README's Try it table: {untried}"
