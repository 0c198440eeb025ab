"""Repositories against a real database (SQLite here, PostgreSQL in CI's second run)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError

from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import Patient
from storage.repositories import (
    AuditRepo,
    ConversationRepo,
    OutboxRepo,
    PatientRepo,
    ReminderRepo,
    UpdateLog,
)


@pytest.fixture
async def db(database_url):
    await migrate(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return ManualClock()


async def test_migrations_create_every_table(db):
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"patients", "cases", "case_events", "records", "questions", "reports", "links",
            "slots", "appointments", "reminders", "outbox", "audit_events",
            "processed_updates", "conversation_states", "alembic_version"} <= tables


async def test_sqlite_pragmas(db):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000


async def test_update_is_recorded_once(db, clock):
    log = UpdateLog(db, clock)
    assert await log.record(update_id=10)
    assert not await log.record(update_id=10)
    results = await asyncio.gather(*(log.record(update_id=11) for _ in range(5)))
    assert results.count(True) == 1


async def _patients(db, telegram_user_id: int) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(Patient).where(
            Patient.telegram_user_id == telegram_user_id))).scalar_one())


async def test_first_contact_records_the_update_and_creates_the_patient(db, clock):
    log = UpdateLog(db, clock)
    first = await log.record_and_identify(update_id=1, telegram_user_id=5, private_chat_id=5,
                                          language="vi")
    assert first.fresh and first.patient is not None
    assert (first.patient.telegram_user_id, first.patient.chat_id) == (5, 5)
    assert first.patient.language == "vi" and not first.patient.language_chosen
    # The patient exists: loaded as they are, whatever language this update suggests.
    again = await log.record_and_identify(update_id=2, telegram_user_id=5, private_chat_id=5,
                                          language="en")
    assert again.fresh and again.patient == first.patient
    assert await _patients(db, 5) == 1


async def test_redelivered_update_stops_before_anything_else(db, clock):
    log = UpdateLog(db, clock)
    assert (await log.record_and_identify(update_id=7)).fresh  # no user: only recorded
    # The same update id again, now with a user who does not exist yet: nothing is created.
    redelivered = await log.record_and_identify(update_id=7, telegram_user_id=8,
                                                private_chat_id=8, language="en")
    assert not redelivered.fresh and redelivered.patient is None
    assert await _patients(db, 8) == 0
    assert not await log.record(update_id=7)


async def test_outside_private_chats_the_patient_is_only_looked_up(db, clock):
    log, patients = UpdateLog(db, clock), PatientRepo(db, clock)
    unknown = await log.record_and_identify(update_id=1, telegram_user_id=9, language="en")
    assert unknown.fresh and unknown.patient is None
    assert await _patients(db, 9) == 0
    await patients.get_or_create(telegram_user_id=9, chat_id=9, language="vi")
    await patients.mark_unreachable(chat_id=9)
    known = await log.record_and_identify(update_id=2, telegram_user_id=9, language="en")
    assert known.patient is not None and known.patient.language == "vi"
    assert known.patient.unreachable_at is not None  # a group message changes nothing
    # Writing to the bot in private again: reachable again, in the database too.
    private = await log.record_and_identify(update_id=3, telegram_user_id=9, private_chat_id=9,
                                            language="en")
    assert private.patient is not None and private.patient.unreachable_at is None
    stored = await patients.get(telegram_user_id=9)
    assert stored is not None and stored.unreachable_at is None


async def test_concurrent_first_contact_makes_one_patient(db, database_url, clock):
    """Two processes (two engines), many updates of one new person at once: every update is
    taken, all see the same single patient, none fails."""
    other = Database(database_url)
    try:
        logs = [UpdateLog(db, clock), UpdateLog(other, clock)]
        results = await asyncio.gather(*(
            logs[i % 2].record_and_identify(update_id=100 + i, telegram_user_id=42,
                                            private_chat_id=42, language="en")
            for i in range(8)))
    finally:
        await other.dispose()
    assert all(r.fresh for r in results)
    assert len({r.patient.id for r in results if r.patient is not None}) == 1
    assert all(r.patient is not None for r in results)
    assert await _patients(db, 42) == 1


async def test_first_contact_waits_for_a_concurrent_creation_and_uses_it(db, database_url,
                                                                          clock):
    """Another transaction has inserted the same new patient and not committed yet: this one
    waits for it (SQLite: its write lock; PostgreSQL: the unique key), then loads that patient
    instead of failing on the unique key."""
    other = Database(database_url)
    now = clock.now()
    try:
        async with other.engine.connect() as conn:
            tx = await conn.begin()
            created = (await conn.execute(insert(Patient).values(
                telegram_user_id=77, chat_id=77, language="vi", language_chosen=False,
                created_at=now, updated_at=now).returning(Patient.id))).scalar_one()
            task = asyncio.create_task(UpdateLog(db, clock).record_and_identify(
                update_id=1, telegram_user_id=77, private_chat_id=77, language="en"))
            await asyncio.sleep(0.5)
            assert not task.done()
            await tx.commit()
        arrival = await asyncio.wait_for(task, timeout=10)
    finally:
        await other.dispose()
    assert arrival.fresh and arrival.patient is not None
    assert arrival.patient.id == created and arrival.patient.language == "vi"
    assert await _patients(db, 77) == 1


async def test_patient_consent_is_audited(db, clock):
    patients, audit = PatientRepo(db, clock), AuditRepo(db, clock)
    p = await patients.get_or_create(telegram_user_id=5, chat_id=5, language="vi")
    assert not p.consented and p.language == "vi"
    again = await patients.get_or_create(telegram_user_id=5, chat_id=5, language="en")
    assert again.id == p.id and again.language == "vi"
    consented = await patients.give_consent(telegram_user_id=5)
    assert consented.consented
    await patients.give_consent(telegram_user_id=5)
    events = await audit.all()
    assert [e.action for e in events] == ["consent.given"]
    assert await audit.verify_chain()


async def test_audit_chain_detects_tampering(db, clock):
    audit = AuditRepo(db, clock)
    for i in range(5):
        await audit.append(actor=f"coordinator:{i}", action="case.viewed", subject="case:1")
    assert await audit.verify_chain()
    # The database itself refuses changes to the log (migration 0006's triggers)...
    for statement in ("UPDATE audit_events SET subject='case:2' WHERE id=3",
                      "DELETE FROM audit_events WHERE id=3"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.transaction() as s:
                await s.execute(text(statement))
    assert await audit.verify_chain()
    # ...so a tamperer must first drop the triggers (DDL rights); the chain still tells.
    async with db.transaction() as s:
        if db.is_sqlite:
            await s.execute(text("DROP TRIGGER audit_events_no_update"))
        else:
            await s.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
        await s.execute(text("UPDATE audit_events SET subject='case:2' WHERE id=3"))
    assert not await audit.verify_chain()


async def test_conversation_state_round_trip(db, clock):
    repo = ConversationRepo(db, clock)
    await repo.save(name="patient", key="[1,1]", state="intake.records")
    await repo.save(name="patient", key="[2,2]", state="menu.main")
    await repo.save(name="patient", key="[2,2]", state=None)
    assert await repo.load(name="patient") == {"[1,1]": "intake.records"}


async def test_outbox_due_retry_and_give_up(db, clock):
    outbox = OutboxRepo(db, clock)
    first = await outbox.enqueue(chat_id=1, method="sendMessage", payload={"chat_id": 1,
                                                                            "text": "a"})
    later = await outbox.enqueue(chat_id=2, method="sendMessage", payload={"chat_id": 2,
                                                                            "text": "b"},
                                 not_before=clock.now() + timedelta(hours=1))
    assert [m.id for m in await outbox.due()] == [first]
    await outbox.retry_later(message_id=first, at=clock.now() + timedelta(seconds=30),
                             error="502")
    assert await outbox.due() == []
    clock.advance(timedelta(minutes=2))
    assert [m.attempts for m in await outbox.due()] == [1]
    await outbox.mark_sent(message_id=first)
    clock.advance(timedelta(hours=1))
    assert [m.id for m in await outbox.due()] == [later]
    await outbox.give_up(message_id=later, status="unreachable", error="403")
    assert await outbox.counts() == {"sent": 1, "unreachable": 1}


async def test_reminder_fires_once_with_its_message(db, clock):
    reminders, outbox = ReminderRepo(db, clock), OutboxRepo(db, clock)
    r = await reminders.schedule(kind="test", due_at=clock.now(), dedup_key="k1")
    assert r is not None
    assert await reminders.schedule(kind="test", due_at=clock.now(), dedup_key="k1") is None
    fired = await asyncio.gather(*(reminders.fire(reminder_id=r.id, chat_id=7,
                                                  method="sendMessage",
                                                  payload={"chat_id": 7, "text": "x"})
                                   for _ in range(4)))
    assert fired.count(True) == 1
    assert len(await outbox.due()) == 1
    assert await reminders.count_pending() == 0


async def test_reminders_window_and_cancel(db, clock):
    reminders = ReminderRepo(db, clock)
    now = clock.now()
    soon = await reminders.schedule(kind="a", due_at=now + timedelta(minutes=1), case_id=None)
    await reminders.schedule(kind="a", due_at=now + timedelta(days=1))
    assert soon is not None
    assert [r.id for r in await reminders.pending_until(until=now + timedelta(minutes=5))] == [
        soon.id]
    assert await reminders.cancel_for(kinds=("a",)) == 2
    assert await reminders.count_pending() == 0
