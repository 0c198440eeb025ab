"""``python -m benchmarks``: the bot under load, as in production, on this machine.

Starts the project's Bot API emulator (one server, two tokens) and runs ``python -m bot`` as its
own process against it (SQLite under a temporary DATA_DIR, or PostgreSQL in a fresh database
next to the one ``DATABASE_URL`` names, when it is set), then measures:

1. a bare python-telegram-bot application (``benchmarks/bare_ptb.py``, its own process and
   token, same emulator) with a trivial three-step conversation: the framework's ceiling;
2. the full patient journey (onboarding, guidance, intake with three ~200 kB records, three
   questions, submit): 20 patients through it to the end (the database size per case), then
   100 at once with no pause: updates per second;
3. the same journey with 10, 50, 100 and 200 patients at once, each pausing 0.5-1.5 s between
   an answer and the next action: the time from an update to the bot's first reply;
4. peak resident memory of the bot with 10,000 cases in its database;
5. a 20 MB record through the records step: time to the "received" reply, extra memory;
6. start-up with 100,000 pending reminders (spawn to the first getUpdates), and
   ``ReminderScheduler.refill`` in-process.

Phases with many patients are time-boxed: patients start within a ramp, begin a new journey
whenever one ends, and what is measured is the window after the ramp (replies per second,
and the latency of the updates sent in it). Results, the machine and the date go into
``benchmarks/README.md`` (between the results markers) with ``benchmarks/latency.png``.

``--quick`` is a smoke check for CI (well under a minute; no plot, no README, no extras
needed): it fails on errors (a journey that does not complete, an error in a process's log, a
request the emulator refused), never on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.emulator import Switchboard
from benchmarks.journey import (
    Patient,
    RecordFile,
    Tally,
    bare_rounds,
    full_journey,
    guidance,
    has_prefix,
    intake_to_records,
    make_record,
    onboard,
    patient_records,
    phone_for,
    run_for,
    run_patients,
)
from benchmarks.procs import (
    ROOT,
    Spawned,
    cpu_seconds,
    machine,
    machine_busy_seconds,
    own_cpu_seconds,
    reset_peak,
    status_kb,
)

HERE = Path(__file__).resolve().parent
BOT_TOKEN = "700000001:AAE_benchmark-bot-token-0123456789abcdef"
BARE_TOKEN = "700000002:AAE_benchmark-bare-ptb-token-0123456789ab"
COORDINATOR_IDS = (9001, 9002)
COORDINATOR_CHAT_ID = -100900
MB = 1_000_000


@dataclass(frozen=True)
class Plan:
    seeded_cases: int
    bare_users: int
    journeys_to_end: int  # patients through the whole journey (database size per case)
    throughput_patients: int
    levels: tuple[int, ...]  # patients at once, with pauses
    think: tuple[float, float]
    window: float  # seconds measured in a time-boxed phase
    ramp: float
    record_size: int
    big_record: int
    big_repeats: int
    reminders: int
    startup_repeats: int
    overdue: int


FULL = Plan(seeded_cases=10_000, bare_users=100, journeys_to_end=20, throughput_patients=100,
            levels=(10, 50, 100, 200), think=(0.5, 1.5), window=30.0, ramp=3.0,
            record_size=200_000, big_record=20 * MB, big_repeats=3, reminders=100_000,
            startup_repeats=3, overdue=1_000)
QUICK = Plan(seeded_cases=200, bare_users=5, journeys_to_end=3, throughput_patients=5,
             levels=(5,), think=(0.05, 0.2), window=2.0, ramp=0.3, record_size=50_000,
             big_record=20 * MB, big_repeats=1, reminders=2_000, startup_repeats=1,
             overdue=100)


# -- results ----------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Phase:
    name: str
    patients: int
    tally: Tally
    bot_cpu: float = 0.0  # CPU seconds of the process under test during the phase
    driver_cpu: float = 0.0  # CPU seconds of this process: the emulator and the patients
    other_cpu: float = 0.0  # CPU seconds of everything else running on the machine
    wall: float = 0.0  # seconds the CPU figures cover
    api_requests: int = 0  # Bot API requests the process made during the phase

    @property
    def ups(self) -> float:
        return self.tally.per_second

    def p(self, q: float) -> float:
        return percentile(self.tally.latencies_ms(), q)

    def share(self, cpu: float) -> float:
        return max(cpu, 0.0) / max(self.wall, 1e-9)

    @property
    def bot_cpu_ms_per_update(self) -> float:
        """CPU of the process under test per update it handled over the whole phase."""
        return 1000 * self.bot_cpu / max(len(self.tally.actions), 1)

    def row(self) -> dict[str, Any]:
        return {"patients": self.patients, "journeys": self.tally.journeys,
                "failures": len(self.tally.failures), "updates": self.tally.updates,
                "seconds": round(self.tally.seconds, 1), "ups": round(self.ups, 1),
                "p50": round(self.p(0.5), 1), "p95": round(self.p(0.95), 1),
                "p99": round(self.p(0.99), 1), "max": round(self.p(1.0), 1),
                "bot_share": round(self.share(self.bot_cpu), 2),
                "driver_share": round(self.share(self.driver_cpu), 2),
                "other_share": round(self.share(self.other_cpu), 2),
                "bot_ms_per_update": round(self.bot_cpu_ms_per_update, 1),
                "requests_per_update": round(self.api_requests / max(len(self.tally.actions), 1),
                                             2)}


@dataclass
class Results:
    started: datetime
    database: str
    plan: Plan
    phases: dict[str, Phase] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


# -- databases --------------------------------------------------------------------------------

class Databases:
    """Fresh databases: SQLite files under a DATA_DIR each, or PostgreSQL databases created
    next to the one ``DATABASE_URL`` names (and dropped at the end)."""

    def __init__(self, root: Path, admin_url: str | None) -> None:
        self.root = root
        self.admin_url = admin_url
        self.created: list[str] = []

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.admin_url else "SQLite"

    async def fresh(self, name: str) -> tuple[str, Path]:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        if not self.admin_url:
            return f"sqlite+aiosqlite:///{data_dir / 'bot.sqlite3'}", data_dir
        import asyncpg

        db_name = f"bench_{name.replace('-', '_')}_{secrets.token_hex(4)}"
        conn = await asyncpg.connect(self._dsn(self.admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{db_name}"')
        finally:
            await conn.close()
        self.created.append(db_name)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{db_name}", data_dir

    @staticmethod
    def _dsn(url: str) -> str:
        return url.replace("postgresql+asyncpg://", "postgresql://")

    async def size(self, url: str) -> int:
        """Bytes the database takes (SQLite: pages in use after a passive checkpoint)."""
        if url.startswith("sqlite"):
            conn = sqlite3.connect(url.split(":///", 1)[1], timeout=30)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                free = conn.execute("PRAGMA freelist_count").fetchone()[0]
                page = conn.execute("PRAGMA page_size").fetchone()[0]
            finally:
                conn.close()
            return int((pages - free) * page)
        import asyncpg

        conn = await asyncpg.connect(self._dsn(url))
        try:
            return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        finally:
            await conn.close()

    async def drop_all(self) -> None:
        if not self.admin_url or not self.created:
            return
        import asyncpg

        conn = await asyncpg.connect(self._dsn(self.admin_url))
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


# -- the benchmark ----------------------------------------------------------------------------

class Bench:
    def __init__(self, plan: Plan, *, quick: bool, keep: bool, profile: Path | None) -> None:
        self.plan = plan
        self.quick = quick
        self.keep = keep
        self.profile = profile
        self.tmp = Path(tempfile.mkdtemp(prefix="so-bench-"))
        self.dbs = Databases(self.tmp, os.environ.get("DATABASE_URL") or None)
        self.board = Switchboard()
        self.bot_emu = self.board.add_bot(BOT_TOKEN, "SecondOpinionBenchBot")
        self.bare_emu = self.board.add_bot(BARE_TOKEN, "BarePtbBenchBot")
        self.results = Results(datetime.now(UTC), self.dbs.kind, plan)
        self.encryption_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.link_secret = secrets.token_urlsafe(32)
        self.spawned: list[Spawned] = []
        self.bot_python_args: tuple[str, ...] = ()  # e.g. ("-m", "cProfile", "-o", path)
        self._journeys = 0

    def say(self, text: str) -> None:
        print(text, flush=True)

    # -- processes --------------------------------------------------------------------------

    def bot_env(self, url: str, data_dir: Path) -> dict[str, str]:
        env = {
            "BOT_TOKEN": BOT_TOKEN, "BOT_API_URL": self.bot_emu.base_url,
            "BOT_API_FILE_URL": self.bot_emu.base_file_url, "DATA_DIR": str(data_dir),
            "WEB_HOST": "127.0.0.1", "WEB_PORT": "0",
            "COORDINATOR_IDS": ",".join(map(str, COORDINATOR_IDS)),
            "COORDINATOR_CHAT_ID": str(COORDINATOR_CHAT_ID),
            "ENCRYPTION_KEYS": self.encryption_key, "LINK_SECRET": self.link_secret,
        }
        if not url.startswith("sqlite"):
            env["DATABASE_URL"] = url  # SQLite: the bot's own default under DATA_DIR
        return env

    async def spawn(self, module: str, env: dict[str, str], token: str, name: str, *,
                    python_args: tuple[str, ...] = (), timeout: float = 60.0
                    ) -> tuple[Spawned, float]:
        """Start a process and wait for its first getUpdates; (process, seconds to it)."""
        self.board.first_poll.pop(token, None)
        proc = Spawned(module, env, self.tmp / "logs", name, python_args)
        self.spawned.append(proc)
        proc.start()
        deadline = time.monotonic() + timeout
        while token not in self.board.first_poll:
            if not proc.alive():
                raise RuntimeError(f"{name} exited during start-up:\n{proc.logs()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not poll within {timeout:g} s")
            await asyncio.sleep(0.002)
        return proc, self.board.first_poll[token] - proc.spawned_at

    async def stop(self, proc: Spawned, name: str) -> None:
        code = await proc.stop()
        if code not in (0, None):
            self.results.errors.append(f"{name} exited with status {code}")
        self.check_log(proc, name)

    def check_log(self, proc: Spawned, name: str) -> None:
        """Errors logged while running fail the run; those logged once the process was told
        to stop (a job cancelled mid-run by the scheduler's shutdown) are only noted."""
        running: list[str] = []
        stopping: list[str] = []
        told_to_stop = False
        for line in proc.logs().splitlines():
            if "bot.runner: stopping" in line:
                told_to_stop = True
            elif re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line):
                (stopping if told_to_stop else running).append(line)
        if running:
            self.results.errors.append(f"{name} logged {len(running)} error line(s), first: "
                                       f"{running[0][:300]}")
        if stopping:
            self.results.numbers.setdefault("shutdown_errors", []).append(
                f"{name}: {stopping[0][:200]}")

    async def drain(self, emulator: Any, timeout: float = 120.0) -> None:
        """Until the process under test has taken every update and stopped sending."""
        with contextlib.suppress(AssertionError):
            await emulator.wait_idle(timeout=timeout, quiet=0.3)

    # -- running --------------------------------------------------------------------------

    async def run(self) -> int:
        await self.board.start()
        first = self.bot_emu.user(first_name="Coordinator One", user_id=COORDINATOR_IDS[0])
        second = self.bot_emu.user(first_name="Coordinator Two", user_id=COORDINATOR_IDS[1])
        self.bot_emu.group(title="Coordinators", members=[first, second],
                           chat_id=COORDINATOR_CHAT_ID)
        try:
            await self.bare_phase()
            await self.bot_phases()
            await self.startup_phase()
            await self.refill_phase()
        except Exception as exc:
            self.results.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            for proc in self.spawned:
                await proc.stop(timeout=5)
            await self.board.stop()
            for emulator, name in ((self.bot_emu, "bot"), (self.bare_emu, "bare app")):
                for refusal in emulator.bad_requests[:5]:
                    self.results.errors.append(f"the emulator refused a request of the {name}: "
                                               f"{refusal}")
            await self.dbs.drop_all()
            if self.keep:
                self.say(f"kept {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        self.report()
        return 1 if self.results.errors else 0

    async def measure(self, name: str, pid: int, patients: int, tally: Tally,
                      go: Callable[[], Awaitable[list[Patient]]], emulator: Any) -> Phase:
        t0 = time.perf_counter()
        bot0, own0, all0 = cpu_seconds(pid), own_cpu_seconds(), machine_busy_seconds()
        requests0 = self.board.requests.get(emulator.token, 0)
        people = await go()
        # Every update sent has its answer (a time-boxed phase stops people mid-journey),
        # then the process is idle: its CPU for the phase is complete.
        deadline = time.monotonic() + 120
        while not all([patient.finalize() for patient in people]):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        await self.drain(emulator)
        bot_cpu, own_cpu = cpu_seconds(pid) - bot0, own_cpu_seconds() - own0
        phase = Phase(name, patients, tally, bot_cpu, own_cpu,
                      machine_busy_seconds() - all0 - bot_cpu - own_cpu,
                      time.perf_counter() - t0,
                      self.board.requests.get(emulator.token, 0) - requests0)
        for failure in tally.failures[:3]:
            self.results.errors.append(f"{name}: a journey did not complete: {failure}")
        if len(tally.failures) > 3:
            self.results.errors.append(f"{name}: {len(tally.failures)} journeys failed in all")
        if tally.unanswered:
            self.results.errors.append(f"{name}: {tally.unanswered} updates got no answer")
        row = phase.row()
        self.say(f"  {name}: {row['updates']} updates measured over {row['seconds']} s, "
                 f"{row['ups']} handled a second, {row['journeys']} journeys done; first reply "
                 f"p50 {row['p50']} p95 {row['p95']} p99 {row['p99']} ms; CPU (cores): "
                 f"process {row['bot_share']} ({row['bot_ms_per_update']} ms an update), "
                 f"emulator+patients {row['driver_share']}, others {row['other_share']}")
        return phase

    async def bare_phase(self) -> None:
        plan = self.plan
        self.say(f"bare python-telegram-bot: {plan.bare_users} users at once, "
                 f"{plan.window:g} s measured")
        env = {"BOT_TOKEN": BARE_TOKEN, "BOT_API_URL": self.bare_emu.base_url,
               "BOT_API_FILE_URL": self.bare_emu.base_file_url}
        proc, started = await self.spawn("benchmarks.bare_ptb", env, BARE_TOKEN, "bare-ptb")
        self.results.numbers["bare_startup_s"] = started
        timed = self.board.timed[BARE_TOKEN]
        tally = Tally()

        def make(index: int, number: int) -> tuple[Patient, Any]:
            user = self.bare_emu.user(first_name=f"bare-{index}-{number}")
            patient = Patient(timed, user, tally, seed=index)
            return patient, lambda: bare_rounds(patient, 3)

        self.results.phases["bare"] = await self.measure(
            "bare", proc.pid, plan.bare_users, tally,
            lambda: run_for(make, plan.bare_users, tally, window=plan.window,
                            ramp=plan.ramp), self.bare_emu)
        await self.stop(proc, "bare application")

    def journey_maker(self, tally: Tally, think: tuple[float, float] | None, tag: str,
                      count: int) -> Callable[[int, int], tuple[Patient, Any]]:
        """New patients for a phase, each with three records of its own (made beforehand;
        a worker that starts more journeys than expected reuses a set)."""
        size = self.plan.record_size
        base = self._journeys
        self._journeys += count
        files = [patient_records(base + i, size) for i in range(count)]
        timed = self.board.timed[BOT_TOKEN]

        def make(index: int, number: int) -> tuple[Patient, Any]:
            lang = "vi" if index % 2 else "en"
            user = self.bot_emu.user(first_name=f"{tag}-{index}-{number}", language_code=lang)
            patient = Patient(timed, user, tally, think=think, seed=base + index + 7 * number)
            records = files[(index + number * 37) % count]
            phone = phone_for(base + index * 100 + number)
            return patient, lambda: full_journey(patient, lang, records, phone)

        return make

    async def bot_phases(self) -> None:
        plan, numbers = self.plan, self.results.numbers
        url, data_dir = await self.dbs.fresh("main")
        self.say(f"seeding {plan.seeded_cases:,} cases ({self.dbs.kind})")
        from benchmarks.seed import seed_cases

        t0 = time.perf_counter()
        await seed_cases(url, plan.seeded_cases)
        numbers["seed_s"] = time.perf_counter() - t0
        numbers["seeded_db_bytes"] = await self.dbs.size(url)
        self.say("starting python -m bot")
        bot, started = await self.spawn("bot", self.bot_env(url, data_dir), BOT_TOKEN, "bot",
                                        python_args=self.bot_python_args)
        numbers["startup_seeded_s"] = started
        await asyncio.sleep(0.5 if self.quick else 2.0)  # commands set, first jobs run
        numbers["rss_idle_kb"] = status_kb(bot.pid, "VmRSS")

        # The whole journey, to the end: does it work, and what does a case take?
        count = plan.journeys_to_end
        self.say(f"the full journey: {count} patients to the end")
        size0, records0 = await self.dbs.size(url), dir_size(data_dir / "records")
        tally = Tally()
        make = self.journey_maker(tally, None, "whole", count)
        phase = await self.measure("journeys", bot.pid, count, tally,
                                   lambda: run_patients(make, count, tally), self.bot_emu)
        self.results.phases["journeys"] = phase
        done = max(phase.tally.journeys, 1)
        numbers["journeys_measured"] = phase.tally.journeys
        numbers["db_bytes_per_case"] = (await self.dbs.size(url) - size0) / done
        numbers["records_bytes_per_case"] = (dir_size(data_dir / "records") - records0) / done

        # Updates per second: many patients, no pause.
        count = plan.throughput_patients
        self.say(f"throughput: {count} patients at once, no pause, {plan.window:g} s measured")
        tally = Tally()
        make = self.journey_maker(tally, None, "busy", count)
        profiler = self.start_profiler(bot.pid)
        self.results.phases["throughput"] = await self.measure(
            "throughput", bot.pid, count, tally,
            lambda: run_for(make, count, tally, window=plan.window, ramp=plan.ramp),
            self.bot_emu)
        await self.stop_profiler(profiler)

        # Latency against patients at once, each pausing like a (very quick) person.
        for count in plan.levels:
            self.say(f"latency: {count} patients at once, pausing {plan.think[0]:g}-"
                     f"{plan.think[1]:g} s, {plan.window:g} s measured")
            tally = Tally()
            make = self.journey_maker(tally, plan.think, f"paced{count}", count)
            self.results.phases[f"latency-{count}"] = await self.measure(
                f"latency-{count}", bot.pid, count, tally,
                lambda make=make, count=count, tally=tally: run_for(
                    make, count, tally, window=plan.window, ramp=max(plan.ramp, plan.think[1])),
                self.bot_emu)

        numbers["db_total_bytes"] = await self.dbs.size(url)
        numbers["peak_rss_kb"] = status_kb(bot.pid, "VmHWM")
        numbers["rss_after_kb"] = status_kb(bot.pid, "VmRSS")
        await self.big_record_phase(bot.pid)
        await self.stop(bot, "bot")

    async def big_record_phase(self, pid: int) -> None:
        plan = self.plan
        self.say(f"a {plan.big_record / MB:.0f} MB record, {plan.big_repeats} times")
        timed = self.board.timed[BOT_TOKEN]
        runs = []
        for n in range(plan.big_repeats):
            record = RecordFile(make_record("pdf", plan.big_record, 900_000 + n),
                                "ct-report.pdf", "application/pdf", "in:k_imaging:")
            tally = Tally()
            user = self.bot_emu.user(first_name=f"big-{n}", language_code="en")
            patient = Patient(timed, user, tally, seed=n)
            menu = await onboard(patient, "en")
            await intake_to_records(patient, await guidance(patient, menu), "en")
            await asyncio.sleep(0.3 if self.quick else 1.0)  # the bot idle again
            peak_reset = reset_peak(pid)
            rss0 = status_kb(pid, "VmRSS")
            sampled = [rss0]
            stop = asyncio.Event()

            async def sample(stop: asyncio.Event = stop, sampled: list[int] = sampled) -> None:
                while not stop.is_set():
                    sampled.append(status_kb(pid, "VmRSS"))
                    await asyncio.sleep(0.002)

            sampler = asyncio.create_task(sample())
            cpu0 = cpu_seconds(pid)
            await patient.document("intake.record", record)
            await patient.expect(has_prefix("in:k_"))
            action = tally.actions[-1]
            await asyncio.sleep(0.3)
            stop.set()
            await sampler
            peak = max(status_kb(pid, "VmHWM"), *sampled) if peak_reset else max(sampled)
            runs.append({"bytes": len(record.data),
                         "seconds": (action.replied or float("nan")) - action.sent,
                         "extra_kb": peak - rss0, "retained_kb": status_kb(pid, "VmRSS") - rss0,
                         "cpu_s": cpu_seconds(pid) - cpu0,
                         "peak_from": "VmHWM" if peak_reset else "VmRSS sampled every 2 ms"})
            run = runs[-1]
            self.say(f"  {run['bytes'] / MB:.1f} MB: received in {run['seconds'] * 1000:.0f} "
                     f"ms, +{run['extra_kb'] / 1024:.1f} MB at the peak, "
                     f"{run['retained_kb'] / 1024:+.1f} MB after")
        self.results.numbers["big_runs"] = runs

    async def startup_phase(self) -> None:
        plan, numbers = self.plan, self.results.numbers
        from benchmarks.seed import seed_reminders
        from storage.db import migrate

        results: dict[str, list[float]] = {}
        cases = [("reminders", plan.reminders)] if self.quick else [("empty", 0),
                                                                     ("reminders", plan.reminders)]
        for label, count in cases:
            url, data_dir = await self.dbs.fresh(f"startup-{label}")
            if count:
                self.say(f"seeding {count:,} pending reminders")
                t0 = time.perf_counter()
                await seed_reminders(url, count)
                numbers["seed_reminders_s"] = time.perf_counter() - t0
                numbers["reminders_db"] = (url, str(data_dir))
            else:
                await migrate(url)
            times = []
            for n in range(plan.startup_repeats):
                proc, seconds = await self.spawn("bot", self.bot_env(url, data_dir), BOT_TOKEN,
                                                 f"bot-startup-{label}-{n}")
                times.append(seconds)
                await asyncio.sleep(0.3 if self.quick else 1.0)
                await self.stop(proc, f"bot (start-up, {label})")
            results[label] = times
            self.say(f"  start-up, {label}: " + ", ".join(f"{t:.2f} s" for t in times))
        numbers["startup"] = results

    async def refill_phase(self) -> None:
        """ReminderScheduler.refill in this process, on the reminders of the start-up test
        (none due), and on a fresh database where some are overdue (the bot was down)."""
        from benchmarks.seed import seed_reminders
        from bot.app import build_application, flows
        from bot.config import load_settings
        from bot.reminders import ReminderScheduler
        from bot.services import Services

        plan, numbers = self.plan, self.results.numbers
        url, data_dir = numbers.pop("reminders_db")
        overdue_url, overdue_dir = await self.dbs.fresh("refill-overdue")
        await seed_reminders(overdue_url, plan.reminders, due_soon=plan.overdue)
        out = {}
        for label, db_url, directory in (("none due", url, Path(data_dir)),
                                         (f"{plan.overdue:,} overdue", overdue_url,
                                          overdue_dir)):
            env = {**self.bot_env(db_url, directory), "DATABASE_URL": db_url}
            services = Services.create(load_settings(env))
            application = build_application(services)
            handlers = {k: v for f in flows() for k, v in f.reminders.items()}
            scheduler = ReminderScheduler(application, services, handlers)
            try:
                t0 = time.perf_counter()
                added = await scheduler.refill()
                first = time.perf_counter() - t0
                t0 = time.perf_counter()
                again = await scheduler.refill()
                second = time.perf_counter() - t0
            finally:
                await services.close()
            out[label] = {"seconds": first, "added": added, "again_seconds": second,
                          "again_added": again}
            self.say(f"  refill, {plan.reminders:,} pending, {label}: {first * 1000:.1f} ms "
                     f"({added} scheduled); again {second * 1000:.1f} ms ({again})")
        numbers["refill"] = out

    # -- profiling --------------------------------------------------------------------------

    def start_profiler(self, pid: int) -> Any:
        if self.profile is None:
            return None
        import subprocess

        self.profile.mkdir(parents=True, exist_ok=True)
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "200",
                                 "--format", "raw", "--output",
                                 str(self.profile / "bot-throughput.txt")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def stop_profiler(self, profiler: Any) -> None:
        if profiler is None:
            return
        import signal

        profiler.send_signal(signal.SIGINT)
        for _ in range(200):
            if profiler.poll() is not None:
                break
            await asyncio.sleep(0.05)
        self.say(f"  profile written to {self.profile}")

    # -- the report -------------------------------------------------------------------------

    def report(self) -> None:
        from benchmarks.report import render, write_readme

        try:
            text = render(self.results, machine(), judge=not self.quick)
        except KeyError as missing:  # a phase failed before measuring what the report needs
            print(f"no report: the run stopped before measuring {missing}", file=sys.stderr)
            for error in self.results.errors:
                print(f"ERROR: {error}", file=sys.stderr)
            return
        self.say("")
        self.say(text)
        if self.results.errors:
            self.say("\nERRORS:")
            for error in self.results.errors:
                self.say(f"- {error}")
        elif not self.quick:
            write_readme(self.results, text, HERE)
            self.say(f"\nwritten to {HERE / 'README.md'}")


def missing_extras() -> list[str]:
    return [name for name in ("matplotlib", "psutil") if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke check under a minute (CI): fails on errors, not on speed")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (databases, process logs)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="record the bot with py-spy during the throughput phase")
    args = parser.parse_args(argv)
    if not args.quick:
        missing = missing_extras()
        if missing:
            print(f"python -m benchmarks needs the bench extras (missing: {', '.join(missing)})"
                  ":\n    pip install -e '.[bench]'\n"
                  "The smoke check needs none of them: python -m benchmarks --quick",
                  file=sys.stderr)
            return 2
    bench = Bench(QUICK if args.quick else FULL, quick=args.quick, keep=args.keep,
                  profile=args.profile)
    try:
        return asyncio.run(bench.run())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
