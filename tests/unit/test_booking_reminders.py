"""What each consultation reminder decides when it fires (send, send late, missed with an alert
to the coordinators, or stale), and the scheduler queueing those alerts and copies once only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.booking import BookingConfig, reminder_plan
from bot.config import load_settings
from bot.reminders import Missed, ReminderScheduler, Send, Stale
from bot.services import Services
from conversations.booking import (
    ask_feedback,
    build_booking_conversation,
    notifier,
    remind_coordinators,
    remind_patient,
)
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import OutboxMessage, Reminder
from storage.repositories import Outgoing

H = timedelta(hours=1)
M = timedelta(minutes=1)
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def services(database_url, tmp_path):
    await migrate(database_url)
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                              "COORDINATOR_IDS": "9001,9002"})
    made = Services.create(settings, db=Database(database_url), clock=ManualClock(NOW))
    yield made
    await made.close()


async def booked(services, *, start=NOW + 30 * H, user_id=501):
    patient = await services.patients.get_or_create(telegram_user_id=user_id, chat_id=user_id,
                                                    language="en")
    patient = await services.patients.set_timezone(telegram_user_id=user_id,
                                                   timezone="Asia/Ho_Chi_Minh")
    case, _ = await services.cases.start_draft(patient_id=patient.id, step="intake.review")
    await services.cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                                values={"track": "domestic"})
    result = await services.cases.submit(case_id=case.id, patient_id=patient.id,
                                         alerts=lambda c, n: [])
    async with services.db.transaction() as s:
        await s.execute(text("UPDATE cases SET expert_name = 'Dr. Ada', report_at = :r "
                             "WHERE id = :i"), {"r": NOW, "i": case.id})
    created = await services.booking.publish(coordinator_id=9001, physician="Dr. Ada",
                                             track="domestic", timezone="America/New_York",
                                             starts=[(start, 30)])
    slot = created.created[0]
    config_plan = reminder_plan(BookingConfig())
    outcome = await services.booking.book(
        patient_id=patient.id, case_id=result.case.id, slot_id=slot.id, room="r" * 32,
        not_before=NOW, plan=config_plan, notify=notifier(services))
    assert outcome.outcome == "ok"
    return outcome.booking


async def reminder(services, booking, kind):
    async with services.db.read() as s:
        row = (await s.execute(select(Reminder).where(
            Reminder.appointment_id == booking.id, Reminder.kind == kind))).scalar_one()
    return await services.reminders.get(reminder_id=row.id)


async def test_on_time_and_late_but_still_useful(services):
    booking = await booked(services)
    day = await reminder(services, booking, "booking_24h")
    services.clock.advance(6 * H + timedelta(seconds=1))  # due, on time
    decision = await remind_patient(services, day)
    assert isinstance(decision, Send) and decision.chat_id == booking.patient.chat_id
    assert "Wed 2 Dec 2026 at 14:00" in decision.payload["text"]
    buttons = [b for row in decision.payload["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["url"] == "https://meet.jit.si/so-" + "r" * 32
    assert buttons[1]["callback_data"] == f"nav:booking_manage:{booking.id}"
    services.clock.advance(20 * H)  # 4 hours before: late, still ahead
    assert isinstance(await remind_patient(services, day), Send)
    services.clock.advance(3 * H + timedelta(minutes=30))  # 30 min before
    # The hour-before reminder (due too) says the same now: the day-before one is dropped.
    assert isinstance(await remind_patient(services, day), Stale)
    hour = await reminder(services, booking, "booking_1h")
    assert "in about an hour" in (await remind_patient(services, hour)).payload["text"]
    coordinators = await remind_coordinators(services, await reminder(services, booking,
                                                                      "booking_15m"))
    assert isinstance(coordinators, Send) and coordinators.chat_id == 9001
    assert [o.chat_id for o in coordinators.also] == [9002]  # no group: each coordinator


async def test_too_late_is_missed_and_told_to_the_coordinators(services):
    booking = await booked(services)
    services.clock.advance(31 * H)  # the consultation has started
    for kind in ("booking_24h", "booking_1h"):
        decision = await remind_patient(services, await reminder(services, booking, kind))
        assert isinstance(decision, Missed)
        assert [a.chat_id for a in decision.alerts] == [9001, 9002]
        assert booking.case.number in decision.alerts[0].payload["text"]
    decision = await remind_coordinators(services, await reminder(services, booking,
                                                                  "booking_15m"))
    assert isinstance(decision, Missed) and decision.alerts
    followup = await reminder(services, booking, "booking_followup")
    assert isinstance(await ask_feedback(services, followup), Send)
    services.clock.advance(8 * 24 * H)
    assert isinstance(await ask_feedback(services, followup), Missed)


async def test_stale_after_a_move_a_cancellation_or_a_no_show(services):
    booking = await booked(services)
    day = await reminder(services, booking, "booking_24h")
    # A forged reminder for another time of the same appointment.
    other = await services.reminders.schedule(kind="booking_24h", due_at=day.due_at - H,
                                              appointment_id=booking.id)
    assert isinstance(await remind_patient(services, other), Stale)
    await services.booking.cancel(patient_id=booking.patient.id, appointment_id=booking.id,
                                  cutoff=12 * H, notify=lambda b, c: [])
    assert isinstance(await remind_patient(services, day), Stale)
    second = await booked(services, start=NOW + 3 * H, user_id=502)
    services.clock.advance(4 * H)
    await services.booking.mark_no_show(appointment_id=second.id, coordinator_id=9001)
    assert isinstance(await ask_feedback(services, await reminder(services, second,
                                                                  "booking_followup")), Stale)


async def test_the_scheduler_queues_alerts_and_copies_once(services):
    alert = Outgoing(chat_id=9001, method="sendMessage",
                     payload={"chat_id": 9001, "text": "missed"})
    copy = Outgoing(chat_id=9002, method="sendMessage", payload={"chat_id": 9002, "text": "c"})

    async def missed(_services, _reminder):
        return Missed(alerts=(alert,))

    async def sent(_services, _reminder):
        return Send(9001, {"chat_id": 9001, "text": "c"}, also=(copy,))

    scheduler = ReminderScheduler(None, services, {"m": missed, "s": sent})  # type: ignore[arg-type]
    first = await services.reminders.schedule(kind="m", due_at=NOW)
    second = await services.reminders.schedule(kind="s", due_at=NOW)
    for _ in range(2):
        await scheduler.fire(first.id)
        await scheduler.fire(second.id)
    async with services.db.read() as s:
        texts = sorted((m.chat_id, m.payload["text"]) for m in (await s.execute(
            select(OutboxMessage))).scalars())
    assert texts == [(9001, "c"), (9001, "missed"), (9002, "c")]
    assert (await services.reminders.get(reminder_id=first.id)).status == "missed"


def test_the_flow_registers_its_reminder_kinds():
    flow = build_booking_conversation()
    assert set(flow.reminders) == {"booking_24h", "booking_1h", "booking_15m",
                                   "booking_followup"}
    assert set(flow.prompts) == set(flow.states)


async def test_during_the_consultation_the_patient_is_told_to_join_now(services):
    """The bot was down through the hour before: while the consultation is on, the hour-before
    reminder still goes, as "join now", and the coordinators hear it came late; the day-before
    one says nothing more."""
    booking = await booked(services)
    services.clock.advance(30 * H + 10 * M)  # started 10 minutes ago, 30 minutes long
    day = await remind_patient(services, await reminder(services, booking, "booking_24h"))
    assert isinstance(day, Stale)
    hour = await remind_patient(services, await reminder(services, booking, "booking_1h"))
    assert isinstance(hour, Send) and hour.chat_id == booking.patient.chat_id
    assert "began at" in hour.payload["text"] and "join now" in hour.payload["text"]
    assert booking.appointment.video_room in hour.payload["text"]
    assert [a.chat_id for a in hour.also] == [9001, 9002]
    assert "could not be sent in time" in hour.also[0].payload["text"]
    services.clock.advance(30 * M)  # over
    assert isinstance(await remind_patient(services, await reminder(services, booking,
                                                                    "booking_1h")), Missed)
