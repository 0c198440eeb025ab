"""The after-the-opinion flow's shape: its states, prompts and entries, the intake step a third
opinion opens at, the texts it builds in both languages, and a kind answer when the booking flow
is not there."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bot.flow import Navigator
from bot.texts import Texts
from conversations.intake.steps import IntakeState
from conversations.report import INTAKE_REVIEW, ReportState, build_report_conversation, enter_book
from storage.reports import COMPARISONS, MAX_FOLLOWUPS

FACTS = {"emergency_number": "115", "support_email": "care@example.org", "turnaround_days": 7}
NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_every_state_has_a_prompt_and_a_readable_name():
    flow = build_report_conversation()
    assert set(flow.states) == set(ReportState) == set(flow.prompts)
    assert all(state.startswith("report.") for state in flow.states)
    assert set(flow.entries) == {
        "report", "report_agrees", "report_differs", "report_unsure", "report_book",
        "report_ask", "report_third", "report_share", "report_unshare", "report_rate",
        "report_link"}
    assert all(len(f"nav:{entry}:123456789012".encode()) <= 64 for entry in flow.entries)


def test_a_third_opinion_opens_at_the_intake_review():
    assert IntakeState(INTAKE_REVIEW) is IntakeState.REVIEW


def test_the_guidance_reads_well_in_both_languages():
    texts = Texts(default_language="en", facts=FACTS)
    assert "Talk to both doctors" in texts.render("en", "report-differs")
    assert "third opinion" in texts.render("en", "report-differs")
    assert "family doctor" in texts.render("en", "report-differs")
    assert "bác sĩ gia đình" in texts.render("vi", "report-differs")
    for lang in ("en", "vi"):
        assert str(MAX_FOLLOWUPS) in texts.render(lang, "report-ask-full", max=MAX_FOLLOWUPS)
        for value in COMPARISONS:
            assert texts.has(lang, f"btn-report-{value}")


class _Console:
    def __init__(self) -> None:
        self.states: dict[tuple[str, str], str] = {}

    async def get_state(self, *, name: str, key: str) -> str | None:
        return self.states.get((name, key))

    async def set_state(self, *, name: str, key: str, state: str | None) -> None:
        if state is None:
            self.states.pop((name, key), None)
        else:
            self.states[(name, key)] = state


async def test_booking_missing_gets_a_kind_answer():
    texts = Texts(default_language="en", facts=FACTS)
    case = SimpleNamespace(id=7, number="SO-2611-0007")
    delivered = SimpleNamespace(case=case, patient=SimpleNamespace(id=1), report=None)

    async def found(*, case_id, patient_id):
        return delivered if (case_id, patient_id) == (7, 1) else None

    async def count(*, case_id):
        return 0

    console = _Console()
    console.states[("report", "1")] = "7"
    sent: list[str] = []

    async def send_message(chat_id, text, reply_markup=None):
        sent.append(text)

    settings = SimpleNamespace(DEFAULT_LANGUAGE="en")
    services = SimpleNamespace(console=console, texts=texts, settings=settings,
                               reports=SimpleNamespace(delivered=found, followup_count=count))
    nav = Navigator()
    context = SimpleNamespace(
        nav=nav, services=services, lang="en", bot=SimpleNamespace(send_message=send_message),
        patient=SimpleNamespace(id=1, consented=True),
        t=lambda key, **values: texts.render("en", key, **values))
    update = SimpleNamespace(callback_query=None, effective_chat=SimpleNamespace(id=1))
    assert not nav.has_entry("booking")
    state = await enter_book(update, context)
    assert state == ReportState.NEXT
    assert len(sent) == 1 and "isn't open here yet" in sent[0]
    assert "care@example.org" in sent[0] and "SO-2611-0007" in sent[0]
