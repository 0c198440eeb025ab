"""Online consultations: published slots, appointments and their reminders, offers, no-shows,
the day's agenda and the patient's feedback.

Each public method is one transaction. Two patients can never hold the same slot: the
``appointments.slot_id`` UNIQUE constraint decides the race (the loser's INSERT or UPDATE raises
IntegrityError, answered ``taken``); nothing is checked-then-written in Python. A booking,
a move or a cancellation goes together with its reminders (cancelled, re-planned), its audit
event (ids only) and the messages it causes (built by a ``notify`` callable the caller passes,
which renders texts: this package knows nothing of Telegram), so none happens without the other.
Times are aware UTC datetimes; zones are names, used only at the edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_status import CaseStatus
from storage.models import (
    Appointment,
    Case,
    ConsultFeedback,
    ConsultOffer,
    ConversationState,
    Patient,
    Reminder,
    Slot,
)
from storage.repositories import Outgoing, _Repo, stage_audit, stage_many
from storage.schemas import CaseOut, PatientOut, _Frozen

TRACKS = ("domestic", "international")
BOOKED = "booked"
CANCELLED = "cancelled"
NO_SHOW = "no_show"
MAX_PHYSICIAN = 64
MAX_COMMENT = 2000
MAX_SLOTS_AT_ONCE = 500

BookingChange = Literal["made", "moved", "cancelled"]


def coordinator_actor(user_id: int) -> str:
    return f"coordinator:{user_id}"


def patient_actor(patient_id: int) -> str:
    return f"patient:{patient_id}"


def wanted(case: CaseOut) -> tuple[str, str | None]:
    """The track a case books on, and the physician it must book with (domestic: the expert
    who wrote the report, when one is named; international: any local affiliated physician)."""
    track = case.track if case.track in TRACKS else "domestic"
    physician = case.expert_name if track == "domestic" and case.expert_name else None
    return track, physician


def same_physician(a: str | None, b: str | None) -> bool:
    """Names compared the way people type them: case and spacing do not matter."""
    if a is None or b is None:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


# -- what the repository returns --------------------------------------------------------------

class SlotOut(_Frozen):
    id: int
    physician: str
    track: str
    starts_at: datetime
    minutes: int
    timezone: str
    created_by: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class AppointmentOut(_Frozen):
    id: int
    slot_id: int | None
    case_id: int
    status: str
    starts_at: datetime
    video_room: str
    created_at: datetime
    updated_at: datetime


class FeedbackOut(_Frozen):
    appointment_id: int
    rating: int
    comment: str | None


class BookingOut(_Frozen):
    """An appointment with everything needed to talk about it."""

    appointment: AppointmentOut
    slot: SlotOut | None
    case: CaseOut
    patient: PatientOut
    feedback: FeedbackOut | None = None

    @property
    def id(self) -> int:
        return self.appointment.id

    @property
    def starts_at(self) -> datetime:
        return self.appointment.starts_at

    @property
    def minutes(self) -> int:
        return self.slot.minutes if self.slot is not None else 30

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def track(self) -> str:
        return self.slot.track if self.slot is not None else (self.case.track or "domestic")

    @property
    def physician(self) -> str:
        """Domestic: the expert who wrote the report; international: the service's local
        affiliated physician whose slot it is."""
        if self.track == "domestic" and self.case.expert_name:
            return self.case.expert_name
        return self.slot.physician if self.slot is not None else (self.case.expert_name or "")

    @property
    def physician_zone(self) -> str | None:
        return self.slot.timezone if self.slot is not None else None

    @property
    def booked(self) -> bool:
        return self.appointment.status == BOOKED


Notify = Callable[[BookingOut, BookingChange], list[Outgoing]]
#: (kind, due_at) of the reminders of a consultation, from its start and end.
Plan = Callable[[datetime, datetime], Sequence[tuple[str, datetime]]]


class PublishResult(_Frozen):
    created: tuple[SlotOut, ...]
    duplicates: int


class BookResult(_Frozen):
    outcome: Literal["ok", "taken", "gone", "already", "too_late"]
    booking: BookingOut | None = None


class OfferResult(_Frozen):
    outcome: Literal["ok", "gone", "not_allowed"]
    case: CaseOut | None = None
    patient: PatientOut | None = None


class NoShowResult(_Frozen):
    outcome: Literal["ok", "gone", "too_early", "already"]
    booking: BookingOut | None = None


class RemoveResult(_Frozen):
    outcome: Literal["ok", "taken", "gone"]


class FeedbackResult(_Frozen):
    outcome: Literal["ok", "gone", "too_early"]
    booking: BookingOut | None = None


# -- the repository ---------------------------------------------------------------------------

class BookingRepo(_Repo):
    # -- slots ---------------------------------------------------------------------------------

    async def publish(self, *, coordinator_id: int, physician: str, track: str, timezone: str,
                      starts: Sequence[tuple[datetime, int]]) -> PublishResult:
        """Publish slots (``(start, minutes)`` each) in one transaction. A slot the same
        physician already has at the same start is skipped (counted in ``duplicates``)."""
        name = " ".join(physician.split())
        if not name or len(name) > MAX_PHYSICIAN:
            raise ValueError("physician name must be 1-64 characters")
        if track not in TRACKS:
            raise ValueError("unknown track")
        if len(starts) > MAX_SLOTS_AT_ONCE:
            raise ValueError("too many slots at once")
        for start, minutes in starts:
            if start.tzinfo is None or not 5 <= minutes <= 480:
                raise ValueError("slots need aware start times and 5-480 minutes")
        now = self._clock.now()
        async with self._db.transaction() as s:
            existing = {
                (row.starts_at, row.physician.casefold()) for row in (await s.execute(
                    select(Slot).where(Slot.starts_at.in_([st for st, _ in starts])))).scalars()}
            rows: list[Slot] = []
            duplicates = 0
            for start, minutes in sorted(set(starts)):
                key = (start, name.casefold())
                if key in existing:
                    duplicates += 1
                    continue
                existing.add(key)
                rows.append(Slot(physician=name, track=track, starts_at=start, minutes=minutes,
                                 timezone=timezone, created_by=coordinator_id, created_at=now))
            s.add_all(rows)
            await s.flush()
            if rows:
                await stage_audit(s, actor=coordinator_actor(coordinator_id),
                                  action="slots.published", subject=f"slots:{len(rows)}",
                                  now=now)
            return PublishResult(created=tuple(SlotOut.model_validate(r) for r in rows),
                                 duplicates=duplicates)

    async def free_slots(self, *, start: datetime, end: datetime, track: str | None = None,
                         limit: int = 1000) -> list[SlotOut]:
        """Slots starting in ``[start, end)`` that no appointment holds, earliest first."""
        async with self._db.read() as s:
            stmt = (select(Slot).where(Slot.starts_at >= start, Slot.starts_at < end,
                                       ~exists().where(Appointment.slot_id == Slot.id))
                    .order_by(Slot.starts_at, Slot.id).limit(limit))
            if track is not None:
                stmt = stmt.where(Slot.track == track)
            return [SlotOut.model_validate(r) for r in (await s.execute(stmt)).scalars()]

    async def free_slots_for(self, *, case: CaseOut, start: datetime, end: datetime
                             ) -> list[SlotOut]:
        """The free slots this case may book: its track, and for the domestic track the
        expert who wrote its report (when one is named)."""
        track, physician = wanted(case)
        slots = await self.free_slots(start=start, end=end, track=track)
        return [slot for slot in slots
                if physician is None or same_physician(slot.physician, physician)]

    async def slot(self, *, slot_id: int) -> SlotOut | None:
        async with self._db.read() as s:
            row = await s.get(Slot, slot_id)
            return None if row is None else SlotOut.model_validate(row)

    async def remove_slot(self, *, slot_id: int, coordinator_id: int) -> RemoveResult:
        """Remove a free slot. A held one stays (cancel the appointment first)."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = await s.get(Slot, slot_id)
            if row is None:
                return RemoveResult(outcome="gone")
            held = (await s.execute(select(Appointment.id).where(
                Appointment.slot_id == slot_id))).first()
            if held is not None:
                return RemoveResult(outcome="taken")
            await s.delete(row)
            await stage_audit(s, actor=coordinator_actor(coordinator_id), action="slot.removed",
                              subject=f"slot:{slot_id}", now=now)
            return RemoveResult(outcome="ok")

    # -- which case a patient books for ---------------------------------------------------------

    async def bookable_case(self, *, patient_id: int, case_id: int | None = None
                            ) -> CaseOut | None:
        """The patient's case a consultation can be booked for: one with a report, or one a
        coordinator offered it for. ``case_id`` asks for that one (it must be theirs);
        otherwise the latest such case."""
        async with self._db.read() as s:
            offered = exists().where(ConsultOffer.case_id == Case.id)
            stmt = (select(Case).where(Case.patient_id == patient_id,
                                       Case.status.not_in((CaseStatus.DRAFT,
                                                           CaseStatus.WITHDRAWN)),
                                       or_(Case.report_at.is_not(None), offered))
                    .order_by(Case.id.desc()).limit(1))
            if case_id is not None:
                stmt = stmt.where(Case.id == case_id)
            row = (await s.execute(stmt)).scalar_one_or_none()
            return None if row is None else CaseOut.model_validate(row)

    async def case_by_number(self, *, number: str) -> CaseOut | None:
        async with self._db.read() as s:
            row = (await s.execute(select(Case).where(Case.number == number.strip().upper()))
                   ).scalar_one_or_none()
            return None if row is None else CaseOut.model_validate(row)

    async def offer(self, *, case_id: int, coordinator_id: int,
                    notify: Callable[[CaseOut, PatientOut], list[Outgoing]]) -> OfferResult:
        """Offer the patient of a case a consultation; their message goes out with the offer."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = await s.get(Case, case_id)
            if row is None or row.status == CaseStatus.DRAFT:
                return OfferResult(outcome="gone")
            if row.status == CaseStatus.WITHDRAWN:
                return OfferResult(outcome="not_allowed", case=CaseOut.model_validate(row))
            patient = await s.get(Patient, row.patient_id)
            if patient is None:
                return OfferResult(outcome="gone")
            s.add(ConsultOffer(case_id=case_id, offered_by=coordinator_id, created_at=now))
            await stage_audit(s, actor=coordinator_actor(coordinator_id),
                              action="consultation.offered", subject=f"case:{case_id}", now=now)
            case, person = CaseOut.model_validate(row), PatientOut.model_validate(patient)
            stage_many(s, notify(case, person), now=now)
            return OfferResult(outcome="ok", case=case, patient=person)

    # -- appointments -----------------------------------------------------------------------------

    async def booking(self, *, appointment_id: int) -> BookingOut | None:
        async with self._db.read() as s:
            row = await s.get(Appointment, appointment_id)
            return None if row is None else await _booking(s, row)

    async def own_booking(self, *, appointment_id: int, patient_id: int) -> BookingOut | None:
        """The appointment, if it is for one of this patient's cases."""
        booking = await self.booking(appointment_id=appointment_id)
        if booking is None or booking.patient.id != patient_id:
            return None
        return booking

    async def upcoming(self, *, case_id: int) -> BookingOut | None:
        """The case's booked consultation that has not ended yet, if any."""
        now = self._clock.now()
        async with self._db.read() as s:
            return await _upcoming(s, case_id, now)

    async def book(self, *, patient_id: int, case_id: int, slot_id: int, room: str,
                   not_before: datetime, plan: Plan, notify: Notify) -> BookResult:
        """Take a free slot for the patient's case: the appointment, its reminders, the audit
        event and the messages, in one transaction. The UNIQUE slot decides a race."""
        now = self._clock.now()
        try:
            async with self._db.transaction() as s:
                case = await s.get(Case, case_id)
                if case is None or case.patient_id != patient_id:
                    return BookResult(outcome="gone")
                if (already := await _upcoming(s, case_id, now)) is not None:
                    return BookResult(outcome="already", booking=already)
                slot = await s.get(Slot, slot_id)
                if slot is None or not _fits(slot, case, not_before):
                    return BookResult(outcome="gone")
                row = Appointment(slot_id=slot_id, case_id=case_id, status=BOOKED,
                                  starts_at=slot.starts_at, video_room=room, created_at=now,
                                  updated_at=now)
                s.add(row)
                await s.flush()  # the UNIQUE constraint speaks here
                _plan_reminders(s, row, slot, case, plan, now)
                await stage_audit(s, actor=patient_actor(patient_id),
                                  action="consultation.booked", subject=f"appointment:{row.id}",
                                  now=now)
                booking = await _booking(s, row)
                stage_many(s, notify(booking, "made"), now=now)
                return BookResult(outcome="ok", booking=booking)
        except IntegrityError:
            return BookResult(outcome="taken")

    async def reschedule(self, *, patient_id: int, appointment_id: int, slot_id: int,
                         not_before: datetime, cutoff: timedelta, plan: Plan, notify: Notify
                         ) -> BookResult:
        """Move a booked consultation to another free slot, atomically: the old slot is freed,
        the new one taken (the UNIQUE constraint decides a race), and the reminders re-planned.
        Only until ``cutoff`` before the current start."""
        now = self._clock.now()
        try:
            async with self._db.transaction() as s:
                found = await _changeable(s, patient_id, appointment_id, now, cutoff)
                if isinstance(found, BookResult):
                    return found
                row, case = found
                slot = await s.get(Slot, slot_id)
                if slot_id == row.slot_id:
                    return BookResult(outcome="already", booking=await _booking(s, row))
                if slot is None or not _fits(slot, case, not_before):
                    return BookResult(outcome="gone", booking=await _booking(s, row))
                row.slot_id = slot_id
                row.starts_at = slot.starts_at
                row.updated_at = now
                await s.flush()  # the UNIQUE constraint speaks here
                await _cancel_reminders(s, row.id, now)
                _plan_reminders(s, row, slot, case, plan, now)
                await stage_audit(s, actor=patient_actor(patient_id),
                                  action="consultation.moved", subject=f"appointment:{row.id}",
                                  now=now)
                booking = await _booking(s, row)
                stage_many(s, notify(booking, "moved"), now=now)
                return BookResult(outcome="ok", booking=booking)
        except IntegrityError:
            return BookResult(outcome="taken")

    async def cancel(self, *, patient_id: int, appointment_id: int, cutoff: timedelta,
                     notify: Notify) -> BookResult:
        """Cancel a booked consultation (until ``cutoff`` before it): the slot is free again
        and its reminders are cancelled."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            found = await _changeable(s, patient_id, appointment_id, now, cutoff)
            if isinstance(found, BookResult):
                return found
            row, _case = found
            before = await _booking(s, row)
            row.status = CANCELLED
            row.slot_id = None
            row.updated_at = now
            await _cancel_reminders(s, row.id, now)
            await stage_audit(s, actor=patient_actor(patient_id),
                              action="consultation.cancelled", subject=f"appointment:{row.id}",
                              now=now)
            booking = before.model_copy(update={
                "appointment": AppointmentOut.model_validate(row)})
            stage_many(s, notify(booking, "cancelled"), now=now)
            return BookResult(outcome="ok", booking=booking)

    async def mark_no_show(self, *, appointment_id: int, coordinator_id: int) -> NoShowResult:
        """The patient did not come: recorded once the consultation has started; the follow-up
        question is not sent."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = await s.get(Appointment, appointment_id)
            if row is None or row.status == CANCELLED:
                return NoShowResult(outcome="gone")
            if row.status == NO_SHOW:
                return NoShowResult(outcome="already", booking=await _booking(s, row))
            if row.starts_at > now:
                return NoShowResult(outcome="too_early", booking=await _booking(s, row))
            row.status = NO_SHOW
            row.updated_at = now
            await _cancel_reminders(s, row.id, now)
            await stage_audit(s, actor=coordinator_actor(coordinator_id),
                              action="consultation.no_show", subject=f"appointment:{row.id}",
                              now=now)
            return NoShowResult(outcome="ok", booking=await _booking(s, row))

    async def agenda(self, *, start: datetime, end: datetime) -> list[BookingOut]:
        """Consultations (booked or no-show) starting in ``[start, end)``, earliest first."""
        async with self._db.read() as s:
            rows = (await s.execute(
                select(Appointment).where(Appointment.starts_at >= start,
                                          Appointment.starts_at < end,
                                          Appointment.status.in_((BOOKED, NO_SHOW)))
                .order_by(Appointment.starts_at, Appointment.id))).scalars().all()
            return [await _booking(s, row) for row in rows]

    # -- feedback -----------------------------------------------------------------------------

    async def rate(self, *, patient_id: int, appointment_id: int, rating: int
                   ) -> FeedbackResult:
        """The patient's 1–5 rating (a second press changes it)."""
        if not 1 <= rating <= 5:
            raise ValueError("rating must be 1-5")
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = await s.get(Appointment, appointment_id)
            case = await s.get(Case, row.case_id) if row is not None else None
            if (row is None or case is None or case.patient_id != patient_id
                    or row.status == CANCELLED):
                return FeedbackResult(outcome="gone")
            if row.starts_at > now:
                return FeedbackResult(outcome="too_early", booking=await _booking(s, row))
            feedback = await s.get(ConsultFeedback, appointment_id)
            if feedback is None:
                s.add(ConsultFeedback(appointment_id=appointment_id, rating=rating,
                                      created_at=now, updated_at=now))
                await stage_audit(s, actor=patient_actor(patient_id),
                                  action="consultation.rated",
                                  subject=f"appointment:{appointment_id}", now=now)
            else:
                feedback.rating = rating
                feedback.updated_at = now
            await s.flush()
            return FeedbackResult(outcome="ok", booking=await _booking(s, row))

    async def comment(self, *, patient_id: int, appointment_id: int, comment: str
                      ) -> FeedbackResult:
        """The optional comment that follows a rating."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            feedback = await s.get(ConsultFeedback, appointment_id)
            row = await s.get(Appointment, appointment_id)
            case = await s.get(Case, row.case_id) if row is not None else None
            if feedback is None or row is None or case is None or case.patient_id != patient_id:
                return FeedbackResult(outcome="gone")
            feedback.comment = comment.strip()[:MAX_COMMENT] or None
            feedback.updated_at = now
            await s.flush()
            return FeedbackResult(outcome="ok", booking=await _booking(s, row))

    # -- small durable states (which case a patient books for, what /publish waits for) -------

    async def get_state(self, *, name: str, key: str) -> str | None:
        async with self._db.read() as s:
            row = await s.get(ConversationState, (name, key))
            return None if row is None else row.state

    async def get_states(self, *, name: str, prefix: str) -> dict[str, str]:
        async with self._db.read() as s:
            rows = (await s.execute(select(ConversationState).where(
                ConversationState.name == name,
                ConversationState.key.startswith(prefix, autoescape=True)))).scalars()
            return {row.key: row.state for row in rows}

    async def set_states(self, *, name: str, values: dict[str, str | None]) -> None:
        """Write (or, with None, delete) several keys of one name at once."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            for key, state in values.items():
                row = await s.get(ConversationState, (name, key))
                if state is None:
                    if row is not None:
                        await s.delete(row)
                elif row is None:
                    s.add(ConversationState(name=name, key=key, state=state[:64],
                                            updated_at=now))
                else:
                    row.state = state[:64]
                    row.updated_at = now

    async def clear_states(self, *, name: str, prefix: str) -> None:
        async with self._db.transaction() as s:
            rows = (await s.execute(select(ConversationState).where(
                ConversationState.name == name,
                ConversationState.key.startswith(prefix, autoescape=True)))).scalars().all()
            for row in rows:
                await s.delete(row)


# -- helpers (inside a caller's transaction) --------------------------------------------------

def _fits(slot: Slot, case: Case, not_before: datetime) -> bool:
    """Whether the slot may be booked for this case: its track, its physician (domestic: the
    case's expert, when there is one), and not too soon."""
    track, physician = wanted(CaseOut.model_validate(case))
    if slot.track != track or slot.starts_at < not_before:
        return False
    return physician is None or same_physician(slot.physician, physician)


async def _upcoming(s: AsyncSession, case_id: int, now: datetime) -> BookingOut | None:
    rows = (await s.execute(
        select(Appointment).where(Appointment.case_id == case_id, Appointment.status == BOOKED)
        .order_by(Appointment.starts_at.desc()))).scalars().all()
    for row in rows:
        booking = await _booking(s, row)
        if booking.ends_at > now:
            return booking
    return None


async def _changeable(s: AsyncSession, patient_id: int, appointment_id: int, now: datetime,
                      cutoff: timedelta) -> tuple[Appointment, Case] | BookResult:
    """The patient's own consultation, if it may still be moved or cancelled; otherwise the
    answer to give: gone (not theirs, not booked, begun) or too late (within ``cutoff``)."""
    row = await s.get(Appointment, appointment_id)
    case = await s.get(Case, row.case_id) if row is not None else None
    if row is None or case is None or case.patient_id != patient_id:
        return BookResult(outcome="gone")
    if row.status != BOOKED or row.starts_at <= now:
        return BookResult(outcome="gone", booking=await _booking(s, row))
    if now > row.starts_at - cutoff:
        return BookResult(outcome="too_late", booking=await _booking(s, row))
    return row, case


async def _booking(s: AsyncSession, row: Appointment) -> BookingOut:
    slot = await s.get(Slot, row.slot_id) if row.slot_id is not None else None
    case = await s.get(Case, row.case_id)
    patient = await s.get(Patient, case.patient_id) if case is not None else None
    if case is None or patient is None:  # foreign keys cascade: cannot happen
        raise LookupError(f"appointment {row.id} has no case or patient")
    feedback = await s.get(ConsultFeedback, row.id)
    return BookingOut(
        appointment=AppointmentOut.model_validate(row),
        slot=None if slot is None else SlotOut.model_validate(slot),
        case=CaseOut.model_validate(case), patient=PatientOut.model_validate(patient),
        feedback=None if feedback is None else FeedbackOut.model_validate(feedback))


def _plan_reminders(s: AsyncSession, row: Appointment, slot: Slot, case: Case, plan: Plan,
                    now: datetime) -> None:
    ends_at = slot.starts_at + timedelta(minutes=slot.minutes)
    for kind, due_at in plan(slot.starts_at, ends_at):
        if due_at > now:
            s.add(Reminder(kind=kind, due_at=due_at, patient_id=case.patient_id,
                           case_id=case.id, appointment_id=row.id, status="pending",
                           created_at=now))


async def _cancel_reminders(s: AsyncSession, appointment_id: int, now: datetime) -> None:
    await s.execute(update(Reminder).where(and_(Reminder.appointment_id == appointment_id,
                                                Reminder.status == "pending"))
                    .values(status="cancelled", done_at=now))
