"""Shared fixtures: database URLs for SQLite and PostgreSQL, config copies, engines."""

from __future__ import annotations

import os
import runpy
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import BotApp
from bot.config import BotConfig, Environment, load_config
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.store.db import make_engine, make_session_factory, migrate

ROOT = Path(__file__).resolve().parent.parent
CLOCK_AHEAD = Path(__file__).resolve().parent / "clock_ahead"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_HOWTO = (
    "PostgreSQL not reachable at {url}: start a server on 127.0.0.1:5432 with a database "
    "'test' (trust auth) or set TEST_DATABASE_URL to enable the PostgreSQL tests"
)


def pytest_configure(config: pytest.Config) -> None:
    """As ``python -m bot`` does: PTB durations as timedeltas (no deprecation warnings).

    ``TEST_CLOCK_AHEAD_DAYS=N`` runs the whole session, and every process it starts, with
    the wall clock N days ahead (``tests/clock_ahead/sitecustomize.py``). CI runs the suite
    once more a year ahead, so a test that depends on today's date fails there.
    """
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    if os.environ.get("TEST_CLOCK_AHEAD_DAYS"):
        # the processes tests start (bots, ingest, check) import it at start-up too
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(CLOCK_AHEAD), os.environ.get("PYTHONPATH")])
        )
        runpy.run_path(str(CLOCK_AHEAD / "sitecustomize.py"))  # and this process


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "no server here"
        return f"{PG_HOWTO.format(url=PG_URL)} ({type(exc).__name__})"
    return None


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The PostgreSQL URL; skips on a newcomer's machine, fails under CI=true."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return PG_URL


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_base_url else "?"
    yield f"{pg_base_url}{sep}options=-csearch_path%3D{schema},public"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on the parametrised database."""
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory on the migrated engine."""
    return make_session_factory(engine)


EXAMPLE_ENTRY = "\n# An example written for the bot"  # config/digests.yaml's last entry


@pytest.fixture
def config_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A private copy of config/ and content/ that a test may edit: the three seed digests,
    without the bundled ``example`` digest (most tests count on the seeds alone) unless
    the test is marked ``@pytest.mark.bundled``."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    if request.node.get_closest_marker("bundled") is None:
        listing = tmp_path / "config" / "digests.yaml"
        text = listing.read_text(encoding="utf-8")
        if EXAMPLE_ENTRY in text:
            listing.write_text(text[: text.index(EXAMPLE_ENTRY) + 1], encoding="utf-8")
    return tmp_path / "config"


@pytest.fixture
def config(config_dir: Path, db_url: str) -> BotConfig:
    """The project's config (copied) pointing at the parametrised database."""
    return load_config(config_dir / "bot.yaml", Environment(database_url=db_url))


# --------------------------------------------------------------------------- end to end

ADMIN_ID = 4242


def edit_bot_yaml(config_dir: Path, **changes: object) -> None:
    """Change keys of the copied config/bot.yaml (e.g. admins, schedule)."""
    path = config_dir / "bot.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def e2e_config(config_dir: Path, tmp_path: Path) -> BotConfig:
    """The project's config on a fresh SQLite file, with one bot admin (``ADMIN_ID``)."""
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    return load_config(config_dir / "bot.yaml", Environment(database_url=url))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API on 127.0.0.1."""
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot_app(e2e_config: BotConfig, api: FakeBotApi) -> AsyncIterator[BotApp]:
    """The real bot, polling the fake API, with the seed content ingested."""
    async with running_bot(e2e_config, api) as application:
        yield application
