"""Run `python -m bot` as a real process (for SIGTERM and SIGKILL tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = cwd / "bot-process.log"

    async def start(self, emulator, timeout: float = 30) -> None:
        emulator.clear_requests()
        self.cwd.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot"], env=self.env,
                                     cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.logs()}")
            if any(method == "getUpdates" for method, _ in emulator.requests):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"bot did not start polling in time:\n{self.logs()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    async def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10) -> float:
        """Send a signal and return how long the process took to exit."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(sig)
        while self.proc.poll() is None:
            if time.monotonic() - started > timeout:
                self.proc.kill()
                raise AssertionError(f"bot did not stop within {timeout} s:\n{self.logs()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
