"""``python -m bot sandbox``: a scripted terminal session with the real bot."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.config import BotConfig
from bot.sandbox.terminal import render_html, sandbox_session
from tests.conftest import ROOT


async def run(config: BotConfig, *lines: str) -> str:
    out = io.StringIO()
    assert await sandbox_session(config, [*lines, ":quit", "/never-sent"], out) == 0
    return out.getvalue()


def test_render_html_for_the_terminal():
    text = '<a href="https://arxiv.org/abs/1"><b>A &amp; B</b></a>\n<i>x</i> &lt;think&gt;'
    assert render_html(text) == "A & B <https://arxiv.org/abs/1>\nx <think>"
    assert render_html("<b>t</b>", ansi=True) == "\033[1mt\033[0m"


async def test_session_searches_pages_and_switches_language(e2e_config: BotConfig):
    out = await run(
        e2e_config, "/paper genie", "/paper model", ":press 3", ":lang zh", "/help", ":foo"
    )
    assert "bot:\nGenie: Generative Interactive Environments\nGenie: 生成式互动环境" in out
    assert "papers match model (page 1/" in out
    after_press = out.split("you: :press 3")[1].split("you: :lang zh")[0]
    assert "bot:\n" in after_press and "<https://arxiv.org/abs/" in after_press
    assert "论文速递每周把值得关注的 AI 论文推送到本聊天" in out
    assert "(unknown ':foo')" in out and "you: /never-sent" not in out


async def test_inline_group_and_admin(e2e_config: BotConfig):
    out = await run(
        e2e_config, ":inline genie", ":group", "/subscribe", ":admin", "/stats", ":press 99"
    )
    assert "  1. Genie: Generative Interactive Environments" in out
    assert "✅ This chat now receives the weekly digest" in out
    assert "Stats\nDigests: 3 (0 retired)" in out
    assert "(no button '99'" in out


def test_piped_subprocess_exits_cleanly(config_dir: Path, tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--config", str(config_dir / "bot.yaml")],
        input="/help\n",  # then end of input, like Ctrl-D
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Paper Digest brings a weekly digest of notable AI papers" in result.stdout
    assert "Traceback" not in result.stderr
