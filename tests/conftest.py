"""Shared fixtures: the Bot API emulator, a database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), and the bot started through `python -m bot`'s own code path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.config import Settings, load_settings
from bot.logs import RedactingFilter
from bot.runner import Running, run
from storage.clock import ManualClock

if TYPE_CHECKING:
    from sandbox.emulator import BotApiEmulator

TOKEN = "123456789:AAE_test-token-for-the-emulator_0123456789"
PG_URL = os.environ.get("TEST_DATABASE_URL")
COORDINATOR_IDS = (9001, 9002)
COORDINATOR_CHAT_ID = -100900


# -- database ---------------------------------------------------------------------------------

@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for one test."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
        return
    import asyncpg

    name = f"t_{secrets.token_hex(6)}"
    admin_dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _db = PG_URL.rpartition("/")
    yield f"{base}/{name}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# -- logs -------------------------------------------------------------------------------------

class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if record.exc_text:
            text += "\n" + record.exc_text
        self.lines.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def captured_logs() -> Iterator[LogCapture]:
    handler = LogCapture()
    handler.addFilter(RedactingFilter((TOKEN,)))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


# -- emulator ---------------------------------------------------------------------------------

@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    from sandbox.emulator import BotApiEmulator

    emu = BotApiEmulator(token=TOKEN, bot_username="SecondOpinionTestBot")
    await emu.start(host="127.0.0.1", port=0)
    # The standing cast: two coordinators and their group (the ids bot_environ configures).
    first = emu.user(first_name="Coordinator One", user_id=COORDINATOR_IDS[0])
    second = emu.user(first_name="Coordinator Two", user_id=COORDINATOR_IDS[1])
    emu.group(title="Coordinators", members=[first, second], chat_id=COORDINATOR_CHAT_ID)
    try:
        yield emu
    finally:
        await emu.stop()
    refused = list(emu.bad_requests)
    assert not refused, f"the emulator refused requests Telegram would refuse: {refused}"


@dataclass
class Coordinators:
    first: Any
    second: Any
    group: Any


@pytest.fixture
def coordinators(emulator: BotApiEmulator) -> Coordinators:
    return Coordinators(emulator.get_user(COORDINATOR_IDS[0]),
                        emulator.get_user(COORDINATOR_IDS[1]),
                        emulator.get_group(COORDINATOR_CHAT_ID))


# -- the bot ----------------------------------------------------------------------------------

def bot_environ(emu: BotApiEmulator, data_dir: Path, database_url: str,
                **extra: str) -> dict[str, str]:
    env = {
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": emu.base_url,
        "BOT_API_FILE_URL": emu.base_file_url,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": "0",
        "COORDINATOR_IDS": ",".join(str(i) for i in COORDINATOR_IDS),
        "COORDINATOR_CHAT_ID": str(COORDINATOR_CHAT_ID),
        "EMERGENCY_NUMBER": "115",
        "SUPPORT_EMAIL": "care@example.org",
    }
    env.update(extra)
    return env


@dataclass
class BotHandle:
    """A bot started with `bot.runner.run`, exactly as `python -m bot` starts it."""

    settings: Settings
    clock: ManualClock
    running: Running | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def services(self) -> Any:
        assert self.running is not None
        return self.running.services

    @property
    def web_url(self) -> str:
        assert self.running is not None
        return f"http://127.0.0.1:{self.running.web_port}"

    async def start(self, timeout: float = 20) -> BotHandle:
        ready = asyncio.Event()

        async def on_ready(running: Running) -> None:
            self.running = running
            ready.set()

        self.stop = asyncio.Event()
        self.task = asyncio.create_task(run(self.settings, stop=self.stop, clock=self.clock,
                                            on_ready=on_ready))
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({waiter, self.task}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            waiter.cancel()
            self.task.result()  # raises what went wrong
            raise AssertionError("the bot stopped during start-up")
        if waiter not in done:
            raise AssertionError("the bot did not start in time")
        return self

    async def shutdown(self) -> None:
        self.stop.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, timeout=15)
            self.task = None
        self.running = None

    async def restart(self) -> BotHandle:
        await self.shutdown()
        return await self.start()


@pytest.fixture
def make_bot(emulator: BotApiEmulator, tmp_path: Path, database_url: str
             ) -> Iterator[Callable[..., BotHandle]]:
    handles: list[BotHandle] = []

    def factory(**extra: str) -> BotHandle:
        env = bot_environ(emulator, tmp_path / "data", database_url, **extra)
        handle = BotHandle(settings=load_settings(env), clock=ManualClock())
        handles.append(handle)
        return handle

    yield factory
    # Teardown of running handles happens in the async fixture below.
    for handle in handles:
        if handle.task is not None and not handle.task.done():
            handle.stop.set()


@pytest.fixture
async def bot(make_bot: Callable[..., BotHandle]) -> AsyncIterator[BotHandle]:
    handle = make_bot()
    await handle.start()
    try:
        yield handle
    finally:
        with contextlib.suppress(Exception):
            await handle.shutdown()
