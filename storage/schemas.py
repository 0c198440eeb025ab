"""What repositories return: frozen pydantic objects, never ORM rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class PatientOut(_Frozen):
    id: int
    telegram_user_id: int
    chat_id: int
    language: str
    language_chosen: bool
    timezone: str | None
    consent_at: datetime | None
    employer_code: str | None
    phone: str | None
    unreachable_at: datetime | None
    guidance: dict[str, Any] | None
    created_at: datetime

    @property
    def consented(self) -> bool:
        return self.consent_at is not None


class OutboxOut(_Frozen):
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int
    status: str
    next_attempt_at: datetime


class ReminderOut(_Frozen):
    id: int
    kind: str
    patient_id: int | None
    case_id: int | None
    appointment_id: int | None
    due_at: datetime
    status: str


class AuditOut(_Frozen):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    prev_hash: str
    hash: str


class CaseEventOut(_Frozen):
    from_status: str | None
    to_status: str
    actor: str
    at: datetime


class RecordOut(_Frozen):
    id: int
    case_id: int
    kind: str | None
    record_date: date | None
    date_source: str | None
    mime: str
    size: int
    sha256: str
    created_at: datetime


class QuestionOut(_Frozen):
    id: int
    position: int
    suggested_key: str | None
    text: str | None


class CaseOut(_Frozen):
    id: int
    number: str | None
    patient_id: int
    status: str
    step: str | None
    track: str | None
    specialty: str | None
    diagnosis: str | None
    treatment_plan: str | None
    surgeries: str | None
    medications: str | None
    allergies: str | None
    phone: str | None
    parent_case_id: int | None
    claimed_by: int | None
    expert_name: str | None
    expert_specialty: str | None
    close_reason: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    claimed_at: datetime | None
    report_at: datetime | None
    closed_at: datetime | None


class CaseDetail(_Frozen):
    case: CaseOut
    records: tuple[RecordOut, ...]
    questions: tuple[QuestionOut, ...]
    events: tuple[CaseEventOut, ...]
