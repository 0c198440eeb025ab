"""Repositories for the foundation: patients, processed updates, conversation state, the outbox,
the audit log and reminders. Each public method is one transaction and returns pydantic objects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import Clock
from storage.db import Database
from storage.models import (
    AuditEvent,
    ConversationState,
    OutboxMessage,
    Patient,
    ProcessedUpdate,
    Reminder,
)
from storage.schemas import AuditOut, OutboxOut, PatientOut, ReminderOut

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Outgoing:
    """A message to queue in the outbox: a Bot API method and its JSON parameters."""

    chat_id: int
    method: str
    payload: dict[str, Any]


# -- helpers shared by repositories (inside a caller's transaction) ---------------------------

def stage_outbox(session: AsyncSession, *, chat_id: int, method: str, payload: dict[str, Any],
                 now: datetime, not_before: datetime | None = None) -> OutboxMessage:
    """Queue a message in the caller's transaction: it is sent only if that transaction commits."""
    row = OutboxMessage(chat_id=chat_id, method=method, payload=payload, status="pending",
                        attempts=0, next_attempt_at=not_before or now, created_at=now)
    session.add(row)
    return row


def stage_many(session: AsyncSession, items: Sequence[Outgoing], *, now: datetime) -> None:
    for item in items:
        stage_outbox(session, chat_id=item.chat_id, method=item.method, payload=item.payload,
                     now=now)


async def stage_audit(session: AsyncSession, *, actor: str, action: str, subject: str | None,
                      now: datetime) -> AuditEvent:
    """Append to the hash chain in the caller's transaction."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # One appender at a time, so the chain never forks.
        await session.execute(text("SELECT pg_advisory_xact_lock(7201)"))
    prev = (await session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))).scalar_one_or_none()
    prev_hash = prev or GENESIS_HASH
    digest = audit_hash(prev_hash, now, actor, action, subject)
    row = AuditEvent(at=now, actor=actor, action=action, subject=subject, prev_hash=prev_hash,
                     hash=digest)
    session.add(row)
    return row


def audit_hash(prev_hash: str, at: datetime, actor: str, action: str, subject: str | None) -> str:
    material = "\x1f".join((prev_hash, at.isoformat(), actor, action, subject or ""))
    return hashlib.sha256(material.encode()).hexdigest()


class _Repo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock


# -- patients ---------------------------------------------------------------------------------

class PatientRepo(_Repo):
    async def get_or_create(self, *, telegram_user_id: int, chat_id: int, language: str
                            ) -> PatientOut:
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = (await s.execute(select(Patient).where(
                Patient.telegram_user_id == telegram_user_id))).scalar_one_or_none()
            if row is None:
                row = Patient(telegram_user_id=telegram_user_id, chat_id=chat_id,
                              language=language, language_chosen=False, created_at=now,
                              updated_at=now)
                s.add(row)
                await s.flush()
            elif row.unreachable_at is not None:
                row.unreachable_at = None  # they wrote to us: reachable again
                row.updated_at = now
            return PatientOut.model_validate(row)

    async def get(self, *, telegram_user_id: int) -> PatientOut | None:
        async with self._db.read() as s:
            row = (await s.execute(select(Patient).where(
                Patient.telegram_user_id == telegram_user_id))).scalar_one_or_none()
            return None if row is None else PatientOut.model_validate(row)

    async def get_by_id(self, *, patient_id: int) -> PatientOut | None:
        async with self._db.read() as s:
            row = await s.get(Patient, patient_id)
            return None if row is None else PatientOut.model_validate(row)

    async def _update(self, telegram_user_id: int, **values: Any) -> PatientOut:
        async with self._db.transaction() as s:
            row = (await s.execute(select(Patient).where(
                Patient.telegram_user_id == telegram_user_id))).scalar_one()
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock.now()
            return PatientOut.model_validate(row)

    async def set_language(self, *, telegram_user_id: int, language: str) -> PatientOut:
        return await self._update(telegram_user_id, language=language, language_chosen=True)

    async def set_timezone(self, *, telegram_user_id: int, timezone: str) -> PatientOut:
        return await self._update(telegram_user_id, timezone=timezone)

    async def give_consent(self, *, telegram_user_id: int) -> PatientOut:
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = (await s.execute(select(Patient).where(
                Patient.telegram_user_id == telegram_user_id))).scalar_one()
            if row.consent_at is None:
                row.consent_at = now
                row.updated_at = now
                await stage_audit(s, actor=f"patient:{row.id}", action="consent.given",
                                  subject=f"patient:{row.id}", now=now)
            return PatientOut.model_validate(row)

    async def set_employer_code(self, *, telegram_user_id: int, code: str) -> PatientOut:
        return await self._update(telegram_user_id, employer_code=code)

    async def set_guidance(self, *, telegram_user_id: int, guidance: dict[str, Any]
                           ) -> PatientOut:
        return await self._update(telegram_user_id, guidance=guidance)

    async def mark_unreachable(self, *, chat_id: int) -> None:
        now = self._clock.now()
        async with self._db.transaction() as s:
            await s.execute(update(Patient).where(Patient.chat_id == chat_id,
                                                  Patient.unreachable_at.is_(None))
                            .values(unreachable_at=now, updated_at=now))

    async def case_number(self, *, patient_id: int) -> str | None:
        """The number of the patient's latest numbered (submitted) case, if any: how
        coordinators refer to a patient in group alerts."""
        from storage.models import Case

        async with self._db.read() as s:
            return (await s.execute(
                select(Case.number).where(Case.patient_id == patient_id,
                                          Case.number.is_not(None))
                .order_by(Case.id.desc()).limit(1))).scalar_one_or_none()


# -- processed updates ------------------------------------------------------------------------

class UpdateLog(_Repo):
    async def record(self, *, update_id: int) -> bool:
        """Record an update id before acting on it. False when it was seen before."""
        try:
            async with self._db.transaction() as s:
                s.add(ProcessedUpdate(update_id=update_id, received_at=self._clock.now()))
        except IntegrityError:
            return False
        return True

    async def prune(self, *, older_than: timedelta) -> int:
        async with self._db.transaction() as s:
            result = await s.execute(delete(ProcessedUpdate).where(
                ProcessedUpdate.received_at < self._clock.now() - older_than))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- conversation state -----------------------------------------------------------------------

class ConversationRepo(_Repo):
    async def load(self, *, name: str) -> dict[str, str]:
        async with self._db.read() as s:
            rows = (await s.execute(select(ConversationState.key, ConversationState.state)
                                    .where(ConversationState.name == name))).all()
            return {key: state for key, state in rows}

    async def save(self, *, name: str, key: str, state: str | None) -> None:
        async with self._db.transaction() as s:
            row = await s.get(ConversationState, (name, key))
            if state is None:
                if row is not None:
                    await s.delete(row)
            elif row is None:
                s.add(ConversationState(name=name, key=key, state=state,
                                        updated_at=self._clock.now()))
            elif row.state != state:
                row.state = state
                row.updated_at = self._clock.now()


# -- outbox -----------------------------------------------------------------------------------

class OutboxRepo(_Repo):
    async def enqueue(self, *, chat_id: int, method: str, payload: dict[str, Any],
                      not_before: datetime | None = None) -> int:
        async with self._db.transaction() as s:
            row = stage_outbox(s, chat_id=chat_id, method=method, payload=payload,
                               now=self._clock.now(), not_before=not_before)
            await s.flush()
            return row.id

    async def enqueue_many(self, *, items: Sequence[Outgoing]) -> None:
        async with self._db.transaction() as s:
            stage_many(s, items, now=self._clock.now())

    async def due(self, *, limit: int = 50) -> list[OutboxOut]:
        async with self._db.read() as s:
            rows = (await s.execute(
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending",
                       OutboxMessage.next_attempt_at <= self._clock.now())
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            )).scalars().all()
            return [OutboxOut.model_validate(r) for r in rows]

    async def next_due_at(self) -> datetime | None:
        async with self._db.read() as s:
            return (await s.execute(select(func.min(OutboxMessage.next_attempt_at))
                                    .where(OutboxMessage.status == "pending"))).scalar()

    async def mark_sent(self, *, message_id: int) -> None:
        now = self._clock.now()
        async with self._db.transaction() as s:
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status="sent", sent_at=now,
                                    attempts=OutboxMessage.attempts + 1))

    async def retry_later(self, *, message_id: int, at: datetime, error: str) -> None:
        async with self._db.transaction() as s:
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(next_attempt_at=at, last_error=error[:200],
                                    attempts=OutboxMessage.attempts + 1))

    async def give_up(self, *, message_id: int, status: str, error: str) -> None:
        """Stop retrying: ``unreachable`` (the person blocked the bot) or ``failed``."""
        async with self._db.transaction() as s:
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status=status, last_error=error[:200],
                                    attempts=OutboxMessage.attempts + 1))

    async def counts(self) -> dict[str, int]:
        async with self._db.read() as s:
            rows = (await s.execute(select(OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.status))).all()
            return {status: int(n) for status, n in rows}


# -- audit ------------------------------------------------------------------------------------

class AuditRepo(_Repo):
    async def append(self, *, actor: str, action: str, subject: str | None = None) -> None:
        async with self._db.transaction() as s:
            await stage_audit(s, actor=actor, action=action, subject=subject,
                              now=self._clock.now())

    async def all(self) -> list[AuditOut]:
        async with self._db.read() as s:
            rows = (await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars()
            return [AuditOut.model_validate(r) for r in rows]

    async def verify_chain(self) -> bool:
        prev = GENESIS_HASH
        for ev in await self.all():
            if ev.prev_hash != prev or ev.hash != audit_hash(prev, ev.at, ev.actor, ev.action,
                                                              ev.subject):
                return False
            prev = ev.hash
        return True


# -- reminders --------------------------------------------------------------------------------

class ReminderRepo(_Repo):
    async def schedule(self, *, kind: str, due_at: datetime, patient_id: int | None = None,
                       case_id: int | None = None, appointment_id: int | None = None,
                       dedup_key: str | None = None) -> ReminderOut | None:
        """Add a pending reminder; None when one with the same dedup key already exists."""
        try:
            async with self._db.transaction() as s:
                row = Reminder(kind=kind, due_at=due_at, patient_id=patient_id, case_id=case_id,
                               appointment_id=appointment_id, dedup_key=dedup_key,
                               status="pending", created_at=self._clock.now())
                s.add(row)
                await s.flush()
                return ReminderOut.model_validate(row)
        except IntegrityError:
            return None

    async def pending_until(self, *, until: datetime, limit: int = 1000) -> list[ReminderOut]:
        async with self._db.read() as s:
            rows = (await s.execute(
                select(Reminder).where(Reminder.status == "pending", Reminder.due_at <= until)
                .order_by(Reminder.due_at).limit(limit))).scalars()
            return [ReminderOut.model_validate(r) for r in rows]

    async def get(self, *, reminder_id: int) -> ReminderOut | None:
        async with self._db.read() as s:
            row = await s.get(Reminder, reminder_id)
            return None if row is None else ReminderOut.model_validate(row)

    async def fire(self, *, reminder_id: int, chat_id: int | None, method: str,
                   payload: dict[str, Any] | None) -> bool:
        """Mark a pending reminder sent and queue its message, atomically: never twice."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            result = await s.execute(update(Reminder).where(
                Reminder.id == reminder_id, Reminder.status == "pending")
                .values(status="sent", done_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            if chat_id is not None and payload is not None:
                stage_outbox(s, chat_id=chat_id, method=method, payload=payload, now=now)
            return True

    async def finish(self, *, reminder_id: int, status: str) -> bool:
        """Close a pending reminder as ``missed`` or ``cancelled``."""
        async with self._db.transaction() as s:
            result = await s.execute(update(Reminder).where(
                Reminder.id == reminder_id, Reminder.status == "pending")
                .values(status=status, done_at=self._clock.now()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_for(self, *, case_id: int | None = None, appointment_id: int | None = None,
                         kinds: tuple[str, ...] = ()) -> int:
        async with self._db.transaction() as s:
            stmt = update(Reminder).where(Reminder.status == "pending")
            if case_id is not None:
                stmt = stmt.where(Reminder.case_id == case_id)
            if appointment_id is not None:
                stmt = stmt.where(Reminder.appointment_id == appointment_id)
            if kinds:
                stmt = stmt.where(Reminder.kind.in_(kinds))
            result = await s.execute(stmt.values(status="cancelled", done_at=self._clock.now()))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def count_pending(self) -> int:
        async with self._db.read() as s:
            return int((await s.execute(select(func.count()).select_from(Reminder)
                                        .where(Reminder.status == "pending"))).scalar_one())
