"""The coordinators' side of online consultations: /publish (guided: physician, track, time zone,
then lines of times, bulk too), /slots (free slots, with remove buttons), /agenda (today's
consultations in DEFAULT_TIMEZONE, with a no-show button), and /offer <case number> (the patient
gets a "Book" button through the outbox).

Only users in COORDINATOR_IDS get through, in any chat: anyone else gets a refusal and an audit
event (ids only). What holds links or names goes to the coordinator's private chat. What
/publish waits for is kept in the database (``conversation_states``, name ``booking_admin``, keys
``<user id>:<field>``), so it survives a restart. The handlers run in their own group, after the
console's (whose input handler lets a message through when the console waits for nothing).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update, User
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.alerts import patient_message
from bot.booking import (
    TimesError,
    fmt_date,
    fmt_time,
    load_config,
    parse_times,
    video_link,
)
from bot.callbacks import cb, pattern
from bot.context import BotContext
from bot.keyboards import Button, inline
from bot.timezones import COMMON_ZONES, all_zones, find_zones, zone_from_id, zone_label
from bot.ui import ack, say
from handlers.staff import coordinator_or_refuse, coordinator_press, in_private, send_private
from storage.booking import MAX_PHYSICIAN, TRACKS, BookingOut, SlotOut
from storage.repositories import Outgoing
from storage.schemas import CaseOut, PatientOut

log = logging.getLogger(__name__)

FEATURE = "bka"
AWAIT = "booking_admin"
COMMANDS = ("publish", "slots", "agenda", "offer")
SLOTS_AHEAD = timedelta(days=60)
PAGE = 15
MAX_TEXT = 4000

STEP_NAME = "publish.name"
STEP_TRACK = "publish.track"
STEP_ZONE = "publish.zone"
STEP_TIMES = "publish.times"


# -- who may --------------------------------------------------------------------------------------

async def _coordinator(update: Update, context: BotContext, what: str) -> User | None:
    """The coordinator behind this update, or None after refusing and auditing."""
    return await coordinator_or_refuse(update, context, what, action="booking_admin.refused",
                                       refused="booking-admin-refused")


async def _send_private(update: Update, context: BotContext, user: User, text: str,
                        markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to the coordinator's private chat (and say so in a group)."""
    if not await send_private(update, context, user, text, markup,
                              start_private="booking-admin-start-private"):
        return False
    if not in_private(update) and update.callback_query is None:
        await say(update, context, "booking-admin-sent-private")
    return True


async def _edit_or_private(update: Update, context: BotContext, user: User, text: str,
                           markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message in a private chat; otherwise send privately."""
    query = update.callback_query
    if query is not None and in_private(update) and query.message is not None:
        try:
            await context.bot.edit_message_text(text, chat_id=query.message.chat.id,
                                                message_id=query.message.message_id,
                                                reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
    await _send_private(update, context, user, text, markup)


# -- what /publish waits for ----------------------------------------------------------------------

async def _wait(context: BotContext, user: User) -> dict[str, str]:
    prefix = f"{user.id}:"
    stored = await context.services.booking.get_states(name=AWAIT, prefix=prefix)
    return {key.removeprefix(prefix): value for key, value in stored.items()}


async def _set_wait(context: BotContext, user: User, **values: str | None) -> None:
    await context.services.booking.set_states(
        name=AWAIT, values={f"{user.id}:{key}": value for key, value in values.items()})


async def _clear_wait(context: BotContext, user: User) -> None:
    await context.services.booking.clear_states(name=AWAIT, prefix=f"{user.id}:")


def _track_name(context: BotContext, track: str) -> str:
    return context.t("booking-track", track=track)


def _zone_rows(context: BotContext, zones: list[tuple[str, str]]) -> list[list[Button]]:
    buttons = [((zone_label(context.services.texts, context.lang, zone) + f" ({zone})")[:64],
                cb(FEATURE, "zone", ident)) for zone, ident in zones]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


# -- commands -------------------------------------------------------------------------------------

async def cmd_publish(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:publish")
    if user is not None and await _send_private(update, context, user,
                                                context.t("booking-admin-pub-name")):
        await _clear_wait(context, user)
        await _set_wait(context, user, step=STEP_NAME)
    raise ApplicationHandlerStop


async def cmd_slots(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:slots")
    if user is not None:
        text, markup = await _slots_view(context, 0)
        await _send_private(update, context, user, text, markup)
    raise ApplicationHandlerStop


async def cmd_agenda(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:agenda")
    if user is not None:
        text, markup = await _agenda_view(context)
        await _send_private(update, context, user, text, markup)
    raise ApplicationHandlerStop


async def cmd_offer(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:offer")
    if user is None:
        raise ApplicationHandlerStop
    number = (context.args[0] if context.args else "").strip()
    if not number or len(number) > 32:
        await say(update, context, "booking-admin-offer-usage")
        raise ApplicationHandlerStop
    services = context.services
    case = await services.booking.case_by_number(number=number)
    if case is None:
        await say(update, context, "booking-admin-offer-gone", number=number)
        raise ApplicationHandlerStop

    def notify(case: CaseOut, patient: PatientOut) -> list[Outgoing]:
        lang = patient.language
        markup = inline([[(services.texts.render(lang, "btn-booking-book"),
                           cb("nav", "booking", case.id))]])
        return [patient_message(services, chat_id=patient.chat_id, lang=lang,
                                key="booking-offer", markup=markup,
                                number=case.number or f"#{case.id}")]

    result = await services.booking.offer(case_id=case.id, coordinator_id=user.id,
                                          notify=notify)
    services.outbox_wakeup.set()
    shown = case.number or number
    key = {"ok": "booking-admin-offer-sent", "gone": "booking-admin-offer-gone",
           "not_allowed": "booking-admin-offer-withdrawn"}[result.outcome]
    await say(update, context, key, number=shown)
    raise ApplicationHandlerStop


async def cmd_cancel(update: Update, context: BotContext) -> None:
    """/cancel while /publish waits for input; otherwise it goes on to the next handlers."""
    user = update.effective_user
    if user is None or not context.services.is_coordinator(user.id) or not in_private(update):
        return
    if not await _wait(context, user):
        return
    await _clear_wait(context, user)
    await say(update, context, "booking-admin-cancelled")
    raise ApplicationHandlerStop


# -- views ----------------------------------------------------------------------------------------

async def _slots_view(context: BotContext, page: int
                      ) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    now = services.clock.now()
    slots = await services.booking.free_slots(start=now, end=now + SLOTS_AHEAD)
    days = SLOTS_AHEAD.days
    if not slots:
        return context.t("booking-admin-slots-none", days=days), None
    pages = (len(slots) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = slots[page * PAGE:(page + 1) * PAGE]
    lines = [context.t("booking-admin-slots", days=days, page=page + 1, pages=pages)]
    lines += [_slot_line(context, slot) for slot in shown]
    buttons = [(context.t("btn-booking-admin-remove", id=slot.id),
                cb(FEATURE, "rm", f"{slot.id}_{page}")) for slot in shown]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    paging: list[Button] = []
    if page > 0:
        paging.append((context.t("btn-booking-admin-prev"), cb(FEATURE, "slots", page - 1)))
    if page + 1 < pages:
        paging.append((context.t("btn-booking-admin-next"), cb(FEATURE, "slots", page + 1)))
    rows.append(paging)
    return "\n".join(lines)[:MAX_TEXT], inline(rows)


def _slot_line(context: BotContext, slot: SlotOut) -> str:
    texts, lang = context.services.texts, context.lang
    return context.t("booking-admin-slot-line", id=slot.id,
                     date=fmt_date(texts, lang, slot.starts_at, slot.timezone),
                     start=fmt_time(slot.starts_at, slot.timezone),
                     end=fmt_time(slot.ends_at, slot.timezone),
                     zone=zone_label(texts, lang, slot.timezone, short=True),
                     physician=slot.physician, track=_track_name(context, slot.track))


def _today(context: BotContext) -> tuple[datetime, datetime, str]:
    zone = context.services.settings.DEFAULT_TIMEZONE
    tz = ZoneInfo(zone)
    today = context.services.clock.now().astimezone(tz).date()
    start = datetime.combine(today, time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    return start, end, zone


async def _agenda_view(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    texts, lang = services.texts, context.lang
    start, end, zone = _today(context)
    items = await services.booking.agenda(start=start, end=end)
    values = {"date": fmt_date(texts, lang, start, zone),
              "zone": zone_label(texts, lang, zone, short=True)}
    if not items:
        return context.t("booking-admin-agenda-none", **values), None
    config = load_config(services.settings.DATA_DIR)
    now = services.clock.now()
    lines = [context.t("booking-admin-agenda", **values)]
    rows: list[list[Button]] = []
    for booking in items:
        line = context.t("booking-admin-agenda-line", start=fmt_time(booking.starts_at, zone),
                         end=fmt_time(booking.ends_at, zone), number=_number(booking),
                         physician=booking.physician,
                         status=context.t("booking-status", status=booking.appointment.status),
                         video_url=video_link(config, booking.appointment.video_room))
        if booking.feedback is not None:
            line += " · " + context.t("booking-admin-agenda-rating",
                                      rating=booking.feedback.rating)
        lines.append(line)
        if booking.booked and booking.starts_at <= now:
            rows.append([(context.t("btn-booking-admin-noshow", number=_number(booking),
                                    time=fmt_time(booking.starts_at, zone)),
                          cb(FEATURE, "noshow", booking.id))])
    return "\n\n".join(lines)[:MAX_TEXT], inline(rows) if rows else None


def _number(booking: BookingOut) -> str:
    return booking.case.number or f"#{booking.case.id}"


# -- buttons --------------------------------------------------------------------------------------

async def cb_bka(update: Update, context: BotContext) -> None:
    """Every ``bka:*`` button, from any chat."""
    user, data = await coordinator_press(update, context, "bka", _coordinator)
    if data.action == "slots":
        await ack(update, context)
        text, markup = await _slots_view(context, data.int_id or 0)
        await _edit_or_private(update, context, user, text, markup)
    elif data.action == "rm":
        await _remove(update, context, user, data.id or "")
    elif data.action == "noshow" and data.int_id is not None:
        await _no_show(update, context, user, data.int_id)
    elif data.action == "track" and data.id in TRACKS:
        await _picked_track(update, context, user, data.id)
    elif data.action == "zone":
        await _picked_zone(update, context, user, zone_from_id(data.id))
    else:
        await ack(update, context, "fallback-button")
    raise ApplicationHandlerStop


async def _remove(update: Update, context: BotContext, user: User, ident: str) -> None:
    raw_id, _, raw_page = ident.partition("_")
    if not raw_id.isdigit() or len(raw_id) > 18:
        await ack(update, context, "fallback-button")
        return
    slot_id = int(raw_id)
    result = await context.services.booking.remove_slot(slot_id=slot_id,
                                                        coordinator_id=user.id)
    key = {"ok": "booking-admin-removed", "taken": "booking-admin-remove-taken",
           "gone": "booking-admin-gone"}[result.outcome]
    await ack(update, context, key, alert=result.outcome != "ok", id=slot_id)
    text, markup = await _slots_view(context, int(raw_page) if raw_page.isdigit() else 0)
    await _edit_or_private(update, context, user, text, markup)


async def _no_show(update: Update, context: BotContext, user: User, appointment_id: int
                   ) -> None:
    result = await context.services.booking.mark_no_show(appointment_id=appointment_id,
                                                         coordinator_id=user.id)
    booking = result.booking
    if booking is None:
        await ack(update, context, "booking-admin-gone", alert=True)
        return
    zone = context.services.settings.DEFAULT_TIMEZONE
    values = {"number": _number(booking), "time": fmt_time(booking.starts_at, zone)}
    key = {"ok": "booking-admin-noshow-ok", "already": "booking-admin-noshow-already",
           "too_early": "booking-admin-noshow-early", "gone": "booking-admin-gone"}
    await ack(update, context, key[result.outcome], alert=True, **values)
    if result.outcome == "ok":
        text, markup = await _agenda_view(context)
        await _edit_or_private(update, context, user, text, markup)


async def _picked_track(update: Update, context: BotContext, user: User, track: str) -> None:
    wait = await _wait(context, user)
    await ack(update, context)
    if wait.get("step") != STEP_TRACK:
        return
    await _set_wait(context, user, step=STEP_ZONE, track=track)
    rows = _zone_rows(context, [(zone, f"c{i}") for i, zone in enumerate(COMMON_ZONES)])
    await _send_private(update, context, user, context.t("booking-admin-pub-zone"),
                        inline(rows))


async def _picked_zone(update: Update, context: BotContext, user: User, zone: str | None
                       ) -> None:
    wait = await _wait(context, user)
    await ack(update, context)
    if wait.get("step") != STEP_ZONE or zone is None:
        return
    await _ask_times(update, context, user, wait, zone)


async def _ask_times(update: Update, context: BotContext, user: User, wait: dict[str, str],
                     zone: str) -> None:
    await _set_wait(context, user, step=STEP_TIMES, zone=zone)
    await _send_private(update, context, user, context.t(
        "booking-admin-pub-times", physician=wait.get("physician", ""),
        track=_track_name(context, wait.get("track", "domestic")), zone=zone))


# -- typed input ----------------------------------------------------------------------------------

async def on_admin_input(update: Update, context: BotContext) -> None:
    """A coordinator's message in their private chat while /publish waits for one."""
    user, message = update.effective_user, update.effective_message
    if (user is None or message is None or not in_private(update)
            or not context.services.is_coordinator(user.id)):
        return
    wait = await _wait(context, user)
    step = wait.get("step")
    if step is None:
        return
    text = (message.text or "").strip()
    if step == STEP_NAME:
        name = " ".join(text.split())
        if not name or len(name) > MAX_PHYSICIAN:
            await say(update, context, "booking-admin-pub-name-bad")
        else:
            await _set_wait(context, user, step=STEP_TRACK, physician=name)
            await say(update, context, "booking-admin-pub-track", inline([
                [(context.t("btn-booking-track", track=t), cb(FEATURE, "track", t))
                 for t in TRACKS]]), physician=name)
    elif step == STEP_TRACK:
        await say(update, context, "booking-admin-pub-track", inline([
            [(context.t("btn-booking-track", track=t), cb(FEATURE, "track", t))
             for t in TRACKS]]), physician=wait.get("physician", ""))
    elif step == STEP_ZONE:
        await _typed_zone(update, context, user, wait, text)
    elif step == STEP_TIMES:
        await _typed_times(update, context, user, wait, text)
    else:
        await _clear_wait(context, user)
        return
    raise ApplicationHandlerStop


async def _typed_zone(update: Update, context: BotContext, user: User, wait: dict[str, str],
                      text: str) -> None:
    zones = find_zones(text)
    if len(zones) == 1:
        await _ask_times(update, context, user, wait, zones[0])
        return
    if not zones:
        await say(update, context, "booking-admin-pub-zone-unknown")
        return
    index = {z: i for i, z in enumerate(all_zones())}
    rows = _zone_rows(context, [(z, f"z{index[z]}") for z in zones if z in index])
    await say(update, context, "booking-admin-pub-zone-many", inline(rows))


async def _typed_times(update: Update, context: BotContext, user: User, wait: dict[str, str],
                       text: str) -> None:
    services = context.services
    zone, physician, track = wait.get("zone"), wait.get("physician"), wait.get("track")
    if zone is None or physician is None or track is None or track not in TRACKS:
        await _clear_wait(context, user)
        await say(update, context, "booking-admin-gone")
        return
    try:
        parsed = parse_times(text, ZoneInfo(zone), services.clock.now())
    except TimesError as exc:
        await say(update, context, "booking-admin-pub-error", line=exc.line, reason=exc.reason)
        return
    result = await services.booking.publish(coordinator_id=user.id, physician=physician,
                                            track=track, timezone=zone, starts=parsed.starts)
    await _clear_wait(context, user)
    log.info("coordinator %s published %s slots", user.id, len(result.created))
    texts, lang = services.texts, context.lang
    if result.created:
        first, last = result.created[0], result.created[-1]
        reply = context.t("booking-admin-published", count=len(result.created),
                          physician=physician, track=_track_name(context, track),
                          zone=zone_label(texts, lang, zone, short=True),
                          first=f"{fmt_date(texts, lang, first.starts_at, zone)} "
                                f"{fmt_time(first.starts_at, zone)}",
                          last=f"{fmt_date(texts, lang, last.starts_at, zone)} "
                               f"{fmt_time(last.starts_at, zone)}")
    else:
        reply = context.t("booking-admin-published-none")
    if parsed.past or result.duplicates or parsed.nonexistent:
        reply += "\n" + context.t("booking-admin-skipped", past=parsed.past,
                                  duplicates=result.duplicates, nonexistent=parsed.nonexistent)
    await say_text(update, context, reply)


async def say_text(update: Update, context: BotContext, text: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text)


def booking_admin_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """For one handler group after the console's and before ``private_only``."""
    fresh = filters.UpdateType.MESSAGE
    return [
        CommandHandler("publish", cmd_publish),
        CommandHandler("slots", cmd_slots),
        CommandHandler("agenda", cmd_agenda),
        CommandHandler("offer", cmd_offer),
        CommandHandler("cancel", cmd_cancel, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(cb_bka, pattern=pattern(FEATURE)),
        MessageHandler(fresh & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                       on_admin_input),
    ]

