"""Processed update ids are forgotten after a week; the pruning itself is a real query."""

from __future__ import annotations

from datetime import timedelta

from bot.runner import PROCESSED_UPDATES_KEPT
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.repositories import UpdateLog


async def test_old_update_ids_are_pruned(database_url):
    await migrate(database_url)
    db = Database(database_url)
    clock = ManualClock()
    log = UpdateLog(db, clock)
    try:
        assert await log.record(update_id=1)
        clock.advance(PROCESSED_UPDATES_KEPT + timedelta(hours=1))
        assert await log.record(update_id=2)
        assert await log.prune(older_than=PROCESSED_UPDATES_KEPT) == 1
        assert await log.record(update_id=1)  # forgotten, so it would be taken again
        assert not await log.record(update_id=2)
    finally:
        await db.dispose()
