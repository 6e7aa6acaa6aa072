"""Config validation: every bad file stops with one message naming file, key and problem."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.config import ConfigError, Delivery, Environment, load_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cfg(config_dir: Path) -> Path:
    return config_dir / "bot.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def error_of(cfg: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    return caught.value


def test_project_config_loads() -> None:
    config = load_config(ROOT / "config" / "bot.yaml", Environment())
    assert config.timezone.key == "Asia/Shanghai"
    assert config.schedule.day_of_week == "mon"
    assert config.schedule.time == time(9, 0)
    assert config.schedule.weekday == 0
    assert [d.id for d in config.digests] == ["2024-w09", "2024-w16", "2024-w21", "example"]
    assert config.digests[-1].skip and config.digests[-1].week is None  # never posted
    assert config.digests[0].week == date(2024, 2, 26)
    assert config.digests[0].file == ROOT / "content" / "2024-02-26_weekly-ai-papers.txt"
    assert config.database_url == f"sqlite:///{ROOT / 'data' / 'bot.sqlite3'}"
    assert len(config.taxonomy.topics) >= 11
    assert config.taxonomy.fallback_id in config.taxonomy.by_id


def test_database_url_from_environment(cfg: Path) -> None:
    config = load_config(cfg, Environment(database_url="postgresql://x@h/db"))
    assert config.database_url == "postgresql://x@h/db"


def test_environment_reads_overrides(tmp_path: Path) -> None:
    env = Environment.from_environ(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "DATABASE_URL": "sqlite:///x.db",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_CONFIG": str(tmp_path / "other.yaml"),
            "PORT": "9000",
        }
    )
    assert env.token == "1:abc"
    assert env.api_base_url == "http://127.0.0.1:8081/bot"
    assert env.config_path == tmp_path / "other.yaml"
    assert env.port == 9000
    with pytest.raises(ConfigError, match="PORT"):
        Environment.from_environ({"PORT": "eighty"})


def test_yaml_syntax_error_names_file_and_line(cfg: Path) -> None:
    edit(cfg, "timezone: Asia/Shanghai", "timezone: [Asia/Shanghai")
    err = error_of(cfg)
    assert err.file == str(cfg)
    assert "YAML syntax error at line" in str(err)


def test_unknown_key(cfg: Path) -> None:
    edit(cfg, "admins: []", "admins: []\nadmin: [1]")
    err = error_of(cfg)
    assert err.key == "admin"
    assert "unknown key" in err.problem


def test_unknown_nested_key(cfg: Path) -> None:
    edit(cfg, "  day_of_week: mon", "  day_of_week: mon\n  hour: 9")
    assert error_of(cfg).key == "schedule.hour"


def test_wrong_type(cfg: Path) -> None:
    edit(cfg, "admins: []", "admins: [123, abc]")
    err = error_of(cfg)
    assert err.key == "admins[1]"
    assert "expected a number" in err.problem


def test_minimal_bot_yaml_is_accepted(cfg: Path) -> None:
    cfg.write_text('timezone: Asia/Shanghai\nschedule: {day_of_week: fri, time: "18:30"}\n')
    config = load_config(cfg)
    assert (config.schedule.weekday, config.schedule.time) == (4, time(18, 30))
    assert (config.delivery.workers, config.delivery.claim_timeout_seconds) == (8, 60.0)
    assert config.delivery.in_doubt == "resend"  # never a gap unless asked
    assert (config.admins, config.channels, config.bot_username) == (frozenset(), (), None)
    assert config.digests_path == cfg.parent / "digests.yaml"


def test_blank_key_means_default(cfg: Path) -> None:
    cfg.write_text(
        'timezone: UTC\nschedule: {day_of_week: mon, time: "09:00"}\nadmins:\ndelivery:\n',
        encoding="utf-8",
    )
    config = load_config(cfg)
    assert (config.admins, config.delivery) == (frozenset(), Delivery())


def test_unknown_key_in_delivery(cfg: Path) -> None:
    edit(cfg, "  workers: 8", "  workerz: 8")
    err = error_of(cfg)
    assert err.key == "delivery.workerz"
    assert err.problem == "unknown key (allowed: claim_timeout_seconds, in_doubt, workers)"


def test_in_doubt_is_resend_or_skip(cfg: Path) -> None:
    edit(cfg, "  in_doubt: resend", "  in_doubt: skip")
    assert load_config(cfg).delivery.in_doubt == "skip"
    edit(cfg, "  in_doubt: skip", "  in_doubt: maybe")
    err = error_of(cfg)
    assert err.key == "delivery.in_doubt" and "resend" in err.problem and "skip" in err.problem


def test_booleans_are_not_numbers(cfg: Path) -> None:
    edit(cfg, "admins: []", "admins: [true]")
    assert str(error_of(cfg)).endswith("admins[0]: expected a number, got True")
    edit(cfg, "admins: [true]", "admins: []")
    edit(cfg, "workers: 8", "workers: 2.5")
    assert str(error_of(cfg)).endswith("delivery.workers: expected a whole number, got 2.5")


def test_bad_time_and_day(cfg: Path) -> None:
    edit(cfg, 'time: "09:00"', 'time: "25:00"')
    assert error_of(cfg).key == "schedule.time"
    edit(cfg, 'time: "25:00"', 'time: "09:00"')
    edit(cfg, "day_of_week: mon", "day_of_week: someday")
    assert error_of(cfg).key == "schedule.day_of_week"


def test_unquoted_time_is_understood(cfg: Path) -> None:
    edit(cfg, 'time: "09:00"', "time: 09:30")  # YAML 1.1 reads this as 570
    assert load_config(cfg).schedule.time == time(9, 30)


def test_unknown_timezone(cfg: Path) -> None:
    edit(cfg, "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    err = error_of(cfg)
    assert (err.key, "unknown timezone" in err.problem) == ("timezone", True)


def test_missing_main_file(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.yaml")
    assert err.problem == "file not found"


def test_missing_digest_file_is_left_to_content_loading(config_dir: Path, cfg: Path) -> None:
    edit(config_dir / "digests.yaml", "2024-04-15_ai-papers.txt", "missing.txt")
    entry = load_config(cfg).digests[1]  # the config itself is fine: only that digest fails
    assert entry.file == config_dir.parent / "content" / "missing.txt"


def test_overlong_digest_title(config_dir: Path, cfg: Path) -> None:
    edit(
        config_dir / "digests.yaml",
        "title: AI papers of the week (2024-04-15)",
        "title: " + "x" * 201,
    )
    err = error_of(cfg)
    assert (err.file, err.key) == (str(config_dir / "digests.yaml"), "[1].title")
    assert err.problem == "201 characters, at most 200 allowed"


def test_duplicate_digest_id(config_dir: Path, cfg: Path) -> None:
    edit(config_dir / "digests.yaml", "id: 2024-w16", "id: 2024-w09")
    err = error_of(cfg)
    assert err.key == "[1].id"
    assert "duplicate digest id '2024-w09'" in err.problem


def test_week_must_be_a_monday(config_dir: Path, cfg: Path) -> None:
    edit(config_dir / "digests.yaml", "week: 2024-04-15", "week: 2024-04-17")
    err = error_of(cfg)
    assert err.key == "[1].week"
    assert "not a Monday" in err.problem


def test_topics_errors(config_dir: Path, cfg: Path) -> None:
    edit(config_dir / "topics.yaml", "fallback: general", "fallback: nothing")
    assert error_of(cfg).key == "fallback"
    edit(config_dir / "topics.yaml", "fallback: nothing", "fallback: general")
    edit(config_dir / "topics.yaml", "  - id: code\n", "  - id: code\n    colour: red\n")
    err = error_of(cfg)
    assert err.file == str(config_dir / "topics.yaml")
    assert err.key.endswith(".colour")


def test_relative_paths_resolve_against_config_folder(config_dir: Path, cfg: Path) -> None:
    config = load_config(cfg)
    assert config.digests_path == config_dir / "digests.yaml"
    assert (
        config.digests[0].file == config_dir.parent / "content" / "2024-02-26_weekly-ai-papers.txt"
    )


def test_cli_reports_config_error_in_one_line(config_dir: Path, cfg: Path) -> None:
    edit(cfg, "admins: []", "admins: nobody")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"config error: {cfg}: admins: expected a list, got 'nobody'"
    assert "Traceback" not in result.stderr


def test_poll_hours_default_and_range(cfg: Path) -> None:
    assert load_config(cfg).poll_hours == 48.0
    shipped = cfg.read_text(encoding="utf-8")
    for value, hours in (("1.5", 1.5), ("0.001", 0.001)):
        cfg.write_text(shipped.replace("poll_hours: 48", f"poll_hours: {value}"), "utf-8")
        assert load_config(cfg).poll_hours == hours
    for wrong in ("0", "-3", "673", "soon"):
        cfg.write_text(shipped.replace("poll_hours: 48", f"poll_hours: {wrong}"), "utf-8")
        err = error_of(cfg)
        assert err.key == "poll_hours"
        if wrong != "soon":
            assert err.problem == "expected hours above 0 (at least one second), at most 672"
    cfg.write_text(shipped.replace("poll_hours: 48", "poll_hours:"), "utf-8")
    assert load_config(cfg).poll_hours == 48.0  # a blank key means the default
