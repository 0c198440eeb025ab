"""Hourly upkeep, so that nothing grows without end and no patient data is left behind.

- processed update ids older than a week are forgotten (Telegram redelivers for a day at most);
- idle rate-limit buckets are dropped;
- record keys still wrapped with an older master key (ENCRYPTION_KEYS lists the newest first)
  are rewrapped with the newest, so an old key can be retired once this has run;
- encrypted files that no row names (a crash between writing a file and committing its row, or
  between an erasure and its file deletions) are removed after an hour.

Each step runs even if an earlier one failed; failures are logged by type only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

from bot.app import BotApp
from bot.services import Services
from storage.sweep import sweep_orphan_blobs

log = logging.getLogger(__name__)

PROCESSED_UPDATES_KEPT = timedelta(days=7)
INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class Upkeep:
    pruned_updates: int = 0
    rewrapped_keys: int = 0
    swept_files: int = 0
    failed: tuple[str, ...] = ()


async def run_housekeeping(services: Services) -> Upkeep:
    counts: dict[str, int] = {}
    failed: list[str] = []

    async def step(name: str, work: Awaitable[int]) -> None:
        try:
            counts[name] = await work
        except Exception as exc:  # one step's failure must not stop the others
            failed.append(name)
            log.warning("housekeeping: %s failed: %s", name, type(exc).__name__)

    await step("pruned_updates", services.updates.prune(older_than=PROCESSED_UPDATES_KEPT))
    services.rate_limiter.forget_idle()
    await step("rewrapped_keys",
               services.cases.rotate_record_keys(keys=services.record_store.keys))
    await step("swept_files", sweep_orphan_blobs(services.db, services.record_store))
    upkeep = Upkeep(**counts, failed=tuple(failed))
    if upkeep.pruned_updates:
        log.info("housekeeping: forgot %s processed update ids", upkeep.pruned_updates)
    if upkeep.rewrapped_keys:
        log.info("housekeeping: rewrapped %s record keys with the newest master key",
                 upkeep.rewrapped_keys)
    return upkeep


def start_housekeeping(application: BotApp, services: Services) -> None:
    async def job(_context: object) -> None:
        await run_housekeeping(services)

    if application.job_queue is not None:
        application.job_queue.run_repeating(job, interval=INTERVAL.total_seconds(), first=60,
                                            name="housekeeping")
