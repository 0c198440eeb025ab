"""The crash harness: one Bot API emulator, one DATA_DIR and one database for a whole run, and
``python -m bot`` as a real process that is killed with SIGKILL and restarted, again and again.

There are no crash hooks in the bot. A named point is reached by watching the bot from the
outside: the emulator's request log is replaced by a list that calls the harness the moment a
request arrives (before the emulator answers it), and the emulator's table of file paths by a
mapping that does the same when the bot starts a file download. So "kill while the outbox's
sendMessage is in flight" is: inject a ``delay`` on sendMessage, and SIGKILL the process the
instant that request reaches the emulator. The emulator still completes a request whose sender
died (as Telegram would), so a kill at a send point can legitimately leave one duplicate.

After every kill the bot is restarted and the invariants are checked (`CrashHarness.check`):

1. every record the patient was told was received ("Received and stored safely", or "you've
   already sent this exact file") is in the database, its blob decrypts with the keys in
   DATA_DIR, and its SHA-256 and bytes equal what the patient sent;
2. a draft is submitted at most once: no case the patient did not submit, no second case, every
   number shown to the patient is that case's number, and after recovery a patient who pressed
   Submit is shown it; exactly one coordinators' alert per submitted case;
3. after recovery every outbox row ends ``sent`` (or ``unreachable`` for a blocked chat) within a
   bounded time; none stays pending or ends ``failed``; every ``sent`` row reached its chat, and
   no row reached it more often than once plus the kills that hit its send in flight;
4. no reminder lost: every due reminder ends ``sent`` (or ``cancelled``/``missed`` by its
   handler's rules) and its patient got its message once, or twice at most when a kill hit its
   send point;
5. the bot answers after the restart (a canary patient's /status, and each cycle's own patient
   continuing where it was).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.config import encryption_keys, load_settings
from storage.clock import SystemClock
from storage.db import Database
from storage.models import Case, OutboxMessage, Patient, Record, Reminder
from storage.records import RecordStore
from tests.conftest import COORDINATOR_CHAT_ID, COORDINATOR_IDS, TOKEN, bot_environ
from tests.processes import BotProcess

if TYPE_CHECKING:
    from sandbox.emulator import BotApiEmulator, SimulatedUser

# What the bot says (English), as the patient sees it.
RECEIVED = "Received and stored safely"
DUPLICATE = "already sent this exact file"
ALBUM_RECEIVED = re.compile(r"Received (\d+) files? and stored")
ALBUM_DUPLICATE = re.compile(r"(\d+) files? (?:was|were) already in your case")
SUBMITTED = "has been sent"
ALREADY_SUBMITTED = "Your case was already sent"
STATUS_TITLE = "My case"
ERROR_REPLY = "something went wrong on my side"
DOWNLOAD_FAILED = "couldn't download this file"

Match = Callable[[str, dict[str, Any]], bool]


class HarnessError(Exception):
    """The harness itself could not go on (not a finding about the bot)."""


# -- the ledger: what the patients did and were told -------------------------------------------

@dataclass(eq=False)
class Upload:
    patient: SimulatedUser
    data: bytes
    sha256: str
    message_id: int
    seq: int
    label: str
    name: str = "file"
    mime: str | None = None
    album: str | None = None
    #: For a file never acknowledged, what recovery found: "stored" (the patient was just not
    #: told) or "lost" (it died with the process; the patient sends it again).
    fate: str | None = None


@dataclass
class Kill:
    cycle: int
    label: str
    reason: str
    since_spawn: float
    missed: bool = False
    hits: list[int] = field(default_factory=list)  # outbox rows whose send was in flight
    duplicates: int = 0  # extra deliveries observed for those rows


@dataclass
class Violation:
    cycle: int
    label: str
    invariant: str
    detail: str

    def __str__(self) -> str:
        return f"cycle {self.cycle} ({self.label}) invariant {self.invariant}: {self.detail}"


@dataclass
class FaultResult:
    name: str
    seconds: float
    summary: str
    recovery: float | None = None


@dataclass
class Figures:
    started: float = field(default_factory=time.monotonic)
    cycles: Counter[str] = field(default_factory=Counter)
    kills: list[Kill] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    polling_s: list[float] = field(default_factory=list)
    answer_s: list[float] = field(default_factory=list)
    drain_s: list[float] = field(default_factory=list)
    shutdown_s: list[float] = field(default_factory=list)
    faults: list[FaultResult] = field(default_factory=list)
    timeout_duplicates: int = 0
    spawns: int = 0
    notes: list[str] = field(default_factory=list)
    # filled by the final check
    uploads: Counter[str] = field(default_factory=Counter)
    submits: Counter[str] = field(default_factory=Counter)
    outbox: Counter[str] = field(default_factory=Counter)
    reminders: Counter[str] = field(default_factory=Counter)
    orphan_blobs: int = 0
    refused: list[str] = field(default_factory=list)
    log_errors: int = 0
    database: str = ""


# -- taps on the emulator ---------------------------------------------------------------------

class _RequestTap(list[tuple[str, dict[str, Any]]]):
    """The emulator's request log, calling back on every request as it arrives."""

    def __init__(self, on_request: Callable[[str, dict[str, Any]], None]) -> None:
        super().__init__()
        self._on_request = on_request

    def append(self, item: tuple[str, dict[str, Any]]) -> None:
        super().append(item)
        self._on_request(*item)


class _DownloadTap(dict[str, str]):
    """The emulator's file_path -> file_id table, calling back when a download starts."""

    def __init__(self, data: dict[str, str], on_download: Callable[[str], None]) -> None:
        super().__init__(data)
        self._on_download = on_download

    def get(self, key: str, default: Any = None) -> Any:
        value = super().get(key, default)
        if value is not None:
            self._on_download(key)
        return value


def _between(value: float | tuple[float, float], rng: Any) -> float:
    if isinstance(value, tuple):
        return float(rng.uniform(*value))
    return float(value)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# -- the harness ------------------------------------------------------------------------------

class CrashHarness:
    def __init__(self, workdir: Path, *, database_url: str | None = None, rng: Any = None,
                 say: Callable[[str], None] | None = None) -> None:
        import random

        self.workdir = workdir
        self.requested_url = database_url if database_url is not None else os.environ.get(
            "TEST_DATABASE_URL")
        self.rng = rng or random.Random(0)
        self.say = say or (lambda _line: None)
        self.figures = Figures()
        self.cycle = 0
        self.label = "setup"
        self.uploads: list[Upload] = []
        self.presses: dict[int, set[int]] = defaultdict(set)  # telegram user id -> case ids
        self.reminder_checks: dict[int, tuple[SimulatedUser, str]] = {}  # reminder id -> who
        self.allow: Counter[int] = Counter()  # outbox row id -> extra deliveries allowed
        self._verified: set[str] = set()
        self._watchers: list[Match] = []
        self._timers: list[asyncio.TimerHandle] = []
        self._download_hooks: list[Callable[[], None]] = []
        self.kill_event = asyncio.Event()
        self.polling = asyncio.Event()
        self._kill_reason = ""
        self._killed_at = 0.0
        self.spawned_at = 0.0
        self.mark = 0
        self.pending_at_kill = False
        self._pg_admin: str | None = None
        self._pg_name: str | None = None
        self.emulator: BotApiEmulator
        self.canary: SimulatedUser

    # ----------------------------------------------------------------- set-up and tear-down

    async def __aenter__(self) -> CrashHarness:
        await self.open()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        from sandbox.emulator import BotApiEmulator

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.emulator = BotApiEmulator(token=TOKEN, bot_username="SecondOpinionCrashBot")
        await self.emulator.start(host="127.0.0.1", port=0)
        first = self.emulator.user(first_name="Coordinator One", user_id=COORDINATOR_IDS[0])
        second = self.emulator.user(first_name="Coordinator Two", user_id=COORDINATOR_IDS[1])
        self.emulator.group(title="Coordinators", members=[first, second],
                            chat_id=COORDINATOR_CHAT_ID)
        self.emulator.requests = _RequestTap(self._on_request)
        world = self.emulator.world
        world.file_paths = _DownloadTap(world.file_paths, self._on_download)
        self.data_dir = self.workdir / "data"
        self.database_url = await self._make_database()
        self.figures.database = "PostgreSQL" if self._pg_name else "SQLite"
        self.env = bot_environ(self.emulator, self.data_dir, self.database_url)
        self.process = BotProcess(self.env, self.workdir)
        self.db = Database(self.database_url)
        self.clock = SystemClock()
        self.spawn()
        await self.wait_polling()
        self.settings = load_settings(self.env)
        self.store = RecordStore(self.settings.DATA_DIR / "records",
                                 encryption_keys(self.settings))
        from tests.crash.scenarios import onboard

        self.canary = await onboard(self, first_name="Canary")

    async def close(self) -> None:
        self.disarm()
        with contextlib.suppress(Exception):
            if self.alive:
                await self.process.terminate(timeout=15)
        self.process.ensure_stopped()
        with contextlib.suppress(Exception):
            await self.db.dispose()
        with contextlib.suppress(Exception):
            await self.emulator.stop()
        if self._pg_name and self._pg_admin:
            import asyncpg

            conn = await asyncpg.connect(self._pg_admin)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
            finally:
                await conn.close()

    async def _make_database(self) -> str:
        url = self.requested_url
        if not url:
            return f"sqlite+aiosqlite:///{self.data_dir / 'bot.sqlite3'}"
        if url.startswith("sqlite"):
            return url
        import asyncpg

        # As tests/conftest.py does: a fresh database on the server TEST_DATABASE_URL names.
        name = f"crash_{secrets.token_hex(5)}"
        admin = url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._pg_admin, self._pg_name = admin, name
        base, _, _db = url.rpartition("/")
        return f"{base}/{name}"

    # ----------------------------------------------------------------- the process

    @property
    def alive(self) -> bool:
        proc = self.process.proc
        return proc is not None and proc.poll() is None

    def spawn(self) -> None:
        if self.alive:
            raise HarnessError("spawn while the bot is running")
        self.polling.clear()
        self.kill_event.clear()
        self.mark = len(self.emulator.requests)
        with self.process.log_path.open("ab") as log:
            self.process.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"], env=self.process.env, cwd=self.process.cwd,
                stdout=log, stderr=subprocess.STDOUT)
        self.spawned_at = time.monotonic()
        self.figures.spawns += 1

    async def wait_polling(self, timeout: float = 60.0) -> float:
        """Seconds from the spawn to the first getUpdates."""
        deadline = time.monotonic() + timeout
        while not self.polling.is_set():
            if not self.alive:
                raise HarnessError(f"the bot exited on its own (status "
                                   f"{self.process.proc.returncode if self.process.proc else '?'})"
                                   f":\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise HarnessError(f"the bot did not poll within {timeout:g} s:\n"
                                   f"{self.log_tail()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.polling.wait(), 0.05)
        return time.monotonic() - self.spawned_at

    def kill_now(self, reason: str) -> bool:
        """SIGKILL, at once (callable from inside the emulator's request handling)."""
        if not self.alive or self.kill_event.is_set():
            return False
        assert self.process.proc is not None
        os.kill(self.process.proc.pid, signal.SIGKILL)
        self._kill_reason = reason
        self._killed_at = time.monotonic()
        self.kill_event.set()
        return True

    async def reap(self) -> None:
        proc = self.process.proc
        while proc is not None and proc.poll() is None:
            await asyncio.sleep(0.01)

    async def stop_clean(self) -> None:
        """SIGTERM (a clean stop, not a crash): used to set a scene while the bot is down."""
        if self.alive:
            self.figures.shutdown_s.append(await self.process.terminate(timeout=15))

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.process.logs().splitlines()[-lines:])

    # ----------------------------------------------------------------- watching the bot

    def _on_request(self, method: str, params: dict[str, Any]) -> None:
        if method == "getUpdates":
            self.polling.set()
        for watcher in list(self._watchers):
            if watcher(method, params):
                with contextlib.suppress(ValueError):
                    self._watchers.remove(watcher)

    def _on_download(self, _path: str) -> None:
        hooks, self._download_hooks = self._download_hooks, []
        for hook in hooks:
            hook()

    def _kill_later(self, after: float | tuple[float, float], reason: str) -> None:
        delay = _between(after, self.rng)
        if delay <= 0:
            self.kill_now(reason)
        else:
            loop = asyncio.get_running_loop()
            self._timers.append(loop.call_later(delay, self.kill_now,
                                                f"{reason} +{delay * 1000:.0f} ms"))

    def kill_on_request(self, match: Match, reason: str,
                        after: float | tuple[float, float] = 0.0) -> None:
        """SIGKILL when a request matching ``match`` reaches the emulator (or ``after`` s
        later)."""
        def watcher(method: str, params: dict[str, Any]) -> bool:
            if not match(method, params):
                return False
            self._kill_later(after, reason)
            return True

        self._watchers.append(watcher)

    def arrival(self, match: Match) -> asyncio.Future[float]:
        """The monotonic time the next request matching ``match`` reaches the emulator."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()

        def watcher(method: str, params: dict[str, Any]) -> bool:
            if not match(method, params):
                return False
            if not future.done():
                future.set_result(time.monotonic())
            return True

        self._watchers.append(watcher)
        return future

    def kill_on_download(self, reason: str, after: float | tuple[float, float] = 0.0) -> None:
        self._download_hooks.append(lambda: self._kill_later(after, reason))

    def kill_after(self, seconds: float | tuple[float, float], reason: str) -> None:
        self._kill_later(seconds, reason)

    def disarm(self) -> None:
        self._watchers.clear()
        self._download_hooks.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    # ----------------------------------------------------------------- a crash cycle

    async def crash_cycle(self, label: str, action: Callable[[], Coroutine[Any, Any, object]],
                          arm: Callable[[], None], *,
                          resolve: Callable[[], Awaitable[None]] | None = None,
                          patience: float = 25.0) -> None:
        """Arm a kill, run ``action`` until the kill lands, restart, resolve, check."""
        self.begin(label)
        task: asyncio.Task[object] | None = None
        try:
            arm()
            task = asyncio.create_task(action())
            killed = asyncio.create_task(self.kill_event.wait())
            await asyncio.wait({task, killed}, timeout=patience,
                               return_when=asyncio.FIRST_COMPLETED)
            if not self.kill_event.is_set():
                # The action ended first: give a delayed kill a moment to land.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.kill_event.wait(), 3.5)
            killed.cancel()
            missed = not self.kill_event.is_set()
            if missed:
                self.kill_now("trigger missed: killed at the end of the action")
            self.disarm()
            await self.reap()
            self.emulator.clear_faults()
            if task.done() and not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                self.violation("5", f"the patient got no answer before the kill: "
                                    f"{type(exc).__name__}: {str(exc)[:800]}")
            task.cancel()
            await asyncio.wait({task})  # (never swallows a cancellation of the run itself)
            await self.after_kill(missed=missed)
            await self.recover()
            if resolve is not None:
                await resolve()
            await self.check()
        except HarnessError as exc:
            self.violation("5", str(exc))
            await self.ensure_running()
        finally:
            if task is not None and not task.done():
                task.cancel()
            self.disarm()

    def begin(self, label: str) -> None:
        self.cycle += 1
        self.label = label
        self.figures.cycles[label] += 1
        self.say(f"[{self.cycle:3d}] {label}")

    async def after_kill(self, *, missed: bool = False) -> Kill:
        """Note which outbox sends were in flight (their row still pending, their request seen
        by the emulator from this process): each may be delivered once more."""
        since = self._killed_at - self.spawned_at
        await asyncio.sleep(0.2)  # let the emulator take in what the process sent last
        kill = Kill(self.cycle, self.label, self._kill_reason, since, missed=missed)
        seen = {(str(p.get("chat_id")), p.get("text"))
                for m, p in self.emulator.requests[self.mark:] if m == "sendMessage"}
        async with self.db.read() as s:
            pending = (await s.execute(select(OutboxMessage).where(
                OutboxMessage.status == "pending"))).scalars().all()
            due = (await s.execute(select(Reminder.id).where(
                Reminder.status == "pending", Reminder.due_at <= self.clock.now()))).all()
        for row in pending:
            if (str(row.chat_id), row.payload.get("text")) in seen:
                kill.hits.append(row.id)
                self.allow[row.id] += 1
        self.pending_at_kill = bool(pending or due)
        self.figures.kills.append(kill)
        self.say(f"      killed: {kill.reason} ({since:.2f} s after start)"
                 + (f", {len(kill.hits)} send(s) in flight" if kill.hits else ""))
        return kill

    async def recover(self, *, probe: bool = True) -> None:
        """Restart; the canary's /status, sent at once, is answered once the bot is back."""
        self.spawn()
        if probe:
            await self.canary.send_text("/status")
        self.figures.polling_s.append(await self.wait_polling())
        if probe:
            await self.wait_canary()

    async def wait_canary(self, timeout: float = 45.0, *, record: bool = True) -> float:
        try:
            await self.canary.wait_for_message(lambda m: STATUS_TITLE in m.text, timeout=timeout)
        except AssertionError as exc:
            raise HarnessError(f"the canary got no answer to /status within {timeout:g} s "
                               f"after the restart:\n{str(exc)[-600:]}") from None
        seconds = time.monotonic() - self.spawned_at
        if record:
            self.figures.answer_s.append(seconds)
        return seconds

    async def ensure_running(self) -> None:
        """After a harness error: make sure a bot is polling again."""
        self.disarm()
        self.emulator.clear_faults()
        self.emulator.set_down(False)
        if not self.alive:
            self.spawn()
        with contextlib.suppress(HarnessError):
            await self.wait_polling()

    async def settle(self, timeout: float = 10.0) -> None:
        with contextlib.suppress(AssertionError):
            await self.emulator.wait_idle(timeout=timeout, quiet=0.3)

    def violation(self, invariant: str, detail: str) -> None:
        found = Violation(self.cycle, self.label, invariant, detail)
        self.figures.violations.append(found)
        self.say(f"      VIOLATION {found}")

    # ----------------------------------------------------------------- patient actions

    def _seq_of(self, patient: SimulatedUser, message_id: int) -> int:
        chat = self.emulator.world.chat(patient.id)
        for event in reversed(chat.events):
            if event.message_id == message_id and event.kind == "new":
                return event.seq
        return self.emulator.world.event_seq

    async def send_file(self, patient: SimulatedUser, data: bytes, name: str,
                        mime: str | None, label: str) -> Upload:
        message = await patient.send_document(data, file_name=name, mime_type=mime)
        upload = Upload(patient, data, hashlib.sha256(data).hexdigest(), message.message_id,
                        self._seq_of(patient, message.message_id), label, name, mime)
        self.uploads.append(upload)
        return upload

    async def send_album(self, patient: SimulatedUser, photos: list[bytes], label: str
                         ) -> list[Upload]:
        messages = await patient.send_album(photos)
        album = messages[0].media_group_id or f"album-{len(self.uploads)}"
        items = [Upload(patient, data, hashlib.sha256(data).hexdigest(), m.message_id,
                        self._seq_of(patient, m.message_id), label, "photo", None, album=album)
                 for data, m in zip(photos, messages, strict=True)]
        self.uploads.extend(items)
        return items

    def note_press(self, patient: SimulatedUser, case_id: int) -> None:
        self.presses[patient.id].add(case_id)

    # ----------------------------------------------------------------- what the patient was told

    def bot_texts(self, patient: SimulatedUser, after: int, before: float
                    ) -> Iterator[str]:
        chat = self.emulator.world.chat(patient.id)
        for event in chat.events:
            if event.seq <= after:
                continue
            if event.seq >= before:
                break
            if event.kind == "new" and event.message is not None and event.message.from_bot:
                yield event.message.text

    def acknowledged(self) -> tuple[dict[int, int], set[int]]:
        """Albums: how many items the patient was told were received, by album start index;
        single files: the indexes of the uploads the patient was told were received."""
        singles: set[int] = set()
        albums: dict[int, int] = {}
        by_patient: dict[int, list[int]] = defaultdict(list)
        for index, upload in enumerate(self.uploads):
            by_patient[upload.patient.id].append(index)
        for indexes in by_patient.values():
            starts = [i for i in indexes
                      if self.uploads[i].album is None
                      or i == indexes[0] or self.uploads[i].album != self.uploads[i - 1].album]
            for position, start in enumerate(starts):
                upload = self.uploads[start]
                end = (self.uploads[starts[position + 1]].seq if position + 1 < len(starts)
                       else float("inf"))
                texts = list(self.bot_texts(upload.patient, upload.seq, end))
                if upload.album is None:
                    if any(RECEIVED in t or DUPLICATE in t for t in texts):
                        singles.add(start)
                    continue
                told = 0
                for text in texts:
                    for pattern in (ALBUM_RECEIVED, ALBUM_DUPLICATE):
                        found = pattern.search(text)
                        if found:
                            told += int(found.group(1))
                albums[start] = told
        return albums, singles

    def album_items(self, start: int) -> list[Upload]:
        first = self.uploads[start]
        return [u for u in self.uploads[start:]
                if u.album == first.album and u.patient.id == first.patient.id]

    # ----------------------------------------------------------------- invariants

    async def check(self, *, drain_timeout: float = 60.0, final: bool = False) -> None:
        await self._wait_drained(drain_timeout)
        await self._check_records(final=final)
        rows = await self._outbox_rows()
        await self._check_cases(rows)
        self._check_outbox(rows, final=final)
        await self._check_unreachable(rows)
        await self._check_reminders(rows)

    async def _wait_drained(self, timeout: float) -> None:
        seconds = await self.wait_drained(timeout)
        if seconds is not None and self.pending_at_kill:
            self.figures.drain_s.append(seconds)
        self.pending_at_kill = False

    async def wait_drained(self, timeout: float) -> float | None:
        """Wait until no outbox row is pending and no due reminder is left; seconds since the
        last spawn, or None (and a violation) on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            async with self.db.read() as s:
                pending = (await s.execute(select(OutboxMessage.id).where(
                    OutboxMessage.status == "pending"))).all()
                due = (await s.execute(select(Reminder.id).where(
                    Reminder.status == "pending", Reminder.due_at <= self.clock.now()))).all()
            if not pending and not due:
                done = time.monotonic() - self.spawned_at
                # Settled? (a 403 closes its row, then queues the coordinators' alert)
                await self.settle(timeout=5)
                async with self.db.read() as s:
                    again = (await s.execute(select(OutboxMessage.id).where(
                        OutboxMessage.status == "pending"))).first()
                if again is None:
                    return done
                continue
            if time.monotonic() > deadline:
                self.violation("3" if pending else "4",
                               f"{len(pending)} outbox row(s) still pending and {len(due)} due "
                               f"reminder(s) not done {timeout:g} s after recovery "
                               f"(outbox ids {[r[0] for r in pending][:10]}, reminder ids "
                               f"{[r[0] for r in due][:10]})")
                return None
            await asyncio.sleep(0.1)

    async def is_stored(self, patient: SimulatedUser, sha256: str) -> bool:
        async with self.db.read() as s:
            return (await s.execute(
                select(Record.id).join(Case, Case.id == Record.case_id)
                .join(Patient, Patient.id == Case.patient_id)
                .where(Patient.telegram_user_id == patient.id, Record.sha256 == sha256)
                .limit(1))).first() is not None

    async def wait_reminder(self, reminder_id: int, timeout: float) -> float | None:
        """Seconds since the last spawn when the reminder was no longer pending (None and a
        violation on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.db.read() as s:
                status = (await s.execute(select(Reminder.status).where(
                    Reminder.id == reminder_id))).scalar_one()
            if status != "pending":
                return time.monotonic() - self.spawned_at
            await asyncio.sleep(0.1)
        self.violation("4", f"reminder {reminder_id} still pending {timeout:g} s later")
        return None

    async def _check_records(self, *, final: bool) -> None:
        if final:
            self._verified.clear()
        async with self.db.read() as s:
            rows = (await s.execute(
                select(Patient.telegram_user_id, Record.sha256, Record.blob_name,
                       Record.wrapped_key, Record.key_id)
                .join(Case, Case.id == Record.case_id)
                .join(Patient, Patient.id == Case.patient_id))).all()
        stored: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for row in rows:
            stored[(row.telegram_user_id, row.sha256)].append(row)
        albums, singles = self.acknowledged()

        async def verify(upload: Upload) -> bool:
            found = stored.get((upload.patient.id, upload.sha256))
            if not found:
                return False
            for row in found:
                if row.blob_name in self._verified:
                    continue
                try:
                    data = await self.store.get(blob_name=row.blob_name,
                                                wrapped_key=row.wrapped_key, key_id=row.key_id)
                except Exception as exc:
                    self.violation("1", f"record {row.blob_name} of an acknowledged upload does "
                                        f"not decrypt: {type(exc).__name__}")
                    continue
                if hashlib.sha256(data).hexdigest() != upload.sha256 or data != upload.data:
                    self.violation("1", f"record {row.blob_name} decrypts to other bytes than "
                                        f"the patient sent")
                    continue
                self._verified.add(row.blob_name)
            return True

        for index in sorted(singles):
            upload = self.uploads[index]
            if not await verify(upload):
                self.violation("1", f"upload {index} ({upload.label}) was acknowledged to the "
                                    f"patient but is not in the database")
        for start, told in albums.items():
            items = self.album_items(start)
            present = 0
            for item in items:
                present += await verify(item)
            if present < told:
                self.violation("1", f"album at upload {start}: the patient was told {told} "
                                    f"file(s) were received, {present} are stored")
        if final:
            counts = self.figures.uploads
            counts.clear()
            acked_albums = {i for s, n in albums.items() for i in
                            range(s, s + len(self.album_items(s))) if n}
            for index, upload in enumerate(self.uploads):
                fate = upload.fate or (
                    "stored" if (upload.patient.id, upload.sha256) in stored else "lost")
                counts["files sent (sent again after a kill included)"] += 1
                if index in singles or index in acked_albums:
                    counts["acknowledged (\u201creceived\u201d or \u201calready sent\u201d)"] += 1
                elif fate == "stored":
                    counts["not acknowledged but stored (told when sent again)"] += 1
                else:
                    counts["not acknowledged, not stored (died with the process)"] += 1
            counts["records verified (decrypted, SHA-256)"] = len(self._verified)
            self.figures.orphan_blobs = self._orphans({row.blob_name for row in rows})

    def _orphans(self, known: set[str]) -> int:
        root = self.settings.DATA_DIR / "records"
        if not root.exists():
            return 0
        return sum(1 for p in root.rglob("*") if p.is_file() and p.name not in known)

    async def _outbox_rows(self) -> list[OutboxMessage]:
        async with self.db.read() as s:
            return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                        .scalars().all())

    async def _check_cases(self, rows: list[OutboxMessage]) -> None:
        if not self.presses:
            return
        async with self.db.read() as s:
            cases = (await s.execute(
                select(Case.id, Case.status, Case.number, Patient.telegram_user_id)
                .join(Patient, Patient.id == Case.patient_id)
                .where(Patient.telegram_user_id.in_(list(self.presses))))).all()
        mine: dict[int, list[Any]] = defaultdict(list)
        for case in cases:
            mine[case.telegram_user_id].append(case)
        alerts = [r.payload.get("text", "") for r in rows if r.chat_id == COORDINATOR_CHAT_ID]
        for user_id, pressed in self.presses.items():
            patient = self.emulator.get_user(user_id)
            theirs = mine.get(user_id, [])
            submitted = [c for c in theirs if c.status != "draft"]
            if len(theirs) > 1:
                self.violation("2", f"patient {user_id} has {len(theirs)} cases for one draft")
            for case in submitted:
                if case.id not in pressed:
                    self.violation("2", f"case {case.id} was submitted but the patient never "
                                        f"pressed Submit for it")
                count = sum(case.number in text for text in alerts)
                if count != 1:
                    self.violation("2", f"case {case.number}: {count} coordinators' alerts "
                                        f"queued (expected exactly 1)")
            shown = [t for t in self.bot_texts(patient, 0, float("inf"))
                     if SUBMITTED in t or ALREADY_SUBMITTED in t]
            for text in shown:
                if not any(c.number and c.number in text for c in submitted):
                    self.violation("2", f"patient {user_id} was shown a case number that is "
                                        f"not their submitted case: {text[:120]!r}")
            for case in submitted:
                if not any(case.number in t for t in shown):
                    self.violation("2", f"case {case.number} is submitted but its patient was "
                                        f"never shown its number after recovery")

    def _check_outbox(self, rows: list[OutboxMessage], *, final: bool) -> None:
        groups: dict[tuple[int, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            if row.status in ("failed", "pending"):
                self.violation("3", f"outbox row {row.id} is {row.status} "
                                    f"(last error {row.last_error!r})")
            if row.method == "sendMessage":
                groups[(row.chat_id, str(row.payload.get("text", "")))].append(row)
        delivered_in: dict[int, Counter[str]] = {}
        extra_by_row: dict[int, int] = {}
        for (chat_id, text), group in groups.items():
            if chat_id not in delivered_in:
                delivered_in[chat_id] = Counter(
                    m.html for m in self.emulator.chat_messages(chat_id))
            delivered = delivered_in[chat_id][text]
            sent = sum(r.status == "sent" for r in group)
            allowed = len(group) + sum(self.allow[r.id] for r in group)
            if delivered < sent:
                self.violation("3", f"outbox rows {[r.id for r in group]} to chat {chat_id} are "
                                    f"marked sent but {sent - delivered} never arrived")
            if delivered > allowed:
                self.violation("3", f"outbox rows {[r.id for r in group]} to chat {chat_id} "
                                    f"arrived {delivered} times; at most {allowed} allowed "
                                    f"({len(group)} row(s), "
                                    f"{sum(self.allow[r.id] for r in group)} kill(s) or "
                                    f"timeouts at their send point)")
            extra = max(0, delivered - sent)
            for row in group:  # the extra deliveries go to the rows a kill hit (or a timeout)
                extra_by_row[row.id] = min(extra, self.allow[row.id])
                extra -= extra_by_row[row.id]
        for kill in self.figures.kills:
            if kill.hits:
                kill.duplicates = sum(extra_by_row.get(i, 0) for i in kill.hits)
        if final:
            counts = self.figures.outbox
            counts.clear()
            counts["rows"] = len(rows)
            for row in rows:
                counts[f"status {row.status}"] += 1
            counts["extra deliveries (all causes)"] = sum(extra_by_row.values())

    async def _check_unreachable(self, rows: list[OutboxMessage]) -> None:
        """A chat that blocked the bot (403): its patient is marked unreachable and the
        coordinators' alert for that episode was recorded (and so queued)."""
        chats = {r.chat_id for r in rows if r.status == "unreachable" and r.last_error == "403"}
        if not chats:
            return
        async with self.db.read() as s:
            patients = (await s.execute(select(Patient.id, Patient.chat_id, Patient.unreachable_at)
                                        .where(Patient.chat_id.in_(list(chats))))).all()
            alerted = set((await s.execute(select(Reminder.patient_id).where(
                Reminder.kind == "alert.unreachable"))).scalars().all())
        for patient in patients:
            if patient.unreachable_at is None:
                self.violation("3", f"chat {patient.chat_id} blocked the bot but its patient is "
                                    f"not marked unreachable")
            elif patient.id not in alerted:
                self.violation("3", f"chat {patient.chat_id} blocked the bot but the "
                                    f"coordinators were never alerted")

    async def _check_reminders(self, rows: list[OutboxMessage]) -> None:
        """Per patient and reminder text (one patient may have had several alike): as many
        messages queued as reminders sent, each delivered once, or once more per kill at its
        send point."""
        if not self.reminder_checks:
            return
        async with self.db.read() as s:
            reminders = {r.id: r for r in (await s.execute(select(Reminder).where(
                Reminder.id.in_(list(self.reminder_checks))))).scalars().all()}
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for reminder_id, (patient, snippet) in self.reminder_checks.items():
            groups[(patient.id, snippet)].append(reminder_id)
        for (user_id, snippet), ids in groups.items():
            patient = self.emulator.get_user(user_id)
            found = [reminders.get(i) for i in ids]
            if any(r is None for r in found):
                self.violation("4", f"reminder(s) {ids} disappeared")
                continue
            sent = [r for r in found if r is not None and r.status == "sent"]
            for r in found:
                if r is not None and r.status not in ("sent", "cancelled", "missed", "pending"):
                    self.violation("4", f"reminder {r.id} ended {r.status}")
            got = sum(snippet in m.text for m in patient.messages)
            queued = [r for r in rows if r.chat_id == patient.chat_id
                      and snippet in str(r.payload.get("text", ""))]
            allowed = len(sent) + sum(self.allow[r.id] for r in queued)
            if len(queued) != len(sent):
                self.violation("4", f"reminders {ids}: {len(sent)} sent, {len(queued)} "
                                    f"messages queued")
            if not len(sent) <= got <= allowed:
                self.violation("4", f"reminders {ids} ({len(sent)} sent) reached their patient "
                                    f"{got} times (allowed {len(sent)}..{allowed})")

    async def final_check(self) -> None:
        self.label = "final"
        await self.check(final=True)
        async with self.db.read() as s:
            cases = (await s.execute(select(Case.status, Case.id, Patient.telegram_user_id)
                                     .join(Patient, Patient.id == Case.patient_id))).all()
            reminders = (await s.execute(select(Reminder.status, Reminder.id))).all()
        pressed = [c for c in cases if c.telegram_user_id in self.presses]
        self.figures.submits["patients who pressed Submit"] = len(self.presses)
        self.figures.submits["submitted cases"] = sum(c.status != "draft" for c in pressed)
        self.figures.submits["drafts left (never committed)"] = sum(
            c.status == "draft" for c in pressed)
        seeded = [r for r in reminders if r.id in self.reminder_checks]
        self.figures.reminders["seeded and checked"] = len(seeded)
        for r in seeded:
            self.figures.reminders[f"status {r.status}"] += 1
        self.figures.refused = [f"{r.method}: {r.description}" for r in self.emulator.refused
                                if r.error_code == 400]
        self.figures.log_errors = sum(" ERROR " in line for line in
                                      self.process.logs().splitlines())

    # ----------------------------------------------------------------- the database, faulty

    @contextlib.asynccontextmanager
    async def database_away(self) -> Any:
        """SQLite: another process holds the write lock (BEGIN EXCLUSIVE). PostgreSQL: the
        database refuses connections and every session is terminated."""
        if self._pg_name is None:
            async with self._sqlite_locked():
                yield "locked"
        else:
            async with self._pg_unavailable():
                yield "unavailable"

    @contextlib.asynccontextmanager
    async def _sqlite_locked(self) -> Any:
        path = self.database_url.split(":///", 1)[1]
        acquired, release = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def hold() -> None:
            conn = sqlite3.connect(path, timeout=60, isolation_level=None)
            try:
                conn.execute("BEGIN EXCLUSIVE")
                acquired.set()
                release.wait(300)
                conn.execute("COMMIT")
            except BaseException as exc:
                errors.append(exc)
                acquired.set()
            finally:
                conn.close()

        thread = threading.Thread(target=hold, name="crash-sqlite-lock", daemon=True)
        thread.start()
        await asyncio.to_thread(acquired.wait, 60)
        if errors:
            raise HarnessError(f"could not lock the database: {errors[0]}")
        try:
            yield
        finally:
            release.set()
            await asyncio.to_thread(thread.join, 30)

    @contextlib.asynccontextmanager
    async def _pg_unavailable(self) -> Any:
        import asyncpg

        assert self._pg_admin is not None and self._pg_name is not None
        conn = await asyncpg.connect(self._pg_admin)
        try:
            await conn.execute(f'ALTER DATABASE "{self._pg_name}" ALLOW_CONNECTIONS false')
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = $1 AND pid <> pg_backend_pid()", self._pg_name)
            try:
                yield
            finally:
                await conn.execute(f'ALTER DATABASE "{self._pg_name}" ALLOW_CONNECTIONS true')
        finally:
            await conn.close()
