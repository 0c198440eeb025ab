"""Sandbox mode: ``python -m bot`` without ``BOT_TOKEN``.

The bot runs, unchanged, against the project's own Bot API emulator (started in this process
on a free loopback port), and its web server serves a Telegram-like chat page at ``/sandbox``
(:mod:`sandbox.webchat`) where a person plays the simulated patients and the coordinator.

Nothing to configure: the runner gets a fixed fake token, the emulator's URLs, and coordinator
ids that match the simulated coordinator and group created here (an operator's
``COORDINATOR_IDS`` / ``COORDINATOR_CHAT_ID`` are ignored, as are ``DATABASE_URL``, the webhook
and the secrets). Sandbox data lives in ``DATA_DIR/sandbox`` only: its own SQLite database and
records, never mixed with real data.

The emulated Telegram lives in memory, so the sandbox starts fresh every time: its folder is
cleared at start (a database that remembers update and message ids the new emulator reuses
would not make sense), and a reset (:meth:`Sandbox.request_reset`, the page's reset button)
stops the bot, clears the emulator's world and the sandbox folder, and starts the bot again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.config import Settings
from bot.runner import Running, run
from sandbox.emulator import BotApiEmulator
from storage.clock import Clock

__all__ = [
    "BOT_NAME",
    "BOT_USERNAME",
    "CAST",
    "COORDINATOR_GROUP_ID",
    "SANDBOX_TOKEN",
    "Person",
    "Sandbox",
    "run_sandbox",
    "sandbox_settings",
]

log = logging.getLogger(__name__)

#: A fake token: only the in-process emulator knows it.
SANDBOX_TOKEN = "4242424242:SANDBOX_no-real-bot-behind-this-token"  # noqa: S105
BOT_USERNAME = "SecondOpinionSandboxBot"
BOT_NAME = "Second Opinion"
COORDINATOR_GROUP_ID = -1007001
COORDINATOR_GROUP_TITLE = "Coordinators"
#: Files the sandbox folder keeps across resets: the generated secrets.
_KEEP = frozenset({"ENCRYPTION_KEYS", "LINK_SECRET"})


@dataclass(frozen=True)
class Person:
    """Someone the page lets you play."""

    key: str
    label: str
    first_name: str
    last_name: str
    language_code: str
    user_id: int
    phone: str
    role: Literal["patient", "coordinator"]


CAST: tuple[Person, ...] = (
    Person("lan", "Lan (vi)", "Lan", "Nguyễn", "vi", 710_001, "+84901000001", "patient"),
    Person("ann", "Ann (en)", "Ann", "Miller", "en", 710_002, "+84901000002", "patient"),
    Person("minh", "Minh (vi)", "Minh", "Trần", "vi", 710_003, "+84901000003", "patient"),
    Person("hoa", "Hoa (coordinator)", "Hoa", "Phạm", "en", 790_001, "+84901000009",
           "coordinator"),
)


def coordinator_ids() -> tuple[int, ...]:
    return tuple(p.user_id for p in CAST if p.role == "coordinator")


def sandbox_settings(base: Settings, emulator: BotApiEmulator) -> Settings:
    """The settings the bot runs with in sandbox mode (the operator's ``base`` otherwise)."""
    return base.model_copy(update={
        "BOT_TOKEN": SANDBOX_TOKEN,
        "BOT_API_URL": emulator.base_url,
        "BOT_API_FILE_URL": emulator.base_file_url,
        "DATA_DIR": base.DATA_DIR / "sandbox",
        "DATABASE_URL": None,  # always SQLite in DATA_DIR/sandbox, never the real database
        "COORDINATOR_IDS": coordinator_ids(),
        "COORDINATOR_CHAT_ID": COORDINATOR_GROUP_ID,
        "WEBHOOK_URL": None,
        "WEBHOOK_SECRET": None,
        "ENCRYPTION_KEYS": (),  # the sandbox's own, generated into DATA_DIR/sandbox
        "LINK_SECRET": None,
    })


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _wipe(folder: Path) -> None:
    """Empty the sandbox folder (the generated secrets stay)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.name in _KEEP:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _page_url(settings: Settings, port: int) -> str:
    if settings.PUBLIC_BASE_URL:
        return f"{settings.public_base_url}/sandbox"
    host = settings.WEB_HOST
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/sandbox"


class Sandbox:
    """The emulator, the simulated people, and the bot restarted on each reset."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.base_settings = settings
        self.clock = clock
        self.emulator = BotApiEmulator(token=SANDBOX_TOKEN, bot_username=BOT_USERNAME,
                                       bot_name=BOT_NAME, keep_requests=False)
        self.settings: Settings | None = None
        self.running: Running | None = None
        #: Counts the bot's starts: the page reloads when it changes (after a reset), or when
        #: the instance does (another process).
        self.generation = 0
        self.instance = secrets.token_hex(4)
        self.url = ""
        self._reset = asyncio.Event()
        self._announced = False
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def data_dir(self) -> Path:
        return self.base_settings.DATA_DIR / "sandbox"

    @property
    def ready(self) -> bool:
        return self.running is not None

    def request_reset(self) -> None:
        """Stop the world: the bot stops, everything is cleared, and it starts fresh."""
        log.info("sandbox: reset requested")
        self._reset.set()

    def populate(self) -> None:
        """The simulated people: patients, a coordinator, and the coordinators' group."""
        emulator = self.emulator
        people = {p.key: emulator.user(p.first_name, last_name=p.last_name,
                                       language_code=p.language_code, user_id=p.user_id)
                  for p in CAST}
        emulator.group(COORDINATOR_GROUP_TITLE,
                       [people[p.key] for p in CAST if p.role == "coordinator"],
                       chat_id=COORDINATOR_GROUP_ID)

    def cast(self) -> dict[str, Any]:
        """What the page shows: every chat you can play, the bot, and the generation."""
        known = {p.user_id: p for p in CAST}
        chats: list[dict[str, Any]] = []
        for person in self.emulator.users:
            role = known[person.id].role if person.id in known else "patient"
            label = (known[person.id].label if person.id in known
                     else f"{person.first_name} ({person.language_code or 'en'})")
            phone = known[person.id].phone if person.id in known else f"+8490{person.id:07d}"
            chats.append({"key": f"u{person.id}", "title": label, "kind": "private",
                          "role": role, "chat_id": person.chat_id, "actor_id": person.id,
                          "actor_name": person.first_name,
                          "language_code": person.language_code or "en", "phone": phone})
        for group in self.emulator.groups:
            members = [m for m in group.member_ids if m in known]
            actor = members[0] if members else (group.member_ids or [0])[0]
            chats.append({"key": f"g{-group.id}", "title": group.title, "kind": "group",
                          "role": "coordinator", "chat_id": group.id, "actor_id": actor,
                          "actor_name": known[actor].first_name if actor in known else "",
                          "language_code": known[actor].language_code if actor in known
                          else "en", "phone": known[actor].phone if actor in known else ""})
        order = {"patient": 0, "coordinator": 1}
        chats.sort(key=lambda c: (order[c["role"]], c["kind"] == "group"))
        bot = self.emulator.world.bot
        return {"instance": self.instance, "generation": self.generation, "ready": self.ready,
                "bot": {"id": bot.id, "name": bot.first_name, "username": bot.username},
                "chats": chats}

    # ----------------------------------------------------------------- in the background

    async def start(self, timeout: float = 30.0) -> Sandbox:  # noqa: ASYNC109
        """Run in a background task until :meth:`stop`; return once the bot is ready."""
        if self._task is not None:
            raise RuntimeError("the sandbox is already running")
        self._stop = asyncio.Event()
        ready = asyncio.Event()
        self._task = asyncio.create_task(self.run(stop=self._stop,
                                                  on_ready=lambda _sandbox: ready.set()))
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({self._task, waiter}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self._task.done():
                task, self._task = self._task, None
                task.result()  # raises what went wrong
            await self.stop()
            raise TimeoutError(f"the sandbox did not start within {timeout:g} s")
        return self

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self._stop.set()
            await task

    async def wait_ready(self, generation: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the bot of ``generation`` (or a later one) is ready (after a reset)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (self.generation >= generation and self.ready):
            if loop.time() > deadline:
                raise TimeoutError(f"the sandbox was not ready within {timeout:g} s")
            await asyncio.sleep(0.05)

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- running

    async def run(self, *, stop: asyncio.Event,
                  on_ready: Callable[[Sandbox], Any] | None = None,
                  announce: Callable[[str], None] | None = None) -> None:
        """Run until ``stop`` is set, restarting the bot on each reset. ``announce`` gets the
        page's address once; ``on_ready`` is called (and awaited if it returns an awaitable)
        after each (re)start."""
        base = self.base_settings
        if base.DATABASE_URL:
            log.info("sandbox: DATABASE_URL is not used; the sandbox keeps its own SQLite "
                     "database in DATA_DIR/sandbox")
        if base.COORDINATOR_IDS or base.COORDINATOR_CHAT_ID is not None:
            log.info("sandbox: COORDINATOR_IDS and COORDINATOR_CHAT_ID are not used; the "
                     "sandbox has its own simulated coordinator and group")
        if base.WEB_PORT == 0:  # one port for every restart, so the page keeps working
            base = base.model_copy(update={"WEB_PORT": _free_port(base.WEB_HOST)})
        await self.emulator.start(host="127.0.0.1", port=0)
        settings = self.settings = sandbox_settings(base, self.emulator)
        self.url = _page_url(settings, settings.WEB_PORT)
        try:
            while not stop.is_set():
                await self._run_once(settings, stop, on_ready, announce)
                if not stop.is_set():
                    log.info("sandbox: starting fresh")
        finally:
            await self.emulator.stop()

    async def _run_once(self, settings: Settings, stop: asyncio.Event,
                        on_ready: Callable[[Sandbox], Any] | None,
                        announce: Callable[[str], None] | None) -> None:
        """Clear everything, start the bot, and run it until ``stop`` or a reset."""
        from sandbox.webchat import WebChat

        await asyncio.to_thread(_wipe, self.data_dir)
        self.emulator.reset()
        self.populate()
        self._reset.clear()
        self.generation += 1

        async def started(running: Running) -> None:
            self.running = running
            log.info("sandbox ready: open %s", self.url)
            if announce is not None and not self._announced:
                self._announced = True
                announce(self.url)
            if on_ready is not None:
                result = on_ready(self)
                if asyncio.iscoroutine(result):
                    await result

        bot_stop = asyncio.Event()
        bot = asyncio.create_task(run(settings, stop=bot_stop, clock=self.clock,
                                      on_ready=started,
                                      setup_web=lambda app: WebChat(self).install(app)),
                                  name="sandbox-bot")
        stopping = asyncio.create_task(stop.wait())
        resetting = asyncio.create_task(self._reset.wait())
        try:
            await asyncio.wait({bot, stopping, resetting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            resetting.cancel()
            bot_stop.set()
            try:
                await bot
            finally:
                self.running = None
        if not (stop.is_set() or self._reset.is_set()):
            raise RuntimeError("the sandbox's bot stopped on its own")


async def run_sandbox(settings: Settings, *, stop: asyncio.Event,
                      announce: Callable[[str], None] | None = None) -> None:
    """``python -m bot`` without a token: the sandbox until ``stop`` is set."""
    await Sandbox(settings).run(stop=stop, announce=announce)
