"""The migration check at start-up: a database already at the newest revision is left alone
without importing Alembic; an empty or outdated one is still brought to the newest revision
by Alembic; the head read from the scripts is Alembic's own."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import (
    _alembic_config,
    database_revisions,
    head_revision,
    migrate,
    scripts_head,
)

ROOT = Path(__file__).resolve().parents[2]


def test_head_read_from_the_scripts_is_alembics_head():
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads()
    assert heads == [head_revision()]


def _script(directory: Path, name: str, revision: str, down: str) -> None:
    (directory / f"{name}.py").write_text(
        f'"""{name}"""\n\nrevision: str = {revision!s}\ndown_revision: str | None = {down!s}\n'
        "branch_labels = None\n")


def test_scripts_head_gives_up_when_alembic_must_decide(tmp_path):
    _script(tmp_path, "a", "'a1'", "None")
    _script(tmp_path, "b", '"b2"', "'a1'")
    assert scripts_head(tmp_path) == "b2"
    _script(tmp_path, "c", "'c3'", "'a1'")  # a branch: two heads
    assert scripts_head(tmp_path) is None
    _script(tmp_path, "d", "'d4'", "('b2', 'c3')")  # the merge: one head again
    assert scripts_head(tmp_path) == "d4"
    _script(tmp_path, "e", "'e5'", "'zz'")  # a parent no script has
    assert scripts_head(tmp_path) is None
    (tmp_path / "e.py").write_text("revision = make_id()\ndown_revision = 'd4'\n")
    assert scripts_head(tmp_path) is None


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(database_url: str) -> str:
    """The shared fixture's fresh database, its SQLite folder made (as `migrate` does)."""
    if database_url.startswith("sqlite"):
        Path(database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    return database_url


async def test_empty_database_is_migrated(database_url):
    assert await database_revisions(database_url) == set()  # no alembic_version table yet
    await migrate(database_url)
    assert await database_revisions(database_url) == {head_revision()}
    assert {"patients", "cases", "records", "reminders", "alembic_version"} <= await _tables(
        database_url)


async def test_outdated_database_is_migrated(database_url):
    from alembic import command
    from alembic.script import ScriptDirectory

    head = head_revision()
    assert head is not None
    scripts = ScriptDirectory.from_config(_alembic_config(database_url))
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    await asyncio.to_thread(command.upgrade, _alembic_config(database_url), previous)
    assert await database_revisions(database_url) == {previous}
    await migrate(database_url)
    assert await database_revisions(database_url) == {head}


async def test_unknown_revision_still_goes_to_alembic(database_url):
    """A database stamped with a revision these scripts do not know (a newer release's) is not
    taken as current: Alembic refuses it, as before."""
    from alembic.util import CommandError

    await migrate(database_url)
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    finally:
        await engine.dispose()
    with pytest.raises(CommandError):
        await migrate(database_url)


_CHECK = """
import asyncio, sys
from storage.db import migrate
asyncio.run(migrate(sys.argv[1]))
print(sorted(m for m in sys.modules if m == "alembic" or m.startswith("alembic.")))
"""


def _fresh_process_migrate(url: str) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _CHECK, url], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


async def test_current_database_skips_alembic(database_url):
    """In a fresh process, as at start-up: Alembic runs for the empty database, and is not
    even imported once the database is at the newest revision."""
    first = await asyncio.to_thread(_fresh_process_migrate, database_url)
    assert "'alembic'" in first and "'alembic.command'" in first
    assert await database_revisions(database_url) == {head_revision()}
    again = await asyncio.to_thread(_fresh_process_migrate, database_url)
    assert again == "[]"
    assert await database_revisions(database_url) == {head_revision()}
