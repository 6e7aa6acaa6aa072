"""digests.yaml survives what an admin may type (issue 23 items 1 and 3, issue 22 item 6).

Every YAML 1.1 boolean, null and number spelling answered as an id or a week is refused in
one line or written quoted and read back as the same text; the bot restarts on the file it
wrote. Impossible and far-off dates in the config are one line from ``check``, the bot and
the sandbox; duplicate ids name the line of each; YAML syntax errors say what to check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from bot.config import (
    BotConfig,
    ConfigError,
    Environment,
    digest_id_problem,
    load_config,
    load_digests,
)
from bot.domain.dates import date_problem, sane_date_range
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.store import config_files
from bot.store.config_files import ConfigEditError, NewDigest
from tests.conftest import ADMIN_ID
from tests.harness import Chat

ROOT = Path(__file__).resolve().parent.parent
# YAML 1.1 booleans (y/n included: the spec's, even if PyYAML reads them as text), nulls,
# numbers in every base and form, sexagesimal, dates, and the YAML 1.2 ones
SPELLINGS = [
    *(["no", "yes", "on", "off", "y", "n", "true", "false", "null", "~", "nan", "inf"]),
    *(["1e3", "1e-3", "0x1f", "0o17", "0b101", "010", "1_000", "12", "1.5"]),
    *([".inf", ".nan", "-.inf", "+12", "1:20", "2024-02-26"]),
]
DIGEST = (
    b"# AI papers, week of 2025-05-19\n\n"
    b"1) **Lantern Search: Retrieval for Long Documents** - a retrieval method that halves "
    b"compute. [Paper](https://arxiv.org/abs/2505.01111)\n"
)


def admin(api: FakeBotApi) -> Chat:
    return Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)


def one_line(text: str) -> bool:
    return "\n" not in text.strip() and "Traceback" not in text


async def test_every_yaml_spelling_as_an_id_or_week_is_refused_or_kept_as_text(
    e2e_config: BotConfig, api: FakeBotApi, config_dir: Path
):
    async with running_bot(e2e_config, api):
        me = admin(api)
        _head, part = await me.send_file("d.md", DIGEST, replies=2)
        accepted: list[str] = []
        for spelling in SPELLINGS:
            await me.press(part, "u:1:i")
            refused = digest_id_problem(spelling.lower())
            answer = await me.say(spelling, 1 if refused else 2)
            if refused:  # in one line
                assert answer[0].text == t("en", "bad_id", problem=refused)
                assert (one_line(answer[0].text) and "YAML" in refused) or "use 1-40" in refused
            else:  # accepted: the preview names the id as this very text
                assert f"<b>{spelling}</b>" in answer[0].text, answer[0].text
                part = answer[-1]
                accepted.append(spelling)
            if spelling == "2024-02-26":
                continue  # a real week: taken as such
            await me.press(part, "u:1:w")
            week = await me.ask(spelling)
            assert week.text == t("en", "bad_week", text=spelling), week.text
        assert accepted == ["nan", "inf"]  # text in YAML 1.1 and 1.2 alike
        # a plain one is taken and added
        await me.press(part, "u:1:i")
        _head, part = await me.say("yes-please", 2)
        await me.press(part, "u:1:a", records=2)
    # the file written loads again: the bot restarts on it, the id is text
    config = load_config(config_dir / "bot.yaml", Environment(database_url=e2e_config.database_url))
    assert config.digests[-1].id == "yes-please"
    async with running_bot(config, api, ingest=True):
        overview = await admin(api).ask("/digest yes-please")
        assert "Lantern Search" in overview.text


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_writer_quotes_what_either_reader_would_misread(spelling: str) -> None:
    """Written by the bot's writer (ruamel, YAML 1.2) as an id, a file and a title, read
    back by the bot's reader (PyYAML, YAML 1.1) and by ruamel: the same text each time."""
    entry = {"id": config_files._text(spelling), "file": config_files._text(spelling)}
    entry["title"] = config_files._text(spelling)
    text = config_files._dump(config_files._yaml_for(""), [entry])
    for read in (yaml.safe_load(text), YAML(typ="safe", pure=True).load(text)):
        assert read == [{"id": spelling, "file": spelling, "title": spelling}], text


def test_an_edit_that_would_not_load_writes_nothing(config_dir: Path) -> None:
    config = load_config(config_dir / "bot.yaml")
    before = config.digests_path.read_bytes()
    today = date(2026, 1, 5)
    far = NewDigest("far-off", ".md", DIGEST, date(9999, 12, 27))
    with pytest.raises(ConfigEditError, match="9999-12-27 is outside 1990-01-01"):
        config_files.add_digest(config, far, today)
    assert config.digests_path.read_bytes() == before
    assert not (config_dir.parent / "content" / "far-off.md").exists()


def test_the_date_range_follows_the_injected_today() -> None:
    assert sane_date_range(date(2026, 3, 2)) == (date(1990, 1, 1), date(2028, 3, 2))
    assert sane_date_range(date(2024, 2, 29))[1] == date(2026, 2, 28)
    assert date_problem(date(2028, 3, 2), date(2026, 3, 2)) is None
    assert date_problem(date(2028, 3, 6), date(2026, 3, 2)) == (
        "2028-03-06 is outside 1990-01-01 … 2028-03-02"
    )
    assert date_problem(date(1989, 12, 25), date(2026, 3, 2)) is not None


async def test_a_far_off_week_answered_to_the_week_question_is_one_line(
    e2e_config: BotConfig, api: FakeBotApi
):
    async with running_bot(e2e_config, api) as app:
        me = admin(api)
        _head, part = await me.send_file("d.md", DIGEST, replies=2)
        today = app.bot_data.services.clock().date()
        for answer, problem in (
            ("9999-12-31", date_problem(date(9999, 12, 27), today)),
            ("0001-01-01", date_problem(date(1, 1, 1), today)),
            ("1989-W52", date_problem(date(1989, 12, 25), today)),
        ):
            await me.press(part, "u:1:w")
            reply = await me.ask(answer)
            assert reply.text == t("en", "bad_week_range", problem=problem)
        assert not [m for m in api.sent if "went wrong" in (m.text or "")]


def _run(args: list[str], cfg: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    env["TELEGRAM_BOT_TOKEN"] = "123456:" + "A" * 35
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9/bot"  # never reached
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )


@pytest.mark.parametrize(
    ("week", "problem"),
    [
        ("2025-02-30", "line 7, column 9: '2025-02-30' is not a date (day is out of range"),
        ("2025-13-04", "line 7, column 9: '2025-13-04' is not a date (month must be in 1..12)"),
        ("9999-12-27", "[0].week: 9999-12-27 is outside 1990-01-01 … "),
        ("1899-12-25", "[0].week: 1899-12-25 is outside 1990-01-01 … "),
    ],
)
def test_impossible_or_far_off_config_weeks_are_one_line(
    config_dir: Path, tmp_path: Path, week: str, problem: str
) -> None:
    digests = config_dir / "digests.yaml"
    digests.write_text(digests.read_text().replace("week: 2024-02-26", f"week: {week}", 1))
    cfg = config_dir / "bot.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert problem in str(caught.value)
    for command in (["check"], [], ["sandbox"]):
        result = _run(command, cfg, tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(f"config error: {digests}: "), result.stderr
        assert problem in result.stderr
        assert one_line(result.stderr), result.stderr


def test_duplicate_ids_name_the_line_of_each(config_dir: Path) -> None:
    digests = config_dir / "digests.yaml"
    digests.write_text(digests.read_text().replace("id: 2024-w21", "id: 2024-w09"))
    with pytest.raises(ConfigError) as caught:
        load_digests(digests)
    assert str(caught.value) == (
        f"{digests}: [2].id: duplicate digest id '2024-w09' at line 13 (also at line 5)"
    )


@pytest.mark.parametrize(
    ("change", "where", "hint"),
    [
        (("  week: 2024-02-26", "\tweek: 2024-02-26"), "line 7", "a tab: indent with spaces"),
        (("  week: 2024-02-26", "  week: 2024-02-26\n  title: a: b"), "line 8", "a ':' inside"),
        (("  week: 2024-05-20", '  week: 2024-05-20\n  title: "open'), "line 18", "a quote or"),
        (("  week: 2024-05-20", "  week: [2024-05-20"), "line 17", "a '[' list without"),
        (
            ("  file: ../content/2024-02-26", " file: ../content/2024-02-26"),
            "line 6",
            "the indentation",
        ),
    ],
)
def test_yaml_syntax_errors_say_where_and_what_to_check(
    config_dir: Path, change: tuple[str, str], where: str, hint: str
) -> None:
    digests = config_dir / "digests.yaml"
    digests.write_text(digests.read_text().replace(*change, 1))
    with pytest.raises(ConfigError) as caught:
        load_digests(digests)
    message = str(caught.value)
    assert f"YAML syntax error at {where}, column" in message, message
    assert f"— check {hint}" in message, message
    assert "\n" not in message


def test_a_hand_written_yaml_boolean_id_says_to_quote_it(config_dir: Path) -> None:
    digests = config_dir / "digests.yaml"
    digests.write_text(digests.read_text().replace("id: 2024-w09", "id: no"))
    with pytest.raises(ConfigError) as caught:
        load_digests(digests)
    assert caught.value.problem == "YAML read it as false: put the id in quotes"
