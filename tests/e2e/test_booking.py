"""Online consultation end to end, through the Bot API emulator: coordinators publish, list and
remove slots; a patient is offered a consultation, gives a time zone once, sees the free times
in their own time (and the physician's where it differs), books, gets the link and a calendar
file; reschedules and cancels with buttons until the cut-off; two patients race for one slot;
reminders 24 h, 1 h and 15 min before, then the follow-up and its rating; stale reminders are
never sent; reminders that fell due while the bot was down are sent late or marked missed (and
shown to coordinators), across 10 s, 2 h and 26 h of downtime and a daylight-saving change."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from storage.models import (
    Appointment,
    AuditEvent,
    Case,
    ConsultFeedback,
    ConversationState,
    OutboxMessage,
    Reminder,
)
from tests.e2e.test_coordinator import drained, submit_case

H = timedelta(hours=1)
M = timedelta(minutes=1)
#: A Tuesday, 08:00 in Ho Chi Minh City (the service's DEFAULT_TIMEZONE).
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
EXPERT = "Dr. Ada Lovelace"


# -- helpers --------------------------------------------------------------------------------------

def has(data: str):
    return lambda m: any(d == data for _label, d in m.buttons)


def has_prefix(prefix: str):
    return lambda m: any((d or "").startswith(prefix) for _label, d in m.buttons)


def data_of(message, prefix: str) -> str:
    return next(d for _label, d in message.buttons if (d or "").startswith(prefix))


def label_of(message, data: str) -> str:
    return next(label for label, d in message.buttons if d == data)


def text_has(*parts: str):
    return lambda m: all(p in m.text for p in parts)


def at(bot, moment: datetime) -> None:
    """Move the bot's clock to ``moment`` (real seconds keep passing on top)."""
    bot.clock.advance(moment - bot.clock.now())


async def reported(bot, emulator, *, lang="en", first_name="Lan", expert=EXPERT,
                   track="domestic", zone=None):
    """A consented patient whose case has the expert's report."""
    user, case = await submit_case(bot, emulator, lang=lang, first_name=first_name, track=track)
    async with bot.services.db.transaction() as s:
        row = await s.get(Case, case.id)
        row.expert_name, row.report_at, row.status = expert, bot.clock.now(), "report_ready"
    if zone is not None:
        await bot.services.patients.set_timezone(telegram_user_id=user.id, timezone=zone)
    return user, await bot.services.cases.get(case_id=case.id)


async def publish(bot, *starts, physician=EXPERT, track="domestic", zone="Asia/Ho_Chi_Minh",
                  minutes=30):
    result = await bot.services.booking.publish(
        coordinator_id=9001, physician=physician, track=track, timezone=zone,
        starts=[(start, minutes) for start in starts])
    return list(result.created)


async def invite(coordinators, patient, case):
    """A coordinator offers the consultation; the patient presses the offer's Book button."""
    await coordinators.first.send_text(f"/offer {case.number}")
    await coordinators.first.wait_for_message(text_has("can now book"))
    offer = await patient.wait_for_message(has(f"nav:booking:{case.id}"), timeout=10)
    assert case.number in offer.text
    await patient.press(offer, callback_data=f"nav:booking:{case.id}")


async def choose(patient, days_message, slot, zone="Asia/Ho_Chi_Minh"):
    """From the day list: the slot's day, then the slot; returns the confirmation."""
    day = slot.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    await patient.press(days_message, callback_data=f"book:day:{day}")
    times = await patient.wait_for_message(has(f"book:slot:{slot.id}"))
    await patient.press(times, callback_data=f"book:slot:{slot.id}")
    return await patient.wait_for_message(has(f"book:ok:{slot.id}"))


async def book(bot, patient, coordinators, case, slot):
    """The whole way from the offer to the booked card."""
    await invite(coordinators, patient, case)
    days = await patient.wait_for_message(has_prefix("book:day:"))
    confirm = await choose(patient, days, slot)
    await patient.press(confirm, callback_data=f"book:ok:{slot.id}")
    card = await patient.wait_for_message(text_has("Your online consultation"))
    return card, await appointment_of(bot, case)


async def appointment_of(bot, case):
    async with bot.services.db.read() as s:
        return (await s.execute(select(Appointment).where(Appointment.case_id == case.id)
                                .order_by(Appointment.id.desc()))).scalars().first()


async def reminders_of(bot, appointment_id, status=None):
    async with bot.services.db.read() as s:
        stmt = select(Reminder).where(Reminder.appointment_id == appointment_id)
        if status is not None:
            stmt = stmt.where(Reminder.status == status)
        return list((await s.execute(stmt.order_by(Reminder.due_at))).scalars())


async def fire_due(bot):
    await bot.running.reminders.refill()


def count(patient, predicate) -> int:
    return sum(1 for m in patient.messages if predicate(m))


async def calm(emulator, bot, seconds=0.4):
    """Let queued work (jobs, the outbox) run, then the emulator go idle."""
    await asyncio.sleep(seconds)
    await drained(bot)
    await emulator.wait_idle()


# -- coordinators publish, list and remove slots ----------------------------------------------------

async def test_coordinator_publishes_in_bulk_lists_and_removes(bot, emulator, coordinators):
    at(bot, T0)
    coord = coordinators.first
    await coord.send_text("/publish")
    await coord.wait_for_message(text_has("step 1 of 4"))
    await coord.send_text(EXPERT)
    track = await coord.wait_for_message(has("bka:track:domestic"))
    await coord.press(track, callback_data="bka:track:domestic")
    await coord.wait_for_message(has_prefix("bka:zone:"))
    await coord.send_text("new york")  # a typed city
    await coord.wait_for_message(text_has("Step 4 of 4", "America/New_York"))
    # The state survives a restart.
    await bot.restart()
    await coord.send_text("weekdays 2026-12-07..2026-12-18 09:00-12:00 30\n2026-11-30 07:00 30")
    done = await coord.wait_for_message(text_has("Published 60 slots"))
    assert "1 in the past" in done.text and "Mon 7 Dec 2026 09:00" in done.text
    assert "Fri 18 Dec 2026 11:30" in done.text
    slots = await bot.services.booking.free_slots(start=T0, end=T0 + 30 * 24 * H)
    assert len(slots) == 60 and {s.physician for s in slots} == {EXPERT}
    assert slots[0].starts_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 09:00 EST
    async with bot.services.db.read() as s:
        waiting = (await s.execute(select(ConversationState).where(
            ConversationState.name == "booking_admin"))).scalars().all()
    assert waiting == []
    # A bad line is explained, and nothing is published until it is right.
    await coord.send_text("/publish")
    await coord.wait_for_message(text_has("step 1 of 4"))
    await coord.send_text("Dr. Bo")
    track = await coord.wait_for_message(has("bka:track:international"))
    await coord.press(track, callback_data="bka:track:international")
    zones = await coord.wait_for_message(has("bka:zone:c0"))
    await coord.press(zones, callback_data="bka:zone:c0")
    await coord.wait_for_message(text_has("Step 4 of 4"))
    await coord.send_text("2026-12-03 09:00 30\nweekdays 2026-12-20..2026-12-01 09:00-10:00 30")
    await coord.wait_for_message(text_has("Line 2", "must go forward"))
    await coord.send_text("/cancel")
    await coord.wait_for_message(text_has("Nothing was published"))
    assert len(await bot.services.booking.free_slots(start=T0, end=T0 + 30 * 24 * H)) == 60
    # /slots lists them with remove buttons, page by page.
    await coord.send_text("/slots")
    listing = await coord.wait_for_message(text_has("Free consultation slots", "page 1 of 4"))
    first = slots[0]
    assert f"#{first.id} · Mon 7 Dec 2026 09:00–09:30 (New York) · {EXPERT} · domestic" in (
        listing.text)
    await coord.press(listing, callback_data=f"bka:rm:{first.id}_0")
    await coord.wait_for_message(lambda m: m.edited and f"#{first.id} ·" not in m.text
                                 and "page 1 of 4" in m.text)
    await coord.press(listing, callback_data="bka:slots:1")
    await coord.wait_for_message(lambda m: m.edited and "page 2 of 4" in m.text)
    assert len(await bot.services.booking.free_slots(start=T0, end=T0 + 30 * 24 * H)) == 59


async def test_only_coordinators_may(bot, emulator, coordinators):
    stranger = emulator.user(first_name="Mallory")
    for command in ("/publish", "/slots", "/agenda", "/offer SO-1"):
        await stranger.send_text(command)
        await stranger.wait_for_message(text_has("only the service's coordinators"))
    query = await stranger.press_data("bka:rm:1_0", message_id=1)
    answer = await stranger.wait_for_callback_answer(query)
    assert "only the service's coordinators" in answer.text
    # In the group, a member who is not a coordinator is refused too.
    member = emulator.user(first_name="Guest")
    coordinators.group.add_member(member)
    await member.send_text("/agenda", chat=coordinators.group)
    await coordinators.group.wait_for_message(text_has("only the service's coordinators"))
    async with bot.services.db.read() as s:
        refused = (await s.execute(select(AuditEvent.subject).where(
            AuditEvent.action == "booking_admin.refused"))).scalars().all()
    assert sorted(refused) == sorted(["cmd:publish", "cmd:slots", "cmd:agenda", "cmd:offer",
                                      "bka:rm:1_0", "cmd:agenda"])
    # A coordinator's /agenda in the group goes to their private chat.
    await coordinators.first.send_text("/agenda", chat=coordinators.group)
    await coordinators.group.wait_for_message(text_has("private chat"))
    await coordinators.first.wait_for_message(text_has("No consultations today"))


# -- booking ------------------------------------------------------------------------------------------

async def test_booking_from_the_offer_with_time_zones_link_and_calendar(bot, emulator,
                                                                        coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator)
    # The physician works in New York; the patient lives in Ho Chi Minh City.
    slot, later = await publish(bot, datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
                                datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
                                zone="America/New_York")
    await publish(bot, T0 + 30 * H, physician="Dr. Somebody Else")  # not this case's expert
    await invite(coordinators, patient, case)
    # The time zone is asked once, suggested first.
    ask = await patient.wait_for_message(has("book:tz:c0"))
    assert "Vietnam" in label_of(ask, "book:tz:c0")
    await patient.press(ask, callback_data="book:tz:c0")
    days = await patient.wait_for_message(has_prefix("book:day:"))
    assert f"your expert, {EXPERT}" in days.text and "Vietnam" in days.text
    assert [label for label, d in days.buttons if d.startswith("book:day:")] == [
        "Thu 3 Dec · 2 times"]
    await patient.press(days, callback_data="book:day:20261203")
    times = await patient.wait_for_message(has(f"book:slot:{slot.id}"))
    # 21:00 in Ho Chi Minh City is 09:00 in New York.
    assert label_of(times, f"book:slot:{slot.id}") == "21:00 · 09:00"
    assert label_of(times, f"book:slot:{later.id}") == "22:00 · 10:00"
    assert "physician's own time (New York)" in times.text
    await patient.press(times, callback_data=f"book:slot:{slot.id}")
    confirm = await patient.wait_for_message(has(f"book:ok:{slot.id}"))
    assert "Thu 3 Dec 2026, 21:00–21:30 your time" in confirm.text
    assert "For the physician: Thu 3 Dec 2026, 09:00–09:30 (New York)" in confirm.text
    await patient.press(confirm, callback_data=f"book:ok:{slot.id}")
    await patient.wait_for_message(text_has("Booked!"))
    card = await patient.wait_for_message(has_prefix("book:cancel:"))
    appointment = await appointment_of(bot, case)
    link = f"https://meet.jit.si/so-{appointment.video_room}"
    assert link in card.text and (label_of(card, link) == "🎥 Join the video call")
    assert len(appointment.video_room) == 32
    # The calendar file, through the outbox, in the patient's zone.
    document = await patient.wait_for_message(lambda m: m.document is not None, timeout=10)
    assert document.document.file_name == "consultation.ics"
    assert link in document.text
    ics = Calendar.from_ical(document.document.data)
    event = next(iter(ics.walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == slot.starts_at
    assert "TZID=Asia/Ho_Chi_Minh" in document.document.data.decode()
    assert str(event["location"]) == link and EXPERT in str(event["description"])
    # The coordinators are told (no clinical text), and the reminders are in the database.
    await coordinators.group.wait_for_message(text_has("Consultation booked", case.number,
                                                       "2026-12-03 21:00"))
    reminders = await reminders_of(bot, appointment.id)
    assert [(r.kind, r.due_at) for r in reminders] == [
        ("booking_24h", slot.starts_at - 24 * H), ("booking_1h", slot.starts_at - H),
        ("booking_15m", slot.starts_at - 15 * M), ("booking_followup", slot.ends_at + 15 * M)]
    # Coming back to the offer shows the booking rather than a second one.
    await invite(coordinators, patient, case)
    again = await patient.wait_for_message(has_prefix("book:cancel:"))
    assert "21:00" in again.text
    # The free times no longer include it.
    free = await bot.services.booking.free_slots_for(case=case, start=T0, end=T0 + 14 * 24 * H)
    assert [s.id for s in free] == [later.id]


async def test_a_typed_city_and_vietnamese(bot, emulator, coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator, lang="vi", first_name="Minh")
    (slot,) = await publish(bot, T0 + 26 * H)
    await invite(coordinators, patient, case)
    ask = await patient.wait_for_message(has("book:tz:c0"))
    assert "múi giờ" in ask.text
    await patient.send_text("Londn")  # near enough
    await patient.wait_for_message(text_has("Luân Đôn"))
    days = await patient.wait_for_message(has_prefix("book:day:"))
    assert "Tư vấn trực tuyến" in days.text
    # 10:00 on Wednesday in Ho Chi Minh City is 03:00 in London; both are shown.
    confirm = await choose(patient, days, slot, zone="Europe/London")
    assert "Thứ Tư, 2/12/2026, 03:00–03:30 giờ của bạn (Luân Đôn)" in confirm.text
    assert "Theo giờ của bác sĩ: Thứ Tư, 2/12/2026, 10:00–10:30" in confirm.text
    assert (await bot.services.patients.get(telegram_user_id=patient.id)).timezone == (
        "Europe/London")


async def test_reschedule_and_cancel_with_buttons_until_the_cutoff(bot, emulator, coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    third, first, second = await publish(bot, T0 + 20 * H, T0 + 48 * H, T0 + 72 * H)
    card, appointment = await book(bot, patient, coordinators, case, first)
    await patient.wait_for_message(lambda m: m.document is not None, timeout=10)
    await coordinators.group.wait_for_message(text_has("Consultation booked"))
    # An old "Book this time" pressed while managing the booking books nothing and moves
    # nothing: changing the time takes the "Change the time" button.
    await patient.press_data(f"book:ok:{third.id}", message_id=card.message_id)
    await patient.wait_for_message(text_has("already have a consultation booked"))
    card = await patient.wait_for_message(has_prefix("book:resched:"))
    assert (await appointment_of(bot, case)).slot_id == first.id
    # Change the time: the days come back, with "keep my current time".
    await patient.press(card, callback_data=f"book:resched:{appointment.id}")
    days = await patient.wait_for_message(has("book:keep"))
    assert "new time" in days.text
    confirm = await choose(patient, days, second)
    await patient.press(confirm, callback_data=f"book:ok:{second.id}")
    await patient.wait_for_message(text_has("Moved."))
    card = await patient.wait_for_message(has_prefix("book:cancel:"))
    assert "Fri 4 Dec 2026, 08:00–08:30" in card.text
    document = await patient.wait_for_message(lambda m: m.document is not None, timeout=10)
    event = next(iter(Calendar.from_ical(document.document.data).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == second.starts_at
    assert str(event["uid"]) == f"consultation-{appointment.id}@second-opinion"
    await coordinators.group.wait_for_message(text_has("Consultation moved", "2026-12-04"))
    moved = await appointment_of(bot, case)
    assert (moved.id, moved.slot_id, moved.starts_at) == (appointment.id, second.id,
                                                          second.starts_at)
    assert {r.due_at for r in await reminders_of(bot, moved.id, "pending")} == {
        second.starts_at - 24 * H, second.starts_at - H, second.starts_at - 15 * M,
        second.ends_at + 15 * M}
    free = await bot.services.booking.free_slots(start=T0, end=T0 + 100 * H)
    assert sorted(s.id for s in free) == sorted([first.id, third.id])
    # Cancel: asked once, then the slot is free and every reminder is cancelled.
    await patient.press(card, callback_data=f"book:cancel:{appointment.id}")
    ask = await patient.wait_for_message(has(f"book:cancelok:{appointment.id}"))
    assert "Fri 4 Dec 2026" in ask.text
    await patient.press(ask, callback_data="book:keep")
    card = await patient.wait_for_message(has_prefix("book:cancel:"))
    await patient.press(card, callback_data=f"book:cancel:{appointment.id}")
    ask = await patient.wait_for_message(has(f"book:cancelok:{appointment.id}"))
    await patient.press(ask, callback_data=f"book:cancelok:{appointment.id}")
    done = await patient.wait_for_message(text_has("is cancelled"))
    assert has(f"nav:booking:{case.id}")(done)
    await coordinators.group.wait_for_message(text_has("Consultation cancelled"))
    # The calendar file that takes the event off the patient's calendar: same UID, later.
    removal = await patient.wait_for_message(
        lambda m: m.document is not None and b"METHOD:CANCEL" in m.document.data, timeout=10)
    assert "is cancelled" in removal.text and removal.document.file_name == "consultation.ics"
    gone = next(iter(Calendar.from_ical(removal.document.data).walk("VEVENT")))
    assert str(gone["uid"]) == str(event["uid"]) and str(gone["status"]) == "CANCELLED"
    assert int(gone["sequence"]) > int(event["sequence"])
    cancelled = await appointment_of(bot, case)
    assert cancelled.status == "cancelled" and cancelled.slot_id is None
    assert await reminders_of(bot, cancelled.id, "pending") == []
    # Book again (the nearer time), then the cut-off: 12 hours before, no more changes.
    await patient.press(done, callback_data=f"nav:booking:{case.id}")
    days = await patient.wait_for_message(has_prefix("book:day:"))
    confirm = await choose(patient, days, third)
    await patient.press(confirm, callback_data=f"book:ok:{third.id}")
    card = await patient.wait_for_message(has_prefix("book:cancel:"))
    late = await appointment_of(bot, case)
    at(bot, third.starts_at - 11 * H)
    await patient.press(card, callback_data=f"book:cancel:{late.id}")
    await patient.wait_for_message(text_has("less than 12 hours"))
    locked = await patient.wait_for_message(text_has("Your online consultation"))
    assert not has_prefix("book:cancel:")(locked) and not has_prefix("book:resched:")(locked)
    assert (await appointment_of(bot, case)).status == "booked"


async def test_buttons_are_never_trusted(bot, emulator, coordinators):
    at(bot, T0)
    owner, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    (slot,) = await publish(bot, T0 + 48 * H)
    _card, appointment = await book(bot, owner, coordinators, case, slot)
    intruder, other_case = await reported(bot, emulator, first_name="Eve",
                                          zone="Asia/Ho_Chi_Minh")
    # Someone else's case, appointment or rating: nothing happens to them.
    await invite(coordinators, intruder, other_case)
    days = await intruder.wait_for_message(has_prefix("book:"))
    for data in (f"book:cancelok:{appointment.id}", f"book:resched:{appointment.id}",
                 f"book:cancel:{appointment.id}"):
        # From inside the booking flow (outside it, a book: button is just an old button).
        await intruder.press_data(f"nav:booking:{other_case.id}", message_id=days.message_id)
        await intruder.wait_for_message(has("book:days"))
        await intruder.press_data(data, message_id=days.message_id)
        await intruder.wait_for_message(text_has("couldn't find that consultation"))
    await intruder.press_data(f"nav:booking_manage:{appointment.id}",
                              message_id=days.message_id)
    await intruder.wait_for_message(text_has("couldn't find that consultation"))
    await intruder.press_data(f"nav:booking_rate:{appointment.id}_1",
                              message_id=days.message_id)
    await intruder.wait_for_message(text_has("What would you like to do?"))
    # Booking a slot the intruder's case may not book (already taken, or not offered to it).
    await intruder.press_data(f"nav:booking:{case.id}", message_id=days.message_id)
    days = await intruder.wait_for_message(has_prefix("book:"))
    await intruder.press_data(f"book:ok:{slot.id}", message_id=days.message_id)
    await intruder.wait_for_message(text_has("a moment before you"))
    await calm(emulator, bot)
    booked = await appointment_of(bot, case)
    assert (booked.id, booked.status, booked.slot_id) == (appointment.id, "booked", slot.id)
    async with bot.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(ConsultFeedback))
                ).scalar_one() == 0


async def test_two_patients_press_the_same_slot_at_once(bot, emulator, coordinators):
    at(bot, T0)
    ann, ann_case = await reported(bot, emulator, first_name="Ann", zone="Asia/Ho_Chi_Minh")
    bao, bao_case = await reported(bot, emulator, first_name="Bao", zone="Asia/Ho_Chi_Minh")
    contested, spare = await publish(bot, T0 + 30 * H, T0 + 31 * H)
    confirms = []
    for person, case in ((ann, ann_case), (bao, bao_case)):
        await invite(coordinators, person, case)
        days = await person.wait_for_message(has_prefix("book:day:"))
        confirms.append(await choose(person, days, contested))
    await asyncio.gather(ann.press(confirms[0], callback_data=f"book:ok:{contested.id}"),
                         bao.press(confirms[1], callback_data=f"book:ok:{contested.id}"))
    outcomes = {}
    for person in (ann, bao):
        answer = await person.wait_for_message(text_has_any("Booked!", "a moment before you"))
        outcomes[person.first_name] = "won" if "Booked!" in answer.text else "lost"
    assert sorted(outcomes.values()) == ["lost", "won"]
    loser = ann if outcomes["Ann"] == "lost" else bao
    # The one who lost is told kindly and offered the other free times.
    offered = await loser.wait_for_message(has(f"book:slot:{spare.id}"))
    assert not has(f"book:slot:{contested.id}")(offered)
    async with bot.services.db.read() as s:
        held = (await s.execute(select(Appointment).where(Appointment.slot_id == contested.id))
                ).scalars().all()
    assert len(held) == 1
    # And can take the spare one.
    await loser.press(offered, callback_data=f"book:slot:{spare.id}")
    confirm = await loser.wait_for_message(has(f"book:ok:{spare.id}"))
    await loser.press(confirm, callback_data=f"book:ok:{spare.id}")
    await loser.wait_for_message(text_has("Booked!"))


def text_has_any(*parts: str):
    return lambda m: any(p in m.text for p in parts)


# -- reminders ------------------------------------------------------------------------------------------

async def test_reminders_before_and_the_follow_up_after(bot, emulator, coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    (slot,) = await publish(bot, T0 + 50 * H)
    _card, appointment = await book(bot, patient, coordinators, case, slot)
    link = f"https://meet.jit.si/so-{appointment.video_room}"
    await calm(emulator, bot)
    # Not yet due: nothing. (Outside the scheduler's 5-minute window: a job queued for real
    # seconds ahead would not follow the test's clock jump.)
    at(bot, slot.starts_at - 24 * H - 10 * M)
    await fire_due(bot)
    await calm(emulator, bot)
    assert count(patient, text_has("Reminder")) == 0
    # 24 hours before.
    at(bot, slot.starts_at - 24 * H + timedelta(seconds=5))
    await fire_due(bot)
    day = await patient.wait_for_message(text_has("Reminder", "Thu 3 Dec 2026 at 10:00"),
                                         timeout=10)
    assert link in day.text and has(f"nav:booking_manage:{appointment.id}")(day)
    # 1 hour before.
    at(bot, slot.starts_at - H + timedelta(seconds=5))
    await fire_due(bot)
    hour = await patient.wait_for_message(text_has("in about an hour", "10:00"), timeout=10)
    assert link in hour.text
    # The reminder's button opens the booking, from any step.
    await patient.send_text("/menu")
    await patient.wait_for_message(text_has("What would you like to do?"))
    await patient.press(hour, callback_data=f"nav:booking_manage:{appointment.id}")
    managed = await patient.wait_for_message(text_has("Your online consultation"))
    assert not has_prefix("book:cancel:")(managed)  # past the cut-off
    # 15 minutes before, to the coordinators (no link, no clinical text).
    at(bot, slot.starts_at - 15 * M + timedelta(seconds=5))
    await fire_due(bot)
    soon = await coordinators.group.wait_for_message(text_has("in 15 minutes", case.number),
                                                     timeout=10)
    assert link not in soon.text and EXPERT in soon.text
    # After the end: how did it go?
    at(bot, slot.ends_at + 15 * M + timedelta(seconds=5))
    await fire_due(bot)
    ask = await patient.wait_for_message(text_has("How did your consultation"), timeout=10)
    assert [d for _l, d in ask.buttons] == [f"nav:booking_rate:{appointment.id}_{n}"
                                            for n in range(1, 6)]
    await patient.press(ask, callback_data=f"nav:booking_rate:{appointment.id}_4")
    await patient.wait_for_message(text_has("add a few words"))
    await patient.send_text("Clear and kind, thank you.")
    await patient.wait_for_message(text_has("Thank you for telling us"))
    async with bot.services.db.read() as s:
        feedback = await s.get(ConsultFeedback, appointment.id)
    assert (feedback.rating, feedback.comment) == (4, "Clear and kind, thank you.")
    assert {r.status for r in await reminders_of(bot, appointment.id)} == {"sent"}
    # Nothing is sent twice, whatever refills and restarts follow.
    await bot.restart()
    await fire_due(bot)
    await calm(emulator, bot)
    assert count(patient, text_has("Reminder")) == 1
    assert count(patient, text_has("in about an hour")) == 1
    assert count(patient, text_has("How did your consultation")) == 1


async def test_a_stale_reminder_is_never_sent(bot, emulator, coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    first, second = await publish(bot, T0 + 30 * H, T0 + 80 * H)
    card, appointment = await book(bot, patient, coordinators, case, first)
    # A reminder for the old time, left pending as if by a crash, and the booking moved.
    await patient.press(card, callback_data=f"book:resched:{appointment.id}")
    days = await patient.wait_for_message(has("book:keep"))
    confirm = await choose(patient, days, second)
    await patient.press(confirm, callback_data=f"book:ok:{second.id}")
    await patient.wait_for_message(text_has("Moved."))
    leftover = await bot.services.reminders.schedule(
        kind="booking_24h", due_at=first.starts_at - 24 * H, patient_id=None,
        case_id=case.id, appointment_id=appointment.id)
    at(bot, first.starts_at - 30 * M)
    await fire_due(bot)
    await calm(emulator, bot, 1.0)
    assert count(patient, text_has("Reminder")) == 0
    assert count(patient, text_has("in about an hour")) == 0
    assert (await bot.services.reminders.get(reminder_id=leftover.id)).status == "cancelled"
    # A cancelled consultation's reminders never fire either.
    await patient.send_text("/menu")
    await patient.wait_for_message(text_has("What would you like to do?"))
    await patient.press_data(f"nav:booking_manage:{appointment.id}",
                             message_id=patient.last_message.message_id)
    card = await patient.wait_for_message(has(f"book:cancel:{appointment.id}"))
    await patient.press(card, callback_data=f"book:cancel:{appointment.id}")
    ask = await patient.wait_for_message(has(f"book:cancelok:{appointment.id}"))
    await patient.press(ask, callback_data=f"book:cancelok:{appointment.id}")
    await patient.wait_for_message(text_has("is cancelled"))
    at(bot, second.ends_at + H)
    await fire_due(bot)
    await calm(emulator, bot, 1.0)
    assert count(patient, text_has("Reminder")) == 0
    assert count(patient, text_has("How did your consultation")) == 0
    assert all(r.status == "cancelled" for r in await reminders_of(bot, appointment.id))


@pytest.mark.parametrize("downtime", ["10s", "2h", "26h"])
async def test_reminders_after_downtime(bot, emulator, coordinators, downtime):
    """The bot stops, time passes, the bot starts: a reminder that fell due meanwhile is sent
    late while the consultation is still ahead, else marked missed and shown to coordinators;
    none is sent twice."""
    at(bot, T0)
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    (slot,) = await publish(bot, T0 + 25 * H)
    _card, appointment = await book(bot, patient, coordinators, case, slot)
    await coordinators.group.wait_for_message(text_has("Consultation booked"))
    await calm(emulator, bot)
    start = slot.starts_at
    if downtime == "10s":
        at(bot, start - 24 * H - timedelta(seconds=5))  # just before the day-before reminder
        gap = timedelta(seconds=10)
    elif downtime == "2h":
        at(bot, start - 24 * H + timedelta(seconds=5))
        await fire_due(bot)
        await patient.wait_for_message(text_has("Reminder"), timeout=10)
        at(bot, start - 2 * H - 30 * M)  # the hour-before reminder falls due while down
        gap = 2 * H
    else:
        at(bot, start - 24 * H - 30 * M)  # everything falls due while down
        gap = 26 * H
    await bot.shutdown()
    bot.clock.advance(gap)
    await bot.start()  # the first refill runs at once
    await fire_due(bot)
    statuses = {}
    if downtime == "10s":
        late = await patient.wait_for_message(text_has("Reminder", "09:00"), timeout=10)
        assert f"so-{appointment.video_room}" in late.text
        statuses = {"booking_24h": "sent", "booking_1h": "pending", "booking_15m": "pending",
                    "booking_followup": "pending"}
    elif downtime == "2h":
        late = await patient.wait_for_message(text_has("in about an hour"), timeout=10)
        assert "09:00" in late.text
        statuses = {"booking_24h": "sent", "booking_1h": "sent", "booking_15m": "pending",
                    "booking_followup": "pending"}
    else:
        # The consultation is over: the reminders are missed, the coordinators told; the
        # follow-up question is still worth asking.
        await patient.wait_for_message(text_has("How did your consultation"), timeout=10)
        kinds = ("day-before reminder", "hour-before reminder", "15-minute reminder")
        for _ in range(3):  # in any order
            await coordinators.group.wait_for_message(text_has("could not be sent in time"),
                                                      timeout=10)
        alerts = [m.text for m in coordinators.group.messages if "in time" in m.text]
        assert sorted(next(k for k in kinds if k in text) for text in alerts) == sorted(kinds)
        assert all(case.number in text for text in alerts)
        statuses = {"booking_24h": "missed", "booking_1h": "missed", "booking_15m": "missed",
                    "booking_followup": "sent"}
    for _ in range(50):
        found = {r.kind: r.status for r in await reminders_of(bot, appointment.id)}
        if found == statuses:
            break
        await asyncio.sleep(0.05)
    assert found == statuses
    before = (len(patient.messages), len(coordinators.group.messages))
    await bot.restart()
    await fire_due(bot)
    await calm(emulator, bot, 1.0)
    assert (len(patient.messages), len(coordinators.group.messages)) == before
    assert count(patient, text_has("Reminder")) == (0 if downtime == "26h" else 1)
    async with bot.services.db.read() as s:
        alerts = (await s.execute(select(OutboxMessage.payload).where(
            OutboxMessage.chat_id == coordinators.group.id))).scalars().all()
    missed = [p for p in alerts if "could not be sent in time" in json.dumps(p,
                                                                               ensure_ascii=False)]
    assert len(missed) == (3 if downtime == "26h" else 0)


async def test_daylight_saving_change_in_the_physicians_zone(bot, emulator, coordinators):
    """New York springs forward on 14 March 2027: slots at 09:00 there on either side show the
    right local times, and reminders fire at the right UTC instants."""
    at(bot, datetime(2027, 3, 8, 1, 0, tzinfo=UTC))
    coord = coordinators.first
    await coord.send_text("/publish")
    await coord.wait_for_message(text_has("step 1 of 4"))
    await coord.send_text(EXPERT)
    track = await coord.wait_for_message(has("bka:track:domestic"))
    await coord.press(track, callback_data="bka:track:domestic")
    zones = await coord.wait_for_message(has("bka:zone:c6"))
    assert "America/New_York" in label_of(zones, "bka:zone:c6")
    await coord.press(zones, callback_data="bka:zone:c6")
    await coord.wait_for_message(text_has("Step 4 of 4"))
    await coord.send_text("daily 2027-03-12..2027-03-15 09:00-09:30 30")
    await coord.wait_for_message(text_has("Published 4 slots"))
    slots = await bot.services.booking.free_slots(start=bot.clock.now(),
                                                  end=bot.clock.now() + 14 * 24 * H)
    assert [s.starts_at for s in slots] == [
        datetime(2027, 3, 12, 14, 0, tzinfo=UTC), datetime(2027, 3, 13, 14, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 13, 0, tzinfo=UTC), datetime(2027, 3, 15, 13, 0, tzinfo=UTC)]
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    await invite(coordinators, patient, case)
    days = await patient.wait_for_message(has_prefix("book:day:"))
    # Before the change New York is 12 hours behind Ho Chi Minh City; after it, 11.
    labels = []
    for slot, day in zip(slots, ("20270312", "20270313", "20270314", "20270315"), strict=True):
        await patient.press(days, callback_data=f"book:day:{day}")
        times = await patient.wait_for_message(has(f"book:slot:{slot.id}"))
        labels.append(label_of(times, f"book:slot:{slot.id}"))
        await patient.press(times, callback_data="book:days")
        days = await patient.wait_for_message(has_prefix("book:day:"))
    assert labels == ["21:00 · 09:00", "21:00 · 09:00", "20:00 · 09:00", "20:00 · 09:00"]
    after = slots[3]
    confirm = await choose(patient, days, after)
    await patient.press(confirm, callback_data=f"book:ok:{after.id}")
    await patient.wait_for_message(text_has("Booked!"))
    appointment = await appointment_of(bot, case)
    reminders = await reminders_of(bot, appointment.id)
    assert [r.due_at for r in reminders] == [
        datetime(2027, 3, 14, 13, 0, tzinfo=UTC), datetime(2027, 3, 15, 12, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 12, 45, tzinfo=UTC), datetime(2027, 3, 15, 13, 45, tzinfo=UTC)]
    # The day-before reminder fires at 13:00 UTC on the 14th, not an hour off.
    at(bot, datetime(2027, 3, 14, 12, 1, tzinfo=UTC))
    await fire_due(bot)
    await calm(emulator, bot)
    assert count(patient, text_has("Reminder")) == 0
    at(bot, datetime(2027, 3, 14, 13, 0, 1, tzinfo=UTC))
    await fire_due(bot)
    await patient.wait_for_message(text_has("Reminder", "Mon 15 Mar 2027 at 20:00"), timeout=10)


# -- the coordinators' day ----------------------------------------------------------------------------

async def test_agenda_and_no_show(bot, emulator, coordinators):
    at(bot, T0)  # 08:00 in Ho Chi Minh City
    ann, ann_case = await reported(bot, emulator, first_name="Ann", zone="Asia/Ho_Chi_Minh")
    bao, bao_case = await reported(bot, emulator, first_name="Bao", zone="Asia/Ho_Chi_Minh")
    morning, noon = await publish(bot, T0 + 2 * H, T0 + 4 * H)
    (tomorrow,) = await publish(bot, T0 + 26 * H)
    await book(bot, ann, coordinators, ann_case, morning)
    await book(bot, bao, coordinators, bao_case, noon)
    third, third_case = await reported(bot, emulator, first_name="Chi", zone="Asia/Ho_Chi_Minh")
    await book(bot, third, coordinators, third_case, tomorrow)
    coord = coordinators.first
    await coord.send_text("/agenda")
    agenda = await coord.wait_for_message(text_has("Today's consultations"))
    assert "Tue 1 Dec 2026" in agenda.text
    assert f"10:00–10:30 · case {ann_case.number} · {EXPERT} · booked" in agenda.text
    assert f"12:00–12:30 · case {bao_case.number}" in agenda.text
    assert third_case.number not in agenda.text and not agenda.buttons  # nothing started yet
    # Once it has started, the coordinator can mark a no-show: no follow-up then.
    at(bot, noon.starts_at + 10 * M)
    await coord.send_text("/agenda")
    agenda = await coord.wait_for_message(has_prefix("bka:noshow:"))
    bao_appointment = await appointment_of(bot, bao_case)
    await coord.press(agenda, callback_data=f"bka:noshow:{bao_appointment.id}")
    await coord.wait_for_message(lambda m: m.edited and "no-show" in m.text)
    assert (await appointment_of(bot, bao_case)).status == "no_show"
    followup = await reminders_of(bot, bao_appointment.id)
    assert {r.kind: r.status for r in followup}["booking_followup"] == "cancelled"
    at(bot, noon.ends_at + H)
    await fire_due(bot)
    await ann.wait_for_message(text_has("How did your consultation"), timeout=10)
    await calm(emulator, bot)
    assert count(bao, text_has("How did your consultation")) == 0


async def test_no_free_times_tells_the_patient_and_the_coordinators(bot, emulator, coordinators):
    at(bot, T0)
    patient, case = await reported(bot, emulator, zone="Asia/Ho_Chi_Minh")
    await publish(bot, T0 + 15 * 24 * H)  # beyond the 14 days shown
    await publish(bot, T0 + 30 * M)       # too soon to book
    await invite(coordinators, patient, case)
    none = await patient.wait_for_message(text_has("no free times in the next 14 days"))
    assert has("book:days")(none)
    await coordinators.group.wait_for_message(text_has("no free times", case.number))
    # A case without a report and without an offer cannot be booked.
    other = emulator.user(first_name="Dao")
    await other.send_text("/start")
    await other.wait_for_message(has("onb:lang:en"))
    await other.press_data(f"nav:booking:{case.id}", message_id=other.last_message.message_id)
    await other.wait_for_message(text_has("What would you like to do?"))  # no consent yet


# -- every step answers every input -------------------------------------------------------------------

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")


async def test_every_booking_state_answers_every_input(bot, emulator, coordinators):
    from conversations.booking import BookingState
    from tests.e2e.test_every_state import state_of, wait_state

    bot.services.rate_limiter.limit = 1_000_000
    at(bot, T0)
    patient, case = await reported(bot, emulator)
    first, second = await publish(bot, T0 + 48 * H, T0 + 72 * H)
    group = emulator.group(title="Family", members=[patient])

    async def every_input(state):
        kinds = {
            "command": lambda: patient.send_text("/nonsense"),
            "known command": lambda: patient.send_text("/help"),
            "document": lambda: patient.send_document(b"%PDF-1.4 tiny", file_name="a.pdf",
                                                      mime_type="application/pdf"),
            "photo": lambda: patient.send_photo(PNG),
            "sticker": lambda: patient.send_sticker(),
            "voice": lambda: patient.send_voice(),
            "old button": lambda: patient.press_data("guide:emerg:yes", message_id=1),
        }
        if state not in (BookingState.TIMEZONE, BookingState.COMMENT):
            kinds["text"] = lambda: patient.send_text("just some words")
        for kind, send in kinds.items():
            await send()
            try:
                await patient.wait_for_message(timeout=5)
            except AssertionError:
                pytest.fail(f"{state}: no answer to {kind}")
            await emulator.wait_idle()
            assert await state_of(bot, patient) == state, f"{state}: {kind} changed the state"
        query = await patient.press_data("book:days", message_id=1, chat=group)
        answer = await patient.wait_for_callback_answer(query)
        assert answer.text
        await emulator.wait_idle()
        assert await state_of(bot, patient) == state

    await invite(coordinators, patient, case)
    ask = await patient.wait_for_message(has("book:tz:c0"))
    await wait_state(bot, patient, BookingState.TIMEZONE)
    await every_input(BookingState.TIMEZONE)
    await patient.press(ask, callback_data="book:tz:c0")
    days = await patient.wait_for_message(has_prefix("book:day:"))
    await wait_state(bot, patient, BookingState.DAY)
    await every_input(BookingState.DAY)
    day = data_of(days, "book:day:")
    await patient.press(days, callback_data=day)
    times = await patient.wait_for_message(has(f"book:slot:{first.id}"))
    await wait_state(bot, patient, BookingState.TIME)
    await every_input(BookingState.TIME)
    await patient.press(times, callback_data=f"book:slot:{first.id}")
    confirm = await patient.wait_for_message(has(f"book:ok:{first.id}"))
    await wait_state(bot, patient, BookingState.CONFIRM)
    await every_input(BookingState.CONFIRM)
    await patient.press(confirm, callback_data=f"book:ok:{first.id}")
    card = await patient.wait_for_message(has_prefix("book:cancel:"))
    await wait_state(bot, patient, BookingState.MANAGE)
    await every_input(BookingState.MANAGE)
    await patient.press(card, callback_data=data_of(card, "book:cancel:"))
    await patient.wait_for_message(has_prefix("book:cancelok:"))
    await wait_state(bot, patient, BookingState.CANCEL)
    await every_input(BookingState.CANCEL)
    appointment = await appointment_of(bot, case)
    at(bot, first.ends_at + 20 * M)
    await patient.press_data(f"nav:booking_rate:{appointment.id}_5",
                             message_id=card.message_id)
    await patient.wait_for_message(text_has("add a few words"))
    await wait_state(bot, patient, BookingState.COMMENT)
    await every_input(BookingState.COMMENT)
    assert set(BookingState) == {BookingState.TIMEZONE, BookingState.DAY, BookingState.TIME,
                                 BookingState.CONFIRM, BookingState.MANAGE,
                                 BookingState.CANCEL, BookingState.COMMENT}
    del second
