"""Guidance: should I get a second opinion? A state machine, one question at a time.

1. Safety first: an emergency or something time-sensitive → stop, call the emergency number.
   In hospital or intensive care now → talk to the care team; an optional reminder later.
   Surgery or a new treatment in the last four weeks → the date; why to wait; a reminder on the
   day the four weeks end (a durable reminder, so it survives restarts).
2. The seed's eleven situations, as a multi-select checklist.
3. The fields where first diagnoses are usually accurate, with the caveat.
4. A recommendation naming the reasons chosen → start my case · good questions · menu.

Back works at every step. Only reachable after consent; the answers are kept in
``patients.guidance`` (JSON). Entry: ``guidance``. Reminder kinds: ``guide.hospital_followup``
and ``guide.four_weeks``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.flow import Flow, Handlers, Prompt, StateResult, Step
from bot.keyboards import Button, inline
from bot.reminders import Decision, ReminderHandler, Send, Stale
from bot.services import Services
from bot.ui import ack, edit_markup, message_payload, say
from storage.schemas import PatientOut, ReminderOut


class GuideState(StrEnum):
    EMERGENCY = "guide.safety_emergency"
    EMERGENCY_STOP = "guide.emergency_stop"
    HOSPITAL = "guide.safety_hospital"
    HOSPITAL_ADVICE = "guide.hospital_advice"
    RECENT = "guide.safety_recent"
    RECENT_DATE = "guide.recent_date"
    RECENT_WAIT = "guide.recent_wait"
    SITUATIONS = "guide.situations"
    ACCURATE = "guide.accurate"
    RESULT = "guide.result"
    QUESTIONS = "guide.questions"


# The seed's situations, in its order (keys are stored; indexes are button ids).
SITUATIONS = ("rare", "unclear", "perspective", "cancer", "multiple", "surgery", "gut",
              "treatment", "not_responding", "costs", "distance")
FOUR_WEEKS = timedelta(days=28)
HOSPITAL_REMINDER_DAYS = (3, 7, 14)
REMINDER_HOUR = time(9, 0)
KIND_HOSPITAL = "guide.hospital_followup"
KIND_FOUR_WEEKS = "guide.four_weeks"

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


# -- small helpers ----------------------------------------------------------------------------

def _zone(services: Services, patient: PatientOut | None) -> ZoneInfo:
    name = patient.timezone if patient is not None and patient.timezone else None
    return ZoneInfo(name or services.settings.DEFAULT_TIMEZONE)


def _today(context: BotContext) -> date:
    return context.services.clock.now().astimezone(_zone(context.services, context.patient)).date()


def format_date(lang: str, day: date) -> str:
    if lang == "vi":
        return f"{day.day}/{day.month}/{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def _example(context: BotContext) -> str:
    today = _today(context)
    sep = "/" if context.lang == "vi" else "."
    return f"{today.day:02d}{sep}{today.month:02d}{sep}{today.year}"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower()
                    .split())


_MONTH_WORDS = {m.lower(): i for i, m in enumerate(_MONTHS_EN, 1)} | {
    m.lower()[:3]: i for i, m in enumerate(_MONTHS_EN, 1)} | {"sept": 9}
_FILLER_WORDS = {"ngay", "thang", "nam", "on", "the", "of", "st", "nd", "rd", "th", "in"}


def parse_date(text: str, today: date) -> date | None:
    """A date as patients type it: 25.03.2025, 25/3/25, 2025-03-25, 25/3 (this year, or last
    year if that is still to come), 5 March 2025, March 5, ngày 5 tháng 3 năm 2025, today,
    yesterday, hôm nay, hôm qua."""
    folded = _fold(text)[:64]
    if folded in ("today", "hom nay", "homnay", "nay"):
        return today
    if folded in ("yesterday", "hom qua", "homqua"):
        return today - timedelta(days=1)
    tokens = re.findall(r"\d+|[a-z]+", folded)
    month: int | None = None
    numbers: list[int] = []
    for token in tokens:
        if token.isdigit():
            if len(token) > 4:
                return None
            numbers.append(int(token))
        elif token in _MONTH_WORDS and month is None:
            month = _MONTH_WORDS[token]
        elif token not in _FILLER_WORDS:
            return None
    year: int | None = None
    if month is not None:
        if not 1 <= len(numbers) <= 2:
            return None
        day = numbers[0]
        if len(numbers) == 2:
            year = numbers[1]
    elif len(numbers) == 3:
        if numbers[0] > 31:
            year, month, day = numbers
        else:
            day, month, year = numbers
    elif len(numbers) == 2:
        day, month = numbers
    else:
        return None
    if year is not None and year < 100:
        year += 2000
    guessed = year is None
    try:
        result = date(year or today.year, month, day)
    except ValueError:
        return None
    if guessed and result > today:
        try:
            result = result.replace(year=today.year - 1)
        except ValueError:
            return None
    return result


def _guidance(context: BotContext) -> dict[str, Any]:
    patient = context.patient
    return dict(patient.guidance or {}) if patient is not None else {}


def _selected(context: BotContext) -> list[str]:
    chosen = _guidance(context).get("situations") or []
    return [s for s in SITUATIONS if s in chosen]


async def _save(update: Update, context: BotContext, **changes: Any) -> None:
    """Keep what the patient answered (only ever after consent)."""
    user, patient = update.effective_user, context.patient
    if user is None or patient is None or not patient.consented:
        return
    guidance = dict(patient.guidance or {})
    guidance.update(changes)
    guidance["updated_at"] = context.services.clock.now().isoformat()
    context.patient = await context.services.patients.set_guidance(
        telegram_user_id=user.id, guidance=guidance)


def _yes_no(context: BotContext, action: str, back: str) -> list[list[Button]]:
    return [
        [(context.t("btn-guide-yes"), cb("guide", action, "yes")),
         (context.t("btn-guide-no"), cb("guide", action, "no"))],
        [(context.t("btn-back"), cb("guide", "back", back)),
         (context.t("btn-menu"), cb("menu", "home"))],
    ]


def _back_row(context: BotContext, back: str) -> list[Button]:
    return [(context.t("btn-back"), cb("guide", "back", back)),
            (context.t("btn-menu"), cb("menu", "home"))]


# -- prompts ----------------------------------------------------------------------------------

async def prompt_emergency(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-q-emergency", inline(_yes_no(context, "emerg", "emerg")))


async def prompt_emergency_stop(update: Update, context: BotContext) -> None:
    # Nothing that delays care: only a way back for a mistaken tap.
    await say(update, context, "guide-emergency-stop",
              inline([[(context.t("btn-guide-mistake"), cb("guide", "back", "stop"))]]))


async def prompt_hospital(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-q-hospital", inline(_yes_no(context, "hosp", "hosp")))


async def prompt_hospital_advice(update: Update, context: BotContext) -> None:
    rows: list[list[Button]] = [
        [(context.t("btn-guide-remind-days", days=days), cb("guide", "hremind", days))]
        for days in HOSPITAL_REMINDER_DAYS]
    rows.append([(context.t("btn-guide-no-reminder"), cb("guide", "hremind", 0))])
    rows.append(_back_row(context, "hadv"))
    await say(update, context, "guide-hospital-advice", inline(rows))


async def prompt_recent(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-q-recent", inline(_yes_no(context, "recent", "recent")))


async def prompt_recent_date(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-ask-date", inline([
        [(context.t("btn-guide-today"), cb("guide", "date", "today"))],
        _back_row(context, "date"),
    ]), example=_example(context))


def _treatment_date(context: BotContext) -> date | None:
    raw = _guidance(context).get("treatment_date")
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


async def prompt_recent_wait(update: Update, context: BotContext) -> None:
    treated = _treatment_date(context)
    if treated is None:
        await prompt_recent_date(update, context)
        return
    ends = format_date(context.lang, treated + FOUR_WEEKS)
    await say(update, context, "guide-wait", inline([
        [(context.t("btn-guide-remind-on", date=ends), cb("guide", "wremind"))],
        [(context.t("btn-guide-continue-anyway"), cb("guide", "wcont"))],
        _back_row(context, "wait"),
    ]), date=ends)


def _checklist(context: BotContext, selected: list[str]) -> list[list[Button]]:
    rows: list[list[Button]] = [
        [(("☑️ " if key in selected else "⬜ ") + context.t("guide-sit-" + key.replace("_", "-")),
          cb("guide", "sit", index))]
        for index, key in enumerate(SITUATIONS)]
    rows.append([(context.t("btn-guide-done" if selected else "btn-guide-none"),
                  cb("guide", "sitdone"))])
    rows.append(_back_row(context, "sit"))
    return rows


async def prompt_situations(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-situations", inline(_checklist(context, _selected(context))))


async def prompt_accurate(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-accurate", inline([
        [(context.t("btn-continue"), cb("guide", "acc"))],
        _back_row(context, "acc"),
    ]))


async def prompt_result(update: Update, context: BotContext) -> None:
    selected = _selected(context)
    markup = inline([
        [(context.t("btn-guide-start-case"), cb("guide", "case", "res"))],
        [(context.t("btn-guide-questions"), cb("guide", "qs"))],
        _back_row(context, "res"),
    ])
    if not selected:
        await say(update, context, "guide-result-none", markup)
        return
    reasons = "\n".join("• " + context.t("guide-why-" + key.replace("_", "-"))
                        for key in selected)
    await say(update, context, "guide-result", markup, reasons=reasons)


async def prompt_questions(update: Update, context: BotContext) -> None:
    await say(update, context, "guide-questions", inline([
        [(context.t("btn-guide-start-case"), cb("guide", "case", "q"))],
        _back_row(context, "qs"),
    ]))


PROMPTS: dict[str, Prompt] = {
    GuideState.EMERGENCY: prompt_emergency,
    GuideState.EMERGENCY_STOP: prompt_emergency_stop,
    GuideState.HOSPITAL: prompt_hospital,
    GuideState.HOSPITAL_ADVICE: prompt_hospital_advice,
    GuideState.RECENT: prompt_recent,
    GuideState.RECENT_DATE: prompt_recent_date,
    GuideState.RECENT_WAIT: prompt_recent_wait,
    GuideState.SITUATIONS: prompt_situations,
    GuideState.ACCURATE: prompt_accurate,
    GuideState.RESULT: prompt_result,
    GuideState.QUESTIONS: prompt_questions,
}


async def _go(update: Update, context: BotContext, state: GuideState) -> StateResult:
    await PROMPTS[state](update, context)
    return state


async def _pressed(update: Update, context: BotContext) -> str | None:
    """Answer the button, take the buttons off its message, and return the button's id."""
    data = parse(update.callback_query.data if update.callback_query else None)
    await ack(update, context)
    await edit_markup(update, None)
    return data.id if data is not None else None


# -- entry ------------------------------------------------------------------------------------

async def enter_guidance(update: Update, context: BotContext) -> StateResult:
    patient = context.patient
    if patient is None or not patient.consented:
        await say(update, context, "consent-needed")
        return await context.nav.go("consent", update, context)
    return await _go(update, context, GuideState.EMERGENCY)


# -- steps ------------------------------------------------------------------------------------

async def on_safety_emergency_button(update: Update, context: BotContext) -> StateResult:
    answer = await _pressed(update, context)
    if answer not in ("yes", "no"):
        return None
    await _save(update, context, emergency=answer == "yes")
    if answer == "yes":
        return await _go(update, context, GuideState.EMERGENCY_STOP)
    return await _go(update, context, GuideState.HOSPITAL)


async def on_safety_hospital_button(update: Update, context: BotContext) -> StateResult:
    answer = await _pressed(update, context)
    if answer not in ("yes", "no"):
        return None
    await _save(update, context, in_hospital=answer == "yes")
    if answer == "yes":
        return await _go(update, context, GuideState.HOSPITAL_ADVICE)
    return await _go(update, context, GuideState.RECENT)


async def _schedule(context: BotContext, patient: PatientOut, kind: str, day: date) -> date:
    """A durable reminder at 09:00 on ``day`` in the patient's time zone."""
    due = datetime.combine(day, REMINDER_HOUR, tzinfo=_zone(context.services, patient))
    await context.services.reminders.schedule(
        kind=kind, due_at=due.astimezone(UTC), patient_id=patient.id,
        dedup_key=f"{kind}:{patient.id}:{day.isoformat()}")
    return day


async def on_hospital_advice_button(update: Update, context: BotContext) -> StateResult:
    answer = await _pressed(update, context)
    days = int(answer) if answer is not None and answer.isdigit() else -1
    if days == 0:
        return await context.nav.go("menu", update, context)
    patient = context.patient
    if days not in HOSPITAL_REMINDER_DAYS or patient is None:
        return await _go(update, context, GuideState.HOSPITAL_ADVICE)
    day = await _schedule(context, patient, KIND_HOSPITAL,
                          _today(context) + timedelta(days=days))
    await say(update, context, "guide-hospital-reminder-set", date=format_date(context.lang, day))
    return await context.nav.go("menu", update, context)


async def on_safety_recent_button(update: Update, context: BotContext) -> StateResult:
    answer = await _pressed(update, context)
    if answer not in ("yes", "no"):
        return None
    await _save(update, context, recent_treatment=answer == "yes")
    if answer == "yes":
        return await _go(update, context, GuideState.RECENT_DATE)
    return await _go(update, context, GuideState.SITUATIONS)


async def _date_given(update: Update, context: BotContext, day: date) -> StateResult:
    today = _today(context)
    if day > today:
        await say(update, context, "guide-date-future")
        return await _go(update, context, GuideState.RECENT_DATE)
    await _save(update, context, treatment_date=day.isoformat())
    if today - day >= FOUR_WEEKS:
        await say(update, context, "guide-date-long-ago")
        return await _go(update, context, GuideState.SITUATIONS)
    return await _go(update, context, GuideState.RECENT_WAIT)


async def on_recent_date_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    day = parse_date(message.text or "", _today(context)) if message is not None else None
    if day is None:
        await say(update, context, "guide-date-invalid", example=_example(context))
        return None
    return await _date_given(update, context, day)


async def on_recent_date_today(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    return await _date_given(update, context, _today(context))


async def on_recent_wait_remind(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    treated, patient = _treatment_date(context), context.patient
    if treated is None or patient is None:
        return await _go(update, context, GuideState.RECENT_DATE)
    day = await _schedule(context, patient, KIND_FOUR_WEEKS, treated + FOUR_WEEKS)
    await say(update, context, "guide-four-weeks-reminder-set",
              date=format_date(context.lang, day))
    return await context.nav.go("menu", update, context)


async def on_recent_wait_continue(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    return await _go(update, context, GuideState.SITUATIONS)


async def on_situations_toggle(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    await ack(update, context)
    index = data.int_id if data is not None else None
    if index is None or not 0 <= index < len(SITUATIONS):
        return None
    key = SITUATIONS[index]
    selected = _selected(context)
    selected = [s for s in selected if s != key] if key in selected else [*selected, key]
    await _save(update, context, situations=[s for s in SITUATIONS if s in selected])
    await edit_markup(update, inline(_checklist(context, _selected(context))))
    return None


async def on_situations_done(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    await _save(update, context, situations=_selected(context))
    return await _go(update, context, GuideState.ACCURATE)


async def on_accurate_continue(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    await _save(update, context, completed_at=context.services.clock.now().isoformat())
    return await _go(update, context, GuideState.RESULT)


async def on_result_questions(update: Update, context: BotContext) -> StateResult:
    await _pressed(update, context)
    return await _go(update, context, GuideState.QUESTIONS)


async def on_start_case(update: Update, context: BotContext) -> StateResult:
    if context.nav.has_entry("intake"):
        await _pressed(update, context)
        return await context.nav.go("intake", update, context)
    await ack(update, context)
    await say(update, context, "guide-intake-unavailable")
    return None


# Back: where each step's Back leads (None: the menu).
BACK: dict[str, tuple[GuideState, GuideState | None]] = {
    "emerg": (GuideState.EMERGENCY, None),
    "stop": (GuideState.EMERGENCY_STOP, GuideState.EMERGENCY),
    "hosp": (GuideState.HOSPITAL, GuideState.EMERGENCY),
    "hadv": (GuideState.HOSPITAL_ADVICE, GuideState.HOSPITAL),
    "recent": (GuideState.RECENT, GuideState.HOSPITAL),
    "date": (GuideState.RECENT_DATE, GuideState.RECENT),
    "wait": (GuideState.RECENT_WAIT, GuideState.RECENT_DATE),
    "sit": (GuideState.SITUATIONS, GuideState.RECENT),
    "acc": (GuideState.ACCURATE, GuideState.SITUATIONS),
    "res": (GuideState.RESULT, GuideState.ACCURATE),
    "qs": (GuideState.QUESTIONS, GuideState.RESULT),
}


def _on_back(target: GuideState | None) -> Step:
    async def on_back(update: Update, context: BotContext) -> StateResult:
        await _pressed(update, context)
        if target is None:
            return await context.nav.go("menu", update, context)
        return await _go(update, context, target)

    return on_back


def _button(action: str, handler: Step) -> CallbackQueryHandler[BotContext, StateResult]:
    return CallbackQueryHandler(handler, pattern=pattern("guide", action))


# -- reminders --------------------------------------------------------------------------------

def _reminder(key: str) -> ReminderHandler:
    async def handle(services: Services, reminder: ReminderOut) -> Decision:
        if reminder.patient_id is None:
            return Stale()
        patient = await services.patients.get_by_id(patient_id=reminder.patient_id)
        if patient is None:
            return Stale()
        lang = patient.language
        text = services.texts.render(lang, key)
        markup = inline([
            [(services.texts.render(lang, "btn-menu-guide"), cb("menu", "open", "guide"))],
            [(services.texts.render(lang, "btn-menu"), cb("menu", "home"))],
        ])
        return Send(patient.chat_id, message_payload(patient.chat_id, text, markup))

    return handle


def build_guidance_conversation() -> Flow:
    s = GuideState
    states: dict[str, Handlers] = {
        s.EMERGENCY: [_button("emerg", on_safety_emergency_button)],
        s.EMERGENCY_STOP: [],
        s.HOSPITAL: [_button("hosp", on_safety_hospital_button)],
        s.HOSPITAL_ADVICE: [_button("hremind", on_hospital_advice_button)],
        s.RECENT: [_button("recent", on_safety_recent_button)],
        s.RECENT_DATE: [_button("date", on_recent_date_today),
                        MessageHandler(filters.TEXT & ~filters.COMMAND, on_recent_date_text)],
        s.RECENT_WAIT: [_button("wremind", on_recent_wait_remind),
                        _button("wcont", on_recent_wait_continue)],
        s.SITUATIONS: [_button("sit", on_situations_toggle),
                       _button("sitdone", on_situations_done)],
        s.ACCURATE: [_button("acc", on_accurate_continue)],
        s.RESULT: [_button("case", on_start_case), _button("qs", on_result_questions)],
        s.QUESTIONS: [_button("case", on_start_case)],
    }
    for code, (state, target) in BACK.items():
        states[state].append(CallbackQueryHandler(
            _on_back(target), pattern=re.compile(rf"^guide:back:{code}$")))
    return Flow(
        name="guidance",
        states=states,
        prompts=dict(PROMPTS),
        entries={"guidance": enter_guidance},
        reminders={KIND_HOSPITAL: _reminder("guide-reminder-hospital"),
                   KIND_FOUR_WEEKS: _reminder("guide-reminder-four-weeks")},
    )
