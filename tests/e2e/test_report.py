"""Report delivery and after the opinion, end to end through the Bot API emulator: the report
attached by a coordinator reaches the patient as a signed link; the page and its PDF (bytes
equal) over real HTTP; agree / differ / not sure guidance; a follow-up question answered by a
coordinator; a third opinion drafted, reviewed and submitted through the intake; a shared link
for the doctor, stopped again; a rating counted in /stats; a fresh link from /status; every
step answering every kind of input; and no clinical text in the group or the logs."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import aiohttp
import pytest
from sqlalchemy import select

from bot.context import NAV_KEY
from bot.report_pages import FAILURES
from conversations.intake.steps import IntakeState
from conversations.report import INTAKE_REVIEW, ReportState
from storage.models import AuditEvent, Case, CaseMessage, Link, Record, ReportFeedback
from tests.e2e.test_coordinator import (
    no_canary_in_group,
    open_card,
    submit_case,
    text_has,
    wait_status,
    work_to_expert,
)
from tests.e2e.test_every_state import every_kind_of_input, wait_state
from tests.e2e.test_intake import button, button_prefix, data_of
from tests.fixtures import samples

QUESTION = "Could the nodule be benign after all?"
ANSWER = "The expert thinks it is most likely benign; a scan in 6 months will confirm."
COMMENT = "Very clear report, thank you"
SECRETS = ("Rare canary", "Bisoprolol", QUESTION, "most likely benign", COMMENT)


@pytest.fixture(autouse=True)
def _patient_pace(bot):
    bot.services.rate_limiter.limit = 10_000


async def fetch(url, **kwargs):
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, dict(response.headers), await response.read()


def local(bot, url: str) -> str:
    """A link as sent (PUBLIC_BASE_URL) made local to the test's web server."""
    path = re.sub(r"^https?://[^/]+", "", url)
    return f"{bot.web_url}{path}"


def link_in(message, path: str) -> str:
    match = re.search(rf'href="([^"]+{path}/[^"]+)"', message.html)
    assert match, message.html
    return match.group(1)


async def attach_pdf_report(first, case, pdf: bytes, label: str = "🔀 Differs in treatment"):
    await first.press_data(f"co:report:{case.id}", message_id=1)
    await first.wait_for_message(text_has("a PDF file"))
    await first.send_document(pdf, file_name="expert-report.pdf", mime_type="application/pdf")
    ask = await first.wait_for_message(button_prefix("co:conc_"))
    await first.press(ask, label=label)
    await first.wait_for_message(text_has("Report attached"))


async def reported_case(bot, emulator, coordinators, *, lang="en", records=(), name="Lan"):
    patient, case = await submit_case(bot, emulator, lang=lang, first_name=name,
                                      records=records)
    await work_to_expert(bot, coordinators, case)
    pdf = samples.pdf(date(2026, 11, 1), pages=2)
    await attach_pdf_report(coordinators.first, case, pdf)
    await wait_status(bot, case.id, "report_ready")
    notice = await patient.wait_for_message(button(f"nav:report_agrees:{case.id}"), timeout=10)
    return patient, case, notice, pdf


async def audit_actions(bot, prefix):
    async with bot.services.db.read() as s:
        return [(a.actor, a.action, a.subject) for a in (await s.execute(
            select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%"))
            .order_by(AuditEvent.id))).scalars()]


# -- the whole journey ------------------------------------------------------------------------------

async def test_after_the_opinion_journey(bot, emulator, coordinators, captured_logs):
    first = coordinators.first
    record_pdf = samples.pdf(date(2024, 3, 12))
    patient, case, notice, pdf = await reported_case(
        bot, emulator, coordinators, records=((record_pdf, date(2024, 3, 12), "test"),))

    # 1. The report-ready notice carries the signed link and the comparison question.
    assert "report for your case" in notice.text and case.number in notice.text
    assert "/status" in notice.text
    assert [d for _, d in notice.buttons] == [
        f"nav:report_agrees:{case.id}", f"nav:report_differs:{case.id}",
        f"nav:report_unsure:{case.id}", f"nav:report:{case.id}"]
    url = link_in(notice, "/r")
    assert url.startswith(bot.settings.public_base_url + "/r/")
    token = url.rsplit("/", 1)[-1]

    # 2. The page, then the PDF it frames: the same bytes the coordinator sent.
    status, headers, body = await fetch(local(bot, url))
    assert status == 200 and "no-store" in headers["Cache-Control"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-src 'self'" in headers["Content-Security-Policy"]
    page = body.decode()
    frame = re.search(r'<iframe src="([^"]+)"', page).group(1)
    assert frame == f"{token}/file" and "<script" not in page
    status, headers, body = await fetch(f"{bot.web_url}/r/{frame}")
    assert status == 200 and body == pdf
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("inline;")
    link_id = token.split(".")[0]
    async with bot.services.db.read() as s:
        link = await s.get(Link, link_id)
    assert (link.purpose, link.patient_id) == ("report", (await bot.services.patients.get(
        telegram_user_id=patient.id)).id)
    opened = await audit_actions(bot, "link.opened.report")
    assert [a[:2] for a in opened] == [(f"link:{link_id}", "link.opened.report"),
                                       (f"link:{link_id}", "link.opened.report.file")]
    assert {a[2] for a in opened} == {f"report:{link.target_id}"}

    # 3. How does it compare? Differs: the steps; agrees: the reassurance; not sure: both.
    await patient.press(notice, callback_data=f"nav:report_differs:{case.id}")
    differs = await patient.wait_for_message(text_has("opinions differ"))
    for step in ("Talk to both doctors", "Compare the two views", "your own view",
                 "third opinion", "family doctor", "decide"):
        assert step in differs.text, step
    assert button(f"nav:report_third:{case.id}")(differs)
    await patient.press(notice, callback_data=f"nav:report_agrees:{case.id}")
    agrees = await patient.wait_for_message(text_has("opinions agree"))
    assert "more confidence" in agrees.text and "Talk to both doctors" not in agrees.text
    await patient.press(notice, callback_data=f"nav:report_unsure:{case.id}")
    unsure = await patient.wait_for_message(text_has("Not sure?", "opinions agree",
                                                     "opinions differ"))
    assert len(unsure.text) < 4096
    async with bot.services.db.read() as s:
        assert (await s.get(ReportFeedback, case.id)).comparison == "unsure"

    # 4. A follow-up question, answered by the coordinator holding the case.
    await patient.press(unsure, callback_data=f"nav:report_ask:{case.id}")
    await patient.wait_for_message(text_has("Type your question", "3 more questions"))
    await patient.send_text(QUESTION)
    await patient.wait_for_message(text_has("Your question has been sent"))
    alert = await coordinators.group.wait_for_message(text_has("Follow-up question",
                                                               case.number), timeout=10)
    assert QUESTION not in alert.text
    assert f"fu:answer:{case.id}" in {d for _, d in alert.buttons}
    private = await first.wait_for_message(text_has("Follow-up question", QUESTION),
                                           timeout=10)
    card = await open_card(first, case)
    assert QUESTION in card.text and button(f"fu:answer:{case.id}")(card)
    await first.press(private, callback_data=f"fu:answer:{case.id}")
    await first.wait_for_message(text_has("Type your answer", QUESTION))
    await first.send_text(ANSWER)
    await first.wait_for_message(text_has(f"answer was sent to the patient of case {case.number}"))
    answer = await patient.wait_for_message(text_has("An answer to your question", ANSWER),
                                            timeout=10)
    assert QUESTION in answer.text and button(f"nav:report_ask:{case.id}")(answer)
    # Answered once: a second press is told so; the card shows both.
    query = await coordinators.second.press(alert, callback_data=f"fu:answer:{case.id}")
    assert "no follow-up question waiting" in (
        await coordinators.second.wait_for_callback_answer(query)).text
    card = await open_card(first, case)
    assert ANSWER[:30] in card.text and not button(f"fu:answer:{case.id}")(card)

    # 5. Share with my doctor: a note, then a message to forward with its own link.
    await patient.press(answer, callback_data=f"nav:report:{case.id}")
    hub = await patient.wait_for_message(button(f"nav:report_share:{case.id}"))
    await patient.press(hub, callback_data=f"nav:report_share:{case.id}")
    intro = await patient.wait_for_message(button(f"nav:report_unshare:{case.id}"))
    assert "Forward the next message" in intro.text
    shared = await patient.wait_for_message(text_has("shared with you"))
    assert not shared.buttons and case.number not in shared.text
    share_url = link_in(shared, "/s")
    status, headers, body = await fetch(local(bot, share_url))
    assert status == 200 and "shared with you" in body.decode()
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    share_token = share_url.rsplit("/", 1)[-1]
    assert (await fetch(f"{bot.web_url}/s/{share_token}/file"))[2] == pdf
    assert (await fetch(f"{bot.web_url}/r/{share_token}"))[0] == 404  # not the patient's
    await patient.press(intro, callback_data=f"nav:report_unshare:{case.id}")
    await patient.wait_for_message(text_has("no longer works"))
    assert (await fetch(local(bot, share_url)))[0] == 404
    assert (await fetch(local(bot, url)))[0] == 200  # the patient's own link still works

    # 6. A rating and a comment, counted in the coordinators' /stats.
    await patient.press(hub, callback_data=f"nav:report_rate:{case.id}")
    stars = await patient.wait_for_message(button(f"rp:r5:{case.id}"))
    await patient.press(stars, callback_data=f"rp:r5:{case.id}")
    await patient.wait_for_message(text_has("tell us anything else"))
    await patient.send_text(COMMENT)
    await patient.wait_for_message(text_has("Thank you for your feedback"))
    await first.send_text("/stats")
    stats = await first.wait_for_message(text_has("Statistics", "Patient ratings"))
    assert "1 rating, average 5.0" in stats.text
    async with bot.services.db.read() as s:
        feedback = await s.get(ReportFeedback, case.id)
    assert (feedback.rating, feedback.comment) == (5, COMMENT)

    # 7. /status offers a fresh link.
    await patient.send_text("/status")
    mine = await patient.wait_for_message(button(f"nav:report_link:{case.id}"))
    await patient.press(mine, callback_data=f"nav:report_link:{case.id}")
    fresh = await patient.wait_for_message(text_has("fresh link"))
    fresh_url = link_in(fresh, "/r")
    assert fresh_url != url and (await fetch(local(bot, fresh_url)))[0] == 200

    # 8. A third opinion: a new draft from this case, reviewed and submitted in the intake.
    await patient.press(fresh, callback_data=f"nav:report_third:{case.id}")
    offer = await patient.wait_for_message(button(f"rp:third:{case.id}"))
    assert "third opinion" in offer.text.lower()
    await patient.press(offer, callback_data=f"rp:third:{case.id}")
    await patient.wait_for_message(text_has("Your new case is ready", case.number))
    review = await patient.wait_for_message(button_prefix("in:submit:"))
    assert "Rare canary syndrome" in review.text
    async with bot.services.db.read() as s:
        draft = (await s.execute(select(Case).where(Case.parent_case_id == case.id))
                 ).scalar_one()
        old = (await s.execute(select(Record).where(Record.case_id == case.id))).scalars().all()
        new = (await s.execute(select(Record).where(Record.case_id == draft.id))
               ).scalars().all()
    assert draft.status == "draft" and draft.step == INTAKE_REVIEW
    assert (draft.track, draft.specialty, draft.diagnosis) == (
        "domestic", "neurology", "Rare canary syndrome")
    assert len(new) == 2 and {r.blob_name for r in new}.isdisjoint({r.blob_name for r in old})
    store = bot.services.record_store
    contents = sorted([await store.get(blob_name=r.blob_name, wrapped_key=r.wrapped_key,
                                       key_id=r.key_id) for r in new])
    assert contents == sorted([record_pdf, pdf])  # the records and the second opinion
    await patient.press(review, callback_data=data_of(review, "in:submit:"))
    await patient.wait_for_message(text_has("Your case has been sent"))
    submitted = await wait_status(bot, draft.id, "submitted")
    assert submitted.parent_case_id == case.id and submitted.number != case.number

    # Nothing clinical in the group or the logs.
    await asyncio.sleep(0.3)
    no_canary_in_group(coordinators)
    for message in coordinators.group.messages:
        for secret in SECRETS:
            assert secret not in message.text
    for secret in SECRETS:
        assert secret not in captured_logs.text, secret


# -- the rest of the buttons, limits and foreign presses ------------------------------------------

async def test_three_questions_and_someone_elses_case(bot, emulator, coordinators):
    patient, case, notice, _ = await reported_case(bot, emulator, coordinators)
    for n in range(1, 4):
        await patient.press_data(f"nav:report_ask:{case.id}", message_id=notice.message_id)
        await patient.wait_for_message(text_has("Type your question"))
        await patient.send_text(f"Question number {n}?")
        sent = await patient.wait_for_message(text_has("Your question has been sent"))
    assert not button(f"nav:report_ask:{case.id}")(sent)
    await patient.press_data(f"nav:report_ask:{case.id}", message_id=notice.message_id)
    await patient.wait_for_message(text_has("You've asked the 3 follow-up questions"))
    async with bot.services.db.read() as s:
        asked = (await s.execute(select(CaseMessage).where(
            CaseMessage.case_id == case.id, CaseMessage.direction == "followup"))).scalars()
        assert len(asked.all()) == 3
    # Another patient forging this case's buttons learns nothing and changes nothing.
    other, _ = await submit_case(bot, emulator, first_name="Mai")
    for entry in ("report", "report_agrees", "report_ask", "report_third", "report_share",
                  "report_rate", "report_link"):
        await other.press_data(f"nav:{entry}:{case.id}", message_id=1)
        reply = await other.wait_for_message(text_has("can't find a report"))
        assert case.number not in reply.text
    async with bot.services.db.read() as s:
        links = (await s.execute(select(Link).where(Link.purpose == "share"))).scalars().all()
        assert links == []
    # A coordinator's Answer on a case with nothing open; a patient pressing Answer.
    query = await patient.press_data(f"fu:answer:{case.id}", message_id=1)
    assert "only for the service's coordinators" in (
        await patient.wait_for_callback_answer(query)).text


async def test_book_and_a_third_opinion_over_another_draft(bot, emulator, coordinators):
    patient, case, notice, _ = await reported_case(bot, emulator, coordinators)
    await patient.press(notice, callback_data=f"nav:report:{case.id}")
    hub = await patient.wait_for_message(button(f"nav:report_book:{case.id}"))
    await patient.press(hub, callback_data=f"nav:report_book:{case.id}")
    answer = await patient.wait_for_message()
    assert "can't find a report" not in answer.text
    if bot.running.application.bot_data[NAV_KEY].has_entry("booking"):
        assert "isn't open here yet" not in answer.text  # the booking flow took it
    # An unfinished case of their own: no second draft.
    await bot.services.cases.start_draft(
        patient_id=(await bot.services.patients.get(telegram_user_id=patient.id)).id,
        step=IntakeState.TRACK.value)
    # (the booking flow may have changed the hub message in place: press its old button)
    await patient.press_data(f"nav:report_third:{case.id}", message_id=hub.message_id)
    offer = await patient.wait_for_message(button(f"rp:third:{case.id}"))
    await patient.press(offer, callback_data=f"rp:third:{case.id}")
    await patient.wait_for_message(text_has("unfinished case already"))
    async with bot.services.db.read() as s:
        assert (await s.execute(select(Case).where(Case.parent_case_id == case.id))
                ).first() is None


async def test_vietnamese_and_every_step_answers_every_input(bot, emulator, coordinators):
    bot.services.rate_limiter.limit = 1_000_000
    patient, case, notice, _ = await reported_case(bot, emulator, coordinators, lang="vi",
                                                   name="Hoa")
    assert "Báo cáo của chuyên gia" in notice.text and "/status" in notice.text
    group = emulator.group(title="Family", members=[patient])
    routes = {
        ReportState.NEXT: f"nav:report:{case.id}",
        ReportState.ASK: f"nav:report_ask:{case.id}",
        ReportState.THIRD: f"nav:report_third:{case.id}",
        ReportState.RATE: f"nav:report_rate:{case.id}",
    }
    for state, data in routes.items():
        await patient.press_data(data, message_id=notice.message_id)
        await patient.wait_for_message()
        await wait_state(bot, patient, state)
        if state is ReportState.ASK:
            continue  # any text there is a question: asked below
        await every_kind_of_input(emulator, bot, patient, group, state)
    await patient.press_data(f"nav:report_rate:{case.id}", message_id=notice.message_id)
    stars = await patient.wait_for_message(button(f"rp:r3:{case.id}"))
    await patient.press(stars, callback_data=f"rp:r3:{case.id}")
    await wait_state(bot, patient, ReportState.COMMENT)
    await patient.press_data("guide:emerg:yes", message_id=1)
    await patient.wait_for_message(text_has("Bỏ qua"))
    await wait_state(bot, patient, ReportState.COMMENT)


async def test_the_link_page_refuses_forty_guesses(bot, emulator, coordinators):
    patient, case, notice, _ = await reported_case(bot, emulator, coordinators)
    url = local(bot, link_in(notice, "/r"))
    now = [0.0]
    bot.running.web_runner.app[FAILURES].clock = lambda: now[0]
    for n in range(20):
        assert (await fetch(f"{bot.web_url}/r/guess-{n}"))[0] == 404
    for n in range(20):
        assert (await fetch(f"{bot.web_url}/r/guess-more-{n}"))[0] == 429
    assert (await fetch(url))[0] == 429
    now[0] = 61.0
    assert (await fetch(url))[0] == 200
    del patient, case
