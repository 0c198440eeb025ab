"""Engine, sessions and migrations. The only place that knows which database is behind the URL."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps


class Database:
    """An async engine and its session factory. Each repository call opens one transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer: serialising this process's write transactions here means a
        # read-then-write transaction never meets SQLITE_BUSY from a stale snapshot.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session, one transaction that may write: committed on success, else rolled back."""
        if self._write_lock is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """One read-only transaction (never blocks behind writers on SQLite's WAL)."""
        async with self._sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any driver error means "not ready"
            log.warning("database ping failed", exc_info=False)
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in free pages
    cur.close()


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def _upgrade(url: str) -> None:
    from alembic import command

    command.upgrade(_alembic_config(url), "head")


# -- is the database already at the newest revision? (without importing Alembic) --------------

_REVISION = re.compile(r"^revision\b[^=\n]*=\s*(.+)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


@cache
def head_revision() -> str | None:
    """The newest revision id, read from the migration scripts (importing Alembic costs ~0.3 s
    at every start). None when they do not name exactly one head: Alembic then decides, as it
    always did. A test checks this against Alembic's ``ScriptDirectory``."""
    return scripts_head(_MIGRATIONS / "versions")


def scripts_head(versions: Path) -> str | None:
    """The one head of the revision scripts in ``versions``, from their ``revision`` and
    ``down_revision`` lines; None for several heads, none, or a script not written that way."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        if script.name.startswith("_"):
            continue
        source = script.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        names = _QUOTED.findall(revision.group(1)) if revision else []
        if len(names) != 1 or down is None:
            return None
        revisions.add(names[0])
        parents.update(_QUOTED.findall(down.group(1)))
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


def _stamped(conn: Connection) -> set[str]:
    if not inspect(conn).has_table(_VERSION_TABLE):
        return set()
    rows = conn.execute(text("SELECT version_num FROM alembic_version"))
    return {str(value) for value in rows.scalars()}


async def database_revisions(url: str) -> set[str] | None:
    """The revision ids the database is stamped with (empty for a new database), or None when
    they cannot be read."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_stamped)
    except SQLAlchemyError as exc:
        log.debug("schema version not readable (%s); Alembic will check", type(exc).__name__)
        return None
    finally:
        await engine.dispose()


async def migrate(url: str) -> None:
    """Bring the schema to the newest revision (Alembic is the only source of the schema).
    A database already at the newest revision is left alone without importing Alembic."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    head = head_revision()
    if head is not None and await database_revisions(url) == {head}:
        log.debug("database at revision %s: nothing to migrate", head)
        return
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(_upgrade, url)
