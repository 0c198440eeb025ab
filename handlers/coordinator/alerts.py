"""What the console sends on its own initiative, built as outbox items.

Group alerts (to COORDINATOR_CHAT_ID, or each coordinator privately when there is no group) are
in the service's default language and carry the case number, specialty, track, counts and
deadlines only — never clinical text — with the claim and open buttons. Patient notices are in
the patient's language. `notifier` is what `storage.console.CoordinatorRepo` calls inside the
transaction of a status change, so the notice is queued together with the change.

Ready for other features: `followup_question_alert` (report follow-up questions) and
`booking_alert` (a consultation booked, moved or cancelled).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from telegram import InlineKeyboardMarkup

from bot.alerts import coordinator_alert, coordinator_targets, patient_message
from bot.callbacks import cb
from bot.keyboards import inline
from bot.services import Services
from bot.sla import UNCLAIMED_AFTER, zone_of
from bot.ui import message_payload
from handlers.coordinator.present import fmt_when, specialty_name, status_name, track_name
from storage.case_status import CaseStatus
from storage.console import Change, Notify
from storage.repositories import Outgoing
from storage.schemas import CaseOut

log = logging.getLogger(__name__)

S = CaseStatus
FEATURE = "co"
UNREACHABLE = "alert.unreachable"
BookingChange = Literal["made", "moved", "cancelled"]


def case_buttons(services: Services, case_id: int, lang: str | None = None
                 ) -> InlineKeyboardMarkup:
    render, lang = services.texts.render, lang or services.settings.DEFAULT_LANGUAGE
    return inline([[(render(lang, "btn-co-claim"), cb(FEATURE, "claim", case_id)),
                    (render(lang, "btn-co-open"), cb(FEATURE, "open", case_id))]])


def group_alert(services: Services, key: str, case: CaseOut, **values: Any) -> list[Outgoing]:
    """An alert about a case, with its number and the claim/open buttons."""
    return coordinator_alert(services, key, case_buttons(services, case.id),
                             number=case.number or f"#{case.id}", **values)


def _lang(services: Services) -> str:
    return services.settings.DEFAULT_LANGUAGE


# -- status changes -----------------------------------------------------------------------------

def patient_notice(services: Services, change: Change) -> list[Outgoing]:
    """The patient's notice for a change they should know about (their language)."""
    case, patient = change.case, change.patient
    lang = patient.language
    number = case.number or f"#{case.id}"
    common: dict[str, Any] = {"chat_id": patient.chat_id, "lang": lang, "number": number}
    status = change.to_status
    if status == S.CLAIMED:
        return [patient_message(services, key="co-patient-claimed", **common)]
    if status == S.WITH_EXPERT:
        specialty = case.expert_specialty or specialty_name(services.texts, lang, case.specialty)
        return [patient_message(services, key="co-patient-with-expert", specialty=specialty,
                                **common)]
    if status == S.INFO_REQUESTED:
        markup = inline([[(services.texts.render(lang, "btn-reply-open"),
                           cb("nav", "case_reply", case.id))]])
        return [patient_message(services, key="co-patient-info-needed", markup=markup,
                                question=change.question or "", **common)]
    if status == S.REPORT_READY:
        return [patient_message(services, key="co-patient-report-ready", **common)]
    if status == S.CLOSED:
        return [patient_message(services, key="co-patient-closed",
                                reason=case.close_reason or "other", **common)]
    return []


def info_received_alerts(services: Services, change: Change) -> list[Outgoing]:
    case = change.case
    items = group_alert(services, "co-alert-info-received", case, texts=change.texts,
                        files=change.files)
    holder = case.claimed_by
    if holder is not None and holder not in coordinator_targets(services):
        text = services.texts.render(_lang(services), "co-info-received-private",
                                     number=case.number or f"#{case.id}")
        markup = inline([[(services.texts.render(_lang(services), "btn-co-open"),
                           cb(FEATURE, "open", case.id))]])
        items.append(Outgoing(chat_id=holder, method="sendMessage",
                              payload=message_payload(holder, text, markup)))
    return items


def notifier(services: Services) -> Notify:
    """What each status change queues: the patient's notice, or the coordinators' alert."""

    def notify(change: Change) -> Sequence[Outgoing]:
        if change.from_status == S.INFO_REQUESTED and change.to_status not in (S.CLOSED,
                                                                              S.WITHDRAWN):
            return info_received_alerts(services, change)
        if change.to_status == S.WITHDRAWN:
            return group_alert(services, "co-alert-withdrawn", change.case)
        return patient_notice(services, change)

    return notify


# -- alerts other features raise ----------------------------------------------------------------

def followup_question_alert(services: Services, case: CaseOut) -> list[Outgoing]:
    """A patient asked a follow-up question about their report (no question text here)."""
    return group_alert(services, "co-alert-followup", case)


def booking_alert(services: Services, case: CaseOut, *, change: BookingChange,
                  starts_at: datetime) -> list[Outgoing]:
    """A consultation booked, moved (``starts_at`` is the new time) or cancelled."""
    return group_alert(services, "co-alert-booking", case, change=change,
                       when=fmt_when(starts_at, zone_of(services)))


# -- SLA -----------------------------------------------------------------------------------------

def unclaimed_alert(services: Services, case: CaseOut, now: datetime) -> list[Outgoing]:
    lang = _lang(services)
    return group_alert(services, "co-alert-unclaimed", case,
                       specialty=specialty_name(services.texts, lang, case.specialty),
                       track=track_name(services.texts, lang, case.track),
                       hours=int(UNCLAIMED_AFTER.total_seconds() // 3600))


def overdue_alert(services: Services, case: CaseOut, now: datetime) -> list[Outgoing]:
    days = (now - case.submitted_at).days if case.submitted_at else 0
    return group_alert(services, "co-alert-overdue", case, days=days,
                       status=status_name(services.texts, _lang(services), case.status))


# -- a patient who cannot be reached -----------------------------------------------------------

async def alert_unreachable(services: Services, chat_id: int) -> None:
    """The outbox's hook when a chat blocked the bot: alert the coordinators once per episode,
    naming only the case number (or the patient's reference)."""
    staff = set(coordinator_targets(services)) | services.settings.coordinator_ids
    if chat_id in staff:
        return
    patient = await services.console.patient_by_chat(chat_id=chat_id)
    if patient is None or patient.unreachable_at is None:
        return
    latest = await services.cases.patient_cases(patient_id=patient.id, limit=1)
    case = latest[0].case if latest and latest[0].case.number else None
    if case is not None:
        items = group_alert(services, "co-alert-unreachable-case", case)
    else:
        items = coordinator_alert(services, "co-alert-unreachable-patient",
                                  patient_id=str(patient.id))
    episode = int(patient.unreachable_at.timestamp())
    if await services.console.record_alert(
            kind=UNREACHABLE, dedup_key=f"{UNREACHABLE}:{patient.id}:{episode}",
            patient_id=patient.id, case_id=case.id if case else None, items=items):
        services.outbox_wakeup.set()
        log.info("patient %s unreachable; coordinators alerted", patient.id)
