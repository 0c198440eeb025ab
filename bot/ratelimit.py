"""Per-person flood control, in memory: a flood from one patient never costs the others.

A sliding window of `limit` updates per `window` seconds per user. Past it, the person gets one
slow-down note for the window and further updates are dropped before they touch the database.
An album (one media group) counts once.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    stamps: deque[float] = field(default_factory=deque)
    warned_until: float = 0.0
    groups: set[str] = field(default_factory=set)


class RateLimiter:
    def __init__(self, *, limit: int = 30, window: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def check(self, user_id: int, media_group_id: str | None = None) -> str:
        """``"ok"``, ``"warn"`` (over the limit: send the note once) or ``"drop"``."""
        now = self._clock()
        bucket = self._buckets.setdefault(user_id, _Bucket())
        while bucket.stamps and bucket.stamps[0] <= now - self.window:
            bucket.stamps.popleft()
        if not bucket.stamps:
            bucket.groups.clear()
        if media_group_id is not None:
            if media_group_id in bucket.groups:
                return "ok"
            bucket.groups.add(media_group_id)
        if len(bucket.stamps) < self.limit:
            bucket.stamps.append(now)
            return "ok"
        if now >= bucket.warned_until:
            bucket.warned_until = now + self.window
            return "warn"
        return "drop"

    def forget_idle(self) -> None:
        """Drop buckets with nothing in the window (called now and then to bound memory)."""
        cutoff = self._clock() - self.window
        for user_id in [u for u, b in self._buckets.items()
                        if not b.stamps or b.stamps[-1] <= cutoff]:
            del self._buckets[user_id]
