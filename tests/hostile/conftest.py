"""The hostile-input suite's shared pieces: a results table (many cases run inside one test
against one running bot, each recorded, all asserted at the end), the count printed at the end
of the run, and the checks every case shares (no error from the bot's error handler, no
canary in the logs).

Run it all: ``.venv/bin/python -m pytest tests/hostile -q``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

#: cases by category, over the whole run (printed in the terminal summary)
TOTALS: Counter[str] = Counter()
FAILED: Counter[str] = Counter()

UPDATE_FAILED = re.compile(r"update \S+ failed")


@dataclass
class Row:
    category: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Results:
    """One test's table of cases. ``check`` fails the test with every failing row."""

    rows: list[Row] = field(default_factory=list)

    def add(self, category: str, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append(Row(category, name, bool(ok), detail))
        return bool(ok)

    def expect(self, category: str, name: str, condition: bool, detail: str = "") -> None:
        self.add(category, name, condition, "" if condition else detail)

    def check(self) -> None:
        by_category = Counter(r.category for r in self.rows)
        failures = [r for r in self.rows if not r.ok]
        for category, n in by_category.items():
            TOTALS[category] += n
        for row in failures:
            FAILED[row.category] += 1
        print("\n" + ", ".join(f"{c}: {n}" for c, n in sorted(by_category.items()))  # noqa: T201
              + f" — {len(self.rows)} cases, {len(failures)} failed")
        assert not failures, "\n".join(f"[{r.category}] {r.name}: {r.detail}"
                                       for r in failures[:40])


@pytest.fixture
def results() -> Results:
    return Results()


#: How long a hostile case waits for the bot (a loaded CI machine, PostgreSQL): generous, since
#: a case that passes never waits this long.
PATIENCE = 20.0


@pytest.fixture(autouse=True)
def _patient_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's people wait up to `PATIENCE` seconds unless a case says otherwise."""
    from sandbox.emulator.people import SimulatedGroup, SimulatedUser

    for cls in (SimulatedUser, SimulatedGroup):
        original = cls.wait_for_message

        async def wait_for_message(self: Any, predicate: Any = None, timeout: float = PATIENCE,
                                   *, _original: Any = original, **kwargs: Any) -> Any:
            return await _original(self, predicate, max(timeout, PATIENCE), **kwargs)

        monkeypatch.setattr(cls, "wait_for_message", wait_for_message)
    answer = SimulatedUser.wait_for_callback_answer

    async def wait_for_callback_answer(self: Any, query_id: str, timeout: float = PATIENCE
                                       ) -> Any:
        return await answer(self, query_id, max(timeout, PATIENCE))

    monkeypatch.setattr(SimulatedUser, "wait_for_callback_answer", wait_for_callback_answer)


@pytest.fixture
def counted(request: pytest.FixtureRequest) -> Any:
    """For a parametrized test: each of its cases counts once, in its module's category."""
    category = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    TOTALS[category] += 1
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        FAILED[category] += 1


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TOTALS:
        return
    total = sum(TOTALS.values())
    parts = ", ".join(f"{c} {n}" for c, n in sorted(TOTALS.items()))
    terminalreporter.write_line(
        f"hostile input: {total} cases ({parts}); {sum(FAILED.values())} failed")


def bot_errors(log_text: str) -> list[str]:
    """Lines of the bot's error handler (``update X failed``) and any ERROR record."""
    return [line for line in log_text.splitlines()
            if UPDATE_FAILED.search(line) or line.startswith("ERROR ")]
