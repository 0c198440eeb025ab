"""Cases: the intake draft (answers, records, questions) and its one-time submission.

Each public method is one transaction. Every method that changes a draft takes the patient's id
and re-checks that the case is that patient's and still a draft, so a stale or forged button can
change nothing. The draft's ``step`` is written in the same transaction as the answer that moves
it, before the bot replies: a crash after the reply never loses the answer, and the patient
resumes exactly where the database says they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Literal, cast

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseEvent, Question, Record, Reminder, Report
from storage.records import KeyRing
from storage.repositories import Outgoing, _Repo, stage_audit, stage_many
from storage.schemas import CaseEventOut, CaseOut, QuestionOut, RecordOut, _Frozen

DRAFT = "draft"
SUBMITTED = "submitted"
TRACKS = ("domestic", "international")
RECORD_KINDS = ("test", "imaging", "note", "other")
SUGGESTED_QUESTIONS = ("accuracy", "options", "wait", "results", "evidence")
MAX_RECORDS = 50
MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 500
ANSWER_FIELDS = frozenset({"track", "specialty", "diagnosis", "treatment_plan", "surgeries",
                           "medications", "allergies", "phone"})

#: ``date_source`` of a date read from the file and not yet confirmed by the patient; once
#: confirmed it becomes the file's own source (pdf, dicom or exif); a date the patient gave is
#: ``patient``.
PROPOSED = "file"
PATIENT = "patient"


def confirmed_source(mime: str) -> str:
    if mime == "application/pdf":
        return "pdf"
    if mime == "application/dicom":
        return "dicom"
    return "exif"


def case_number(case_id: int, submitted_at: datetime) -> str:
    """Human-friendly and unique: ``SO-<yymm>-<case id, at least four digits>``."""
    return f"SO-{submitted_at:%y%m}-{case_id:04d}"


# -- what the repository returns --------------------------------------------------------------

class DraftRecord(RecordOut):
    media_group_id: str | None

    @property
    def needs_kind(self) -> bool:
        return self.kind is None

    @property
    def needs_date(self) -> bool:
        return self.date_source is None or self.date_source == PROPOSED

    @property
    def pending(self) -> bool:
        return self.needs_kind or self.needs_date


class StoredBlob(_Frozen):
    blob_name: str
    wrapped_key: bytes
    key_id: str
    mime: str


class AddRecordResult(_Frozen):
    outcome: Literal["added", "duplicate", "full", "gone"]
    record: DraftRecord | None = None
    count: int = 0


class QuestionsResult(_Frozen):
    outcome: Literal["ok", "full", "too_long", "empty", "gone"]
    questions: tuple[QuestionOut, ...] = ()


class SubmitResult(_Frozen):
    case: CaseOut
    first_time: bool
    record_count: int


class CaseSummary(_Frozen):
    case: CaseOut
    record_count: int
    events: tuple[CaseEventOut, ...]


AlertFactory = Callable[[CaseOut, int], Sequence[Outgoing]]


# -- the repository ---------------------------------------------------------------------------

class CaseRepo(_Repo):
    # -- reading ------------------------------------------------------------------------------

    async def draft(self, *, patient_id: int) -> CaseOut | None:
        """The patient's unfinished case, if any (the newest one)."""
        async with self._db.read() as s:
            row = (await s.execute(
                select(Case).where(Case.patient_id == patient_id, Case.status == DRAFT)
                .order_by(Case.id.desc()).limit(1))).scalar_one_or_none()
            return None if row is None else CaseOut.model_validate(row)

    async def get(self, *, case_id: int) -> CaseOut | None:
        async with self._db.read() as s:
            row = await s.get(Case, case_id)
            return None if row is None else CaseOut.model_validate(row)

    async def records(self, *, case_id: int) -> list[DraftRecord]:
        async with self._db.read() as s:
            rows = (await s.execute(select(Record).where(Record.case_id == case_id)
                                    .order_by(Record.id))).scalars()
            return [DraftRecord.model_validate(r) for r in rows]

    async def find_record(self, *, case_id: int, sha256: str) -> DraftRecord | None:
        async with self._db.read() as s:
            row = (await s.execute(select(Record).where(
                Record.case_id == case_id, Record.sha256 == sha256))).scalar_one_or_none()
            return None if row is None else DraftRecord.model_validate(row)

    async def count_records(self, *, case_id: int) -> int:
        async with self._db.read() as s:
            return await _count_records(s, case_id)

    async def blob(self, *, record_id: int) -> StoredBlob | None:
        async with self._db.read() as s:
            row = await s.get(Record, record_id)
            return None if row is None else StoredBlob.model_validate(row)

    async def questions(self, *, case_id: int) -> list[QuestionOut]:
        async with self._db.read() as s:
            return await _questions(s, case_id)

    async def patient_cases(self, *, patient_id: int, limit: int = 5) -> list[CaseSummary]:
        """Submitted cases, newest first, with their status history and record counts."""
        async with self._db.read() as s:
            cases = (await s.execute(
                select(Case).where(Case.patient_id == patient_id, Case.status != DRAFT)
                .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit))).scalars().all()
            out = []
            for case in cases:
                events = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                          .order_by(CaseEvent.at, CaseEvent.id))).scalars()
                out.append(CaseSummary(
                    case=CaseOut.model_validate(case),
                    record_count=await _count_records(s, case.id),
                    events=tuple(CaseEventOut.model_validate(e) for e in events)))
            return out

    # -- the draft ----------------------------------------------------------------------------

    async def start_draft(self, *, patient_id: int, step: str) -> tuple[CaseOut, bool]:
        """The patient's draft, created (with the suggested questions selected) if there is
        none. Returns the draft and whether it was created now."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = (await s.execute(
                select(Case).where(Case.patient_id == patient_id, Case.status == DRAFT)
                .order_by(Case.id.desc()).limit(1))).scalar_one_or_none()
            if row is not None:
                return CaseOut.model_validate(row), False
            row = Case(patient_id=patient_id, status=DRAFT, step=step, created_at=now,
                       updated_at=now)
            s.add(row)
            await s.flush()
            for position, key in enumerate(SUGGESTED_QUESTIONS):
                s.add(Question(case_id=row.id, position=position, suggested_key=key))
            s.add(CaseEvent(case_id=row.id, from_status=None, to_status=DRAFT,
                            actor=f"patient:{patient_id}", at=now))
            return CaseOut.model_validate(row), True

    async def answer(self, *, case_id: int, patient_id: int, step: str,
                     values: Mapping[str, str | None] | None = None) -> CaseOut | None:
        """Write answers and the draft's new step together. None if it is not this patient's
        draft (any more)."""
        values = dict(values or {})
        unknown = set(values) - ANSWER_FIELDS
        if unknown:
            raise ValueError(f"not answer fields: {sorted(unknown)}")
        if "track" in values and values["track"] not in (*TRACKS, None):
            raise ValueError("unknown track")
        async with self._db.transaction() as s:
            row = await _own_draft(s, case_id, patient_id)
            if row is None:
                return None
            for key, value in values.items():
                setattr(row, key, value)
            row.step = step
            row.updated_at = self._clock.now()
            return CaseOut.model_validate(row)

    async def set_step(self, *, case_id: int, patient_id: int, step: str) -> CaseOut | None:
        return await self.answer(case_id=case_id, patient_id=patient_id, step=step)

    async def delete_draft(self, *, case_id: int, patient_id: int) -> list[str] | None:
        """Delete a draft with its records and questions. Returns the blob names to remove
        from the record store (after this commit), or None if there was no such draft."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = await _own_draft(s, case_id, patient_id)
            if row is None:
                return None
            blobs = list((await s.execute(select(Record.blob_name)
                                          .where(Record.case_id == case_id))).scalars())
            await _cancel_reminders(s, case_id, now)
            await s.delete(row)
            await stage_audit(s, actor=f"patient:{patient_id}", action="case.draft_deleted",
                              subject=f"case:{case_id}", now=now)
            return blobs

    # -- records ------------------------------------------------------------------------------

    async def add_record(self, *, case_id: int, patient_id: int, step: str, mime: str,
                         size: int, sha256: str, blob_name: str, wrapped_key: bytes,
                         key_id: str, record_date: date | None, date_source: str | None,
                         file_unique_id: str | None = None, media_group_id: str | None = None,
                         kind: str | None = None) -> AddRecordResult:
        """Add a stored file to a draft: at most `MAX_RECORDS`, each content once."""
        if kind is not None and kind not in RECORD_KINDS:
            raise ValueError("unknown record kind")
        now = self._clock.now()
        try:
            async with self._db.transaction() as s:
                case = await _own_draft(s, case_id, patient_id)
                if case is None:
                    return AddRecordResult(outcome="gone")
                existing = (await s.execute(select(Record).where(
                    Record.case_id == case_id, Record.sha256 == sha256))).scalar_one_or_none()
                count = await _count_records(s, case_id)
                if existing is not None:
                    return AddRecordResult(outcome="duplicate", count=count,
                                           record=DraftRecord.model_validate(existing))
                if count >= MAX_RECORDS:
                    return AddRecordResult(outcome="full", count=count)
                row = Record(case_id=case_id, kind=kind, record_date=record_date,
                             date_source=date_source, mime=mime, size=size, sha256=sha256,
                             file_unique_id=file_unique_id, media_group_id=media_group_id,
                             blob_name=blob_name, wrapped_key=wrapped_key, key_id=key_id,
                             created_at=now)
                s.add(row)
                case.step = step
                case.updated_at = now
                await s.flush()
                return AddRecordResult(outcome="added", count=count + 1,
                                       record=DraftRecord.model_validate(row))
        except IntegrityError:  # the same content, added concurrently
            existing_record = await self.find_record(case_id=case_id, sha256=sha256)
            return AddRecordResult(outcome="duplicate", record=existing_record,
                                   count=await self.count_records(case_id=case_id))

    async def set_record_kind(self, *, case_id: int, patient_id: int, record_id: int,
                              kind: str) -> list[DraftRecord] | None:
        """Set the kind of a record, and of the rest of its album that has none yet."""
        if kind not in RECORD_KINDS:
            raise ValueError("unknown record kind")
        async with self._db.transaction() as s:
            targets = await _batch(s, case_id, patient_id, record_id,
                                   lambda r: r.kind is None)
            if targets is None:
                return None
            for row in targets:
                row.kind = kind
            await _touch(s, case_id, self._clock.now())
            return [DraftRecord.model_validate(r) for r in targets]

    async def set_record_date(self, *, case_id: int, patient_id: int, record_id: int,
                              value: date | None) -> list[DraftRecord] | None:
        """Date a record and the rest of its album still waiting for a date. ``value`` None
        confirms the date read from each file; otherwise it is the date the patient gave."""
        async with self._db.transaction() as s:
            if value is None:
                targets = await _batch(s, case_id, patient_id, record_id,
                                       lambda r: r.date_source == PROPOSED)
            else:
                targets = await _batch(s, case_id, patient_id, record_id,
                                       lambda r: r.date_source in (None, PROPOSED))
            if targets is None:
                return None
            for row in targets:
                if value is None:
                    row.date_source = confirmed_source(row.mime)
                else:
                    row.record_date = value
                    row.date_source = PATIENT
            await _touch(s, case_id, self._clock.now())
            return [DraftRecord.model_validate(r) for r in targets]

    async def remove_record(self, *, case_id: int, patient_id: int, record_id: int
                            ) -> str | None:
        """Remove a record from a draft. Returns its blob name (to delete after this commit)."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            if await _own_draft(s, case_id, patient_id) is None:
                return None
            row = await s.get(Record, record_id)
            if row is None or row.case_id != case_id:
                return None
            blob_name = row.blob_name
            await s.delete(row)
            await _touch(s, case_id, now)
            await stage_audit(s, actor=f"patient:{patient_id}", action="record.removed",
                              subject=f"record:{record_id}", now=now)
            return blob_name

    async def rotate_record_keys(self, *, keys: KeyRing, batch: int = 500) -> int:
        """Rewrap every file key (records and attached reports) not yet under the newest
        master key. Returns how many."""
        return (await self._rewrap(Record, keys, batch)) + (await self._rewrap(Report, keys,
                                                                               batch))

    async def _rewrap(self, model: type[Record] | type[Report], keys: KeyRing, batch: int
                      ) -> int:
        done = 0
        while True:
            async with self._db.transaction() as s:
                rows = cast("Sequence[Record | Report]", (await s.execute(
                    select(model).where(model.key_id.is_not(None),
                                        model.key_id != keys.current_id)
                    .order_by(model.id).limit(batch))).scalars().all())
                for row in rows:
                    if row.wrapped_key is not None and row.key_id is not None:
                        row.wrapped_key, row.key_id = keys.rewrap(row.wrapped_key, row.key_id)
            done += len(rows)
            if len(rows) < batch:
                return done

    # -- questions ----------------------------------------------------------------------------

    async def toggle_suggested(self, *, case_id: int, patient_id: int, key: str
                               ) -> QuestionsResult:
        if key not in SUGGESTED_QUESTIONS:
            raise ValueError("unknown suggested question")
        async with self._db.transaction() as s:
            if await _own_draft(s, case_id, patient_id) is None:
                return QuestionsResult(outcome="gone")
            questions = await _question_rows(s, case_id)
            chosen = next((q for q in questions if q.suggested_key == key), None)
            if chosen is not None:
                await s.delete(chosen)
            elif len(questions) >= MAX_QUESTIONS:
                return QuestionsResult(outcome="full", questions=_out(questions))
            else:
                s.add(Question(case_id=case_id, suggested_key=key,
                               position=SUGGESTED_QUESTIONS.index(key)))
            await _touch(s, case_id, self._clock.now())
            await s.flush()
            return QuestionsResult(outcome="ok", questions=tuple(await _questions(s, case_id)))

    async def add_question(self, *, case_id: int, patient_id: int, text: str, step: str
                           ) -> QuestionsResult:
        text = text.strip()
        if not text:
            return QuestionsResult(outcome="empty")
        if len(text) > MAX_QUESTION_CHARS:
            return QuestionsResult(outcome="too_long")
        async with self._db.transaction() as s:
            case = await _own_draft(s, case_id, patient_id)
            if case is None:
                return QuestionsResult(outcome="gone")
            questions = await _question_rows(s, case_id)
            if len(questions) >= MAX_QUESTIONS:
                return QuestionsResult(outcome="full", questions=_out(questions))
            position = max([len(SUGGESTED_QUESTIONS) - 1, *(q.position for q in questions)]) + 1
            s.add(Question(case_id=case_id, position=position, text=text))
            case.step = step
            case.updated_at = self._clock.now()
            await s.flush()
            return QuestionsResult(outcome="ok", questions=tuple(await _questions(s, case_id)))

    async def edit_question(self, *, case_id: int, patient_id: int, question_id: int,
                            text: str, step: str) -> QuestionsResult:
        text = text.strip()
        if not text:
            return QuestionsResult(outcome="empty")
        if len(text) > MAX_QUESTION_CHARS:
            return QuestionsResult(outcome="too_long")
        async with self._db.transaction() as s:
            case = await _own_draft(s, case_id, patient_id)
            row = await s.get(Question, question_id)
            if case is None or row is None or row.case_id != case_id or row.text is None:
                return QuestionsResult(outcome="gone")
            row.text = text
            case.step = step
            case.updated_at = self._clock.now()
            await s.flush()
            return QuestionsResult(outcome="ok", questions=tuple(await _questions(s, case_id)))

    async def remove_question(self, *, case_id: int, patient_id: int, question_id: int
                              ) -> QuestionsResult:
        async with self._db.transaction() as s:
            case = await _own_draft(s, case_id, patient_id)
            row = await s.get(Question, question_id)
            if case is None or row is None or row.case_id != case_id:
                return QuestionsResult(outcome="gone")
            await s.delete(row)
            case.updated_at = self._clock.now()
            await s.flush()
            return QuestionsResult(outcome="ok", questions=tuple(await _questions(s, case_id)))

    # -- submission ---------------------------------------------------------------------------

    async def submit(self, *, case_id: int, patient_id: int, alerts: AlertFactory
                     ) -> SubmitResult | None:
        """Submit a draft exactly once: number it, record the event, cancel its reminders and
        stage the coordinators' alert (built by ``alerts`` from the numbered case) in the same
        transaction. Submitting again returns the same case with ``first_time`` False. None if
        the case is not this patient's."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            claimed = await s.execute(
                update(Case).where(Case.id == case_id, Case.patient_id == patient_id,
                                   Case.status == DRAFT)
                .values(status=SUBMITTED, number=case_number(case_id, now), submitted_at=now,
                        updated_at=now, step=None))
            row = await s.get(Case, case_id, populate_existing=True)
            if row is None or row.patient_id != patient_id:
                return None
            count = await _count_records(s, case_id)
            case = CaseOut.model_validate(row)
            if not claimed.rowcount:  # type: ignore[attr-defined]
                if row.number is None:
                    return None  # never submitted (closed some other way)
                return SubmitResult(case=case, first_time=False, record_count=count)
            s.add(CaseEvent(case_id=case_id, from_status=DRAFT, to_status=SUBMITTED,
                            actor=f"patient:{patient_id}", at=now))
            await _cancel_reminders(s, case_id, now)
            await stage_audit(s, actor=f"patient:{patient_id}", action="case.submitted",
                              subject=f"case:{case_id}", now=now)
            stage_many(s, alerts(case, count), now=now)
            return SubmitResult(case=case, first_time=True, record_count=count)


# -- helpers inside a transaction -------------------------------------------------------------

async def _own_draft(s: AsyncSession, case_id: int, patient_id: int) -> Case | None:
    row = await s.get(Case, case_id)
    if row is None or row.patient_id != patient_id or row.status != DRAFT:
        return None
    return row


async def _touch(s: AsyncSession, case_id: int, now: datetime) -> None:
    await s.execute(update(Case).where(Case.id == case_id).values(updated_at=now))


async def _count_records(s: AsyncSession, case_id: int) -> int:
    return int((await s.execute(select(func.count()).select_from(Record)
                                .where(Record.case_id == case_id))).scalar_one())


async def _batch(s: AsyncSession, case_id: int, patient_id: int, record_id: int,
                 waiting: Callable[[Record], bool]) -> list[Record] | None:
    """A record and the rest of its album (same media group) still waiting for an answer."""
    if await _own_draft(s, case_id, patient_id) is None:
        return None
    row = await s.get(Record, record_id)
    if row is None or row.case_id != case_id:
        return None
    targets = [row]
    if row.media_group_id is not None:
        siblings = (await s.execute(select(Record).where(
            Record.case_id == case_id, Record.media_group_id == row.media_group_id,
            Record.id != row.id).order_by(Record.id))).scalars()
        targets.extend(r for r in siblings if waiting(r))
    return targets


async def _cancel_reminders(s: AsyncSession, case_id: int, now: datetime) -> None:
    await s.execute(update(Reminder).where(Reminder.case_id == case_id,
                                           Reminder.status == "pending")
                    .values(status="cancelled", done_at=now))


async def _question_rows(s: AsyncSession, case_id: int) -> list[Question]:
    return list((await s.execute(select(Question).where(Question.case_id == case_id)
                                 .order_by(Question.position, Question.id))).scalars())


async def _questions(s: AsyncSession, case_id: int) -> list[QuestionOut]:
    return [QuestionOut.model_validate(q) for q in await _question_rows(s, case_id)]


def _out(rows: Sequence[Question]) -> tuple[QuestionOut, ...]:
    return tuple(QuestionOut.model_validate(q) for q in rows)

