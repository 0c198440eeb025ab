"""Hostile files: pixel floods, lies about size, type and name, polyglots, malformed documents
and hostile names, at every place the bot takes a file (the intake's records step, the answer
to a coordinator's request, the coordinator's report upload) and in the pure content checks.

Every case: a kind answer, never an error from the bot's error handler, the answer valid
Telegram HTML (the emulator refuses anything else and the conftest fails on it), and no row
changed where the file was refused."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.files import MAX_DOWNLOAD_BYTES, extract_date, judge
from storage.models import Record
from tests.e2e.test_coordinator import open_card, submit_case, text_has
from tests.e2e.test_intake import button, reach_records
from tests.hostile.conftest import bot_errors
from tests.hostile.corpus import ACCEPT, EITHER, REFUSE, HostileFile, hostile_files

FILES = hostile_files()
GENERIC_ERROR = "something went wrong"


def _content_case(f: HostileFile) -> bool:
    """Whether the expectation is about the content (not about a declared or real size)."""
    too_big = (f.declared_size or 0) > MAX_DOWNLOAD_BYTES or len(f.data) > MAX_DOWNLOAD_BYTES
    return not too_big


@pytest.mark.parametrize("hostile", FILES, ids=[f.name for f in FILES])
def test_content_checks_never_fail(hostile: HostileFile, counted):
    """`judge` and `extract_date` are total: any bytes, a verdict, quickly, no exception."""
    started = time.monotonic()
    verdict = judge(hostile.data, hostile.file_name)
    if verdict.kind is not None:
        found = extract_date(hostile.data, verdict.kind, today=date(2026, 11, 28))
        assert found is None or found <= date(2026, 11, 29)
    assert time.monotonic() - started < 5
    if _content_case(hostile) and hostile.expect != EITHER and not hostile.photo:
        assert verdict.accepted == (hostile.expect == ACCEPT), verdict
    if hostile.photo and hostile.expect == REFUSE and _content_case(hostile):
        assert not judge(hostile.data, None).accepted


async def _count(bot, case_id: int) -> int:
    async with bot.services.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(Record).where(
            Record.case_id == case_id))).scalar_one())


async def _send(patient, f: HostileFile):
    if f.photo:
        return await patient.send_photo(f.data, declared_size=f.declared_size)
    return await patient.send_document(f.data, file_name=f.file_name or "", mime_type=f.mime,
                                       declared_size=f.declared_size)


async def _snapshot(bot, patient_id: int):
    data = await bot.services.erasure.export(patient_id=patient_id)
    assert data is not None
    return {name: rows for name, rows in data.tables.items()}


async def test_files_at_the_records_step(bot, emulator, results, captured_logs):
    bot.services.rate_limiter.limit = 10_000
    patient, _main = await reach_records(emulator)
    services = bot.services
    me = await services.patients.get(telegram_user_id=patient.id)
    draft = await services.cases.draft(patient_id=me.id)
    for f in FILES:
        before, snap = await _count(bot, draft.id), await _snapshot(bot, me.id)
        lines = len(captured_logs.lines)
        await _send(patient, f)
        try:
            reply = await patient.wait_for_message(timeout=10)
        except AssertionError:
            results.add("files", f"records: {f.name}", False, "no answer")
            continue
        await emulator.wait_idle()
        after = await _count(bot, draft.id)
        errors = bot_errors("\n".join(captured_logs.lines[lines:]))
        took = after - before
        if f.expect == ACCEPT:
            ok, why = took == 1, f"expected a record, got {took}"
        elif f.expect == REFUSE:
            ok = took == 0 and await _snapshot(bot, me.id) == snap
            why = f"expected a refusal with no change, got {took} record(s)"
        else:
            ok, why = took in (0, 1), f"got {took}"
        ok = ok and not errors and GENERIC_ERROR not in reply.text
        results.add("files", f"records: {f.name}", ok,
                    f"{why}; errors={errors[:2]}; answer={reply.text[:120]!r}")
    # File names are never logged (nor stored): the hostile ones least of all.
    for piece in ("passwd", "System32", "<script>", "\u202e", "aaaaaaaaaaaaaaaaaaaa", "🩺📄"):
        results.expect("files", f"file name not logged: {piece!r}",
                        piece not in captured_logs.text)
    # Every stored record still opens and is what was sent (sealed, not altered).
    for record in await services.cases.records(case_id=draft.id):
        blob = await services.cases.blob(record_id=record.id)
        data = await services.record_store.get(blob_name=blob.blob_name,
                                               wrapped_key=blob.wrapped_key,
                                               key_id=blob.key_id)
        results.expect("files", f"stored record {record.id} opens", len(data) == record.size)
    results.check()


async def test_files_in_an_answer_and_a_report_upload(bot, emulator, coordinators, results,
                                                      captured_logs):
    bot.services.rate_limiter.limit = 10_000
    user, case = await submit_case(bot, emulator)
    first = coordinators.first
    await first.press_data(f"co:claim:{case.id}", message_id=1)
    await first.wait_for_message(text_has(f"Case {case.number}"))
    await first.press_data(f"co:info:{case.id}", message_id=1)
    await first.wait_for_message(text_has("What would you like to ask"))
    await first.send_text("Please send your latest results.")
    request = await user.wait_for_message(button(f"nav:case_reply:{case.id}"), timeout=10)
    await user.press(request, callback_data=f"nav:case_reply:{case.id}")
    await user.wait_for_message(button(f"reply:done:{case.id}"))
    subset = [f for f in FILES if f.expect != EITHER][:24]
    for f in subset:
        before = await _count(bot, case.id)
        lines = len(captured_logs.lines)
        await _send(user, f)
        reply = await user.wait_for_message(timeout=10)
        await emulator.wait_idle()
        took = await _count(bot, case.id) - before
        errors = bot_errors("\n".join(captured_logs.lines[lines:]))
        expected = 1 if f.expect == ACCEPT else 0
        results.add("files", f"answer: {f.name}",
                    took == expected and not errors and GENERIC_ERROR not in reply.text,
                    f"records {took}, expected {expected}; {errors[:2]}; {reply.text[:100]!r}")
    done = [m for m in user.messages if any(d == f"reply:done:{case.id}" for _, d in m.buttons)]
    await user.press(done[-1], callback_data=f"reply:done:{case.id}")
    await user.wait_for_message(text_has("Thank you"))

    # The coordinator's report upload takes a PDF only, whatever it claims to be.
    card = await open_card(first, case)
    await first.press(card, callback_data=f"co:expert:{case.id}")
    await first.wait_for_message(text_has("name; specialty"))
    await first.send_text("Dr. A; Cardiology")
    await first.wait_for_message(text_has("is now with"))
    reports = [f for f in FILES if not f.photo and f.expect == REFUSE][:12]
    for f in reports:
        await first.press_data(f"co:report:{case.id}", message_id=card.message_id)
        prompt = await first.wait_for_message(text_has("a PDF file"))
        lines = len(captured_logs.lines)
        await _send(first, f)
        reply = await first.wait_for_message(timeout=10)
        await emulator.wait_idle()
        errors = bot_errors("\n".join(captured_logs.lines[lines:]))
        refused = "concordance" not in reply.text.lower() and not any(
            (d or "").startswith("co:conc_") for _, d in reply.buttons)
        results.add("files", f"report upload: {f.name}", refused and not errors,
                    f"{errors[:2]}; {reply.text[:100]!r}")
        with_cancel = [m for m in first.messages if any(d == "co:cancel" for _, d in m.buttons)]
        query = await first.press(with_cancel[-1], callback_data="co:cancel")
        await first.wait_for_callback_answer(query)
        del prompt
    await emulator.wait_idle()
    results.check()
