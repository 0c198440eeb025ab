"""Every free-text field, driven through the repositories and the real rendering functions (no
emulator: fast), with the hostile corpus and with hypothesis: the diagnosis, plan, surgeries,
medications and allergies, the patient's own questions, their answer to a coordinator, and the
coordinators' inputs (the question to the patient, the expert's name and specialty, the report
link). Whatever is typed, every message built from it is valid Telegram HTML (the emulator's
own strict parser), at most 4096 characters, shows the text (escaped, never as markup), and the
HTML pages of the records download escape it."""

from __future__ import annotations

import asyncio
import html
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.downloads import summary_html
from bot.export import export_document
from bot.files import parse_date
from bot.services import Services
from conversations.intake import specialties
from conversations.intake.common import MAX_TEXT
from conversations.intake.steps import TEXT_FIELDS, IntakeState, Pos
from conversations.intake.views import view_questions, view_review, view_specialty, view_text_step
from conversations.settings import find_zones
from handlers.coordinator.actions import MAX_QUESTION, https_url
from handlers.coordinator.alerts import notifier, patient_notice
from handlers.coordinator.present import MAX_PLACEABLE, escaped_length
from handlers.coordinator.views import card_view
from sandbox.html_check import EntityParseError, parse_html, utf16_len
from storage.clock import ManualClock
from storage.console import Change
from storage.db import migrate
from tests.conftest import PG_URL
from tests.hostile.conftest import Results
from tests.hostile.corpus import ALL_TEXTS, HTML_TEXTS

MAX_MESSAGE = 4096
COORDINATOR = 9001
PATIENT_TG = 555_000_001
OTHER_TG = 555_000_002


# -- a stage: services on a real database, driven from synchronous code -------------------------

@dataclass
class Stage:
    services: Services
    runner: asyncio.Runner
    patient_id: int = 0
    lang: str = "en"
    notices: list[Any] = field(default_factory=list)

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    @property
    def context(self) -> Any:
        """What the intake's views need of a BotContext: texts in a language, the services."""
        texts, lang = self.services.texts, self.lang
        return SimpleNamespace(t=lambda key, **v: texts.render(lang, key, **v), lang=lang,
                               services=self.services)

    def notify(self, change: Change) -> list[Any]:
        items = list(notifier(self.services)(change))
        self.notices.extend(items)
        return items

    # -- ways to store a text, as the handlers do ----------------------------------------------

    async def draft(self) -> Any:
        case, _ = await self.services.cases.start_draft(patient_id=self.patient_id,
                                                        step="intake.diagnosis")
        return case

    async def submit(self, case_id: int) -> Any:
        result = await self.services.cases.submit(case_id=case_id, patient_id=self.patient_id,
                                                  alerts=lambda c, n: [])
        return result.case

    async def claimed_case(self) -> Any:
        draft = await self.draft()
        case = await self.submit(draft.id)
        await self.services.console.claim(case_id=case.id, coordinator_id=COORDINATOR,
                                          first_name="Coordinator <b>One</b>",
                                          notify=self.notify)
        return case


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """One database for the module (migrated once): SQLite, or a fresh PostgreSQL database
    when TEST_DATABASE_URL is set, like the suite's ``database_url`` fixture."""
    runner = asyncio.Runner()
    tmp = tmp_path_factory.mktemp("rendering")
    url, drop = runner.run(_database(tmp))
    env = {"DATA_DIR": str(tmp / "data"), "DATABASE_URL": url,
           "COORDINATOR_IDS": str(COORDINATOR), "EMERGENCY_NUMBER": "115",
           "SUPPORT_EMAIL": "care@example.org"}
    runner.run(migrate(url))
    services = Services.create(load_settings(env, env_file=None), clock=ManualClock())
    st_ = Stage(services, runner)
    patient = runner.run(services.patients.get_or_create(
        telegram_user_id=PATIENT_TG, chat_id=PATIENT_TG, language="en"))
    runner.run(services.patients.give_consent(telegram_user_id=PATIENT_TG))
    st_.patient_id = patient.id
    try:
        yield st_
    finally:
        runner.run(services.close())
        if drop is not None:
            runner.run(drop())
        runner.close()


async def _database(tmp: Path) -> tuple[str, Callable[[], Any] | None]:
    if not PG_URL:
        return f"sqlite+aiosqlite:///{tmp / 'data' / 'bot.sqlite3'}", None
    import asyncpg

    name = f"t_{secrets.token_hex(6)}"
    admin = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    return f"{PG_URL.rpartition('/')[0]}/{name}", drop


# -- checks ---------------------------------------------------------------------------------------

def visible(text: str) -> str:
    """Parse as Telegram would (strict): the visible text. Raises on invalid HTML."""
    parsed = parse_html(text)
    if not 0 < utf16_len(parsed.text) <= MAX_MESSAGE:
        raise EntityParseError(f"length {utf16_len(parsed.text)}")
    return parsed.text


def shown(value: str) -> str:
    """A short piece of what a message must show of ``value`` (whitespace folded)."""
    return " ".join(value.split())[:12]


def check(results: Results, category: str, name: str, render: Callable[[], str],
          value: str | None = None) -> None:
    try:
        text = visible(render())
    except Exception as exc:  # invalid HTML, too long, or a crash while rendering
        results.add(category, name, False, f"{type(exc).__name__}: {exc}"[:300])
        return
    if value is not None and shown(value) and shown(value) not in " ".join(text.split()):
        results.add(category, name, False, f"{shown(value)!r} not shown")
        return
    results.add(category, name, True)


def check_page(results: Results, category: str, name: str, page: str, value: str) -> None:
    """An HTML page (the records download): the value escaped, never live markup."""
    raw_ok = all(tag not in page for tag in ("<script", "<img", "<a href=javascript",
                                              "<a href=\"javascript")) or \
        all(tag not in value for tag in ("<script", "<img", "<a "))
    folded = shown(value)
    page_text = " ".join(html.unescape(page).split())
    results.add(category, name, raw_ok and (not folded or folded in page_text),
                "markup leaked" if not raw_ok else f"{folded!r} not in page")


# -- the corpus, field by field -----------------------------------------------------------------

FIELDS = {state: column for state, column in TEXT_FIELDS.items()}


def _intake_fields(stage: Stage, results: Results, value: str, label: str,
                   fields: dict[IntakeState, str] | None = None) -> None:
    """``value`` typed at each free-text step of one draft: each step, the review, then the
    card and the summary page of the submitted case."""
    services = stage.services
    fields = FIELDS if fields is None else fields
    text = value.strip()
    draft = stage.run(stage.draft())
    if not text or len(text) > MAX_TEXT:
        results.add("rendering", f"intake: {label} (refused: empty or too long)", True)
        return
    case = stage.run(services.cases.answer(
        case_id=draft.id, patient_id=stage.patient_id, step=IntakeState.REVIEW.value,
        values=dict.fromkeys(fields.values(), text)))
    ctx = stage.context
    for state, column in fields.items():
        check(results, "rendering", f"{column} step: {label}",
              lambda state=state: view_text_step(ctx, case, Pos(state))[0], text)
    records = stage.run(services.cases.records(case_id=case.id))
    questions = stage.run(services.cases.questions(case_id=case.id))
    check(results, "rendering", f"review: {label}",
          lambda: view_review(ctx, case, records, questions)[0])
    submitted = stage.run(stage.submit(case.id))
    card = stage.run(services.console.card(case_id=submitted.id))
    check(results, "rendering", f"card: {label}",
          lambda: card_view(services, "en", card, services.clock.now())[0], text)
    check_page(results, "rendering", f"summary page: {label}",
               summary_html(services, card), text)


def _question(stage: Stage, results: Results, value: str, label: str) -> None:
    services = stage.services
    draft = stage.run(stage.draft())
    result = stage.run(services.cases.add_question(case_id=draft.id,
                                                   patient_id=stage.patient_id, text=value,
                                                   step="intake.questions"))
    if result.outcome != "ok":
        results.add("rendering", f"question: {label} ({result.outcome})",
                    result.outcome in ("too_long", "empty"))
        stage.run(services.cases.delete_draft(case_id=draft.id, patient_id=stage.patient_id))
        return
    own = [q for q in result.questions if q.text]
    ctx = stage.context
    text = value.strip()
    check(results, "rendering", f"question list: {label}",
          lambda: view_questions(ctx, Pos(IntakeState.QUESTIONS), list(result.questions))[0])
    check(results, "rendering", f"question edit: {label}",
          lambda: view_questions(ctx, Pos(IntakeState.QUESTIONS, f"edit:{own[-1].id}"),
                                 list(result.questions))[0], text)
    case = stage.run(services.cases.get(case_id=draft.id))
    check(results, "rendering", f"question review: {label}",
          lambda: view_review(ctx, case, [], list(result.questions))[0])
    submitted = stage.run(stage.submit(draft.id))
    card = stage.run(services.console.card(case_id=submitted.id))
    check(results, "rendering", f"question card: {label}",
          lambda: card_view(services, "en", card, services.clock.now())[0], text)
    check_page(results, "rendering", f"question summary page: {label}",
               summary_html(services, card), text)


def _coordinator_and_reply(stage: Stage, results: Results, case: Any, value: str,
                           label: str) -> None:
    """The coordinator asks ``value`` (if the console would take it), the patient answers
    ``value``, and the case goes back: notice, reply prompt and card rendered each time."""
    services = stage.services
    question = value.strip()
    takes = bool(question) and len(question) <= MAX_QUESTION and \
        escaped_length(question) <= MAX_PLACEABLE
    if not takes:
        question = "Could you send the latest report?"
    stage.notices.clear()
    asked = stage.run(services.console.request_info(
        case_id=case.id, coordinator_id=COORDINATOR, question=question, notify=stage.notify))
    if asked.outcome != "ok":
        results.add("rendering", f"coordinator question: {label}", False, asked.outcome)
        return
    for n, item in enumerate(stage.notices):
        check(results, "rendering", f"patient notice {n}: {label}",
              lambda item=item: item.payload["text"], question if takes else None)
    check(results, "rendering", f"reply prompt: {label}",
          lambda: services.texts.render("en", "reply-prompt", number=case.number,
                                        question=question), question)
    reply = value.strip()[:4000]
    if reply:
        stage.run(services.console.add_reply_text(case_id=case.id,
                                                  patient_id=stage.patient_id, text=reply))
    else:
        stage.run(services.console.add_reply_text(case_id=case.id,
                                                  patient_id=stage.patient_id, text="ok"))
    card = stage.run(services.console.card(case_id=case.id))
    check(results, "rendering", f"card with the answer: {label}",
          lambda: card_view(services, "en", card, services.clock.now())[0],
          reply or None)
    check_page(results, "rendering", f"summary page with the answer: {label}",
               summary_html(services, card), reply)
    stage.notices.clear()
    done = stage.run(services.console.finish_reply(case_id=case.id,
                                                   patient_id=stage.patient_id,
                                                   notify=stage.notify))
    results.add("rendering", f"answer sent back: {label}", done.outcome == "ok", done.outcome)
    for n, item in enumerate(stage.notices):
        check(results, "rendering", f"coordinator alert {n}: {label}",
              lambda item=item: item.payload["text"])


def _expert(stage: Stage, results: Results, case: Any, value: str, label: str) -> None:
    services = stage.services
    name = " ".join(value.split())[:200] or "Dr. X"
    specialty = " ".join(value.split())[:64] or "Cardiology"
    stage.notices.clear()
    result = stage.run(services.console.assign_expert(
        case_id=case.id, coordinator_id=COORDINATOR, name=name, specialty=specialty,
        notify=stage.notify))
    if result.outcome != "ok":
        results.add("rendering", f"expert: {label}", False, result.outcome)
        return
    card = stage.run(services.console.card(case_id=case.id))
    check(results, "rendering", f"card with the expert: {label}",
          lambda: card_view(services, "en", card, services.clock.now())[0], name)
    change = Change(case=result.case, from_status="claimed", to_status="with_expert",
                    actor=f"coordinator:{COORDINATOR}", patient=card.patient)
    for n, item in enumerate(patient_notice(services, change)):
        check(results, "rendering", f"with-expert notice {n}: {label}",
              lambda item=item: item.payload["text"], specialty)


def _pure(results: Results, value: str, label: str, stage: Stage) -> None:
    """Functions that read typed text: never raise, whatever it is."""
    today = date(2026, 11, 28)
    for name, call in (("date", lambda: parse_date(value, today=today)),
                       ("zone search", lambda: find_zones(value)),
                       ("report link", lambda: https_url(value)),
                       ("specialty search", lambda: specialties.search(value))):
        try:
            call()
            results.add("rendering", f"{name}: {label}", True)
        except Exception as exc:
            results.add("rendering", f"{name}: {label}", False, repr(exc)[:200])
    draft = stage.run(stage.draft())
    found = specialties.search(value.strip())
    check(results, "rendering", f"specialty results: {label}",
          lambda: view_specialty(stage.context, draft, Pos(IntakeState.SPECIALTY),
                                 found=found, query=value.strip())[0])


def test_the_corpus_in_every_field(stage, results):
    """Each hostile text in each free-text field, through repositories and renderers."""
    case = stage.run(stage.claimed_case())
    expert_case = stage.run(stage.claimed_case())
    for n, value in enumerate(ALL_TEXTS):
        label = f"#{n} {value[:24]!r}"
        _intake_fields(stage, results, value, label)
        _question(stage, results, value, label)
        _coordinator_and_reply(stage, results, case, value, label)
        _expert(stage, results, expert_case, value, label)
        _pure(results, value, label, stage)
        stage.run(stage.services.cases.delete_draft(
            case_id=stage.run(stage.draft()).id, patient_id=stage.patient_id))
    # The patient's export of all that: one JSON document, every value intact.
    data = stage.run(stage.services.erasure.export(patient_id=stage.patient_id))
    document = export_document(stage.services, data, {})
    results.add("rendering", "export of it all", len(document["cases"]) > len(ALL_TEXTS))
    results.check()


# -- hypothesis: any text at all -------------------------------------------------------------------

#: Text Telegram can deliver: any characters but surrogates and NUL (Telegram's servers drop
#: NUL and replace other C0 controls; we keep those controls in, to be hard on ourselves).
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_PIECES = st.sampled_from([*HTML_TEXTS, "<", ">", "&", "\"", "'", "\u202e", "\u200b",
                           "{ $x }", "\n", "  ", "🙂", "Ω", "ệ", "&amp;"])
HOSTILE = st.one_of(
    st.text(_CHARS, max_size=300),
    st.lists(_PIECES, max_size=40).map("".join),
    st.lists(st.one_of(_PIECES, st.text(_CHARS, max_size=8)), max_size=120).map("".join),
    st.builds(lambda piece, n: piece * n, _PIECES, st.integers(1, 700)),
)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _property(stage: Stage, run_one: Callable[[Results, str], None]) -> Callable[[str], None]:
    def body(value: str) -> None:
        local = Results()
        run_one(local, value)
        failures = [r for r in local.rows if not r.ok]
        assert not failures, [(r.name, r.detail) for r in failures]

    return body


@pytest.mark.parametrize("state", list(FIELDS), ids=list(FIELDS.values()))
def test_property_intake_fields(stage, state, counted):
    @SETTINGS
    @given(HOSTILE)
    def prop(value: str) -> None:
        _property(stage, lambda r, v: _intake_fields(stage, r, v, "property",
                                                      {state: FIELDS[state]}))(value)

    prop()


def test_property_questions(stage, counted):
    @SETTINGS
    @given(HOSTILE)
    def prop(value: str) -> None:
        _property(stage, lambda r, v: _question(stage, r, v, "property"))(value)

    prop()


def test_property_answer_and_coordinator_question(stage, counted):
    case = stage.run(stage.claimed_case())

    @SETTINGS
    @given(HOSTILE)
    def prop(value: str) -> None:
        _property(stage, lambda r, v: _coordinator_and_reply(stage, r, case, v,
                                                             "property"))(value)

    prop()


def test_property_expert_name_and_specialty(stage, counted):
    case = stage.run(stage.claimed_case())

    @SETTINGS
    @given(HOSTILE)
    def prop(value: str) -> None:
        _property(stage, lambda r, v: _expert(stage, r, case, v, "property"))(value)

    prop()


def test_property_typed_text_readers(stage, counted):
    @SETTINGS
    @given(HOSTILE)
    def prop(value: str) -> None:
        _property(stage, lambda r, v: _pure(r, v, "property", stage))(value)

    prop()
