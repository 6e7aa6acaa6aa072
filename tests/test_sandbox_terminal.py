"""``python -m bot sandbox``: rendering, scripted terminal sessions with the real bot, the CLI."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import BotConfig, Environment, load_config
from bot.sandbox import terminal
from bot.sandbox.terminal import describe_database, render_html, sandbox_session, stdin_lines
from tests.conftest import ROOT

GENIE = "Genie: Generative Interactive Environments"
SECRET = "123456:SECRET-token-never-printed"

# A script line: text, or a function of the output so far (to press a button by its label).
Line = str | Callable[[str], str]


@pytest.fixture
def sandbox_config(config_dir: Path, tmp_path: Path) -> BotConfig:
    """The project's config on a fresh SQLite file (the sandbox needs no PostgreSQL runs)."""
    env = Environment(database_url=f"sqlite:///{tmp_path}/s.sqlite3")
    return load_config(config_dir / "bot.yaml", env)


def press(label: str) -> Callable[[str], str]:
    """``:press N`` for the button labelled ``label`` in the last buttons line shown."""

    def line(output: str) -> str:
        buttons = [row for row in output.splitlines() if row.startswith("  [1] ")][-1]
        number = re.search(rf"\[(\d+)\] {re.escape(label)}", buttons)
        assert number, f"no button {label!r} in {buttons!r}"
        return f":press {number.group(1)}"

    return line


async def run(config: BotConfig, *lines: Line, times: list[float] | None = None) -> str:
    """Run a session over ``lines`` then ``:quit``; the output. ``times`` gets the moment each
    line was asked for."""
    out = io.StringIO()

    async def script() -> AsyncIterator[str]:
        for item in [*lines, ":quit", "/never-sent"]:
            if times is not None:
                times.append(time.monotonic())
            yield item(out.getvalue()) if callable(item) else item

    assert await sandbox_session(config, script(), out) == 0
    return out.getvalue()


def replies(output: str) -> list[tuple[str, str]]:
    """``(line, what followed it)`` for every ``you: line`` of a session's output."""
    parts = re.split(r"^you: (.*)\n", output, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def after(output: str, line: str) -> str:
    """What followed ``you: line`` (its first occurrence)."""
    return next(text for sent, text in replies(output) if sent == line)


# --------------------------------------------------------------------------- rendering


def test_render_html_for_the_terminal() -> None:
    text = '<a href="https://arxiv.org/abs/1"><b>A &amp; B</b></a>\n<i>x</i> &lt;think&gt;'
    assert render_html(text) == "A & B <https://arxiv.org/abs/1>\nx <think>"
    # a link whose text is its URL is not repeated
    assert render_html('<a href="https://x.org">https://x.org</a>') == "https://x.org"


def test_render_html_ansi_styles_nest_and_count_utf16() -> None:
    assert render_html("<b>t</b>", ansi=True) == "\033[1mt\033[22m"
    assert render_html("<b>a<i>b</i></b>", ansi=True) == "\033[1ma\033[3mb\033[23m\033[22m"
    # entity offsets are UTF-16: the emoji counts twice, the bold still lands on "z"
    assert render_html("😀 <b>z</b>", ansi=True) == "😀 \033[1mz\033[22m"
    assert render_html("😀 <b>z</b>") == "😀 z"


def test_database_is_described_without_password() -> None:
    assert describe_database("sqlite:////tmp/x.sqlite3") == "SQLite file /tmp/x.sqlite3"
    shown = describe_database("postgresql+psycopg://bot:hunter2@db:5432/bot")
    assert "hunter2" not in shown and "db:5432/bot" in shown


# --------------------------------------------------------------------------- sessions


async def test_paper_card_and_quit(sandbox_config: BotConfig) -> None:
    out = await run(sandbox_config, "/paper genie")
    assert 'You are "You" (user id 1001) in a private chat' in out
    assert f"bot:\n{GENIE}\n" in after(out, "/paper genie")
    assert "you: :quit" in out and "/never-sent" not in out


async def test_press_pages_and_opens_results(sandbox_config: BotConfig) -> None:
    out = await run(sandbox_config, "/paper model", press("Next ▶"), ":press 3")
    (_, listed), (_, paged), (_, opened), _ = replies(out)
    assert "papers match model (page 1/" in listed and "[1] 1  [2] 2  [3] 3" in listed
    # the press edits the list; its buttons are numbered from [1] again
    assert paged.startswith("(you pressed “Next ▶”)\nbot (edited):\n")
    assert "(page 2/" in paged and "\n  [1] 6  [2] 7  [3] 8" in paged
    # :press uses the last message with buttons: the edited list, its third button
    assert opened.startswith("(you pressed “8”)\nbot:\n") and "📅" in opened


async def test_press_uses_the_last_message_with_buttons(sandbox_config: BotConfig) -> None:
    out = await run(sandbox_config, "/paper genie", "/topics", ":press 1", ":press 99", ":press")
    # [1] of the card is its digest button; [1] of /topics (the last keyboard) is a topic
    pressed = after(out, ":press 1")
    assert "(you pressed “Language models" in pressed
    assert "(no button '99'; the last message has buttons 1–" in out
    assert "(no button ''" in out


async def test_language_inline_and_usage(sandbox_config: BotConfig) -> None:
    out = await run(
        sandbox_config, ":lang zh", "/help", ":inline genie", ":lang fr", ":foo", ":help"
    )
    assert "(your Telegram language is now zh)" in out
    assert "论文速递每周把值得关注的 AI 论文推送到本聊天" in after(out, "/help")
    assert f"  1. {GENIE}" in after(out, ":inline genie")
    assert "(usage: :lang zh|en (now zh))" in out
    assert "(unknown ':foo'; sandbox commands: :press N" in out
    assert "  :press N " in after(out, ":help")


async def test_group_admin_and_posts_elsewhere(sandbox_config: BotConfig) -> None:
    out = await run(
        sandbox_config, ":group", "/subscribe", ":admin", "/stats", ":private", "/postnow"
    )
    assert "(you are now in the group “Sandbox lab”, as an administrator)" in out
    assert "✅ This chat now receives the weekly digest" in after(out, "/subscribe")
    assert "Digests: 3" in after(out, "/stats")
    # the post goes to the group; from the private chat it shows with the group's name
    assert "bot in “Sandbox lab”:\n📚 " in after(out, "/postnow")


async def test_no_reply_is_reported_without_waiting_for_the_timeout(
    sandbox_config: BotConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal, "REPLY_TIMEOUT", 30.0)
    times: list[float] = []
    out = await run(sandbox_config, ":group", "just chatting", times=times)
    assert "(no reply)" in after(out, "just chatting")
    # times: asked for ":group", "just chatting", ":quit": the second gap is the waiting
    assert times[2] - times[1] < 5


async def test_stdin_lines_reads_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end))
    lines: list[str] = []

    async def collect() -> None:
        async for line in stdin_lines():
            lines.append(line)

    task = asyncio.create_task(collect())
    data = "/paper genie\n中文\n:quit".encode()
    os.write(write_end, data[:15])  # splits the UTF-8 of "中"
    await asyncio.sleep(0.05)
    os.write(write_end, data[15:])
    os.close(write_end)
    await asyncio.wait_for(task, 5)
    sys.stdin.close()
    assert lines == ["/paper genie", "中文", ":quit"]


# --------------------------------------------------------------------------- the command line


def sandbox_process_env(tmp_path: Path, store: Path | None = None) -> dict[str, str]:
    """A real-looking token in the environment: the sandbox must neither use nor print it."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{store or tmp_path / 'cli.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": SECRET,
        "PTB_TIMEDELTA": "1",
    }


def sandbox_command(config_dir: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "sandbox", "--config", str(config_dir / "bot.yaml")]


def test_piped_subprocess_exits_cleanly(config_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        sandbox_command(config_dir),
        input="/help\n:quit\n",
        capture_output=True,
        text=True,
        env=sandbox_process_env(tmp_path),
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "you: /help\nbot:\nPaper Digest brings a weekly digest of notable AI papers" in (
        result.stdout
    )
    assert "\033[" not in result.stdout  # no ANSI codes into a pipe
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_ctrl_c_while_waiting_for_input_exits_cleanly(config_dir: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        sandbox_command(config_dir),
        stdin=subprocess.PIPE,  # kept open: the sandbox sits waiting for the next line
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sandbox_process_env(tmp_path),
        cwd=ROOT,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("/help\n")
        process.stdin.flush()
        while "This chat:" not in (line := process.stdout.readline()):  # the end of /help
            assert line, "the sandbox ended before answering /help"
        time.sleep(0.5)  # the reply has settled: now blocked reading stdin
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sandbox_leaves_the_configured_store_unchanged(config_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "bot.sqlite3"

    def python_m_bot(command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            env=sandbox_process_env(tmp_path, store),
            cwd=ROOT,
            timeout=120,
        )

    setup = python_m_bot(
        [sys.executable, "-m", "bot", "ingest", "--config", str(config_dir / "bot.yaml")]
    )
    assert setup.returncode == 0, setup.stderr[-2000:]
    before = store.read_bytes()
    # what wrote into the real store before: a group subscribed, a digest published
    result = python_m_bot(
        sandbox_command(config_dir), ":group\n:admin\n/subscribe\n/postnow\n:quit\n"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Database: a temporary SQLite file, deleted on exit" in result.stdout
    assert "Published" in result.stdout
    assert store.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite3-")]
