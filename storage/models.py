"""SQLAlchemy models. The schema itself comes from the Alembic migrations in `migrations/`.

All datetimes are aware and in UTC (`UtcDateTime` keeps them so on SQLite too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime, date: Date}


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    consent_at: Mapped[datetime | None]
    employer_code: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    unreachable_at: Mapped[datetime | None]
    guidance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_patient_status", "patient_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(String(16))
    specialty: Mapped[str | None] = mapped_column(String(64))
    diagnosis: Mapped[str | None] = mapped_column(Text)
    treatment_plan: Mapped[str | None] = mapped_column(Text)
    surgeries: Mapped[str | None] = mapped_column(Text)
    medications: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    parent_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"))
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    expert_name: Mapped[str | None] = mapped_column(String(200))
    expert_specialty: Mapped[str | None] = mapped_column(String(64))
    close_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    report_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class CaseEvent(Base):
    """The status history of a case: who changed what, when. No clinical text."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_records_case_sha"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str | None] = mapped_column(String(32))
    record_date: Mapped[date | None]
    date_source: Mapped[str | None] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    file_unique_id: Mapped[str | None] = mapped_column(String(128))
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    blob_name: Mapped[str] = mapped_column(String(128))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    suggested_key: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    blob_name: Mapped[str | None] = mapped_column(String(128))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(16))
    sha256: Mapped[str | None] = mapped_column(String(64))
    concordance: Mapped[str | None] = mapped_column(String(32))
    attached_by: Mapped[int] = mapped_column(BigInteger)
    attached_at: Mapped[datetime]


class Link(Base):
    """A signed link's server-side half: what it opens, until when, and whether it was revoked."""

    __tablename__ = "links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (Index("ix_slots_starts", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    physician: Mapped[str] = mapped_column(String(200))
    track: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # One live appointment a slot: a cancelled one frees its slot by setting slot_id to NULL.
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slots.id", ondelete="SET NULL"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    video_room: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "status", "due_at"),
        UniqueConstraint("dedup_key", name="uq_reminders_dedup"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"))
    dedup_key: Mapped[str | None] = mapped_column(String(96))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only, hash-chained. Ids and action names only: never clinical text."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(index=True)


class ConversationState(Base):
    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


# -- coordinator console (migration 0003) -----------------------------------------------------

class CaseMessage(Base):
    """What passes between the coordinators and the patient about a case: an information
    request (``request``: the question, and the status to return to) and the patient's answer
    (``reply``: a text, or a record added to the case). Read only in a coordinator's private chat.
    """

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="SET NULL"))
    return_status: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Coordinator(Base):
    """The coordinators who have acted, by Telegram id, with the first name Telegram gave:
    how the console says who has a case."""

    __tablename__ = "coordinators"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                  autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


# -- online consultation (migration 0004) -----------------------------------------------------

class ConsultOffer(Base):
    """A coordinator offered the patient of a case an online consultation (``/offer``): the
    case may then be booked even before its report is ready."""

    __tablename__ = "consult_offers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    offered_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ConsultFeedback(Base):
    """How the consultation went, in the patient's words: a 1–5 rating and an optional comment.
    Read only in a coordinator's private chat."""

    __tablename__ = "consult_feedback"

    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# -- report delivery and after the opinion (migration 0005) -----------------------------------

class ReportFeedback(Base):
    """What the patient said after reading their report: how it compares with their first
    doctor's opinion (``agrees`` / ``differs`` / ``unsure``), a 1–5 rating and an optional
    comment. One row a case; the comment is read only in a coordinator's private chat."""

    __tablename__ = "report_feedback"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    comparison: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
