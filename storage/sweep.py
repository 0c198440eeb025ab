"""Encrypted files on disk that no row names any more.

A blob is written (and fsynced) before the row that names it is committed, and erasure deletes
rows before it deletes their files, so a crash between the two leaves a file that nothing
refers to: unreadable without its wrapped key, but still a patient's data on disk. The sweep
removes such files, and half-written temporaries, once they are older than a grace period far
longer than any handler takes between writing a blob and committing its row.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, union

from storage.db import Database
from storage.models import Record, Report
from storage.records import RecordStore

log = logging.getLogger(__name__)

GRACE = timedelta(hours=1)


def _old_files(directory: Path, cutoff: float) -> list[Path]:
    """Blobs (``ab/ab….rec``) and temporaries (``ab/.ab….rec.xxxx.tmp``) last written before
    ``cutoff`` (seconds since the epoch)."""
    found: list[Path] = []
    if not directory.is_dir():
        return found
    with os.scandir(directory) as shards:
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            with os.scandir(shard.path) as entries:
                for entry in entries:
                    if (entry.is_file(follow_symlinks=False)
                            and entry.name.endswith((".rec", ".tmp"))
                            and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                        found.append(Path(entry.path))
    return found


async def sweep_orphan_blobs(db: Database, store: RecordStore, *,
                             grace: timedelta = GRACE) -> int:
    """Delete files older than ``grace`` that no record or report names. Returns how many.

    The files are listed before the names are read, so a blob whose row is committed in
    between is seen as named; and only files older than ``grace`` are candidates at all.
    """
    cutoff = time.time() - grace.total_seconds()
    candidates = await asyncio.to_thread(_old_files, store.directory, cutoff)
    if not candidates:
        return 0
    async with db.read() as s:
        named = set((await s.execute(union(
            select(Record.blob_name),
            select(Report.blob_name).where(Report.blob_name.is_not(None))))).scalars())
    orphans = [p for p in candidates if p.name.endswith(".tmp") or p.name not in named]

    def remove() -> int:
        removed = 0
        for path in orphans:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    removed = await asyncio.to_thread(remove)
    if removed:
        log.info("sweep: removed %s encrypted files no row refers to", removed)
    return removed
