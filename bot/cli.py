"""Command line: ``python -m bot [run|check [--show [ID|FILE]]|ingest|export|backup FILE|
restore FILE|move-to URL|sandbox]``.

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
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import BotConfig, ConfigError, Environment, load_config
from bot.content import load_content, preview_file, preview_listed
from bot.domain.models import DigestParseError
from bot.domain.preview import DigestPreview, preview_text
from bot.domain.texts import plural
from bot.failures import database_password, explain_failure
from bot.logs import configure_logging
from bot.services.ingestion import sync_content
from bot.store.backup import (
    BackupError,
    BackupFile,
    NotEmpty,
    restore_backup,
    row_counts,
    write_backup,
)
from bot.store.content_repo import export_store
from bot.store.db import make_engine, make_session_factory, migrate, normalise_database_url

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
    """Print the content of the store (digests and their papers) as JSON: for other tools,
    not a backup (``backup`` keeps subscriptions, reading lists and the ledger too)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        data = export_store(make_session_factory(engine))
    finally:
        engine.dispose()
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_backup(config: BotConfig, file: str) -> int:
    """Write the whole store plus the config and digest files to ``file`` (``-``: stdout)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        if file == "-":
            counts = write_backup(engine, sys.stdout, config_files(config))
        else:
            path = Path(file).expanduser()
            # written beside the target, then renamed: an old backup is never half replaced
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
            ) as out:
                try:
                    counts = write_backup(engine, out, config_files(config))
                except BaseException:
                    os.unlink(out.name)
                    raise
            os.replace(out.name, path)
    finally:
        engine.dispose()
    tables = plural(len(counts.rows), "table", "tables")
    summary = (
        f"backup written: {file} ({plural(counts.total, 'row', 'rows')} in {tables}, "
        f"{plural(counts.files, 'file', 'files')})"
    )
    print(summary, file=sys.stderr if file == "-" else sys.stdout)
    return 0


def config_files(config: BotConfig) -> list[BackupFile]:
    """The config and digest files as text, paths relative to the folder above config/."""
    root = config.path.parent.parent
    paths = [config.path, config.digests_path, config.topics_path]
    paths += [entry.file for entry in config.digests]
    files: dict[str, BackupFile] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:  # a missing digest is check's problem
            log.warning("backup: %s left out: %s", path, exc)
            continue
        name = Path(os.path.relpath(path, root)).as_posix()
        files[name] = BackupFile(name, text)
    return list(files.values())


def cmd_restore(config: BotConfig, file: str, replace: bool, files_dir: str | None) -> int:
    """Load a backup into the configured database (empty unless ``replace``); with
    ``files_dir`` also write the config and digest files it carries there."""
    try:
        source = open(file, encoding="utf-8") if file != "-" else sys.stdin  # noqa: SIM115
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        counts, carried = restore_backup(engine, source, replace=replace)
    except NotEmpty as exc:
        print(
            f"error: {describe_url(config)}: {exc}: restore into an empty database, or add "
            "--replace to delete what it holds",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    except BackupError as exc:
        print(f"error: {file}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        engine.dispose()
        if source is not sys.stdin:
            source.close()
    print(f"restored {plural(counts.total, 'row', 'rows')} into {describe_url(config)}:")
    for table, count in counts.rows.items():
        print(f"  {table}: {count}")
    if files_dir is not None:
        return write_files(Path(files_dir).expanduser(), carried, replace)
    if carried:
        what = plural(len(carried), "config and digest file", "config and digest files")
        print(f"the backup also holds {what}: add --files DIR to write them")
    return 0


def write_files(folder: Path, files: list[BackupFile], replace: bool) -> int:
    """Write the files a backup carries under ``folder`` (never outside it)."""
    code = 0
    for item in files:
        path = (folder / item.path).resolve()
        if not path.is_relative_to(folder.resolve()):
            print(f"  skipped {item.path}: outside {folder}")
            code = EXIT_PROBLEMS
            continue
        if path.exists() and not replace:
            print(f"  kept {path}: it exists (--replace overwrites)")
            code = EXIT_PROBLEMS
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.text, encoding="utf-8")
        print(f"  wrote {path}")
    return code


def describe_url(config: BotConfig) -> str:
    """The configured database, without its password."""
    return make_url(normalise_database_url(config.database_url)).render_as_string(
        hide_password=True
    )


def cmd_move_to(config: BotConfig, target_url: str) -> int:
    """Copy the configured store into an empty database at ``target_url`` (backup and restore
    in one step), check the rows per table, and say which DATABASE_URL to set."""
    try:
        target_parsed = make_url(normalise_database_url(target_url))
    except ArgumentError:
        print(
            f"error: {target_url!r} is not a database URL (postgresql://user:password@host/db)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    source_parsed = make_url(normalise_database_url(config.database_url))
    if target_parsed == source_parsed:
        print("error: that is the database the bot uses already", file=sys.stderr)
        return EXIT_USAGE
    source = make_engine(config.database_url)
    target = make_engine(target_url)
    try:
        migrate(source)
        migrate(target)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            written = write_backup(source, spool)
            spool.seek(0)
            try:
                restore_backup(target, spool)
            except NotEmpty as exc:
                print(
                    f"error: {target_parsed.render_as_string(hide_password=True)}: {exc}: "
                    "move-to copies into an empty database only",
                    file=sys.stderr,
                )
                return EXIT_PROBLEMS
        copied = row_counts(target)
    finally:
        source.dispose()
        target.dispose()
    shown = target_parsed.render_as_string(hide_password=True)
    print(f"copied {describe_url(config)} → {shown}:")
    for table, count in written.rows.items():
        mark = "ok" if copied.get(table) == count else f"MISMATCH: {copied.get(table)} there"
        print(f"  {table}: {count} ({mark})")
    if copied != written.rows:
        print("error: the row counts differ; the bot's store is unchanged", file=sys.stderr)
        return EXIT_PROBLEMS
    print("\nStop the bot, then start it with the new store:")
    print(f"  DATABASE_URL={target_url}")
    print("(or `database:` in bot.yaml); the SQLite file is left as it was.")
    return 0


def cmd_run(config: BotConfig, env: Environment) -> int:
    """Run the bot (polling, or webhook when WEBHOOK_URL is set)."""
    if not env.token:
        print("error: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)", file=sys.stderr)
        return EXIT_USAGE
    from bot.app import run_bot  # telegram is only needed for running

    return run_bot(config, env)


def cmd_sandbox(config: BotConfig, env: Environment, database: str | None, keep: str | None) -> int:
    """The bot against a local fake Bot API, with a chat in the terminal, on its own copy
    of config/ and content/ (in ``keep``, else a temporary folder) and its own temporary
    database unless ``database`` names one."""
    from bot.sandbox.terminal import run_sandbox

    return run_sandbox(config, env, database, Path(keep).expanduser() if keep else None)


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
        "export": "print the content (digests and papers) as JSON; not a backup",
        "backup": "write everything (users' state, ledger, content, config) to a file",
        "restore": "load a backup into the configured (empty) database",
        "move-to": "copy the store into an empty database (e.g. PostgreSQL) in one step",
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
    sub.choices["backup"].add_argument("file", metavar="FILE", help="where to write (- for stdout)")
    restore = sub.choices["restore"]
    restore.add_argument("file", metavar="FILE", help="a file written by backup (- for stdin)")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="delete what the database holds first (and overwrite files with --files)",
    )
    restore.add_argument(
        "--files", metavar="DIR", default=None, help="also write the backup's config/content here"
    )
    sub.choices["move-to"].add_argument(
        "url", metavar="URL", help="the empty database, e.g. postgresql://bot:PASSWORD@host/bot"
    )
    sub.choices["sandbox"].add_argument(
        "--keep",
        default=None,
        metavar="DIR",
        help="make the sandbox's copy of config/ and content/ in DIR and keep it",
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
    if command == "backup":
        return cmd_backup(config, args.file)
    if command == "restore":
        return cmd_restore(config, args.file, args.replace, args.files)
    if command == "move-to":
        return cmd_move_to(config, args.url)
    if command == "sandbox":
        return cmd_sandbox(config, env, args.db, args.keep)
    return cmd_run(config, env)
