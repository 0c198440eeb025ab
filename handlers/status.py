"""My case / /status: the patient's cases (number, status, date sent, status history, records)
and the progress of an unfinished draft, in their language. Entry: ``status``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update

from bot.callbacks import cb
from bot.context import BotContext
from bot.flow import Flow, StateResult
from bot.keyboards import Button, inline
from conversations.intake.steps import progress
from storage.cases import CaseSummary

MAX_EVENTS = 8
MAX_REPORT_LINKS = 3


class StatusState(StrEnum):
    VIEW = "status.view"


def _local(context: BotContext, moment: datetime) -> datetime:
    patient = context.patient
    name = (patient.timezone if patient else None) or \
        context.services.settings.DEFAULT_TIMEZONE
    try:
        return moment.astimezone(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def _date(context: BotContext, moment: datetime) -> str:
    local = _local(context, moment).date()
    return context.t("intake-date", dd=f"{local.day:02d}", month=f"m{local.month}",
                     year=str(local.year))


def _case_block(context: BotContext, summary: CaseSummary) -> str:
    case = summary.case
    lines = [context.t("status-case", number=case.number or "—",
                       status=context.t("status-name", status=case.status))]
    if case.submitted_at is not None:
        lines.append(context.t("status-sent", date=_date(context, case.submitted_at),
                               count=summary.record_count))
    events = [e for e in summary.events if e.to_status != "draft"][-MAX_EVENTS:]
    lines.extend(context.t("status-event", date=_date(context, e.at),
                           status=context.t("status-name", status=e.to_status))
                 for e in events)
    return "\n".join(lines)


async def prompt_status(update: Update, context: BotContext) -> None:
    patient = context.patient
    rows: list[list[Button]] = []
    parts = [context.t("status-title")]
    if patient is None or not patient.consented:
        parts.append(context.t("status-nothing"))
    else:
        cases = context.services.cases
        summaries = await cases.patient_cases(patient_id=patient.id)
        draft = await cases.draft(patient_id=patient.id)
        parts.extend(_case_block(context, s) for s in summaries)
        if draft is not None:
            n, m = progress(draft.step)
            records = await cases.count_records(case_id=draft.id)
            parts.append(context.t("status-draft", n=n, m=m, count=records))
            rows.append([(context.t("status-btn-continue"), cb("menu", "open", "case"))])
        elif not summaries:
            parts.append(context.t("status-nothing"))
            rows.append([(context.t("status-btn-start"), cb("menu", "open", "case"))])
        if summaries:
            parts.append(context.t("status-footer"))
        if context.nav.has_entry("report_link"):  # a fresh link to each report (report flow)
            rows.extend([(context.t("btn-report-mine", number=s.case.number or ""),
                          cb("nav", "report_link", s.case.id))]
                        for s in summaries[:MAX_REPORT_LINKS] if s.case.report_at is not None)
    rows.append([(context.t("btn-menu"), cb("menu", "home"))])
    text = "\n\n".join(parts)
    if len(text) > 4000:
        text = text[:3990].rsplit("\n", 1)[0]
    await _send(update, context, text, rows)


async def _send(update: Update, context: BotContext, text: str, rows: list[list[Button]]
                ) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=inline(rows))


async def enter_status(update: Update, context: BotContext) -> StateResult:
    await prompt_status(update, context)
    return StatusState.VIEW


async def cmd_status(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("status", update, context)


def build_status_flow() -> Flow:
    return Flow(name="status", states={StatusState.VIEW: []},
                prompts={StatusState.VIEW: prompt_status}, entries={"status": enter_status})
