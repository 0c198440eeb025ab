"""The summary page in the coordinators' records download says who wrote each message."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.downloads import summary_html
from bot.services import Services
from storage.clock import ManualClock
from storage.console import REPLY, REQUEST, CaseCard, MessageOut
from storage.db import Database, migrate
from storage.reports import ANSWER, FOLLOWUP
from storage.schemas import CaseOut, PatientOut

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def services(database_url, tmp_path):
    await migrate(database_url)
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url})
    made = Services.create(settings, db=Database(database_url), clock=ManualClock(NOW))
    yield made
    await made.close()


def card(*messages: tuple[str, str]) -> CaseCard:
    case = CaseOut(id=7, number="SO-2612-0007", patient_id=3, status="with_expert",
                   step=None, track="domestic", specialty=None, diagnosis="d",
                   treatment_plan=None, surgeries=None, medications=None, allergies=None,
                   phone=None, parent_case_id=None, claimed_by=9001, expert_name=None,
                   expert_specialty=None, close_reason=None, created_at=NOW, updated_at=NOW,
                   submitted_at=NOW, claimed_at=NOW, report_at=None, closed_at=None)
    patient = PatientOut(id=3, telegram_user_id=5, chat_id=5, language="en",
                         language_chosen=True, timezone=None, consent_at=NOW,
                         employer_code=None, phone=None, unreachable_at=None, guidance=None,
                         created_at=NOW)
    return CaseCard(case=case, patient=patient, holder_name=None, records=(), questions=(),
                    events=(), reports=(),
                    messages=tuple(MessageOut(id=i, case_id=7, direction=direction,
                                              author="x", text=text, record_id=None,
                                              return_status=None, answered_at=None,
                                              created_at=NOW)
                                   for i, (direction, text) in enumerate(messages, 1)))


async def test_each_message_is_labelled_with_its_author(services):
    page = summary_html(services, card((REQUEST, "q-request"), (REPLY, "q-reply"),
                                       (FOLLOWUP, "q-followup"), (ANSWER, "q-answer")))
    labels = dict((text, who) for who, text in
                  re.findall(r"<li><b>[^<]*? (\w+):</b> (q-\w+)</li>", page))
    assert labels == {"q-request": "Coordinator", "q-reply": "Patient",
                      "q-followup": "Patient", "q-answer": "Coordinator"}
