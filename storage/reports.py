"""After the opinion: the report as its links open it, follow-up questions and their answers,
the third opinion (a new draft prefilled from a reported case) and the patient's feedback.

Each public method is one transaction and re-checks that the case is the patient's and has a
final report (a stale or forged button changes nothing). Follow-up questions and the
coordinators' answers live in ``case_messages`` (directions ``followup`` and ``answer``) next to
the information requests; the outbox messages they cause (the coordinators' alert, the answer
for the patient) are built by callables the caller passes and written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_status import CaseStatus
from storage.cases import DRAFT, MAX_RECORDS, RECORD_KINDS
from storage.console import MessageOut, ReportOut, StoredRecord, coordinator_actor, patient_actor
from storage.models import Case, CaseEvent, CaseMessage, Patient, Question, Record, Report
from storage.models import ReportFeedback as FeedbackRow
from storage.repositories import Outgoing, _Repo, stage_audit, stage_many
from storage.schemas import CaseOut, PatientOut, _Frozen

S = CaseStatus

FOLLOWUP = "followup"
ANSWER = "answer"
#: Follow-up questions a patient may ask about one report.
MAX_FOLLOWUPS = 3
MAX_FOLLOWUP_CHARS = 1000
MAX_ANSWER_CHARS = 1500
MAX_COMMENT_CHARS = 1000
COMPARISONS = ("agrees", "differs", "unsure")
#: Statuses of a case whose report the patient has (it may be closed since).
REPORTED: tuple[CaseStatus, ...] = (S.REPORT_READY, S.CLOSED)


# -- what the repository returns --------------------------------------------------------------

class Delivered(_Frozen):
    """A patient's case with its final report."""

    case: CaseOut
    patient: PatientOut
    report: ReportOut


class LinkedReport(_Frozen):
    """What a report page needs: the report, its case and the patient's language."""

    report: ReportOut
    case: CaseOut
    language: str


class FollowupResult(_Frozen):
    outcome: Literal["ok", "full", "empty", "too_long", "gone"]
    asked: int = 0
    question: MessageOut | None = None
    case: CaseOut | None = None


class AnswerResult(_Frozen):
    outcome: Literal["ok", "already", "empty", "gone"]
    question: MessageOut | None = None
    case: CaseOut | None = None


class ThirdSources(_Frozen):
    """What a third opinion would carry over, or why there is nothing to prepare."""

    outcome: Literal["ok", "exists", "draft_exists", "gone"]
    #: the source case (``ok``) or the patient's existing draft (``exists``, ``draft_exists``)
    case: CaseOut | None = None
    records: tuple[StoredRecord, ...] = ()
    report: ReportOut | None = None


class CopiedRecord(_Frozen):
    """A record's file stored again (a new blob, a new file key) for the new case."""

    kind: str | None
    record_date: date | None
    date_source: str | None
    mime: str
    size: int
    sha256: str
    blob_name: str
    wrapped_key: bytes
    key_id: str


class ThirdResult(_Frozen):
    outcome: Literal["created", "exists", "draft_exists", "gone"]
    case: CaseOut | None = None
    records: int = 0


class FeedbackOut(_Frozen):
    case_id: int
    comparison: str | None
    rating: int | None
    comment: str | None
    created_at: datetime
    updated_at: datetime


FollowupAlerts = Callable[[CaseOut, MessageOut], Sequence[Outgoing]]
AnswerNotice = Callable[[Delivered, MessageOut, str], Sequence[Outgoing]]


# -- the repository ---------------------------------------------------------------------------

class ReportRepo(_Repo):
    # -- the report ---------------------------------------------------------------------------

    async def delivered(self, *, case_id: int, patient_id: int) -> Delivered | None:
        """The patient's case and its final report; None if either is missing or not theirs."""
        async with self._db.read() as s:
            return await _delivered(s, case_id, patient_id)

    async def linked_report(self, *, report_id: int) -> LinkedReport | None:
        """A final report, for a page behind a link (None once deleted or not final)."""
        async with self._db.read() as s:
            report = await s.get(Report, report_id)
            if report is None or report.concordance is None:
                return None
            case = await s.get(Case, report.case_id)
            if case is None:
                return None
            patient = await s.get(Patient, case.patient_id)
            if patient is None:
                return None
            return LinkedReport(report=ReportOut.model_validate(report),
                                case=CaseOut.model_validate(case), language=patient.language)

    async def opened(self, *, link_id: str, purpose: str, report_id: int, part: str = ""
                     ) -> None:
        """Audit one opening of a report link (ids only): the page, or ``part`` ``file``."""
        action = f"link.opened.{purpose}" + (f".{part}" if part else "")
        async with self._db.transaction() as s:
            await stage_audit(s, actor=f"link:{link_id}", action=action,
                              subject=f"report:{report_id}", now=self._clock.now())

    # -- follow-up questions --------------------------------------------------------------------

    async def followups(self, *, case_id: int) -> list[MessageOut]:
        """The case's follow-up questions and answers, in order."""
        async with self._db.read() as s:
            rows = (await s.execute(select(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.direction.in_((FOLLOWUP, ANSWER)))
                .order_by(CaseMessage.id))).scalars()
            return [MessageOut.model_validate(r) for r in rows]

    async def followup_count(self, *, case_id: int) -> int:
        async with self._db.read() as s:
            return await _count_followups(s, case_id)

    async def open_followup(self, *, case_id: int) -> MessageOut | None:
        """The oldest question still waiting for an answer."""
        async with self._db.read() as s:
            row = (await s.execute(select(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.direction == FOLLOWUP,
                CaseMessage.answered_at.is_(None)).order_by(CaseMessage.id).limit(1))
            ).scalar_one_or_none()
            return None if row is None else MessageOut.model_validate(row)

    async def ask_followup(self, *, case_id: int, patient_id: int, text: str,
                           alerts: FollowupAlerts) -> FollowupResult:
        """Keep a question about the report (at most `MAX_FOLLOWUPS` a case) and queue the
        coordinators' alerts (built by ``alerts``) with it."""
        text = text.strip()
        if not text:
            return FollowupResult(outcome="empty")
        if len(text) > MAX_FOLLOWUP_CHARS:
            return FollowupResult(outcome="too_long")
        now = self._clock.now()
        actor = patient_actor(patient_id)
        async with self._db.transaction() as s:
            found = await _delivered(s, case_id, patient_id)
            if found is None:
                return FollowupResult(outcome="gone")
            asked = await _count_followups(s, case_id)
            if asked >= MAX_FOLLOWUPS:
                return FollowupResult(outcome="full", asked=asked, case=found.case)
            row = CaseMessage(case_id=case_id, direction=FOLLOWUP, author=actor, text=text,
                              created_at=now)
            s.add(row)
            await s.flush()
            question = MessageOut.model_validate(row)
            await stage_audit(s, actor=actor, action="followup.asked",
                              subject=f"case:{case_id}", now=now)
            stage_many(s, alerts(found.case, question), now=now)
            return FollowupResult(outcome="ok", asked=asked + 1, question=question,
                                  case=found.case)

    async def answer_followup(self, *, question_id: int, coordinator_id: int, text: str,
                              notify: AnswerNotice) -> AnswerResult:
        """A coordinator's answer: kept, the question marked answered (once: a second answer
        to the same question is refused) and the patient's message queued, together."""
        text = text.strip()
        if not text:
            return AnswerResult(outcome="empty")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            row = await s.get(CaseMessage, question_id)
            if row is None or row.direction != FOLLOWUP:
                return AnswerResult(outcome="gone")
            case = await s.get(Case, row.case_id)
            if case is None:
                return AnswerResult(outcome="gone")
            found = await _delivered(s, case.id, case.patient_id)
            if found is None:
                return AnswerResult(outcome="gone")
            won = await s.execute(update(CaseMessage).where(
                CaseMessage.id == question_id, CaseMessage.answered_at.is_(None))
                .values(answered_at=now))
            await s.refresh(row)
            question = MessageOut.model_validate(row)
            if not won.rowcount:  # type: ignore[attr-defined]
                return AnswerResult(outcome="already", question=question, case=found.case)
            s.add(CaseMessage(case_id=case.id, direction=ANSWER, author=actor, text=text,
                              created_at=now))
            await stage_audit(s, actor=actor, action="followup.answered",
                              subject=f"case:{case.id}", now=now)
            stage_many(s, notify(found, question, text), now=now)
            return AnswerResult(outcome="ok", question=question, case=found.case)

    # -- third opinion ------------------------------------------------------------------------

    async def third_opinion_sources(self, *, case_id: int, patient_id: int) -> ThirdSources:
        """What a third opinion of this case would carry over (records to copy, the report),
        unless the patient already has a draft."""
        async with self._db.read() as s:
            found = await _delivered(s, case_id, patient_id)
            if found is None:
                return ThirdSources(outcome="gone")
            draft = await _draft(s, patient_id)
            if draft is not None:
                outcome: Literal["exists", "draft_exists"] = (
                    "exists" if draft.parent_case_id == case_id else "draft_exists")
                return ThirdSources(outcome=outcome, case=CaseOut.model_validate(draft))
            records = (await s.execute(select(Record).where(Record.case_id == case_id)
                                       .order_by(Record.id).limit(MAX_RECORDS))).scalars()
            return ThirdSources(outcome="ok", case=found.case, report=found.report,
                                records=tuple(StoredRecord.model_validate(r) for r in records))

    async def create_third_opinion(self, *, case_id: int, patient_id: int, step: str,
                                   records: Sequence[CopiedRecord]) -> ThirdResult:
        """A new draft prefilled from a reported case (answers, questions and the copied
        records), linked to it by ``parent_case_id``, at ``step``. Nothing is created when the
        patient has a draft already (the caller then deletes the copied blobs)."""
        now = self._clock.now()
        actor = patient_actor(patient_id)
        async with self._db.transaction() as s:
            found = await _delivered(s, case_id, patient_id)
            if found is None:
                return ThirdResult(outcome="gone")
            draft = await _draft(s, patient_id)
            if draft is not None:
                return ThirdResult(outcome="exists" if draft.parent_case_id == case_id
                                   else "draft_exists", case=CaseOut.model_validate(draft))
            source = found.case
            row = Case(patient_id=patient_id, status=DRAFT, step=step, track=source.track,
                       specialty=source.specialty, diagnosis=source.diagnosis,
                       treatment_plan=source.treatment_plan, surgeries=source.surgeries,
                       medications=source.medications, allergies=source.allergies,
                       phone=source.phone, parent_case_id=case_id, created_at=now,
                       updated_at=now)
            s.add(row)
            await s.flush()
            questions = (await s.execute(select(Question).where(Question.case_id == case_id)
                                         .order_by(Question.position, Question.id))).scalars()
            for question in questions:
                s.add(Question(case_id=row.id, position=question.position,
                               suggested_key=question.suggested_key, text=question.text))
            seen: set[str] = set()
            for record in records[:MAX_RECORDS]:
                if record.sha256 in seen:
                    continue
                seen.add(record.sha256)
                s.add(Record(case_id=row.id,
                             kind=record.kind if record.kind in RECORD_KINDS else "other",
                             record_date=record.record_date, date_source=record.date_source,
                             mime=record.mime, size=record.size, sha256=record.sha256,
                             blob_name=record.blob_name, wrapped_key=record.wrapped_key,
                             key_id=record.key_id, created_at=now))
            s.add(CaseEvent(case_id=row.id, from_status=None, to_status=DRAFT, actor=actor,
                            at=now))
            await stage_audit(s, actor=actor, action="case.third_opinion",
                              subject=f"case:{row.id}", now=now)
            await s.flush()
            return ThirdResult(outcome="created", case=CaseOut.model_validate(row),
                               records=len(seen))

    # -- feedback -----------------------------------------------------------------------------

    async def feedback(self, *, case_id: int) -> FeedbackOut | None:
        async with self._db.read() as s:
            row = await s.get(FeedbackRow, case_id)
            return None if row is None else FeedbackOut.model_validate(row)

    async def set_comparison(self, *, case_id: int, patient_id: int, comparison: str
                             ) -> FeedbackOut | None:
        """How the patient finds the opinion compares with their first doctor's."""
        if comparison not in COMPARISONS:
            raise ValueError("unknown comparison")
        return await self._feedback(case_id, patient_id, comparison=comparison)

    async def rate(self, *, case_id: int, patient_id: int, rating: int) -> FeedbackOut | None:
        if rating not in range(1, 6):
            raise ValueError("a rating is 1 to 5")
        return await self._feedback(case_id, patient_id, rating=rating)

    async def comment(self, *, case_id: int, patient_id: int, comment: str
                      ) -> FeedbackOut | None:
        comment = comment.strip()[:MAX_COMMENT_CHARS]
        if not comment:
            raise ValueError("an empty comment")
        return await self._feedback(case_id, patient_id, comment=comment)

    async def _feedback(self, case_id: int, patient_id: int, **values: object
                        ) -> FeedbackOut | None:
        now = self._clock.now()
        async with self._db.transaction() as s:
            if await _delivered(s, case_id, patient_id) is None:
                return None
            row = await s.get(FeedbackRow, case_id)
            if row is None:
                row = FeedbackRow(case_id=case_id, created_at=now, updated_at=now)
                s.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            await stage_audit(s, actor=patient_actor(patient_id),
                              action="feedback." + "_".join(sorted(values)),
                              subject=f"case:{case_id}", now=now)
            await s.flush()
            return FeedbackOut.model_validate(row)


# -- helpers inside a transaction -------------------------------------------------------------

async def _delivered(s: AsyncSession, case_id: int, patient_id: int) -> Delivered | None:
    case = await s.get(Case, case_id)
    if case is None or case.patient_id != patient_id or case.status not in REPORTED:
        return None
    report = (await s.execute(select(Report).where(
        Report.case_id == case_id, Report.concordance.is_not(None))
        .order_by(Report.id.desc()).limit(1))).scalar_one_or_none()
    patient = await s.get(Patient, patient_id)
    if report is None or patient is None:
        return None
    return Delivered(case=CaseOut.model_validate(case), patient=PatientOut.model_validate(patient),
                     report=ReportOut.model_validate(report))


async def _count_followups(s: AsyncSession, case_id: int) -> int:
    return int((await s.execute(select(func.count()).select_from(CaseMessage).where(
        CaseMessage.case_id == case_id, CaseMessage.direction == FOLLOWUP))).scalar_one())


async def _draft(s: AsyncSession, patient_id: int) -> Case | None:
    return (await s.execute(select(Case).where(Case.patient_id == patient_id,
                                               Case.status == DRAFT)
                            .order_by(Case.id.desc()).limit(1))).scalar_one_or_none()
