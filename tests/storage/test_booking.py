"""BookingRepo against a real database: publishing slots (bulk in one transaction), free slots,
the slot race decided by the UNIQUE constraint, rescheduling and cancelling with their reminders,
offers, no-shows, the agenda and feedback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from storage.booking import BookingRepo
from storage.cases import CaseRepo
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import Appointment, AuditEvent, OutboxMessage, Reminder, Slot
from storage.repositories import Outgoing, PatientRepo

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
async def db(database_url):
    await migrate(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return ManualClock(NOW)


@pytest.fixture
def repo(db, clock):
    return BookingRepo(db, clock)


def plan(starts_at, ends_at):
    return [("booking_24h", starts_at - 24 * H), ("booking_1h", starts_at - H),
            ("booking_15m", starts_at - timedelta(minutes=15)),
            ("booking_followup", ends_at + timedelta(minutes=15))]


def notify(booking, change):
    return [Outgoing(chat_id=-100900, method="sendMessage",
                     payload={"chat_id": -100900, "text": f"{change}:{booking.id}"})]


async def patient_case(db, clock, user_id=1001, *, expert="Dr. Ada", track="domestic",
                       report=True):
    patient = await PatientRepo(db, clock).get_or_create(telegram_user_id=user_id,
                                                         chat_id=user_id, language="en")
    cases = CaseRepo(db, clock)
    case, _ = await cases.start_draft(patient_id=patient.id, step="intake.track")
    await cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                       values={"track": track, "specialty": "cardiology"})
    result = await cases.submit(case_id=case.id, patient_id=patient.id, alerts=lambda c, n: [])
    async with db.transaction() as s:
        await s.execute(text("UPDATE cases SET expert_name = :e, report_at = :r WHERE id = :i"),
                        {"e": expert, "r": NOW if report else None, "i": case.id})
    return patient, await cases.get(case_id=result.case.id)


async def publish(repo, *starts, physician="Dr. Ada", track="domestic", minutes=30,
                  zone="Asia/Ho_Chi_Minh"):
    result = await repo.publish(coordinator_id=9001, physician=physician, track=track,
                                timezone=zone, starts=[(s, minutes) for s in starts])
    return list(result.created)


async def rows(db, model, *where):
    async with db.read() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def book(repo, patient, case, slot, room="room1"):
    return await repo.book(patient_id=patient.id, case_id=case.id, slot_id=slot.id, room=room,
                           not_before=NOW, plan=plan, notify=notify)


# -- slots ----------------------------------------------------------------------------------------

async def test_publish_in_bulk_skips_duplicates_and_audits_once(repo, db):
    starts = [NOW + timedelta(days=1, minutes=30 * i) for i in range(6)]
    first = await repo.publish(coordinator_id=9001, physician="  Dr.  Ada ", track="domestic",
                               timezone="Asia/Ho_Chi_Minh", starts=[(s, 30) for s in starts])
    assert len(first.created) == 6 and first.duplicates == 0
    assert first.created[0].physician == "Dr. Ada"
    again = await repo.publish(coordinator_id=9001, physician="dr. ada", track="domestic",
                               timezone="Asia/Ho_Chi_Minh",
                               starts=[(s, 30) for s in starts[4:]] + [(starts[-1] + H, 30)])
    assert len(again.created) == 1 and again.duplicates == 2
    audits = await rows(db, AuditEvent, AuditEvent.action == "slots.published")
    assert [a.subject for a in audits] == ["slots:6", "slots:1"]
    with pytest.raises(ValueError):
        await repo.publish(coordinator_id=9001, physician="", track="domestic",
                           timezone="UTC", starts=[(starts[0], 30)])
    with pytest.raises(ValueError):
        await repo.publish(coordinator_id=9001, physician="X", track="mars",
                           timezone="UTC", starts=[(starts[0], 30)])


async def test_free_slots_exclude_held_ones_and_follow_the_case(repo, db, clock):
    patient, case = await patient_case(db, clock)
    mine = await publish(repo, NOW + 3 * H, NOW + 4 * H)
    other = await publish(repo, NOW + 5 * H, physician="Dr. Bo")
    abroad = await publish(repo, NOW + 6 * H, physician="Dr. Local", track="international")
    free = await repo.free_slots_for(case=case, start=NOW, end=NOW + 24 * H)
    assert [s.id for s in free] == [s.id for s in mine]  # the case's expert, domestic only
    assert (await book(repo, patient, case, mine[0])).outcome == "ok"
    free = await repo.free_slots(start=NOW, end=NOW + 24 * H)
    assert [s.id for s in free] == [mine[1].id, other[0].id, abroad[0].id]
    # An international case books with any local affiliated physician.
    patient2, case2 = await patient_case(db, clock, 1002, expert="Prof. Far",
                                         track="international")
    free = await repo.free_slots_for(case=case2, start=NOW, end=NOW + 24 * H)
    assert [s.id for s in free] == [abroad[0].id]
    booked = await book(repo, patient2, case2, abroad[0])
    assert booked.outcome == "ok" and booked.booking.physician == "Dr. Local"
    assert (await repo.booking(appointment_id=(await book(repo, patient, case, mine[1])
                                               ).booking.id)) is not None


async def test_remove_only_a_free_slot(repo, db, clock):
    patient, case = await patient_case(db, clock)
    a, b = await publish(repo, NOW + 3 * H, NOW + 4 * H)
    await book(repo, patient, case, a)
    assert (await repo.remove_slot(slot_id=a.id, coordinator_id=9001)).outcome == "taken"
    assert (await repo.remove_slot(slot_id=b.id, coordinator_id=9001)).outcome == "ok"
    assert (await repo.remove_slot(slot_id=b.id, coordinator_id=9001)).outcome == "gone"


# -- booking and the race -------------------------------------------------------------------------

async def test_the_database_refuses_two_appointments_for_one_slot(repo, db, clock):
    _patient, case = await patient_case(db, clock)
    (slot,) = await publish(repo, NOW + 3 * H)
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            for room in ("a", "b"):
                s.add(Appointment(slot_id=slot.id, case_id=case.id, status="booked",
                                  starts_at=slot.starts_at, video_room=room, created_at=NOW,
                                  updated_at=NOW))
                await s.flush()


async def test_two_patients_pressing_the_same_slot_at_once_one_wins(repo, db, clock):
    people = [await patient_case(db, clock, 2000 + i) for i in range(6)]
    (slot,) = await publish(repo, NOW + 30 * H)
    results = await asyncio.gather(*(book(repo, p, c, slot, room=f"r{i}")
                                      for i, (p, c) in enumerate(people)))
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["ok"] + ["taken"] * 5
    appointments = await rows(db, Appointment)
    assert len(appointments) == 1
    winner = next(r for r in results if r.outcome == "ok").booking
    assert appointments[0].id == winner.id and appointments[0].slot_id == slot.id
    # Only the winner's reminders and messages were written.
    reminders = await rows(db, Reminder)
    assert {r.appointment_id for r in reminders} == {winner.id}
    assert sorted(r.kind for r in reminders) == ["booking_15m", "booking_1h", "booking_24h",
                                                 "booking_followup"]
    assert [m.payload["text"] for m in await rows(db, OutboxMessage)] == [f"made:{winner.id}"]


async def test_booking_writes_its_reminders_at_the_right_instants(repo, db, clock):
    patient, case = await patient_case(db, clock)
    (soon,) = await publish(repo, NOW + 2 * H)
    result = await book(repo, patient, case, soon)
    reminders = await rows(db, Reminder, Reminder.appointment_id == result.booking.id)
    # The day-before reminder is already past: not written.
    assert {(r.kind, r.due_at) for r in reminders} == {
        ("booking_1h", soon.starts_at - H),
        ("booking_15m", soon.starts_at - timedelta(minutes=15)),
        ("booking_followup", soon.starts_at + timedelta(minutes=45))}
    assert all(r.patient_id == patient.id and r.case_id == case.id for r in reminders)


async def test_one_upcoming_consultation_per_case_and_only_for_ones_own_case(repo, db, clock):
    patient, case = await patient_case(db, clock)
    stranger, _ = await patient_case(db, clock, 1009)
    a, b = await publish(repo, NOW + 3 * H, NOW + 4 * H)
    assert (await repo.book(patient_id=stranger.id, case_id=case.id, slot_id=a.id, room="x",
                            not_before=NOW, plan=plan, notify=notify)).outcome == "gone"
    first = await book(repo, patient, case, a)
    again = await book(repo, patient, case, b)
    assert again.outcome == "already" and again.booking.id == first.booking.id
    # Too soon to book, or a slot of another physician: not offered.
    (early,) = await publish(repo, NOW + 5 * H, physician="Dr. Ada", minutes=20)
    clock.advance(4 * H)  # the first consultation is over
    assert (await repo.book(patient_id=patient.id, case_id=case.id, slot_id=early.id,
                            room="y", not_before=NOW + 6 * H, plan=plan, notify=notify)
            ).outcome == "gone"
    (bo,) = await publish(repo, NOW + 7 * H, physician="Dr. Bo")
    assert (await book(repo, patient, case, bo)).outcome == "gone"


async def test_reschedule_moves_the_slot_and_the_reminders_atomically(repo, db, clock):
    patient, case = await patient_case(db, clock)
    a, b = await publish(repo, NOW + 48 * H, NOW + 72 * H)
    booking = (await book(repo, patient, case, a)).booking
    moved = await repo.reschedule(patient_id=patient.id, appointment_id=booking.id,
                                  slot_id=b.id, not_before=NOW, cutoff=12 * H, plan=plan,
                                  notify=notify)
    assert moved.outcome == "ok" and moved.booking.starts_at == b.starts_at
    assert moved.booking.appointment.video_room == booking.appointment.video_room
    pending = await rows(db, Reminder, Reminder.status == "pending")
    assert {r.due_at for r in pending} == {b.starts_at - 24 * H, b.starts_at - H,
                                           b.starts_at - timedelta(minutes=15),
                                           b.ends_at + timedelta(minutes=15)}
    cancelled = await rows(db, Reminder, Reminder.status == "cancelled")
    assert {r.due_at for r in cancelled} == {a.starts_at - 24 * H, a.starts_at - H,
                                             a.starts_at - timedelta(minutes=15),
                                             a.ends_at + timedelta(minutes=15)}
    # The old slot is free again; the new one is held.
    free = await repo.free_slots(start=NOW, end=NOW + 100 * H)
    assert [s.id for s in free] == [a.id]
    same = await repo.reschedule(patient_id=patient.id, appointment_id=booking.id,
                                 slot_id=b.id, not_before=NOW, cutoff=12 * H, plan=plan,
                                 notify=notify)
    assert same.outcome == "already"


async def test_reschedule_loses_a_race_cleanly(repo, db, clock):
    patient, case = await patient_case(db, clock)
    rival, rival_case = await patient_case(db, clock, 1010)
    a, b = await publish(repo, NOW + 48 * H, NOW + 72 * H)
    booking = (await book(repo, patient, case, a)).booking
    move, take = await asyncio.gather(
        repo.reschedule(patient_id=patient.id, appointment_id=booking.id, slot_id=b.id,
                        not_before=NOW, cutoff=12 * H, plan=plan, notify=notify),
        book(repo, rival, rival_case, b))
    assert sorted([move.outcome, take.outcome]) == ["ok", "taken"]
    mine = (await rows(db, Appointment, Appointment.id == booking.id))[0]
    if move.outcome == "taken":
        # Nothing changed: still on the old slot, with the old reminders.
        assert mine.slot_id == a.id
        pending = await rows(db, Reminder, Reminder.appointment_id == booking.id,
                             Reminder.status == "pending")
        assert len(pending) == 4 and all(r.due_at < a.ends_at + H for r in pending)


async def test_cancel_frees_the_slot_and_stops_the_reminders_until_the_cutoff(repo, db, clock):
    patient, case = await patient_case(db, clock)
    stranger, _ = await patient_case(db, clock, 1011)
    b, a = await publish(repo, NOW + 20 * H, NOW + 48 * H)
    booking = (await book(repo, patient, case, a)).booking
    assert (await repo.cancel(patient_id=stranger.id, appointment_id=booking.id,
                              cutoff=12 * H, notify=notify)).outcome == "gone"
    result = await repo.cancel(patient_id=patient.id, appointment_id=booking.id,
                               cutoff=12 * H, notify=notify)
    assert result.outcome == "ok" and result.booking.appointment.status == "cancelled"
    assert result.booking.slot is not None  # the message still says which time it was
    assert {r.status for r in await rows(db, Reminder)} == {"cancelled"}
    assert [s.id for s in await repo.free_slots(start=NOW, end=NOW + 100 * H)] == [b.id, a.id]
    assert (await repo.cancel(patient_id=patient.id, appointment_id=booking.id,
                              cutoff=12 * H, notify=notify)).outcome == "gone"
    # Within the cut-off: refused, nothing changes.
    late = (await book(repo, patient, case, b)).booking
    clock.advance(9 * H)  # 11 hours before
    assert (await repo.cancel(patient_id=patient.id, appointment_id=late.id, cutoff=12 * H,
                              notify=notify)).outcome == "too_late"
    assert (await repo.reschedule(patient_id=patient.id, appointment_id=late.id, slot_id=a.id,
                                  not_before=NOW, cutoff=12 * H, plan=plan, notify=notify)
            ).outcome == "too_late"
    assert (await repo.upcoming(case_id=case.id)).id == late.id


async def test_no_show_agenda_and_feedback(repo, db, clock):
    patient, case = await patient_case(db, clock)
    other, other_case = await patient_case(db, clock, 1012)
    a, b = await publish(repo, NOW + 3 * H, NOW + 5 * H)
    (tomorrow,) = await publish(repo, NOW + 30 * H)
    first = (await book(repo, patient, case, a)).booking
    second = (await book(repo, other, other_case, b)).booking
    await book(repo, *(await patient_case(db, clock, 1013)), tomorrow)
    agenda = await repo.agenda(start=NOW, end=NOW + 24 * H)
    assert [x.id for x in agenda] == [first.id, second.id]
    assert (await repo.mark_no_show(appointment_id=second.id, coordinator_id=9001)
            ).outcome == "too_early"
    assert (await repo.rate(patient_id=patient.id, appointment_id=first.id, rating=5)
            ).outcome == "too_early"
    clock.advance(6 * H)
    assert (await repo.mark_no_show(appointment_id=second.id, coordinator_id=9001)
            ).outcome == "ok"
    assert (await repo.mark_no_show(appointment_id=second.id, coordinator_id=9001)
            ).outcome == "already"
    followups = await rows(db, Reminder, Reminder.appointment_id == second.id,
                           Reminder.kind == "booking_followup")
    assert [r.status for r in followups] == ["cancelled"]
    assert (await repo.rate(patient_id=other.id, appointment_id=first.id, rating=5)
            ).outcome == "gone"
    assert (await repo.rate(patient_id=patient.id, appointment_id=first.id, rating=4)
            ).outcome == "ok"
    result = await repo.comment(patient_id=patient.id, appointment_id=first.id,
                                comment="  Very kind doctor  ")
    assert result.booking.feedback.rating == 4
    assert result.booking.feedback.comment == "Very kind doctor"
    agenda = await repo.agenda(start=NOW, end=NOW + 24 * H)
    assert [(x.appointment.status, x.feedback and x.feedback.rating) for x in agenda] == [
        ("booked", 4), ("no_show", None)]


async def test_offer_makes_a_case_bookable(repo, db, clock):
    patient, case = await patient_case(db, clock, report=False)
    assert await repo.bookable_case(patient_id=patient.id) is None
    assert (await repo.case_by_number(number=case.number.lower())).id == case.id

    def message(case, patient):
        return [Outgoing(chat_id=patient.chat_id, method="sendMessage",
                         payload={"chat_id": patient.chat_id, "text": "offer"})]

    result = await repo.offer(case_id=case.id, coordinator_id=9001, notify=message)
    assert result.outcome == "ok"
    assert (await repo.bookable_case(patient_id=patient.id)).id == case.id
    stranger, _ = await patient_case(db, clock, 1014, report=False)
    assert await repo.bookable_case(patient_id=stranger.id, case_id=case.id) is None
    assert [m.payload["text"] for m in await rows(db, OutboxMessage)] == ["offer"]
    assert (await repo.offer(case_id=999, coordinator_id=9001, notify=message)
            ).outcome == "gone"


async def test_small_states_by_prefix(repo):
    await repo.set_states(name="booking_admin", values={"9001:step": "a", "9001:zone": "UTC",
                                                       "90011:step": "b"})
    assert await repo.get_states(name="booking_admin", prefix="9001:") == {
        "9001:step": "a", "9001:zone": "UTC"}
    await repo.set_states(name="booking_admin", values={"9001:zone": None})
    assert await repo.get_state(name="booking_admin", key="9001:step") == "a"
    await repo.clear_states(name="booking_admin", prefix="9001:")
    assert await repo.get_states(name="booking_admin", prefix="9001") == {"90011:step": "b"}


async def test_slots_are_stored_in_utc(repo, db):
    local = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    (slot,) = await publish(repo, local, zone="America/New_York")
    stored = (await rows(db, Slot))[0]
    assert stored.starts_at == local and stored.starts_at.tzinfo == UTC
    assert slot.timezone == "America/New_York"
