"""Processes under test (``python -m bot``, the bare application) and what /proc says about
them: CPU time, resident memory, its peak. Linux only; psutil is not needed."""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` field in kB (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Spawned:
    """A Python module run as its own process, its output in a log file."""

    def __init__(self, module: str, env: dict[str, str], cwd: Path, name: str,
                 python_args: tuple[str, ...] = ()) -> None:
        self.module = module
        self.python_args = python_args
        self.env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
                    "LANG": "C.UTF-8", **env}
        self.cwd = cwd
        self.log_path = cwd / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.spawned_at = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.spawned_at = time.perf_counter()
            self.proc = subprocess.Popen([sys.executable, *self.python_args, "-m", self.module],
                                         env=self.env,
                                         cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# -- the machine ------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu": model, "cores": str(os.cpu_count() or "?"), "ram": ram,
            "python": platform.python_version(), "os": platform.platform(terse=True)}
