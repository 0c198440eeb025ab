"""The coordinator console's repository: claims, status changes, information requests and the
patient's answers, reports, the queue, statistics and SLA alerts.

Each public method is one transaction. A status change is a conditional UPDATE checked by the
state machine (`storage.case_status`), and goes together with its ``case_events`` row (who and
when), its audit event (ids only) and the outbox messages it causes: the patient's notice in
their language and the coordinators' alert are built by a ``notify`` callable the caller passes
(it renders texts; this package knows nothing of Telegram) and written in the same transaction,
so a change is never made without its notice, nor a notice sent for a change that rolled back.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_status import (
    AWAITING_REPORT,
    CLOSE_REASONS,
    CONCORDANCE,
    INFO_FROM,
    OPEN,
    CaseStatus,
    can_move,
)
from storage.models import (
    Case,
    CaseEvent,
    CaseMessage,
    ConversationState,
    Coordinator,
    Link,
    Patient,
    Question,
    Record,
    Reminder,
    Report,
    ReportFeedback,
)
from storage.repositories import Outgoing, _Repo, stage_audit, stage_many
from storage.schemas import CaseEventOut, CaseOut, PatientOut, QuestionOut, RecordOut, _Frozen

S = CaseStatus

REQUEST = "request"
REPLY = "reply"
#: How many records a case may hold in all (the intake's own cap is lower).
MAX_CASE_RECORDS = 100
MAX_NAME = 64


def coordinator_actor(user_id: int) -> str:
    return f"coordinator:{user_id}"


def patient_actor(patient_id: int) -> str:
    return f"patient:{patient_id}"


# -- what the repository returns --------------------------------------------------------------

class MessageOut(_Frozen):
    id: int
    case_id: int
    direction: str
    author: str
    text: str | None
    record_id: int | None
    return_status: str | None
    answered_at: datetime | None
    created_at: datetime


class StoredRecord(RecordOut):
    """A record with what it takes to open its encrypted blob."""

    blob_name: str
    wrapped_key: bytes
    key_id: str


class ReportOut(_Frozen):
    id: int
    case_id: int
    url: str | None
    blob_name: str | None
    wrapped_key: bytes | None
    key_id: str | None
    sha256: str | None
    concordance: str | None
    attached_by: int
    attached_at: datetime

    @property
    def final(self) -> bool:
        return self.concordance is not None


class Change(_Frozen):
    """One change of a case, as the notify callable sees it (after the change)."""

    case: CaseOut
    from_status: str
    to_status: str
    actor: str
    patient: PatientOut
    question: str | None = None
    texts: int = 0
    files: int = 0
    concordance: str | None = None


Notify = Callable[[Change], Sequence[Outgoing]]


def no_notice(_change: Change) -> list[Outgoing]:
    return []


Outcome = Literal["ok", "gone", "not_allowed"]


class ActionResult(_Frozen):
    outcome: Outcome
    case: CaseOut | None = None
    change: Change | None = None


class ClaimResult(_Frozen):
    outcome: Literal["claimed", "already_yours", "taken", "not_open", "gone"]
    case: CaseOut | None = None
    holder_id: int | None = None
    holder_name: str | None = None


class ReplyResult(_Frozen):
    outcome: Literal["ok", "added", "duplicate", "full", "empty", "gone"]
    texts: int = 0
    files: int = 0
    change: Change | None = None


class StagedReport(_Frozen):
    outcome: Outcome
    report: ReportOut | None = None
    #: blobs of earlier unfinished uploads for the same case, to delete after this commit
    replaced_blobs: tuple[str, ...] = ()


class NewLink(_Frozen):
    """A signed link to create together with a change (the caller signs its token): the
    ``links`` row is written in the change's transaction, bound to its target there."""

    link_id: str
    purpose: str
    expires_at: datetime


class FinalReport(_Frozen):
    outcome: Literal["ok", "already", "gone", "not_allowed"]
    report: ReportOut | None = None
    change: Change | None = None


class QueueItem(_Frozen):
    case: CaseOut
    holder_name: str | None
    record_count: int


class CaseCard(_Frozen):
    case: CaseOut
    patient: PatientOut
    holder_name: str | None
    records: tuple[StoredRecord, ...]
    questions: tuple[QuestionOut, ...]
    events: tuple[CaseEventOut, ...]
    messages: tuple[MessageOut, ...]
    reports: tuple[ReportOut, ...]
    #: first names of the coordinators known to the console, by Telegram id
    names: dict[int, str] = {}

    def name_of(self, user_id: int | None) -> str | None:
        return self.names.get(user_id) if user_id is not None else None

    @property
    def report(self) -> ReportOut | None:
        finals = [r for r in self.reports if r.final]
        return finals[-1] if finals else None


class Stats(_Frozen):
    by_status: dict[str, int]
    #: seconds from submission to report, one per reported case
    turnarounds: tuple[float, ...]
    concordance: dict[str, int]
    #: the patients' ratings after their report (1–5): how many of each
    ratings: dict[int, int] = {}

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_average(self) -> float | None:
        count = self.rating_count
        return sum(r * n for r, n in self.ratings.items()) / count if count else None

    @property
    def median_turnaround(self) -> float | None:
        return statistics.median(self.turnarounds) if self.turnarounds else None

    @property
    def reported(self) -> int:
        return sum(self.concordance.values())


# -- the repository ---------------------------------------------------------------------------

class CoordinatorRepo(_Repo):
    # -- reading ------------------------------------------------------------------------------

    async def queue(self) -> list[QueueItem]:
        """Open cases: by status (in the state machine's order), oldest first."""
        async with self._db.read() as s:
            counts = (select(Record.case_id, func.count().label("n"))
                      .group_by(Record.case_id).subquery())
            rows = (await s.execute(
                select(Case, Coordinator.first_name, counts.c.n)
                .outerjoin(Coordinator, Coordinator.telegram_user_id == Case.claimed_by)
                .outerjoin(counts, counts.c.case_id == Case.id)
                .where(Case.status.in_(OPEN))
                .order_by(Case.submitted_at, Case.id))).all()
            order = {status: i for i, status in enumerate(OPEN)}
            items = [QueueItem(case=CaseOut.model_validate(case), holder_name=name,
                               record_count=int(n or 0)) for case, name, n in rows]
            return sorted(items, key=lambda item: order.get(S(item.case.status), 99))

    async def card(self, *, case_id: int) -> CaseCard | None:
        """Everything about a submitted case (None for a draft or an unknown id)."""
        async with self._db.read() as s:
            case = await s.get(Case, case_id)
            if case is None or case.status == S.DRAFT:
                return None
            patient = await s.get(Patient, case.patient_id)
            if patient is None:
                return None
            names = {user_id: name for user_id, name in (await s.execute(
                select(Coordinator.telegram_user_id, Coordinator.first_name))).all()}
            records = (await s.execute(select(Record).where(Record.case_id == case_id)
                                       .order_by(Record.id))).scalars()
            questions = (await s.execute(select(Question).where(Question.case_id == case_id)
                                         .order_by(Question.position, Question.id))).scalars()
            events = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                      .order_by(CaseEvent.at, CaseEvent.id))).scalars()
            messages = (await s.execute(select(CaseMessage)
                                        .where(CaseMessage.case_id == case_id)
                                        .order_by(CaseMessage.id))).scalars()
            reports = (await s.execute(select(Report).where(Report.case_id == case_id)
                                       .order_by(Report.id))).scalars()
            return CaseCard(
                case=CaseOut.model_validate(case), patient=PatientOut.model_validate(patient),
                holder_name=names.get(case.claimed_by) if case.claimed_by else None,
                names=names,
                records=tuple(StoredRecord.model_validate(r) for r in records),
                questions=tuple(QuestionOut.model_validate(q) for q in questions),
                events=tuple(CaseEventOut.model_validate(e) for e in events),
                messages=tuple(MessageOut.model_validate(m) for m in messages),
                reports=tuple(ReportOut.model_validate(r) for r in reports))

    async def report(self, *, report_id: int) -> ReportOut | None:
        async with self._db.read() as s:
            row = await s.get(Report, report_id)
            return None if row is None else ReportOut.model_validate(row)

    async def holder_name(self, *, user_id: int) -> str | None:
        async with self._db.read() as s:
            row = await s.get(Coordinator, user_id)
            return None if row is None else row.first_name

    async def stats(self) -> Stats:
        async with self._db.read() as s:
            by_status = {status: int(n) for status, n in (await s.execute(
                select(Case.status, func.count()).where(Case.status != S.DRAFT)
                .group_by(Case.status))).all()}
            spans = (await s.execute(select(Case.submitted_at, Case.report_at).where(
                Case.submitted_at.is_not(None), Case.report_at.is_not(None)))).all()
            concordance = {value: int(n) for value, n in (await s.execute(
                select(Report.concordance, func.count(func.distinct(Report.case_id)))
                .where(Report.concordance.is_not(None))
                .group_by(Report.concordance))).all()}
            ratings = {int(value): int(n) for value, n in (await s.execute(
                select(ReportFeedback.rating, func.count())
                .where(ReportFeedback.rating.is_not(None))
                .group_by(ReportFeedback.rating))).all() if value is not None}
            return Stats(by_status=by_status, ratings=ratings,
                         turnarounds=tuple(sorted((done - sent).total_seconds()
                                                  for sent, done in spans
                                                  if sent is not None and done is not None)),
                         concordance=concordance)

    async def patient_by_chat(self, *, chat_id: int) -> PatientOut | None:
        async with self._db.read() as s:
            row = (await s.execute(select(Patient).where(Patient.chat_id == chat_id)
                                   .limit(1))).scalar_one_or_none()
            return None if row is None else PatientOut.model_validate(row)

    # -- small durable states (what the console waits for, which case a reply is for) --------

    async def get_state(self, *, name: str, key: str) -> str | None:
        async with self._db.read() as s:
            row = await s.get(ConversationState, (name, key))
            return None if row is None else row.state

    async def set_state(self, *, name: str, key: str, state: str | None) -> None:
        async with self._db.transaction() as s:
            row = await s.get(ConversationState, (name, key))
            if state is None:
                if row is not None:
                    await s.delete(row)
            elif row is None:
                s.add(ConversationState(name=name, key=key, state=state,
                                        updated_at=self._clock.now()))
            else:
                row.state = state
                row.updated_at = self._clock.now()

    # -- claiming -----------------------------------------------------------------------------

    async def claim(self, *, case_id: int, coordinator_id: int, first_name: str | None,
                    notify: Notify) -> ClaimResult:
        """First come, first served: one conditional UPDATE decides who has the case."""
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            await _remember_coordinator(s, coordinator_id, first_name, now)
            won = await s.execute(
                update(Case).where(Case.id == case_id, Case.status == S.SUBMITTED,
                                   Case.claimed_by.is_(None))
                .values(status=S.CLAIMED, claimed_by=coordinator_id, claimed_at=now,
                        updated_at=now))
            row = await s.get(Case, case_id, populate_existing=True)
            if row is None or row.status == S.DRAFT:
                return ClaimResult(outcome="gone")
            case = CaseOut.model_validate(row)
            if not won.rowcount:  # type: ignore[attr-defined]
                if row.claimed_by == coordinator_id and row.status in OPEN:
                    return ClaimResult(outcome="already_yours", case=case,
                                       holder_id=coordinator_id)
                if row.claimed_by is not None:
                    holder = await s.get(Coordinator, row.claimed_by)
                    return ClaimResult(outcome="taken", case=case, holder_id=row.claimed_by,
                                       holder_name=holder.first_name if holder else None)
                return ClaimResult(outcome="not_open", case=case)
            await _record(s, case_id, S.SUBMITTED, S.CLAIMED, actor, now)
            await _notify(s, notify, case, S.SUBMITTED, actor, now)
            return ClaimResult(outcome="claimed", case=case, holder_id=coordinator_id,
                               holder_name=first_name)

    # -- coordinator actions ------------------------------------------------------------------

    async def assign_expert(self, *, case_id: int, coordinator_id: int, name: str,
                            specialty: str, notify: Notify) -> ActionResult:
        """``claimed → with_expert`` (the patient is told); on a case already with an expert,
        the expert is replaced (recorded, the patient is not told again)."""
        name, specialty = name.strip()[:200], specialty.strip()[:64]
        if not name or not specialty:
            raise ValueError("an expert needs a name and a specialty")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.status == S.DRAFT:
                return ActionResult(outcome="gone")
            if row.status == S.WITH_EXPERT:
                row.expert_name, row.expert_specialty, row.updated_at = name, specialty, now
                s.add(CaseEvent(case_id=case_id, from_status=S.WITH_EXPERT,
                                to_status=S.WITH_EXPERT, actor=actor, at=now))
                await stage_audit(s, actor=actor, action="case.expert_replaced",
                                  subject=f"case:{case_id}", now=now)
                return ActionResult(outcome="ok", case=CaseOut.model_validate(row))
            moved = await _move(s, row, S.WITH_EXPERT, actor=actor, now=now,
                                values={"expert_name": name, "expert_specialty": specialty})
            if moved is None:
                return ActionResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            case, came_from = moved
            change = await _notify(s, notify, case, came_from, actor, now)
            return ActionResult(outcome="ok", case=case, change=change)

    async def request_info(self, *, case_id: int, coordinator_id: int, question: str,
                           notify: Notify) -> ActionResult:
        """Ask the patient for more: ``claimed | with_expert → info_requested``, remembering
        where to return when they answer."""
        question = question.strip()
        if not question:
            raise ValueError("an information request needs a question")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.status == S.DRAFT:
                return ActionResult(outcome="gone")
            came_from = row.status
            if came_from not in INFO_FROM:
                return ActionResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            moved = await _move(s, row, S.INFO_REQUESTED, actor=actor, now=now)
            if moved is None:
                return ActionResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            case, _ = moved
            s.add(CaseMessage(case_id=case_id, direction=REQUEST, author=actor, text=question,
                              return_status=came_from, created_at=now))
            change = await _notify(s, notify, case, came_from, actor, now, question=question)
            return ActionResult(outcome="ok", case=case, change=change)

    async def close(self, *, case_id: int, coordinator_id: int, reason: str, notify: Notify
                    ) -> ActionResult:
        if reason not in CLOSE_REASONS:
            raise ValueError("unknown close reason")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.status == S.DRAFT:
                return ActionResult(outcome="gone")
            moved = await _move(s, row, S.CLOSED, actor=actor, now=now,
                                values={"close_reason": reason, "closed_at": now})
            if moved is None:
                return ActionResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            case, came_from = moved
            await _answer_open_requests(s, case_id, now)
            change = await _notify(s, notify, case, came_from, actor, now)
            return ActionResult(outcome="ok", case=case, change=change)

    async def withdraw(self, *, case_id: int, patient_id: int, notify: Notify) -> ActionResult:
        """The patient withdraws an open case that has no report yet."""
        now = self._clock.now()
        actor = patient_actor(patient_id)
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.patient_id != patient_id or row.status == S.DRAFT:
                return ActionResult(outcome="gone")
            moved = await _move(s, row, S.WITHDRAWN, actor=actor, now=now,
                                values={"close_reason": "withdrawn", "closed_at": now})
            if moved is None:
                return ActionResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            case, came_from = moved
            await _answer_open_requests(s, case_id, now)
            change = await _notify(s, notify, case, came_from, actor, now)
            return ActionResult(outcome="ok", case=case, change=change)

    # -- reports ------------------------------------------------------------------------------

    async def stage_report(self, *, case_id: int, coordinator_id: int, url: str | None = None,
                           blob_name: str | None = None, wrapped_key: bytes | None = None,
                           key_id: str | None = None, sha256: str | None = None
                           ) -> StagedReport:
        """Keep an uploaded report (a stored PDF or an https URL) until its concordance is
        chosen. An earlier unfinished upload for the case is replaced."""
        if (url is None) == (blob_name is None):
            raise ValueError("a report is either a URL or a stored file")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.status == S.DRAFT:
                return StagedReport(outcome="gone")
            if not can_move(row.status, S.REPORT_READY):
                return StagedReport(outcome="not_allowed")
            earlier = list((await s.execute(select(Report).where(
                Report.case_id == case_id, Report.concordance.is_(None)))).scalars())
            replaced = tuple(r.blob_name for r in earlier if r.blob_name)
            for old in earlier:
                await s.delete(old)
            report = Report(case_id=case_id, url=url, blob_name=blob_name,
                            wrapped_key=wrapped_key, key_id=key_id, sha256=sha256,
                            attached_by=coordinator_id, attached_at=now)
            s.add(report)
            await s.flush()
            await stage_audit(s, actor=actor, action="report.uploaded",
                              subject=f"case:{case_id}", now=now)
            return StagedReport(outcome="ok", report=ReportOut.model_validate(report),
                                replaced_blobs=replaced)

    async def finalize_report(self, *, report_id: int, coordinator_id: int, concordance: str,
                              notify: Notify, link: NewLink | None = None) -> FinalReport:
        """The concordance is chosen: ``with_expert → report_ready`` and the patient is told.
        ``link``, if given, is the patient's signed link to this report: its row is written
        here, bound to the report and the patient, so the notice that carries it and the link
        itself commit (or roll back) together."""
        if concordance not in CONCORDANCE:
            raise ValueError("unknown concordance")
        now = self._clock.now()
        actor = coordinator_actor(coordinator_id)
        async with self._db.transaction() as s:
            report = await s.get(Report, report_id)
            if report is None:
                return FinalReport(outcome="gone")
            if report.concordance is not None:
                return FinalReport(outcome="already", report=ReportOut.model_validate(report))
            row = await s.get(Case, report.case_id)
            if row is None:
                return FinalReport(outcome="gone")
            moved = await _move(s, row, S.REPORT_READY, actor=actor, now=now,
                                values={"report_at": now})
            if moved is None:
                return FinalReport(outcome="not_allowed", report=ReportOut.model_validate(report))
            case, came_from = moved
            report.concordance = concordance
            report.attached_by = coordinator_id
            report.attached_at = now
            await stage_audit(s, actor=actor, action="report.attached",
                              subject=f"report:{report.id}", now=now)
            if link is not None:
                s.add(Link(id=link.link_id, purpose=link.purpose, target_id=report.id,
                           patient_id=row.patient_id, expires_at=link.expires_at,
                           created_at=now))
                await stage_audit(s, actor=actor, action=f"link.issued.{link.purpose}",
                                  subject=f"link:{link.link_id}", now=now)
            change = await _notify(s, notify, case, came_from, actor, now,
                                   concordance=concordance)
            return FinalReport(outcome="ok", report=ReportOut.model_validate(report),
                               change=change)

    # -- the patient's answer to an information request ---------------------------------------

    async def reply_target(self, *, case_id: int, patient_id: int) -> CaseOut | None:
        """The case, if it is this patient's and waiting for their answer."""
        async with self._db.read() as s:
            row = await s.get(Case, case_id)
            if row is None or row.patient_id != patient_id or row.status != S.INFO_REQUESTED:
                return None
            return CaseOut.model_validate(row)

    async def open_request(self, *, case_id: int) -> MessageOut | None:
        async with self._db.read() as s:
            row = await _open_request(s, case_id)
            return None if row is None else MessageOut.model_validate(row)

    async def add_reply_text(self, *, case_id: int, patient_id: int, text: str) -> ReplyResult:
        now = self._clock.now()
        async with self._db.transaction() as s:
            request = await _own_open_request(s, case_id, patient_id)
            if request is None:
                return ReplyResult(outcome="gone")
            s.add(CaseMessage(case_id=case_id, direction=REPLY, author=patient_actor(patient_id),
                              text=text, created_at=now))
            await s.flush()
            texts, files = await _reply_counts(s, case_id, request.id)
            return ReplyResult(outcome="added", texts=texts, files=files)

    async def add_reply_record(self, *, case_id: int, patient_id: int, mime: str, size: int,
                               sha256: str, blob_name: str, wrapped_key: bytes, key_id: str,
                               record_date: date | None, date_source: str | None,
                               file_unique_id: str | None = None, kind: str = "other"
                               ) -> ReplyResult:
        """Add a stored file to the case as part of the patient's answer."""
        now = self._clock.now()
        try:
            async with self._db.transaction() as s:
                request = await _own_open_request(s, case_id, patient_id)
                if request is None:
                    return ReplyResult(outcome="gone")
                texts, files = await _reply_counts(s, case_id, request.id)
                duplicate = (await s.execute(select(Record.id).where(
                    Record.case_id == case_id, Record.sha256 == sha256))).first()
                if duplicate is not None:
                    return ReplyResult(outcome="duplicate", texts=texts, files=files)
                total = int((await s.execute(select(func.count()).select_from(Record)
                                             .where(Record.case_id == case_id))).scalar_one())
                if total >= MAX_CASE_RECORDS:
                    return ReplyResult(outcome="full", texts=texts, files=files)
                record = Record(case_id=case_id, kind=kind, record_date=record_date,
                                date_source=date_source, mime=mime, size=size, sha256=sha256,
                                file_unique_id=file_unique_id, blob_name=blob_name,
                                wrapped_key=wrapped_key, key_id=key_id, created_at=now)
                s.add(record)
                await s.flush()
                s.add(CaseMessage(case_id=case_id, direction=REPLY,
                                  author=patient_actor(patient_id), record_id=record.id,
                                  created_at=now))
                await stage_audit(s, actor=patient_actor(patient_id), action="record.added",
                                  subject=f"record:{record.id}", now=now)
                return ReplyResult(outcome="added", texts=texts, files=files + 1)
        except IntegrityError:  # the same content, added concurrently
            return ReplyResult(outcome="duplicate")

    async def reply_counts(self, *, case_id: int, patient_id: int) -> ReplyResult:
        async with self._db.read() as s:
            request = await _own_open_request(s, case_id, patient_id)
            if request is None:
                return ReplyResult(outcome="gone")
            texts, files = await _reply_counts(s, case_id, request.id)
            return ReplyResult(outcome="ok", texts=texts, files=files)

    async def finish_reply(self, *, case_id: int, patient_id: int, notify: Notify
                           ) -> ReplyResult:
        """The patient is done: the case goes back to where it was and the coordinators are
        told (by ``notify``), together."""
        now = self._clock.now()
        actor = patient_actor(patient_id)
        async with self._db.transaction() as s:
            request = await _own_open_request(s, case_id, patient_id)
            row = await s.get(Case, case_id)
            if request is None or row is None:
                return ReplyResult(outcome="gone")
            texts, files = await _reply_counts(s, case_id, request.id)
            if not texts and not files:
                return ReplyResult(outcome="empty")
            back = request.return_status or S.CLAIMED
            moved = await _move(s, row, back, actor=actor, now=now, came_from=back)
            if moved is None:
                return ReplyResult(outcome="gone")
            case, came_from = moved
            request.answered_at = now
            change = await _notify(s, notify, case, came_from, actor, now, texts=texts,
                                   files=files)
            return ReplyResult(outcome="ok", texts=texts, files=files, change=change)

    # -- SLA and other alerts -----------------------------------------------------------------

    async def cases_without_alert(self, *, kind: str, statuses: Sequence[str],
                                  submitted_before: datetime | None = None) -> list[CaseOut]:
        """Cases in these statuses for which no alert of this kind was recorded yet."""
        async with self._db.read() as s:
            stmt = (select(Case).where(
                Case.status.in_(statuses), Case.submitted_at.is_not(None),
                ~exists().where(Reminder.case_id == Case.id, Reminder.kind == kind))
                .order_by(Case.submitted_at, Case.id))
            if submitted_before is not None:
                stmt = stmt.where(Case.submitted_at <= submitted_before)
            return [CaseOut.model_validate(r) for r in (await s.execute(stmt)).scalars()]

    async def overdue_candidates(self, *, kind: str, submitted_before: datetime
                                 ) -> list[CaseOut]:
        return await self.cases_without_alert(kind=kind, statuses=AWAITING_REPORT,
                                              submitted_before=submitted_before)

    async def record_alert(self, *, kind: str, dedup_key: str, items: Sequence[Outgoing],
                           case_id: int | None = None, patient_id: int | None = None) -> bool:
        """Record an alert once (a ``reminders`` row, status ``sent``, unique ``dedup_key``)
        and queue its messages, in one transaction. False if it was recorded before."""
        now = self._clock.now()
        try:
            async with self._db.transaction() as s:
                s.add(Reminder(kind=kind, case_id=case_id, patient_id=patient_id,
                               dedup_key=dedup_key, due_at=now, status="sent", created_at=now,
                               done_at=now))
                await s.flush()
                stage_many(s, items, now=now)
                await stage_audit(s, actor="system", action=f"alert.{kind}",
                                  subject=f"case:{case_id}" if case_id is not None
                                  else f"patient:{patient_id}", now=now)
        except IntegrityError:
            return False
        return True


# -- helpers inside a transaction -------------------------------------------------------------

async def _remember_coordinator(s: AsyncSession, user_id: int, first_name: str | None,
                                now: datetime) -> None:
    if not first_name:
        return
    name = " ".join(first_name.split())[:MAX_NAME]
    row = await s.get(Coordinator, user_id)
    if row is None:
        s.add(Coordinator(telegram_user_id=user_id, first_name=name, updated_at=now))
    elif row.first_name != name:
        row.first_name, row.updated_at = name, now


async def _move(s: AsyncSession, row: Case, target: str, *, actor: str, now: datetime,
                values: dict[str, Any] | None = None, came_from: str | None = None
                ) -> tuple[CaseOut, str] | None:
    """Change a case's status if the state machine allows it and nobody changed it first
    (a conditional UPDATE), with its event and audit. None when not allowed."""
    current = row.status
    if not can_move(current, target, came_from=came_from):
        return None
    result = await s.execute(update(Case).where(Case.id == row.id, Case.status == current)
                             .values(status=target, updated_at=now, **(values or {})))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    await s.refresh(row)
    await _record(s, row.id, current, target, actor, now)
    return CaseOut.model_validate(row), current


async def _record(s: AsyncSession, case_id: int, from_status: str, to_status: str, actor: str,
                  now: datetime) -> None:
    s.add(CaseEvent(case_id=case_id, from_status=from_status, to_status=to_status, actor=actor,
                    at=now))
    await stage_audit(s, actor=actor, action=f"case.{to_status}", subject=f"case:{case_id}",
                      now=now)


async def _notify(s: AsyncSession, notify: Notify, case: CaseOut, from_status: str, actor: str,
                  now: datetime, **extra: Any) -> Change:
    patient = await s.get(Patient, case.patient_id)
    if patient is None:
        raise LookupError("a case without its patient")
    change = Change(case=case, from_status=from_status, to_status=case.status, actor=actor,
                    patient=PatientOut.model_validate(patient), **extra)
    stage_many(s, notify(change), now=now)
    return change


async def _open_request(s: AsyncSession, case_id: int) -> CaseMessage | None:
    return (await s.execute(select(CaseMessage).where(
        CaseMessage.case_id == case_id, CaseMessage.direction == REQUEST,
        CaseMessage.answered_at.is_(None)).order_by(CaseMessage.id.desc()).limit(1))
    ).scalar_one_or_none()


async def _own_open_request(s: AsyncSession, case_id: int, patient_id: int
                            ) -> CaseMessage | None:
    row = await s.get(Case, case_id)
    if row is None or row.patient_id != patient_id or row.status != S.INFO_REQUESTED:
        return None
    return await _open_request(s, case_id)


async def _answer_open_requests(s: AsyncSession, case_id: int, now: datetime) -> None:
    await s.execute(update(CaseMessage).where(
        CaseMessage.case_id == case_id, CaseMessage.direction == REQUEST,
        CaseMessage.answered_at.is_(None)).values(answered_at=now))


async def _reply_counts(s: AsyncSession, case_id: int, request_id: int) -> tuple[int, int]:
    rows = (await s.execute(select(CaseMessage.record_id).where(
        CaseMessage.case_id == case_id, CaseMessage.direction == REPLY,
        CaseMessage.id > request_id))).scalars().all()
    files = sum(1 for r in rows if r is not None)
    return len(rows) - files, files
