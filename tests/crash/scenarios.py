"""What the crash suite does to the bot: patients and their files, the named kill points, the
random kills, the faults, and the two plans (the fast part for CI and the whole run).

Named points (each a `CrashHarness.crash_cycle`):

- ``upload:getfile``  SIGKILL when getFile reaches the emulator (a 0.5 s delay is injected on it,
  so the request is in flight);
- ``upload:download`` SIGKILL when the file download request reaches the emulator;
- ``upload:store``    0-120 ms after the download started (type check, encryption, the row);
- ``upload:acked``    SIGKILL when the "Received and stored safely" reply reaches the emulator;
- ``submit:first``    Submit pressed, SIGKILL at the first request the bot makes after it;
- ``submit:reply``    SIGKILL when the reply with the case number reaches the emulator;
- ``submit:random``   0-200 ms after the press; ``submit:double``: pressed twice, then the same;
- ``outbox:startup``  outbox rows queued while the bot was down; on restart every sendMessage is
  slowed (0.4 s) and the bot is killed while the n-th one is in flight (or up to 0.4 s later);
- ``outbox:alert``    a Submit whose coordinators' alert (slowed) is in flight when the kill lands;
- ``reminder:guide``  a guidance reminder ("you were in hospital") due while the bot was down;
  killed while its message (slowed 0.5 s) is in flight, or up to 0.5 s later;
- ``reminder:nudge``  the same with the intake's first nudge for a draft idle for 25 hours;
- ``random``          a random activity (whole journeys, a series of uploads, a Submit, a restart
  with queued messages and reminders, or several at once), killed 0-3 s after it began.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from storage.models import Case, Patient
from storage.repositories import OutboxRepo, ReminderRepo
from tests.conftest import COORDINATOR_CHAT_ID
from tests.crash.harness import (
    ALREADY_SUBMITTED,
    DOWNLOAD_FAILED,
    DUPLICATE,
    ERROR_REPLY,
    RECEIVED,
    STATUS_TITLE,
    SUBMITTED,
    CrashHarness,
    FaultResult,
    HarnessError,
    Upload,
)

if TYPE_CHECKING:
    from sandbox.emulator import EmuMessage, SimulatedUser

T = 15.0  # how long a patient waits for one answer while the bot is up
GUIDE_REMINDER = "A little while ago you were in hospital"
NUDGE = "Your case is waiting for you at step"


# -- patients ---------------------------------------------------------------------------------

def button(data: str) -> Callable[[EmuMessage], bool]:
    return lambda m: any(d == data for _, d in m.buttons)


def button_prefix(prefix: str) -> Callable[[EmuMessage], bool]:
    return lambda m: any((d or "").startswith(prefix) for _, d in m.buttons)


def data_of(message: EmuMessage, prefix: str) -> str:
    return next(d for _, d in message.buttons if d is not None and d.startswith(prefix))


async def onboard(h: CrashHarness, first_name: str = "Ann") -> SimulatedUser:
    patient = h.emulator.user(first_name=first_name, language_code="en")
    await patient.send_text("/start")
    msg = await patient.wait_for_message(button("onb:lang:en"), timeout=T)
    await patient.press(msg, callback_data="onb:lang:en")
    about = await patient.wait_for_message(button("onb:about"), timeout=T)
    await patient.press(about, callback_data="onb:about")
    consent = await patient.wait_for_message(button("onb:consent:yes"), timeout=T)
    await patient.press(consent, callback_data="onb:consent:yes")
    await patient.wait_for_message(button("menu:open:case"), timeout=T)
    return patient


async def to_records(patient: SimulatedUser) -> EmuMessage:
    """From the main menu to the records step (step 8 of 11)."""
    await patient.send_text("/menu")
    menu = await patient.wait_for_message(button("menu:open:case"), timeout=T)
    await patient.press(menu, callback_data="menu:open:case")
    track = await patient.wait_for_message(button("in:track:domestic"), timeout=T)
    await patient.press(track, callback_data="in:track:international")
    spec = await patient.wait_for_message(button("in:unsure"), timeout=T)
    await patient.press(spec, callback_data="in:spec:hematology")
    await patient.wait_for_message(button("in:none:diagnosis"), timeout=T)
    await patient.send_text("Mitral valve prolapse, moderate")
    await patient.wait_for_message(button("in:none:treatment_plan"), timeout=T)
    await patient.send_text("Valve repair surgery proposed for next month")
    surg = await patient.wait_for_message(button("in:none:surgeries"), timeout=T)
    await patient.press(surg, callback_data="in:none:surgeries")
    await patient.wait_for_message(button("in:none:medications"), timeout=T)
    await patient.send_text("Bisoprolol 2.5 mg once a day")
    allg = await patient.wait_for_message(button("in:none:allergies"), timeout=T)
    await patient.press(allg, callback_data="in:none:allergies")
    return await patient.wait_for_message(button("in:next"), timeout=T)


async def sort_records(patient: SimulatedUser, message: EmuMessage) -> EmuMessage:
    """Answer what the records step asks about files sent (kind, then date) until it offers
    to go on; returns the message with the "next" button."""
    for _ in range(40):
        if button("in:next")(message):
            return message
        if button_prefix("in:k_")(message):
            await patient.press(message, callback_data=data_of(message, "in:k_"))
        elif button_prefix("in:d_today:")(message):
            await patient.press(message, callback_data=data_of(message, "in:d_today:"))
        elif button_prefix("in:d_yes:")(message):
            await patient.press(message, callback_data=data_of(message, "in:d_yes:"))
        else:
            raise AssertionError(f"the records step shows no way on: {message.buttons}")
        message = await patient.wait_for_message(
            lambda m: any((d or "").startswith(("in:k_", "in:d_", "in:next"))
                          for _, d in m.buttons), timeout=T)
    raise AssertionError("the records step kept asking about files")


async def to_review(patient: SimulatedUser) -> EmuMessage:
    """From the records step to the review screen (with the Submit button)."""
    await patient.send_text("/menu")
    menu = await patient.wait_for_message(button("menu:open:case"), timeout=T)
    await patient.press(menu, callback_data="menu:open:case")
    records = await patient.wait_for_message(button_prefix("in:"), timeout=T)
    records = await sort_records(patient, records)
    await patient.press(records, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:next"), timeout=T)
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text, timeout=T)
    await patient.press_keyboard("Skip")
    return await patient.wait_for_message(button_prefix("in:submit:"), timeout=T)


async def patient_id(h: CrashHarness, patient: SimulatedUser) -> int:
    async with h.db.read() as s:
        return int((await s.execute(select(Patient.id).where(
            Patient.telegram_user_id == patient.id))).scalar_one())


# -- files ------------------------------------------------------------------------------------

def make_file(rng: Any, kind: str | None = None) -> tuple[bytes, str, str | None]:
    """A valid file with content of its own (no two alike): pdf, jpeg, png, big (a ~3 MB PNG of
    noise, to widen the download and encryption window) or text."""
    kind = kind or rng.choice(["pdf", "jpeg", "png", "text", "pdf", "jpeg"])
    token = f"{rng.getrandbits(64):016x}"
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(1500))
    if kind == "pdf":
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=72, height=72)
        writer.add_metadata({"/CreationDate": f"D:{day:%Y%m%d}101500+00'00'",
                             "/Title": "Lab results", "/Subject": token})
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue(), f"labs-{token[:6]}.pdf", "application/pdf"
    if kind == "text":
        text = f"Blood test {day:%d/%m/%Y}\nHb 13.{rng.randrange(10)} g/dL\nref {token}\n"
        return text.encode(), f"notes-{token[:6]}.txt", "text/plain"
    from PIL import Image

    side = 1000 if kind == "big" else 24
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buf = io.BytesIO()
    if kind == "jpeg":
        image.save(buf, format="JPEG")
        return buf.getvalue(), f"photo-{token[:6]}.jpg", "image/jpeg"
    image.save(buf, format="PNG")
    return buf.getvalue(), f"scan-{token[:6]}.png", "image/png"


def photo(rng: Any) -> bytes:
    return make_file(rng, "jpeg")[0]


# -- a pool of patients in known places --------------------------------------------------------

@dataclass
class Walker:
    """A patient parked at the records step, sending one file after another."""

    user: SimulatedUser
    uploads: int = 0


@dataclass
class Pool:
    h: CrashHarness
    walkers: list[Walker] = field(default_factory=list)
    listeners: list[SimulatedUser] = field(default_factory=list)
    blocked: SimulatedUser | None = None

    async def walker(self) -> Walker:
        for walker in self.walkers:
            if walker.uploads < 12:
                return walker
        patient = await onboard(self.h, "Walker")
        await to_records(patient)
        walker = Walker(patient)
        self.walkers.append(walker)
        return walker

    async def at_review(self) -> tuple[SimulatedUser, EmuMessage]:
        patient = await onboard(self.h, "Submitter")
        await to_records(patient)
        data, name, mime = make_file(self.h.rng)
        await self.h.send_file(patient, data, name, mime, "prepare")
        await patient.wait_for_message(lambda m: RECEIVED in m.text, timeout=T)
        return patient, await to_review(patient)

    async def audience(self) -> tuple[list[SimulatedUser], SimulatedUser]:
        """Three patients to queue outbox messages for, and one who blocked the bot."""
        while len(self.listeners) < 3:
            self.listeners.append(await onboard(self.h, "Listener"))
        if self.blocked is None:
            self.blocked = await onboard(self.h, "Blocked")
            self.blocked.block_bot()
        return self.listeners, self.blocked


# -- helpers shared by the cycles --------------------------------------------------------------

def _maybe_later(h: CrashHarness, most: float) -> float | tuple[float, float]:
    """Kill at once, or up to ``most`` seconds later (half the time each)."""
    choices: list[float | tuple[float, float]] = [0.0, (0.0, most)]
    return h.rng.choice(choices)


def _to(chat_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: str(params.get("chat_id")) == str(chat_id)


def _text(params: dict[str, Any]) -> str:
    return str(params.get("text", ""))


async def resend_unacknowledged(h: CrashHarness, patient: SimulatedUser,
                                uploads: list[Upload]) -> None:
    """After recovery, the patient sends again each file they were never told was received;
    the bot must answer (received, or "already sent this exact file")."""
    if not uploads:
        return
    await h.settle()
    _albums, singles = h.acknowledged()
    for upload in uploads:
        index = next(i for i, u in enumerate(h.uploads) if u is upload)
        if index in singles or upload.album is not None:
            continue
        upload.fate = "stored" if await h.is_stored(patient, upload.sha256) else "lost"
        await h.send_file(patient, upload.data, upload.name, upload.mime,
                          f"{upload.label}:again")
        try:
            await patient.wait_for_message(
                lambda m: RECEIVED in m.text or DUPLICATE in m.text, timeout=T)
        except AssertionError as exc:
            h.violation("5", f"a file sent again after recovery got no answer: "
                             f"{str(exc)[-300:]}")


async def press_until_number(h: CrashHarness, patient: SimulatedUser, message_id: int,
                             data: str) -> None:
    """After recovery the patient presses Submit again: the bot must show the case number."""
    await h.settle()
    await patient.press_data(data, message_id=message_id)
    try:
        await patient.wait_for_message(
            lambda m: SUBMITTED in m.text or ALREADY_SUBMITTED in m.text, timeout=T)
    except AssertionError as exc:
        h.violation("5", f"Submit pressed again after recovery: no case number: "
                         f"{str(exc)[-300:]}")


async def queue_messages(h: CrashHarness, targets: list[SimulatedUser], label: str
                         ) -> list[tuple[int, str]]:
    """Outbox rows written from outside, while the bot is down (as a crash leaves them)."""
    repo = OutboxRepo(h.db, h.clock)
    queued = []
    for n, target in enumerate(targets, start=1):
        text = f"Crash suite {label}: notice <b>{n}</b> #{secrets.token_hex(4)}"
        row_id = await repo.enqueue(chat_id=target.chat_id, method="sendMessage",
                                    payload={"chat_id": target.chat_id, "text": text,
                                             "parse_mode": "HTML"})
        queued.append((row_id, text))
    return queued


async def seed_reminder(h: CrashHarness, patient: SimulatedUser, *, nudge: bool = False,
                        late: float = 0.0, due_in: float = 0.0) -> int:
    """A reminder due now (``late`` seconds overdue, as if it fell due while the bot was down).
    ``nudge``: the intake's first nudge, for a draft left alone for 25 hours."""
    pid = await patient_id(h, patient)
    now = h.clock.now()
    repo = ReminderRepo(h.db, h.clock)
    due = now - timedelta(seconds=late) + timedelta(seconds=due_in)
    key = f"crash:{secrets.token_hex(6)}"
    if nudge:
        async with h.db.transaction() as s:
            case_id = (await s.execute(select(Case.id).where(
                Case.patient_id == pid, Case.status == "draft"))).scalar_one()
            await s.execute(update(Case).where(Case.id == case_id)
                            .values(updated_at=now - timedelta(hours=25)))
        reminder = await repo.schedule(kind="intake_nudge_1", due_at=due, patient_id=pid,
                                       case_id=case_id, dedup_key=key)
        snippet = NUDGE
    else:
        reminder = await repo.schedule(kind="guide.hospital_followup", due_at=due,
                                       patient_id=pid, dedup_key=key)
        snippet = GUIDE_REMINDER
    if reminder is None:
        raise HarnessError("could not seed a reminder")
    h.reminder_checks[reminder.id] = (patient, snippet)
    return reminder.id


async def _spawn_and_wait(h: CrashHarness) -> None:
    h.spawn()
    await asyncio.sleep(60)  # the kill ends this


# -- named points -----------------------------------------------------------------------------

UPLOAD_VARIANTS = ("getfile", "download", "store", "acked")
SUBMIT_VARIANTS = ("first", "reply", "random", "double")
OUTBOX_VARIANTS = ("startup", "alert")
REMINDER_VARIANTS = ("guide", "nudge")


async def upload_cycle(h: CrashHarness, pool: Pool, variant: str) -> None:
    walker = await pool.walker()
    patient = walker.user
    big = variant in ("download", "store") and h.rng.random() < 0.5
    data, name, mime = make_file(h.rng, "big" if big else None)
    sent: list[Upload] = []

    def arm() -> None:
        if variant == "getfile":
            h.emulator.inject("getFile", delay=0.5)
            h.kill_on_request(lambda m, p: m == "getFile", "getFile in flight")
        elif variant == "download":
            h.kill_on_download("the file download started")
        elif variant == "store":
            h.kill_on_download("after the download started", after=(0.0, 0.12))
        else:
            h.kill_on_request(lambda m, p: m == "sendMessage" and _to(patient.chat_id)(p)
                              and RECEIVED in _text(p), "the 'received' reply")

    async def action() -> None:
        sent.append(await h.send_file(patient, data, name, mime, f"upload:{variant}"))
        walker.uploads += 1
        await patient.wait_for_message(lambda m: RECEIVED in m.text, timeout=T)

    async def resolve() -> None:
        await resend_unacknowledged(h, patient, sent)

    await h.crash_cycle(f"upload:{variant}", action, arm, resolve=resolve)


async def submit_cycle(h: CrashHarness, pool: Pool, variant: str) -> None:
    patient, review = await pool.at_review()
    data = data_of(review, "in:submit:")
    case_id = int(data.rsplit(":", 1)[1])

    def arm() -> None:
        if variant == "first":
            h.kill_on_request(lambda m, p: m != "getUpdates", "the first request after Submit")
        elif variant == "reply":
            h.kill_on_request(lambda m, p: m == "sendMessage" and _to(patient.chat_id)(p)
                              and SUBMITTED in _text(p), "the case-number reply")
        else:
            h.kill_after((0.0, 0.2), f"{variant} Submit")

    async def action() -> None:
        h.note_press(patient, case_id)
        await patient.press(review, callback_data=data)
        if variant == "double":
            await patient.press(review, callback_data=data)
        await patient.wait_for_message(lambda m: SUBMITTED in m.text, timeout=T)

    async def resolve() -> None:
        await press_until_number(h, patient, review.message_id, data)

    await h.crash_cycle(f"submit:{variant}", action, arm, resolve=resolve)


async def outbox_cycle(h: CrashHarness, pool: Pool, variant: str) -> None:
    if variant == "alert":
        patient, review = await pool.at_review()
        data = data_of(review, "in:submit:")

        def arm_alert() -> None:
            h.emulator.inject("sendMessage", delay=0.4, count=2)
            h.kill_on_request(lambda m, p: m == "sendMessage" and _to(COORDINATOR_CHAT_ID)(p),
                              "the coordinators' alert in flight",
                              after=_maybe_later(h, 0.4))

        async def submit() -> None:
            h.note_press(patient, int(data.rsplit(":", 1)[1]))
            await patient.press(review, callback_data=data)
            await patient.wait_for_message(lambda m: SUBMITTED in m.text, timeout=T)

        async def resolve() -> None:
            await press_until_number(h, patient, review.message_id, data)

        await h.crash_cycle("outbox:alert", submit, arm_alert, resolve=resolve)
        return

    listeners, blocked = await pool.audience()
    await h.stop_clean()
    targets = [h.rng.choice(listeners) for _ in range(h.rng.randint(2, 5))]
    queued = await queue_messages(h, targets, "outbox")
    to_blocked = await queue_messages(h, [blocked], "outbox-blocked") if h.rng.random() < 0.4 \
        else []
    target = h.rng.randrange(len(queued))
    text = queued[target][1]
    reason = f"outbox send {target + 1}/{len(queued)} in flight"
    after = _maybe_later(h, 0.4)
    if to_blocked and h.rng.random() < 0.5:
        # Just after the 403 of the chat that blocked the bot (every send is slowed 0.4 s):
        # while the row is closed, the patient marked unreachable, the coordinators alerted.
        text, reason, after = to_blocked[0][1], "the blocked chat's 403 being handled", (
            0.4, 0.5)

    def arm() -> None:
        h.emulator.inject("sendMessage", delay=0.4, count=len(queued) + 3)
        h.kill_on_request(lambda m, p: m == "sendMessage" and _text(p) == text, reason,
                          after=after)

    await h.crash_cycle("outbox:startup", lambda: _spawn_and_wait(h), arm)


async def reminder_cycle(h: CrashHarness, pool: Pool, variant: str) -> None:
    if variant == "nudge":
        patient = (await pool.walker()).user
    else:
        patient = await onboard(h, "Remembered")
    await h.stop_clean()
    await seed_reminder(h, patient, nudge=variant == "nudge",
                        late=h.rng.choice([0.0, h.rng.uniform(1, 3600)]))

    def arm() -> None:
        h.emulator.inject("sendMessage", delay=0.5, count=1)
        h.kill_on_request(lambda m, p: m == "sendMessage" and _to(patient.chat_id)(p),
                          "the reminder's message in flight",
                          after=_maybe_later(h, 0.5))

    await h.crash_cycle(f"reminder:{variant}", lambda: _spawn_and_wait(h), arm)


# -- random moments ---------------------------------------------------------------------------

RANDOM_ACTIVITIES = ("journey", "uploads", "submit", "startup", "mixed")


@dataclass
class Involved:
    """What a random activity did, so that recovery can resolve it."""

    uploads: dict[int, tuple[SimulatedUser, list[Upload]]] = field(default_factory=dict)
    presses: list[tuple[SimulatedUser, int, str]] = field(default_factory=list)

    def upload(self, upload: Upload) -> None:
        self.uploads.setdefault(upload.patient.id, (upload.patient, []))[1].append(upload)


async def _journeys(h: CrashHarness, seen: Involved) -> None:
    """Whole journeys, one new patient after another: onboarding, intake, files, Submit."""
    while True:
        patient = await onboard(h, "Journey")
        await to_records(patient)
        for _ in range(h.rng.randint(1, 2)):
            content, name, mime = make_file(h.rng)
            await h.send_file(patient, content, name, mime, "random:journey")
            await patient.wait_for_message(lambda m: RECEIVED in m.text, timeout=T)
        review = await to_review(patient)
        data = data_of(review, "in:submit:")
        h.note_press(patient, int(data.rsplit(":", 1)[1]))
        seen.presses.append((patient, review.message_id, data))
        await patient.press(review, callback_data=data)
        await patient.wait_for_message(lambda m: SUBMITTED in m.text, timeout=T)


async def _uploads(h: CrashHarness, pool: Pool, seen: Involved) -> None:
    walker = await pool.walker()
    for _ in range(8):
        if h.rng.random() < 0.15:
            items = await h.send_album(walker.user, [photo(h.rng) for _ in range(3)],
                                       "random:album")
            walker.uploads += len(items)
            await walker.user.wait_for_message(lambda m: "Received 3 files" in m.text, timeout=T)
            continue
        data, name, mime = make_file(h.rng, "big" if h.rng.random() < 0.2 else None)
        upload = await h.send_file(walker.user, data, name, mime, "random:upload")
        seen.upload(upload)
        walker.uploads += 1
        await walker.user.wait_for_message(lambda m: RECEIVED in m.text, timeout=T)


async def _submit(h: CrashHarness, patient: SimulatedUser, review: EmuMessage,
                  seen: Involved) -> None:
    data = data_of(review, "in:submit:")
    h.note_press(patient, int(data.rsplit(":", 1)[1]))
    seen.presses.append((patient, review.message_id, data))
    await patient.press(review, callback_data=data)
    if h.rng.random() < 0.3:
        await patient.press(review, callback_data=data)
    await patient.wait_for_message(lambda m: SUBMITTED in m.text, timeout=T)
    await asyncio.sleep(60)


async def random_cycle(h: CrashHarness, pool: Pool, activity: str | None = None,
                       window: tuple[float, float] = (0.0, 3.0)) -> None:
    activity = activity or h.rng.choice(RANDOM_ACTIVITIES)
    seen = Involved()
    review: tuple[SimulatedUser, EmuMessage] | None = None
    if activity in ("submit", "mixed"):
        review = await pool.at_review()
    if activity == "startup":
        listeners, _blocked = await pool.audience()
        remembered = await onboard(h, "Remembered")
        await h.stop_clean()
        await queue_messages(h, [h.rng.choice(listeners) for _ in range(2)], "random")
        await seed_reminder(h, remembered)

    async def action() -> None:
        if activity == "journey":
            await _journeys(h, seen)
        elif activity == "uploads":
            await _uploads(h, pool, seen)
        elif activity == "submit":
            assert review is not None
            await _submit(h, *review, seen)
        elif activity == "startup":
            await _spawn_and_wait(h)
        else:
            assert review is not None
            await asyncio.gather(_journeys(h, seen), _uploads(h, pool, seen),
                                 _submit(h, *review, seen))

    async def resolve() -> None:
        for patient, uploads in seen.uploads.values():
            await resend_unacknowledged(h, patient, uploads)
        for patient, message_id, data in seen.presses:
            await press_until_number(h, patient, message_id, data)

    await h.crash_cycle(f"random:{activity}", action,
                        lambda: h.kill_after(window, f"random moment of {activity}"),
                        resolve=resolve)


# -- faults -----------------------------------------------------------------------------------

async def _answered(patient: SimulatedUser, *texts: str, timeout: float = T) -> str | None:
    try:
        message = await patient.wait_for_message(
            lambda m: any(t in m.text for t in texts), timeout=timeout)
    except AssertionError:
        return None
    return next(t for t in texts if t in message.text)


async def _upload_through(h: CrashHarness, pool: Pool, label: str, *, timeout: float = T,
                          inject: Callable[[], None] = lambda: None) -> str | None:
    """One file sent (``inject`` runs once the patient is at the records step); if it was
    not received, sent again. Returns the first answer."""
    walker = await pool.walker()
    inject()
    data, name, mime = make_file(h.rng)
    upload = await h.send_file(walker.user, data, name, mime, label)
    walker.uploads += 1
    first = await _answered(walker.user, RECEIVED, ERROR_REPLY, DOWNLOAD_FAILED,
                            timeout=timeout)
    if first != RECEIVED:
        await resend_unacknowledged(h, walker.user, [upload])
    return first


async def _startup_with_queue(h: CrashHarness, pool: Pool, label: str,
                              inject: Callable[[], None]) -> tuple[float | None, list[int]]:
    """Stop, queue three messages and a reminder, inject faults, start: drained when?"""
    listeners, _blocked = await pool.audience()
    remembered = await onboard(h, "Remembered")
    await h.stop_clean()
    queued = await queue_messages(h, listeners, label)
    await seed_reminder(h, remembered)
    inject()
    h.spawn()
    await h.wait_polling()
    return await h.wait_drained(90), [row for row, _ in queued]


async def fault_429(h: CrashHarness, pool: Pool, *, retry_after: int, count: int,
                    then_5xx: int = 0) -> None:
    h.begin("fault:429")

    def inject() -> None:
        h.emulator.inject("sendMessage", status=429, retry_after=retry_after, count=count)
        if then_5xx:
            h.emulator.inject("sendMessage", status=502, count=then_5xx)

    drained, _rows = await _startup_with_queue(h, pool, "429", inject)
    await h.check()
    # A patient's own reply meets a 429: the bot says something went wrong; the file sent
    # again is found (it was stored) or stored now.
    first = await _upload_through(h, pool, "fault:429", inject=lambda: h.emulator.inject(
        "sendMessage", status=429, retry_after=1, count=1))
    await h.check()
    also = f", then {then_5xx} answered 502," if then_5xx else ""
    h.figures.faults.append(FaultResult(
        "429 Too Many Requests", retry_after,
        f"{count} sendMessage calls answered 429 with retry_after={retry_after}{also} while "
        f"three queued messages and a reminder went out at start-up: all delivered once, "
        f"{_secs(drained)} after the start; a 429 on the reply to an upload: the patient was "
        f"told {_told(first)}; the file sent again was received", recovery=drained))


async def fault_5xx(h: CrashHarness, pool: Pool, *, count: int) -> None:
    """``count`` 502s on the outbox at start-up (0: leave that to fault_429's ``then_5xx``),
    a 500 on getFile, a 502 on the answer to the Submit button."""
    h.begin("fault:5xx")
    drained: float | None = None
    if count:
        drained, _rows = await _startup_with_queue(
            h, pool, "5xx", lambda: h.emulator.inject("sendMessage", status=502, count=count))
        await h.check()
    first = await _upload_through(h, pool, "fault:5xx", inject=lambda: h.emulator.inject(
        "getFile", status=500, count=1))
    # A 502 on the Submit button's answer: the press fails before the case is touched.
    patient, review = await pool.at_review()
    data = data_of(review, "in:submit:")
    h.note_press(patient, int(data.rsplit(":", 1)[1]))
    h.emulator.inject("answerCallbackQuery", status=502, count=1)
    await patient.press(review, callback_data=data)
    submit_first = await _answered(patient, SUBMITTED, ERROR_REPLY)
    if submit_first != SUBMITTED:
        await press_until_number(h, patient, review.message_id, data)
    await h.check()
    outbox = (f"{count} sendMessage calls answered 502 at start-up: the queue drained with "
              f"backoff in {_secs(drained)}; " if count else "")
    h.figures.faults.append(FaultResult(
        "5xx answers", 0,
        f"{outbox}getFile answered 500: the patient was told {_told(first)}, the file sent "
        f"again was received; a 502 on Submit's callback answer: the patient was told "
        f"{_told(submit_first)}, pressing again gave one case", recovery=drained))


async def fault_slow(h: CrashHarness, pool: Pool, *, delay: float) -> None:
    h.begin("fault:slow")
    started = 0.0

    def slow() -> None:
        nonlocal started
        h.emulator.inject("getFile", delay=delay, count=1)
        h.emulator.inject("sendMessage", delay=delay, count=1)
        started = time.monotonic()

    first = await _upload_through(h, pool, "fault:slow", timeout=3 * delay + T, inject=slow)
    upload_s = time.monotonic() - started
    patient, review = await pool.at_review()
    h.emulator.inject("sendMessage", delay=delay, count=2)  # the reply and the alert
    data = data_of(review, "in:submit:")
    h.note_press(patient, int(data.rsplit(":", 1)[1]))
    await patient.press(review, callback_data=data)
    number = await _answered(patient, SUBMITTED, timeout=3 * delay + T)
    if number is None:
        h.violation("5", "a slow Bot API: Submit got no case number")
    await h.check()
    h.figures.faults.append(FaultResult(
        "slow answers", delay,
        f"getFile and sendMessage answered after {delay:g} s (below the bot's 20 s read "
        f"timeout): the upload was {_told(first)} after {upload_s:.1f} s, the Submit and its "
        f"coordinators' alert went through once each"))


async def fault_timeout(h: CrashHarness, pool: Pool, *, delay: float = 25.0) -> None:
    """A send slower than the bot's read timeout (20 s): the outbox cannot know whether it
    arrived, so it sends again; the emulator delivers both (at-least-once, by design)."""
    h.begin("fault:timeout")
    listeners, _blocked = await pool.audience()
    await h.stop_clean()
    queued = await queue_messages(h, [listeners[0]], "timeout")
    row_id, text = queued[0]
    h.allow[row_id] += 1
    h.emulator.inject("sendMessage", delay=delay, count=1)
    first_try = h.arrival(lambda m, p: m == "sendMessage" and _text(p) == text)
    h.spawn()
    await h.wait_polling()
    drained = await h.wait_drained(90)
    # The timed-out request is answered `delay` seconds after it arrived: wait for that.
    sent_at = await asyncio.wait_for(first_try, 60)
    await asyncio.sleep(max(0.0, sent_at + delay + 1.5 - time.monotonic()))
    h.disarm()
    await h.check()
    got = sum(m.html == text for m in h.emulator.chat_messages(listeners[0].chat_id))
    h.figures.timeout_duplicates += max(0, got - 1)
    h.figures.faults.append(FaultResult(
        "timeout", delay,
        f"a queued message's sendMessage answered after {delay:g} s, past the bot's 20 s read "
        f"timeout: retried with backoff and marked sent {_secs(drained)} after the start; "
        f"delivered {got} time(s) (the timed-out request still arrived: a duplicate by "
        f"design, since its fate was unknown)", recovery=drained))


async def fault_api_down_at_start(h: CrashHarness, pool: Pool, *, seconds: float) -> None:
    """The Bot API answers 502 to everything when the bot starts; when it is back, the first
    deleteWebhook still fails once (a flapping API): the process must wait, not exit."""
    h.begin("fault:api-down-at-start")
    listeners, _blocked = await pool.audience()
    remembered = await onboard(h, "Remembered")
    await h.stop_clean()
    await queue_messages(h, listeners[:2], "api-down")
    await seed_reminder(h, remembered)
    h.emulator.set_down(True)
    try:
        h.spawn()
        await h.canary.send_text("/status")
        await asyncio.sleep(seconds)
        if not h.alive:
            h.violation("5", f"the bot exited while the Bot API was down:\n{h.log_tail()}")
            h.spawn()
    finally:
        h.emulator.inject("deleteWebhook", status=502, count=1)
        h.emulator.set_down(False)
    up = time.monotonic()
    await h.wait_polling(timeout=120)
    polling = time.monotonic() - up
    await h.wait_canary(timeout=60, record=False)
    answered = time.monotonic() - up
    drained = await h.wait_drained(60)
    await h.check()
    h.figures.faults.append(FaultResult(
        "Bot API down at start-up", seconds,
        f"every Bot API call answered 502 for {seconds:g} s from the start, and the first "
        f"deleteWebhook after it came back answered 502 too: the process waited (getMe, then "
        f"the polling start, retried with backoff); it polled {polling:.1f} s after the API "
        f"came back, answered the canary's /status sent during the outage after "
        f"{answered:.1f} s, and drained two queued messages and a reminder "
        f"({_secs(drained)} after the start)", recovery=answered))


async def fault_api_down_running(h: CrashHarness, pool: Pool, *, seconds: float) -> None:
    h.begin("fault:api-down-running")
    walker = await pool.walker()
    h.emulator.set_down(True)
    try:
        data, name, mime = make_file(h.rng)
        upload = await h.send_file(walker.user, data, name, mime, "fault:api-down")
        walker.uploads += 1
        await h.canary.send_text("/status")
        await asyncio.sleep(seconds)
    finally:
        h.emulator.set_down(False)
    up = time.monotonic()
    await h.wait_canary(timeout=60, record=False)
    answered = time.monotonic() - up
    first = await _answered(walker.user, RECEIVED, ERROR_REPLY, DOWNLOAD_FAILED, timeout=20)
    if first != RECEIVED:
        await resend_unacknowledged(h, walker.user, [upload])
    await h.check()
    if first is None:
        told = ("not answered: the file reached the bot through the long poll already open "
                "when the API went down, and its getFile and every reply failed (replies are "
                "not queued or retried); sent again once the API was back, it was received")
    else:
        told = f"answered: {_told(first)}"
    h.figures.faults.append(FaultResult(
        "Bot API down while running", seconds,
        f"every Bot API call answered 502 for {seconds:g} s while a patient sent a file and the "
        f"canary asked /status: the canary was answered {answered:.1f} s after the API came "
        f"back; the file was {told}", recovery=answered))


async def fault_database(h: CrashHarness, pool: Pool, *, seconds: float,
                         kill_midway: bool = False, queue: bool = True) -> None:
    """The database away (SQLite: locked by another connection; PostgreSQL: refusing
    connections) while a patient sends a file and the canary asks /status. ``queue``: restart
    first with two queued messages and a reminder that falls due while it is away.
    ``kill_midway``: SIGKILL half-way through, restart once the database is back."""
    name = "fault:db-away" + ("+kill" if kill_midway else "")
    h.begin(name)
    walker = await pool.walker()
    reminder_id: int | None = None
    reminder_arrival: asyncio.Future[float] | None = None
    if queue:
        listeners, _blocked = await pool.audience()
        remembered = await onboard(h, "Remembered")
        await h.stop_clean()
        await queue_messages(h, listeners[:2], "db")
        # Due while the database is away: it goes away once the bot polls (2-8 s here).
        reminder_id = await seed_reminder(h, remembered, due_in=8 + seconds / 3)
        reminder_arrival = h.arrival(lambda m, p: m == "sendMessage"
                                     and _to(remembered.chat_id)(p))
        h.spawn()
        await h.wait_polling()
    upload: Upload | None = None
    async with h.database_away() as how:
        away = time.monotonic()
        away_seq = h.emulator.world.event_seq
        data, file_name, mime = make_file(h.rng)
        upload = await h.send_file(walker.user, data, file_name, mime, name)
        walker.uploads += 1
        file_answer = _timed(walker.user, RECEIVED, ERROR_REPLY, DOWNLOAD_FAILED, timeout=120)
        await h.canary.send_text("/status")
        canary_answer = _timed(h.canary, STATUS_TITLE, ERROR_REPLY, timeout=120)
        if kill_midway:
            await asyncio.sleep(seconds / 2)
            h.kill_now("killed while the database was away")
            await h.reap()
            await asyncio.sleep(seconds / 2)
        else:
            await asyncio.sleep(seconds)
    back = time.monotonic()
    back_seq = h.emulator.world.event_seq
    lost = 0
    file_lost = False
    if kill_midway:
        # The killed process had fetched (and so confirmed) both updates but was stuck on the
        # database: they died with it, unanswered. After the restart each patient asks again.
        await h.after_kill()
        h.spawn()
        await h.wait_polling()
        await h.settle(timeout=15)
        file_lost, canary_lost = not file_answer.done(), not canary_answer.done()
        for task in (file_answer, canary_answer):
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        lost = file_lost + canary_lost
        if canary_lost:
            await h.canary.send_text("/status")
            canary_answer = _timed(h.canary, STATUS_TITLE, timeout=60)
    first, upload_at = (None, back) if file_lost else await file_answer
    canary, canary_at = await canary_answer
    apologised = canary == ERROR_REPLY
    if apologised:
        # PostgreSQL refusing connections: the update failed at once and was apologised for;
        # like a person told to try again, the canary asks again now that it is back.
        await h.canary.send_text("/status")
        canary, canary_at = await _timed(h.canary, STATUS_TITLE, timeout=60)
    upload_s, canary_s = upload_at - away, canary_at - away
    during = _said(h, [walker.user, h.canary], away_seq, back_seq)
    if canary is None:
        h.violation("5", "the canary got no answer after the database came back")
    apologies = sum(ERROR_REPLY in text for text in h.bot_texts(
        h.canary, away_seq, h.emulator.world.event_seq + 1))
    if apologies > 1:
        h.violation("5", f"the canary's /status got {apologies} apologies (one update, "
                         f"one answer)")
    if first != RECEIVED:
        await resend_unacknowledged(h, walker.user, [upload])
    reminder_s: float | None = None
    if reminder_id is not None and await h.wait_reminder(reminder_id, timeout=120) is not None:
        with contextlib.suppress(TimeoutError):
            assert reminder_arrival is not None
            reminder_s = await asyncio.wait_for(reminder_arrival, 60) - back
        h.disarm()
    await h.wait_drained(90)
    await h.check()
    queued = (f"; the reminder that fell due while it was away reached its patient "
              f"{_secs(reminder_s)} after it came back" if queue else "")
    h.figures.faults.append(FaultResult(
        f"database {how}" + (" + SIGKILL" if kill_midway else ""), round(back - away, 1),
        f"the database was {how} ({_how(how)}) for {back - away:.0f} s while a patient sent a "
        f"file and the canary asked /status" + (", and the bot was killed half-way" if kill_midway
                                               else "")
        + (": the file died with the killed process" if file_lost else
           f": the file's first answer was {_told(first)} ({upload_s:.1f} s after the "
           f"database went away)")
        + (", the canary's /status was apologised for once and, asked again once it was back, "
           "answered" if apologised else ", the canary's /status was answered")
        + f" after {canary_s:.1f} s{queued}. Said to the two patients while it was away: {during}"
        + (f". {lost} update(s) the killed process had taken died with it unanswered; the "
           f"patients sent them again and were answered" if lost else ""),
        recovery=canary_s))


def _timed(patient: SimulatedUser, *texts: str, timeout: float
           ) -> asyncio.Task[tuple[str | None, float]]:
    """Wait, in the background, for the first answer containing one of ``texts``; the task's
    result is that text (or None) and the monotonic time it was seen."""
    async def wait() -> tuple[str | None, float]:
        answer = await _answered(patient, *texts, timeout=timeout)
        return answer, time.monotonic()

    return asyncio.create_task(wait())


def _said(h: CrashHarness, patients: list[SimulatedUser], after: int, before: int) -> str:
    """The bot's messages to these patients between two event numbers, summarised."""
    seen: dict[str, int] = {}
    for patient in patients:
        for text in h.bot_texts(patient, after, before):
            line = text.strip().splitlines()[0][:70] if text.strip() else "(empty)"
            seen[line] = seen.get(line, 0) + 1
    if not seen:
        return "nothing"
    return "; ".join(f"{n}× \u201c{line}\u201d" for line, n in seen.items())


def _how(how: str) -> str:
    return ("another connection held BEGIN EXCLUSIVE; the bot's busy_timeout is 30 s"
            if how == "locked" else "ALLOW_CONNECTIONS false and every session terminated")


def _secs(value: float | None) -> str:
    return "not within the bound" if value is None else f"{value:.1f} s"


def _told(answer: str | None) -> str:
    return {RECEIVED: "received", ERROR_REPLY: "something went wrong (send it again)",
            DOWNLOAD_FAILED: "it could not be downloaded (send it again)",
            SUBMITTED: "the case number", None: "nothing (no answer)"}.get(answer, str(answer))


# -- plans ------------------------------------------------------------------------------------

Step = Callable[[CrashHarness, Pool], Awaitable[None]]


def _named(point: str, variant: str) -> Step:
    cycles = {"upload": upload_cycle, "submit": submit_cycle, "outbox": outbox_cycle,
              "reminder": reminder_cycle}
    return lambda h, pool: cycles[point](h, pool, variant)


def fast_plan() -> list[Step]:
    """The CI part: each named point, two random moments, each fault kind in short form."""
    return [
        _named("upload", "download"),
        _named("upload", "acked"),
        _named("submit", "first"),
        _named("submit", "reply"),
        _named("outbox", "startup"),
        _named("outbox", "alert"),
        _named("reminder", "guide"),
        _named("reminder", "nudge"),
        lambda h, pool: random_cycle(h, pool, "uploads", window=(0.2, 1.0)),
        lambda h, pool: random_cycle(h, pool, "journey", window=(0.5, 3.0)),
        lambda h, pool: fault_429(h, pool, retry_after=1, count=2, then_5xx=2),
        lambda h, pool: fault_5xx(h, pool, count=0),
        lambda h, pool: fault_slow(h, pool, delay=1.5),
        lambda h, pool: fault_api_down_at_start(h, pool, seconds=3),
        lambda h, pool: fault_database(h, pool, seconds=5, queue=False),
    ]


WEIGHTS = {"upload": 0.25, "submit": 0.2, "outbox": 0.15, "reminder": 0.15, "random": 0.25}
VARIANTS = {"upload": UPLOAD_VARIANTS, "submit": SUBMIT_VARIANTS, "outbox": OUTBOX_VARIANTS,
            "reminder": REMINDER_VARIANTS}


def full_plan(cycles: int, rng: Any) -> list[Step]:
    """``cycles`` kill cycles mixed across the named points (every variant in turn) and random
    moments, with every fault kind at full length spread through the run."""
    labels: list[str] = []
    for point, weight in WEIGHTS.items():
        labels += [point] * round(cycles * weight)
    while len(labels) < cycles:
        labels.append(rng.choice(list(WEIGHTS)))
    labels = labels[:cycles]
    rng.shuffle(labels)
    turn = {point: 0 for point in VARIANTS}
    steps: list[Step] = []
    for point in labels:
        if point == "random":
            steps.append(lambda h, pool: random_cycle(h, pool))
            continue
        variants = VARIANTS[point]
        steps.append(_named(point, variants[turn[point] % len(variants)]))
        turn[point] += 1
    faults: list[Step] = [
        lambda h, pool: fault_429(h, pool, retry_after=5, count=4),
        lambda h, pool: fault_5xx(h, pool, count=6),
        lambda h, pool: fault_slow(h, pool, delay=5),
        lambda h, pool: fault_timeout(h, pool, delay=25),
        lambda h, pool: fault_api_down_at_start(h, pool, seconds=20),
        lambda h, pool: fault_api_down_running(h, pool, seconds=15),
        lambda h, pool: fault_database(h, pool, seconds=30),
        lambda h, pool: fault_database(h, pool, seconds=30, kill_midway=True),
    ]
    every = max(1, len(steps) // (len(faults) + 1))
    for n, fault in enumerate(faults, start=1):
        steps.insert(min(len(steps), n * every + n - 1), fault)
    return steps


async def run_plan(h: CrashHarness, steps: list[Step]) -> None:
    pool = Pool(h)
    for step in steps:
        try:
            await step(h, pool)
        except HarnessError as exc:
            h.violation("5", str(exc))
            await h.ensure_running()
        except AssertionError as exc:  # a patient's wait while setting the scene
            h.violation("5", f"no answer while setting the scene: {str(exc)[-500:]}")
            await h.ensure_running()
    await h.final_check()
