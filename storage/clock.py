"""An injectable clock: aware UTC datetimes everywhere; tests move time with `ManualClock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Starts at the real time (or a given one) plus an offset that tests can advance."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start
        self._offset = timedelta()

    def now(self) -> datetime:
        base = self._start if self._start is not None else datetime.now(UTC)
        return base + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
