"""Start-up as an operator sees it: ``python -m bot`` in a subprocess with good and bad
settings. The token never appears in any output; every failure is one short line and a
non-zero exit, with the traceback only under ``-v``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import REDACTED, RedactSecrets
from bot.sandbox.fake_telegram import DEFAULT_USER_ID, FakeBotApi
from tests.conftest import ROOT

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # the shape of a real token
WRONG_TOKEN = TOKEN[:-1] + "x"  # one character off: must not give the real one away
SECRET_HALF = TOKEN.split(":")[1][:-1]  # common to both: any leak of either shows it


def bot_env(config_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEBHOOK_URL")}
    env.update(BOT_CONFIG=str(config_dir / "bot.yaml"), **extra)
    return env


def run_bot(env: dict[str, str], *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def assert_no_secret(output: str) -> None:
    assert SECRET_HALF not in output
    assert TOKEN not in output and WRONG_TOKEN not in output


# ------------------------------------------------------------------ the token


def test_redaction_covers_message_args_and_traceback() -> None:
    import logging

    redactor = RedactSecrets([TOKEN])
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", (f"http://h/bot{TOKEN}/getMe",), None
        )
        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    text = logging.Formatter().format(record)
    assert SECRET_HALF not in text
    assert text.count(REDACTED) == 2
    # a token we were never told about is still recognised by its shape
    assert RedactSecrets().redact(f"bot{WRONG_TOKEN}/x") == f"bot{REDACTED}/x"


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_wrong_token_is_one_line_without_the_token(
    config_dir: Path, tmp_path: Path, verbose: bool
) -> None:
    with FakeBotApi(token=TOKEN) as api:  # the fake refuses every other token with 401
        env = bot_env(
            config_dir,
            TELEGRAM_BOT_TOKEN=WRONG_TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        )
        result = run_bot(env, *(["-v"] if verbose else []))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert_no_secret(output)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Telegram refused the bot token: check TELEGRAM_BOT_TOKEN")
    assert ("Traceback" in output) is verbose


async def test_verbose_run_never_logs_the_token(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
) -> None:
    env = bot_env(
        config_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "-v", env=env, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        await api.wait_for(
            lambda: any(c.method == "getUpdates" for c in api.calls), 60, what="polling"
        )
        api.send_message("/paper genie")
        await api.wait_for_messages(DEFAULT_USER_ID, 1, 30)
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    output = log.read_text(errors="replace")
    assert "Calling Bot API endpoint `sendMessage`" in output  # it did log at debug level
    assert f"/bot{REDACTED}" in output  # ExtBot's base-URL line, redacted
    assert_no_secret(output)


# ------------------------------------------------------------------ bad settings


def _short_failure(result: subprocess.CompletedProcess, *expected: str) -> str:
    """≤ 3 lines about the failure (the ordinary INFO progress lines before it aside)."""
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if " INFO " not in line]
    assert len(lines) <= 3, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[-1]
    return lines[-1]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql://postgres:hunter22@127.0.0.1:5432/no_such_db", "does not exist"),
        ("postgresql://postgres:hunter22@127.0.0.1:1/test", "port 1 failed"),
        ("postgresql://nobody:hunter22@127.0.0.1:5432/test", 'role "nobody" does not exist'),
        ("sqlite:////proc/no/such/bot.sqlite3", "cannot create the folder"),
    ],
    ids=["missing-database", "port-1", "wrong-user", "unwritable-sqlite"],
)
def test_bad_database_url_is_one_line_naming_the_setting(
    config_dir: Path, url: str, reason: str
) -> None:
    result = run_bot(bot_env(config_dir, DATABASE_URL=url), "ingest")
    line = _short_failure(result, "check DATABASE_URL", reason)
    assert "hunter22" not in result.stderr
    assert line.startswith("error: database ")


def test_heroku_style_postgres_url_is_accepted(config_dir: Path, pg_url: str) -> None:
    heroku = "postgres://" + pg_url.split("://", 1)[1]
    result = run_bot(bot_env(config_dir, DATABASE_URL=heroku), "ingest")
    assert result.returncode == 0, result.stderr
    assert "added: 2024-w09" in result.stdout


def test_no_network_at_start_retries_then_gives_up_in_one_line(
    config_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(
        config_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:1/bot",  # nothing listens there
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    # one retry instead of the real five keeps the test short; the path is the same
    script = "import sys, bot.app, bot.cli; bot.app.BOOTSTRAP_RETRIES = 1; sys.exit(bot.cli.main())"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT
    )
    _short_failure(result, "cannot reach the Telegram Bot API", "TELEGRAM_API_BASE_URL")
    assert "Failed run number 1 of 1" in result.stderr  # it did retry once


async def test_a_blip_at_start_is_retried(config_dir: Path, tmp_path: Path, api: FakeBotApi):
    api.inject_fault("getMe", kind="server_error", times=2, status=502)
    env = bot_env(
        config_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await api.wait_for(
            lambda: any(c.method == "getUpdates" for c in api.calls), 60, what="polling"
        )
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    get_me = [c.status for c in api.calls if c.method == "getMe"]
    assert get_me[:3] == [502, 502, 200]
