"""ReportRepo against a real database: the report link written with the attachment, reports as
links open them, follow-up questions (three at most) and their one answer, the third opinion's
prefilled draft, and the patient's feedback counted in the statistics."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from storage.cases import CaseRepo
from storage.clock import ManualClock
from storage.console import CoordinatorRepo, NewLink, no_notice
from storage.db import Database, migrate
from storage.models import AuditEvent, Case, CaseMessage, Link, OutboxMessage, Question, Record
from storage.models import Report as ReportRow
from storage.reports import MAX_FOLLOWUPS, CopiedRecord, ReportRepo
from storage.repositories import Outgoing, PatientRepo


@pytest.fixture
async def db(database_url):
    await migrate(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))


@pytest.fixture
def console(db, clock):
    return CoordinatorRepo(db, clock)


@pytest.fixture
def reports(db, clock):
    return ReportRepo(db, clock)


async def rows(db, model, *where):
    async with db.read() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def submitted(db, clock, user_id=1001):
    patient = await PatientRepo(db, clock).get_or_create(telegram_user_id=user_id,
                                                         chat_id=user_id, language="en")
    cases = CaseRepo(db, clock)
    case, _ = await cases.start_draft(patient_id=patient.id, step="intake.track")
    await cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                       values={"track": "international", "specialty": "oncology",
                               "diagnosis": "Secret diagnosis", "treatment_plan": "Plan",
                               "surgeries": "None", "medications": "Med", "allergies": "",
                               "phone": "+84900000000"})
    await cases.add_question(case_id=case.id, patient_id=patient.id, text="My own question?",
                             step="intake.review")
    await cases.add_record(case_id=case.id, patient_id=patient.id, step="intake.review",
                           mime="application/pdf", size=10, sha256="a" * 64,
                           blob_name="b" * 32 + ".rec", wrapped_key=b"k", key_id="kid",
                           record_date=date(2024, 3, 1), date_source="pdf", kind="test")
    result = await cases.submit(case_id=case.id, patient_id=patient.id, alerts=lambda c, n: [])
    return patient, result.case


async def reported(db, clock, console, user_id=1001, link=None):
    patient, case = await submitted(db, clock, user_id)
    await console.claim(case_id=case.id, coordinator_id=9001, first_name="One",
                        notify=no_notice)
    await console.assign_expert(case_id=case.id, coordinator_id=9001, name="Dr A",
                                specialty="Oncology", notify=no_notice)
    staged = await console.stage_report(case_id=case.id, coordinator_id=9001,
                                        url=f"https://reports.example.org/{case.id}")
    final = await console.finalize_report(report_id=staged.report.id, coordinator_id=9001,
                                          concordance="agrees", notify=no_notice, link=link)
    assert final.outcome == "ok"
    return patient, case, final.report


def new_link(clock):
    return NewLink(link_id=secrets.token_hex(16), purpose="report",
                   expires_at=clock.now() + timedelta(days=14))


# -- the report link and the report ---------------------------------------------------------------

async def test_the_link_is_written_with_the_attachment(db, clock, console, reports):
    link = new_link(clock)
    patient, _case, report = await reported(db, clock, console, link=link)
    [row] = await rows(db, Link, Link.id == link.link_id)
    assert (row.purpose, row.target_id, row.patient_id) == ("report", report.id, patient.id)
    assert row.expires_at == link.expires_at and row.revoked_at is None
    issued = await rows(db, AuditEvent, AuditEvent.action == "link.issued.report")
    assert [a.subject for a in issued] == [f"link:{link.link_id}"]
    # A second attachment attempt (already final) writes no second link.
    again = await console.finalize_report(report_id=report.id, coordinator_id=9001,
                                          concordance="agrees", notify=no_notice,
                                          link=new_link(clock))
    assert again.outcome == "already"
    assert len(await rows(db, Link)) == 1


async def test_no_link_when_the_attachment_is_refused(db, clock, console):
    _, case = await submitted(db, clock)  # never with an expert: report_ready not allowed
    async with db.transaction() as s:
        s.add(ReportRow(case_id=case.id, url="https://x.example.org/r", attached_by=9001,
                        attached_at=clock.now()))
    report = (await rows(db, ReportRow))[0]
    result = await console.finalize_report(report_id=report.id, coordinator_id=9001,
                                           concordance="agrees", notify=no_notice,
                                           link=new_link(clock))
    assert result.outcome == "not_allowed"
    assert await rows(db, Link) == []


async def test_delivered_only_to_its_patient_and_only_when_final(db, clock, console, reports):
    patient, case = await submitted(db, clock)
    assert await reports.delivered(case_id=case.id, patient_id=patient.id) is None
    patient, case, report = await reported(db, clock, console, user_id=1002)
    found = await reports.delivered(case_id=case.id, patient_id=patient.id)
    assert found is not None and found.report.id == report.id and found.patient.id == patient.id
    other = await PatientRepo(db, clock).get_or_create(telegram_user_id=5, chat_id=5,
                                                       language="vi")
    assert await reports.delivered(case_id=case.id, patient_id=other.id) is None
    assert await reports.delivered(case_id=999999, patient_id=patient.id) is None
    # Still theirs once the case is closed.
    await console.close(case_id=case.id, coordinator_id=9001, reason="completed",
                        notify=no_notice)
    assert await reports.delivered(case_id=case.id, patient_id=patient.id) is not None


async def test_linked_report_is_gone_with_the_report(db, clock, console, reports):
    _patient, case, report = await reported(db, clock, console)
    found = await reports.linked_report(report_id=report.id)
    assert found is not None and found.case.id == case.id and found.language == "en"
    staged = await console.stage_report(case_id=case.id, coordinator_id=9001,
                                        url="https://x.example.org/y")
    assert staged.outcome == "not_allowed"  # report_ready: no second report
    async with db.transaction() as s:
        await s.execute(delete(ReportRow).where(ReportRow.id == report.id))
    assert await reports.linked_report(report_id=report.id) is None
    assert await reports.linked_report(report_id=424242) is None


async def test_openings_are_audited_with_ids_only(db, clock, console, reports):
    _, _, report = await reported(db, clock, console)
    await reports.opened(link_id="f" * 32, purpose="report", report_id=report.id)
    await reports.opened(link_id="f" * 32, purpose="share", report_id=report.id, part="file")
    events = await rows(db, AuditEvent, AuditEvent.action.like("link.opened.%"))
    assert [(e.actor, e.action, e.subject) for e in events] == [
        (f"link:{'f' * 32}", "link.opened.report", f"report:{report.id}"),
        (f"link:{'f' * 32}", "link.opened.share.file", f"report:{report.id}")]


# -- follow-up questions ------------------------------------------------------------------------

def alerts_to(chat_id):
    def build(case, question):
        return [Outgoing(chat_id=chat_id, method="sendMessage",
                         payload={"chat_id": chat_id, "text": f"q{question.id} {case.number}"})]
    return build


async def test_three_questions_at_most(db, clock, console, reports):
    patient, case, _ = await reported(db, clock, console)
    ask = reports.ask_followup
    assert (await ask(case_id=case.id, patient_id=patient.id, text="  ",
                      alerts=alerts_to(-1))).outcome == "empty"
    assert (await ask(case_id=case.id, patient_id=patient.id, text="x" * 1001,
                      alerts=alerts_to(-1))).outcome == "too_long"
    for n in range(1, MAX_FOLLOWUPS + 1):
        result = await ask(case_id=case.id, patient_id=patient.id, text=f"Question {n}?",
                           alerts=alerts_to(-1))
        assert result.outcome == "ok" and result.asked == n
    full = await ask(case_id=case.id, patient_id=patient.id, text="One more?",
                     alerts=alerts_to(-1))
    assert full.outcome == "full" and full.asked == MAX_FOLLOWUPS
    assert await reports.followup_count(case_id=case.id) == MAX_FOLLOWUPS
    # The alerts went out with each question (and only then); the audit names the case.
    outbox = await rows(db, OutboxMessage, OutboxMessage.chat_id == -1)
    assert len(outbox) == MAX_FOLLOWUPS
    asked = await rows(db, AuditEvent, AuditEvent.action == "followup.asked")
    assert {a.subject for a in asked} == {f"case:{case.id}"}
    assert not any("Question" in (a.subject or "") for a in asked)


async def test_questions_need_a_delivered_report_of_ones_own(db, clock, console, reports):
    patient, case = await submitted(db, clock)
    result = await reports.ask_followup(case_id=case.id, patient_id=patient.id, text="Q?",
                                        alerts=alerts_to(-1))
    assert result.outcome == "gone"
    _owner, reported_case, _ = await reported(db, clock, console, user_id=1003)
    result = await reports.ask_followup(case_id=reported_case.id, patient_id=patient.id,
                                        text="Q?", alerts=alerts_to(-1))
    assert result.outcome == "gone"
    assert await rows(db, CaseMessage, CaseMessage.direction == "followup") == []


async def test_an_answer_once(db, clock, console, reports):
    patient, case, _ = await reported(db, clock, console)
    first = await reports.ask_followup(case_id=case.id, patient_id=patient.id,
                                       text="First?", alerts=alerts_to(-1))
    second = await reports.ask_followup(case_id=case.id, patient_id=patient.id,
                                        text="Second?", alerts=alerts_to(-1))
    assert (await reports.open_followup(case_id=case.id)).id == first.question.id

    def notice(delivered, question, answer):
        chat = delivered.patient.chat_id
        return [Outgoing(chat_id=chat, method="sendMessage",
                         payload={"chat_id": chat, "text": f"{question.text} → {answer}"})]

    result = await reports.answer_followup(question_id=first.question.id, coordinator_id=9002,
                                           text="An answer.", notify=notice)
    assert result.outcome == "ok" and result.question.answered_at is not None
    again = await reports.answer_followup(question_id=first.question.id, coordinator_id=9001,
                                          text="Another answer.", notify=notice)
    assert again.outcome == "already"
    assert (await reports.open_followup(case_id=case.id)).id == second.question.id
    empty = await reports.answer_followup(question_id=second.question.id,
                                          coordinator_id=9001, text=" ", notify=notice)
    assert empty.outcome == "empty"
    # Not a follow-up question.
    assert (await reports.answer_followup(question_id=999999, coordinator_id=9001, text="A",
                                          notify=notice)).outcome == "gone"
    thread = await reports.followups(case_id=case.id)
    assert [(m.direction, m.text) for m in thread] == [
        ("followup", "First?"), ("followup", "Second?"), ("answer", "An answer.")]
    assert thread[2].author == "coordinator:9002"
    outbox = await rows(db, OutboxMessage, OutboxMessage.chat_id == patient.chat_id)
    assert [m.payload["text"] for m in outbox] == ["First? → An answer."]
    answered = await rows(db, AuditEvent, AuditEvent.action == "followup.answered")
    assert [(a.actor, a.subject) for a in answered] == [("coordinator:9002", f"case:{case.id}")]


# -- third opinion ----------------------------------------------------------------------------

def copy_of(record, blob):
    return CopiedRecord(kind=record.kind, record_date=record.record_date,
                        date_source=record.date_source, mime=record.mime, size=record.size,
                        sha256=record.sha256, blob_name=blob, wrapped_key=b"new",
                        key_id="kid")


async def test_a_third_opinion_is_a_prefilled_draft(db, clock, console, reports):
    patient, case, report = await reported(db, clock, console)
    sources = await reports.third_opinion_sources(case_id=case.id, patient_id=patient.id)
    assert sources.outcome == "ok" and len(sources.records) == 1
    assert sources.report.id == report.id
    copies = [copy_of(sources.records[0], "c" * 32 + ".rec"),
              copy_of(sources.records[0], "d" * 32 + ".rec")]  # the same content: once
    result = await reports.create_third_opinion(case_id=case.id, patient_id=patient.id,
                                                step="intake.review", records=copies)
    assert result.outcome == "created" and result.records == 1
    draft = result.case
    assert draft.status == "draft" and draft.step == "intake.review"
    assert draft.parent_case_id == case.id and draft.number is None
    for field in ("track", "specialty", "diagnosis", "treatment_plan", "surgeries",
                  "medications", "allergies", "phone"):
        assert getattr(draft, field) == getattr(case, field), field
    old_q = await rows(db, Question, Question.case_id == case.id)
    new_q = await rows(db, Question, Question.case_id == draft.id)
    assert sorted((q.position, q.suggested_key, q.text) for q in old_q) == \
        sorted((q.position, q.suggested_key, q.text) for q in new_q)
    [record] = await rows(db, Record, Record.case_id == draft.id)
    assert record.blob_name == "c" * 32 + ".rec" and record.kind == "test"
    assert record.record_date == date(2024, 3, 1)
    # The source case is untouched.
    assert len(await rows(db, Record, Record.case_id == case.id)) == 1
    assert (await rows(db, Case, Case.id == case.id))[0].status == "report_ready"
    # Asking again: the same draft, nothing new.
    again = await reports.third_opinion_sources(case_id=case.id, patient_id=patient.id)
    assert again.outcome == "exists" and again.case.id == draft.id
    created = await reports.create_third_opinion(case_id=case.id, patient_id=patient.id,
                                                 step="intake.review", records=[])
    assert created.outcome == "exists"
    assert len(await rows(db, Case, Case.parent_case_id == case.id)) == 1
    audit = await rows(db, AuditEvent, AuditEvent.action == "case.third_opinion")
    assert [a.subject for a in audit] == [f"case:{draft.id}"]


async def test_no_third_opinion_over_another_draft_or_a_foreign_case(db, clock, console,
                                                                    reports):
    patient, case, _ = await reported(db, clock, console)
    other, _ = await CaseRepo(db, clock).start_draft(patient_id=patient.id,
                                                     step="intake.track")
    sources = await reports.third_opinion_sources(case_id=case.id, patient_id=patient.id)
    assert sources.outcome == "draft_exists" and sources.case.id == other.id
    result = await reports.create_third_opinion(case_id=case.id, patient_id=patient.id,
                                                step="intake.review", records=[])
    assert result.outcome == "draft_exists"
    stranger = await PatientRepo(db, clock).get_or_create(telegram_user_id=66, chat_id=66,
                                                          language="en")
    assert (await reports.third_opinion_sources(case_id=case.id, patient_id=stranger.id)
            ).outcome == "gone"
    assert (await reports.create_third_opinion(case_id=case.id, patient_id=stranger.id,
                                               step="intake.review", records=[])
            ).outcome == "gone"


# -- feedback ---------------------------------------------------------------------------------

async def test_feedback_and_the_statistics(db, clock, console, reports):
    a, case_a, _ = await reported(db, clock, console, user_id=2001)
    b, case_b, _ = await reported(db, clock, console, user_id=2002)
    assert (await console.stats()).rating_count == 0
    saved = await reports.set_comparison(case_id=case_a.id, patient_id=a.id,
                                         comparison="differs")
    assert saved.comparison == "differs" and saved.rating is None
    await reports.rate(case_id=case_a.id, patient_id=a.id, rating=5)
    saved = await reports.comment(case_id=case_a.id, patient_id=a.id, comment=" Very kind. ")
    assert (saved.comparison, saved.rating, saved.comment) == ("differs", 5, "Very kind.")
    await reports.rate(case_id=case_b.id, patient_id=b.id, rating=2)
    await reports.rate(case_id=case_b.id, patient_id=b.id, rating=4)  # changed their mind
    stats = await console.stats()
    assert stats.ratings == {5: 1, 4: 1} and stats.rating_count == 2
    assert stats.rating_average == 4.5
    # Only their own delivered case; only 1 to 5.
    assert await reports.rate(case_id=case_a.id, patient_id=b.id, rating=3) is None
    with pytest.raises(ValueError):
        await reports.rate(case_id=case_a.id, patient_id=a.id, rating=6)
    with pytest.raises(ValueError):
        await reports.set_comparison(case_id=case_a.id, patient_id=a.id, comparison="maybe")
    assert (await reports.feedback(case_id=case_a.id)).rating == 5
