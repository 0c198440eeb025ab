"""SLA: the working-hours arithmetic (pure) and the check that alerts each violation once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.config import load_settings
from bot.services import Services
from bot.sla import OVERDUE, UNCLAIMED, add_working_time, check_sla, working_time_between
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import OutboxMessage, Reminder

HCM = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7, no DST
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def local(y, m, d, hh=0, mm=0, zone=HCM):
    return datetime(y, m, d, hh, mm, tzinfo=zone)


# 2026-11-02 is a Monday.
@pytest.mark.parametrize(("start", "end", "hours"), [
    (local(2026, 11, 2, 9), local(2026, 11, 2, 12), 3),            # within one day
    (local(2026, 11, 2, 6), local(2026, 11, 2, 10), 2),            # before opening
    (local(2026, 11, 2, 15), local(2026, 11, 2, 20), 2),           # after closing
    (local(2026, 11, 2, 16), local(2026, 11, 3, 9), 2),            # over a night
    (local(2026, 11, 6, 16), local(2026, 11, 9, 9), 2),            # Friday → Monday
    (local(2026, 11, 7, 8), local(2026, 11, 8, 17), 0),            # a whole weekend
    (local(2026, 11, 2, 8), local(2026, 11, 9, 8), 45),            # a whole week
    (local(2026, 11, 2, 12), local(2026, 11, 2, 12), 0),           # empty
    (local(2026, 11, 2, 12), local(2026, 11, 2, 9), 0),            # backwards
])
def test_working_time_between(start, end, hours):
    assert working_time_between(start, end, HCM) == timedelta(hours=hours)


def test_working_time_takes_any_aware_input_and_refuses_naive():
    start = local(2026, 11, 2, 9).astimezone(UTC)
    assert working_time_between(start, start + 2 * H, HCM) == 2 * H
    with pytest.raises(ValueError):
        working_time_between(datetime(2026, 11, 2, 9), local(2026, 11, 2, 10), HCM)  # noqa: DTZ001


@pytest.mark.parametrize(("start", "deadline"), [
    (local(2026, 11, 2, 9), local(2026, 11, 2, 13)),     # Monday morning
    (local(2026, 11, 2, 7), local(2026, 11, 2, 12)),     # before opening: from 08:00
    (local(2026, 11, 4, 15), local(2026, 11, 5, 10)),    # Wednesday afternoon → Thursday
    (local(2026, 11, 6, 16), local(2026, 11, 9, 11)),    # Friday 16:00 → Monday 11:00
    (local(2026, 11, 7, 10), local(2026, 11, 9, 12)),    # Saturday → Monday noon
    (local(2026, 11, 2, 18), local(2026, 11, 3, 12)),    # Monday evening → Tuesday
])
def test_four_working_hours_deadline(start, deadline):
    assert add_working_time(start, 4 * H, HCM) == deadline


def test_working_hours_follow_the_local_clock_across_dst():
    # New York leaves DST on Sunday 2026-11-01: a working day is 9 hours either side of it.
    assert working_time_between(local(2026, 10, 30, 0, zone=NY), local(2026, 10, 31, 0, zone=NY),
                                NY) == 9 * H
    assert working_time_between(local(2026, 11, 2, 0, zone=NY), local(2026, 11, 3, 0, zone=NY),
                                NY) == 9 * H
    assert add_working_time(local(2026, 10, 30, 16, zone=NY), 2 * H, NY) == \
        local(2026, 11, 2, 9, zone=NY)


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),  # noqa: DTZ001
                          timezones=st.just(UTC)),
       minutes=st.integers(min_value=1, max_value=60 * 60))
def test_the_deadline_is_exactly_that_much_working_time_later(start, minutes):
    amount = timedelta(minutes=minutes)
    deadline = add_working_time(start, amount, HCM)
    assert working_time_between(start, deadline, HCM) == amount
    # ... and not a moment earlier.
    assert working_time_between(start, deadline - timedelta(seconds=1), HCM) < amount


# -- the check --------------------------------------------------------------------------------

@pytest.fixture
async def services(tmp_path, database_url):
    await migrate(database_url)
    settings_ = load_settings({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                               "COORDINATOR_CHAT_ID": "-100900", "COORDINATOR_IDS": "9001",
                               "TURNAROUND_DAYS": "7"})
    clock = ManualClock(local(2026, 11, 6, 15).astimezone(UTC))  # a Friday, 15:00 local
    svc = Services.create(settings_, db=Database(database_url), clock=clock)
    yield svc
    await svc.close()


async def submitted_case(services, user_id=5001):
    patient = await services.patients.get_or_create(telegram_user_id=user_id, chat_id=user_id,
                                                    language="en")
    case, _ = await services.cases.start_draft(patient_id=patient.id, step="intake.track")
    await services.cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                                values={"track": "domestic", "specialty": "cardiology"})
    result = await services.cases.submit(case_id=case.id, patient_id=patient.id,
                                         alerts=lambda c, n: [])
    return result.case


async def alerts(services, kind):
    async with services.db.read() as s:
        reminders = (await s.execute(select(Reminder).where(Reminder.kind == kind))).scalars()
        outbox = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.chat_id == -100900))).scalars()
        return list(reminders), list(outbox)


async def test_unclaimed_counts_working_hours_only_and_alerts_once(services):
    case = await submitted_case(services)
    services.clock.advance(3 * H)             # Friday 18:00: 2 working hours
    assert await check_sla(services) == 0
    services.clock.advance(timedelta(days=2, hours=15))  # Monday 09:00: 3 working hours
    assert await check_sla(services) == 0
    services.clock.advance(H)                 # Monday 10:00: 4 working hours
    assert await check_sla(services) == 1
    assert await check_sla(services) == 0     # once
    reminders, outbox = await alerts(services, UNCLAIMED)
    assert [(r.dedup_key, r.status, r.case_id) for r in reminders] == [
        (f"sla.unclaimed:{case.id}", "sent", case.id)]
    assert len(outbox) == 1 and case.number in outbox[0].payload["text"]
    assert "Unclaimed" in outbox[0].payload["text"]
    buttons = [b["callback_data"] for row in outbox[0].payload["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == [f"co:claim:{case.id}", f"co:open:{case.id}"]


async def test_a_claimed_case_is_not_unclaimed(services):
    from handlers.coordinator.alerts import notifier

    case = await submitted_case(services)
    await services.console.claim(case_id=case.id, coordinator_id=9001, first_name="One",
                                 notify=notifier(services))
    services.clock.advance(timedelta(days=3))
    assert await check_sla(services) == 0


async def test_report_overdue_once_and_not_after_a_report(services):
    from handlers.coordinator.alerts import notifier

    first = await submitted_case(services, 5001)
    second = await submitted_case(services, 5002)
    reported = await submitted_case(services, 5003)
    notify, console = notifier(services), services.console
    await console.claim(case_id=reported.id, coordinator_id=9001, first_name="One",
                        notify=notify)
    await console.assign_expert(case_id=reported.id, coordinator_id=9001, name="Dr. A",
                                specialty="Cardiology", notify=notify)
    staged = await console.stage_report(case_id=reported.id, coordinator_id=9001,
                                        url="https://reports.example.org/1")
    await console.finalize_report(report_id=staged.report.id, coordinator_id=9001,
                                  concordance="agrees", notify=notify)
    services.clock.advance(timedelta(days=7) - timedelta(minutes=1))
    await check_sla(services)  # the unclaimed alerts
    _, before = await alerts(services, OVERDUE)
    assert await check_sla(services) == 0
    services.clock.advance(timedelta(minutes=2))
    assert await check_sla(services) == 2
    assert await check_sla(services) == 0
    reminders, outbox = await alerts(services, OVERDUE)
    assert sorted(r.dedup_key for r in reminders) == sorted(
        [f"sla.overdue:{first.id}", f"sla.overdue:{second.id}"])
    overdue = [m for m in outbox if "Report overdue" in m.payload["text"]]
    assert len(overdue) == 2 and "7 days ago" in overdue[0].payload["text"]
    assert len(outbox) == len(before) + 2
