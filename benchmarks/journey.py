"""Simulated patients for the benchmarks: the full journey through the bot, and the trivial
three-step conversation of the bare python-telegram-bot application.

A patient acts, then waits for the bot's answer it needs before acting again (some steps answer
with two messages). For every action it records the time the update was created and the time
of the bot's first message (new or edited) in that chat after it, as the emulator saw it.
"""

from __future__ import annotations

import asyncio
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from benchmarks.emulator import TimedWorld
from sandbox.emulator import EmuMessage, SimulatedUser
from sandbox.emulator.model import ChatState

Predicate = Callable[[EmuMessage], bool]

#: How long a patient waits for one answer before the journey counts as failed.
ANSWER_TIMEOUT = 60.0


class JourneyError(Exception):
    """A journey that did not complete (no expected answer in time, a missing button)."""


# -- predicates -------------------------------------------------------------------------------

def has(data: str) -> Predicate:
    return lambda m: any(d == data for _label, d in m.buttons)


def has_prefix(*prefixes: str) -> Predicate:
    return lambda m: any((d or "").startswith(prefixes) for _label, d in m.buttons)


def data_of(message: EmuMessage, *prefixes: str) -> str:
    for _label, d in message.buttons:
        if (d or "").startswith(prefixes):
            return d or ""
    raise JourneyError(f"no button starting with {prefixes} in message #{message.message_id}")


def ticked(data: str) -> Predicate:
    return lambda m: any(d == data and label.startswith("☑") for label, d in m.buttons)


def reply_keyboard(m: EmuMessage) -> bool:
    return bool(m.reply_markup and "keyboard" in m.reply_markup)


# -- records ----------------------------------------------------------------------------------

def _noise(side: int, rng: random.Random) -> object:
    from PIL import Image

    return Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))


def _encode(kind: str, side: int, rng: random.Random, taken: date) -> bytes:
    from PIL import Image

    image = _noise(side, rng)
    assert isinstance(image, Image.Image)
    buf = io.BytesIO()
    if kind == "pdf":
        image.save(buf, format="PDF", quality=95, subsampling=0, title="Scan",
                   creationDate=time.strptime(taken.isoformat(), "%Y-%m-%d"))
    else:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[36867] = f"{taken:%Y:%m:%d} 09:30:00"
        image.save(buf, format="JPEG", quality=95, subsampling=0, exif=exif.tobytes())
    return buf.getvalue()


def make_record(kind: str, size: int, seed: int) -> bytes:
    """A real PDF (a scanned page) or JPEG (a photo with an EXIF date) of about ``size`` bytes,
    different for every ``seed``; never over ``size`` when ``size`` is a hard cap."""
    rng = random.Random(seed)
    taken = date(2024, 1, 1) + timedelta(days=seed % 300)
    side = max(16, int((size / 2.45) ** 0.5))
    for _ in range(6):
        data = _encode(kind, side, rng, taken)
        if abs(len(data) - size) <= size * 0.03 and len(data) <= size:
            return data
        side = max(16, int(side * (size * 0.985 / len(data)) ** 0.5))
    return data


@dataclass(frozen=True)
class RecordFile:
    data: bytes
    file_name: str
    mime_type: str
    kind_button: str  # the kind the patient picks


def patient_records(seed: int, size: int = 200_000) -> list[RecordFile]:
    """Three records of about ``size`` bytes: two PDFs and a JPEG, all different."""
    return [
        RecordFile(make_record("pdf", size, seed * 3), "blood-tests.pdf", "application/pdf",
                   "in:k_test:"),
        RecordFile(make_record("jpeg", size, seed * 3 + 1), "echo.jpg", "image/jpeg",
                   "in:k_imaging:"),
        RecordFile(make_record("pdf", size, seed * 3 + 2), "cardiology-letter.pdf",
                   "application/pdf", "in:k_note:"),
    ]


# -- a simulated patient ----------------------------------------------------------------------

@dataclass
class Action:
    label: str
    sent: float
    seq: int
    replied: float | None = None


@dataclass
class Tally:
    """What a phase measured: every action and its first reply, and the failures.

    A phase run to completion counts every action over the whole run. A time-boxed phase
    (``window`` set) counts the replies that came within the window, and the latency of the
    actions sent within it."""

    actions: list[Action] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    journeys: int = 0
    started: float = 0.0
    finished: float = 0.0
    window: tuple[float, float] | None = None

    def counted(self) -> list[Action]:
        if self.window is None:
            return self.actions
        lo, hi = self.window
        return [a for a in self.actions if lo <= a.sent < hi]

    @property
    def updates(self) -> int:
        return len(self.counted())

    @property
    def seconds(self) -> float:
        if self.window is not None:
            return self.window[1] - self.window[0]
        return max(self.finished - self.started, 1e-9)

    @property
    def per_second(self) -> float:
        if self.window is None:
            return self.updates / self.seconds
        lo, hi = self.window
        return sum(1 for a in self.actions
                   if a.replied is not None and lo <= a.replied < hi) / self.seconds

    @property
    def unanswered(self) -> int:
        return sum(1 for a in self.counted() if a.replied is None)

    def latencies_ms(self, label: str | None = None) -> list[float]:
        return sorted((a.replied - a.sent) * 1000 for a in self.counted()
                      if a.replied is not None and (label is None or a.label == label))


class Patient:
    def __init__(self, timed: TimedWorld, user: SimulatedUser, tally: Tally, *,
                 think: tuple[float, float] | None = None, seed: int = 0) -> None:
        self.timed = timed
        self.user = user
        self.tally = tally
        self.think = think
        self.rng = random.Random(seed)
        self._chat: ChatState = timed.emulator.world.chat(user.chat_id)
        self._cursor = timed.emulator.world.event_seq
        self._pending: Action | None = None

    async def _pause(self) -> None:
        if self.think is not None:
            await asyncio.sleep(self.rng.uniform(*self.think))

    async def _act(self, label: str, send: Callable[[], object]) -> None:
        await self._pause()
        sent = time.perf_counter()
        result = send()
        if asyncio.iscoroutine(result):
            await result
        # Everything up to the update (the patient's own message included) is already seen:
        # the emulator's person keeps that event number as its own cursor.
        seq = self.user._cursors.get(self._chat.id, self.timed.emulator.world.event_seq)
        self._cursor = seq
        action = Action(label, sent, seq)
        self.tally.actions.append(action)
        self._pending = action

    async def text(self, label: str, text: str) -> None:
        await self._act(label, lambda: self.user.send_text(text))

    async def press(self, label: str, message: EmuMessage, data: str) -> None:
        await self._act(label, lambda: self.user.press(message, callback_data=data))

    async def document(self, label: str, record: RecordFile) -> None:
        await self._act(label, lambda: self.user.send_document(
            record.data, file_name=record.file_name, mime_type=record.mime_type))

    async def contact(self, label: str, phone: str) -> None:
        await self._act(label, lambda: self.user.send_contact(phone))

    async def expect(self, predicate: Predicate, timeout: float = ANSWER_TIMEOUT
                     ) -> EmuMessage:
        """The bot's next message (new or edited) in the chat that matches ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self._events_after(self._cursor):
                self._cursor = event.seq
                message = event.message
                if event.kind not in ("new", "edited") or message is None or not message.from_bot:
                    continue
                if self._pending is not None:
                    self._pending.replied = self.timed.stamps.get(event.seq)
                    self._pending = None
                if predicate(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise JourneyError(f"no expected answer within {timeout:g} s\n"
                                   + "\n".join(self.user.transcript().splitlines()[-8:]))
            await self.timed.wait_chat(self._chat.id, remaining)

    def finalize(self) -> bool:
        """After the run: the first reply of an action the patient stopped waiting for (a
        time-boxed phase ends mid-journey), read from the chat's events. False while that
        reply has not come yet."""
        if self._pending is None:
            return True
        for event in self._events_after(self._pending.seq):
            message = event.message
            if event.kind in ("new", "edited") and message is not None and message.from_bot:
                self._pending.replied = self.timed.stamps.get(event.seq)
                self._pending = None
                return True
        return False

    def _events_after(self, seq: int) -> list[object]:
        events = self._chat.events
        index = len(events)
        while index > 0 and events[index - 1].seq > seq:
            index -= 1
        return events[index:]  # type: ignore[return-value]


# -- the journeys -----------------------------------------------------------------------------

_ANSWERS = {
    "en": {"search": "heart", "diagnosis": "Mitral valve prolapse, moderate regurgitation",
           "plan": "Valve repair surgery proposed for next month",
           "medications": "Bisoprolol 2.5 mg once a day",
           "questions": ("Is surgery really needed at my age?",
                         "Could a valve replacement be better than a repair?",
                         "How long is recovery after the operation?")},
    "vi": {"search": "tim", "diagnosis": "Sa van hai lá, hở van mức độ vừa",
           "plan": "Bác sĩ đề nghị phẫu thuật sửa van vào tháng tới",
           "medications": "Bisoprolol 2,5 mg mỗi ngày một lần",
           "questions": ("Ở tuổi tôi có thật sự cần mổ không?",
                         "Thay van có tốt hơn sửa van không?",
                         "Sau mổ bao lâu thì hồi phục?")},
}


async def onboard(p: Patient, lang: str) -> EmuMessage:
    await p.text("start", "/start")
    m = await p.expect(has(f"onb:lang:{lang}"))
    await p.press("language", m, f"onb:lang:{lang}")
    m = await p.expect(has("onb:about"))
    await p.press("about", m, "onb:about")
    m = await p.expect(has("onb:consent:yes"))
    await p.press("consent", m, "onb:consent:yes")
    return await p.expect(has("menu:open:guide"))


async def guidance(p: Patient, menu: EmuMessage) -> EmuMessage:
    await p.press("guidance", menu, "menu:open:guide")
    m = await p.expect(has("guide:emerg:no"))
    await p.press("safety", m, "guide:emerg:no")
    m = await p.expect(has("guide:hosp:no"))
    await p.press("safety", m, "guide:hosp:no")
    m = await p.expect(has("guide:recent:no"))
    await p.press("safety", m, "guide:recent:no")
    m = await p.expect(has("guide:sitdone"))
    for index in (0, 3):  # a rare condition, a cancer diagnosis
        await p.press("situation", m, f"guide:sit:{index}")
        m = await p.expect(ticked(f"guide:sit:{index}"))
    await p.press("situation", m, "guide:sitdone")
    m = await p.expect(has("guide:acc"))
    await p.press("recommendation", m, "guide:acc")
    return await p.expect(has("guide:case:res"))


async def intake_to_records(p: Patient, result: EmuMessage, lang: str) -> EmuMessage:
    """From the guidance's recommendation to the records step (steps 1-7 of the intake)."""
    answers = _ANSWERS[lang]
    await p.press("intake.start", result, "guide:case:res")
    m = await p.expect(has("in:track:international"))
    await p.press("intake.answer", m, "in:track:international")
    await p.expect(has("in:unsure"))
    await p.text("intake.text", str(answers["search"]))
    m = await p.expect(has("in:spec:cardiology"))
    await p.press("intake.answer", m, "in:spec:cardiology")
    await p.expect(has("in:none:diagnosis"))
    await p.text("intake.text", str(answers["diagnosis"]))
    await p.expect(has("in:none:treatment_plan"))
    await p.text("intake.text", str(answers["plan"]))
    m = await p.expect(has("in:none:surgeries"))
    await p.press("intake.answer", m, "in:none:surgeries")
    await p.expect(has("in:none:medications"))
    await p.text("intake.text", str(answers["medications"]))
    m = await p.expect(has("in:none:allergies"))
    await p.press("intake.answer", m, "in:none:allergies")
    return await p.expect(has("in:next"))


async def add_record(p: Patient, record: RecordFile) -> EmuMessage:
    """Send one record, sort it and confirm its date; the records step again."""
    await p.document("intake.record", record)
    m = await p.expect(has_prefix(record.kind_button))
    await p.press("intake.record-kind", m, data_of(m, record.kind_button))
    m = await p.expect(has_prefix("in:d_yes:", "in:d_today:"))
    await p.press("intake.record-date", m, data_of(m, "in:d_yes:", "in:d_today:"))
    return await p.expect(has("in:next"))


async def finish_intake(p: Patient, m: EmuMessage, lang: str, phone: str) -> str:
    """From the records step: three own questions, the phone number, review, submit."""
    await p.press("intake.answer", m, "in:next")
    await p.expect(has("in:qadd"))
    for question in _ANSWERS[lang]["questions"]:
        await p.text("intake.question", question)
        m = await p.expect(has("in:next"))
    await p.press("intake.answer", m, "in:next")
    await p.expect(reply_keyboard)
    await p.contact("intake.phone", phone)
    m = await p.expect(has_prefix("in:submit:"))
    await p.press("intake.submit", m, data_of(m, "in:submit:"))
    done = await p.expect(lambda m: "SO-" in m.text)
    return done.text


async def full_journey(p: Patient, lang: str, records: list[RecordFile], phone: str) -> None:
    menu = await onboard(p, lang)
    result = await guidance(p, menu)
    m = await intake_to_records(p, result, lang)
    for record in records:
        m = await add_record(p, record)
    await finish_intake(p, m, lang, phone)


async def bare_rounds(p: Patient, rounds: int) -> None:
    """The bare application's conversation: /start → button → typed name → done."""
    for _ in range(rounds):
        await p.text("bare.start", "/start")
        m = await p.expect(has("bare:go"))
        await p.press("bare.press", m, "bare:go")
        await p.expect(lambda m: "name" in m.text)
        await p.text("bare.text", "Lan")
        await p.expect(lambda m: m.text.startswith("Thanks"))


# -- running many at once ---------------------------------------------------------------------

Maker = Callable[[int, int], tuple[Patient, Callable[[], object]]]


async def _journey(patient: Patient, journey: Callable[[], object], tally: Tally) -> None:
    try:
        result = journey()
        if asyncio.iscoroutine(result):
            await result
        tally.journeys += 1
    except JourneyError as exc:
        tally.failures.append(f"{patient.user.first_name}: {exc}")
    except Exception as exc:  # a benchmark reports failures, it does not stop at one
        tally.failures.append(f"{patient.user.first_name}: {type(exc).__name__}: {exc}")


async def run_patients(make: Maker, count: int, tally: Tally, *, stagger: float = 0.0,
                       seed: int = 0) -> list[Patient]:
    """``count`` patients at once (starting within ``stagger`` seconds), each through one
    journey to its end."""
    rng = random.Random(seed)
    patients: list[Patient] = []

    async def one(index: int) -> None:
        if stagger:
            await asyncio.sleep(rng.uniform(0, stagger))
        patient, journey = make(index, 0)
        patients.append(patient)
        await _journey(patient, journey, tally)

    tally.started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    tally.finished = time.perf_counter()
    return patients


async def run_for(make: Maker, count: int, tally: Tally, *, window: float, ramp: float,
                  seed: int = 0) -> list[Patient]:
    """``count`` patients at once for ``ramp + window`` seconds: each starts within ``ramp``
    and begins a new journey (a new person) whenever one ends; at the end of the window they
    stop wherever they are. Measured: the window."""
    rng = random.Random(seed)
    patients: list[Patient] = []
    begin = time.perf_counter() + ramp
    end = begin + window
    tally.window = (begin, end)

    async def worker(index: int) -> None:
        await asyncio.sleep(rng.uniform(0, ramp))
        number = 0
        while time.perf_counter() < end:
            patient, journey = make(index, number)
            patients.append(patient)
            number += 1
            await _journey(patient, journey, tally)

    tally.started = time.perf_counter()
    tasks = [asyncio.create_task(worker(i)) for i in range(count)]
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    tally.finished = time.perf_counter()
    return patients


def phone_for(index: int) -> str:
    return f"+8490{index % 10_000_000:07d}"
