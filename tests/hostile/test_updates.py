"""Replayed, out-of-order and concurrent updates: Telegram may deliver an update twice, a
client may press an old button, and a nervous patient presses "Send" five times. Each replay
has no second effect, an old update changes nothing, concurrent presses make one case, one
claim, one erasure — and the bot's error handler never runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import AuditEvent, Case, CaseEvent, CaseMessage, OutboxMessage, Patient, Record
from tests.e2e.test_coordinator import submit_case, text_has
from tests.e2e.test_intake import (
    button,
    button_prefix,
    case_row,
    data_of,
    reach_records,
    start_case,
)
from tests.fixtures import samples
from tests.hostile.conftest import bot_errors


async def _count(bot, model, *where) -> int:
    async with bot.services.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))
                    ).scalar_one())


async def _replay(emulator, update_id: int, times: int = 2) -> None:
    for _ in range(times):
        emulator.redeliver(update_id)
    await emulator.wait_idle()


async def test_replays_out_of_order_and_concurrency(bot, emulator, coordinators, results,
                                                    captured_logs):
    bot.services.rate_limiter.limit = 100_000
    mark = len(captured_logs.lines)

    # -- a text answer, replayed now and again after later steps (out of order) -----------------
    patient, track = await start_case(emulator)
    await patient.press(track, callback_data="in:track:domestic")
    spec = await patient.wait_for_message(button("in:unsure"))
    await patient.press(spec, callback_data="in:unsure")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("First answer")
    diagnosis_update = emulator.last_update_id
    plan = await patient.wait_for_message(button("in:none:treatment_plan"))
    messages = len(patient.messages)
    await _replay(emulator, diagnosis_update)
    row = await case_row(bot, patient)
    results.add("updates", "text replayed at once", row.step == "intake.plan"
                and len(patient.messages) == messages, f"step={row.step}")
    await patient.press(plan, callback_data="in:back")
    await patient.wait_for_message(button("in:none:diagnosis"))
    await patient.send_text("Changed answer")
    await patient.wait_for_message(button("in:none:treatment_plan"))
    await _replay(emulator, diagnosis_update, times=3)  # older than the change: ignored
    row = await case_row(bot, patient)
    results.add("updates", "older text replayed after a newer one",
                row.diagnosis == "Changed answer" and row.step == "intake.plan",
                f"diagnosis={row.diagnosis!r} step={row.step}")
    await patient.press(plan, callback_data="in:none:treatment_plan")  # an old message
    await patient.wait_for_message(timeout=5)
    row = await case_row(bot, patient)
    results.add("updates", "an old message's button, pressed late", row.diagnosis
                == "Changed answer", f"{row.diagnosis!r}")

    # -- a file, replayed: one record ------------------------------------------------------------
    patient2, _records = await reach_records(emulator)
    await patient2.send_document(samples.pdf(), file_name="labs.pdf",
                                 mime_type="application/pdf")
    file_update = emulator.last_update_id
    await patient2.wait_for_message(button_prefix("in:k_"))
    case2 = await case_row(bot, patient2)
    await _replay(emulator, file_update, times=3)
    results.add("updates", "file replayed", await _count(bot, Record, Record.case_id == case2.id)
                == 1)

    # -- the submit button: replayed, and pressed five times at once -------------------------------
    kind = patient2.messages[-1]
    await patient2.press(kind, callback_data=data_of(kind, "in:k_"))
    when = await patient2.wait_for_message(button_prefix("in:d_"))
    await patient2.press(when, callback_data=data_of(when, "in:d_"))
    main = await patient2.wait_for_message(button("in:next"))
    await patient2.press(main, callback_data="in:next")
    questions = await patient2.wait_for_message(button("in:next"))
    await patient2.press(questions, callback_data="in:next")
    await patient2.wait_for_message(lambda m: "Step 10 of 11" in m.text)
    await patient2.press_keyboard("Skip")
    review = await patient2.wait_for_message(button_prefix("in:submit:"))
    submit = data_of(review, "in:submit:")
    presses = await asyncio.gather(*(patient2.press(review, callback_data=submit)
                                     for _ in range(5)))
    for query in presses:
        await patient2.wait_for_callback_answer(query, timeout=10)
    submit_update = emulator.last_update_id
    await _replay(emulator, submit_update, times=3)
    case2 = await case_row(bot, patient2)
    await coordinators.group.wait_for_message(lambda m: case2.number in m.text, timeout=10)
    await asyncio.sleep(0.3)
    results.add("updates", "submit pressed five times at once, then replayed",
                case2.status == "submitted"
                and await _count(bot, Case, Case.patient_id == case2.patient_id) == 1
                and sum(case2.number in m.text for m in coordinators.group.messages) == 1)
    results.add("updates", "every one of the five presses answered", len(presses) == 5)

    # -- two coordinators claim at once; the press is replayed ------------------------------------
    _user3, case3 = await submit_case(bot, emulator)
    first, second = coordinators.first, coordinators.second
    q1, q2 = await asyncio.gather(first.press_data(f"co:claim:{case3.id}", message_id=1),
                                  second.press_data(f"co:claim:{case3.id}", message_id=1))
    a1 = await first.wait_for_callback_answer(q1, timeout=10)
    a2 = await second.wait_for_callback_answer(q2, timeout=10)
    claim_update = emulator.last_update_id
    await _replay(emulator, claim_update, times=2)
    claims = await _count(bot, CaseEvent, CaseEvent.case_id == case3.id,
                          CaseEvent.to_status == "claimed")
    results.add("updates", "two claims at once, replayed: one claim", claims == 1
                and sum("already claimed" in a.text for a in (a1, a2)) == 1,
                f"{claims} {a1.text!r} {a2.text!r}")

    # -- a reply replayed: one message ----------------------------------------------------------
    user4, case4 = await submit_case(bot, emulator)
    await first.press_data(f"co:claim:{case4.id}", message_id=1)
    await first.wait_for_message(text_has(f"Case {case4.number}"))
    await first.press_data(f"co:info:{case4.id}", message_id=1)
    await first.wait_for_message(text_has("What would you like to ask"))
    await first.send_text("When was your last scan?")
    request = await user4.wait_for_message(button(f"nav:case_reply:{case4.id}"), timeout=10)
    await user4.press(request, callback_data=f"nav:case_reply:{case4.id}")
    await user4.wait_for_message(button(f"reply:done:{case4.id}"))
    await user4.send_text("Last May")
    reply_update = emulator.last_update_id
    await user4.wait_for_message(text_has("Got it"))
    await _replay(emulator, reply_update, times=3)
    results.add("updates", "reply text replayed: one message", await _count(
        bot, CaseMessage, CaseMessage.case_id == case4.id, CaseMessage.direction == "reply")
        == 1)

    # -- erasure and a coordinator's request at the same moment; the erasure replayed --------------
    await user4.send_text("/deleteme")
    ask = await user4.wait_for_message(button("rights:go"))
    await user4.press(ask, callback_data="rights:go")
    final = await user4.wait_for_message(button("rights:erase"))
    await first.press_data(f"co:open:{case4.id}", message_id=1)
    erase_query, info_query = await asyncio.gather(
        user4.press(final, callback_data="rights:erase"),
        first.press_data(f"co:info:{case4.id}", message_id=1))
    await user4.wait_for_callback_answer(erase_query, timeout=10)
    await first.wait_for_callback_answer(info_query, timeout=10)
    await user4.wait_for_message(text_has("has been deleted"), timeout=10)
    await emulator.wait_idle()
    emulator.redeliver_last(2)  # the erase press and the coordinator's press, again
    await emulator.wait_idle()
    # The coordinator, still waiting to type a question, finds the case gone.
    await first.send_text("Anything else?")
    await first.wait_for_message(timeout=10)
    await emulator.wait_idle()
    erased = await _count(bot, AuditEvent, AuditEvent.action == "patient.erased")
    results.add("updates", "erasure against a coordinator's request, replayed",
                erased == 1 and await _count(bot, Patient, Patient.telegram_user_id == user4.id)
                == 0 and await _count(bot, CaseMessage, CaseMessage.case_id == case4.id) == 0,
                f"erasures={erased}")

    # -- the outbox sent each notice once ---------------------------------------------------------
    async with bot.services.db.read() as s:
        dupes = (await s.execute(select(OutboxMessage.chat_id, func.count()).where(
            OutboxMessage.chat_id == coordinators.group.id).group_by(OutboxMessage.chat_id)
        )).all()
    results.add("updates", "coordinator alerts queued once each",
                all(n <= 12 for _chat, n in dupes), str(dupes))
    errors = bot_errors("\n".join(captured_logs.lines[mark:]))
    results.add("updates", "no error from the bot's error handler", not errors, str(errors[:3]))
    results.check()
