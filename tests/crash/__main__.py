"""The whole crash suite: ``python -m tests.crash --cycles 200 --report crash-report.md``.

Runs at least ``--cycles`` SIGKILL cycles mixed across the named points and random moments,
plus every fault at full length (see scenarios.py), against SQLite, or against PostgreSQL when
``TEST_DATABASE_URL`` (or ``--database-url``) names a server where databases may be created.
Writes the figures to ``--report``; exits 1 if any invariant was violated. ``--fast`` runs the
CI part instead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.crash.harness import CrashHarness
from tests.crash.report import render
from tests.crash.scenarios import fast_plan, full_plan, run_plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.crash", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=200, help="kill cycles (default 200)")
    parser.add_argument("--report", type=Path, default=Path("crash-report.md"))
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--fast", action="store_true", help="run the CI part only")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL as TEST_DATABASE_URL (default: SQLite, or "
                             "TEST_DATABASE_URL when set)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where DATA_DIR and the bot's log go (default: a temporary dir)")
    args = parser.parse_args(argv)
    # A request from a process killed mid-body makes aiohttp log a traceback in the emulator:
    # that is the point of the exercise, not news.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    given = list(argv if argv is not None else sys.argv[1:])
    if "--workdir" in given:  # where the logs went is no figure
        at = given.index("--workdir")
        del given[at:at + 2]
    command = "python -m tests.crash " + " ".join(shlex.quote(a) for a in given)
    return asyncio.run(_run(args, seed, command))


async def _run(args: argparse.Namespace, seed: int, command: str) -> int:
    rng = random.Random(seed)
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM: stop the bot and the emulator, then exit
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    started = time.monotonic()

    def say(line: str) -> None:
        print(f"{time.monotonic() - started:7.1f}s {line}", flush=True)  # noqa: T201

    with tempfile.TemporaryDirectory(prefix="crash-suite-") as tmp:
        workdir = args.workdir or Path(tmp)
        harness = CrashHarness(workdir, database_url=args.database_url, rng=rng, say=say)
        plan = fast_plan() if args.fast else full_plan(args.cycles, rng)
        async with harness:
            await run_plan(harness, plan)
        name = "fast (CI)" if args.fast else f"full, {args.cycles} kill cycles requested"
        report = render(harness.figures, command=command, seed=seed, plan=name)
        args.report.write_text(report, encoding="utf-8")
        say(f"report written to {args.report}; "
            f"{len(harness.figures.violations)} invariant violation(s)")
        if harness.figures.violations:
            say(f"bot log kept in {workdir / 'bot-process.log'}" if args.workdir else
                "rerun with --workdir DIR to keep the bot's log")
    return 1 if harness.figures.violations else 0


if __name__ == "__main__":
    sys.exit(main())
