"""Command line: ``python -m bot [run|check [--show [ID|FILE]]|ingest|export|sandbox]``.

Admin subcommands work without a token. Every failure (bad config, missing or refused
token, unreachable database or Telegram) is one line on stderr and a non-zero exit; the
traceback only with ``-v``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import BotConfig, ConfigError, Environment, load_config
from bot.content import load_content, preview_file, preview_listed
from bot.domain.models import DigestParseError
from bot.domain.preview import DigestPreview, preview_text
from bot.domain.texts import plural
from bot.failures import database_password, explain_failure
from bot.logs import configure_logging
from bot.services.ingestion import sync_content
from bot.store.content_repo import export_store
from bot.store.db import make_engine, make_session_factory, migrate

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


log = logging.getLogger(__name__)


def cmd_check(config: BotConfig) -> int:
    """Validate config and content without touching the database."""
    result = load_content(config)
    print(f"config OK: {config.path}")
    print(
        f"schedule: {config.schedule.day_of_week} {config.schedule.time:%H:%M} "
        f"{config.timezone.key}"
    )
    total = 0
    for digest in result.digests:
        total += len(digest.papers)
        week = digest.week_start.isoformat() if digest.week_start else "no week"
        papers = plural(len(digest.papers), "paper", "papers")
        print(f"  {digest.entry.id}: {papers} ({week}) {digest.title}")
        for warning in digest.warnings:  # file:line: warning
            print(f"    warning: {warning}")
    for problem in result.problems:
        print(f"  problem: {problem}")
    warnings = sum(len(d.warnings) for d in result.digests)
    counts = (
        plural(len(result.digests), "digest", "digests"),
        plural(total, "paper", "papers"),
        plural(len(result.problems), "problem", "problems"),
        plural(warnings, "warning", "warnings"),
    )
    print(", ".join(counts))
    return EXIT_PROBLEMS if result.problems else 0


def cmd_check_show(config: BotConfig, key: str) -> int:
    """Every paper as it will be stored and posted: of the listed digest ``key`` (an id or
    its file), of a digest file not listed yet, or with an empty ``key`` of every listed
    digest. Exit 1 when a digest is refused, 2 when ``key`` names nothing."""
    if not key:
        result = load_content(config)
        for digest in result.digests:
            _print_preview(digest.preview())
        for problem in result.problems:
            print(f"problem: {problem}")
        return EXIT_PROBLEMS if result.problems else 0
    try:
        preview = preview_listed(config, key)
        if preview is None:
            path = Path(key).expanduser()
            if not path.is_file():
                print(
                    f"error: {key!r} is neither a digest id in {config.digests_path} "
                    "nor a digest file",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            preview = preview_file(config, path)
    except DigestParseError as exc:
        print(f"problem: {exc.file}:{exc.line}: {exc.problem} (refused)")
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"problem: {key}:1: cannot read: {exc.strerror} (refused)")
        return EXIT_PROBLEMS
    _print_preview(preview)
    return 0


def _print_preview(preview: DigestPreview) -> None:
    print("\n".join(preview_text(preview)), end="\n\n")


def cmd_ingest(config: BotConfig) -> int:
    """Load config and content into the store and say what changed."""
    report = sync_content(config)
    for line in report.lines():
        print(line)
    return EXIT_PROBLEMS if report.problems else 0


def cmd_export(config: BotConfig) -> int:
    """Print the whole store as JSON (the backup format)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        data = export_store(make_session_factory(engine))
    finally:
        engine.dispose()
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_run(config: BotConfig, env: Environment) -> int:
    """Run the bot (polling, or webhook when WEBHOOK_URL is set)."""
    if not env.token:
        print("error: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)", file=sys.stderr)
        return EXIT_USAGE
    from bot.app import run_bot  # telegram is only needed for running

    return run_bot(config, env)


def cmd_sandbox(config: BotConfig, env: Environment, database: str | None) -> int:
    """The bot against a local fake Bot API, with a chat in the terminal, on its own
    temporary database unless ``database`` names one."""
    from bot.sandbox.terminal import run_sandbox

    return run_sandbox(config, env, database)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m bot``; options go before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        help="main config file (default: $BOT_CONFIG or config/bot.yaml)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot", description=__doc__.splitlines()[0], parents=[common]
    )
    sub = parser.add_subparsers(dest="command")
    commands = {
        "run": "run the bot (default)",
        "check": "validate config and content; non-zero exit on problems",
        "ingest": "load config and content into the store",
        "export": "print the store as JSON",
        "sandbox": "try the bot in the terminal against a local fake Telegram",
    }
    for name, text in commands.items():
        sub.add_parser(name, help=text, parents=[common])
    sub.choices["check"].add_argument(
        "--show",
        nargs="?",
        const="",
        default=None,
        metavar="ID|FILE",
        help="print every paper as it will be stored and posted: of one listed digest (id "
        "or file), of a file not listed yet, or of every listed digest",
    )
    sub.choices["sandbox"].add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="database to use (default: a temporary one; never the configured store)",
    )
    return parser


EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE (128 + 13)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        # the reader went away (``check --show | head``): that is no error worth a traceback;
        # point stdout at devnull so the interpreter's final flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    redactor = configure_logging(verbose)
    # python-telegram-bot 22: durations (RetryAfter.retry_after) as timedeltas, no warnings
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        env = Environment.from_environ()
        config_path = getattr(args, "config", None)
        config = load_config(Path(config_path) if config_path else None, env)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    redactor.add(secrets_of(config, env))
    try:
        return run_command(args, config, env)
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly, this is no start-up failure
    except Exception as exc:  # the top: every start-up failure becomes one line
        if verbose:
            log.exception("start-up failed")
        setting = "DATABASE_URL" if env.database_url else f"database in {config.path}"
        line = explain_failure(exc, config.database_url, setting)
        print(f"error: {redactor.redact(line)}", file=sys.stderr)
        return EXIT_PROBLEMS


def secrets_of(config: BotConfig, env: Environment) -> list[str | None]:
    """What must never reach the logs: the token, its secret half, the webhook secret, the
    database password (a derived webhook secret is added by :func:`bot.app.run_bot`)."""
    token = env.token or ""
    return [
        token,
        token.partition(":")[2],
        env.webhook_secret,
        database_password(config.database_url),
    ]


def run_command(args: argparse.Namespace, config: BotConfig, env: Environment) -> int:
    """Dispatch one subcommand; failures propagate to :func:`main`."""
    command = args.command or "run"
    if command == "check" and getattr(args, "show", None) is not None:
        return cmd_check_show(config, args.show)
    if command == "check":
        return cmd_check(config)
    if command == "ingest":
        return cmd_ingest(config)
    if command == "export":
        return cmd_export(config)
    if command == "sandbox":
        return cmd_sandbox(config, env, args.db)
    return cmd_run(config, env)
