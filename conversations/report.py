"""After the opinion (DESIGN §1 "Report"): the patient has their report; now what?

The report-ready message (sent through the outbox, `bot/report_pages.py`) carries the link and
asks how the expert's opinion compares with the first doctor's. Every button there and on the
messages that follow uses the ``nav`` feature, so it works from any step:

- ``report_agrees`` / ``report_differs`` / ``report_unsure``: the seed's guidance for opinions
  that align, that diverge (the steps to take), or both; the answer is kept;
- ``report``: what the patient can do next: book the online consultation (``report_book`` →
  the booking flow's ``booking`` entry), ask a follow-up question (``report_ask``, up to three a
  report, answered by a coordinator), ask for a third opinion (``report_third``: a new draft
  prefilled from this case, reviewed and submitted through the intake), share the report with
  their doctor (``report_share``, its own read-only link; ``report_unshare`` stops it), rate the
  service (``report_rate``, 1–5 and an optional comment) and get a fresh link (``report_link``,
  also offered by /status).

Which case the patient is on is kept in the database (``conversation_states``, name ``report``,
key the patient's id), so every step survives a restart; every button names its case and is
re-checked (the case must be the patient's and have a final report).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.flow import Flow, Handlers, Prompt, StateResult
from bot.keyboards import Button, inline
from bot.report_pages import REPORT, SHARE, issue_link, local_day, next_buttons
from bot.services import Services
from bot.ui import ack, edit_markup, reply, say
from handlers.coordinator.followup import followup_alerts
from storage.records import RecordStoreError
from storage.reports import (
    MAX_COMMENT_CHARS,
    MAX_FOLLOWUP_CHARS,
    MAX_FOLLOWUPS,
    CopiedRecord,
    Delivered,
    ThirdSources,
)

log = logging.getLogger(__name__)

FEATURE = "rp"
TARGET = "report"
#: The intake's review step (`conversations.intake.steps.IntakeState.REVIEW`): a third opinion's
#: draft opens there. Flows don't import each other, so the value is named here.
INTAKE_REVIEW = "intake.review"
RECEIVED = "received"  # date_source of the report copied into a third opinion's records
_RATE = re.compile(rf"^{FEATURE}:r([1-5]):[0-9]{{1,18}}$")


class ReportState(StrEnum):
    NEXT = "report.next"
    ASK = "report.ask"
    THIRD = "report.third"
    RATE = "report.rate"
    COMMENT = "report.comment"


S = ReportState


# -- where we are -------------------------------------------------------------------------------

async def _find(update: Update, context: BotContext) -> Delivered | None:
    """The patient's case (named by the button, else the one they were on) with its report."""
    patient = context.patient
    if patient is None or not patient.consented:
        return None
    data = parse(update.callback_query.data if update.callback_query else None)
    case_id = data.int_id if data is not None and data.feature in ("nav", FEATURE) else None
    console = context.services.console
    stored = await console.get_state(name=TARGET, key=str(patient.id))
    if case_id is None and stored is not None and stored.isdigit():
        case_id = int(stored)
    if case_id is None:
        return None
    found = await context.services.reports.delivered(case_id=case_id, patient_id=patient.id)
    if found is not None and stored != str(case_id):
        await console.set_state(name=TARGET, key=str(patient.id), state=str(case_id))
    return found


def _number(found: Delivered) -> str:
    return found.case.number or f"#{found.case.id}"


def _back(context: BotContext, case_id: int) -> list[Button]:
    return [(context.t("btn-report-back"), cb(FEATURE, "back", case_id))]


async def _next_markup(context: BotContext, found: Delivered) -> InlineKeyboardMarkup:
    asked = await context.services.reports.followup_count(case_id=found.case.id)
    return inline(next_buttons(context.services, context.lang, found.case.id, asked=asked))


async def _gone(update: Update, context: BotContext) -> StateResult:
    await say(update, context, "report-gone")
    return await context.nav.go("menu", update, context)


async def _show_next(update: Update, context: BotContext, found: Delivered,
                     *parts: str) -> StateResult:
    """``parts`` (texts already rendered), then what the patient can do next."""
    text = "\n\n".join([*parts, context.t("report-next", number=_number(found))])
    await reply(update, context, text, await _next_markup(context, found))
    return S.NEXT


# -- prompts (the catch-alls show the step again through these) -------------------------------

async def prompt_next(update: Update, context: BotContext) -> None:
    found = await _find(update, context)
    if found is None:
        await say(update, context, "report-gone")
        return
    await _show_next(update, context, found)


async def prompt_ask(update: Update, context: BotContext) -> None:
    found = await _find(update, context)
    if found is None:
        await say(update, context, "report-gone")
        return
    asked = await context.services.reports.followup_count(case_id=found.case.id)
    await say(update, context, "report-ask-prompt", inline([_back(context, found.case.id)]),
              number=_number(found), left=max(MAX_FOLLOWUPS - asked, 0))


async def prompt_third(update: Update, context: BotContext) -> None:
    found = await _find(update, context)
    if found is None:
        await say(update, context, "report-gone")
        return
    await say(update, context, "report-third-prompt", inline([
        [(context.t("btn-report-third-yes"), cb(FEATURE, "third", found.case.id))],
        _back(context, found.case.id)]), number=_number(found))


async def prompt_rate(update: Update, context: BotContext) -> None:
    found = await _find(update, context)
    if found is None:
        await say(update, context, "report-gone")
        return
    stars = [(context.t("btn-report-star", n=n), cb(FEATURE, f"r{n}", found.case.id))
             for n in range(1, 6)]
    await say(update, context, "report-rate-prompt",
              inline([stars, _back(context, found.case.id)]), number=_number(found))


async def prompt_comment(update: Update, context: BotContext) -> None:
    found = await _find(update, context)
    if found is None:
        await say(update, context, "report-gone")
        return
    await say(update, context, "report-rate-thanks", inline([
        [(context.t("btn-report-skip"), cb(FEATURE, "skip", found.case.id))]]))


# -- entries (nav buttons, from any step) -------------------------------------------------------

async def enter_next(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    return await _show_next(update, context, found)


async def _compare(update: Update, context: BotContext, value: str) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    await context.services.reports.set_comparison(case_id=found.case.id,
                                                  patient_id=found.patient.id, comparison=value)
    keys = {"agrees": ("report-agrees",), "differs": ("report-differs",),
            "unsure": ("report-unsure", "report-agrees", "report-differs")}[value]
    return await _show_next(update, context, found, *(context.t(k) for k in keys),
                            context.t("report-decide"))


async def enter_agrees(update: Update, context: BotContext) -> StateResult:
    return await _compare(update, context, "agrees")


async def enter_differs(update: Update, context: BotContext) -> StateResult:
    return await _compare(update, context, "differs")


async def enter_unsure(update: Update, context: BotContext) -> StateResult:
    return await _compare(update, context, "unsure")


async def enter_book(update: Update, context: BotContext) -> StateResult:
    """Book the online consultation: the booking flow's own entry, when there is one."""
    if context.nav.has_entry("booking"):
        return await context.nav.go("booking", update, context)
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    return await _show_next(update, context, found, context.t("report-book-soon"))


async def enter_ask(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    if await context.services.reports.followup_count(case_id=found.case.id) >= MAX_FOLLOWUPS:
        return await _show_next(update, context, found,
                                context.t("report-ask-full", max=MAX_FOLLOWUPS))
    await prompt_ask(update, context)
    return S.ASK


async def enter_third(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    await prompt_third(update, context)
    return S.THIRD


async def enter_share(update: Update, context: BotContext) -> StateResult:
    """Share with my doctor: a note for the patient, then the message to forward."""
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    link = await issue_link(context.services, found, SHARE)
    log.info("case %s: share link %s issued", found.case.id, link.link_id)
    until = local_day(context.services, found.patient, link.expires_at)
    await say(update, context, "report-share-intro", inline([
        [(context.t("btn-report-unshare"), cb("nav", "report_unshare", found.case.id))],
        [(context.t("btn-report-next"), cb("nav", "report", found.case.id))]]), until=until)
    await say(update, context, "report-share-message", url=link.url, until=until)
    return S.NEXT


async def enter_unshare(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    count = await context.services.links.revoke_for(
        purpose=SHARE, target_id=found.report.id, actor=f"patient:{found.patient.id}")
    log.info("case %s: %s share links revoked", found.case.id, count)
    await edit_markup(update, None)
    return await _show_next(update, context, found, context.t("report-unshared", count=count))


async def enter_rate(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    await prompt_rate(update, context)
    return S.RATE


async def enter_link(update: Update, context: BotContext) -> StateResult:
    """A fresh link to the report (from /status, or the "what next" buttons)."""
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    link = await issue_link(context.services, found, REPORT)
    log.info("case %s: report link %s issued", found.case.id, link.link_id)
    return await _show_next(update, context, found, context.t(
        "report-link-fresh", number=_number(found), url=link.url,
        until=local_day(context.services, found.patient, link.expires_at)))


# -- steps --------------------------------------------------------------------------------------

async def on_button_back(update: Update, context: BotContext) -> StateResult:
    return await enter_next(update, context)


async def on_ask_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    if message is None or message.text is None:
        return None
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    services = context.services
    text = message.text.strip()
    if len(text) > MAX_FOLLOWUP_CHARS:
        await say(update, context, "report-ask-too-long", max=MAX_FOLLOWUP_CHARS,
                  length=len(text))
        return None
    result = await services.reports.ask_followup(
        case_id=found.case.id, patient_id=found.patient.id, text=text,
        alerts=lambda case, question: followup_alerts(services, case, question))
    if result.outcome == "gone":
        return await _gone(update, context)
    if result.outcome == "empty":
        await prompt_ask(update, context)
        return None
    if result.outcome == "full":
        return await _show_next(update, context, found,
                                context.t("report-ask-full", max=MAX_FOLLOWUPS))
    services.outbox_wakeup.set()
    log.info("case %s: follow-up question %s asked", found.case.id, result.asked)
    return await _show_next(update, context, found, context.t("report-ask-sent"))


async def on_third_yes(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    services = context.services
    reports = services.reports
    sources = await reports.third_opinion_sources(case_id=found.case.id,
                                                  patient_id=found.patient.id)
    if sources.outcome == "gone":
        return await _gone(update, context)
    if sources.outcome == "ok":
        copies = await _copy_records(services, found, sources)
        result = await reports.create_third_opinion(
            case_id=found.case.id, patient_id=found.patient.id, step=INTAKE_REVIEW,
            records=copies)
        if result.outcome != "created":
            for copy in copies:
                await services.record_store.delete(copy.blob_name)
        outcome = result.outcome
    else:
        outcome = sources.outcome
    await edit_markup(update, None)
    if outcome == "created":
        log.info("case %s: a third opinion draft was prepared", found.case.id)
        await say(update, context, "report-third-ready", number=_number(found))
    elif outcome == "exists":
        await say(update, context, "report-third-exists")
    elif outcome == "draft_exists":
        return await _show_next(update, context, found, context.t("report-third-draft-exists"))
    else:
        return await _gone(update, context)
    return await context.nav.go("intake", update, context)


async def _copy_records(services: Services, found: Delivered, sources: ThirdSources
                        ) -> list[CopiedRecord]:
    """Each record (and the report's PDF) stored again, under a new file key, so the two
    cases' files can be deleted independently. A file that can't be read is left out."""
    store = services.record_store
    copies: list[CopiedRecord] = []
    seen: set[str] = set()
    for record in sources.records:
        if record.sha256 in seen:
            continue
        try:
            data = await store.get(blob_name=record.blob_name, wrapped_key=record.wrapped_key,
                                   key_id=record.key_id)
        except RecordStoreError as exc:
            log.error("record %s cannot be copied: %s", record.id, exc)
            continue
        sealed = await store.put(data)
        seen.add(sealed.sha256)
        copies.append(CopiedRecord(kind=record.kind, record_date=record.record_date,
                                   date_source=record.date_source, mime=record.mime,
                                   size=sealed.size, sha256=sealed.sha256,
                                   blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                                   key_id=sealed.key_id))
    report = found.report
    if (report.blob_name and report.wrapped_key is not None and report.key_id
            and report.sha256 not in seen):
        try:
            data = await store.get(blob_name=report.blob_name, wrapped_key=report.wrapped_key,
                                   key_id=report.key_id)
        except RecordStoreError as exc:
            log.error("report %s cannot be copied: %s", report.id, exc)
        else:
            sealed = await store.put(data)
            copies.append(CopiedRecord(
                kind="note", record_date=_day(services, found), date_source=RECEIVED,
                mime="application/pdf", size=sealed.size, sha256=sealed.sha256,
                blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                key_id=sealed.key_id))
    return copies


def _day(services: Services, found: Delivered) -> date:
    """The day the report came, in the patient's time zone."""
    name = found.patient.timezone or services.settings.DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return found.report.attached_at.astimezone(zone).date()


async def on_rate_button(update: Update, context: BotContext) -> StateResult:
    query = update.callback_query
    match = _RATE.match(query.data or "") if query else None
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    if match is None:
        return None
    saved = await context.services.reports.rate(case_id=found.case.id,
                                                patient_id=found.patient.id,
                                                rating=int(match.group(1)))
    if saved is None:
        return await _gone(update, context)
    log.info("case %s rated", found.case.id)
    await edit_markup(update, None)
    await prompt_comment(update, context)
    return S.COMMENT


async def on_comment_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    if message is None or message.text is None:
        return None
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    text = message.text.strip()
    if not text:
        await prompt_comment(update, context)
        return None
    if len(text) > MAX_COMMENT_CHARS:
        await say(update, context, "report-comment-too-long", max=MAX_COMMENT_CHARS,
                  length=len(text))
        return None
    if await context.services.reports.comment(case_id=found.case.id,
                                              patient_id=found.patient.id,
                                              comment=text) is None:
        return await _gone(update, context)
    return await _show_next(update, context, found, context.t("report-comment-thanks"))


async def on_comment_skip(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    found = await _find(update, context)
    if found is None:
        return await _gone(update, context)
    await edit_markup(update, None)
    return await _show_next(update, context, found, context.t("report-comment-thanks"))


# -- assembly -----------------------------------------------------------------------------------

def build_report_conversation() -> Flow:
    fresh = filters.UpdateType.MESSAGE
    text = fresh & filters.TEXT & ~filters.COMMAND
    back = CallbackQueryHandler(on_button_back, pattern=pattern(FEATURE, "back"))
    states: dict[str, Handlers] = {
        S.NEXT: [],
        S.ASK: [MessageHandler(text, on_ask_text), back],
        S.THIRD: [CallbackQueryHandler(on_third_yes, pattern=pattern(FEATURE, "third")), back],
        S.RATE: [CallbackQueryHandler(on_rate_button, pattern=_RATE), back],
        S.COMMENT: [MessageHandler(text, on_comment_text),
                    CallbackQueryHandler(on_comment_skip, pattern=pattern(FEATURE, "skip"))],
    }
    prompts: dict[str, Prompt] = {S.NEXT: prompt_next, S.ASK: prompt_ask,
                                  S.THIRD: prompt_third, S.RATE: prompt_rate,
                                  S.COMMENT: prompt_comment}
    return Flow(
        name="report",
        states=states,
        prompts=prompts,
        entries={"report": enter_next, "report_agrees": enter_agrees,
                 "report_differs": enter_differs, "report_unsure": enter_unsure,
                 "report_book": enter_book, "report_ask": enter_ask,
                 "report_third": enter_third, "report_share": enter_share,
                 "report_unshare": enter_unshare, "report_rate": enter_rate,
                 "report_link": enter_link},
    )
