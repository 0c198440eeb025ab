"""Case intake end to end, through the Bot API emulator: both languages, records (albums,
refusals, duplicates, dates, removal), questions, phone, review edits, resume, nudges and a
double submit."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from storage.models import (
    AuditEvent,
    Case,
    OutboxMessage,
    Patient,
    Question,
    Record,
    Reminder,
)
from tests.fixtures import samples


@pytest.fixture(autouse=True)
def _patient_pace(bot):
    """A simulated patient answers far faster than a person: lift the per-person flood limit
    so that it does not pause the journeys under test."""
    limiter = getattr(bot.services, "rate_limiter", None)
    if limiter is not None:
        limiter.limit = 10_000


def button(data: str):
    """A predicate: the message has a button with this callback data."""
    return lambda m: any(d == data for _, d in m.buttons)


def button_prefix(prefix: str):
    return lambda m: any((d or "").startswith(prefix) for _, d in m.buttons)


def data_of(message, prefix: str) -> str:
    return next(d for _, d in message.buttons if (d or "").startswith(prefix))


async def onboard(emulator, lang: str = "en", **user):
    patient = emulator.user(first_name=user.get("first_name", "Ann"), language_code=lang)
    await patient.send_text("/start")
    msg = await patient.wait_for_message(button(f"onb:lang:{lang}"))
    await patient.press(msg, callback_data=f"onb:lang:{lang}")
    about = await patient.wait_for_message(button("onb:about"))
    await patient.press(about, callback_data="onb:about")
    consent = await patient.wait_for_message(button("onb:consent:yes"))
    await patient.press(consent, callback_data="onb:consent:yes")
    menu = await patient.wait_for_message(button("menu:open:case"))
    return patient, menu


async def start_case(emulator, lang: str = "en"):
    patient, menu = await onboard(emulator, lang)
    await patient.press(menu, callback_data="menu:open:case")
    track = await patient.wait_for_message(button("in:track:domestic"))
    return patient, track


async def answer_until_records(patient, track, *, lang="en"):
    await patient.press(track, callback_data="in:track:international")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.send_text("heart" if lang == "en" else "tim")
    found = await patient.wait_for_message(button("in:spec:cardiology"))
    await patient.press(found, callback_data="in:spec:cardiology")
    del spec
    diag = await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("Mitral valve prolapse, moderate")
    plan = await patient.wait_for_message(button("in:none:treatment_plan"))
    await patient.send_text("Valve repair surgery proposed for next month")
    surg = await patient.wait_for_message(button("in:none:surgeries"))
    await patient.press(surg, callback_data="in:none:surgeries")
    meds = await patient.wait_for_message(button("in:none:medications"))
    await patient.send_text("Bisoprolol 2.5 mg once a day")
    allg = await patient.wait_for_message(button("in:none:allergies"))
    await patient.press(allg, callback_data="in:none:allergies")
    del diag, plan, meds
    return await patient.wait_for_message(button("in:next"))


async def case_row(bot, patient):
    async with bot.services.db.read() as s:
        pid = (await s.execute(select(Patient.id).where(
            Patient.telegram_user_id == patient.id))).scalar_one()
        return (await s.execute(select(Case).where(Case.patient_id == pid)
                                .order_by(Case.id.desc()))).scalars().first()


async def records_of(bot, case_id):
    async with bot.services.db.read() as s:
        return (await s.execute(select(Record).where(Record.case_id == case_id)
                                .order_by(Record.id))).scalars().all()


async def wait_outbox_sent(bot, chat_id, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with bot.services.db.read() as s:
            rows = (await s.execute(select(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id))).scalars().all()
        if rows and all(r.status == "sent" for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError("outbox not drained")


# -- the whole journey ------------------------------------------------------------------------

async def test_whole_intake_in_english(bot, emulator, coordinators, captured_logs):
    coordinator_group = coordinators.group
    patient, track = await start_case(emulator, "en")
    assert "Step 1 of 11" in track.text and "International expert" in track.text
    assert "United States" in track.text and "point of contact" in track.text
    records = await answer_until_records(patient, track)
    assert "Step 8 of 11" in records.text and "A complete case usually has" in records.text

    case = await case_row(bot, patient)
    assert case.status == "draft" and case.track == "international"
    assert case.specialty == "cardiology" and case.diagnosis == "Mitral valve prolapse, moderate"
    assert case.surgeries == "" and case.allergies == "" and case.step == "intake.records"

    # A PDF with a creation date: kind, then the date read from the file is confirmed.
    await patient.send_document(samples.pdf(date(2024, 3, 12)), file_name="labs.pdf",
                                mime_type="application/pdf")
    kind = await patient.wait_for_message(button_prefix("in:k_test:"))
    assert "Received and stored safely" in kind.text and "PDF" in kind.text
    await patient.press(kind, callback_data=data_of(kind, "in:k_test:"))
    when = await patient.wait_for_message(button_prefix("in:d_yes:"))
    assert "12 Mar 2024" in when.text
    await patient.press(when, callback_data=data_of(when, "in:d_yes:"))
    await patient.wait_for_message(button("in:next"))
    # A photo without a date: typed date.
    await patient.send_photo(samples.photo(1))
    kind = await patient.wait_for_message(button_prefix("in:k_imaging:"))
    await patient.press(kind, callback_data=data_of(kind, "in:k_imaging:"))
    ask = await patient.wait_for_message(button_prefix("in:d_today:"))
    assert "type the date" in ask.text
    await patient.send_text("31/02/2024")
    await patient.wait_for_message(lambda m: "couldn't read that as a date" in m.text)
    await patient.send_text("05/01/2024")
    main = await patient.wait_for_message(button("in:next"))
    assert "2</b> of at most 50" in main.html
    assert "✅ recent test results" in main.text and "✅ imaging reports" in main.text
    assert "▫️ doctors' notes" in main.text
    # The timeline is in date order.
    await patient.press(main, callback_data="in:recs")
    timeline = await patient.wait_for_message(lambda m: "oldest first" in m.text)
    lines = [line for line in timeline.text.splitlines() if line[:2] in ("1.", "2.")]
    assert "05 Jan 2024" in lines[0] and "12 Mar 2024" in lines[1]
    await patient.press(timeline, callback_data="in:rback")
    main = await patient.wait_for_message(button("in:next"))
    await patient.press(main, callback_data="in:next")

    questions = await patient.wait_for_message(button("in:qadd"))
    assert "Step 9 of 11" in questions.text
    assert "Is my current diagnosis accurate?" in questions.text
    await patient.press(questions, callback_data="in:qt:wait")  # leave one out
    questions = await patient.wait_for_message(button("in:qadd"))
    assert "▫️ What might happen if I wait" in questions.text
    await patient.send_text("Is surgery really needed at my age?")
    questions = await patient.wait_for_message(lambda m: "Question added" in m.text)
    assert "5 of at most 10 questions" in questions.text
    await patient.press(questions, callback_data="in:next")

    phone = await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    labels = [b["text"] for row in patient.reply_keyboard["keyboard"] for b in row]
    assert labels == ["📱 Share my phone number", "Skip", "⬅️ Back"]
    assert patient.reply_keyboard["keyboard"][0][0].get("request_contact") is True
    del phone
    # Someone else's contact is refused; the own contact is accepted.
    await patient.send_contact("+84 911 111 111", user_id=424242)
    await patient.wait_for_message(lambda m: "someone else's contact" in m.text)
    await patient.press_keyboard("📱 Share my phone number", phone_number="84901234567")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    assert "Step 11 of 11" in review.text
    for expected in ("International expert", "Cardiology", "Mitral valve prolapse",
                     "Valve repair", "Bisoprolol", "+84901234567", "2 (1 test result, 1 imaging report)",
                     "Is surgery really needed at my age?"):
        assert expected in review.text, expected
    assert patient.reply_keyboard is None

    # Edit a part from the review, and come back to it.
    await patient.press(review, callback_data="in:edit:allergies")
    allergies = await patient.wait_for_message(button("in:review"))
    assert "Step 7 of 11" in allergies.text and "Your answer now:" in allergies.text
    await patient.send_text("Penicillin")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    assert "Penicillin" in review.text

    submit = data_of(review, "in:submit:")
    await patient.press(review, callback_data=submit)
    done = await patient.wait_for_message(lambda m: "Your case has been sent" in m.text)
    case = await case_row(bot, patient)
    assert case.status == "submitted" and case.number and case.number in done.text
    assert "about 7 days" in done.text and "/status" in done.text
    assert case.number.startswith("SO-") and case.number.endswith(f"-{case.id:04d}")

    # The coordinators' alert: number, specialty, track, record count; no clinical text.
    alert = await coordinator_group.wait_for_message(lambda m: case.number in m.text,
                                                     timeout=10)
    assert "Cardiology" in alert.text and "International" in alert.text
    assert "Records: 2" in alert.text
    for clinical in ("Mitral", "Valve", "Bisoprolol", "Penicillin", "surgery", "+8490"):
        assert clinical not in alert.text
    assert {d for _, d in alert.buttons} == {f"co:claim:{case.id}", f"co:open:{case.id}"}
    # No patient text in the logs.
    for secret in ("Mitral", "Bisoprolol", "Penicillin", "Is surgery really", "84901234567"):
        assert secret not in captured_logs.text

    # /status shows the case.
    await patient.send_text("/status")
    status = await patient.wait_for_message(lambda m: "My case" in m.text)
    assert case.number in status.text and "2 records" in status.text
    assert "sent, waiting for a coordinator" in status.text


async def test_whole_intake_in_vietnamese(bot, emulator):
    patient, track = await start_case(emulator, "vi")
    assert "Bước 1/11" in track.text and "Chuyên gia quốc tế" in track.text
    records = await answer_until_records(patient, track, lang="vi")
    assert "Bước 8/11" in records.text and "Một hồ sơ đầy đủ thường có" in records.text
    await patient.send_document(samples.dicom(date(2022, 6, 30)), file_name="IM0001.dcm")
    kind = await patient.wait_for_message(button_prefix("in:k_imaging:"))
    assert "Đã nhận và lưu an toàn" in kind.text and "Chẩn đoán hình ảnh" in str(kind.buttons)
    await patient.press(kind, callback_data=data_of(kind, "in:k_imaging:"))
    when = await patient.wait_for_message(button_prefix("in:d_yes:"))
    assert "30/06/2022" in when.text
    await patient.press(when, callback_data=data_of(when, "in:d_yes:"))
    main = await patient.wait_for_message(button("in:next"))
    await patient.press(main, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:qadd"))
    assert "Chẩn đoán hiện tại của tôi có chính xác không?" in questions.text
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Bước 10/11" in m.text)
    await patient.press_keyboard("Bỏ qua")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    assert "Bước 11/11" in review.text and "Tim mạch" in review.text
    assert "không chia sẻ" in review.text
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    done = await patient.wait_for_message(lambda m: "đã được gửi" in m.text)
    case = await case_row(bot, patient)
    assert case.number in done.text and case.phone == ""
    records = await records_of(bot, case.id)
    assert [(r.kind, r.record_date, r.date_source, r.mime) for r in records] == [
        ("imaging", date(2022, 6, 30), "dicom", "application/dicom")]
    await patient.send_text("/status")
    status = await patient.wait_for_message(lambda m: "Hồ sơ của tôi" in m.text)
    assert case.number in status.text and "đã gửi, chờ điều phối viên" in status.text


async def reach_records(emulator, lang: str = "en"):
    patient, track = await start_case(emulator, lang)
    records = await answer_until_records(patient, track, lang=lang)
    return patient, records


async def bot_messages_after(patient, message_id: int):
    return [m for m in patient.messages if m.message_id > message_id]


# -- records ----------------------------------------------------------------------------------

async def test_album_of_five_photos_is_one_batch_with_one_reply(bot, emulator):
    patient, _ = await reach_records(emulator)
    jobs = bot.running.application.job_queue
    sent = await patient.send_album([samples.photo(i) for i in range(5)])
    group = sent[0].media_group_id
    assert group and all(m.media_group_id == group for m in sent)
    # The reply waits for a short job named after the album (ids only).
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.4
    while not jobs.get_jobs_by_name(f"album:{group}") and loop.time() < deadline:
        await asyncio.sleep(0.02)
    assert jobs.get_jobs_by_name(f"album:{group}")
    reply = await patient.wait_for_message(lambda m: "Received 5 files" in m.text)
    assert "What are these 5 files?" in reply.text
    await asyncio.sleep(2.0)
    assert [m.message_id for m in await bot_messages_after(patient, sent[-1].message_id)] == [
        reply.message_id]
    case = await case_row(bot, patient)
    rows = await records_of(bot, case.id)
    assert len(rows) == 5 and {r.media_group_id for r in rows} == {group}
    # One answer sorts and dates the whole album.
    await patient.press(reply, callback_data=data_of(reply, "in:k_imaging:"))
    when = await patient.wait_for_message(button_prefix("in:d_today:"))
    assert "When are these 5 files from?" in when.text
    await patient.press(when, callback_data=data_of(when, "in:d_today:"))
    main = await patient.wait_for_message(button("in:next"))
    assert "5</b> of at most 50" in main.html
    rows = await records_of(bot, case.id)
    assert {(r.kind, r.date_source) for r in rows} == {("imaging", "patient")}
    assert len({r.record_date for r in rows}) == 1


async def test_refused_files_get_a_kind_answer(bot, emulator):
    patient, _ = await reach_records(emulator)
    cases = [
        (samples.exe(), "setup.exe", "application/x-msdownload", "programs or scripts"),
        (samples.exe(), "results.pdf", "application/pdf", "programs or scripts"),
        (samples.zip_archive(), "records.zip", "application/zip", "compressed files"),
        (samples.zip_archive(), "results.pdf", "application/pdf", "compressed files"),
        (samples.pdf(), "scan.jpg", "image/jpeg", "doesn't match what is inside"),
        (samples.jpeg(), "report.pdf", "application/pdf", "doesn't match what is inside"),
        (samples.zip_archive(), "letter.docx", None, "Word or Excel"),
        (bytes(range(256)) * 8, "blob.dat", "application/pdf", "don't recognise"),
    ]
    for data, name, mime, answer in cases:
        await patient.send_document(data, file_name=name, mime_type=mime)
        reply = await patient.wait_for_message(lambda m, a=answer: a in m.text)
        assert "Step 8 of 11" in reply.text  # and the step again, in the same message
    # Too big: answered from the message's file_size, before any download is tried.
    downloads = len(emulator.requests_for("getFile"))
    await patient.send_document(samples.pdf(), file_name="huge.pdf",
                                declared_size=25 * 1024 * 1024)
    await patient.wait_for_message(lambda m: "larger than 20 MB" in m.text)
    await patient.send_photo(samples.photo(9), declared_size=21 * 1024 * 1024)
    await patient.wait_for_message(lambda m: "larger than 20 MB" in m.text)
    assert len(emulator.requests_for("getFile")) == downloads
    case = await case_row(bot, patient)
    assert await records_of(bot, case.id) == []
    records_dir = bot.settings.DATA_DIR / "records"
    assert not records_dir.exists() or not any(p.is_file() for p in records_dir.rglob("*"))


async def test_accepted_types_duplicates_and_encryption_at_rest(bot, emulator):
    patient, _ = await reach_records(emulator)
    heic = samples.heic(date(2024, 1, 20))
    await patient.send_document(heic, file_name="IMG_0002.HEIC", mime_type="image/heic")
    kind = await patient.wait_for_message(button_prefix("in:k_note:"))
    case = await case_row(bot, patient)
    # Told only once the encrypted file and its row are durable.
    (row,) = await records_of(bot, case.id)
    blob = bot.settings.DATA_DIR / "records" / row.blob_name[:2] / row.blob_name
    assert blob.exists() and heic not in blob.read_bytes()
    assert row.mime == "image/heic" and row.size == len(heic) and len(row.wrapped_key) == 60
    assert row.sha256 == hashlib.sha256(heic).hexdigest()
    assert row.record_date == date(2024, 1, 20) and row.date_source == "file"
    assert await bot.services.record_store.get(blob_name=row.blob_name,
                                               wrapped_key=row.wrapped_key,
                                               key_id=row.key_id) == heic
    await patient.press(kind, callback_data=data_of(kind, "in:k_note:"))
    when = await patient.wait_for_message(button_prefix("in:d_other:"))
    assert "20 Jan 2024" in when.text
    await patient.press(when, callback_data=data_of(when, "in:d_other:"))
    await patient.wait_for_message(lambda m: "Please type the date" in m.text)
    await patient.send_text("2024-01-19")
    await patient.wait_for_message(button("in:next"))
    # The same bytes again: stored once.
    await patient.send_document(heic, file_name="copy.heic")
    await patient.wait_for_message(lambda m: "already sent this exact file" in m.text)
    # Plain text and PNG are accepted too.
    await patient.send_document(samples.text(), file_name="notes.txt", mime_type="text/plain")
    kind = await patient.wait_for_message(button_prefix("in:k_other:"))
    await patient.press(kind, callback_data=data_of(kind, "in:k_other:"))
    when = await patient.wait_for_message(button_prefix("in:d_today:"))
    await patient.press(when, callback_data=data_of(when, "in:d_today:"))
    await patient.wait_for_message(button("in:next"))
    await patient.send_document(samples.png(), file_name="scan.png")
    await patient.wait_for_message(button_prefix("in:k_test:"))
    rows = await records_of(bot, case.id)
    assert [(r.mime, r.date_source) for r in rows] == [
        ("image/heic", "patient"), ("text/plain", "patient"), ("image/png", None)]
    assert rows[0].record_date == date(2024, 1, 19)


async def test_remove_a_record_from_the_timeline(bot, emulator):
    patient, _ = await reach_records(emulator)
    await patient.send_document(samples.pdf(date(2023, 2, 1)), file_name="a.pdf")
    kind = await patient.wait_for_message(button_prefix("in:k_test:"))
    await patient.press(kind, callback_data=data_of(kind, "in:k_test:"))
    when = await patient.wait_for_message(button_prefix("in:d_yes:"))
    await patient.press(when, callback_data=data_of(when, "in:d_yes:"))
    main = await patient.wait_for_message(button("in:recs"))
    case = await case_row(bot, patient)
    (row,) = await records_of(bot, case.id)
    blob = bot.settings.DATA_DIR / "records" / row.blob_name[:2] / row.blob_name
    assert blob.exists()
    await patient.press(main, callback_data="in:recs")
    timeline = await patient.wait_for_message(button(f"in:rm:{row.id}"))
    await patient.press(timeline, callback_data=f"in:rm:{row.id}")
    confirm = await patient.wait_for_message(button(f"in:rmok:{row.id}"))
    assert "01 Feb 2023" in confirm.text
    await patient.press(confirm, callback_data=f"in:rmok:{row.id}")
    await patient.wait_for_message(lambda m: "Removed" in m.text)
    assert await records_of(bot, case.id) == []
    assert not blob.exists()
    # Removing again (an old button) changes nothing.
    await patient.press_data(f"in:rmok:{row.id}", message_id=confirm.message_id)
    await patient.wait_for_message(lambda m: "earlier step" in m.text)
    async with bot.services.db.read() as s:
        assert "record.removed" in (await s.execute(select(AuditEvent.action))).scalars().all()


async def test_fifty_records_at_most(bot, emulator):
    patient, _ = await reach_records(emulator)
    case = await case_row(bot, patient)
    for i in range(50):
        await bot.services.cases.add_record(
            case_id=case.id, patient_id=case.patient_id, step="intake.records",
            mime="application/pdf", size=10, sha256=f"{i:064x}", blob_name=f"{i:032x}.rec",
            wrapped_key=b"k" * 60, key_id="0" * 16, record_date=date(2024, 1, 1),
            date_source="patient", kind="test")
    await patient.send_document(samples.pdf(), file_name="one-more.pdf")
    await patient.wait_for_message(lambda m: "maximum of 50 records" in m.text)
    assert len(await records_of(bot, case.id)) == 50


# -- questions, navigation, review ------------------------------------------------------------

async def test_questions_own_edit_remove_and_limits(bot, emulator):
    patient, records = await reach_records(emulator)
    await patient.press(records, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:qadd"))
    await patient.press(questions, callback_data="in:qadd")
    ask = await patient.wait_for_message(lambda m: "type your question" in m.text)
    await patient.send_text("x" * 501)
    await patient.wait_for_message(lambda m: "has 501 characters" in m.text)
    await patient.send_text("What about physiotherapy instead?")
    for i in range(4):
        await patient.wait_for_message(lambda m: "Question added" in m.text)
        await patient.send_text(f"Extra question number {i}?")
    listing = await patient.wait_for_message(lambda m: "Question added" in m.text)
    assert "10 of at most 10" in listing.text and not button("in:qadd")(listing)
    await patient.send_text("One too many?")
    await patient.wait_for_message(lambda m: "already have 10 questions" in m.text)
    case = await case_row(bot, patient)
    async with bot.services.db.read() as s:
        own = (await s.execute(select(Question).where(Question.case_id == case.id,
                                                      Question.text.is_not(None))
                               .order_by(Question.position))).scalars().all()
    assert len(own) == 5 and own[0].text == "What about physiotherapy instead?"
    await patient.press(listing, callback_data=f"in:qedit:{own[0].id}")
    await patient.wait_for_message(lambda m: "new wording" in m.text)
    await patient.send_text("What about physiotherapy first?")
    edited = await patient.wait_for_message(lambda m: "Question changed" in m.text)
    assert "1. What about physiotherapy first?" in edited.text
    await patient.press(edited, callback_data=f"in:qdel:{own[1].id}")
    after = await patient.wait_for_message(lambda m: "9 of at most 10" in m.text)
    assert "Extra question number 0?" not in after.text
    del ask


async def test_back_paging_unsure_and_old_buttons(bot, emulator):
    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:domestic")
    spec = await patient.wait_for_message(button("in:specp:1"))
    await patient.press(spec, callback_data="in:specp:1")
    page = await patient.wait_for_message(lambda m: "2 / 6" in str(m.buttons))
    assert page.message_id == spec.message_id  # turned in place
    await patient.press(page, callback_data="in:unsure")
    diag = await patient.wait_for_message(button("in:none:diagnosis"))
    assert "Step 3 of 11" in diag.text
    # An old button from step 1 is answered kindly, with the current step again.
    await patient.press(track, callback_data="in:track:international")
    await patient.wait_for_message(lambda m: "earlier step" in m.text and "Step 3 of 11" in m.text)
    case = await case_row(bot, patient)
    assert (case.track, case.specialty) == ("domestic", "unsure")
    # Back goes one step back and shows the answer given.
    await patient.press(diag, callback_data="in:back")
    spec = await patient.wait_for_message(lambda m: "Step 2 of 11" in m.text)
    assert "Not sure (the coordinator will decide)" in spec.text
    await patient.send_text("zzzz")
    await patient.wait_for_message(lambda m: "found no specialty" in m.text)
    await patient.send_text("cancer")
    found = await patient.wait_for_message(button("in:spec:oncology"))
    await patient.press(found, callback_data="in:spec:oncology")
    await patient.wait_for_message(button("in:none:diagnosis"))
    # Stickers and voice get a kind answer and the step again.
    await patient.send_sticker()
    await patient.wait_for_message(lambda m: "Step 3 of 11" in m.text)
    await patient.send_text("x" * 2001)
    await patient.wait_for_message(lambda m: "under 2000 characters" in m.text)
    # A file before the records step: not now, kindly.
    await patient.send_document(samples.pdf(), file_name="early.pdf")
    await patient.wait_for_message(lambda m: "step 8" in m.text)
    assert (await case_row(bot, patient)).specialty == "oncology"


async def test_forged_buttons_change_nothing(bot, emulator):
    patient, records = await reach_records(emulator)
    other, other_records = await reach_records(emulator)
    await other.send_document(samples.pdf(), file_name="theirs.pdf")
    await other.wait_for_message(button_prefix("in:k_test:"))
    theirs = await case_row(bot, other)
    (their_record,) = await records_of(bot, theirs.id)
    for forged in (f"in:k_test:{their_record.id}", f"in:rmok:{their_record.id}",
                   f"in:submit:{theirs.id}", "in:track:mars", "in:spec:nonexistent"):
        await patient.press_data(forged, message_id=records.message_id)
        await patient.wait_for_message(lambda m: "earlier step" in m.text)
    (still,) = await records_of(bot, theirs.id)
    assert still.kind is None and (await case_row(bot, other)).status == "draft"
    del other_records


async def test_double_submit_gives_one_case_and_the_same_number(bot, emulator, coordinators):
    patient, records = await reach_records(emulator)
    await patient.press(records, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:next"))
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient.press_keyboard("Skip")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    submit = data_of(review, "in:submit:")
    await patient.press(review, callback_data=submit)
    await patient.press(review, callback_data=submit)
    first = await patient.wait_for_message(lambda m: "has been sent" in m.text)
    second = await patient.wait_for_message(lambda m: "already sent" in m.text)
    case = await case_row(bot, patient)
    assert case.number in first.text and case.number in second.text
    # The same update delivered twice has no second effect either.
    emulator.redeliver_last(1)
    await emulator.wait_idle()
    await coordinators.group.wait_for_message(lambda m: case.number in m.text, timeout=10)
    await asyncio.sleep(0.5)
    async with bot.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Case))).scalar_one() == 1
        alerts = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.chat_id == coordinators.group.id))).scalars().all()
        assert len(alerts) == 1
    assert sum(case.number in m.text for m in coordinators.group.messages) == 1
    # Menu "case" now offers a new case; My case shows this one.
    await patient.send_text("/menu")
    menu = await patient.wait_for_message(button("menu:open:case"))
    await patient.press(menu, callback_data="menu:open:case")
    choice = await patient.wait_for_message(button("in:new"))
    assert case.number in choice.text
    await patient.press(choice, callback_data="in:new")
    await patient.wait_for_message(lambda m: "Step 1 of 11" in m.text)
    assert (await case_row(bot, patient)).status == "draft"


# -- resuming and nudges ----------------------------------------------------------------------

async def test_resume_from_the_menu_start_and_a_restart(bot, emulator):
    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:domestic")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.press(spec, callback_data="in:unsure")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("/menu")
    menu = await patient.wait_for_message(button("menu:open:case"))
    await patient.send_text("/status")
    status = await patient.wait_for_message(lambda m: "Unfinished case" in m.text)
    assert "step 3 of 11" in status.text
    await patient.press(menu, callback_data="menu:open:case")
    again = await patient.wait_for_message(lambda m: "Welcome back" in m.text)
    assert "Step 3 of 11" in again.text and button("in:none:diagnosis")(again)
    await patient.send_text("/start")
    again = await patient.wait_for_message(lambda m: "continue where you left off" in m.text)
    assert "Step 3 of 11" in again.text
    # The bot restarts; the patient simply answers.
    await bot.restart()
    await patient.send_text("Type 2 diabetes")
    await patient.wait_for_message(lambda m: "Step 4 of 11" in m.text)
    assert (await case_row(bot, patient)).diagnosis == "Type 2 diabetes"


async def test_nudges_after_24_and_72_hours_stop_once_submitted(bot, emulator):
    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:domestic")
    await patient.wait_for_message(button("in:unsure"))
    case = await case_row(bot, patient)
    async with bot.services.db.read() as s:
        reminders = (await s.execute(select(Reminder).where(Reminder.case_id == case.id)
                                     .order_by(Reminder.due_at))).scalars().all()
    assert [(r.kind, r.due_at - case.created_at) for r in reminders] == [
        ("intake_nudge_1", timedelta(hours=24)), ("intake_nudge_2", timedelta(hours=72))]
    bot.clock.advance(timedelta(hours=25))
    await bot.running.reminders.refill()
    nudge = await patient.wait_for_message(lambda m: "waiting for you at step 2" in m.text,
                                           timeout=10)
    assert button("menu:open:case")(nudge)
    # The patient comes back and answers; the second nudge counts from then.
    await patient.press(nudge, callback_data="menu:open:case")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.press(spec, callback_data="in:unsure")
    await patient.wait_for_message(button("in:none:diagnosis"))
    bot.clock.advance(timedelta(hours=48))  # 73 h after the start, 48 h after the answer
    await bot.running.reminders.refill()
    await asyncio.sleep(0.5)
    assert not any("gentle reminder" in m.text for m in patient.messages)
    bot.clock.advance(timedelta(hours=25))  # 73 h after the last answer
    await bot.running.reminders.refill()
    await patient.wait_for_message(lambda m: "gentle reminder" in m.text and "step 3" in m.text,
                                   timeout=10)
    async with bot.services.db.read() as s:
        statuses = (await s.execute(select(Reminder.kind, Reminder.status).where(
            Reminder.case_id == case.id, Reminder.status == "pending"))).all()
    assert statuses == []


async def test_a_nudge_for_a_submitted_case_is_dropped(bot, emulator):
    patient, records = await reach_records(emulator)
    await patient.press(records, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:next"))
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient.press_keyboard("Skip")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    await patient.wait_for_message(lambda m: "has been sent" in m.text)
    case = await case_row(bot, patient)
    async with bot.services.db.read() as s:
        rows = (await s.execute(select(Reminder).where(Reminder.case_id == case.id))
                ).scalars().all()
    assert {r.status for r in rows} == {"cancelled"}
    # Even a reminder left pending (say, by a crash) is dropped as stale when it fires.
    from bot.reminders import Stale
    from conversations.intake.flow import nudge_first
    left = await bot.services.reminders.schedule(kind="intake_nudge_1",
                                                 due_at=bot.clock.now(), case_id=case.id,
                                                 patient_id=case.patient_id)
    assert isinstance(await nudge_first(bot.services, left), Stale)
