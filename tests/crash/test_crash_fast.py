"""The crash suite's fast part (CI): every named kill point, two random moments and each fault
kind in short form, against the database the suite runs on (SQLite, or TEST_DATABASE_URL's
PostgreSQL). The whole run: ``python -m tests.crash --cycles 200 --report crash-report.md``."""

from __future__ import annotations

import random

import pytest

from tests.crash.harness import CrashHarness
from tests.crash.report import render
from tests.crash.scenarios import fast_plan, run_plan


@pytest.mark.timeout(300)
async def test_crash_suite_fast_part(tmp_path):
    lines: list[str] = []
    harness = CrashHarness(tmp_path, rng=random.Random(8), say=lines.append)
    async with harness:
        await run_plan(harness, fast_plan())
    figures = harness.figures
    report = render(figures, command="pytest tests/crash", seed=8, plan="fast (CI)")
    (tmp_path / "crash-report.md").write_text(report)
    assert not figures.violations, (
        "\n".join(str(v) for v in figures.violations) + "\n\n" + "\n".join(lines[-60:])
        + "\n\nbot log:\n" + harness.log_tail(80))
    assert len(figures.kills) >= 10
    assert not figures.refused, figures.refused
