"""The coordinator console end to end, through the Bot API emulator: who may use it, alerts
without clinical text, first-come claims, the case card, experts, information requests and the
patient's answer, the signed records zip (with its FHIR bundle), reports with concordance,
closing, /queue and /stats, SLA alerts once each, an unreachable patient, and every status
change pushed to the patient in their language."""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
import zipfile
from datetime import date, timedelta

import aiohttp
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from bot.sla import check_sla
from conversations.intake.flow import coordinator_alerts
from storage.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseMessage,
    OutboxMessage,
    Record,
    Reminder,
    Report,
)
from tests.e2e.test_intake import answer_until_records, button, button_prefix, data_of, start_case
from tests.fixtures import samples

CANARIES = ("Mitral", "Valve", "Bisoprolol", "echo", "Penicillin", "Rare canary")


def has(data: str):
    return button(data)


def text_has(*parts: str):
    return lambda m: all(p in m.text for p in parts)


async def case_of(bot, case_id):
    async with bot.services.db.read() as s:
        return await s.get(Case, case_id)


async def wait_status(bot, case_id, status, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (row := await case_of(bot, case_id)).status != status:
        if loop.time() > deadline:
            raise AssertionError(f"case {case_id} is {row.status}, expected {status}")
        await asyncio.sleep(0.02)
    return row


async def submit_case(bot, emulator, *, lang="en", first_name="Lan", records=(), **answers):
    """A patient with a submitted case, made through the repositories (fast); the group gets
    the intake's own alert."""
    services = bot.services
    user = emulator.user(first_name=first_name, language_code=lang)
    patient = await services.patients.get_or_create(telegram_user_id=user.id,
                                                    chat_id=user.chat_id, language=lang)
    await services.patients.set_language(telegram_user_id=user.id, language=lang)
    patient = await services.patients.give_consent(telegram_user_id=user.id)
    case, _ = await services.cases.start_draft(patient_id=patient.id, step="intake.review")
    values = {"track": "domestic", "specialty": "neurology",
              "diagnosis": "Rare canary syndrome", "treatment_plan": "Wait and see",
              "surgeries": "", "medications": "Bisoprolol 5 mg", "allergies": ""}
    values.update(answers)
    await services.cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                                values=values)
    for data, day, kind in records:
        sealed = await services.record_store.put(data)
        mime = "application/pdf" if data.startswith(b"%PDF") else "image/jpeg"
        await services.cases.add_record(
            case_id=case.id, patient_id=patient.id, step="intake.review", mime=mime,
            size=sealed.size, sha256=sealed.sha256, blob_name=sealed.blob_name,
            wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, record_date=day,
            date_source="pdf" if day else None, kind=kind)
    result = await services.cases.submit(
        case_id=case.id, patient_id=patient.id,
        alerts=lambda c, n: coordinator_alerts(services, c, n))
    services.outbox_wakeup.set()
    return user, result.case


async def drained(bot, timeout=10.0):
    """Wait until the outbox has nothing pending (so a restart repeats nothing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with bot.services.db.read() as s:
            pending = (await s.execute(select(OutboxMessage.id).where(
                OutboxMessage.status == "pending"))).first()
        if pending is None:
            return
        if loop.time() > deadline:
            raise AssertionError("the outbox did not drain")
        await asyncio.sleep(0.05)


def no_canary_in_group(coordinators):
    for message in coordinators.group.messages:
        for canary in CANARIES:
            assert canary not in message.text, (canary, message.text)


async def new_case_alert(coordinators, case, timeout=10.0):
    """The group's alert for a case (looked up, so it can be found more than once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for message in coordinators.group.messages:
            if case.number in message.text and (f"co:claim:{case.id}" in
                                                {d for _, d in message.buttons}):
                return message
        if loop.time() > deadline:
            raise AssertionError(f"no alert for {case.number}\n"
                                 f"{coordinators.group.transcript()}")
        await asyncio.sleep(0.05)


async def claim(coordinators, case):
    alert = await new_case_alert(coordinators, case)
    query = await coordinators.first.press(alert, callback_data=f"co:claim:{case.id}")
    return await coordinators.first.wait_for_callback_answer(query)


async def open_card(coordinator, case):
    """Press "open" in the private chat (a forged press is fine: it is a coordinator's)."""
    await coordinator.press_data(f"co:open:{case.id}", message_id=1)
    return await coordinator.wait_for_message(text_has(f"Case {case.number}"))


async def refusals(bot):
    async with bot.services.db.read() as s:
        return list((await s.execute(select(AuditEvent).where(
            AuditEvent.action == "coordinator.refused"))).scalars())


def link_of(message) -> str:
    match = re.search(r'href="([^"]+/dl/[^"]+)"', message.html)
    assert match, message.html
    return match.group(1)


def local_url(bot, url: str) -> str:
    return f"{bot.web_url}/dl/{url.rsplit('/', 1)[-1]}"


async def fetch(url):
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, dict(response.headers), await response.read()


# -- the whole journey, from the real intake ------------------------------------------------------

async def submit_through_intake(bot, emulator):
    patient, track = await start_case(emulator, "en")
    records = await answer_until_records(patient, track)
    del records
    await patient.send_document(samples.pdf(date(2024, 3, 12)), file_name="labs.pdf",
                                mime_type="application/pdf")
    kind = await patient.wait_for_message(button_prefix("in:k_test:"))
    await patient.press(kind, callback_data=data_of(kind, "in:k_test:"))
    when = await patient.wait_for_message(button_prefix("in:d_yes:"))
    await patient.press(when, callback_data=data_of(when, "in:d_yes:"))
    main = await patient.wait_for_message(button("in:next"))
    await patient.press(main, callback_data="in:next")
    questions = await patient.wait_for_message(button("in:qadd"))
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient.press_keyboard("Skip")
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    await patient.wait_for_message(lambda m: "Your case has been sent" in m.text)
    async with bot.services.db.read() as s:
        case = (await s.execute(select(Case).where(Case.status == "submitted")
                                .order_by(Case.id.desc()))).scalars().first()
    return patient, case


async def test_the_console_journey(bot, emulator, coordinators, captured_logs):
    first, second, group = coordinators.first, coordinators.second, coordinators.group
    patient, case = await submit_through_intake(bot, emulator)

    # The new-case alert reaches the group, with no clinical text.
    alert = await new_case_alert(coordinators, case)
    assert "New case" in alert.text
    assert {d for _, d in alert.buttons} == {f"co:claim:{case.id}", f"co:open:{case.id}"}

    # Coordinator one claims from the group: a notice, the card in private, the patient told.
    answer = await claim(coordinators, case)
    assert f"claimed case {case.number}" in answer.text
    card = await first.wait_for_message(text_has(f"Case {case.number}", "Claimed"))
    assert "Mitral valve prolapse" in card.text and "Bisoprolol" in card.text
    assert "Coordinator One" in card.text and "2024-03-12 · test result · PDF" in card.text
    assert "Is my current diagnosis accurate?" in card.text
    await wait_status(bot, case.id, "claimed")
    told = await patient.wait_for_message(text_has("coordinator is now looking after",
                                                   case.number), timeout=10)
    assert told

    # Coordinator two is too late: told who has it.
    query = await second.press(alert, callback_data=f"co:claim:{case.id}")
    late = await second.wait_for_callback_answer(query)
    assert late.text == f"Case {case.number} is already claimed by Coordinator One."
    # "Open" in the group: the card goes to the presser's private chat, and says so.
    query = await second.press(alert, callback_data=f"co:open:{case.id}")
    assert (await second.wait_for_callback_answer(query)).text == \
        "I've sent it to our private chat."
    card2 = await second.wait_for_message(text_has(f"Case {case.number}"))
    assert "Mitral" in card2.text

    # Assign an expert: the console waits for "name; specialty".
    await first.press(card, callback_data=f"co:expert:{case.id}")
    ask = await first.wait_for_message(text_has("name; specialty"))
    await first.send_text("Tran Van An")  # no specialty: asked again
    await first.wait_for_message(text_has("semicolon"))
    await first.send_text("Dr. Tran Van An; Cardiology")
    await first.wait_for_message(text_has(f"Case {case.number} is now with Dr. Tran Van An"))
    del ask
    await wait_status(bot, case.id, "with_expert")
    await patient.wait_for_message(text_has("is now with an expert", "Cardiology"), timeout=10)

    # Ask the patient for more: the question reaches them with a Reply button.
    await first.press(card, callback_data=f"co:info:{case.id}")
    await first.wait_for_message(text_has("What would you like to ask"))
    await first.send_text("Could you send your latest echo report, please?")
    await first.wait_for_message(text_has("Your question was sent"))
    request = await patient.wait_for_message(has(f"nav:case_reply:{case.id}"), timeout=10)
    assert "latest echo report" in request.text and case.number in request.text
    assert (await case_of(bot, case.id)).status == "info_requested"

    # The patient answers with text and a file, then Done.
    await patient.press(request, callback_data=f"nav:case_reply:{case.id}")
    prompt = await patient.wait_for_message(has(f"reply:done:{case.id}"))
    assert "latest echo report" in prompt.text
    await patient.press(prompt, callback_data=f"reply:done:{case.id}")
    await patient.wait_for_message(text_has("haven't sent anything yet"))
    await patient.send_text("The echo from May was normal, the doctor said.")
    await patient.wait_for_message(text_has("Got it", "1 message, 0 files"))
    await patient.send_document(b"MZ\x90\x00 not a record", file_name="virus.exe")
    await patient.wait_for_message(text_has("can't accept that file"))
    await patient.send_document(samples.pdf(date(2024, 5, 2)), file_name="echo.pdf",
                                mime_type="application/pdf")
    done = await patient.wait_for_message(text_has("File received", "1 message, 1 file"))
    await patient.press(done, callback_data=f"reply:done:{case.id}")
    await patient.wait_for_message(text_has("Thank you", case.number))
    await patient.wait_for_message(text_has("What would you like to do?"))  # the menu
    info = await group.wait_for_message(text_has("Information received", case.number),
                                        timeout=10)
    assert "1 message, 1 file" in info.text
    await first.wait_for_message(text_has(f"patient of case {case.number} answered"),
                                 timeout=10)
    await wait_status(bot, case.id, "with_expert")
    async with bot.services.db.read() as s:
        records = (await s.execute(select(Record).where(Record.case_id == case.id))).scalars()
        assert sorted(r.record_date for r in records) == [date(2024, 3, 12), date(2024, 5, 2)]
        replies = (await s.execute(select(CaseMessage).where(
            CaseMessage.case_id == case.id, CaseMessage.direction == "reply"))).scalars().all()
        assert len(replies) == 2
    card = await open_card(first, case)
    assert "The echo from May was normal" in card.text and "With the expert" in card.text

    # Download the records: a signed link to a zip.
    await first.press(card, callback_data=f"co:dl:{case.id}")
    link_message = await first.wait_for_message(text_has("Download the zip", "15 minutes"))
    status, headers, body = await fetch(local_url(bot, link_of(link_message)))
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert "no-store" in headers["Cache-Control"]
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert [n.split("/", 1)[1] for n in names if "/records/" in n] == [
        "records/2024-03-12_test_1.pdf", "records/2024-05-02_other_1.pdf"]

    # Attach the report: a PDF (checked by content), then the concordance.
    card = await open_card(first, case)
    await first.press(card, callback_data=f"co:report:{case.id}")
    await first.wait_for_message(text_has("a PDF file", "https://"))
    await first.send_document(b"\x89PNG\r\n\x1a\n fake", file_name="report.pdf",
                              mime_type="application/pdf")
    await first.wait_for_message(text_has("isn't a PDF"))
    report_pdf = samples.pdf(date(2026, 11, 1), pages=2)
    await first.send_document(report_pdf, file_name="expert-report.pdf",
                              mime_type="application/pdf")
    ask = await first.wait_for_message(button_prefix("co:conc_"))
    assert f"Report received for case {case.number}" in ask.text
    await first.press(ask, label="🔀 Differs in treatment")
    await first.wait_for_message(text_has(f"Report attached to case {case.number}",
                                          "differs in treatment"))
    await wait_status(bot, case.id, "report_ready")
    await patient.wait_for_message(text_has("report for your case", "is ready", "/status"),
                                   timeout=10)
    async with bot.services.db.read() as s:
        report = (await s.execute(select(Report).where(Report.case_id == case.id))).scalar_one()
    assert report.concordance == "differs_treatment" and report.attached_by == first.id
    stored = bot.services.record_store.path(report.blob_name).read_bytes()
    assert b"%PDF" not in stored  # encrypted at rest
    assert await bot.services.record_store.get(blob_name=report.blob_name,
                                               wrapped_key=report.wrapped_key,
                                               key_id=report.key_id) == report_pdf

    # Close, with a reason: the patient is told.
    card = await open_card(first, case)
    await first.press(card, callback_data=f"co:close:{case.id}")
    reasons = await first.wait_for_message(has(f"co:cr_completed:{case.id}"))
    await first.press(reasons, callback_data=f"co:cr_completed:{case.id}")
    await first.wait_for_message(text_has(f"Case {case.number} is closed (completed)"))
    await patient.wait_for_message(text_has(case.number, "is now closed"), timeout=10)
    row = await wait_status(bot, case.id, "closed")
    assert row.close_reason == "completed" and row.closed_at is not None

    # Every change is in the history, with who; no clinical text in the group or the logs.
    async with bot.services.db.read() as s:
        events = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.id))).scalars().all()
    assert [e.to_status for e in events] == ["draft", "submitted", "claimed", "with_expert",
                                             "info_requested", "with_expert", "report_ready",
                                             "closed"]
    assert events[2].actor == f"coordinator:{first.id}"
    await asyncio.sleep(0.3)
    no_canary_in_group(coordinators)
    for secret in ("Mitral", "Bisoprolol", "echo from May", "latest echo", "Tran Van An"):
        assert secret not in captured_logs.text


# -- who may use the console ------------------------------------------------------------------------

async def test_only_coordinators_get_through(bot, emulator, coordinators):
    patient, case = await submit_case(bot, emulator)
    alert = await new_case_alert(coordinators, case)
    # A group member who is not a coordinator.
    outsider = emulator.user(first_name="Eve")
    coordinators.group.add_member(outsider)
    query = await outsider.press(alert, callback_data=f"co:claim:{case.id}")
    answer = await outsider.wait_for_callback_answer(query)
    assert answer.text == "Sorry, this is only for the service's coordinators."
    query = await outsider.press(alert, callback_data=f"co:open:{case.id}")
    assert "only for the service's coordinators" in (
        await outsider.wait_for_callback_answer(query)).text
    # The patient replaying or forging coordinator buttons in their own chat.
    for forged in (f"co:claim:{case.id}", f"co:open:{case.id}", f"co:cr_completed:{case.id}",
                   "co:queue", "co:conc_agrees:1"):
        query = await patient.press_data(forged, message_id=1)
        answer = await patient.wait_for_callback_answer(query)
        assert "only for the service's coordinators" in answer.text, forged
    # Commands too, in private and in the group.
    await patient.send_text("/queue")
    await patient.wait_for_message(text_has("only for the service's coordinators"))
    await patient.send_text("/stats")
    await patient.wait_for_message(text_has("only for the service's coordinators"))
    await outsider.send_text("/queue", chat=coordinators.group)
    await coordinators.group.wait_for_message(text_has("only for the service's coordinators"))
    await emulator.wait_idle()
    # Nothing changed, nothing was shown, every refusal is audited with ids only.
    row = await case_of(bot, case.id)
    assert row.status == "submitted" and row.claimed_by is None
    assert not any("Rare canary" in m.text for m in outsider.messages)
    assert not any("Rare canary" in m.text for m in patient.messages)
    audited = await refusals(bot)
    assert len(audited) == 10
    assert {a.actor for a in audited} == {f"user:{outsider.id}", f"user:{patient.id}"}
    assert {a.subject for a in audited} >= {f"co:claim:{case.id}", "cmd:queue", "cmd:stats"}
    # A coordinator's /queue in the group: the queue goes to the private chat.
    await coordinators.first.send_text("/queue", chat=coordinators.group)
    await coordinators.group.wait_for_message(text_has("sent it to our private chat"))
    queue = await coordinators.first.wait_for_message(text_has("Open cases"))
    assert case.number in queue.text
    no_canary_in_group(coordinators)


async def test_a_stale_button_and_a_forged_case_id(bot, emulator, coordinators):
    first = coordinators.first
    query = await first.press_data("co:open:999999", message_id=1)
    assert (await first.wait_for_callback_answer(query)).text == \
        "This case doesn't exist any more."
    _, case = await submit_case(bot, emulator)
    # Actions that do not fit the status are refused without a change.
    query = await first.press_data(f"co:report:{case.id}", message_id=1)
    answer = await first.wait_for_callback_answer(query)
    assert "isn't possible" in answer.text and "Waiting for a coordinator" in answer.text
    query = await first.press_data(f"co:info:{case.id}", message_id=1)
    assert "isn't possible" in (await first.wait_for_callback_answer(query)).text
    assert (await case_of(bot, case.id)).status == "submitted"


# -- the records zip ----------------------------------------------------------------------------

async def test_download_zip_signed_link_and_fhir(bot, emulator, coordinators):
    records = ((samples.pdf(date(2024, 3, 12)), date(2024, 3, 12), "test"),
               (samples.jpeg(None), None, "imaging"),
               (samples.pdf(date(2023, 1, 5), pages=2), date(2023, 1, 5), "note"),
               (samples.jpeg(date(2024, 3, 12), color="red"), date(2024, 3, 12), "test"))
    _, case = await submit_case(bot, emulator, records=records)
    first = coordinators.first
    card = await open_card(first, case)
    await first.press(card, callback_data=f"co:dl:{case.id}")
    message = await first.wait_for_message(text_has("Download the zip"))
    url = local_url(bot, link_of(message))
    status, headers, body = await fetch(url)
    assert status == 200 and "no-store" in headers["Cache-Control"]
    assert headers["Content-Disposition"] == \
        f'attachment; filename="{case.number}-records.zip"'
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    base = f"{case.number}-records/"
    names = [n.removeprefix(base) for n in archive.namelist()]
    assert names == ["records/2023-01-05_note_1.pdf", "records/2024-03-12_test_1.pdf",
                     "records/2024-03-12_test_2.jpg", "records/undated_imaging_1.jpg",
                     "index.html", "summary.html", "case.fhir.json"]
    # Decrypted, byte for byte.
    assert archive.read(base + "records/2023-01-05_note_1.pdf") == records[2][0]
    assert archive.read(base + "records/undated_imaging_1.jpg") == records[1][0]
    index = html.unescape(archive.read(base + "index.html").decode())
    for expected in ("2023-01-05", "doctor's note", "imaging", "date unknown",
                     'href="records/2024-03-12_test_2.jpg"'):
        assert expected in index, expected
    assert index.index("2023-01-05_note_1.pdf") < index.index("2024-03-12_test_1.pdf")
    summary = html.unescape(archive.read(base + "summary.html").decode())
    assert "Rare canary syndrome" in summary and "Bisoprolol 5 mg" in summary
    assert "Neurology" in summary
    bundle = json.loads(archive.read(base + "case.fhir.json"))
    parsed = Bundle.model_validate(bundle)
    types = [e.resource.get_resource_type() for e in parsed.entry]
    assert types.count("DocumentReference") == 4 and types[0] == "Patient"
    assert {"Condition", "MedicationStatement", "AllergyIntolerance",
            "QuestionnaireResponse"} <= set(types)
    docs = [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "DocumentReference"]
    assert [d["content"][0]["attachment"]["url"] for d in docs] == [
        n for n in names if n.startswith("records/")]
    # The opening is audited (ids only).
    async with bot.services.db.read() as s:
        opened = (await s.execute(select(AuditEvent).where(
            AuditEvent.action == "link.opened.records"))).scalars().all()
    assert [a.subject for a in opened] == [f"records:{case.id}"]

    # Tampered, malformed, unknown: a plain 404, not cached.
    token = url.rsplit("/", 1)[-1]
    link_id, expires, signature = token.split(".")
    bad_sig = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{link_id}.{expires}.{bad_sig}", f"{link_id}.{int(expires) + 600}.{signature}",
                "not-a-token", f"{'0' * 32}.{expires}.{signature}", token + "x"):
        status, headers, body = await fetch(f"{bot.web_url}/dl/{bad}")
        assert status == 404 and body == b"Not found", bad
        assert "no-store" in headers["Cache-Control"]
    # Expired after 15 minutes.
    assert (await fetch(url))[0] == 200
    bot.clock.advance(timedelta(minutes=15, seconds=1))
    assert (await fetch(url))[0] == 404
    # Revoked.
    bot.clock.advance(timedelta(minutes=-16))
    assert (await fetch(url))[0] == 200
    await bot.services.links.revoke(link_id=link_id, actor="test")
    assert (await fetch(url))[0] == 404


# -- reports by link, statistics and the queue ------------------------------------------------

async def work_to_expert(bot, coordinators, case):
    await claim(coordinators, case)
    first = coordinators.first
    card = await first.wait_for_message(text_has(f"Case {case.number}"))
    await first.press(card, callback_data=f"co:expert:{case.id}")
    await first.wait_for_message(text_has("name; specialty"))
    await first.send_text("Dr. Le Thi Hoa; Neurology")
    await first.wait_for_message(text_has("is now with Dr. Le Thi Hoa"))


async def attach_link_report(bot, first, case, label):
    await first.press_data(f"co:report:{case.id}", message_id=1)
    await first.wait_for_message(text_has("https://"))
    await first.send_text("http://reports.example.org/plain")  # not https
    await first.wait_for_message(text_has("I need a PDF file or a link"))
    await first.send_text(f"https://reports.example.org/{case.id}")
    ask = await first.wait_for_message(button_prefix("co:conc_"))
    await first.press(ask, label=label)
    await first.wait_for_message(text_has("Report attached"))


async def test_queue_stats_and_report_links(bot, emulator, coordinators):
    first = coordinators.first
    _, a = await submit_case(bot, emulator, first_name="A")
    _, b = await submit_case(bot, emulator, first_name="B")
    _, c = await submit_case(bot, emulator, first_name="C")
    await first.send_text("/stats")
    stats = await first.wait_for_message(text_has("Statistics"))
    assert "Waiting for a coordinator: 3" in stats.text and "no reports yet" in stats.text

    await work_to_expert(bot, coordinators, a)
    await work_to_expert(bot, coordinators, b)
    bot.clock.advance(timedelta(days=2))
    await attach_link_report(bot, first, a, "✅ Agrees")
    bot.clock.advance(timedelta(days=2))
    await attach_link_report(bot, first, b, "🔀 Differs in diagnosis")
    async with bot.services.db.read() as s:
        report = (await s.execute(select(Report).where(Report.case_id == a.id))).scalar_one()
    assert report.url == f"https://reports.example.org/{a.id}" and report.blob_name is None

    await first.send_text("/queue")
    queue = await first.wait_for_message(text_has("Open cases (3)"))
    lines = queue.text.splitlines()
    waiting = lines.index(next(line for line in lines if "Waiting for a coordinator" in line))
    ready = lines.index(next(line for line in lines if line.startswith("Report ready")))
    assert c.number in lines[waiting + 1] and "4 d" in lines[waiting + 1]
    assert a.number in lines[ready + 1] and "🙋 Coordinator One" in lines[ready + 1]
    assert {d for _, d in queue.buttons} >= {f"co:open:{a.id}", f"co:open:{c.id}", "co:queue"}
    assert "Rare canary" not in queue.text

    await first.send_text("/stats")
    stats = await first.wait_for_message(text_has("Statistics", "Median"))
    assert "Waiting for a coordinator: 1" in stats.text and "Report ready: 2" in stats.text
    # Turnarounds of 2 and 4 days: the median is 3 days.
    assert "Median time from submission to report: 3 d 0 h (2 reports)" in stats.text
    assert "agrees: 1 (50%)" in stats.text and "differs in diagnosis: 1 (50%)" in stats.text
    assert "differs in treatment: 0 (0%)" in stats.text


# -- SLA alerts ----------------------------------------------------------------------------------

async def test_sla_alerts_once_each_even_after_a_restart(make_bot, emulator, coordinators):
    bot = await make_bot(TURNAROUND_DAYS="7").start()
    try:
        _, unclaimed = await submit_case(bot, emulator, first_name="U")
        _, claimed = await submit_case(bot, emulator, first_name="K")
        await claim(coordinators, claimed)
        await wait_status(bot, claimed.id, "claimed")
        assert await check_sla(bot.services) == 0
        # Four calendar days always hold at least four working hours.
        bot.clock.advance(timedelta(days=4))
        assert await check_sla(bot.services) == 1
        alert = await coordinators.group.wait_for_message(text_has("Unclaimed"), timeout=10)
        assert unclaimed.number in alert.text and "4 working hours" in alert.text
        assert {d for _, d in alert.buttons} == {f"co:claim:{unclaimed.id}",
                                                 f"co:open:{unclaimed.id}"}
        assert await check_sla(bot.services) == 0
        await drained(bot)
        await bot.restart()
        assert await check_sla(bot.services) == 0
        bot.clock.advance(timedelta(days=4))  # past TURNAROUND_DAYS for both
        assert await check_sla(bot.services) == 2
        overdue = [await coordinators.group.wait_for_message(text_has("Report overdue"),
                                                             timeout=10) for _ in range(2)]
        assert {m.text.split("case ", 1)[1].split(" ")[0] for m in overdue} == {
            unclaimed.number, claimed.number}
        await drained(bot)
        await bot.restart()
        assert await check_sla(bot.services) == 0
        await asyncio.sleep(1.5)  # the repeating job has run by now, and found nothing new
        async with bot.services.db.read() as s:
            kinds = sorted((r.kind, r.dedup_key) for r in (await s.execute(select(Reminder).where(
                Reminder.kind.like("sla.%")))).scalars())
        assert kinds == sorted([("sla.unclaimed", f"sla.unclaimed:{unclaimed.id}"),
                                ("sla.overdue", f"sla.overdue:{unclaimed.id}"),
                                ("sla.overdue", f"sla.overdue:{claimed.id}")])
        assert len([m for m in coordinators.group.messages if "Unclaimed" in m.text]) == 1
        assert len([m for m in coordinators.group.messages if "overdue" in m.text]) == 2
        no_canary_in_group(coordinators)
    finally:
        await bot.shutdown()


async def test_the_sla_job_runs_by_itself(bot, emulator, coordinators):
    _, case = await submit_case(bot, emulator)
    bot.clock.advance(timedelta(days=4))
    # The job runs every 60 s; restart to have it run a second after start.
    await bot.restart()
    alert = await coordinators.group.wait_for_message(text_has("Unclaimed", case.number),
                                                      timeout=10)
    assert alert


# -- an unreachable patient, and notices in the patient's language ------------------------------

async def test_unreachable_patient_is_alerted_once_by_case_number(bot, emulator, coordinators):
    patient, case = await submit_case(bot, emulator)
    patient.block_bot()
    await claim(coordinators, case)  # the "claimed" notice cannot be delivered
    alert = await coordinators.group.wait_for_message(text_has("can't be reached"), timeout=10)
    assert case.number in alert.text and "Lan" not in alert.text
    # Another undeliverable notice in the same episode: no second alert.
    await coordinators.first.press_data(f"co:close:{case.id}", message_id=1)
    reasons = await coordinators.first.wait_for_message(has(f"co:cr_no_response:{case.id}"))
    await coordinators.first.press(reasons, callback_data=f"co:cr_no_response:{case.id}")
    await wait_status(bot, case.id, "closed")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        async with bot.services.db.read() as s:
            statuses = [m.status for m in (await s.execute(select(OutboxMessage).where(
                OutboxMessage.chat_id == patient.chat_id))).scalars()]
        if statuses.count("unreachable") == 2 or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert statuses.count("unreachable") == 2
    await asyncio.sleep(0.3)
    assert len([m for m in coordinators.group.messages if "can't be reached" in m.text]) == 1


async def test_notices_in_vietnamese_and_the_waiting_state_survives_a_restart(
        bot, emulator, coordinators):
    patient, case = await submit_case(bot, emulator, lang="vi")
    await claim(coordinators, case)
    await patient.wait_for_message(text_has("điều phối viên đã nhận", case.number), timeout=10)
    first = coordinators.first
    card = await first.wait_for_message(text_has(f"Case {case.number}"))
    await first.press(card, callback_data=f"co:expert:{case.id}")
    await first.wait_for_message(text_has("name; specialty"))
    await first.send_text("BS. Pham; Thần kinh")
    await first.wait_for_message(text_has("is now with BS. Pham"))
    await patient.wait_for_message(text_has("đã được chuyển tới chuyên gia", "Thần kinh"),
                                   timeout=10)
    await first.press(card, callback_data=f"co:info:{case.id}")
    await first.wait_for_message(text_has("What would you like to ask"))
    await bot.restart()  # the console still waits for the question
    await first.send_text("Bạn có kết quả MRI mới không?")
    await first.wait_for_message(text_has("Your question was sent"))
    request = await patient.wait_for_message(has(f"nav:case_reply:{case.id}"), timeout=10)
    assert "cần thêm một chút thông tin" in request.text and "MRI mới" in request.text
    assert ("✍️ Trả lời", f"nav:case_reply:{case.id}") in request.buttons
    # The patient is elsewhere in the bot; the Reply button still works from there.
    await patient.send_text("/menu")
    await patient.wait_for_message(has("menu:open:case"))
    await patient.press(request, callback_data=f"nav:case_reply:{case.id}")
    await patient.wait_for_message(text_has("Đội ngũ đã hỏi", "MRI mới"))
    await patient.send_photo(samples.jpeg(date(2026, 10, 20)))
    done = await patient.wait_for_message(text_has("Đã nhận tệp", "1 tệp"))
    await patient.press(done, callback_data=f"reply:done:{case.id}")
    await patient.wait_for_message(text_has("Cảm ơn bạn", case.number))
    await wait_status(bot, case.id, "with_expert")
    # An old Reply button, once answered, is answered kindly.
    await patient.press(request, callback_data=f"nav:case_reply:{case.id}")
    await patient.wait_for_message(text_has("đã được trả lời"))
    # Closing: told in Vietnamese.
    await first.press_data(f"co:close:{case.id}", message_id=1)
    reasons = await first.wait_for_message(has(f"co:cr_patient_request:{case.id}"))
    await first.press(reasons, callback_data=f"co:cr_patient_request:{case.id}")
    await patient.wait_for_message(text_has("Theo yêu cầu của bạn", case.number), timeout=10)
    async with bot.services.db.read() as s:
        record = (await s.execute(select(Record).where(Record.case_id == case.id))
                  ).scalar_one()
    assert record.record_date == date(2026, 10, 20) and record.kind == "other"
    no_canary_in_group(coordinators)


# -- texts the console builds from names ---------------------------------------------------------

def test_every_text_id_the_console_builds_exists_in_both_languages():
    from bot.texts import Texts
    from storage.case_status import CLOSE_REASONS, CONCORDANCE

    texts = Texts(default_language="en", facts={"emergency_number": "115",
                                                "support_email": "care@example.org",
                                                "turnaround_days": 7})
    needed = [f"btn-co-conc-{v.replace('_', '-')}" for v in CONCORDANCE]
    needed += [f"btn-co-close-{r.replace('_', '-')}" for r in CLOSE_REASONS]
    needed += [f"reply-file-{o}" for o in ("added", "duplicate", "too-big", "refused", "failed",
                                           "full")]
    for lang in ("en", "vi"):
        missing = [key for key in needed if not texts.has(lang, key)]
        assert not missing, (lang, missing)
        for reason in CLOSE_REASONS:  # every reason has its own patient sentence or a kind one
            assert texts.render(lang, "co-patient-closed", number="SO-1", reason=reason)


def test_the_card_and_the_queue_always_fit_in_one_message(tmp_path):
    """The longest answers, 100 records, 10 long questions and replies, long names: still one
    valid Telegram message (the download has everything in full)."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from bot.config import load_settings
    from bot.texts import Texts
    from handlers.coordinator.views import card_view, queue_view
    from sandbox.html_check import parse_html, utf16_len
    from storage.console import CaseCard, MessageOut, QueueItem, StoredRecord
    from storage.schemas import CaseEventOut, CaseOut, PatientOut, QuestionOut

    now = datetime(2026, 11, 3, 8, tzinfo=UTC)
    texts = Texts(default_language="en", facts={"emergency_number": "115",
                                                "support_email": "care@example.org",
                                                "turnaround_days": 7})
    services = SimpleNamespace(texts=texts,
                               settings=load_settings({"DATA_DIR": str(tmp_path)}))
    long = "<b>&" + "x" * 1996
    case = CaseOut(id=1, number="SO-2611-0001", patient_id=1, status="with_expert", step=None,
                   track="domestic", specialty="cardiology", diagnosis=long,
                   treatment_plan=long, surgeries=long, medications=long, allergies=long,
                   phone="+84900000000", parent_case_id=None, claimed_by=9001,
                   expert_name="E" * 200, expert_specialty="S" * 64, close_reason=None,
                   created_at=now, updated_at=now, submitted_at=now, claimed_at=now,
                   report_at=None, closed_at=None)
    patient = PatientOut(id=1, telegram_user_id=5, chat_id=5, language="vi",
                         language_chosen=True, timezone=None, consent_at=now,
                         employer_code=None, phone=None, unreachable_at=None, guidance=None,
                         created_at=now)
    records = tuple(StoredRecord(
        id=i, case_id=1, kind="imaging", record_date=date(2024, 1, 1), date_source="pdf",
        mime="image/jpeg", size=10 ** 6, sha256="0" * 64, created_at=now,
        blob_name="a" * 32 + ".rec", wrapped_key=b"k", key_id="k") for i in range(100))
    card = CaseCard(
        case=case, patient=patient, holder_name="N" * 64, records=records,
        questions=tuple(QuestionOut(id=i, position=i, suggested_key=None, text="q<" * 250)
                        for i in range(10)),
        events=tuple(CaseEventOut(from_status="a", to_status="claimed",
                                  actor="coordinator:9001", at=now) for _ in range(30)),
        messages=tuple(MessageOut(id=i, case_id=1, direction="reply", author="patient:1",
                                  text="m&" * 2000, record_id=None, return_status=None,
                                  answered_at=None, created_at=now) for i in range(10)),
        reports=(), names={9001: "N" * 64})
    for lang in ("en", "vi"):
        text, markup = card_view(services, lang, card, now)
        assert 0 < utf16_len(parse_html(text).text) <= 4096
        assert "…and 75 more" in text or "75 tài liệu khác" in text
    items = [QueueItem(case=case, holder_name="N" * 64, record_count=3) for _ in range(200)]
    text, markup = queue_view(services, "en", items, now)
    assert utf16_len(parse_html(text).text) <= 4096 and "more" in text
    assert len([b for row in markup.inline_keyboard for b in row]) <= 31
