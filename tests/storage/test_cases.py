"""CaseRepo against a real database: drafts, records, questions and the one-time submit."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.cases import (
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_RECORDS,
    SUGGESTED_QUESTIONS,
    CaseRepo,
    case_number,
)
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import AuditEvent, Case, CaseEvent, OutboxMessage, Record, Reminder
from storage.records import RecordStore
from storage.repositories import Outgoing, PatientRepo, ReminderRepo


@pytest.fixture
async def db(database_url):
    await migrate(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))


@pytest.fixture
def repo(db, clock):
    return CaseRepo(db, clock)


async def _patient(db, clock, user_id=1001):
    return await PatientRepo(db, clock).get_or_create(telegram_user_id=user_id, chat_id=user_id,
                                                      language="en")


async def _record(repo, case, patient, *, sha=None, group=None, mime="image/jpeg",
                  record_date=None, date_source=None, step="intake.records"):
    return await repo.add_record(
        case_id=case.id, patient_id=patient.id, step=step, mime=mime, size=100,
        sha256=sha or secrets.token_hex(32), blob_name=f"{secrets.token_hex(16)}.rec",
        wrapped_key=b"k" * 60, key_id="0123456789abcdef", record_date=record_date,
        date_source=date_source, media_group_id=group)


def _no_alerts(case, count):
    return []


async def test_start_draft_once_with_suggested_questions(repo, db, clock):
    patient = await _patient(db, clock)
    draft, created = await repo.start_draft(patient_id=patient.id, step="intake.track")
    assert created and draft.status == "draft" and draft.step == "intake.track"
    again, created_again = await repo.start_draft(patient_id=patient.id, step="intake.other")
    assert not created_again and again.id == draft.id and again.step == "intake.track"
    assert (await repo.draft(patient_id=patient.id)).id == draft.id
    questions = await repo.questions(case_id=draft.id)
    assert [q.suggested_key for q in questions] == list(SUGGESTED_QUESTIONS)
    assert all(q.text is None for q in questions)


async def test_answer_writes_values_and_step_together(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.track")
    clock.advance(timedelta(minutes=5))
    out = await repo.answer(case_id=draft.id, patient_id=patient.id, step="intake.specialty",
                            values={"track": "international"})
    assert out.track == "international" and out.step == "intake.specialty"
    assert out.updated_at > draft.updated_at
    out = await repo.answer(case_id=draft.id, patient_id=patient.id, step="intake.plan",
                            values={"diagnosis": "Stage II", "specialty": "oncology"})
    async with db.read() as s:
        row = await s.get(Case, draft.id)
        assert (row.diagnosis, row.specialty, row.step) == ("Stage II", "oncology",
                                                            "intake.plan")
    with pytest.raises(ValueError):
        await repo.answer(case_id=draft.id, patient_id=patient.id, step="x",
                          values={"status": "submitted"})
    with pytest.raises(ValueError):
        await repo.answer(case_id=draft.id, patient_id=patient.id, step="x",
                          values={"track": "mars"})


async def test_another_patient_cannot_touch_a_draft(repo, db, clock):
    owner = await _patient(db, clock, 1)
    other = await _patient(db, clock, 2)
    draft, _ = await repo.start_draft(patient_id=owner.id, step="intake.track")
    assert await repo.answer(case_id=draft.id, patient_id=other.id, step="x",
                             values={"diagnosis": "forged"}) is None
    added = await _record(repo, draft, owner)
    assert (await _record(repo, draft, other)).outcome == "gone"
    rid = added.record.id
    assert await repo.set_record_kind(case_id=draft.id, patient_id=other.id, record_id=rid,
                                      kind="test") is None
    assert await repo.remove_record(case_id=draft.id, patient_id=other.id,
                                    record_id=rid) is None
    assert (await repo.toggle_suggested(case_id=draft.id, patient_id=other.id,
                                        key="wait")).outcome == "gone"
    assert await repo.submit(case_id=draft.id, patient_id=other.id, alerts=_no_alerts) is None
    assert await repo.delete_draft(case_id=draft.id, patient_id=other.id) is None
    assert (await repo.get(case_id=draft.id)).diagnosis is None


async def test_records_duplicates_limit_and_removal(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.track")
    first = await _record(repo, draft, patient, sha="a" * 64, step="intake.records")
    assert first.outcome == "added" and first.count == 1
    same = await _record(repo, draft, patient, sha="a" * 64)
    assert same.outcome == "duplicate" and same.record.id == first.record.id
    for _ in range(MAX_RECORDS - 1):
        assert (await _record(repo, draft, patient)).outcome == "added"
    full = await _record(repo, draft, patient)
    assert full.outcome == "full" and full.count == MAX_RECORDS
    assert await repo.count_records(case_id=draft.id) == MAX_RECORDS
    blob = await repo.remove_record(case_id=draft.id, patient_id=patient.id,
                                    record_id=first.record.id)
    assert blob is not None and blob.endswith(".rec")
    assert await repo.count_records(case_id=draft.id) == MAX_RECORDS - 1
    assert (await repo.get(case_id=draft.id)).step == "intake.records"
    async with db.read() as s:
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
        assert "record.removed" in actions


async def test_the_same_file_sent_concurrently_is_stored_once(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.records")
    results = await asyncio.gather(*(_record(repo, draft, patient, sha="b" * 64)
                                     for _ in range(4)))
    assert sorted(r.outcome for r in results) == ["added", "duplicate", "duplicate",
                                                  "duplicate"]
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Record))).scalar_one() == 1


async def test_album_kind_and_dates(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.records")
    a = (await _record(repo, draft, patient, group="g1", record_date=date(2024, 1, 2),
                       date_source="file")).record
    b = (await _record(repo, draft, patient, group="g1")).record
    c = (await _record(repo, draft, patient, group="g1", record_date=date(2024, 1, 3),
                       date_source="file")).record
    lone = (await _record(repo, draft, patient, mime="application/pdf",
                          record_date=date(2023, 5, 6), date_source="file")).record
    assert all(r.pending for r in (a, b, c, lone))

    changed = await repo.set_record_kind(case_id=draft.id, patient_id=patient.id,
                                         record_id=a.id, kind="imaging")
    assert {r.id for r in changed} == {a.id, b.id, c.id}
    # Confirming the dates read from the files touches only those that had one.
    confirmed = await repo.set_record_date(case_id=draft.id, patient_id=patient.id,
                                           record_id=a.id, value=None)
    assert {(r.id, r.date_source) for r in confirmed} == {(a.id, "exif"), (c.id, "exif")}
    # The one without a date gets the patient's.
    dated = await repo.set_record_date(case_id=draft.id, patient_id=patient.id,
                                       record_id=b.id, value=date(2024, 1, 1))
    assert [(r.id, r.record_date, r.date_source) for r in dated] == [
        (b.id, date(2024, 1, 1), "patient")]
    await repo.set_record_kind(case_id=draft.id, patient_id=patient.id, record_id=lone.id,
                               kind="test")
    await repo.set_record_date(case_id=draft.id, patient_id=patient.id, record_id=lone.id,
                               value=None)
    records = await repo.records(case_id=draft.id)
    assert not any(r.pending for r in records)
    assert {r.id: r.date_source for r in records}[lone.id] == "pdf"
    with pytest.raises(ValueError):
        await repo.set_record_kind(case_id=draft.id, patient_id=patient.id, record_id=a.id,
                                   kind="selfie")


async def test_questions_limits(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.questions")
    kw = {"case_id": draft.id, "patient_id": patient.id}
    assert (await repo.add_question(**kw, text="  ", step="s")).outcome == "empty"
    assert (await repo.add_question(**kw, text="x" * (MAX_QUESTION_CHARS + 1),
                                    step="s")).outcome == "too_long"
    own = []
    for i in range(MAX_QUESTIONS - len(SUGGESTED_QUESTIONS)):
        result = await repo.add_question(**kw, text=f"My question {i}?", step="s")
        assert result.outcome == "ok"
        own.append(result.questions[-1])
    assert (await repo.add_question(**kw, text="One too many?", step="s")).outcome == "full"
    # Switching a suggested one off makes room; switching it back on is then refused.
    off = await repo.toggle_suggested(**kw, key="wait")
    assert off.outcome == "ok" and "wait" not in {q.suggested_key for q in off.questions}
    assert (await repo.add_question(**kw, text="Now it fits?", step="s")).outcome == "ok"
    assert (await repo.toggle_suggested(**kw, key="wait")).outcome == "full"
    edited = await repo.edit_question(**kw, question_id=own[0].id, text="Reworded?", step="s")
    assert edited.outcome == "ok" and any(q.text == "Reworded?" for q in edited.questions)
    # A suggested question has no text to edit.
    suggested = next(q for q in edited.questions if q.suggested_key == "accuracy")
    assert (await repo.edit_question(**kw, question_id=suggested.id, text="x",
                                     step="s")).outcome == "gone"
    removed = await repo.remove_question(**kw, question_id=own[0].id)
    assert removed.outcome == "ok" and len(removed.questions) == MAX_QUESTIONS - 1
    # Order: the suggested ones first, then the patient's own, in the order they were added.
    assert [q.suggested_key for q in removed.questions[:4]] == ["accuracy", "options",
                                                                "results", "evidence"]


async def test_submit_once_with_outbox_and_reminders(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.review")
    await _record(repo, draft, patient)
    reminders = ReminderRepo(db, clock)
    await reminders.schedule(kind="intake_nudge_1", due_at=clock.now() + timedelta(days=1),
                             patient_id=patient.id, case_id=draft.id,
                             dedup_key=f"intake:nudge1:{draft.id}")
    seen = []

    def alerts(case, count):
        seen.append((case.number, count))
        return [Outgoing(chat_id=-100, method="sendMessage",
                         payload={"chat_id": -100, "text": f"New case {case.number}"})]

    first = await repo.submit(case_id=draft.id, patient_id=patient.id, alerts=alerts)
    assert first.first_time and first.record_count == 1
    assert first.case.status == "submitted" and first.case.step is None
    assert first.case.number == case_number(draft.id, clock.now()) == f"SO-2611-{draft.id:04d}"
    second = await repo.submit(case_id=draft.id, patient_id=patient.id, alerts=alerts)
    assert not second.first_time and second.case.number == first.case.number
    assert seen == [(first.case.number, 1)]
    assert await repo.draft(patient_id=patient.id) is None
    async with db.read() as s:
        outbox = (await s.execute(select(OutboxMessage))).scalars().all()
        assert [o.payload["text"] for o in outbox] == [f"New case {first.case.number}"]
        events = (await s.execute(select(CaseEvent.to_status).order_by(CaseEvent.id))
                  ).scalars().all()
        assert events == ["draft", "submitted"]
        statuses = (await s.execute(select(Reminder.status))).scalars().all()
        assert statuses == ["cancelled"]
    # A submitted case is no longer a draft: nothing changes it through the draft methods.
    assert await repo.answer(case_id=draft.id, patient_id=patient.id, step="x",
                             values={"diagnosis": "late"}) is None
    assert (await _record(repo, draft, patient)).outcome == "gone"


async def test_concurrent_submits_give_one_case_and_one_alert(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.review")

    def alerts(case, count):
        return [Outgoing(chat_id=-100, method="sendMessage", payload={"text": case.number})]

    results = await asyncio.gather(*(repo.submit(case_id=draft.id, patient_id=patient.id,
                                                 alerts=alerts) for _ in range(5)))
    assert sum(r.first_time for r in results) == 1
    assert len({r.case.number for r in results}) == 1
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(OutboxMessage))
                ).scalar_one() == 1


async def test_a_failing_alert_leaves_the_draft_unsubmitted(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.review")

    def broken(case, count):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await repo.submit(case_id=draft.id, patient_id=patient.id, alerts=broken)
    assert (await repo.get(case_id=draft.id)).status == "draft"


async def test_numbers_are_unique_across_patients(repo, db, clock):
    numbers = set()
    for user in range(3):
        patient = await _patient(db, clock, 500 + user)
        draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.review")
        numbers.add((await repo.submit(case_id=draft.id, patient_id=patient.id,
                                       alerts=_no_alerts)).case.number)
    assert len(numbers) == 3


async def test_patient_cases_and_delete_draft(repo, db, clock):
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.review")
    await _record(repo, draft, patient)
    await _record(repo, draft, patient)
    await repo.submit(case_id=draft.id, patient_id=patient.id, alerts=_no_alerts)
    summaries = await repo.patient_cases(patient_id=patient.id)
    assert len(summaries) == 1 and summaries[0].record_count == 2
    assert [e.to_status for e in summaries[0].events] == ["draft", "submitted"]

    second, created = await repo.start_draft(patient_id=patient.id, step="intake.track")
    assert created and second.id != draft.id
    await _record(repo, second, patient)
    blobs = await repo.delete_draft(case_id=second.id, patient_id=patient.id)
    assert len(blobs) == 1
    assert await repo.get(case_id=second.id) is None
    assert await repo.draft(patient_id=patient.id) is None
    assert len(await repo.patient_cases(patient_id=patient.id)) == 1


async def test_rotate_record_keys(repo, db, clock, tmp_path):
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    store = RecordStore(tmp_path, [old])
    patient = await _patient(db, clock)
    draft, _ = await repo.start_draft(patient_id=patient.id, step="intake.records")
    sealed = await store.put(b"scan bytes")
    await repo.add_record(case_id=draft.id, patient_id=patient.id, step="intake.records",
                          mime="image/png", size=sealed.size, sha256=sealed.sha256,
                          blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                          key_id=sealed.key_id, record_date=None, date_source=None)
    rotated = RecordStore(tmp_path, [new, old])
    assert await repo.rotate_record_keys(keys=rotated.keys) == 1
    assert await repo.rotate_record_keys(keys=rotated.keys) == 0
    record = (await repo.records(case_id=draft.id))[0]
    blob = await repo.blob(record_id=record.id)
    assert blob.key_id == rotated.keys.current_id
    assert await RecordStore(tmp_path, [new]).get(
        blob_name=blob.blob_name, wrapped_key=blob.wrapped_key, key_id=blob.key_id
    ) == b"scan bytes"
