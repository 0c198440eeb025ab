"""Seeding a fresh database in bulk: submitted cases as journeys leave them, and pending
reminders. Rows go in through the bot's own models (SQLAlchemy Core, many rows a statement);
the schema comes from the bot's migrations."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from storage.db import Database, migrate
from storage.models import (
    AuditEvent,
    Case,
    CaseEvent,
    ConversationState,
    OutboxMessage,
    Patient,
    ProcessedUpdate,
    Question,
    Record,
    Reminder,
    Report,
)
from storage.repositories import GENESIS_HASH, audit_hash

#: Seeded people's Telegram ids start here, far from the emulator's (100001 and up).
SEED_USER_BASE = 5_000_000_000
_CHUNK = 2_000
COORDINATOR = 9001
_SERIAL_TABLES = ("patients", "cases", "case_events", "records", "questions", "outbox",
                  "audit_events", "reminders", "reports")


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start:start + _CHUNK]


async def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        async with db.transaction() as s:
            await s.execute(insert(model), chunk)


async def _fix_sequences(db: Database) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the seeded rows."""
    if db.is_sqlite:
        return
    async with db.transaction() as s:
        for table in _SERIAL_TABLES:
            await s.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"))


async def seed_cases(url: str, count: int, *, updates_per_case: int = 38) -> None:
    """``count`` patients, each with one case over the past year as the intake left it
    (answers, three records (rows only), eight questions, cancelled nudges, the coordinators'
    alert) and as coordinators moved it on since (claimed, with the expert, report, closed:
    status events, the report, the patient's notifications), with audit events, the
    conversation state and the processed update ids of the journey."""
    await migrate(url)
    db = Database(url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    try:
        patients, cases, events, records, questions = [], [], [], [], []
        outbox, reminders, states, updates, audits, reports = [], [], [], [], [], []
        prev = GENESIS_HASH
        audit_id = 0
        update_id = 10_000_000
        for i in range(1, count + 1):
            created = now - timedelta(days=365) + timedelta(seconds=rng.uniform(0, 364 * 86400))
            submitted = created + timedelta(minutes=rng.uniform(5, 600))
            user = SEED_USER_BASE + i
            lang = "vi" if i % 2 else "en"
            patients.append(dict(
                id=i, telegram_user_id=user, chat_id=user, language=lang, language_chosen=True,
                timezone=None, consent_at=created, employer_code=None,
                phone=f"+8490{i:07d}", unreachable_at=None,
                guidance={"emergency": False, "in_hospital": False, "recent_treatment": False,
                          "situations": ["rare", "cancer"], "completed_at": created.isoformat()},
                created_at=created, updated_at=submitted))
            # Claimed within the hour; with the expert for six days; then the report, and
            # closed a week later. So no service-level alert is due for any seeded case.
            age = now - submitted
            claimed = submitted + timedelta(minutes=rng.uniform(5, 60))
            report = submitted + timedelta(days=6) if age > timedelta(days=6) else None
            closed = submitted + timedelta(days=13) if age > timedelta(days=14) else None
            status = "closed" if closed else "report_ready" if report else "with_expert"
            cases.append(dict(
                id=i, number=f"SO-{submitted:%y%m}-{i:04d}", patient_id=i, status=status,
                step=None, track=rng.choice(("domestic", "international")),
                specialty="cardiology", diagnosis="Mitral valve prolapse, moderate regurgitation",
                treatment_plan="Valve repair surgery proposed for next month", surgeries="",
                medications="Bisoprolol 2.5 mg once a day", allergies="",
                phone=f"+8490{i:07d}", parent_case_id=None, claimed_by=COORDINATOR,
                expert_name="Dr. Nguyen Van An", expert_specialty="cardiology",
                close_reason="completed" if closed else None, created_at=created,
                updated_at=closed or report or claimed, submitted_at=submitted,
                claimed_at=claimed, report_at=report, closed_at=closed))
            history = [("draft", "submitted", f"patient:{i}", submitted),
                       ("submitted", "claimed", f"coordinator:{COORDINATOR}", claimed),
                       ("claimed", "with_expert", f"coordinator:{COORDINATOR}",
                        claimed + timedelta(minutes=30))]
            if report:
                history.append(("with_expert", "report_ready", f"coordinator:{COORDINATOR}",
                                report))
                reports.append(dict(case_id=i, url="https://reports.example.org/r/" + str(i),
                                    blob_name=None, wrapped_key=None, key_id=None, sha256=None,
                                    concordance=rng.choice(("agrees", "differs_treatment")),
                                    attached_by=COORDINATOR, attached_at=report))
            if closed:
                history.append(("report_ready", "closed", f"coordinator:{COORDINATOR}", closed))
            for from_status, to_status, actor, at in history:
                events.append(dict(case_id=i, from_status=from_status, to_status=to_status,
                                   actor=actor, at=at))
                if to_status != "submitted":  # the patient is told of each change
                    outbox.append(dict(
                        chat_id=user, method="sendMessage",
                        payload={"text": f"Your case SO-{submitted:%y%m}-{i:04d} has moved on: "
                                         "a coordinator is looking after it. /status shows "
                                         "every step.", "parse_mode": "HTML"},
                        status="sent", attempts=1, next_attempt_at=at, last_error=None,
                        created_at=at, sent_at=at))
            for n, (mime, kind) in enumerate((("application/pdf", "test"),
                                              ("image/jpeg", "imaging"),
                                              ("application/pdf", "note"))):
                records.append(dict(
                    case_id=i, kind=kind, record_date=date(2024, 1, 1) + timedelta(days=n),
                    date_source="pdf" if mime == "application/pdf" else "exif", mime=mime,
                    size=200_000, sha256=secrets.token_hex(32), file_unique_id=None,
                    media_group_id=None, blob_name=f"{secrets.token_hex(16)}.rec",
                    wrapped_key=secrets.token_bytes(60), key_id="0" * 16, created_at=created))
            for position, key in enumerate(("accuracy", "options", "wait", "results",
                                            "evidence")):
                questions.append(dict(case_id=i, position=position, suggested_key=key,
                                      text=None))
            for position in (5, 6, 7):
                questions.append(dict(case_id=i, position=position, suggested_key=None,
                                      text="Is surgery really needed at my age?"))
            for kind, hours in (("intake_nudge_1", 24), ("intake_nudge_2", 72)):
                reminders.append(dict(kind=kind, patient_id=i, case_id=i, appointment_id=None,
                                      dedup_key=None, due_at=created + timedelta(hours=hours),
                                      status="cancelled", created_at=created,
                                      done_at=submitted))
            outbox.append(dict(
                chat_id=-100900, method="sendMessage",
                payload={"text": f"New case SO-{submitted:%y%m}-{i:04d} · Cardiology · "
                                 "International · Records: 3",
                         "parse_mode": "HTML",
                         "reply_markup": {"inline_keyboard": [[
                             {"text": "Claim", "callback_data": f"co:claim:{i}"},
                             {"text": "Open", "callback_data": f"co:open:{i}"}]]}},
                status="sent", attempts=1, next_attempt_at=submitted, last_error=None,
                created_at=submitted, sent_at=submitted))
            states.append(dict(name="patient", key=f"[{user},{user}]", state="intake.submitted",
                               updated_at=submitted))
            for _ in range(updates_per_case):
                update_id += 1
                updates.append(dict(update_id=update_id, received_at=submitted))
            for action, subject, at in (("consent.given", f"patient:{i}", created),
                                        ("case.submitted", f"case:{i}", submitted)):
                audit_id += 1
                digest = audit_hash(prev, at, f"patient:{i}", action, subject)
                audits.append(dict(id=audit_id, at=at, actor=f"patient:{i}", action=action,
                                   subject=subject, prev_hash=prev, hash=digest))
                prev = digest
        for model, rows in ((Patient, patients), (Case, cases), (CaseEvent, events),
                            (Record, records), (Question, questions), (Reminder, reminders),
                            (OutboxMessage, outbox), (Report, reports),
                            (ConversationState, states), (ProcessedUpdate, updates),
                            (AuditEvent, audits)):
            await _insert(db, model, rows)
        await _fix_sequences(db)
    finally:
        await db.dispose()


async def seed_reminders(url: str, count: int, *, due_soon: int = 0, spread_days: float = 30
                         ) -> None:
    """``count`` pending reminders: ``due_soon`` of them overdue by up to an hour (missed while
    the bot was down), the rest spread over the next ``spread_days`` days, starting ten
    minutes from now (outside the scheduler's window)."""
    await migrate(url)
    db = Database(url)
    rng = random.Random(11)
    now = datetime.now(UTC)
    kinds = ("intake_nudge_1", "intake_nudge_2", "guide.hospital_followup")
    try:
        rows = []
        for i in range(count):
            if i < due_soon:
                due = now - timedelta(seconds=rng.uniform(0, 3600))
            else:
                due = now + timedelta(minutes=10) + timedelta(
                    seconds=rng.uniform(0, spread_days * 86400))
            rows.append(dict(kind=kinds[i % len(kinds)], patient_id=None, case_id=None,
                             appointment_id=None, dedup_key=f"bench:{i}", due_at=due,
                             status="pending", created_at=now, done_at=None))
        await _insert(db, Reminder, rows)
        await _fix_sequences(db)
    finally:
        await db.dispose()
