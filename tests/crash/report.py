"""The crash suite's figures as a Markdown report."""

from __future__ import annotations

import platform
import time
from collections import Counter

from tests.crash.harness import Figures, percentile

INVARIANTS = {
    "1": "acknowledged records present, decryptable, intact",
    "2": "one case per submit; the number shown is the case",
    "3": "every outbox row sent after recovery (none pending or failed; no excess duplicate)",
    "4": "no reminder lost; at most one duplicate per crash at its send point",
    "5": "the bot answers after the restart",
}


def _stats(values: list[float]) -> str:
    if not values:
        return "– | – | – | –"
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return f"{len(values)} | {p50:.2f} | {p95:.2f} | {max(values):.2f}"


def render(f: Figures, *, command: str, seed: int, plan: str) -> str:
    elapsed = time.monotonic() - f.started
    kills = f.kills
    points = Counter(k.label.split(":")[0] for k in kills)
    lines = [
        "# Crash suite report",
        "",
        f"`{command}` — plan: {plan}, seed {seed}, database {f.database}, "
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()}; {elapsed / 60:.1f} minutes.",
        "",
        "## Summary",
        "",
        f"- **{len(kills)} SIGKILLs** of `python -m bot` (each followed by a restart and the "
        f"invariant check), {f.spawns} process starts in all, "
        f"{sum(f.cycles[c] for c in f.cycles if c.startswith('fault:'))} fault scenarios.",
        f"- **Invariant violations: {len(f.violations)}**.",
        f"- Kills that landed while an outbox send was in flight: "
        f"{sum(1 for k in kills if k.hits)}; duplicates they caused: "
        f"{sum(k.duplicates for k in kills)} (never more than "
        f"{max((k.duplicates for k in kills if k.hits), default=0)} per crash).",
        f"- Recovery (spawn → the canary's /status answered): p50 "
        f"{_p(f.answer_s, 50)} s, p95 {_p(f.answer_s, 95)} s, max {_max(f.answer_s)} s.",
        "",
        "## Cycles",
        "",
        "| cycle | runs |",
        "|---|---|",
    ]
    lines += [f"| `{label}` | {n} |" for label, n in sorted(f.cycles.items())]
    lines += ["", "Kills per point: " + ", ".join(f"{p} {n}" for p, n in sorted(points.items()))
              + f". Triggers that never fired (killed at the end of the action instead): "
              f"{sum(k.missed for k in kills)}.", ""]
    lines += ["## Invariants", "", "| # | invariant | violations |", "|---|---|---|"]
    by = Counter(v.invariant for v in f.violations)
    lines += [f"| {k} | {text} | {by.get(k, 0)} |" for k, text in INVARIANTS.items()]
    if f.violations:
        lines += ["", "Violations:", ""]
        lines += [f"- {v}" for v in f.violations[:50]]
    lines += [
        "",
        "## Timings (seconds)",
        "",
        "| measure | n | p50 | p95 | max |",
        "|---|---|---|---|---|",
        f"| restart → polling (first getUpdates) | {_stats(f.polling_s)} |",
        f"| restart → canary's /status answered | {_stats(f.answer_s)} |",
        f"| restart → outbox and due reminders drained (kills that left some) | "
        f"{_stats(f.drain_s)} |",
        f"| SIGTERM → exit (clean stops between scenes) | {_stats(f.shutdown_s)} |",
        "",
        "## Send points",
        "",
        "| kill at | kills | with a send in flight | duplicates | max per crash |",
        "|---|---|---|---|---|",
    ]
    for label in sorted({k.label for k in kills}):
        mine = [k for k in kills if k.label == label]
        hit = [k for k in mine if k.hits]
        if not hit:
            continue
        lines.append(f"| `{label}` | {len(mine)} | {len(hit)} | "
                     f"{sum(k.duplicates for k in hit)} | "
                     f"{max(k.duplicates for k in hit)} |")
    lines += ["", "A kill inside a send cannot know whether Telegram got the message: the row "
              "stays pending and is sent again after the restart, so each such crash may leave "
              "one duplicate, never a loss. Duplicates from a send that timed out (no crash): "
              f"{f.timeout_duplicates}.", ""]
    lines += ["## Records, cases, outbox, reminders", "", "| figure | count |", "|---|---|"]
    for title, counter in (("upload", f.uploads), ("submit", f.submits),
                           ("outbox", f.outbox), ("reminder", f.reminders)):
        lines += [f"| {title}: {k} | {v} |" for k, v in counter.items()]
    lines += [f"| encrypted blobs on disk without a record row | {f.orphan_blobs} |", ""]
    lines += ["## Faults", "", "| fault | length (s) | what happened |", "|---|---|---|"]
    lines += [f"| {r.name} | {r.seconds:g} | {r.summary} |" for r in f.faults]
    lines += ["", "## Other observations", ""]
    lines.append(f"- Requests the emulator refused as Telegram would (400): {len(f.refused)}"
                 + (": " + "; ".join(sorted(set(f.refused))[:10]) if f.refused else "."))
    lines.append(f"- ERROR lines in the bot's log over the run: {f.log_errors}.")
    lines += [f"- {note}" for note in f.notes]
    return "\n".join(lines) + "\n"


def _p(values: list[float], p: float) -> str:
    value = percentile(values, p)
    return "–" if value is None else f"{value:.2f}"


def _max(values: list[float]) -> str:
    return f"{max(values):.2f}" if values else "–"
