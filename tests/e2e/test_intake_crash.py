"""`python -m bot` killed with SIGKILL in the middle of an intake: every acknowledged answer and
record survives, and the patient continues at the same step without /start."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.config import encryption_keys, load_settings
from storage.db import Database
from storage.models import Case, OutboxMessage, Record
from storage.records import RecordStore
from tests.conftest import COORDINATOR_CHAT_ID, bot_environ
from tests.e2e.test_intake import button, button_prefix, data_of, start_case
from tests.fixtures import samples
from tests.processes import BotProcess


@pytest.fixture
def bot_process(emulator, tmp_path, database_url):
    proc = BotProcess(bot_environ(emulator, tmp_path / "data", database_url), tmp_path)
    yield proc
    proc.ensure_stopped()


async def _draft(database_url: str) -> Case:
    db = Database(database_url)
    try:
        async with db.read() as s:
            return (await s.execute(select(Case).order_by(Case.id.desc()))).scalars().first()
    finally:
        await db.dispose()


async def test_sigkill_mid_intake_resumes_without_start(bot_process, emulator, database_url,
                                                        tmp_path):
    await bot_process.start(emulator)
    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:international")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.press(spec, callback_data="in:spec:hematology")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("Stage II breast cancer")
    # The answer is acknowledged (the next step is shown)...
    await patient.wait_for_message(button("in:none:treatment_plan"))
    bot_process.kill9()
    # ...so it is in the database, with the step, even though the process died at once.
    case = await _draft(database_url)
    assert case.diagnosis == "Stage II breast cancer" and case.step == "intake.plan"

    await bot_process.start(emulator)
    await patient.send_text("Chemotherapy, then surgery")  # no /start
    surgeries = await patient.wait_for_message(button("in:none:surgeries"))
    assert "Step 5 of 11" in surgeries.text
    await patient.press(surgeries, callback_data="in:none:surgeries")
    meds = await patient.wait_for_message(button("in:none:medications"))
    await patient.press(meds, callback_data="in:none:medications")
    allergies = await patient.wait_for_message(button("in:none:allergies"))
    await patient.press(allergies, callback_data="in:none:allergies")
    await patient.wait_for_message(button("in:next"))
    await patient.send_document(samples.pdf(date(2024, 5, 6)), file_name="biopsy.pdf")
    kind = await patient.wait_for_message(button_prefix("in:k_test:"))
    assert "Received and stored safely" in kind.text

    # Killed again, right after the file was acknowledged: the record is there, encrypted,
    # and the kind question still works after the restart.
    bot_process.kill9()
    db = Database(database_url)
    try:
        async with db.read() as s:
            (record,) = (await s.execute(select(Record))).scalars().all()
    finally:
        await db.dispose()
    settings = load_settings(bot_environ(emulator, tmp_path / "data", database_url))
    store = RecordStore(settings.DATA_DIR / "records", encryption_keys(settings))
    assert await store.get(blob_name=record.blob_name, wrapped_key=record.wrapped_key,
                           key_id=record.key_id) == samples.pdf(date(2024, 5, 6))

    await bot_process.start(emulator)
    await patient.press(kind, callback_data=data_of(kind, "in:k_test:"))
    when = await patient.wait_for_message(button_prefix("in:d_yes:"))
    assert "06 May 2024" in when.text
    await patient.press(when, callback_data=data_of(when, "in:d_yes:"))
    main = await patient.wait_for_message(button("in:next"))
    await patient.press(main, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:next"))
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient.press_keyboard("Skip")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    assert "Chemotherapy, then surgery" in review.text and "Stage II breast cancer" in review.text
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    done = await patient.wait_for_message(lambda m: "has been sent" in m.text, timeout=10)
    case = await _draft(database_url)
    assert case.status == "submitted" and case.number in done.text

    db = Database(database_url)
    try:
        async with db.read() as s:
            alerts = (await s.execute(select(OutboxMessage).where(
                OutboxMessage.chat_id == COORDINATOR_CHAT_ID))).scalars().all()
    finally:
        await db.dispose()
    assert len(alerts) == 1 and case.number in alerts[0].payload["text"]
    await bot_process.terminate()
    assert "Traceback" not in bot_process.logs()


async def test_a_lost_conversation_state_write_is_harmless(bot, emulator, database_url):
    """The conversation state is written just after the reply; a crash in between leaves it one
    step behind. The draft's own step (written before the reply) decides, so nothing is lost."""
    from sqlalchemy import update

    from storage.models import ConversationState

    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:domestic")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.press(spec, callback_data="in:unsure")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("Hypothyroidism")
    await patient.wait_for_message(button("in:none:treatment_plan"))
    await bot.shutdown()
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            await s.execute(update(ConversationState).values(state="intake.diagnosis"))
    finally:
        await db.dispose()
    await bot.start()
    await patient.send_text("Levothyroxine 50 mcg")
    await patient.wait_for_message(button("in:none:surgeries"))
    case = await _draft(database_url)
    assert (case.diagnosis, case.treatment_plan) == ("Hypothyroidism", "Levothyroxine 50 mcg")
