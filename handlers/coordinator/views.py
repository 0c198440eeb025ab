"""The console's screens, as (text, buttons): the queue, the case card and the statistics.

The card holds clinical text and is only ever sent to a coordinator's private chat. Every text
stays under Telegram's 4096 characters: long answers are shortened (the download has them whole).
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.callbacks import cb
from bot.keyboards import Button, inline
from bot.services import Services
from bot.sla import zone_of
from handlers.coordinator.alerts import FEATURE
from handlers.coordinator.present import (
    clip,
    fmt_age,
    fmt_day,
    fmt_duration,
    fmt_size,
    fmt_when,
    holder_label,
    in_date_order,
    kind_name,
    question_text,
    specialty_name,
    status_name,
    track_name,
    type_label,
)
from storage.case_status import CLOSE_REASONS, CONCORDANCE, INFO_FROM, OPEN, CaseStatus, can_move
from storage.console import REQUEST, CaseCard, QueueItem, Stats
from storage.reports import ANSWER, FOLLOWUP

View = tuple[str, InlineKeyboardMarkup | None]

S = CaseStatus
MAX_TEXT = 4000
MAX_QUEUE_LINES = 60
MAX_QUEUE_BUTTONS = 30
MAX_MESSAGES = 6
MAX_RECORDS = 25
MAX_EVENTS = 10
#: Successive limits for each free-text answer until the card fits.
CLIP_STEPS = (1200, 600, 300, 150, 80, 40)


def _t(services: Services, lang: str, key: str, **values: object) -> str:
    return services.texts.render(lang, key, **values)


# -- queue ------------------------------------------------------------------------------------

def queue_view(services: Services, lang: str, items: list[QueueItem], now: datetime) -> View:
    refresh = [(_t(services, lang, "btn-co-refresh"), cb(FEATURE, "queue"))]
    if not items:
        return _t(services, lang, "co-queue-empty"), inline([refresh])
    texts = services.texts
    parts = [_t(services, lang, "co-queue-title", count=len(items))]
    shown, used = 0, len(parts[0]) + 200  # room for the "and N more" line
    for status in OPEN:
        group = [item for item in items if item.case.status == status]
        if not group:
            continue
        lines = [_t(services, lang, "co-queue-group", status=status_name(texts, lang, status),
                    count=len(group))]
        used += len(lines[0]) + 2
        for item in group:
            if shown >= MAX_QUEUE_LINES or used > MAX_TEXT:
                break
            case = item.case
            line = _t(services, lang, "co-queue-line", number=case.number or f"#{case.id}",
                      specialty=specialty_name(texts, lang, case.specialty),
                      age=fmt_age(texts, lang, now - (case.submitted_at or case.created_at)))
            if case.claimed_by is not None:
                line += " · " + _t(services, lang, "co-queue-holder", name=holder_label(
                    texts, lang, case.claimed_by, item.holder_name))
            used += len(line) + 1
            if used > MAX_TEXT:
                break
            lines.append(line)
            shown += 1
        if len(lines) > 1:
            parts.append("\n".join(lines))
    if shown < len(items):
        parts.append(_t(services, lang, "co-queue-more", count=len(items) - shown))
    rows: list[list[Button]] = []
    row: list[Button] = []
    for item in items[:MAX_QUEUE_BUTTONS]:
        row.append((f"📂 {item.case.number or item.case.id}", cb(FEATURE, "open", item.case.id)))
        if len(row) == 2:
            rows.append(row)
            row = []
    rows.extend([row, refresh])
    return "\n\n".join(parts), inline(rows)


# -- case card ----------------------------------------------------------------------------------

def card_view(services: Services, lang: str, card: CaseCard, now: datetime) -> View:
    for limit in CLIP_STEPS:
        text = _card_text(services, lang, card, now, limit)
        if len(text) <= MAX_TEXT:
            break
    else:
        text = text[:MAX_TEXT - 1].rsplit("\n", 1)[0]
    return text, card_buttons(services, lang, card)


def _card_text(services: Services, lang: str, card: CaseCard, now: datetime, limit: int) -> str:
    texts, zone = services.texts, zone_of(services)
    case, patient = card.case, card.patient
    number = case.number or f"#{case.id}"
    clipped = False

    def field(key: str, value: str | None) -> str:
        nonlocal clipped
        raw = (value or "").strip() or _t(services, lang, "co-none")
        short = clip(raw, limit)
        clipped |= short != " ".join(raw.split())
        return _t(services, lang, key, text=short)

    head = [_t(services, lang, "co-card-title", number=number,
               status=status_name(texts, lang, case.status)),
            _t(services, lang, "co-card-meta", track=track_name(texts, lang, case.track),
               specialty=specialty_name(texts, lang, case.specialty))]
    if case.submitted_at is not None:
        head.append(_t(services, lang, "co-card-submitted", when=fmt_when(case.submitted_at, zone),
                       age=fmt_age(texts, lang, now - case.submitted_at),
                       records=len(card.records)))
    if case.claimed_by is not None and case.claimed_at is not None:
        head.append(_t(services, lang, "co-card-holder", when=fmt_when(case.claimed_at, zone),
                       name=holder_label(texts, lang, case.claimed_by, card.holder_name)))
    else:
        head.append(_t(services, lang, "co-card-unclaimed"))
    if case.expert_name:
        head.append(_t(services, lang, "co-card-expert", name=case.expert_name,
                       specialty=case.expert_specialty or ""))
    who = _t(services, lang, "co-card-patient", id=patient.id,
             language=patient.language)
    if case.phone:
        who += " · " + _t(services, lang, "co-card-phone", phone=case.phone)
    head.append(who)
    if case.close_reason and case.status in (S.CLOSED, S.WITHDRAWN):
        head.append(_t(services, lang, "co-card-closed", reason=_t(
            services, lang, "co-close-reason", reason=case.close_reason)))

    clinical = [field("co-field-diagnosis", case.diagnosis),
                field("co-field-plan", case.treatment_plan),
                field("co-field-surgeries", case.surgeries),
                field("co-field-medications", case.medications),
                field("co-field-allergies", case.allergies)]

    questions = [_t(services, lang, "co-card-questions")]
    for n, question in enumerate(card.questions, start=1):
        short = clip(question_text(texts, lang, question), limit)
        clipped |= short != question_text(texts, lang, question)
        questions.append(f"{n}. {_escape(short)}")
    if len(questions) == 1:
        questions.append(_t(services, lang, "co-none"))

    ordered = in_date_order(card.records)
    position = {record.id: n for n, record in enumerate(ordered, start=1)}
    records = [_t(services, lang, "co-card-records")]
    records.extend(_t(services, lang, "co-card-record", n=n,
                      date=fmt_day(r.record_date, texts, lang),
                      kind=kind_name(texts, lang, r.kind), type=type_label(r.mime),
                      size=fmt_size(r.size))
                   for n, r in enumerate(ordered[:MAX_RECORDS], start=1))
    if len(ordered) > MAX_RECORDS:
        records.append(_t(services, lang, "co-card-records-more",
                          count=len(ordered) - MAX_RECORDS))
    if not ordered:
        records.append(_t(services, lang, "co-card-no-records"))

    sections = ["\n".join(head), "\n".join(clinical), "\n".join(questions), "\n".join(records)]
    if card.messages:
        lines = [_t(services, lang, "co-card-messages")]
        for message in card.messages[-MAX_MESSAGES:]:
            when = fmt_when(message.created_at, zone)
            if message.direction == REQUEST:
                author = _coordinator_id(message.author)
                name = holder_label(texts, lang, author, card.name_of(author))
                lines.append(_t(services, lang, "co-card-msg-request", when=when, name=name,
                                text=clip(message.text or "", limit)))
            elif message.direction == FOLLOWUP:  # a question about the report
                lines.append(_t(services, lang, "fu-card-question", when=when,
                                text=clip(message.text or "", limit)))
            elif message.direction == ANSWER:
                author = _coordinator_id(message.author)
                name = holder_label(texts, lang, author, card.name_of(author))
                lines.append(_t(services, lang, "fu-card-answer", when=when, name=name,
                                text=clip(message.text or "", limit)))
            elif message.record_id is not None:
                lines.append(_t(services, lang, "co-card-msg-file", when=when,
                                n=position.get(message.record_id, "?")))
            else:
                short = clip(message.text or "", limit)
                clipped |= short != " ".join((message.text or "").split())
                lines.append(_t(services, lang, "co-card-msg-reply", when=when, text=short))
        sections.append("\n".join(lines))
    report = card.report
    if report is not None:
        sections.append(_t(
            services, lang, "co-card-report", when=fmt_when(report.attached_at, zone),
            what=_t(services, lang, "co-card-report-pdf" if report.blob_name
                    else "co-card-report-link"),
            concordance=_t(services, lang, "co-concordance", value=report.concordance or "")))
    history = [_t(services, lang, "co-card-history")]
    for event in [e for e in card.events if e.to_status != S.DRAFT][-MAX_EVENTS:]:
        coordinator = _coordinator_id(event.actor)
        if coordinator is not None:
            who = holder_label(texts, lang, coordinator, card.name_of(coordinator))
        elif event.actor.startswith("patient:"):
            who = _t(services, lang, "co-card-patient-actor")
        else:
            who = _escape(event.actor)
        history.append(_t(services, lang, "co-card-event", when=fmt_when(event.at, zone),
                          status=status_name(texts, lang, event.to_status), who=who))
    sections.append("\n".join(history))
    if clipped:
        sections.append(_t(services, lang, "co-card-clipped"))
    return "\n\n".join(sections)


def _coordinator_id(actor: str) -> int | None:
    kind, _, raw = actor.partition(":")
    return int(raw) if kind == "coordinator" and raw.isdigit() else None


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def card_buttons(services: Services, lang: str, card: CaseCard) -> InlineKeyboardMarkup:
    case_id, status = card.case.id, card.case.status
    rows: list[list[Button]] = []
    if can_move(status, S.CLAIMED) and card.case.claimed_by is None:
        rows.append([(_t(services, lang, "btn-co-claim"), cb(FEATURE, "claim", case_id))])
    actions: list[Button] = []
    if status in (S.CLAIMED, S.WITH_EXPERT):
        actions.append((_t(services, lang, "btn-co-expert"), cb(FEATURE, "expert", case_id)))
    if status in INFO_FROM:
        actions.append((_t(services, lang, "btn-co-info"), cb(FEATURE, "info", case_id)))
    if can_move(status, S.REPORT_READY):
        actions.append((_t(services, lang, "btn-co-report"), cb(FEATURE, "report", case_id)))
    rows.extend(actions[i:i + 2] for i in range(0, len(actions), 2))
    if any(m.direction == FOLLOWUP and m.answered_at is None for m in card.messages):
        # handlers/coordinator/followup.py answers it ("fu" is its callback feature)
        rows.append([(_t(services, lang, "btn-fu-answer"), cb("fu", "answer", case_id))])
    last: list[Button] = [(_t(services, lang, "btn-co-download"), cb(FEATURE, "dl", case_id))]
    if can_move(status, S.CLOSED):
        last.append((_t(services, lang, "btn-co-close"), cb(FEATURE, "close", case_id)))
    rows.append(last)
    rows.append([(_t(services, lang, "btn-co-queue"), cb(FEATURE, "queue"))])
    return inline(rows)


# -- small keyboards ----------------------------------------------------------------------------

def cancel_markup(services: Services, lang: str) -> InlineKeyboardMarkup:
    return inline([[(_t(services, lang, "btn-co-cancel"), cb(FEATURE, "cancel"))]])


def concordance_markup(services: Services, lang: str, report_id: int) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(_t(services, lang, "btn-co-conc-" + value.replace("_", "-")),
          cb(FEATURE, f"conc_{value}", report_id))] for value in CONCORDANCE]
    rows.append([(_t(services, lang, "btn-co-cancel"), cb(FEATURE, "cancel"))])
    return inline(rows)


def close_markup(services: Services, lang: str, case_id: int) -> InlineKeyboardMarkup:
    buttons: list[Button] = [(_t(services, lang, "btn-co-close-" + reason.replace("_", "-")),
                              cb(FEATURE, f"cr_{reason}", case_id)) for reason in CLOSE_REASONS]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_t(services, lang, "btn-co-cancel"), cb(FEATURE, "cancel"))])
    return inline(rows)


def case_markup(services: Services, lang: str, case_id: int) -> InlineKeyboardMarkup:
    return inline([[(_t(services, lang, "btn-co-open"), cb(FEATURE, "open", case_id)),
                    (_t(services, lang, "btn-co-queue"), cb(FEATURE, "queue"))]])


# -- statistics ---------------------------------------------------------------------------------

def stats_view(services: Services, lang: str, stats: Stats) -> str:
    texts = services.texts
    parts = [_t(services, lang, "co-stats-title")]
    if not stats.by_status:
        parts.append(_t(services, lang, "co-stats-none"))
        return "\n\n".join(parts)
    order = [s for s in S if s != S.DRAFT]
    lines = [_t(services, lang, "co-stats-status", status=status_name(texts, lang, status),
                count=stats.by_status.get(status, 0)) for status in order
             if stats.by_status.get(status)]
    parts.append("\n".join(lines))
    median = stats.median_turnaround
    if median is None:
        parts.append(_t(services, lang, "co-stats-median-none"))
    else:
        parts.append(_t(services, lang, "co-stats-median", count=len(stats.turnarounds),
                        value=fmt_duration(texts, lang, median)))
    total = stats.reported
    if total:
        conc = [_t(services, lang, "co-stats-concordance", count=total)]
        for value in CONCORDANCE:
            n = stats.concordance.get(value, 0)
            conc.append(_t(services, lang, "co-stats-conc-line", count=n,
                           label=_t(services, lang, "co-concordance", value=value),
                           percent=round(100 * n / total)))
        parts.append("\n".join(conc))
    if stats.rating_count:
        parts.append(_t(services, lang, "report-stats-feedback", count=stats.rating_count,
                        average=f"{stats.rating_average or 0:.1f}"))
    return "\n\n".join(parts)
