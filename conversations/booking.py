"""Online consultation: the patient books a time, changes or cancels it, is reminded, and tells
us how it went.

Entries: ``booking`` (the report's "book the consultation" button, or a coordinator's offer:
``nav:booking:<case id>``), ``booking_manage`` (``nav:booking_manage:<appointment id>``, on
reminders) and ``booking_rate`` (``nav:booking_rate:<appointment id>_<1-5>``, the follow-up
question). Those buttons reach the patient through the outbox, so they use the ``nav`` feature
that works from any step; the buttons of the flow's own steps are ``book:*``.

The case booked for is the patient's latest case with a report or a coordinator's offer (or the
one the button names, if it is theirs and bookable). The time zone is asked once (suggested
from the language, a short list, or a typed city), then the free slots of the next 14 days are
shown by day and time in the patient's time, with the physician's time beside it where it
differs. Which case, appointment, day and slot the patient is on are kept in the database
(``conversation_states``, name ``booking``), so every step survives a restart; every button
re-checks that what it names is the patient's. The slot race is decided by the database.

Reminders (durable, in ``reminders``): 24 h and 1 h before to the patient with the link, 15 min
before to the coordinators, and a follow-up question after the end. Each checks, when it fires,
that the appointment is still booked at that time (else it is stale); one that comes due while
the bot was down is sent late while the consultation is still ahead, or else marked missed and
the coordinators are told.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.alerts import coordinator_alert, coordinator_targets, send_later
from bot.booking import (
    BEFORE_START,
    FOLLOWUP_USEFUL_FOR,
    KIND_COORDINATORS,
    KIND_DAY_BEFORE,
    KIND_FOLLOWUP,
    KIND_HOUR_BEFORE,
    BookingConfig,
    calendar_file,
    expected_due,
    fmt_date,
    fmt_short_date,
    fmt_time,
    load_config,
    local_day,
    new_room,
    reminder_plan,
    video_link,
)
from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.flow import Flow, Handlers, StateResult
from bot.keyboards import Button, inline
from bot.outbox import inline_file
from bot.reminders import Decision, Missed, Send, Stale
from bot.services import Services
from bot.timezones import (
    COMMON_ZONES,
    all_zones,
    find_zones,
    is_zone,
    suggest_zone,
    zone_button_id,
    zone_from_id,
    zone_label,
)
from bot.ui import ack, edit_markup, message_payload, say
from handlers.coordinator.alerts import booking_alert
from storage.booking import BookingChange, BookingOut, Notify, SlotOut, wanted
from storage.repositories import Outgoing
from storage.schemas import CaseOut, PatientOut, ReminderOut

log = logging.getLogger(__name__)

FEATURE = "book"
HERE = "booking"  # conversation_states name of where a patient is (key: the patient's id)
MAX_COMMENT = 2000
DAY_FORMAT = "%Y%m%d"


class BookingState(StrEnum):
    TIMEZONE = "booking.timezone"
    DAY = "booking.day"
    TIME = "booking.time"
    CONFIRM = "booking.confirm"
    MANAGE = "booking.manage"
    CANCEL = "booking.cancel"
    COMMENT = "booking.comment"


S = BookingState


# -- where the patient is -------------------------------------------------------------------------

@dataclass
class Here:
    case_id: int = 0
    appointment_id: int = 0  # the consultation being managed, moved or rated
    day: str = ""            # YYYYMMDD, in the patient's zone
    slot_id: int = 0
    moving: bool = False     # choosing a new time for ``appointment_id`` (not a new booking)

    def encode(self) -> str:
        return (f"{self.case_id},{self.appointment_id},{self.day},{self.slot_id},"
                f"{int(self.moving)}")

    @classmethod
    def decode(cls, raw: str | None) -> Here:
        parts = (raw or "").split(",")
        if len(parts) != 5:
            return cls()
        case_id, appointment_id, day, slot_id, moving = parts
        return cls(int(case_id) if case_id.isdigit() else 0,
                   int(appointment_id) if appointment_id.isdigit() else 0,
                   day if day.isdigit() and len(day) == 8 else "",
                   int(slot_id) if slot_id.isdigit() else 0, moving == "1")


async def _here(context: BotContext) -> Here:
    if context.patient is None:
        return Here()
    raw = await context.services.booking.get_state(name=HERE, key=str(context.patient.id))
    return Here.decode(raw)


async def _save(context: BotContext, here: Here) -> None:
    if context.patient is not None:
        await context.services.booking.set_states(
            name=HERE, values={str(context.patient.id): here.encode()})


def _config(services: Services) -> BookingConfig:
    return load_config(services.settings.DATA_DIR)


def _zone(context: BotContext) -> str:
    patient = context.patient
    if patient is not None and is_zone(patient.timezone):
        return str(patient.timezone)
    return context.services.settings.DEFAULT_TIMEZONE


def _patient_zone(services: Services, patient: PatientOut) -> str:
    return str(patient.timezone) if is_zone(patient.timezone) else (
        services.settings.DEFAULT_TIMEZONE)


def _differs(moment: datetime, zone: str, other: str | None) -> bool:
    """Whether the physician's clock shows another time than the patient's at that moment."""
    if other is None or not is_zone(other):
        return False
    return (moment.astimezone(ZoneInfo(zone)).utcoffset()
            != moment.astimezone(ZoneInfo(other)).utcoffset())


async def _drop_buttons(update: Update) -> None:
    """Take the buttons off the pressed message, if it still has some (a forged or repeated
    press names a message without them: editing it again would be refused)."""
    query = update.callback_query
    if (query is not None and isinstance(query.message, Message)
            and query.message.reply_markup is not None):
        await edit_markup(update, None)


def _menu_row(context: BotContext) -> list[Button]:
    return [(context.t("btn-menu"), cb("menu", "home"))]


# -- how times read -------------------------------------------------------------------------------

def _when(services: Services, lang: str, start: datetime, end: datetime, zone: str
          ) -> dict[str, str]:
    texts = services.texts
    return {"date": fmt_date(texts, lang, start, zone), "start": fmt_time(start, zone),
            "end": fmt_time(end, zone), "zone": zone_label(texts, lang, zone, short=True)}


def _times_text(services: Services, lang: str, key: str, start: datetime, end: datetime,
                zone: str, physician_zone: str | None, **values: Any) -> str:
    """A message with the time in the patient's zone, and the physician's where it differs."""
    text = services.texts.render(lang, key, **_when(services, lang, start, end, zone), **values)
    if physician_zone is not None and _differs(start, zone, physician_zone):
        text += "\n" + services.texts.render(
            lang, "booking-other-time", **_when(services, lang, start, end, physician_zone))
    return text


def _card(services: Services, lang: str, booking: BookingOut, zone: str,
          now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    """The booked consultation, with the link and what can still be done."""
    config = _config(services)
    link = video_link(config, booking.appointment.video_room)
    render = services.texts.render
    parts = [_times_text(services, lang, "booking-card", booking.starts_at, booking.ends_at,
                         zone, booking.physician_zone, physician=booking.physician),
             render(lang, "booking-card-link", video_url=link),
             render(lang, "booking-card-tips")]
    rows: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton(render(lang, "btn-booking-join"), url=link)]]
    if now <= booking.starts_at - config.cutoff:
        parts.append(render(lang, "booking-card-change", hours=config.cancel_cutoff_hours))
        rows.append([InlineKeyboardButton(render(lang, "btn-booking-reschedule"),
                                          callback_data=cb(FEATURE, "resched", booking.id))])
        rows.append([InlineKeyboardButton(render(lang, "btn-booking-cancel"),
                                          callback_data=cb(FEATURE, "cancel", booking.id))])
    else:
        parts.append(render(lang, "booking-card-locked", hours=config.cancel_cutoff_hours))
    rows.append([InlineKeyboardButton(render(lang, "btn-menu"), callback_data=cb("menu", "home"))])
    return "\n".join(parts[:2]) + "\n\n" + "\n".join(parts[2:]), InlineKeyboardMarkup(rows)


# -- what a booking change queues (inside its transaction) ----------------------------------------

def calendar_message(services: Services, booking: BookingOut, *, cancelled: bool = False
                     ) -> Outgoing:
    """The .ics of a booked (or moved) consultation, in the patient's zone and language; for a
    cancelled one, the file that takes it off their calendar."""
    patient = booking.patient
    lang, zone = patient.language, _patient_zone(services, patient)
    link = video_link(_config(services), booking.appointment.video_room)
    render = services.texts.render
    ics = calendar_file(
        uid=f"consultation-{booking.id}@second-opinion",
        # later changes replace earlier ones; a cancellation is the last word on its event
        sequence=int(booking.appointment.updated_at.timestamp()) + (1 if cancelled else 0),
        starts_at=booking.starts_at, ends_at=booking.ends_at, zone=zone,
        summary=html.unescape(render(lang, "booking-ics-summary")),
        description=html.unescape(render(lang, "booking-ics-description",
                                         physician=booking.physician, video_url=link)),
        link=link, stamp=booking.appointment.updated_at, cancelled=cancelled)
    caption = render(lang, "booking-ics-cancel-caption" if cancelled else "booking-ics-caption",
                     video_url=link,
                     **_when(services, lang, booking.starts_at, booking.ends_at, zone))
    payload = {"chat_id": patient.chat_id, "caption": caption, "parse_mode": "HTML",
               "document": inline_file(ics, "consultation.ics")}
    return Outgoing(chat_id=patient.chat_id, method="sendDocument", payload=payload)


def notifier(services: Services) -> Notify:
    """What a booking, a move or a cancellation queues: the coordinators' alert (no clinical
    text) and the patient's calendar file (the new time, or the cancellation)."""

    def notify(booking: BookingOut, change: BookingChange) -> list[Outgoing]:
        items = booking_alert(services, booking.case, change=change, starts_at=booking.starts_at)
        items.append(calendar_message(services, booking, cancelled=change == "cancelled"))
        return items

    return notify


# -- prompts --------------------------------------------------------------------------------------

async def prompt_timezone(update: Update, context: BotContext) -> None:
    texts, lang = context.services.texts, context.lang
    suggested = suggest_zone(lang, context.services.settings.DEFAULT_TIMEZONE)
    now = context.services.clock.now()
    rows: list[list[Button]] = []
    suggested_id = zone_button_id(suggested)
    if suggested_id is not None:
        rows.append([(context.t("btn-booking-tz-yes", zone=zone_label(texts, lang, suggested)),
                      cb(FEATURE, "tz", suggested_id))])
    others = [(zone_label(texts, lang, z), cb(FEATURE, "tz", f"c{i}"))
              for i, z in enumerate(COMMON_ZONES) if z != suggested]
    rows += [others[i:i + 2] for i in range(0, len(others), 2)]
    rows.append(_menu_row(context))
    await say(update, context, "booking-tz-ask", inline(rows),
              zone=zone_label(texts, lang, suggested, short=True), time=fmt_time(now, suggested))


async def _case(context: BotContext, here: Here) -> CaseOut | None:
    if context.patient is None or not here.case_id:
        return None
    return await context.services.booking.bookable_case(patient_id=context.patient.id,
                                                         case_id=here.case_id)


async def _free(context: BotContext, case: CaseOut) -> list[SlotOut]:
    config = _config(context.services)
    now = context.services.clock.now()
    return await context.services.booking.free_slots_for(
        case=case, start=now + config.min_lead, end=now + config.window)


def _who(context: BotContext, case: CaseOut) -> str:
    _track, physician = wanted(case)
    if physician is not None:
        return context.t("booking-who-expert", physician=physician)
    return context.t("booking-who-local")


async def _no_case(update: Update, context: BotContext) -> None:
    await say(update, context, "booking-no-case", inline([_menu_row(context)]))


async def prompt_day(update: Update, context: BotContext) -> None:
    here = await _here(context)
    case = await _case(context, here)
    if case is None:
        await _no_case(update, context)
        return
    slots = await _free(context, case)
    config = _config(context.services)
    rows: list[list[Button]] = []
    if here.moving:
        rows.append([(context.t("btn-booking-keep"), cb(FEATURE, "keep"))])
    if not slots:
        rows.append([(context.t("btn-booking-try-again"), cb(FEATURE, "days"))])
        rows.append(_menu_row(context))
        await say(update, context, "booking-none", inline(rows), days=config.window_days)
        return
    zone = _zone(context)
    days: dict[date, int] = {}
    for slot in slots:
        day = local_day(slot.starts_at, zone)
        days[day] = days.get(day, 0) + 1
    buttons = [(context.t("btn-booking-day", day=fmt_short_date(context.services.texts,
                                                                 context.lang, day),
                          count=count), cb(FEATURE, "day", day.strftime(DAY_FORMAT)))
               for day, count in days.items()]
    day_rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows = day_rows + rows + [[(context.t("btn-booking-tz-change"), cb(FEATURE, "tzchange"))],
                              _menu_row(context)]
    text = context.t("booking-days", who=_who(context, case), days=config.window_days,
                     zone=zone_label(context.services.texts, context.lang, zone, short=True))
    if here.moving:
        text += "\n\n" + context.t("booking-resched-note")
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=inline(rows))


def _slot_label(context: BotContext, slot: SlotOut, zone: str, with_physician: bool) -> str:
    time = fmt_time(slot.starts_at, zone)
    if _differs(slot.starts_at, zone, slot.timezone):
        label = context.t("btn-booking-slot-both", time=time,
                          other=fmt_time(slot.starts_at, slot.timezone))
    else:
        label = context.t("btn-booking-slot", time=time)
    if with_physician:
        label = context.t("btn-booking-slot-with", label=label, physician=slot.physician[:30])
    return label[:64]


async def _day_slots(context: BotContext, case: CaseOut, day: str) -> list[SlotOut]:
    zone = _zone(context)
    return [slot for slot in await _free(context, case)
            if local_day(slot.starts_at, zone).strftime(DAY_FORMAT) == day]


async def prompt_time(update: Update, context: BotContext) -> None:
    here = await _here(context)
    case = await _case(context, here)
    if case is None:
        await _no_case(update, context)
        return
    slots = await _day_slots(context, case, here.day)
    if not slots:
        await say(update, context, "booking-day-full")
        await prompt_day(update, context)
        return
    zone = _zone(context)
    several = len({slot.physician.casefold() for slot in slots}) > 1
    buttons = [(_slot_label(context, slot, zone, several), cb(FEATURE, "slot", slot.id))
               for slot in slots]
    per_row = 1 if several else 3
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([(context.t("btn-booking-days"), cb(FEATURE, "days"))])
    rows.append(_menu_row(context))
    day = local_day(slots[0].starts_at, zone)
    text = context.t("booking-times", day=fmt_short_date(context.services.texts, context.lang,
                                                         day),
                     zone=zone_label(context.services.texts, context.lang, zone, short=True))
    others = {slot.timezone for slot in slots if _differs(slot.starts_at, zone, slot.timezone)}
    if len(others) == 1:
        text += "\n" + context.t("booking-times-other", zone=zone_label(
            context.services.texts, context.lang, others.pop(), short=True))
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=inline(rows))


async def prompt_confirm(update: Update, context: BotContext) -> None:
    here = await _here(context)
    case = await _case(context, here)
    slot = (await context.services.booking.slot(slot_id=here.slot_id)
            if here.slot_id else None)
    if case is None or slot is None:
        await prompt_day(update, context)
        return
    zone = _zone(context)
    physician = (wanted(case)[1] or slot.physician)
    text = _times_text(context.services, context.lang, "booking-confirm", slot.starts_at,
                       slot.ends_at, zone, slot.timezone, physician=physician)
    text += "\n\n" + context.t("booking-confirm-ask")
    markup = inline([[(context.t("btn-booking-confirm"), cb(FEATURE, "ok", slot.id))],
                     [(context.t("btn-booking-other"), cb(FEATURE, "day", here.day))
                      if here.day else (context.t("btn-booking-other"), cb(FEATURE, "days"))],
                     _menu_row(context)])
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def _managed(context: BotContext, here: Here) -> BookingOut | None:
    """The patient's consultation named by ``here``, if it is still booked and ahead."""
    if context.patient is None or not here.appointment_id:
        return None
    booking = await context.services.booking.own_booking(appointment_id=here.appointment_id,
                                                         patient_id=context.patient.id)
    if booking is None or not booking.booked or booking.ends_at <= context.services.clock.now():
        return None
    return booking


async def prompt_manage(update: Update, context: BotContext) -> None:
    booking = await _managed(context, await _here(context))
    if booking is None:
        await say(update, context, "booking-nothing", inline([_menu_row(context)]))
        return
    text, markup = _card(context.services, context.lang, booking, _zone(context),
                         context.services.clock.now())
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def prompt_cancel(update: Update, context: BotContext) -> None:
    booking = await _managed(context, await _here(context))
    if booking is None:
        await say(update, context, "booking-nothing", inline([_menu_row(context)]))
        return
    zone = _zone(context)
    await say(update, context, "booking-cancel-ask", inline([
        [(context.t("btn-booking-cancel-yes"), cb(FEATURE, "cancelok", booking.id))],
        [(context.t("btn-booking-cancel-no"), cb(FEATURE, "keep"))],
    ]), date=fmt_date(context.services.texts, context.lang, booking.starts_at, zone),
        time=fmt_time(booking.starts_at, zone))


async def prompt_comment(update: Update, context: BotContext) -> None:
    await say(update, context, "booking-comment-prompt",
              inline([[(context.t("btn-booking-skip"), cb(FEATURE, "skip"))]]))


# -- entries --------------------------------------------------------------------------------------

async def _start_days(update: Update, context: BotContext, here: Here, *, alert: bool
                      ) -> StateResult:
    """Show the days with free times (asking the time zone first, once)."""
    await _save(context, here)
    if alert:
        case = await _case(context, here)
        if case is not None and not await _free(context, case):
            await _alert_no_slots(context, case)
    if context.patient is not None and not is_zone(context.patient.timezone):
        await prompt_timezone(update, context)
        return S.TIMEZONE
    await prompt_day(update, context)
    return S.DAY


async def _alert_no_slots(context: BotContext, case: CaseOut) -> None:
    services = context.services
    lang = services.settings.DEFAULT_LANGUAGE
    track, _physician = wanted(case)
    await send_later(services, coordinator_alert(
        services, "booking-alert-no-slots", number=case.number or f"#{case.id}",
        track=services.texts.render(lang, "booking-track", track=track),
        days=_config(services).window_days))


async def enter_booking(update: Update, context: BotContext) -> StateResult:
    """Book (or see) the consultation of the patient's case."""
    await ack(update, context)
    patient = context.patient
    if patient is None or not patient.consented:
        return await context.nav.go("menu", update, context)
    data = parse(update.callback_query.data if update.callback_query else None)
    repo = context.services.booking
    case = None
    if data is not None and data.int_id is not None:
        case = await repo.bookable_case(patient_id=patient.id, case_id=data.int_id)
    if case is None:
        case = await repo.bookable_case(patient_id=patient.id)
    if case is None:
        await say(update, context, "booking-no-case")
        return await context.nav.go("menu", update, context)
    await _drop_buttons(update)
    upcoming = await repo.upcoming(case_id=case.id)
    if upcoming is not None:
        await _save(context, Here(case.id, upcoming.id))
        await prompt_manage(update, context)
        return S.MANAGE
    return await _start_days(update, context, Here(case.id), alert=True)


async def enter_manage(update: Update, context: BotContext) -> StateResult:
    """``nav:booking_manage:<appointment id>``: the consultation, to join, move or cancel."""
    await ack(update, context)
    data = parse(update.callback_query.data if update.callback_query else None)
    patient = context.patient
    booking = None
    if patient is not None and data is not None and data.int_id is not None:
        booking = await context.services.booking.own_booking(appointment_id=data.int_id,
                                                             patient_id=patient.id)
    if booking is None or not booking.booked:
        await say(update, context, "booking-gone")
        return await context.nav.go("menu", update, context)
    await _save(context, Here(booking.case.id, booking.id))
    await prompt_manage(update, context)
    return S.MANAGE


async def enter_rate(update: Update, context: BotContext) -> StateResult:
    """``nav:booking_rate:<appointment id>_<1-5>``: the follow-up question's answer."""
    await ack(update, context)
    data = parse(update.callback_query.data if update.callback_query else None)
    patient = context.patient
    appointment_id, _, stars = (data.id or "").partition("_") if data else ("", "", "")
    if (patient is None or not appointment_id.isdigit() or len(appointment_id) > 18
            or stars not in ("1", "2", "3", "4", "5")):
        return await context.nav.go("menu", update, context)
    result = await context.services.booking.rate(
        patient_id=patient.id, appointment_id=int(appointment_id), rating=int(stars))
    if result.outcome != "ok" or result.booking is None:
        await say(update, context,
                  "booking-rate-early" if result.outcome == "too_early" else "booking-gone")
        return await context.nav.go("menu", update, context)
    await _drop_buttons(update)
    await _save(context, Here(result.booking.case.id, result.booking.id))
    await say(update, context, "booking-rated",
              inline([[(context.t("btn-booking-skip"), cb(FEATURE, "skip"))]]))
    return S.COMMENT


# -- steps ----------------------------------------------------------------------------------------

async def _set_zone(update: Update, context: BotContext, zone: str) -> StateResult:
    user = update.effective_user
    if user is None:
        return None
    context.patient = await context.services.patients.set_timezone(telegram_user_id=user.id,
                                                                   timezone=zone)
    await say(update, context, "booking-tz-set",
              zone=zone_label(context.services.texts, context.lang, zone, short=True))
    await prompt_day(update, context)
    return S.DAY


async def on_timezone_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    zones = find_zones(message.text or "") if message is not None else []
    if not zones:
        await say(update, context, "booking-tz-unknown")
        await prompt_timezone(update, context)
        return None
    if len(zones) == 1:
        return await _set_zone(update, context, zones[0])
    index = {z: i for i, z in enumerate(all_zones())}
    rows: list[list[Button]] = [
        [(zone_label(context.services.texts, context.lang, z), cb(FEATURE, "tz", f"z{index[z]}"))]
        for z in zones if z in index]
    rows.append(_menu_row(context))
    await say(update, context, "booking-tz-many", inline(rows))
    return None


async def on_comment_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    patient = context.patient
    here = await _here(context)
    if message is None or patient is None or not message.text:
        return None
    result = await context.services.booking.comment(
        patient_id=patient.id, appointment_id=here.appointment_id,
        comment=message.text[:MAX_COMMENT])
    await say(update, context,
              "booking-comment-thanks" if result.outcome == "ok" else "booking-gone")
    return await context.nav.go("menu", update, context)


async def on_button(update: Update, context: BotContext) -> StateResult:
    """Every ``book:*`` button of the flow's steps; each re-checks what it names."""
    data = parse(update.callback_query.data if update.callback_query else None)
    patient = context.patient
    if data is None or patient is None:
        await ack(update, context)
        return None
    here = await _here(context)
    action = data.action
    if action == "tz":
        zone = zone_from_id(data.id)
        await ack(update, context)
        if zone is None:
            await prompt_timezone(update, context)
            return S.TIMEZONE
        await _drop_buttons(update)
        return await _set_zone(update, context, zone)
    if action == "tzchange":
        await ack(update, context)
        await _drop_buttons(update)
        await prompt_timezone(update, context)
        return S.TIMEZONE
    if action == "days":
        await ack(update, context)
        await _drop_buttons(update)
        await prompt_day(update, context)
        return S.DAY
    if action == "day" and data.id and data.id.isdigit() and len(data.id) == 8:
        await ack(update, context)
        await _drop_buttons(update)
        here.day = data.id
        await _save(context, here)
        await prompt_time(update, context)
        return S.TIME
    if action == "slot" and data.int_id is not None:
        await ack(update, context)
        await _drop_buttons(update)
        here.slot_id = data.int_id
        slot = await context.services.booking.slot(slot_id=data.int_id)
        if slot is not None:
            here.day = local_day(slot.starts_at, _zone(context)).strftime(DAY_FORMAT)
        await _save(context, here)
        await prompt_confirm(update, context)
        return S.CONFIRM
    if action == "ok" and data.int_id is not None:
        return await _confirm(update, context, here, data.int_id)
    if action in ("resched", "cancel") and data.int_id is not None:
        return await _change(update, context, here, data.int_id, action)
    if action == "cancelok" and data.int_id is not None:
        return await _cancel(update, context, here, data.int_id)
    if action == "keep":
        await ack(update, context)
        await _drop_buttons(update)
        here.slot_id, here.day, here.moving = 0, "", False
        await _save(context, here)
        await prompt_manage(update, context)
        return S.MANAGE
    if action == "skip":
        await ack(update, context)
        await _drop_buttons(update)
        await say(update, context, "booking-comment-thanks")
        return await context.nav.go("menu", update, context)
    await ack(update, context, "fallback-button")
    return None


async def _confirm(update: Update, context: BotContext, here: Here, slot_id: int
                   ) -> StateResult:
    patient = context.patient
    await ack(update, context)
    case = await _case(context, here)
    if patient is None or case is None:
        await _drop_buttons(update)
        await _no_case(update, context)
        return None
    services = context.services
    config = _config(services)
    not_before = services.clock.now() + config.min_lead
    plan, notify = reminder_plan(config), notifier(services)
    moving = here.moving and here.appointment_id != 0
    if moving:
        result = await services.booking.reschedule(
            patient_id=patient.id, appointment_id=here.appointment_id, slot_id=slot_id,
            not_before=not_before, cutoff=config.cutoff, plan=plan, notify=notify)
    else:
        result = await services.booking.book(
            patient_id=patient.id, case_id=case.id, slot_id=slot_id, room=new_room(),
            not_before=not_before, plan=plan, notify=notify)
    log.info("booking for case %s: %s", case.id, result.outcome)
    await _drop_buttons(update)
    if result.outcome in ("taken", "gone"):
        # Someone else was quicker (or the time is no longer offered): the other free times.
        await say(update, context,
                  "booking-taken" if result.outcome == "taken" else "booking-slot-gone")
        here.slot_id = 0
        await _save(context, here)
        if here.day and await _day_slots(context, case, here.day):
            await prompt_time(update, context)
            return S.TIME
        await prompt_day(update, context)
        return S.DAY
    booking = result.booking
    if booking is None:
        return None
    services.outbox_wakeup.set()
    await _save(context, Here(case.id, booking.id))
    key = {"ok": "booking-moved" if moving else "booking-booked", "already":
           "booking-same" if moving else "booking-already", "too_late": "booking-too-late"}
    await say(update, context, key[result.outcome], hours=config.cancel_cutoff_hours)
    await prompt_manage(update, context)
    return S.MANAGE


async def _change(update: Update, context: BotContext, here: Here, appointment_id: int,
                  action: str) -> StateResult:
    """Reschedule or cancel: only the patient's own booking, and only until the cut-off."""
    await ack(update, context)
    patient = context.patient
    booking = (await context.services.booking.own_booking(appointment_id=appointment_id,
                                                          patient_id=patient.id)
               if patient is not None else None)
    await _drop_buttons(update)
    if booking is None or not booking.booked or booking.starts_at <= (
            context.services.clock.now()):
        await say(update, context, "booking-gone")
        return await context.nav.go("menu", update, context)
    config = _config(context.services)
    if context.services.clock.now() > booking.starts_at - config.cutoff:
        await say(update, context, "booking-too-late", hours=config.cancel_cutoff_hours)
        await _save(context, Here(booking.case.id, booking.id))
        await prompt_manage(update, context)
        return S.MANAGE
    if action == "cancel":
        await _save(context, Here(booking.case.id, booking.id))
        await prompt_cancel(update, context)
        return S.CANCEL
    return await _start_days(update, context, Here(booking.case.id, booking.id, moving=True),
                             alert=False)


async def _cancel(update: Update, context: BotContext, here: Here, appointment_id: int
                  ) -> StateResult:
    await ack(update, context)
    patient = context.patient
    await _drop_buttons(update)
    if patient is None:
        return None
    services = context.services
    config = _config(services)
    result = await services.booking.cancel(patient_id=patient.id, appointment_id=appointment_id,
                                           cutoff=config.cutoff, notify=notifier(services))
    log.info("cancellation of appointment %s: %s", appointment_id, result.outcome)
    if result.outcome == "too_late":
        await say(update, context, "booking-too-late", hours=config.cancel_cutoff_hours)
        await prompt_manage(update, context)
        return S.MANAGE
    if result.outcome != "ok" or result.booking is None:
        await say(update, context, "booking-gone")
        return await context.nav.go("menu", update, context)
    services.outbox_wakeup.set()
    await _save(context, Here(result.booking.case.id))
    await say(update, context, "booking-cancelled", inline([
        [(context.t("btn-booking-book-again"), cb("nav", "booking", result.booking.case.id))]]))
    return await context.nav.go("menu", update, context)


# -- reminders ------------------------------------------------------------------------------------

def _missed(services: Services, booking: BookingOut, kind: str) -> Missed:
    """Too late: recorded as missed, and the coordinators are told (no clinical text)."""
    zone = services.settings.DEFAULT_TIMEZONE
    when = f"{booking.starts_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
    return Missed(alerts=tuple(coordinator_alert(
        services, "booking-alert-missed", kind=kind, when=when,
        number=booking.case.number or f"#{booking.case.id}")))


async def _live(services: Services, reminder: ReminderOut) -> BookingOut | None:
    """The reminder's consultation, if it is still booked at the time the reminder was for."""
    if reminder.appointment_id is None:
        return None
    booking = await services.booking.booking(appointment_id=reminder.appointment_id)
    if booking is None or not booking.booked:
        return None
    if reminder.kind in BEFORE_START and reminder.due_at != expected_due(
            reminder.kind, booking.starts_at, booking.ends_at, _config(services)):
        return None  # written for another time (moved since): never sent
    return booking


async def remind_patient(services: Services, reminder: ReminderOut) -> Decision:
    """24 hours and 1 hour before: the time and the link, in the patient's language and zone."""
    booking = await _live(services, reminder)
    if booking is None:
        return Stale()
    now = services.clock.now()
    in_progress = booking.starts_at <= now < booking.ends_at
    if now >= booking.starts_at and not (in_progress and reminder.kind == KIND_HOUR_BEFORE):
        if in_progress:
            return Stale()  # the hour-before reminder, due too, tells them to join now
        return _missed(services, booking, reminder.kind)
    if (reminder.kind == KIND_DAY_BEFORE
            and now >= booking.starts_at - BEFORE_START[KIND_HOUR_BEFORE]):
        return Stale()  # late: the hour-before reminder, due too, says the same now
    patient = booking.patient
    lang, zone = patient.language, _patient_zone(services, patient)
    render = services.texts.render
    link = video_link(_config(services), booking.appointment.video_room)
    # The bot was down through the hour before: the consultation has begun, and there is still
    # time to join; the coordinators hear that the reminder came late.
    key = ("booking-reminder-now" if in_progress else
           "booking-reminder-day" if reminder.kind == KIND_DAY_BEFORE else
           "booking-reminder-hour")
    late = _missed(services, booking, reminder.kind).alerts if in_progress else ()
    text = render(lang, key, physician=booking.physician, video_url=link,
                  date=fmt_date(services.texts, lang, booking.starts_at, zone),
                  time=fmt_time(booking.starts_at, zone),
                  zone=zone_label(services.texts, lang, zone, short=True))
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(render(lang, "btn-booking-join"), url=link)],
        [InlineKeyboardButton(render(lang, "btn-booking-manage"),
                              callback_data=cb("nav", "booking_manage", booking.id))]])
    return Send(patient.chat_id, message_payload(patient.chat_id, text, markup), also=late)


async def remind_coordinators(services: Services, reminder: ReminderOut) -> Decision:
    """15 minutes before, to the coordinators: case number, time and physician."""
    booking = await _live(services, reminder)
    targets = coordinator_targets(services)
    if booking is None or not targets:
        return Stale()
    if services.clock.now() >= booking.starts_at:
        return _missed(services, booking, reminder.kind)
    zone = services.settings.DEFAULT_TIMEZONE
    items = coordinator_alert(services, "booking-alert-soon",
                              number=booking.case.number or f"#{booking.case.id}",
                              time=fmt_time(booking.starts_at, zone),
                              zone=zone_label(services.texts,
                                              services.settings.DEFAULT_LANGUAGE, zone,
                                              short=True),
                              physician=booking.physician)
    first, *rest = items
    return Send(first.chat_id, first.payload, also=tuple(rest))


async def ask_feedback(services: Services, reminder: ReminderOut) -> Decision:
    """After the consultation: how did it go (1–5)? Not after a no-show or a cancellation."""
    booking = await _live(services, reminder)
    if booking is None or booking.feedback is not None:
        return Stale()
    if services.clock.now() - booking.ends_at > FOLLOWUP_USEFUL_FOR:
        return _missed(services, booking, reminder.kind)
    patient = booking.patient
    lang = patient.language
    text = services.texts.render(lang, "booking-followup", physician=booking.physician)
    markup = inline([[(services.texts.render(lang, "btn-booking-rate", stars=str(n)),
                       cb("nav", "booking_rate", f"{booking.id}_{n}")) for n in range(1, 6)]])
    return Send(patient.chat_id, message_payload(patient.chat_id, text, markup))


# -- assembly -------------------------------------------------------------------------------------

def _buttons() -> Handlers:
    return [CallbackQueryHandler(on_button, pattern=pattern(FEATURE))]


def build_booking_conversation() -> Flow:
    text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    states: dict[str, Handlers] = {state: _buttons() for state in BookingState}
    states[S.TIMEZONE] = [*_buttons(), MessageHandler(text, on_timezone_text)]
    states[S.COMMENT] = [*_buttons(), MessageHandler(text, on_comment_text)]
    return Flow(
        name="booking",
        states=states,
        prompts={S.TIMEZONE: prompt_timezone, S.DAY: prompt_day, S.TIME: prompt_time,
                 S.CONFIRM: prompt_confirm, S.MANAGE: prompt_manage, S.CANCEL: prompt_cancel,
                 S.COMMENT: prompt_comment},
        entries={"booking": enter_booking, "booking_manage": enter_manage,
                 "booking_rate": enter_rate},
        reminders={KIND_DAY_BEFORE: remind_patient, KIND_HOUR_BEFORE: remind_patient,
                   KIND_COORDINATORS: remind_coordinators, KIND_FOLLOWUP: ask_feedback},
    )

