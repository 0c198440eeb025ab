"""CoordinatorRepo and the case state machine against a real database: first-come claims, every
transition with its event, audit and notices in one transaction, information requests and the
patient's answers, reports, statistics and once-only alerts."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage import case_status
from storage.case_status import CaseStatus as S
from storage.cases import CaseRepo
from storage.clock import ManualClock
from storage.console import Change, CoordinatorRepo, no_notice
from storage.db import Database, migrate
from storage.models import AuditEvent, Case, CaseEvent, CaseMessage, OutboxMessage, Reminder
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
def repo(db, clock):
    return CoordinatorRepo(db, clock)


async def submitted(db, clock, user_id=1001, language="en"):
    patient = await PatientRepo(db, clock).get_or_create(telegram_user_id=user_id,
                                                         chat_id=user_id, language=language)
    cases = CaseRepo(db, clock)
    case, _ = await cases.start_draft(patient_id=patient.id, step="intake.track")
    await cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                       values={"track": "domestic", "specialty": "cardiology",
                               "diagnosis": "Secret diagnosis"})
    result = await cases.submit(case_id=case.id, patient_id=patient.id, alerts=lambda c, n: [])
    return patient, result.case


class Recorder:
    """A notify callable that records each change and queues one message to the patient."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def __call__(self, change: Change) -> list[Outgoing]:
        self.changes.append(change)
        return [Outgoing(chat_id=change.patient.chat_id, method="sendMessage",
                         payload={"chat_id": change.patient.chat_id,
                                  "text": f"{change.from_status}->{change.to_status}"})]


async def rows(db, model, *where):
    async with db.read() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def status_of(db, case_id):
    async with db.read() as s:
        return (await s.get(Case, case_id)).status


# -- the state machine (pure) -------------------------------------------------------------------

def test_the_state_machine():
    can = case_status.can_move
    assert can("submitted", "claimed") and not can("submitted", "with_expert")
    assert can("claimed", "with_expert") and can("with_expert", "report_ready")
    assert not can("claimed", "report_ready") and not can("report_ready", "claimed")
    assert can("claimed", "info_requested") and can("with_expert", "info_requested")
    # Back from an information request: only to where it came from.
    assert can("info_requested", "with_expert", came_from="with_expert")
    assert not can("info_requested", "claimed", came_from="with_expert")
    assert not can("info_requested", "with_expert")
    # Any open status closes; reported cases cannot be withdrawn; final is final.
    for status in case_status.OPEN:
        assert can(status, "closed")
    assert not can("report_ready", "withdrawn") and can("info_requested", "withdrawn")
    assert not can("closed", "claimed") and not can("withdrawn", "closed")
    assert not can("nonsense", "closed") and not can("claimed", "nonsense")
    with pytest.raises(case_status.TransitionError):
        case_status.check("submitted", "report_ready")


# -- claiming -------------------------------------------------------------------------------------

async def test_first_come_first_served(db, clock, repo):
    patient, case = await submitted(db, clock)
    notify = Recorder()
    results = await asyncio.gather(
        repo.claim(case_id=case.id, coordinator_id=9001, first_name="One", notify=notify),
        repo.claim(case_id=case.id, coordinator_id=9002, first_name="Two", notify=notify))
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["claimed", "taken"]
    winner = next(r for r in results if r.outcome == "claimed")
    loser = next(r for r in results if r.outcome == "taken")
    assert loser.holder_id == winner.holder_id and loser.holder_name == winner.holder_name
    assert len(notify.changes) == 1
    again = await repo.claim(case_id=case.id, coordinator_id=winner.holder_id,
                             first_name="x", notify=notify)
    assert again.outcome == "already_yours"
    events = await rows(db, CaseEvent, CaseEvent.case_id == case.id)
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "claimed")]
    assert events[-1].actor == f"coordinator:{winner.holder_id}"
    outbox = await rows(db, OutboxMessage, OutboxMessage.chat_id == patient.chat_id)
    assert [m.payload["text"] for m in outbox] == ["submitted->claimed"]


async def test_claim_of_a_draft_or_unknown_case_is_gone(db, clock, repo):
    patient = await PatientRepo(db, clock).get_or_create(telegram_user_id=7, chat_id=7,
                                                         language="en")
    draft, _ = await CaseRepo(db, clock).start_draft(patient_id=patient.id, step="intake.track")
    for case_id in (draft.id, 99999):
        result = await repo.claim(case_id=case_id, coordinator_id=9001, first_name="One",
                                  notify=no_notice)
        assert result.outcome == "gone"
    assert await status_of(db, draft.id) == "draft"
    assert await repo.card(case_id=draft.id) is None


async def test_a_holder_without_a_known_name(db, clock, repo):
    _, case = await submitted(db, clock)
    await repo.claim(case_id=case.id, coordinator_id=9001, first_name=None, notify=no_notice)
    taken = await repo.claim(case_id=case.id, coordinator_id=9002, first_name="Two",
                             notify=no_notice)
    assert taken.outcome == "taken" and taken.holder_id == 9001 and taken.holder_name is None


# -- the journey ---------------------------------------------------------------------------------

async def test_journey_with_information_request_and_report(db, clock, repo):
    patient, case = await submitted(db, clock)
    notify = Recorder()
    # Nothing before a claim.
    early = await repo.assign_expert(case_id=case.id, coordinator_id=9001, name="Dr. A",
                                     specialty="Cardiology", notify=notify)
    assert early.outcome == "not_allowed"
    assert (await repo.request_info(case_id=case.id, coordinator_id=9001, question="?",
                                    notify=notify)).outcome == "not_allowed"
    await repo.claim(case_id=case.id, coordinator_id=9001, first_name="One", notify=notify)
    clock.advance(timedelta(hours=1))
    done = await repo.assign_expert(case_id=case.id, coordinator_id=9001, name=" Dr.  A ",
                                    specialty="Cardiology", notify=notify)
    assert done.outcome == "ok" and done.case.status == "with_expert"
    assert done.case.expert_name == "Dr.  A"  # trimmed, not rewritten
    asked = await repo.request_info(case_id=case.id, coordinator_id=9001,
                                    question="Please send the echo report", notify=notify)
    assert asked.outcome == "ok" and notify.changes[-1].question == "Please send the echo report"
    assert await status_of(db, case.id) == "info_requested"
    # The patient answers: nothing yet is "empty"; someone else's case is "gone".
    assert (await repo.finish_reply(case_id=case.id, patient_id=patient.id,
                                    notify=notify)).outcome == "empty"
    assert (await repo.add_reply_text(case_id=case.id, patient_id=patient.id + 1,
                                      text="x")).outcome == "gone"
    added = await repo.add_reply_text(case_id=case.id, patient_id=patient.id, text="Here it is")
    assert (added.outcome, added.texts, added.files) == ("added", 1, 0)
    sha = secrets.token_hex(32)
    record = dict(case_id=case.id, patient_id=patient.id, mime="application/pdf", size=10,
                  sha256=sha, blob_name=f"{secrets.token_hex(16)}.rec", wrapped_key=b"k" * 60,
                  key_id="0123456789abcdef", record_date=date(2026, 10, 1), date_source="pdf")
    assert (await repo.add_reply_record(**record)).files == 1
    assert (await repo.add_reply_record(**record)).outcome == "duplicate"
    finished = await repo.finish_reply(case_id=case.id, patient_id=patient.id, notify=notify)
    assert (finished.outcome, finished.texts, finished.files) == ("ok", 1, 1)
    assert await status_of(db, case.id) == "with_expert"  # back where it came from
    assert notify.changes[-1].from_status == "info_requested"
    request = (await rows(db, CaseMessage, CaseMessage.direction == "request"))[0]
    assert request.return_status == "with_expert" and request.answered_at is not None
    assert (await repo.add_reply_text(case_id=case.id, patient_id=patient.id,
                                      text="late")).outcome == "gone"
    # The report: an upload waits for its concordance; a second upload replaces it.
    first = await repo.stage_report(case_id=case.id, coordinator_id=9001,
                                    blob_name="a" * 32 + ".rec", wrapped_key=b"k",
                                    key_id="0123456789abcdef", sha256="0" * 64)
    second = await repo.stage_report(case_id=case.id, coordinator_id=9001,
                                     url="https://example.org/report")
    assert second.replaced_blobs == ("a" * 32 + ".rec",)
    assert await repo.report(report_id=first.report.id) is None
    clock.advance(timedelta(days=2))
    final = await repo.finalize_report(report_id=second.report.id, coordinator_id=9002,
                                       concordance="differs_treatment", notify=notify)
    assert final.outcome == "ok" and final.change.to_status == "report_ready"
    assert final.change.case.report_at == clock.now()
    assert (await repo.finalize_report(report_id=second.report.id, coordinator_id=9002,
                                       concordance="agrees", notify=notify)).outcome == "already"
    closed = await repo.close(case_id=case.id, coordinator_id=9001, reason="completed",
                              notify=notify)
    assert closed.outcome == "ok" and closed.case.close_reason == "completed"
    assert (await repo.close(case_id=case.id, coordinator_id=9001, reason="completed",
                             notify=notify)).outcome == "not_allowed"

    card = await repo.card(case_id=case.id)
    assert card.holder_name == "One" and card.report.concordance == "differs_treatment"
    assert card.name_of(9001) == "One" and card.name_of(9002) is None
    assert [m.direction for m in card.messages] == ["request", "reply", "reply"]
    assert [e.to_status for e in card.events] == [
        "draft", "submitted", "claimed", "with_expert", "info_requested", "with_expert",
        "report_ready", "closed"]
    assert [e.actor for e in card.events][-3:] == [
        f"patient:{patient.id}", "coordinator:9002", "coordinator:9001"]
    # One notice per change, in the same transactions as the changes.
    outbox = await rows(db, OutboxMessage, OutboxMessage.chat_id == patient.chat_id)
    assert [m.payload["text"] for m in outbox] == [
        "submitted->claimed", "claimed->with_expert", "with_expert->info_requested",
        "info_requested->with_expert", "with_expert->report_ready", "report_ready->closed"]
    # The audit trail names ids only, never the clinical text.
    audit = await rows(db, AuditEvent)
    assert {"case.claimed", "case.with_expert", "case.info_requested", "case.report_ready",
            "case.closed", "report.attached", "report.uploaded"} <= {a.action for a in audit}
    for event in audit:
        assert "Secret" not in f"{event.actor}{event.action}{event.subject}"


async def test_a_failing_notice_rolls_the_change_back(db, clock, repo):
    patient, case = await submitted(db, clock)

    def broken(change):
        raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError):
        await repo.claim(case_id=case.id, coordinator_id=9001, first_name="One", notify=broken)
    assert await status_of(db, case.id) == "submitted"
    assert len(await rows(db, CaseEvent, CaseEvent.case_id == case.id)) == 2
    assert await rows(db, OutboxMessage, OutboxMessage.chat_id == patient.chat_id) == []


async def test_withdraw_and_close_reasons(db, clock, repo):
    patient, case = await submitted(db, clock)
    assert (await repo.withdraw(case_id=case.id, patient_id=patient.id + 1,
                                notify=no_notice)).outcome == "gone"
    result = await repo.withdraw(case_id=case.id, patient_id=patient.id, notify=no_notice)
    assert result.outcome == "ok" and result.case.status == "withdrawn"
    assert result.case.closed_at is not None
    with pytest.raises(ValueError):
        await repo.close(case_id=case.id, coordinator_id=9001, reason="bored", notify=no_notice)
    assert (await repo.close(case_id=case.id, coordinator_id=9001, reason="other",
                             notify=no_notice)).outcome == "not_allowed"


async def test_report_needs_an_expert_first(db, clock, repo):
    _, case = await submitted(db, clock)
    await repo.claim(case_id=case.id, coordinator_id=9001, first_name="One", notify=no_notice)
    staged = await repo.stage_report(case_id=case.id, coordinator_id=9001,
                                     url="https://example.org/r")
    assert staged.outcome == "not_allowed"
    with pytest.raises(ValueError):
        await repo.stage_report(case_id=case.id, coordinator_id=9001)


# -- queue and statistics ----------------------------------------------------------------------

async def test_queue_and_stats(db, clock, repo):
    cases = [(await submitted(db, clock, user_id=2000 + i))[1] for i in range(4)]
    a, b, c, d = cases
    for case in (a, b, c):
        await repo.claim(case_id=case.id, coordinator_id=9001, first_name="One",
                         notify=no_notice)
        await repo.assign_expert(case_id=case.id, coordinator_id=9001, name="Dr",
                                 specialty="Cardiology", notify=no_notice)
    queue = await repo.queue()
    assert [(i.case.id, i.case.status) for i in queue] == [
        (d.id, "submitted"), (a.id, "with_expert"), (b.id, "with_expert"), (c.id, "with_expert")]
    assert queue[1].holder_name == "One" and queue[0].holder_name is None

    async def report(case, concordance, after):
        clock.advance(after)
        staged = await repo.stage_report(case_id=case.id, coordinator_id=9001,
                                         url="https://example.org/r")
        await repo.finalize_report(report_id=staged.report.id, coordinator_id=9001,
                                   concordance=concordance, notify=no_notice)

    await report(a, "agrees", timedelta(days=2))
    await report(b, "agrees", timedelta(days=1))     # 3 days after submission
    await report(c, "differs_diagnosis", timedelta(days=2))  # 5 days
    await repo.close(case_id=a.id, coordinator_id=9001, reason="completed", notify=no_notice)
    stats = await repo.stats()
    assert stats.by_status == {"submitted": 1, "report_ready": 2, "closed": 1}
    assert stats.median_turnaround == timedelta(days=3).total_seconds()
    assert stats.concordance == {"agrees": 2, "differs_diagnosis": 1} and stats.reported == 3
    assert [i.case.id for i in await repo.queue()] == [d.id, b.id, c.id]


# -- alerts recorded once ------------------------------------------------------------------------

async def test_alerts_are_recorded_once(db, clock, repo):
    _, case = await submitted(db, clock)
    item = Outgoing(chat_id=-100900, method="sendMessage", payload={"chat_id": -100900,
                                                                    "text": "alert"})
    pending = await repo.cases_without_alert(kind="sla.unclaimed", statuses=("submitted",))
    assert [c.id for c in pending] == [case.id]
    results = await asyncio.gather(*(repo.record_alert(
        kind="sla.unclaimed", dedup_key=f"sla.unclaimed:{case.id}", case_id=case.id,
        items=[item]) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert await repo.cases_without_alert(kind="sla.unclaimed", statuses=("submitted",)) == []
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar() == 1
        reminder = (await s.execute(select(Reminder))).scalar_one()
    assert (reminder.status, reminder.kind) == ("sent", "sla.unclaimed")
    # Earlier than the cut-off: not a candidate.
    later = await repo.cases_without_alert(kind="sla.overdue", statuses=("submitted",),
                                           submitted_before=clock.now() - timedelta(days=1))
    assert later == []


async def test_small_states(repo):
    assert await repo.get_state(name="coordinator", key="9001") is None
    await repo.set_state(name="coordinator", key="9001", state="co.await_info:4")
    await repo.set_state(name="coordinator", key="9001", state="co.await_expert:4")
    assert await repo.get_state(name="coordinator", key="9001") == "co.await_expert:4"
    await repo.set_state(name="coordinator", key="9001", state=None)
    await repo.set_state(name="coordinator", key="9001", state=None)
    assert await repo.get_state(name="coordinator", key="9001") is None
    assert S.INFO_REQUESTED == "info_requested"
