"""Reminders live in the database; the job queue only holds the next few minutes of them.

A repeating job loads the reminders due within `WINDOW` and schedules each as a named one-shot
job (``reminder:<id>``, ids only). So start-up cost does not grow with the number of pending
reminders, a restart rebuilds the queue from the database, and APScheduler's misfire grace is
switched off so a late reminder is never dropped. When one fires, its kind's handler decides:
send it (the message goes through the outbox in the same transaction that marks the reminder
sent, so it is sent once), mark it missed, or drop it as stale.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ContextTypes, JobQueue

from bot.services import Services
from storage.repositories import Outgoing
from storage.schemas import ReminderOut

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)
REFILL_EVERY = 60.0


@dataclass(frozen=True)
class Send:
    chat_id: int
    payload: dict[str, Any]
    method: str = "sendMessage"
    #: the same message for other chats (each coordinator when there is no group), queued
    #: once the reminder is marked sent, never twice
    also: tuple[Outgoing, ...] = ()


@dataclass(frozen=True)
class Missed:
    """Too late to be useful: recorded as missed. ``alerts`` (to the coordinators, so they see
    it) are queued once the reminder is marked missed, never twice."""

    alerts: tuple[Outgoing, ...] = ()


@dataclass(frozen=True)
class Stale:
    """No longer true (the case was submitted, the booking moved): cancelled, never sent."""


Decision = Send | Missed | Stale
ReminderHandler = Callable[[Services, ReminderOut], Awaitable[Decision]]


class ReminderScheduler:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 services: Services, handlers: dict[str, ReminderHandler]) -> None:
        self._app = application
        self._services = services
        self._handlers = handlers

    @property
    def _jobs(self) -> JobQueue[Any]:
        jq = self._app.job_queue
        if jq is None:
            raise RuntimeError("the job queue is required")
        return jq

    def start(self) -> None:
        # The first refill runs at once (a one-shot job): an interval trigger whose start is
        # already past when APScheduler adds it (``first=0``) would wait a whole interval, so
        # the reminders that came due while the bot was down would wait up to a minute.
        self._jobs.run_once(self._refill_job, when=0, name="reminders:refill",
                            job_kwargs={"misfire_grace_time": None})
        self._jobs.run_repeating(self._refill_job, interval=REFILL_EVERY, first=REFILL_EVERY,
                                 name="reminders:refill",
                                 job_kwargs={"misfire_grace_time": None, "coalesce": True})

    async def _refill_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.refill()

    async def refill(self) -> int:
        """Schedule every pending reminder due within the window. Returns how many were added."""
        now = self._services.clock.now()
        added = 0
        while True:
            due = await self._services.reminders.pending_until(until=now + WINDOW, limit=1000)
            # One pass over the queue's jobs, not one per reminder (get_jobs_by_name walks
            # them all: 1,000 due reminders took 1.5 s of the event loop; benchmarks/README).
            queued = {job.name for job in self._jobs.jobs()}
            fresh = [r for r in due if _job_name(r.id) not in queued]
            for reminder in fresh:
                delay = max(0.0, (reminder.due_at - now).total_seconds())
                self._jobs.run_once(self._fire_job, when=delay, data=reminder.id,
                                    name=_job_name(reminder.id),
                                    job_kwargs={"misfire_grace_time": None})
            added += len(fresh)
            if len(due) < 1000 or not fresh:
                return added

    def schedule_soon(self, reminder: ReminderOut) -> None:
        """A reminder just written that falls inside the window gets its job now."""
        delay = (reminder.due_at - self._services.clock.now()).total_seconds()
        if delay <= WINDOW.total_seconds() and not self._jobs.get_jobs_by_name(
                _job_name(reminder.id)):
            self._jobs.run_once(self._fire_job, when=max(0.0, delay), data=reminder.id,
                                name=_job_name(reminder.id),
                                job_kwargs={"misfire_grace_time": None})

    async def _fire_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = context.job
        if job is None or not isinstance(job.data, int):
            return
        await self.fire(job.data)

    async def fire(self, reminder_id: int) -> Decision | None:
        repo = self._services.reminders
        reminder = await repo.get(reminder_id=reminder_id)
        if reminder is None or reminder.status != "pending":
            return None
        handler = self._handlers.get(reminder.kind)
        if handler is None:
            log.error("reminder %s has unknown kind %s", reminder.id, reminder.kind)
            await repo.finish(reminder_id=reminder.id, status="failed")
            return None
        decision = await handler(self._services, reminder)
        if isinstance(decision, Send):
            if await repo.fire(reminder_id=reminder.id, chat_id=decision.chat_id,
                               method=decision.method, payload=decision.payload):
                if decision.also:
                    await self._services.outbox.enqueue_many(items=decision.also)
                self._services.outbox_wakeup.set()
        elif isinstance(decision, Missed):
            if await repo.finish(reminder_id=reminder.id, status="missed") and decision.alerts:
                await self._services.outbox.enqueue_many(items=decision.alerts)
                self._services.outbox_wakeup.set()
        else:
            await repo.finish(reminder_id=reminder.id, status="cancelled")
        log.info("reminder %s (%s): %s", reminder.id, reminder.kind, type(decision).__name__)
        return decision


def _job_name(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"
