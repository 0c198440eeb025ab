"""Processed update ids are forgotten after a week; the pruning itself is a real query."""

from __future__ import annotations

from datetime import timedelta

from bot.housekeeping import PROCESSED_UPDATES_KEPT
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.repositories import UpdateLog


async def test_a_backlog_is_pruned_in_batches(database_url):
    await migrate(database_url)
    db = Database(database_url)
    clock = ManualClock()
    log = UpdateLog(db, clock)
    try:
        for update_id in range(1, 8):
            assert await log.record(update_id=update_id)
        clock.advance(PROCESSED_UPDATES_KEPT + timedelta(hours=1))
        assert await log.record(update_id=100)
        assert await log.prune(older_than=PROCESSED_UPDATES_KEPT, batch=3) == 7
        assert await log.record(update_id=1)        # forgotten
        assert not await log.record(update_id=100)  # recent: still known
    finally:
        await db.dispose()


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


# -- the hourly job: key rotation and the sweep of orphan files ------------------------------

import base64  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.housekeeping import run_housekeeping  # noqa: E402
from bot.services import Services  # noqa: E402
from storage.records import RecordStore  # noqa: E402
from storage.sweep import sweep_orphan_blobs  # noqa: E402

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
    from storage.models import Report
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
    from storage.models import Report
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
