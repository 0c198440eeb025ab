"""Every state of every flow answers every kind of input with a clear message — never silence —
and stays where it was: text, a command, a document, a photo, a sticker, a voice message, an old
button, and a button pressed in another chat."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.guidance import GuideState
from conversations.onboarding import OnboardingState
from conversations.settings import SettingsState
from handlers.info import InfoState
from handlers.menu import MenuState

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def bot(bot):
    """This walk sends hundreds of inputs in seconds, far faster than a person: the flood
    limit (tested on its own) is lifted so every input reaches the state under test."""
    bot.services.rate_limiter.limit = 1_000_000
    return bot


def has(data: str):
    return lambda m: any(d == data for _label, d in m.buttons)


async def state_of(bot, patient) -> str | None:
    states = await bot.services.conversations.load(name="patient")
    return states.get(json.dumps([patient.chat_id, patient.id], separators=(",", ":")))


async def wait_state(bot, patient, expected: str, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (state := await state_of(bot, patient)) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"state is {state!r}, expected {expected!r}\n"
                                 f"{patient.transcript()}")
        await asyncio.sleep(0.02)


async def press(patient, data: str, timeout: float = 5.0) -> None:
    """Press the newest button with this data in the private chat (waiting for it to come)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for message in reversed(patient.messages):
            if has(data)(message):
                await patient.press(message, callback_data=data)
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no button {data!r}\n{patient.transcript()}")


async def act(emulator, patient, step: str) -> None:
    if step.startswith(("/", "text:")):
        await patient.send_text(step.removeprefix("text:"))
    else:
        await press(patient, step)
    await patient.wait_for_message(timeout=5)
    await emulator.wait_idle()


def local_today(bot) -> date:
    return bot.clock.now().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


# state → how to get there from anywhere (after onboarding), as presses, texts and commands
def routes(today: date) -> dict[str, list[str]]:
    five_days_ago = (today - timedelta(days=5)).strftime("text:%d.%m.%Y")
    guide = ["/menu", "menu:open:guide"]
    return {
        MenuState.MAIN: ["/menu"],
        SettingsState.MAIN: ["/menu", "menu:open:settings"],
        SettingsState.TIMEZONE: ["/timezone"],
        InfoState.HOW: ["/menu", "menu:open:how"],
        InfoState.EXPERTS: ["/menu", "menu:open:experts"],
        InfoState.EMPLOYERS: ["/menu", "menu:open:employers"],
        InfoState.HELP: ["/contact"],
        GuideState.EMERGENCY: guide,
        GuideState.EMERGENCY_STOP: [*guide, "guide:emerg:yes"],
        GuideState.HOSPITAL: [*guide, "guide:emerg:no"],
        GuideState.HOSPITAL_ADVICE: [*guide, "guide:emerg:no", "guide:hosp:yes"],
        GuideState.RECENT: [*guide, "guide:emerg:no", "guide:hosp:no"],
        GuideState.RECENT_DATE: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:yes"],
        GuideState.RECENT_WAIT: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:yes",
                                 five_days_ago],
        GuideState.SITUATIONS: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:no"],
        GuideState.ACCURATE: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:no",
                              "guide:sitdone"],
        GuideState.RESULT: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:no",
                            "guide:sitdone", "guide:acc"],
        GuideState.QUESTIONS: [*guide, "guide:emerg:no", "guide:hosp:no", "guide:recent:no",
                               "guide:sitdone", "guide:acc", "guide:qs"],
    }


async def every_kind_of_input(emulator, bot, patient, group, state: str) -> None:
    """Each kind of input gets an answer, and the state is unchanged afterwards."""
    old = "guide:emerg:yes" if state != GuideState.EMERGENCY else "onb:about"
    kinds = {
        "text": lambda: patient.send_text("just some words"),
        "command": lambda: patient.send_text("/nonsense"),
        "known command": lambda: patient.send_text("/help"),
        "document": lambda: patient.send_document(b"%PDF-1.4 tiny", file_name="a.pdf",
                                                  mime_type="application/pdf"),
        "photo": lambda: patient.send_photo(PNG),
        "sticker": lambda: patient.send_sticker(),
        "voice": lambda: patient.send_voice(),
        "old button": lambda: patient.press_data(old, message_id=1),
    }
    for kind, send in kinds.items():
        await send()
        try:
            await patient.wait_for_message(timeout=5)
        except AssertionError:
            pytest.fail(f"{state}: no answer to {kind}")
        await emulator.wait_idle()
        assert await state_of(bot, patient) == state, f"{state}: {kind} changed the state"
    # A button pressed in another chat (a group): answered there, nothing changes here.
    query = await patient.press_data(old, message_id=1, chat=group)
    answer = await patient.wait_for_callback_answer(query)
    assert answer.text, f"{state}: silent on a button from another chat"
    await emulator.wait_idle()
    assert await state_of(bot, patient) == state


async def test_onboarding_states(bot, emulator):
    patient = emulator.user(first_name="Ann", language_code="en")
    group = emulator.group(title="Family", members=[patient])
    await patient.send_text("/start")
    await patient.wait_for_message(has("onb:lang:en"))
    steps = [(OnboardingState.LANGUAGE, "onb:lang:en"), (OnboardingState.ABOUT, "onb:about"),
             (OnboardingState.CONSENT, "onb:consent:yes")]
    for state, next_step in steps:
        await wait_state(bot, patient, state)
        await every_kind_of_input(emulator, bot, patient, group, state)
        await press(patient, next_step)
        await patient.wait_for_message(timeout=5)
    await wait_state(bot, patient, MenuState.MAIN)


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_menu_settings_info_and_guidance_states(bot, emulator, lang):
    patient = emulator.user(first_name="Binh", language_code=lang)
    group = emulator.group(title="Family", members=[patient])
    await patient.send_text("/start")
    for step in (f"onb:lang:{lang}", "onb:about", "onb:consent:yes"):
        await patient.wait_for_message(has(step))
        await press(patient, step)
    await wait_state(bot, patient, MenuState.MAIN)
    all_routes = routes(local_today(bot))
    if lang == "vi":  # the whole walk once in English; a cross-section in Vietnamese
        all_routes = {s: r for s, r in all_routes.items()
                      if s in (MenuState.MAIN, SettingsState.TIMEZONE, GuideState.RECENT_DATE,
                               GuideState.SITUATIONS, InfoState.HOW)}
    for state, route in all_routes.items():
        for step in route:
            await act(emulator, patient, step)
        await wait_state(bot, patient, state)
        await every_kind_of_input(emulator, bot, patient, group, state)


def test_every_state_of_every_flow_is_walked():
    from bot.app import flows

    states = {state for flow in flows() if flow.name in (
        "onboarding", "menu", "settings", "info", "guidance") for state in flow.states}
    walked = set(routes(date(2025, 1, 1))) | set(OnboardingState)
    assert states == walked
