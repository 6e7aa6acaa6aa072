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
from bot.sandbox.workspace import sandbox_workspace
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


# --------------------------------------------------------------------------- the copy

UPLOAD = (
    "# AI papers, week of 2025-05-19\n\n"
    "1) **Lantern Search: Retrieval for Long Documents** - a retrieval method that halves "
    "compute. [Paper](https://arxiv.org/abs/2505.01111)\n"
    "2) **Quiet Agents: Planning with Small Models** - small models plan well. "
    "[Paper](https://arxiv.org/abs/2505.02222)\n"
)


def snapshot(*folders: Path) -> dict[Path, tuple[bytes, int]]:
    """Every file's bytes and modification time under ``folders``."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def run_on_copy(config: BotConfig, *lines: Line) -> tuple[str, list[tuple[str, str]]]:
    """A session as ``python -m bot sandbox`` runs it: on a temporary copy of the files;
    the output and what the session changed in the copy."""
    with sandbox_workspace(config) as workspace:
        out = io.StringIO()

        async def script() -> AsyncIterator[str]:
            for item in [*lines, ":quit"]:
                yield item(out.getvalue()) if callable(item) else item

        assert await sandbox_session(workspace.config, script(), out, workspace=workspace) == 0
        changes = workspace.changes()
    assert not workspace.folder.exists()
    return out.getvalue(), changes


async def test_upload_queue_and_reload_change_only_the_copy(
    sandbox_config: BotConfig, config_dir: Path, tmp_path: Path
) -> None:
    digest = tmp_path / "my digest.md"
    digest.write_text(UPLOAD, encoding="utf-8")
    real = snapshot(config_dir, config_dir.parent / "content")
    out, changes = await run_on_copy(
        sandbox_config,
        ":admin",
        f":file {digest}",
        press("✅ Add"),
        "/queue",
        press("⬇️ 1"),
        "/reload",
        "/stats",
    )
    assert "(you sent the file my digest.md (285 bytes))" in out
    assert "✅ Added 2025-w21 (2 papers): content/2025-w21.md" in out
    # the queue move answers with a toast, then edits the list
    _, moved = [text for sent, text in replies(out) if sent == ":press 1"]
    assert "bot (toast): Saved to digests.yaml.\nbot (edited):\n" in moved
    assert "1. 2024-w16 · 2024-04-15\n2. 2024-w09 · 2024-02-26" in moved
    assert "Reloaded." in after(out, "/reload")
    # :admin outlived ✅, the queue button and /reload
    assert "Digests: 4" in after(out, "/stats")
    assert changes == [("changed", "config/digests.yaml"), ("new", "content/2025-w21.md")]
    # the real files: the same bytes, not even touched
    assert snapshot(config_dir, config_dir.parent / "content") == real
    notes = after(out, ":quit")
    assert "(the sandbox ran on a copy of config/ and content/ in " in notes
    assert (
        "(the copy is deleted now and your files are unchanged; the session changed "
        "config/digests.yaml (changed), content/2025-w21.md (new))"
    ) in notes
    assert "(to keep the copy and its changes: python -m bot sandbox --keep DIR)" in notes


def test_keep_dir_keeps_the_copy_and_says_how_to_keep_the_changes(
    config_dir: Path, tmp_path: Path
) -> None:
    digest = tmp_path / "d.md"
    digest.write_text(UPLOAD, encoding="utf-8")
    kept = tmp_path / "kept"
    real = snapshot(config_dir, config_dir.parent / "content")
    command = [*sandbox_command(config_dir), "--keep", str(kept)]
    result = subprocess.run(
        command,
        input=f":admin\n:file {digest}\n:press 1\n:quit\n",
        capture_output=True,
        text=True,
        env=sandbox_process_env(tmp_path),
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert snapshot(config_dir, config_dir.parent / "content") == real
    assert (kept / "content" / "2025-w21.md").read_text(encoding="utf-8") == UPLOAD
    # the sandbox's own admin is not left in the kept bot.yaml
    assert (kept / "config" / "bot.yaml").read_bytes() == (config_dir / "bot.yaml").read_bytes()
    assert f"(the copy is kept in {kept}; your files are unchanged)" in result.stdout
    assert (
        f"(  cp {kept}/config/digests.yaml {config_dir}/digests.yaml)\n"
        f"(  cp {kept}/content/2025-w21.md {config_dir.parent}/content/2025-w21.md)\n"
    ) in result.stdout
    # a second session carries on with the copy: the added digest is there
    again = subprocess.run(
        command,
        input="/digest 2025-w21\n:quit\n",
        capture_output=True,
        text=True,
        env=sandbox_process_env(tmp_path),
        cwd=ROOT,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"(carrying on with the kept copy in {kept})" in again.stdout
    assert "1. Lantern Search: Retrieval for Long Documents" in again.stdout
    # a folder that is something else is refused in one line
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    refused = subprocess.run(
        [*sandbox_command(config_dir), "--keep", str(other)],
        input=":quit\n",
        capture_output=True,
        text=True,
        env=sandbox_process_env(tmp_path),
        cwd=ROOT,
        timeout=120,
    )
    assert refused.returncode == 2
    assert refused.stderr == (
        f"error: {other} is not empty and holds no sandbox copy: choose another\n"
    )


# --------------------------------------------------------------------------- trying everything


async def test_paste_sends_one_multi_line_message(sandbox_config: BotConfig) -> None:
    lines = ("/add " + UPLOAD).splitlines()  # typed (or pasted) line by line
    out, _ = await run_on_copy(sandbox_config, ":admin", ":paste", *lines, ":end")
    sent = after(out, ":end")
    # one message: the /add preview, not one "To find a paper" reply per line
    assert sent.startswith("bot:\n📥 ") and "2 papers" in sent
    assert "To find a paper" not in out
    assert "  | 1) **Lantern Search" in out  # the pasted lines are echoed, marked


async def test_messages_over_4096_characters_are_refused(sandbox_config: BotConfig) -> None:
    out = await run(sandbox_config, "/paper " + "x" * 4090, "/paper " + "x" * 4089)
    assert after(out, "/paper " + "x" * 4090) == (
        "(not sent: Telegram refuses messages over 4,096 characters, this one has 4,097 "
        "(send a long digest with :file PATH))\n"
    )
    assert "No paper matches" in after(out, "/paper " + "x" * 4089)


async def test_documents_are_shown_and_saved(sandbox_config: BotConfig, tmp_path: Path) -> None:
    target = tmp_path / "genie.bib"
    out = await run(
        sandbox_config,
        ":save 1 x",
        "/paper genie",
        press("📌 Save"),
        "/bib",
        f":save 1 {target}",
        f":save 1 {target}",
        ":save 2 x",
    )
    assert "(no document to save: the bot has sent none)" in after(out, ":save 1 x")
    assert "bot (toast): 📌 Saved to this chat's reading list (/reading)." in out
    shown = after(out, "/bib")
    assert re.search(r"^bot \(document \[1\] \S+\.bib, \d+ bytes\):$", shown, re.MULTILINE)
    assert "  | @" in shown  # the first lines of the BibTeX
    assert "(:save 1 PATH saves it)" in shown
    assert target.read_text(encoding="utf-8").startswith("@")
    assert "(saved " in after(out, f":save 1 {target}")
    assert f"({target} exists already: choose another name)" in out
    assert "(usage: :save N PATH, N from 1 to 1)" in after(out, ":save 2 x")


async def test_polls_show_their_options_and_take_votes(sandbox_config: BotConfig) -> None:
    out = await run(
        sandbox_config,
        ":group",
        "/subscribe",
        "/subscribe poll",
        ":admin",
        "/postnow",
        ":vote 2",
        ":vote 99",
    )
    posted = after(out, "/postnow")
    assert "bot (poll):\n" in posted
    options = re.findall(r"^  (\d+)\. (.+)$", posted.split("bot (poll):\n")[1], re.MULTILINE)
    assert [n for n, _ in options][:3] == ["1", "2", "3"]
    assert "(:vote N to vote)" in posted
    voted = after(out, ":vote 2")
    assert voted.startswith(f"(you voted for “{options[1][1]}”; votes now: 1: 0 · 2: 1")
    assert f"(usage: :vote N, N from 1 to {len(options)}" in after(out, ":vote 99")
