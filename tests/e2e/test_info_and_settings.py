"""Information screens, settings (language, time zone), employer deep links, /privacy,
/contact, the privacy page and the commands registered per language."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
from sqlalchemy import select

from storage.models import Patient


def has(data: str):
    return lambda m: any(d == data for _label, d in m.buttons)


async def onboard(emulator, lang: str = "en", *, name: str = "Ann", start: str = "/start"):
    patient = emulator.user(first_name=name, language_code=lang)
    await patient.send_text(start)
    msg = await patient.wait_for_message(has(f"onb:lang:{lang}"))
    await patient.press(msg, callback_data=f"onb:lang:{lang}")
    about = await patient.wait_for_message(has("onb:about"))
    await patient.press(about, callback_data="onb:about")
    ask = await patient.wait_for_message(has("onb:consent:yes"))
    await patient.press(ask, callback_data="onb:consent:yes")
    menu = await patient.wait_for_message(has("menu:open:settings"))
    return patient, menu


async def row_of(bot, patient) -> Patient:
    async with bot.services.db.read() as s:
        return (await s.execute(select(Patient).where(
            Patient.telegram_user_id == patient.id))).scalar_one()


async def state_of(bot, patient) -> str | None:
    states = await bot.services.conversations.load(name="patient")
    return states.get(json.dumps([patient.chat_id, patient.id], separators=(",", ":")))


async def wait_state(bot, patient, expected: str, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (state := await state_of(bot, patient)) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"state is {state!r}, expected {expected!r}")
        await asyncio.sleep(0.02)


# -- information ------------------------------------------------------------------------------

async def test_how_it_works_is_paged_with_a_way_back(bot, emulator):
    patient, menu = await onboard(emulator)
    await patient.press(menu, callback_data="menu:open:how")
    page1 = await patient.wait_for_message(has("info:how:1"))
    assert "records" in page1.text and "Page 1 of 3" in page1.text
    assert has("menu:home")(page1) and not has("info:how:-1")(page1)
    await patient.press(page1, callback_data="info:how:1")
    page2 = await patient.wait_for_message(lambda m: "Page 2 of 3" in m.text)
    assert page2.message_id == page1.message_id  # turned in place
    for fact in ("summary", "reasoning", "recommendations", "evidence", "7 days"):
        assert fact in page2.text
    await patient.press(page2, callback_data="info:how:2")
    page3 = await patient.wait_for_message(lambda m: "Page 3 of 3" in m.text)
    assert "Domestic" in page3.text and "International" in page3.text
    assert not has("info:how:3")(page3) and has("info:how:1")(page3)
    await patient.press(page3, callback_data="menu:home")
    await patient.wait_for_message(has("menu:open:how"))
    await wait_state(bot, patient, "menu.main")


async def test_experts_employers_and_help(bot, emulator):
    patient, menu = await onboard(emulator)
    await patient.press(menu, callback_data="menu:open:experts")
    experts = await patient.wait_for_message(has("info:experts:1"))
    assert "40" in experts.text and "17.7 years" in experts.text and "oncology" in experts.text
    await patient.press(experts, callback_data="info:experts:1")
    abroad = await patient.wait_for_message(lambda m: "United States" in m.text)
    assert "point of contact" in abroad.text
    await patient.press(abroad, callback_data="menu:home")
    menu = await patient.wait_for_message(has("menu:open:employers"))
    await patient.press(menu, callback_data="menu:open:employers")
    employers = await patient.wait_for_message(lambda m: "For employers" in m.text)
    assert "care@example.org" in employers.text and has("menu:home")(employers)
    await patient.send_text("/contact")
    contact = await patient.wait_for_message(lambda m: "Help & contact" in m.text)
    assert "care@example.org" in contact.text and "115" in contact.text
    await wait_state(bot, patient, "info.help")


async def test_vietnamese_information(bot, emulator):
    patient, menu = await onboard(emulator, "vi", name="Lan")
    await patient.press(menu, callback_data="menu:open:experts")
    experts = await patient.wait_for_message(has("info:experts:1"))
    assert "hơn 40 chuyên khoa" in experts.text and "17,7 năm" in experts.text
    await patient.press(experts, callback_data="menu:home")
    menu = await patient.wait_for_message(has("menu:open:how"))
    await patient.press(menu, callback_data="menu:open:how")
    how = await patient.wait_for_message(lambda m: "Trang 1/3" in m.text)
    assert "Tiếp" in next(label for label, _d in how.buttons)


# -- employer codes ---------------------------------------------------------------------------

async def test_known_employer_code_is_saved_and_shown(bot, emulator):
    patient, menu = await onboard(emulator, start="/start emp_acme")
    assert any("ACME" in m.text and "Acme Corporation" in m.text for m in patient.messages)
    assert (await row_of(bot, patient)).employer_code == "ACME"
    await patient.press(menu, callback_data="menu:open:employers")
    screen = await patient.wait_for_message(lambda m: "For employers" in m.text)
    assert "ACME" in screen.text and "on file" in screen.text


async def test_unknown_employer_code_is_kindly_refused_and_not_stored(bot, emulator):
    patient = emulator.user(language_code="en")
    await patient.send_text("/start emp_NOPE")
    await patient.wait_for_message(lambda m: "don't recognise" in m.text)
    await patient.wait_for_message(has("onb:lang:en"))
    assert (await row_of(bot, patient)).employer_code is None
    await patient.send_text("/start emp_<script>")
    await patient.wait_for_message(lambda m: "don't recognise" in m.text)


async def test_employer_codes_from_the_data_dir(make_bot, emulator):
    handle = make_bot()
    Path(handle.settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    (Path(handle.settings.DATA_DIR) / "employers.json").write_text('["GLOBEX"]')
    await handle.start()
    try:
        first = emulator.user(language_code="en")
        await first.send_text("/start emp_GLOBEX")
        await first.wait_for_message(lambda m: "GLOBEX" in m.text and "saved" in m.text)
        second = emulator.user(language_code="en")
        await second.send_text("/start emp_ACME")  # the shipped example no longer applies
        await second.wait_for_message(lambda m: "don't recognise" in m.text)
    finally:
        await handle.shutdown()


# -- settings ---------------------------------------------------------------------------------

async def test_time_zone_from_the_list_by_city_and_by_name(bot, emulator):
    patient, menu = await onboard(emulator)
    await patient.press(menu, callback_data="menu:open:settings")
    settings = await patient.wait_for_message(has("set:tz"))
    assert "Asia/Ho_Chi_Minh" in settings.text or "Vietnam" in settings.text
    await patient.press(settings, callback_data="set:tz")
    zones = await patient.wait_for_message(has("set:tzpick:c3"))
    assert len([d for _l, d in zones.buttons if d.startswith("set:tzpick:")]) == 9
    await patient.press(zones, callback_data="set:tzpick:c3")
    await patient.wait_for_message(lambda m: "Tokyo" in m.text and "Done" in m.text)
    assert (await row_of(bot, patient)).timezone == "Asia/Tokyo"
    await wait_state(bot, patient, "settings.main")

    await patient.send_text("/timezone")
    await patient.wait_for_message(has("set:tzpick:c0"))
    await patient.send_text("Hà Nội")
    await patient.wait_for_message(lambda m: "Vietnam" in m.text and "Done" in m.text)
    assert (await row_of(bot, patient)).timezone == "Asia/Ho_Chi_Minh"

    await patient.send_text("/timezone")
    await patient.wait_for_message(has("set:tzpick:c0"))
    await patient.send_text("europe/berlin")
    await patient.wait_for_message(lambda m: "Europe/Berlin" in m.text)
    assert (await row_of(bot, patient)).timezone == "Europe/Berlin"

    await patient.send_text("/timezone")
    await patient.wait_for_message(has("set:tzpick:c0"))
    await patient.send_text("Atlantis under the sea")
    await patient.wait_for_message(lambda m: "couldn't find" in m.text)
    await patient.wait_for_message(has("set:tzpick:c0"))
    await wait_state(bot, patient, "settings.timezone")
    await patient.send_text("Indianapolis")  # two zones end in this city
    choice = await patient.wait_for_message(lambda m: "Several" in m.text)
    picks = [d for _l, d in choice.buttons if d.startswith("set:tzpick:z")]
    assert len(picks) == 2
    await patient.press(choice, callback_data=picks[0])
    await patient.wait_for_message(lambda m: "Indianapolis" in m.text and "Done" in m.text)
    assert "Indianapolis" in (await row_of(bot, patient)).timezone


async def test_language_can_be_changed_from_settings(bot, emulator):
    patient, menu = await onboard(emulator)
    await patient.press(menu, callback_data="menu:open:settings")
    settings = await patient.wait_for_message(has("set:lang"))
    await patient.press(settings, callback_data="set:lang")
    choose = await patient.wait_for_message(has("onb:lang:vi"))
    await patient.press(choose, callback_data="onb:lang:vi")
    await patient.wait_for_message(lambda m: "Bạn muốn làm gì?" in m.text)
    assert (await row_of(bot, patient)).language == "vi"
    await patient.send_text("/timezone")
    await patient.wait_for_message(lambda m: "Múi giờ của bạn" in m.text)


async def test_privacy_command_and_page(bot, emulator):
    patient, _menu = await onboard(emulator)
    await patient.send_text("/privacy")
    notice = await patient.wait_for_message(lambda m: "Your privacy" in m.text)
    assert "/privacy?lang=en" in notice.html and "/deleteme" in notice.text
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bot.web_url}/privacy?lang=vi") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/html")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            page = await response.text()
            assert "Thông báo quyền riêng tư" in page and 'lang="vi"' in page
            assert "care@example.org" in page
        async with session.get(f"{bot.web_url}/privacy?lang=<x>") as response:
            page = await response.text()
            assert response.status == 200 and "Privacy notice" in page and "<x>" not in page


async def test_commands_are_registered_in_both_languages(bot, emulator):
    scope = {"type": "all_private_chats"}
    for _ in range(100):
        if emulator.commands(scope, language_code="vi"):
            break
        await asyncio.sleep(0.05)
    for lang in ("en", "vi"):
        names = [c["command"] for c in emulator.commands(scope, language_code=lang)]
        for name in ("start", "menu", "help", "cancel", "language", "timezone", "privacy",
                     "contact"):
            assert name in names, (lang, name)
    vi = {c["command"]: c["description"] for c in emulator.commands(scope, language_code="vi")}
    en = {c["command"]: c["description"] for c in emulator.commands(scope, language_code="en")}
    assert vi["timezone"] != en["timezone"]
