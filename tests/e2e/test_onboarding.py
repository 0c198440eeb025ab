"""The first journey: /start → language → about → consent → menu, through the emulator."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.models import ConversationState, Patient


async def test_start_to_menu_in_english(bot, emulator):
    patient = emulator.user(first_name="Ann", language_code="en-US")
    await patient.send_text("/start")
    msg = await patient.wait_for_message(lambda m: "language" in m.text)
    # English is preselected from language_code, so it is first and ticked.
    assert msg.buttons[0][0].startswith("✓ English")
    await patient.press(msg, callback_data="onb:lang:en")
    about = await patient.wait_for_message(lambda m: "not an emergency service" in m.text)
    assert "115" in about.text
    await patient.press(about, callback_data="onb:about")
    consent = await patient.wait_for_message(lambda m: "privacy notice" in m.text)
    assert "/privacy" in consent.html
    await patient.press(consent, callback_data="onb:consent:yes")
    menu = await patient.wait_for_message(lambda m: "What would you like to do?" in m.text)
    labels = [label for label, _ in menu.buttons]
    assert any("How it works" in label for label in labels) or labels

    async with bot.services.db.read() as s:
        row = (await s.execute(select(Patient).where(
            Patient.telegram_user_id == patient.id))).scalar_one()
        assert row.consent_at is not None and row.language == "en"
    # The state is written through right after the step (within a second at most).
    for _ in range(50):
        async with bot.services.db.read() as s:
            state = (await s.execute(select(ConversationState.state))).scalar_one()
        if state == "menu.main":
            break
        await asyncio.sleep(0.02)
    assert state == "menu.main"


async def test_vietnamese_is_preselected_and_used(bot, emulator):
    patient = emulator.user(first_name="Lan", language_code="vi")
    await patient.send_text("/start")
    msg = await patient.wait_for_message(lambda m: "ngôn ngữ" in m.text)
    assert msg.buttons[0][0].startswith("✓ Tiếng Việt")
    await patient.press(msg, callback_data="onb:lang:vi")
    about = await patient.wait_for_message(lambda m: "không phải dịch vụ cấp cứu" in m.text)
    await patient.press(about, callback_data="onb:about")
    consent = await patient.wait_for_message(lambda m: "quyền riêng tư" in m.text)
    await patient.press(consent, callback_data="onb:consent:no")
    await patient.wait_for_message(lambda m: "Bạn muốn làm gì?" in m.text)
    async with bot.services.db.read() as s:
        row = (await s.execute(select(Patient))).scalar_one()
        assert row.consent_at is None


async def test_every_kind_of_input_gets_an_answer_at_every_step(bot, emulator):
    bot.services.rate_limiter.limit = 1000  # this test types faster than any person
    patient = emulator.user(language_code="en")
    await patient.send_text("/start")
    steps = [
        ("language", "onb:lang:en"),
        ("not an emergency service", "onb:about"),
        ("privacy notice", "onb:consent:yes"),
        ("What would you like to do?", None),
    ]
    for marker, data in steps:
        prompt = await patient.wait_for_message(lambda m, k=marker: k in m.text)
        inputs = [
            (lambda: patient.send_text("random words"), "didn't catch that", True),
            (lambda: patient.send_sticker(), "only understand the buttons", True),
            (lambda: patient.send_voice(), "can't listen to voice", True),
            (lambda: patient.send_document(b"%PDF-1.4 tiny", file_name="a.pdf",
                                           mime_type="application/pdf"),
             "can't take a file", True),
            (lambda: patient.send_text("/nonsense"), "don't know that command", False),
            (lambda: patient.send_text("/help"), "How to talk to me", False),
        ]
        for send, answer, reprompts in inputs:
            await send()
            await patient.wait_for_message(lambda m, a=answer: a in m.text)
            if reprompts:  # the step is shown again, so the patient is never stuck
                await patient.wait_for_message(lambda m, k=marker: k in m.text)
            await emulator.wait_idle()
        if data is not None:
            await patient.press(prompt, callback_data=data)


async def test_old_button_and_cancel(bot, emulator):
    patient = emulator.user(language_code="en")
    await patient.send_text("/start")
    lang_msg = await patient.wait_for_message(lambda m: "language" in m.text)
    await patient.press(lang_msg, callback_data="onb:lang:en")
    about = await patient.wait_for_message(lambda m: "not an emergency service" in m.text)
    # Pressing the language button again is an old button now: a notice and the step again.
    await patient.press_data("onb:lang:vi", message_id=lang_msg.message_id)
    await patient.wait_for_message(lambda m: "earlier step" in m.text)
    await patient.wait_for_message(lambda m: "not an emergency service" in m.text)
    await patient.press(about, callback_data="onb:about")
    await patient.wait_for_message(lambda m: "privacy notice" in m.text)
    await patient.send_text("/cancel")
    await patient.wait_for_message(lambda m: "What would you like to do?" in m.text)
