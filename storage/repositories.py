"""Repositories for the foundation: patients, processed updates, conversation state, the outbox,
the audit log and reminders. Each public method is one transaction and returns pydantic objects.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
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


def insert_or_ignore(db: Database, table: Any, *conflict_columns: str, **values: Any) -> Any:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` in the database's dialect: the row is
    inserted, or nothing happens when a committed (or concurrently committing) row has the same
    key; the result's ``rowcount`` tells which. No exception, so the transaction goes on."""
    dialect = sqlite if db.is_sqlite else postgresql
    return (dialect.insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict_columns)))


_PATIENT_COLUMNS = tuple(Patient.__table__.c)


async def load_patient(session: AsyncSession, telegram_user_id: int) -> PatientOut | None:
    """The patient with this Telegram id, read in the caller's transaction (no ORM object)."""
    row = (await session.execute(select(*_PATIENT_COLUMNS).where(
        Patient.telegram_user_id == telegram_user_id))).one_or_none()
    return None if row is None else PatientOut.model_validate(row)


async def stage_patient(session: AsyncSession, db: Database, *, telegram_user_id: int,
                        chat_id: int, language: str, now: datetime) -> PatientOut:
    """Load, or on first contact create, the patient in the caller's transaction, which must
    be a write transaction (`Database.transaction`). Safe when two transactions create the same
    patient at once: the loser's insert waits for the winner's commit and does nothing (no
    unique-key error), and the patient is read again. Someone who writes to us again after the
    bot was blocked is reachable again."""
    patient = await load_patient(session, telegram_user_id)
    if patient is None:
        await session.execute(insert_or_ignore(
            db, Patient, "telegram_user_id", telegram_user_id=telegram_user_id, chat_id=chat_id,
            language=language, language_chosen=False, created_at=now, updated_at=now))
        # Inserted here, or committed by the transaction that won: there is one now.
        patient = PatientOut.model_validate((await session.execute(select(
            *_PATIENT_COLUMNS).where(Patient.telegram_user_id == telegram_user_id))).one())
    elif patient.unreachable_at is not None:
        await session.execute(update(Patient).where(Patient.id == patient.id)
                              .values(unreachable_at=None, updated_at=now))
        patient = patient.model_copy(update={"unreachable_at": None})
    return patient


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
        async with self._db.transaction() as s:
            return await stage_patient(s, self._db, telegram_user_id=telegram_user_id,
                                       chat_id=chat_id, language=language,
                                       now=self._clock.now())

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

@dataclass(frozen=True)
class Arrival:
    """What `UpdateLog.record_and_identify` found."""

    #: False when the update id was recorded before: a redelivered update, to be ignored
    fresh: bool
    #: the patient behind the update (None: not asked for, or no such patient)
    patient: PatientOut | None = None


class UpdateLog(_Repo):
    async def record(self, *, update_id: int) -> bool:
        """Record an update id before acting on it. False when it was seen before."""
        return (await self.record_and_identify(update_id=update_id)).fresh

    async def record_and_identify(self, *, update_id: int, telegram_user_id: int | None = None,
                                  private_chat_id: int | None = None, language: str = ""
                                  ) -> Arrival:
        """Every update's fixed work, in one write transaction: record its id (a redelivered
        update stops here: nothing else is read or written), then find the person behind it.

        With ``private_chat_id`` (a private chat) the patient is loaded, or created on first
        contact in ``language``, and made reachable again if the bot had been blocked; without
        it (a group chat) the patient is only looked up, never created or changed. The update
        id is committed together with the patient, before any of the update's effects."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            # The insert comes first: on SQLite it takes the database's write lock at once, so
            # the reads after it can never be from a snapshot a writer has moved past.
            recorded = await s.execute(insert_or_ignore(
                self._db, ProcessedUpdate, "update_id", update_id=update_id, received_at=now))
            if not recorded.rowcount:  # type: ignore[attr-defined]
                return Arrival(fresh=False)
            if telegram_user_id is None:
                return Arrival(fresh=True)
            if private_chat_id is None:
                return Arrival(fresh=True, patient=await load_patient(s, telegram_user_id))
            return Arrival(fresh=True, patient=await stage_patient(
                s, self._db, telegram_user_id=telegram_user_id, chat_id=private_chat_id,
                language=language, now=now))

    async def prune(self, *, older_than: timedelta, batch: int = 2000) -> int:
        """Forget update ids received before ``older_than`` ago, a batch per transaction, so
        that a large backlog (the first run after an upgrade) never holds SQLite's write lock
        for more than a few milliseconds at a time while patients are being answered."""
        cutoff = self._clock.now() - older_than
        done = 0
        while True:
            async with self._db.transaction() as s:
                oldest = (select(ProcessedUpdate.update_id)
                          .where(ProcessedUpdate.received_at < cutoff).limit(batch))
                result = await s.execute(delete(ProcessedUpdate).where(
                    ProcessedUpdate.update_id.in_(oldest.scalar_subquery())))
                removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
            done += removed
            if removed < batch:
                return done
            await asyncio.sleep(0)  # let waiting updates take the lock in between


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
