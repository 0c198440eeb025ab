"""/mydata and /deleteme end to end: a patient with canaries everywhere (name, diagnosis,
medications, a question, a record's content and file name, a typed reply, their phone) gets an
export of everything (data.json, records decrypted, a FHIR bundle per case), then erases it;
afterwards no canary is left in any column of any table (SQLAlchemy reflection) nor in any file
under DATA_DIR (bytes, the SQLite file and its log included), the coordinators were told the
case number only, and a second patient's data is untouched. On SQLite and PostgreSQL
(TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import secrets
import zipfile
from datetime import timedelta

import aiohttp
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from storage.erasure import owned_tables, ownership_edges
from storage.models import (
    Appointment,
    AuditEvent,
    Base,
    Case,
    ConsultFeedback,
    ConsultOffer,
    ConversationState,
    OutboxMessage,
    Patient,
    Question,
    Record,
    Reminder,
    Report,
    ReportFeedback,
    Slot,
)
from tests.e2e.test_coordinator import claim, drained, submit_case, text_has
from tests.e2e.test_intake import button, button_prefix, data_of, onboard
from tests.fixtures import samples
from tests.hostile.scan import in_texts, number_pattern, scan_database, scan_files


@pytest.fixture(autouse=True)
def _patient_pace(bot):
    bot.services.rate_limiter.limit = 10_000


def canaries() -> dict[str, str]:
    tag = secrets.token_hex(3)
    return {
        "name": f"Cnryname{tag}",
        "diagnosis": f"cnrydiag{tag} syndrome",
        "plan": f"cnryplan{tag} therapy",
        "medications": f"cnrymeds{tag} 5 mg",
        "question": f"cnryquest{tag} is it rare?",
        "record": f"cnryrecord{tag} haemoglobin 13.2",
        "file_name": f"cnryfile{tag}",
        "reply": f"cnryreply{tag} the scan was last May",
        "phone": f"849{secrets.randbelow(10**8):08d}",
    }


def needles(values: dict[str, str]) -> list[str]:
    """The distinctive part of each canary (what no other text can contain)."""
    return [v.split()[0] for v in values.values()]


async def intake_with_canaries(bot, emulator, values: dict[str, str]):
    """A patient who types every canary through the real intake, sends a record, shares their
    phone and submits. Returns (patient, case row)."""
    patient, menu = await onboard(emulator, "en", first_name=values["name"])
    await patient.press(menu, callback_data="menu:open:case")
    track = await patient.wait_for_message(button("in:track:domestic"))
    await patient.press(track, callback_data="in:track:domestic")
    await patient.wait_for_message(button("in:unsure"))
    await patient.send_text("heart")
    found = await patient.wait_for_message(button("in:spec:cardiology"))
    await patient.press(found, callback_data="in:spec:cardiology")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text(values["diagnosis"])
    await patient.wait_for_message(button("in:none:treatment_plan"))
    await patient.send_text(values["plan"])
    surg = await patient.wait_for_message(button("in:none:surgeries"))
    await patient.press(surg, callback_data="in:none:surgeries")
    await patient.wait_for_message(button("in:none:medications"))
    await patient.send_text(values["medications"])
    allg = await patient.wait_for_message(button("in:none:allergies"))
    await patient.press(allg, callback_data="in:none:allergies")
    await patient.wait_for_message(button("in:next"))
    await patient.send_document(values["record"].encode(),
                                file_name=f"{values['file_name']}.txt", mime_type="text/plain")
    kind = await patient.wait_for_message(button_prefix("in:k_test:"))
    await patient.press(kind, callback_data=data_of(kind, "in:k_test:"))
    when = await patient.wait_for_message(button_prefix("in:d_today:"))
    await patient.press(when, callback_data=data_of(when, "in:d_today:"))
    main = await patient.wait_for_message(button("in:next"))
    await patient.press(main, callback_data="in:next")
    await patient.wait_for_message(button("in:qadd"))
    await patient.send_text(values["question"])
    questions = await patient.wait_for_message(lambda m: "Question added" in m.text)
    await patient.press(questions, callback_data="in:next")
    await patient.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient.press_keyboard("📱 Share my phone number", phone_number=values["phone"])
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    await patient.wait_for_message(lambda m: "Your case has been sent" in m.text)
    async with bot.services.db.read() as s:
        pid = (await s.execute(select(Patient.id).where(
            Patient.telegram_user_id == patient.id))).scalar_one()
        case = (await s.execute(select(Case).where(Case.patient_id == pid))).scalar_one()
    return patient, case


async def reply_with_canary(bot, patient, coordinators, case, text: str) -> None:
    """A coordinator claims the case and asks; the patient answers with ``text``."""
    await claim(coordinators, case)
    first = coordinators.first
    card = await first.wait_for_message(text_has(f"Case {case.number}", "Claimed"))
    await first.press(card, callback_data=f"co:info:{case.id}")
    await first.wait_for_message(text_has("What would you like to ask"))
    await first.send_text("Could you tell us when your last scan was?")
    request = await patient.wait_for_message(button(f"nav:case_reply:{case.id}"), timeout=10)
    await patient.press(request, callback_data=f"nav:case_reply:{case.id}")
    await patient.wait_for_message(button(f"reply:done:{case.id}"))
    await patient.send_text(text)
    done = await patient.wait_for_message(text_has("Got it"))
    await patient.press(done, callback_data=f"reply:done:{case.id}")
    await patient.wait_for_message(text_has("Thank you", case.number))


def export_url(bot, message) -> str:
    match = re.search(r'href="([^"]+/export/[^"]+)"', message.html)
    assert match, message.html
    return f"{bot.web_url}/export/{match.group(1).rsplit('/', 1)[-1]}"


async def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, dict(response.headers), await response.read()


async def snapshot(bot, patient_id: int) -> dict[str, list[dict]]:
    """Every row that is this patient's, by table (to prove it unchanged)."""
    data = await bot.services.erasure.export(patient_id=patient_id)
    assert data is not None
    return {"patient": [data.patient.model_dump()],
            **{name: [dict(r) for r in rows] for name, rows in data.tables.items()}}


async def erase(patient) -> str:
    await patient.send_text("/deleteme")
    ask = await patient.wait_for_message(button("rights:go"))
    assert "can't be undone" in ask.text
    await patient.press(ask, callback_data="rights:go")
    final = await patient.wait_for_message(button("rights:erase"))
    assert "Yes, delete everything" in next(label for label, _ in final.buttons)
    await patient.press(final, callback_data="rights:erase")
    done = await patient.wait_for_message(text_has("has been deleted"), timeout=10)
    return re.search(r"<code>([0-9a-f]+)</code>", done.html).group(1)


async def test_export_then_erase_leaves_no_trace(bot, emulator, coordinators, captured_logs):
    values = canaries()
    secret = needles(values)
    other_values = canaries()
    other_user, other_case = await submit_case(
        bot, emulator, first_name=other_values["name"], diagnosis=other_values["diagnosis"],
        medications=other_values["medications"],
        records=[(samples.pdf(), None, "test")])

    patient, case = await intake_with_canaries(bot, emulator, values)
    await reply_with_canary(bot, patient, coordinators, case, values["reply"])
    await drained(bot)
    async with bot.services.db.read() as s:
        pid = case.patient_id
        other_pid = (await s.execute(select(Patient.id).where(
            Patient.telegram_user_id == other_user.id))).scalar_one()
        record = (await s.execute(select(Record).where(Record.case_id == case.id))
                  ).scalar_one()
        other_blob = (await s.execute(select(Record.blob_name).where(
            Record.case_id == other_case.id))).scalar_one()
    # Before: stored where expected (the record's content only encrypted, never in clear).
    stored = {h.needle for h in await scan_database(bot.services.db, secret)}
    assert stored == {n for n in secret if not n.startswith(("cnryfile", "Cnryname",
                                                              "cnryrecord"))}, stored
    assert not scan_files(bot.settings.DATA_DIR / "records", secret)[0]
    other_before = await snapshot(bot, other_pid)

    # -- /mydata: a signed link to everything -------------------------------------------------
    await patient.send_text("/mydata")
    message = await patient.wait_for_message(text_has("Download my data"))
    assert "30 minutes" in message.text
    status, headers, body = await fetch(export_url(bot, message))
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert "no-store" in headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    names = archive.namelist()
    folder = f"my-data/cases/{case.number}"
    assert {"my-data/data.json", "my-data/README.txt", f"{folder}/case.fhir.json"} <= set(names)
    files = [n for n in names if n.startswith(f"{folder}/records/")]
    assert len(files) == 1 and archive.read(files[0]) == values["record"].encode()
    data = json.loads(archive.read("my-data/data.json"))
    dumped = json.dumps(data, ensure_ascii=False)
    for key in ("diagnosis", "plan", "medications", "question", "reply", "phone"):
        assert values[key] in dumped, key
    (exported,) = data["cases"]
    assert exported["number"] == case.number and exported["diagnosis"] == values["diagnosis"]
    assert [e["to_status"] for e in exported["case_events"]][:3] == ["draft", "submitted",
                                                                     "claimed"]
    assert {e["actor"] for e in exported["case_events"]} <= {"you", "coordinator"}
    assert any(q["text"] == values["question"] for q in exported["questions"])
    assert any(m.get("text") == values["reply"] for m in exported["case_messages"])
    assert exported["records"][0]["file"] == files[0].removeprefix("my-data/")
    assert data["patient"]["phone"] is None or values["phone"] in data["patient"]["phone"]
    assert any("last scan" in m.get("text", "") for m in data["messages_to_you"])
    assert any(a["action"] == "case.viewed" and a["by"] == "coordinator"
               for a in data["access_log"])
    # Entitled to their own data only: no other patient, no coordinator's id, no key material.
    for other in needles(other_values):
        assert other not in dumped
    for coordinator in (coordinators.first.id, coordinators.second.id):
        assert not number_pattern(coordinator).search(dumped)
    for internal in ("blob_name", "wrapped_key", "key_id", "claimed_by", record.blob_name):
        assert internal not in dumped
    bundle = json.loads(archive.read(f"{folder}/case.fhir.json"))
    Bundle.model_validate(bundle)
    assert values["diagnosis"] in json.dumps(bundle)
    assert "cnry" not in archive.read("my-data/README.txt").decode()

    # -- /deleteme: two confirmations, then everything goes ---------------------------------------
    reference = await erase(patient)
    await emulator.wait_idle()
    withdrawn = await coordinators.group.wait_for_message(
        text_has(case.number, "withdrawn"), timeout=10)
    assert withdrawn.buttons == []
    await drained(bot)

    async with bot.services.db.read() as s:
        assert await s.get(Patient, pid) is None
        assert (await s.execute(select(func.count()).select_from(Case).where(
            Case.patient_id == pid))).scalar_one() == 0
        assert (await s.execute(select(OutboxMessage).where(
            OutboxMessage.chat_id == patient.chat_id))).first() is None
        keys = set((await s.execute(select(ConversationState.key))).scalars())
        assert f"[{patient.chat_id},{patient.id}]" not in keys and str(pid) not in keys
        erased = (await s.execute(select(AuditEvent).where(
            AuditEvent.action == "patient.erased"))).scalar_one()
    assert erased.subject == f"erasure:{reference}" and erased.actor == "system"
    assert await bot.services.audit.verify_chain()
    assert not bot.services.record_store.exists(record.blob_name)

    # No canary anywhere: every column of every table, every file under DATA_DIR.
    hits = await scan_database(bot.services.db, secret)
    assert not hits, [str(h) for h in hits]
    file_hits, scanned = scan_files(bot.settings.DATA_DIR, secret)
    assert not file_hits, [str(h) for h in file_hits]
    assert scanned >= 2  # the other patient's record at least (and the SQLite files)
    # Nor the patient's Telegram id, as a value of its own, anywhere in the database.
    id_hits = await scan_database(bot.services.db, [f"[{patient.chat_id},{patient.id}]"])
    assert not id_hits
    # Nor in the logs, nor in the coordinators' chats.
    assert not in_texts([captured_logs.text], secret)
    # (The case card showed them to the coordinator, privately; the group never.)
    assert not in_texts([m.text for m in coordinators.group.messages], secret)
    assert not in_texts([m.text for m in other_user.messages], secret)

    # The other patient is untouched, their file still opens.
    assert await snapshot(bot, other_pid) == other_before
    assert bot.services.record_store.exists(other_blob)

    # Writing again starts afresh (a new, empty patient).
    await patient.send_text("/start")
    await patient.wait_for_message(button("onb:lang:en"))
    async with bot.services.db.read() as s:
        fresh = (await s.execute(select(Patient).where(
            Patient.telegram_user_id == patient.id))).scalar_one()
    assert fresh.id != pid and fresh.consent_at is None and fresh.phone is None


async def test_the_erase_button_works_only_after_both_steps(bot, emulator):
    patient, _menu = await onboard(emulator, "en")
    async with bot.services.db.read() as s:
        before = (await s.execute(select(func.count()).select_from(Patient))).scalar_one()
    # A forged or replayed "Yes, delete everything" outside the last step: an old button.
    query = await patient.press_data("rights:erase", message_id=1)
    await patient.wait_for_callback_answer(query)
    await patient.wait_for_message(text_has("earlier step"))
    # "No, keep my data" at either step keeps everything.
    await patient.send_text("/deleteme")
    ask = await patient.wait_for_message(button("rights:keep"))
    query = await patient.press_data("rights:erase", message_id=ask.message_id)
    await patient.wait_for_message(text_has("earlier step"))
    await patient.press(ask, callback_data="rights:keep")
    await patient.wait_for_message(text_has("Nothing was deleted"))
    await patient.send_text("/deleteme")
    ask = await patient.wait_for_message(button("rights:go"))
    await patient.press(ask, callback_data="rights:go")
    final = await patient.wait_for_message(button("rights:erase"))
    await patient.press(final, callback_data="rights:keep")
    await patient.wait_for_message(text_has("Nothing was deleted"))
    # Pressed again later (its buttons are gone; a client may still send it): stale.
    await patient.press_data("rights:erase", message_id=final.message_id)
    await patient.wait_for_message(text_has("earlier step"))
    await emulator.wait_idle()
    async with bot.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Patient))).scalar_one() == before
        assert (await s.execute(select(Patient).where(
            Patient.telegram_user_id == patient.id))).scalar_one().consent_at is not None
        assert (await s.execute(select(AuditEvent).where(
            AuditEvent.action == "patient.erased"))).first() is None


async def test_a_copy_first_then_vietnamese_erasure_with_a_draft(bot, emulator):
    patient, menu = await onboard(emulator, "vi")
    await patient.press(menu, callback_data="menu:open:case")
    track = await patient.wait_for_message(button("in:track:domestic"))
    await patient.press(track, callback_data="in:track:domestic")
    await patient.wait_for_message(button("in:unsure"))
    await patient.send_text("/deleteme")
    ask = await patient.wait_for_message(button("rights:copy"))
    assert "Xóa toàn bộ" in ask.text
    await patient.press(ask, callback_data="rights:copy")
    link = await patient.wait_for_message(text_has("Tải dữ liệu của tôi"))
    status, _headers, body = await fetch(export_url(bot, link))
    assert status == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("my-data/data.json"))
    assert data["cases"][0]["status"] == "draft" and data["cases"][0]["track"] == "domestic"
    ask = await patient.wait_for_message(button("rights:go"))
    await patient.press(ask, callback_data="rights:go")
    final = await patient.wait_for_message(button("rights:erase"))
    await patient.press(final, callback_data="rights:erase")
    await patient.wait_for_message(text_has("Xong."), timeout=10)
    async with bot.services.db.read() as s:
        assert (await s.execute(select(Patient).where(
            Patient.telegram_user_id == patient.id))).first() is None
        assert (await s.execute(select(Question))).first() is None
    # The export link died with the data.
    status, _headers, _body = await fetch(export_url(bot, link))
    assert status == 404


async def test_export_links_are_signed_short_lived_and_audited(bot, emulator):
    patient, _menu = await onboard(emulator, "en")
    await patient.send_text("/mydata")
    message = await patient.wait_for_message(text_has("Download my data"))
    url = export_url(bot, message)
    token = url.rsplit("/", 1)[-1]
    link_id = token.split(".", 1)[0]
    assert (await fetch(url))[0] == 200
    # Tampered, foreign purpose, malformed: a plain 404, each refusal audited.
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert (await fetch(tampered))[0] == 404
    assert (await fetch(f"{bot.web_url}/dl/{token}"))[0] == 404  # not a records link
    assert (await fetch(f"{bot.web_url}/export/..%2F..%2Fetc%2Fpasswd"))[0] == 404
    # 30 minutes later it no longer opens.
    bot.clock.advance(timedelta(minutes=31))
    assert (await fetch(url))[0] == 404
    audit = await bot.services.audit.all()
    opened = [a for a in audit if a.action == "link.opened.export"]
    refused = [a for a in audit if a.action.startswith("link.refused")]
    assert len(opened) == 1 and opened[0].actor == f"link:{link_id}"
    assert len(refused) == 4
    assert {a.subject for a in refused} == {f"export:{link_id}", f"dl:{link_id}",
                                            "export:malformed"}
    assert all(token not in (a.subject or "") for a in audit)
    assert await bot.services.audit.verify_chain()


async def test_every_table_that_references_a_patient_is_covered():
    """The erasure follows the schema: every table with a key to ``patients`` or to a table
    that is theirs is owned (so a table added later is exported and erased with no change)."""
    edges = ownership_edges()
    owned = set(owned_tables(edges))
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent in owned and (fk.ondelete or "").upper() != "SET NULL" \
                    and parent != table.name:
                assert table.name in owned, (table.name, parent)
    assert {"patients", "cases", "case_events", "records", "questions", "reports", "links",
            "reminders", "appointments", "case_messages"} <= owned
    assert "slots" not in owned and "coordinators" not in owned and "audit_events" not in owned


async def test_booking_report_and_feedback_rows_are_exported_and_erased(bot, emulator,
                                                                        coordinators):
    """Rows of the consultation and report features (written straight through their models, so
    this holds whatever their flows look like): in the export, then gone; the slot stays."""
    tag = secrets.token_hex(3)
    user, case = await submit_case(bot, emulator)
    services = bot.services
    now = services.clock.now()
    report_pdf = samples.pdf(pages=2)
    sealed = await services.record_store.put(report_pdf)
    staged = await services.record_store.put(samples.pdf(pages=3))
    async with services.db.transaction() as s:
        slot = Slot(physician="Dr. Slot", track="domestic", starts_at=now + timedelta(days=2),
                    minutes=30, timezone="Asia/Ho_Chi_Minh", created_by=coordinators.first.id,
                    created_at=now)
        s.add(slot)
        await s.flush()
        appointment = Appointment(slot_id=slot.id, case_id=case.id, status="booked",
                                  starts_at=slot.starts_at, video_room=f"room-{tag}",
                                  created_at=now, updated_at=now)
        s.add(appointment)
        await s.flush()
        s.add_all([
            ConsultFeedback(appointment_id=appointment.id, rating=4,
                            comment=f"cnryconsult{tag} was kind", created_at=now,
                            updated_at=now),
            ReportFeedback(case_id=case.id, comparison="agrees", rating=5,
                           comment=f"cnryreport{tag} thanks", created_at=now, updated_at=now),
            ConsultOffer(case_id=case.id, offered_by=coordinators.first.id, created_at=now),
            Reminder(kind="booking.remind_24h", appointment_id=appointment.id,
                     dedup_key=f"b24:{appointment.id}", due_at=now + timedelta(days=1),
                     status="pending", created_at=now),
            Report(case_id=case.id, blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                   key_id=sealed.key_id, sha256=sealed.sha256, concordance="agrees",
                   attached_by=coordinators.first.id, attached_at=now),
            Report(case_id=case.id, blob_name=staged.blob_name, wrapped_key=staged.wrapped_key,
                   key_id=staged.key_id, sha256=staged.sha256, concordance=None,
                   attached_by=coordinators.first.id, attached_at=now),
        ])
        slot_id = slot.id

    await user.send_text("/mydata")
    message = await user.wait_for_message(text_has("Download my data"))
    _status, _headers, body = await fetch(export_url(bot, message))
    archive = zipfile.ZipFile(io.BytesIO(body))
    data = json.loads(archive.read("my-data/data.json"))
    (exported,) = data["cases"]
    assert exported["appointments"][0]["video_room"] == f"room-{tag}"
    assert exported["report_feedback"][0]["comment"].startswith(f"cnryreport{tag}")
    assert data["consult_feedback"][0]["comment"].startswith(f"cnryconsult{tag}")
    assert len(exported["reports"]) == 1  # the released one; not the upload in progress
    assert "offered_by" not in json.dumps(exported["consult_offers"])
    reports = [n for n in archive.namelist() if "/reports/" in n]
    assert len(reports) == 1 and archive.read(reports[0]) == report_pdf

    await erase(user)
    await drained(bot)
    hits = await scan_database(services.db, [f"cnryconsult{tag}", f"cnryreport{tag}",
                                             f"room-{tag}"])
    assert not hits, [str(h) for h in hits]
    assert not services.record_store.exists(sealed.blob_name)
    assert not services.record_store.exists(staged.blob_name)
    async with services.db.read() as s:
        assert (await s.get(Slot, slot_id)) is not None  # the coordinator's slot, free again
        for model in (Appointment, ConsultFeedback, ReportFeedback, ConsultOffer, Report):
            assert (await s.execute(select(func.count()).select_from(model))).scalar_one() \
                == 0, model.__name__


async def test_erasure_counts_every_owned_row(bot, emulator, coordinators):
    """Straight through the repositories: what `erase` deletes is exactly what `export`
    showed, and a second erase finds nothing."""
    user, case = await submit_case(bot, emulator, records=[(samples.pdf(), None, "test"),
                                                           (samples.jpeg(), None, "imaging")])
    services = bot.services
    patient = await services.patients.get(telegram_user_id=user.id)
    data = await services.erasure.export(patient_id=patient.id)
    expected = {name: len(rows) for name, rows in data.tables.items() if rows}
    result = await services.erasure.erase(patient_id=patient.id, erasure_id="t1",
                                          notify=lambda c: [])
    assert result is not None and result.withdrawn == (case.number,)
    assert len(result.blob_names) == 2
    for name, count in expected.items():
        assert result.deleted[name] == count, name
    assert result.deleted["patients"] == 1
    assert await services.erasure.erase(patient_id=patient.id, erasure_id="t2",
                                        notify=lambda c: []) is None
    await asyncio.sleep(0)
