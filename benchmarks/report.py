"""The benchmark's report: a Markdown summary printed to the terminal and written into
``benchmarks/README.md`` between the results markers, and the latency plot."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.__main__ import Results

START = "<!-- results:start -->"
END = "<!-- results:end -->"
PLOT = "latency.png"


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f} ms"


def _mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def _pct(values: list[float], q: float) -> float:
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def targets(results: Results) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, target, met) for every target of issue 10."""
    phases, numbers = results.phases, results.numbers
    rows: list[tuple[str, str, str, bool | None]] = []
    full, bare = phases.get("throughput"), phases.get("bare")
    if full is not None:
        rows.append((f"full journey, updates handled per second ({full.patients} patients at "
                     "once, no pause)", f"{full.ups:.0f}", "≥ 300", full.ups >= 300))
        if bare is not None and bare.ups:
            ratio = full.ups / bare.ups
            rows.append(("full journey ÷ bare python-telegram-bot (updates per second)",
                         f"{ratio:.2f} ({full.ups:.0f} ÷ {bare.ups:.0f})", "≥ 0.5",
                         ratio >= 0.5))
            bot_ms, bare_ms = full.bot_cpu_ms_per_update, bare.bot_cpu_ms_per_update
            if bot_ms > 0 and bare_ms > 0:
                rows.append(("the same from CPU per update, whatever the neighbours do "
                             "(each process's ceiling on a free core: 1000 ÷ ms per update)",
                             f"{bare_ms / bot_ms:.2f} ({1000 / bot_ms:.0f} ÷ "
                             f"{1000 / bare_ms:.0f} updates/s)", "(≥ 0.5)", None))
    paced = phases.get("latency-100")
    if paced is not None:
        think = results.plan.think
        rows.append((f"first reply p99, 100 patients at once ({think[0]:g}–{think[1]:g} s "
                     "pauses)", _ms(paced.p(0.99)), "< 50 ms", paced.p(0.99) < 50))
    if "peak_rss_kb" in numbers:
        rows.append((f"peak resident memory of the bot, {results.plan.seeded_cases:,} cases "
                     "in the database", _mb(numbers["peak_rss_kb"]), "< 200 MB",
                     numbers["peak_rss_kb"] / 1024 < 200))
    startup = numbers.get("startup", {}).get("reminders")
    if startup:
        worst = max(startup)
        rows.append((f"start-up with {results.plan.reminders:,} pending reminders (spawn → "
                     "first getUpdates, worst of "
                     f"{len(startup)})", f"{worst:.2f} s", "< 3 s", worst < 3))
    big = numbers.get("big_runs")
    if big:
        slowest = max(r["seconds"] for r in big)
        heaviest = max(r["extra_kb"] for r in big)
        size = big[0]["bytes"] / 1_000_000
        rows.append((f"a {size:.0f} MB record: update → \"received\" (worst of {len(big)})",
                     f"{slowest * 1000:.0f} ms", "< 1 s", slowest < 1))
        rows.append((f"a {size:.0f} MB record: extra memory (peak RSS − RSS before, worst)",
                     _mb(heaviest), "< 60 MB", heaviest / 1024 < 60))
    return rows


def render(results: Results, machine: dict[str, str], *, judge: bool = True) -> str:
    """The results as Markdown; ``judge=False`` (a smoke check's reduced plan) leaves the
    targets unjudged."""
    plan, phases, numbers = results.plan, results.phases, results.numbers
    lines = [
        f"Run of {results.started:%Y-%m-%d %H:%M} UTC on {machine['cpu']}, "
        f"{machine['cores']} cores, {machine['ram']} RAM, Python {machine['python']} "
        f"({machine['os']}); database: {results.database}.",
        "",
        "| target | measured | target | |",
        "|---|---|---|---|",
    ]
    for what, measured, target, ok in targets(results):
        verdict = _verdict(ok) if judge else "not judged (--quick)"
        lines.append(f"| {what} | {measured} | {target} | {verdict} |")
    lines += ["", "**Throughput and latency.** Updates: those sent in the measured window "
              "(the whole run for the journeys to the end); updates/s: first replies within "
              "it; latency: update → the bot's first message in that chat, in ms. CPU in "
              "cores (CPU seconds per second, over the phase): the process under test, this "
              "benchmark's own process (the emulator and the simulated people), and every "
              "other process on the machine; all share its cores.", "",
              "| phase | at once | updates | s | updates/s | p50 | p95 | p99 | max | "
              "CPU process | CPU emulator+people | CPU others | process CPU per update | "
              "Bot API requests per update |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    labels = {"bare": "bare python-telegram-bot, no pause",
              "journeys": "full journey to the end, no pause",
              "throughput": "full journey, no pause"}
    for name, phase in phases.items():
        row = phase.row()
        what = labels.get(name, f"full journey, {plan.think[0]:g}–{plan.think[1]:g} s pauses")
        lines.append(
            f"| {what} | {row['patients']} | {row['updates']} | {row['seconds']} | "
            f"{row['ups']} | {row['p50']} | {row['p95']} | {row['p99']} | {row['max']} | "
            f"{row['bot_share']:.2f} | {row['driver_share']:.2f} | {row['other_share']:.2f} | "
            f"{row['bot_ms_per_update']} ms | {row['requests_per_update']} |")
    quiet = next((phase for name, phase in sorted(
        ((n, p) for n, p in phases.items() if n.startswith("latency-")),
        key=lambda item: item[1].patients)), None)
    if quiet is not None:
        labels_seen = sorted({a.label for a in quiet.tally.counted()})
        lines += ["", f"**First reply by step**, {quiet.patients} patients at once with pauses "
                  "(ms):", "", "| step | updates | p50 | p95 | max |", "|---|---|---|---|---|"]
        for label in labels_seen:
            values = quiet.tally.latencies_ms(label)
            if values:
                lines.append(f"| {label} | {len(values)} | {_pct(values, 0.5):.0f} | "
                             f"{_pct(values, 0.95):.0f} | {values[-1]:.0f} |")
    if "db_bytes_per_case" in numbers:
        lines += [
            "",
            f"**Storage.** Per case (measured over {numbers['journeys_measured']} journeys): "
            f"database {numbers['db_bytes_per_case'] / 1024:.1f} kB, encrypted records on disk "
            f"{numbers['records_bytes_per_case'] / 1024:.0f} kB. The database with "
            f"{plan.seeded_cases:,} seeded cases: "
            f"{numbers['seeded_db_bytes'] / 1_000_000:.1f} MB "
            f"({numbers['seeded_db_bytes'] / max(plan.seeded_cases, 1) / 1024:.1f} kB a case), "
            f"{numbers['db_total_bytes'] / 1_000_000:.1f} MB at the end; seeding took "
            f"{numbers['seed_s']:.1f} s.",
            "",
            f"**Memory.** Bot RSS idle after start-up {_mb(numbers['rss_idle_kb'])}, peak "
            f"(VmHWM) over all journeys {_mb(numbers['peak_rss_kb'])}, after them "
            f"{_mb(numbers['rss_after_kb'])}.",
        ]
    big = numbers.get("big_runs")
    if big:
        lines += ["", "**A 20 MB record** (a real PDF, through the records step):", ""]
        for run in big:
            lines.append(f"- {run['bytes'] / 1_000_000:.1f} MB: \"received\" after "
                         f"{run['seconds'] * 1000:.0f} ms, {run['cpu_s'] * 1000:.0f} ms of bot "
                         f"CPU, extra memory {_mb(run['extra_kb'])} at the peak "
                         f"({run['peak_from']}), {_mb(run['retained_kb'])} still held "
                         "0.3 s later")
    startup = numbers.get("startup")
    if startup:
        lines += ["", "**Start-up** (spawn of `python -m bot` → its first getUpdates; "
                  "migrations checked, web server up, getMe, deleteWebhook):", ""]
        for label, times in startup.items():
            what = ("empty database" if label == "empty"
                    else f"{plan.reminders:,} pending reminders")
            lines.append(f"- {what}: median {statistics.median(times):.2f} s, worst "
                         f"{max(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
        if "seed_reminders_s" in numbers:
            lines.append(f"- seeding the reminders took {numbers['seed_reminders_s']:.1f} s")
    refill = numbers.get("refill")
    if refill:
        lines += ["", "**`ReminderScheduler.refill`** in-process, "
                  f"{plan.reminders:,} pending reminders:", ""]
        for label, r in refill.items():
            lines.append(f"- {label}: {r['seconds'] * 1000:.1f} ms, {r['added']} jobs "
                         f"scheduled; a second refill {r['again_seconds'] * 1000:.1f} ms "
                         f"({r['again_added']} new)")
    if numbers.get("shutdown_errors"):
        lines += ["", "Logged while stopping (noted, not counted as failures): "
                  + "; ".join(f"`{note}`" for note in numbers["shutdown_errors"][:3])]
    if numbers.get("bare_startup_s") is not None and "startup_seeded_s" in numbers:
        lines += ["", f"Bare application start-up {numbers['bare_startup_s']:.2f} s; the bot "
                  f"with {plan.seeded_cases:,} cases {numbers['startup_seeded_s']:.2f} s."]
    return "\n".join(lines)


def plot(results: Results, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    levels = sorted((phase.patients, phase) for name, phase in results.phases.items()
                    if name.startswith("latency-"))
    if not levels:
        return False
    xs = [n for n, _ in levels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    for q, style in ((0.5, "o-"), (0.95, "s-"), (0.99, "^-")):
        left.plot(xs, [phase.p(q) for _, phase in levels], style, label=f"p{int(q * 100)}")
    left.axhline(50, color="grey", linestyle="--", linewidth=1, label="target p99 50 ms")
    think = results.plan.think
    left.set_xlabel(f"patients at once (each pausing {think[0]:g}–{think[1]:g} s between steps)")
    left.set_ylabel("update → first reply (ms)")
    left.set_yscale("log")
    left.set_xticks(xs)
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    left.set_title("Time to the bot's first reply")
    right.plot(xs, [phase.ups for _, phase in levels], "o-", label="updates/s handled")
    right.plot(xs, [phase.row()["bot_share"] * 100 for _, phase in levels], "s--",
               label="bot CPU (% of one core)")
    right.plot(xs, [phase.row()["driver_share"] * 100 for _, phase in levels], "^:",
               label="emulator + patients CPU (% of one core)")
    right.plot(xs, [phase.row()["other_share"] * 100 for _, phase in levels], "x:",
               label="other processes CPU (% of one core)")
    right.set_xlabel("patients at once")
    right.set_xticks(xs)
    right.grid(True, alpha=0.3)
    right.set_ylim(bottom=0)
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize="small")
    right.set_title("Load")
    fig.suptitle(f"Second-opinion bot, {results.database}, {results.started:%Y-%m-%d}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


TEMPLATE = f"""# Benchmarks

`python -m benchmarks` ({{}}).

{START}
{END}
"""


def write_readme(results: Results, text: str, folder: Path) -> None:
    readme = folder / "README.md"
    drawn = plot(results, folder / PLOT)
    block = text + (f"\n\n![latency against patients at once]({PLOT})" if drawn else "")
    current = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if START not in current or END not in current:
        current = TEMPLATE.format("see the module docstring of benchmarks/__main__.py")
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")


def as_dict(results: Results) -> dict[str, Any]:
    return {"numbers": results.numbers,
            "phases": {name: phase.row() for name, phase in results.phases.items()}}
