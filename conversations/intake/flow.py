"""Case intake (DESIGN §1): track → specialty → diagnosis → treatment plan → surgeries →
medications → allergies → records → questions → phone → review → submit.

The database is the source of truth. The draft's ``step`` says where the patient is; every
answer is written together with the new step in one transaction before the bot replies, and
every input is read against that saved step (not against the conversation state, which may lag
by one update after a crash). So a patient who leaves, or whose bot restarts, continues exactly
where they were; an old button gets a kind note and the current step. Entries: ``intake`` (menu
"Start or continue my case") and ``intake_resume`` (from /start, only when a draft exists).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.alerts import coordinator_alert
from bot.callbacks import CallbackData, cb, parse, pattern
from bot.context import BotContext
from bot.files import parse_date
from bot.flow import Flow, Handlers, Prompt, StateResult
from bot.keyboards import inline
from bot.reminders import Decision, Send, Stale
from bot.services import Services
from bot.ui import ack, message_payload, say
from conversations.intake import specialties, uploads, views
from conversations.intake.common import MAX_TEXT, send, today_for
from conversations.intake.screens import present
from conversations.intake.steps import ORDER, SECTIONS, TEXT_FIELDS, TOTAL, IntakeState, Pos
from storage.cases import (
    DRAFT,
    MAX_QUESTIONS,
    RECORD_KINDS,
    SUGGESTED_QUESTIONS,
    TRACKS,
    QuestionsResult,
)
from storage.repositories import Outgoing
from storage.schemas import CaseOut, PatientOut, ReminderOut

log = logging.getLogger(__name__)

S = IntakeState

#: Gentle nudges for an unfinished draft: (reminder kind, after how long without an answer).
NUDGES: tuple[tuple[str, timedelta], ...] = (
    ("intake_nudge_1", timedelta(hours=24)),
    ("intake_nudge_2", timedelta(hours=72)),
)


@dataclass(frozen=True)
class Here:
    """Who is talking, their draft (if any) and where the draft says they are."""

    patient: PatientOut
    case: CaseOut | None
    pos: Pos


@dataclass(frozen=True)
class At:
    """The same, once a draft is known to exist."""

    patient: PatientOut
    case: CaseOut
    pos: Pos


async def _here(context: BotContext) -> Here | None:
    patient = context.patient
    if patient is None or not patient.consented:
        return None
    case = await context.services.cases.draft(patient_id=patient.id)
    return Here(patient, case, Pos.decode(case.step) if case else Pos(S.START))


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise LookupError("an update without a chat")
    return chat.id


# -- entries ----------------------------------------------------------------------------------

async def enter_intake(update: Update, context: BotContext) -> StateResult:
    """Menu "Start or continue my case": the draft's saved step, or a new draft."""
    patient = context.patient
    if patient is None or not patient.consented:
        return await context.nav.go("consent", update, context)
    case = await context.services.cases.draft(patient_id=patient.id)
    if case is not None:
        await _schedule_nudges(context.services, case)
        pos = Pos.decode(case.step)
        return await present(update, context, case, pos,
                             note=context.t("intake-resume", n=pos.number, m=TOTAL))
    if await context.services.cases.patient_cases(patient_id=patient.id, limit=1):
        await prompt_start(update, context)
        return S.START
    return await _begin(update, context, patient)


async def resume_intake(update: Update, context: BotContext) -> StateResult:
    """From /start: continue an unfinished draft; None (nothing shown) when there is none."""
    patient = context.patient
    if patient is None or not patient.consented:
        return None
    case = await context.services.cases.draft(patient_id=patient.id)
    if case is None:
        return None
    pos = Pos.decode(case.step)
    return await present(update, context, case, pos,
                         note=context.t("intake-resume", n=pos.number, m=TOTAL))


async def _begin(update: Update, context: BotContext, patient: PatientOut) -> StateResult:
    case, created = await context.services.cases.start_draft(
        patient_id=patient.id, step=Pos(S.TRACK).encode())
    await _schedule_nudges(context.services, case)
    pos = Pos.decode(case.step)
    note = (context.t("intake-intro") if created
            else context.t("intake-resume", n=pos.number, m=TOTAL))
    return await present(update, context, case, pos, note=note)


async def _schedule_nudges(services: Services, case: CaseOut) -> None:
    """Idempotent (dedup keys): called when a draft is created and when it is resumed."""
    for number, (kind, after) in enumerate(NUDGES, start=1):
        await services.reminders.schedule(kind=kind, due_at=case.created_at + after,
                                          patient_id=case.patient_id, case_id=case.id,
                                          dedup_key=f"intake:nudge{number}:{case.id}")


# -- prompts (the catch-alls show the step again through these) -------------------------------

async def prompt_current(update: Update, context: BotContext) -> None:
    here = await _here(context)
    if here is None:
        return
    if here.case is None:
        await prompt_start(update, context)
        return
    await present(update, context, here.case, here.pos)


async def prompt_start(update: Update, context: BotContext) -> None:
    patient = context.patient
    if patient is None:
        return
    earlier = await context.services.cases.patient_cases(patient_id=patient.id, limit=1)
    number = earlier[0].case.number if earlier else None
    text = (context.t("intake-start-again", number=number) if number
            else context.t("intake-start-fresh"))
    await send(context, _chat_id(update), (context.t("intake-start-title") + "\n" + text, inline([
        [(context.t("intake-btn-new-case"), cb("in", "new"))],
        [(context.t("btn-menu-mycase"), cb("menu", "open", "mycase"))],
        [(context.t("btn-menu"), cb("menu", "home"))],
    ])))


async def prompt_submitted(update: Update, context: BotContext) -> None:
    patient = context.patient
    if patient is None:
        return
    earlier = await context.services.cases.patient_cases(patient_id=patient.id, limit=1)
    if not earlier or earlier[0].case.number is None:
        await prompt_start(update, context)
        return
    await send(context, _chat_id(update),
               views.view_submitted(context, earlier[0].case.number, again=True))


# -- moving between steps ---------------------------------------------------------------------

async def _move(update: Update, context: BotContext, here: At, target: Pos, *,
                values: dict[str, str | None] | None = None, note: str | None = None,
                edit: bool = False) -> StateResult:
    """Write the answer (if any) and the new step in one transaction, then show the step."""
    case = await context.services.cases.answer(case_id=here.case.id, patient_id=here.patient.id,
                                               step=target.encode(), values=values)
    if case is None:
        return await _gone(update, context)
    if here.pos.state is S.PHONE and target.state is not S.PHONE:
        # Put the contact keyboard away (only a message can carry that).
        key = "intake-phone-done" if values and "phone" in values else "intake-keyboard-closed"
        await context.bot.send_message(_chat_id(update), context.t(key),
                                       reply_markup=ReplyKeyboardRemove())
    return await present(update, context, case, target, note=note, edit=edit)


async def _show(update: Update, context: BotContext, here: At, *, note: str | None = None,
                edit: bool = False) -> StateResult:
    """Show the saved step again (fresh from the database)."""
    case = await context.services.cases.get(case_id=here.case.id) or here.case
    return await present(update, context, case, here.pos, note=note, edit=edit)


async def _gone(update: Update, context: BotContext) -> StateResult:
    await say(update, context, "intake-draft-gone")
    return await context.nav.go("menu", update, context)


async def _old_button(update: Update, context: BotContext, here: Here | At) -> StateResult:
    await ack(update, context, "fallback-button")
    if here.case is None:
        await prompt_start(update, context)
        return S.START
    at = At(here.patient, here.case, here.pos)
    return await _show(update, context, at, note=context.t("fallback-button"))


# -- buttons ----------------------------------------------------------------------------------

ButtonStep = Callable[[Update, BotContext, At, CallbackData], Awaitable[StateResult]]


async def on_button(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    here = await _here(context)
    if data is None or here is None:
        await ack(update, context)
        return await context.nav.go("menu", update, context)
    if data.action == "submit":
        return await _on_submit(update, context, here, data)
    if data.action == "new":
        if here.case is not None:
            return await _old_button(update, context, here)
        await ack(update, context)
        return await _begin(update, context, here.patient)
    if here.case is None:
        return await _old_button(update, context, here)
    key = data.action.split("_", 1)[0] if data.action[:2] in ("k_", "d_") else data.action
    entry = _BUTTONS.get(key)
    if entry is None or not entry[0](here.pos):
        return await _old_button(update, context, here)
    return await entry[1](update, context, At(here.patient, here.case, here.pos), data)


async def _b_track(update: Update, context: BotContext, here: At, data: CallbackData
                   ) -> StateResult:
    if data.id not in TRACKS:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, here.pos.next(), values={"track": data.id})


async def _b_specialty(update: Update, context: BotContext, here: At, data: CallbackData
                       ) -> StateResult:
    if specialties.by_id(data.id) is None:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, here.pos.next(), values={"specialty": data.id})


async def _b_unsure(update: Update, context: BotContext, here: At, data: CallbackData
                    ) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, here.pos.next(),
                       values={"specialty": specialties.UNSURE})


async def _b_page(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    await ack(update, context)
    number = data.int_id or 0
    number = max(0, min(number, specialties.page_count() - 1))
    return await _move(update, context, here, here.pos.at(f"p{number}"), edit=True)


async def _b_none(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    field = TEXT_FIELDS.get(here.pos.state)
    if field is None or field != data.id:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, here.pos.next(), values={field: ""})


async def _b_back(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, here.pos.back())


async def _b_review(update: Update, context: BotContext, here: At, data: CallbackData
                    ) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, Pos(S.REVIEW))


async def _b_next(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    await ack(update, context)
    if here.pos.state is S.RECORDS:
        records = await context.services.cases.records(case_id=here.case.id)
        if views.pending_batch(records):
            return await _move(update, context, here, here.pos.at(""),
                               note=context.t("intake-records-pending-first"))
    return await _move(update, context, here, here.pos.next())


async def _b_edit(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    section = SECTIONS.get(data.id or "")
    if section is None:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, Pos(section, review=True))


# records

async def _b_kind(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    kind = data.action.removeprefix("k_")
    record_id = data.int_id
    if kind not in RECORD_KINDS or record_id is None:
        return await _old_button(update, context, here)
    changed = await context.services.cases.set_record_kind(
        case_id=here.case.id, patient_id=here.patient.id, record_id=record_id, kind=kind)
    if not changed:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _show(update, context, here, edit=True)


async def _b_date(update: Update, context: BotContext, here: At, data: CallbackData
                  ) -> StateResult:
    choice = data.action.removeprefix("d_")
    record_id = data.int_id
    if choice not in ("yes", "today", "other") or record_id is None:
        return await _old_button(update, context, here)
    if choice == "other":
        await ack(update, context)
        await say(update, context, "intake-date-type", example=context.t("intake-date-example"))
        return here.pos.state
    value = None if choice == "yes" else today_for(context, here.patient.timezone)
    changed = await context.services.cases.set_record_date(
        case_id=here.case.id, patient_id=here.patient.id, record_id=record_id, value=value)
    if not changed:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _show(update, context, here, edit=True)


async def _b_timeline(update: Update, context: BotContext, here: At, data: CallbackData
                      ) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, here.pos.at("list"), edit=True)


async def _b_records_main(update: Update, context: BotContext, here: At, data: CallbackData
                          ) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, here.pos.at(""), edit=True)


async def _b_remove(update: Update, context: BotContext, here: At, data: CallbackData
                    ) -> StateResult:
    if data.int_id is None:
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, here.pos.at(f"rm:{data.int_id}"), edit=True)


async def _b_remove_ok(update: Update, context: BotContext, here: At, data: CallbackData
                       ) -> StateResult:
    if data.int_id is None:
        return await _old_button(update, context, here)
    blob = await context.services.cases.remove_record(
        case_id=here.case.id, patient_id=here.patient.id, record_id=data.int_id)
    if blob is None:
        return await _old_button(update, context, here)
    await context.services.record_store.delete(blob)
    await ack(update, context, "intake-removed")
    return await _move(update, context, here, here.pos.at("list"), edit=True,
                       note=context.t("intake-removed"))


# questions

async def _b_question_toggle(update: Update, context: BotContext, here: At,
                             data: CallbackData) -> StateResult:
    if data.id not in SUGGESTED_QUESTIONS:
        return await _old_button(update, context, here)
    result = await context.services.cases.toggle_suggested(
        case_id=here.case.id, patient_id=here.patient.id, key=data.id)
    return await _after_questions(update, context, here, result, edit=True)


async def _b_question_add(update: Update, context: BotContext, here: At, data: CallbackData
                          ) -> StateResult:
    questions = await context.services.cases.questions(case_id=here.case.id)
    if len(questions) >= MAX_QUESTIONS:
        await ack(update, context, "intake-questions-full", alert=True, max=MAX_QUESTIONS)
        return here.pos.state
    await ack(update, context)
    return await _move(update, context, here, here.pos.at("add"), edit=True)


async def _b_question_edit(update: Update, context: BotContext, here: At, data: CallbackData
                           ) -> StateResult:
    questions = await context.services.cases.questions(case_id=here.case.id)
    if not any(q.id == data.int_id and q.text for q in questions):
        return await _old_button(update, context, here)
    await ack(update, context)
    return await _move(update, context, here, here.pos.at(f"edit:{data.int_id}"), edit=True)


async def _b_question_delete(update: Update, context: BotContext, here: At,
                             data: CallbackData) -> StateResult:
    if data.int_id is None:
        return await _old_button(update, context, here)
    result = await context.services.cases.remove_question(
        case_id=here.case.id, patient_id=here.patient.id, question_id=data.int_id)
    return await _after_questions(update, context, here, result, edit=True)


async def _b_question_list(update: Update, context: BotContext, here: At,
                           data: CallbackData) -> StateResult:
    await ack(update, context)
    return await _move(update, context, here, here.pos.at(""), edit=True)


async def _after_questions(update: Update, context: BotContext, here: At,
                           result: QuestionsResult, *, edit: bool,
                           done_key: str | None = None) -> StateResult:
    if result.outcome == "gone":
        return await _old_button(update, context, here)
    if result.outcome == "full":
        await ack(update, context, "intake-questions-full", alert=True, max=MAX_QUESTIONS)
        if update.callback_query is None:
            return await _move(update, context, here, here.pos.at(""),
                               note=context.t("intake-questions-full", max=MAX_QUESTIONS))
        return here.pos.state
    await ack(update, context)
    return await _move(update, context, here, here.pos.at(""), edit=edit,
                       note=context.t(done_key) if done_key else None)


_ANY_STEP = frozenset(ORDER) - {S.REVIEW}


def _at(*states: IntakeState) -> Callable[[Pos], bool]:
    return lambda pos: pos.state in states


_BUTTONS: dict[str, tuple[Callable[[Pos], bool], ButtonStep]] = {
    "track": (_at(S.TRACK), _b_track),
    "spec": (_at(S.SPECIALTY), _b_specialty),
    "unsure": (_at(S.SPECIALTY), _b_unsure),
    "specp": (_at(S.SPECIALTY), _b_page),
    "none": (lambda pos: pos.state in TEXT_FIELDS, _b_none),
    "back": (lambda pos: pos.state in _ANY_STEP and (pos.state is not S.TRACK or pos.review
                                                     or bool(pos.detail)), _b_back),
    "review": (lambda pos: pos.review, _b_review),
    "next": (_at(S.RECORDS, S.QUESTIONS), _b_next),
    "edit": (_at(S.REVIEW), _b_edit),
    "k": (_at(S.RECORDS), _b_kind),
    "d": (_at(S.RECORDS), _b_date),
    "recs": (_at(S.RECORDS), _b_timeline),
    "rback": (_at(S.RECORDS), _b_records_main),
    "rm": (_at(S.RECORDS), _b_remove),
    "rmok": (_at(S.RECORDS), _b_remove_ok),
    "qt": (_at(S.QUESTIONS), _b_question_toggle),
    "qadd": (_at(S.QUESTIONS), _b_question_add),
    "qedit": (_at(S.QUESTIONS), _b_question_edit),
    "qdel": (_at(S.QUESTIONS), _b_question_delete),
    "qlist": (_at(S.QUESTIONS), _b_question_list),
}


# -- submit -----------------------------------------------------------------------------------

def coordinator_alerts(services: Services, case: CaseOut, record_count: int) -> list[Outgoing]:
    """The new-case alert: number, specialty, track and record count; no clinical text."""
    lang = services.settings.DEFAULT_LANGUAGE
    render = services.texts.render
    spec = specialties.by_id(case.specialty)
    specialty = spec.name(lang) if spec else render(lang, "intake-specialty-unsure")
    markup = inline([[(render(lang, "intake-alert-btn-claim"), cb("co", "claim", case.id)),
                      (render(lang, "intake-alert-btn-open"), cb("co", "open", case.id))]])
    return coordinator_alert(services, "intake-alert-new-case", markup, number=case.number or "",
                             specialty=specialty,
                             track=render(lang, "intake-track-name", track=case.track or "none"),
                             records=record_count)


async def _on_submit(update: Update, context: BotContext, here: Here, data: CallbackData
                     ) -> StateResult:
    services = context.services
    case_id = data.int_id
    if case_id is None:
        return await _old_button(update, context, here)
    if here.case is None or here.case.id != case_id:
        # Pressed again after submitting (or an old review message): the same number.
        existing = await services.cases.get(case_id=case_id)
        if existing is None or existing.patient_id != here.patient.id or not existing.number:
            return await _old_button(update, context, here)
        await ack(update, context)
        await send(context, _chat_id(update),
                   views.view_submitted(context, existing.number, again=True))
        return S.SUBMITTED if here.case is None else here.pos.state
    if here.pos.state is not S.REVIEW:
        return await _old_button(update, context, here)
    case = here.case
    at = At(here.patient, case, here.pos)
    missing = next((state for state, value in (
        (S.TRACK, case.track), (S.SPECIALTY, case.specialty), (S.DIAGNOSIS, case.diagnosis),
        (S.PLAN, case.treatment_plan), (S.SURGERIES, case.surgeries),
        (S.MEDICATIONS, case.medications), (S.ALLERGIES, case.allergies)) if value is None),
        None)
    if missing is not None:
        await ack(update, context)
        return await _move(update, context, at, Pos(missing, review=True),
                           note=context.t("intake-missing"))
    if views.pending_batch(await services.cases.records(case_id=case.id)):
        await ack(update, context)
        return await _move(update, context, at, Pos(S.RECORDS, review=True),
                           note=context.t("intake-records-pending-first"))
    await ack(update, context)
    result = await services.cases.submit(
        case_id=case.id, patient_id=here.patient.id,
        alerts=lambda submitted, count: coordinator_alerts(services, submitted, count))
    if result is None or result.case.number is None:
        return await _gone(update, context)
    if result.first_time:
        services.outbox_wakeup.set()
        log.info("case %s submitted", case.id)
    await send(context, _chat_id(update),
               views.view_submitted(context, result.case.number, again=not result.first_time))
    return S.SUBMITTED


# -- typed text, files, contacts --------------------------------------------------------------

async def on_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    here = await _here(context)
    if message is None or message.text is None or here is None:
        return None
    if here.case is None:
        await say(update, context, "fallback-text")
        if here.pos.state is S.START:
            await prompt_start(update, context)
        else:
            await prompt_current(update, context)
        return None
    text = message.text.strip()
    at = At(here.patient, here.case, here.pos)
    state = here.pos.state
    if state is S.SPECIALTY:
        found = specialties.search(text)
        view = views.view_specialty(context, here.case, here.pos.at(""), found=found, query=text)
        await send(context, _chat_id(update), view)
        return state
    if state in TEXT_FIELDS:
        if len(text) > MAX_TEXT:
            return await _show(update, context, at,
                               note=context.t("intake-too-long", max=str(MAX_TEXT)))
        return await _move(update, context, at, here.pos.next(),
                           values={TEXT_FIELDS[state]: text})
    if state is S.RECORDS:
        return await _typed_date(update, context, at, text)
    if state is S.QUESTIONS:
        return await _typed_question(update, context, at, text)
    if state is S.PHONE:
        return await _typed_phone(update, context, at, text)
    return await _show(update, context, at, note=context.t("fallback-text"))


async def _typed_date(update: Update, context: BotContext, here: At, text: str
                      ) -> StateResult:
    batch = views.pending_batch(await context.services.cases.records(case_id=here.case.id))
    if not batch or batch[0].needs_kind:
        return await _show(update, context, here, note=context.t("intake-records-text"))
    value = parse_date(text, today=today_for(context, here.patient.timezone))
    if value is None:
        await say(update, context, "intake-date-bad", example=context.t("intake-date-example"))
        return here.pos.state
    await context.services.cases.set_record_date(
        case_id=here.case.id, patient_id=here.patient.id, record_id=batch[0].id, value=value)
    return await _show(update, context, here)


async def _typed_question(update: Update, context: BotContext, here: At, text: str
                          ) -> StateResult:
    cases = context.services.cases
    step = here.pos.at("").encode()
    if here.pos.detail.startswith("edit:") and here.pos.detail[5:].isdigit():
        result = await cases.edit_question(case_id=here.case.id, patient_id=here.patient.id,
                                           question_id=int(here.pos.detail[5:]), text=text,
                                           step=step)
        done = "intake-question-edited"
    else:
        result = await cases.add_question(case_id=here.case.id, patient_id=here.patient.id,
                                          text=text, step=step)
        done = "intake-question-added"
    if result.outcome == "too_long":
        await say(update, context, "intake-question-too-long", max=500, length=len(text))
        return here.pos.state
    if result.outcome == "empty":
        return await _show(update, context, here)
    return await _after_questions(update, context, here, result, edit=False, done_key=done)


async def _typed_phone(update: Update, context: BotContext, here: At, text: str
                       ) -> StateResult:
    share, skip, back = views.phone_labels(context, here.pos)
    if text == skip:
        return await _move(update, context, here, here.pos.next(), values={"phone": ""})
    if text == back:
        return await _move(update, context, here, here.pos.back())
    return await _show(update, context, here, note=context.t("intake-phone-use-button",
                                                             button=share))


async def on_contact(update: Update, context: BotContext) -> StateResult:
    message, user = update.effective_message, update.effective_user
    here = await _here(context)
    if message is None or message.contact is None or user is None or here is None:
        return None
    if here.case is None or here.pos.state is not S.PHONE:
        await say(update, context, "intake-contact-not-now")
        await prompt_current(update, context)
        return None
    contact = message.contact
    at = At(here.patient, here.case, here.pos)
    if contact.user_id != user.id:
        return await _show(update, context, at, note=context.t("intake-phone-not-yours"))
    phone = "".join(ch for ch in contact.phone_number if ch.isdigit() or ch == "+")[:20]
    if phone and not phone.startswith("+"):
        phone = "+" + phone
    return await _move(update, context, at, here.pos.next(), values={"phone": phone})


async def on_file(update: Update, context: BotContext) -> StateResult:
    here = await _here(context)
    if here is None:
        return None
    if here.case is None or here.pos.state is not S.RECORDS:
        await say(update, context, "intake-file-not-now")
        await prompt_current(update, context)
        return None
    return await uploads.receive(update, context, here.patient, here.case, here.pos)


# -- reminders --------------------------------------------------------------------------------

async def _nudge(services: Services, reminder: ReminderOut, which: int) -> Decision:
    kind, after = NUDGES[which]
    case = await services.cases.get(case_id=reminder.case_id) if reminder.case_id else None
    if case is None or case.status != DRAFT:
        return Stale()
    patient = await services.patients.get_by_id(patient_id=case.patient_id)
    if patient is None or not patient.consented:
        return Stale()
    idle = services.clock.now() - case.updated_at
    if idle < after:
        # The patient was here since: nudge only after this long without an answer.
        await services.reminders.schedule(
            kind=kind, due_at=case.updated_at + after, patient_id=case.patient_id,
            case_id=case.id,
            dedup_key=f"intake:nudge{which + 1}:{case.id}:{int(case.updated_at.timestamp())}")
        return Stale()
    if which + 1 < len(NUDGES) and idle >= NUDGES[which + 1][1]:
        return Stale()  # long overdue (the bot was down): the later nudge says it once
    pos = Pos.decode(case.step)
    lang = patient.language
    text = services.texts.render(lang, f"intake-nudge-{which + 1}", n=pos.number, m=TOTAL)
    markup = inline([[(services.texts.render(lang, "intake-btn-continue"),
                       cb("menu", "open", "case"))]])
    return Send(patient.chat_id, message_payload(patient.chat_id, text, markup))


async def nudge_first(services: Services, reminder: ReminderOut) -> Decision:
    return await _nudge(services, reminder, 0)


async def nudge_second(services: Services, reminder: ReminderOut) -> Decision:
    return await _nudge(services, reminder, 1)


# -- assembly ---------------------------------------------------------------------------------

def _handlers() -> Handlers:
    fresh = filters.UpdateType.MESSAGE
    return [
        CallbackQueryHandler(on_button, pattern=pattern("in")),
        MessageHandler(fresh & filters.CONTACT, on_contact),
        MessageHandler(fresh & (filters.Document.ALL | filters.PHOTO), on_file),
        MessageHandler(fresh & filters.TEXT & ~filters.COMMAND, on_text),
    ]


def build_intake_conversation() -> Flow:
    prompts: dict[str, Prompt] = {state: prompt_current for state in IntakeState}
    prompts[S.START] = prompt_start
    prompts[S.SUBMITTED] = prompt_submitted
    return Flow(
        name="intake",
        states={state: _handlers() for state in IntakeState},
        prompts=prompts,
        entries={"intake": enter_intake, "intake_resume": resume_intake},
        reminders={NUDGES[0][0]: nudge_first, NUDGES[1][0]: nudge_second},
    )
