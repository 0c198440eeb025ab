"""The hourly upkeep: processed update ids forgotten after a week (a real query, in batches),
file keys rewrapped under the newest master key, and encrypted files no row names swept."""

from __future__ import annotations

import base64
import os
import secrets
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.housekeeping import PROCESSED_UPDATES_KEPT, run_housekeeping
from bot.services import Services
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import Report
from storage.records import RecordStore
from storage.repositories import UpdateLog
from storage.sweep import sweep_orphan_blobs


@pytest.fixture
async def update_log(database_url):
    await migrate(database_url)
    db = Database(database_url)
    clock = ManualClock()
    yield UpdateLog(db, clock), clock
    await db.dispose()


async def test_a_backlog_is_pruned_in_batches(update_log):
    log, clock = update_log
    for update_id in range(1, 8):
        assert await log.record(update_id=update_id)
    clock.advance(PROCESSED_UPDATES_KEPT + timedelta(hours=1))
    assert await log.record(update_id=100)
    assert await log.prune(older_than=PROCESSED_UPDATES_KEPT, batch=3) == 7
    assert await log.record(update_id=1)        # forgotten
    assert not await log.record(update_id=100)  # recent: still known


async def test_old_update_ids_are_pruned(update_log):
    log, clock = update_log
    assert await log.record(update_id=1)
    clock.advance(PROCESSED_UPDATES_KEPT + timedelta(hours=1))
    assert await log.record(update_id=2)
    assert await log.prune(older_than=PROCESSED_UPDATES_KEPT) == 1
    assert await log.record(update_id=1)  # forgotten, so it would be taken again
    assert not await log.record(update_id=2)


# -- the hourly job: key rotation and the sweep of orphan files ------------------------------




OLD_KEY, NEW_KEY = secrets.token_bytes(32), secrets.token_bytes(32)


def _services(tmp_path, database_url, keys):
    settings = load_settings({
        "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": ",".join(base64.b64encode(k).decode() for k in keys)})
    return Services.create(settings, db=Database(database_url), clock=ManualClock())


async def _stored_record(services, data: bytes, user_id: int = 4242):
    patient = await services.patients.get_or_create(telegram_user_id=user_id, chat_id=user_id,
                                                    language="en")
    draft, _ = await services.cases.start_draft(patient_id=patient.id, step="intake.records")
    sealed = await services.record_store.put(data)
    await services.cases.add_record(
        case_id=draft.id, patient_id=patient.id, step="intake.records", mime="image/png",
        size=sealed.size, sha256=sealed.sha256, blob_name=sealed.blob_name,
        wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, record_date=None,
        date_source=None)
    return draft, sealed


def _age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


@pytest.fixture
async def old_services(tmp_path, database_url):
    await migrate(database_url)
    made = _services(tmp_path, database_url, [OLD_KEY])
    yield made
    await made.close()


async def test_housekeeping_rewraps_keys_under_the_newest_master_key(
        old_services, tmp_path, database_url):
    draft, _ = await _stored_record(old_services, b"scan under the old key")
    rotated = _services(tmp_path, database_url, [NEW_KEY, OLD_KEY])
    try:
        upkeep = await run_housekeeping(rotated)
        assert upkeep.rewrapped_keys == 1 and not upkeep.failed
        assert (await run_housekeeping(rotated)).rewrapped_keys == 0
    finally:
        await rotated.close()
    # The old key can now be retired: the newest alone opens the record.
    only_new = _services(tmp_path, database_url, [NEW_KEY])
    try:
        record = (await only_new.cases.records(case_id=draft.id))[0]
        blob = await only_new.cases.blob(record_id=record.id)
        assert await only_new.record_store.get(
            blob_name=blob.blob_name, wrapped_key=blob.wrapped_key, key_id=blob.key_id
        ) == b"scan under the old key"
    finally:
        await only_new.close()


async def test_sweep_removes_only_old_files_no_row_names(old_services):
    services = old_services
    store: RecordStore = services.record_store
    _, kept = await _stored_record(services, b"a record with its row")
    orphan = await store.put(b"a file whose row was never committed")
    fresh = await store.put(b"a file whose row is being committed right now")
    half_written = store.path(orphan.blob_name).with_name(f".{orphan.blob_name}.ab12cd34.tmp")
    half_written.write_bytes(b"half")
    for path in (store.path(kept.blob_name), store.path(orphan.blob_name), half_written):
        _age(path, hours=2)

    assert await sweep_orphan_blobs(services.db, store) == 2
    assert store.exists(kept.blob_name)        # named by its row, however old
    assert not store.exists(orphan.blob_name)  # old, and no row names it
    assert store.exists(fresh.blob_name)       # within the grace period
    assert not half_written.exists()
    assert await sweep_orphan_blobs(services.db, store) == 0


async def _stored_report(services, case_id: int, data: bytes):
    sealed = await services.record_store.put(data)
    async with services.db.transaction() as s:
        s.add(Report(case_id=case_id, blob_name=sealed.blob_name,
                     wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, attached_by=9001,
                     attached_at=services.clock.now()))
    return sealed


async def test_sweep_keeps_report_files(old_services):
    services = old_services
    draft, _ = await _stored_record(services, b"record")
    report = await _stored_report(services, draft.id, b"%PDF- the expert's report")
    _age(services.record_store.path(report.blob_name), hours=5)
    assert await sweep_orphan_blobs(services.db, services.record_store) == 0
    assert services.record_store.exists(report.blob_name)


async def test_rotation_covers_attached_reports(old_services, tmp_path, database_url):
    draft, _ = await _stored_record(old_services, b"record")
    await _stored_report(old_services, draft.id, b"%PDF- the expert's report")
    rotated = _services(tmp_path, database_url, [NEW_KEY, OLD_KEY])
    try:
        assert (await run_housekeeping(rotated)).rewrapped_keys == 2
    finally:
        await rotated.close()
    only_new = _services(tmp_path, database_url, [NEW_KEY])
    try:
        async with only_new.db.read() as s:
            row = (await s.execute(select(Report))).scalars().one()
        assert await only_new.record_store.get(
            blob_name=row.blob_name, wrapped_key=row.wrapped_key, key_id=row.key_id
        ) == b"%PDF- the expert's report"
    finally:
        await only_new.close()
