"""Several instances starting at once on one database: migrations and ingestion serialise.

What the README's multi-instance start does: N processes run ``python -m bot ingest`` (or
start the bot, which migrates and ingests) at the same moment. Every one must succeed and
the store must hold each digest and topic once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Environment, load_config
from bot.store.db import make_engine, make_session_factory, migrate
from bot.store.models import Digest, Topic
from tests.conftest import ROOT

INSTANCES = 4


def _ingest_at_once(config_dir: Path, url: str) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest", "--config", str(config_dir / "bot.yaml")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(INSTANCES)
    ]
    done = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(run.args, run.returncode, out, err))
    return done


def _assert_store_consistent(config_dir: Path, url: str) -> None:
    config = load_config(config_dir / "bot.yaml", Environment(database_url=url))
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            digests = session.scalars(select(Digest.id)).all()
            topics = session.scalar(select(func.count(Topic.id)))
    finally:
        engine.dispose()
    assert sorted(digests) == sorted(entry.id for entry in config.digests)
    assert topics == len(config.taxonomy.topics)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_ingest_runs_all_succeed(
    backend: str, config_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    url = (
        f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    runs = _ingest_at_once(config_dir, url)
    assert [run.returncode for run in runs] == [0] * INSTANCES, [run.stderr for run in runs]
    added = [run for run in runs if "added: " in run.stdout]
    assert len(added) == 1, [run.stdout for run in runs]  # one ingested, the rest saw it done
    _assert_store_consistent(config_dir, url)


def test_concurrent_migrations_on_a_fresh_postgresql_schema(pg_url: str):
    engines = [make_engine(pg_url) for _ in range(INSTANCES)]
    try:
        with ThreadPoolExecutor(INSTANCES) as pool:
            applied = list(pool.map(migrate, engines))
    finally:
        for engine in engines:
            engine.dispose()
    assert sorted(applied) == [False] * (INSTANCES - 1) + [True]
