"""``python -m bot check --show | head``: a reader that goes away is no crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_show_into_a_closed_pipe_prints_no_traceback(config_dir: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `head` after its lines: every write now fails with EPIPE
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{config_dir.parent / 'pipe.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "check",
                "--show",
                "--config",
                str(config_dir / "bot.yaml"),
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, (
        result.stderr
    )
    assert result.returncode == 141
