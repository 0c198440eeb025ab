"""Service-level alerts: a case unclaimed for 4 working hours, and a report overdue past
TURNAROUND_DAYS after submission, each alerted once to the coordinators.

Working hours are Monday to Friday, 08:00-17:00 in DEFAULT_TIMEZONE (`working_time_between` and
`add_working_time` are pure). A repeating job (every 60 s, started by the runner) looks for
violations by the injectable clock; each alert is recorded with a unique dedup key (a
``reminders`` row, kind ``sla.unclaimed`` or ``sla.overdue``, status ``sent``) in the same
transaction as its outbox message, so a restart never alerts twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from bot.services import Services
from storage.case_status import CaseStatus
from storage.schemas import CaseOut

log = logging.getLogger(__name__)

WORKDAY_START = time(8, 0)
WORKDAY_END = time(17, 0)
WORKDAYS = frozenset(range(5))  # Monday (0) to Friday (4)
UNCLAIMED_AFTER = timedelta(hours=4)
CHECK_EVERY = 60.0
JOB_NAME = "sla:check"

UNCLAIMED = "sla.unclaimed"
OVERDUE = "sla.overdue"


# -- working-hours arithmetic (pure) ----------------------------------------------------------

def _window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A working day's opening hours, as aware datetimes (correct across DST changes)."""
    return (datetime.combine(day, WORKDAY_START, tzinfo=zone),
            datetime.combine(day, WORKDAY_END, tzinfo=zone))


def working_time_between(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """How much of ``[start, end)`` falls within working hours (Mon-Fri 08:00-17:00 in
    ``zone``). Both ends must be aware; zero when ``end <= start``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("aware datetimes only")
    if end <= start:
        return timedelta()
    total = timedelta()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in WORKDAYS:
            opens, closes = _window(day, zone)
            lo, hi = max(start, opens), min(end, closes)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def add_working_time(start: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
    """The moment at which ``amount`` of working time has passed since ``start`` (an aware
    datetime in UTC)."""
    if start.tzinfo is None:
        raise ValueError("aware datetimes only")
    if amount <= timedelta():
        return start
    left = amount
    day = start.astimezone(zone).date()
    while True:
        if day.weekday() in WORKDAYS:
            opens, closes = _window(day, zone)
            lo = max(start, opens)
            if closes > lo:
                if lo + left <= closes:
                    return (lo + left).astimezone(start.tzinfo)
                left -= closes - lo
        day += timedelta(days=1)


def zone_of(services: Services) -> ZoneInfo:
    return ZoneInfo(services.settings.DEFAULT_TIMEZONE)


def unclaimed_deadline(case: CaseOut, zone: ZoneInfo) -> datetime | None:
    if case.submitted_at is None:
        return None
    return add_working_time(case.submitted_at, UNCLAIMED_AFTER, zone)


def report_deadline(case: CaseOut, turnaround_days: int) -> datetime | None:
    if case.submitted_at is None:
        return None
    return case.submitted_at + timedelta(days=turnaround_days)


# -- the check --------------------------------------------------------------------------------

async def check_sla(services: Services) -> int:
    """Alert every violation not alerted yet. Returns how many alerts were queued now."""
    from handlers.coordinator.alerts import overdue_alert, unclaimed_alert

    now = services.clock.now()
    zone = zone_of(services)
    repo = services.console
    sent = 0
    for case in await repo.cases_without_alert(kind=UNCLAIMED, statuses=(CaseStatus.SUBMITTED,),
                                               submitted_before=now - UNCLAIMED_AFTER):
        if case.submitted_at is None or working_time_between(
                case.submitted_at, now, zone) < UNCLAIMED_AFTER:
            continue
        if await repo.record_alert(kind=UNCLAIMED, dedup_key=f"{UNCLAIMED}:{case.id}",
                                   case_id=case.id, patient_id=case.patient_id,
                                   items=unclaimed_alert(services, case, now)):
            sent += 1
            log.info("case %s: unclaimed alert", case.id)
    turnaround = timedelta(days=services.settings.TURNAROUND_DAYS)
    for case in await repo.overdue_candidates(kind=OVERDUE, submitted_before=now - turnaround):
        if await repo.record_alert(kind=OVERDUE, dedup_key=f"{OVERDUE}:{case.id}",
                                   case_id=case.id, patient_id=case.patient_id,
                                   items=overdue_alert(services, case, now)):
            sent += 1
            log.info("case %s: report overdue alert", case.id)
    if sent:
        services.outbox_wakeup.set()
    return sent


def start_sla_job(application: Application[Any, Any, Any, Any, Any, Any],
                  services: Services) -> None:
    """The repeating check (every 60 s, first right after start)."""
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("the job queue is required")

    async def run_check(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await check_sla(services)
        except Exception:  # the database may be away for a while: the next run retries
            log.exception("SLA check failed")

    for job in jobs.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    jobs.run_repeating(run_check, interval=CHECK_EVERY, first=1, name=JOB_NAME,
                       job_kwargs={"misfire_grace_time": None, "coalesce": True})
