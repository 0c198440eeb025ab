"""What each intake step shows: text and buttons, from the draft as the database has it.

Every view starts with "Step n of m", shows the current answer when there is one, and ends with
the way back (or back to the review screen, when the patient came from there). Values passed to
the catalog are plain text (escaped by `Texts.render`); rendered pieces are joined here.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import date

from telegram import KeyboardButton, ReplyKeyboardMarkup

from bot.callbacks import cb
from bot.context import BotContext
from bot.keyboards import Button, inline
from conversations.intake import specialties
from conversations.intake.common import View, clip, fmt_date, fmt_size
from conversations.intake.steps import ORDER, TEXT_FIELDS, TOTAL, IntakeState, Pos
from storage.cases import (
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_RECORDS,
    PROPOSED,
    RECORD_KINDS,
    SUGGESTED_QUESTIONS,
    DraftRecord,
)
from storage.schemas import CaseOut, QuestionOut

S = IntakeState

_TITLES: dict[IntakeState, str] = {
    S.TRACK: "intake-title-track",
    S.SPECIALTY: "intake-title-specialty",
    S.DIAGNOSIS: "intake-title-diagnosis",
    S.PLAN: "intake-title-plan",
    S.SURGERIES: "intake-title-surgeries",
    S.MEDICATIONS: "intake-title-medications",
    S.ALLERGIES: "intake-title-allergies",
    S.RECORDS: "intake-title-records",
    S.QUESTIONS: "intake-title-questions",
    S.PHONE: "intake-title-phone",
    S.REVIEW: "intake-title-review",
}

# Free-text steps: (question, "none" button, how "none" reads back).
_TEXT_STEPS: dict[IntakeState, tuple[str, str, str]] = {
    S.DIAGNOSIS: ("intake-ask-diagnosis", "intake-btn-no-diagnosis", "intake-none-diagnosis"),
    S.PLAN: ("intake-ask-plan", "intake-btn-no-plan", "intake-none-plan"),
    S.SURGERIES: ("intake-ask-surgeries", "intake-btn-no-surgeries", "intake-none-surgeries"),
    S.MEDICATIONS: ("intake-ask-medications", "intake-btn-no-medications",
                    "intake-none-medications"),
    S.ALLERGIES: ("intake-ask-allergies", "intake-btn-no-allergies", "intake-none-allergies"),
}

KIND_ICONS = {"test": "🧪", "imaging": "🩻", "note": "📝", "other": "📎"}
_TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG",
               "image/heic": "HEIC", "application/dicom": "DICOM", "text/plain": "TXT"}


# -- pieces -----------------------------------------------------------------------------------

def header(context: BotContext, pos: Pos) -> str:
    return context.t("intake-step", n=pos.number, m=TOTAL, title=context.t(_TITLES[pos.state]))


def nav_row(context: BotContext, pos: Pos) -> list[Button]:
    row: list[Button] = []
    if pos.review:
        row.append((context.t("intake-btn-to-review"), cb("in", "review")))
    elif pos.state is not ORDER[0]:
        row.append((context.t("btn-back"), cb("in", "back")))
    row.append((context.t("intake-btn-later"), cb("menu", "home")))
    return row


def escape(text: str) -> str:
    """What the patient typed, placed in HTML outside the catalogs (which escape values)."""
    return html.escape(text, quote=False)


def join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


def track_name(context: BotContext, track: str | None) -> str:
    return context.t("intake-track-name", track=track or "none")


def specialty_name(context: BotContext, specialty_id: str | None) -> str:
    if specialty_id == specialties.UNSURE:
        return context.t("intake-specialty-unsure")
    spec = specialties.by_id(specialty_id)
    return spec.name(context.lang) if spec else context.t("intake-not-answered")


def answer_text(context: BotContext, state: IntakeState, value: str | None, limit: int) -> str:
    if value is None:
        return context.t("intake-not-answered")
    if value == "":
        return context.t(_TEXT_STEPS[state][2])
    return clip(value, limit)


def kind_name(context: BotContext, kind: str | None) -> str:
    return context.t("intake-kind-name", kind=kind or "none")


def question_text(context: BotContext, question: QuestionOut) -> str:
    if question.suggested_key:
        return context.t(f"intake-q-{question.suggested_key}")
    return question.text or ""


# -- steps ------------------------------------------------------------------------------------

def view_track(context: BotContext, case: CaseOut, pos: Pos) -> View:
    now = (context.t("intake-current", value=track_name(context, case.track))
           if case.track else None)
    buttons = [[(("✓ " if case.track == t else "") + context.t(f"intake-btn-track-{t}"),
                 cb("in", "track", t))] for t in ("domestic", "international")]
    return (join(header(context, pos), context.t("intake-ask-track"), now),
            inline([*buttons, nav_row(context, pos)]))


def view_specialty(context: BotContext, case: CaseOut, pos: Pos,
                   found: list[specialties.Specialty] | None = None,
                   query: str | None = None) -> View:
    rows: list[list[Button]] = []
    if found is None:
        number = int(pos.detail[1:]) if pos.detail[1:].isdigit() else 0
        number, shown = specialties.page(number)
        intro = context.t("intake-ask-specialty", count=len(specialties.all_specialties()))
        rows.extend(_specialty_rows(context, case, shown))
        pages = specialties.page_count()
        rows.append([
            ("◀️", cb("in", "specp", (number - 1) % pages)),
            (context.t("intake-page", n=number + 1, m=pages), cb("in", "specp", number)),
            ("▶️", cb("in", "specp", (number + 1) % pages)),
        ])
    elif found:
        intro = context.t("intake-specialty-found", query=clip(query or "", 40))
        rows.extend(_specialty_rows(context, case, found))
        rows.append([(context.t("intake-btn-all-specialties"), cb("in", "specp", 0))])
    else:
        intro = context.t("intake-specialty-none-found", query=clip(query or "", 40))
        rows.append([(context.t("intake-btn-all-specialties"), cb("in", "specp", 0))])
    rows.append([(_tick(case.specialty == specialties.UNSURE)
                  + context.t("intake-btn-specialty-unsure"), cb("in", "unsure"))])
    rows.append(nav_row(context, pos))
    now = (context.t("intake-current", value=specialty_name(context, case.specialty))
           if case.specialty else None)
    return join(header(context, pos), intro, now), inline(rows)


def _specialty_rows(context: BotContext, case: CaseOut,
                    shown: Sequence[specialties.Specialty]) -> list[list[Button]]:
    return [[(_tick(case.specialty == s.id) + s.name(context.lang), cb("in", "spec", s.id))]
            for s in shown]


def _tick(on: bool) -> str:
    return "✓ " if on else ""


def view_text_step(context: BotContext, case: CaseOut, pos: Pos) -> View:
    ask, none_button, _ = _TEXT_STEPS[pos.state]
    value: str | None = getattr(case, TEXT_FIELDS[pos.state])
    now = (context.t("intake-current", value=answer_text(context, pos.state, value, 600))
           if value is not None else None)
    hint = context.t("intake-text-hint") if value is not None else None
    return (join(header(context, pos), context.t(ask), now, hint),
            inline([[(context.t(none_button), cb("in", "none", TEXT_FIELDS[pos.state]))],
                    nav_row(context, pos)]))


# -- records ----------------------------------------------------------------------------------

def pending_batch(records: list[DraftRecord]) -> list[DraftRecord]:
    """The next record (with the rest of its album) still waiting for a kind or a date."""
    first = next((r for r in records if r.pending), None)
    if first is None:
        return []
    if first.media_group_id is None:
        return [first]
    return [r for r in records if r.pending and r.media_group_id == first.media_group_id]


def view_records(context: BotContext, case: CaseOut, pos: Pos, records: list[DraftRecord],
                 note: str | None = None) -> View:
    batch = pending_batch(records)
    if batch:
        return _view_pending(context, pos, batch, note)
    counts = Counter(r.kind for r in records)
    checklist = "\n".join([
        _check(context, counts["test"] > 0, "intake-check-tests"),
        _check(context, counts["imaging"] > 0, "intake-check-imaging"),
        _check(context, counts["note"] > 0, "intake-check-notes"),
        _check(context, case.medications is not None, "intake-check-medications"),
    ])
    rows: list[list[Button]] = []
    if records:
        rows.append([(context.t("intake-btn-timeline", count=len(records)),
                      cb("in", "recs"))])
    rows.append([(context.t("intake-btn-records-done" if records else "intake-btn-records-skip"),
                  cb("in", "next"))])
    rows.append(nav_row(context, pos))
    status = (context.t("intake-records-count", count=len(records), max=MAX_RECORDS)
              if records else None)
    return (join(note, header(context, pos), context.t("intake-ask-records", max=MAX_RECORDS),
                 status, context.t("intake-checklist-title") + "\n" + checklist),
            inline(rows))


def _check(context: BotContext, done: bool, key: str) -> str:
    return ("✅ " if done else "▫️ ") + context.t(key)


def _view_pending(context: BotContext, pos: Pos, batch: list[DraftRecord], note: str | None
                  ) -> View:
    first = batch[0]
    if first.needs_kind:
        ask = context.t("intake-ask-kind", count=len(batch),
                        type=_TYPE_NAMES.get(first.mime, "?"),
                        size=fmt_size(context, first.size))
        buttons = [[(KIND_ICONS[k] + " " + kind_name(context, k), cb("in", f"k_{k}", first.id))]
                   for k in RECORD_KINDS]
        return join(note, header(context, pos), ask), inline([*buttons, nav_row(context, pos)])
    proposed = sorted({r.record_date for r in batch
                       if r.date_source == PROPOSED and r.record_date is not None})
    example = context.t("intake-date-example")
    if proposed:
        when = fmt_date(context, proposed[0])
        if len(proposed) > 1:
            when = context.t("intake-date-range", start=when,
                             end=fmt_date(context, proposed[-1]))
        ask = context.t("intake-ask-date-proposed", count=len(batch), date=when,
                        kind=kind_name(context, first.kind),
                        kind_word=context.t("intake-kind-word", kind=first.kind or "other"))
        rows = [[(context.t("intake-btn-date-yes"), cb("in", "d_yes", first.id))],
                [(context.t("intake-btn-date-today"), cb("in", "d_today", first.id)),
                 (context.t("intake-btn-date-other"), cb("in", "d_other", first.id))]]
    else:
        ask = context.t("intake-ask-date", count=len(batch), kind=kind_name(context, first.kind),
                        kind_word=context.t("intake-kind-word", kind=first.kind or "other"),
                        example=example)
        rows = [[(context.t("intake-btn-date-today"), cb("in", "d_today", first.id))]]
    return join(note, header(context, pos), ask), inline([*rows, nav_row(context, pos)])


def timeline_lines(context: BotContext, records: list[DraftRecord]) -> list[tuple[int, str]]:
    """(record id, line) in date order: the patient's records as a timeline."""
    ordered = sorted(records, key=lambda r: (r.record_date or date.max, r.id))
    lines = []
    for number, record in enumerate(ordered, start=1):
        when = (fmt_date(context, record.record_date) if record.record_date
                and record.date_source != PROPOSED else context.t("intake-no-date"))
        lines.append((record.id, context.t(
            "intake-timeline-line", n=number, date=when,
            icon=KIND_ICONS.get(record.kind or "", "📄"), kind=kind_name(context, record.kind),
            type=_TYPE_NAMES.get(record.mime, "?"), size=fmt_size(context, record.size))))
    return lines


def view_timeline(context: BotContext, pos: Pos, records: list[DraftRecord]) -> View:
    lines = timeline_lines(context, records)
    if not lines:
        return (join(header(context, pos), context.t("intake-timeline-empty")),
                inline([[(context.t("intake-btn-back-to-records"), cb("in", "rback"))]]))
    remove = [(f"🗑 {n}", cb("in", "rm", rid)) for n, (rid, _) in enumerate(lines, start=1)]
    rows = [remove[i:i + 5] for i in range(0, len(remove), 5)]
    rows.append([(context.t("intake-btn-back-to-records"), cb("in", "rback"))])
    text = join(header(context, pos), context.t("intake-timeline-title", count=len(lines)),
                "\n".join(line for _, line in lines), context.t("intake-timeline-remove-hint"))
    return text, inline(rows)


def view_remove_confirm(context: BotContext, pos: Pos, records: list[DraftRecord],
                        record_id: int) -> View | None:
    line = next((line for rid, line in timeline_lines(context, records) if rid == record_id),
                None)
    if line is None:
        return None
    return (join(header(context, pos), context.t("intake-remove-confirm"), line),
            inline([[(context.t("intake-btn-remove-yes"), cb("in", "rmok", record_id)),
                     (context.t("intake-btn-remove-no"), cb("in", "recs"))]]))


# -- questions --------------------------------------------------------------------------------

def view_questions(context: BotContext, pos: Pos, questions: list[QuestionOut],
                   note: str | None = None) -> View:
    if pos.detail == "add":
        return (join(note, header(context, pos), context.t("intake-ask-question",
                                                           max=MAX_QUESTIONS)),
                inline([[(context.t("intake-btn-cancel"), cb("in", "qlist"))]]))
    if pos.detail.startswith("edit:"):
        qid = pos.detail.removeprefix("edit:")
        current = next((q for q in questions if str(q.id) == qid and q.text), None)
        if current is not None:
            return (join(note, header(context, pos),
                         context.t("intake-ask-question-edit", question=clip(current.text or "",
                                                                              500))),
                    inline([[(context.t("intake-btn-cancel"), cb("in", "qlist"))]]))
    chosen = {q.suggested_key for q in questions if q.suggested_key}
    own = [q for q in questions if not q.suggested_key]
    lines = [("✅ " if key in chosen else "▫️ ") + context.t(f"intake-q-{key}")
             for key in SUGGESTED_QUESTIONS]
    # Ten questions of 500 characters would not fit one message: share the room among them.
    room = min(MAX_QUESTION_CHARS, 2800 // max(len(own), 1))
    own_lines = [f"{n}. {escape(clip(q.text or '', room))}" for n, q in enumerate(own, start=1)]
    rows: list[list[Button]] = [
        [(("✅ " if key in chosen else "▫️ ") + context.t(f"intake-q-short-{key}"),
          cb("in", "qt", key))] for key in SUGGESTED_QUESTIONS]
    for n, q in enumerate(own, start=1):
        rows.append([(f"✏️ {n}", cb("in", "qedit", q.id)), (f"🗑 {n}", cb("in", "qdel", q.id))])
    if len(questions) < MAX_QUESTIONS:
        rows.append([(context.t("intake-btn-add-question"), cb("in", "qadd"))])
    rows.append([(context.t("intake-btn-questions-done"), cb("in", "next"))])
    rows.append(nav_row(context, pos))
    parts = [note, header(context, pos), context.t("intake-ask-questions"), "\n".join(lines)]
    if own_lines:
        parts.append(context.t("intake-own-questions") + "\n" + "\n".join(own_lines))
    parts.append(context.t("intake-questions-count", count=len(questions), max=MAX_QUESTIONS))
    return join(*parts), inline(rows)


# -- phone, review, submitted -----------------------------------------------------------------

def phone_labels(context: BotContext, pos: Pos) -> tuple[str, str, str]:
    back = "intake-btn-to-review" if pos.review else "btn-back"
    return (context.t("intake-btn-share-phone"), context.t("intake-btn-skip-phone"),
            context.t(back))


def view_phone(context: BotContext, case: CaseOut, pos: Pos) -> View:
    share, skip, back = phone_labels(context, pos)
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(share, request_contact=True)],
                                    [KeyboardButton(skip)], [KeyboardButton(back)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    now = (context.t("intake-current", value=case.phone or context.t("intake-phone-none"))
           if case.phone is not None else None)
    return join(header(context, pos), context.t("intake-ask-phone"), now), keyboard


def view_review(context: BotContext, case: CaseOut, records: list[DraftRecord],
                questions: list[QuestionOut], note: str | None = None) -> View:
    for limit, q_limit in ((300, 200), (120, 80), (40, 40)):
        text = _review_text(context, case, records, questions, limit, q_limit, note)
        if len(text) < 3800:
            break
    sections = [
        ("track", "intake-edit-track"), ("specialty", "intake-edit-specialty"),
        ("diagnosis", "intake-edit-diagnosis"), ("plan", "intake-edit-plan"),
        ("surgeries", "intake-edit-surgeries"), ("medications", "intake-edit-medications"),
        ("allergies", "intake-edit-allergies"), ("records", "intake-edit-records"),
        ("questions", "intake-edit-questions"), ("phone", "intake-edit-phone"),
    ]
    buttons = [(context.t(key), cb("in", "edit", section)) for section, key in sections]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(context.t("intake-btn-submit"), cb("in", "submit", case.id))])
    rows.append([(context.t("intake-btn-later"), cb("menu", "home"))])
    return text, inline(rows)


def _review_text(context: BotContext, case: CaseOut, records: list[DraftRecord],
                 questions: list[QuestionOut], limit: int, q_limit: int, note: str | None
                 ) -> str:
    pos = Pos(S.REVIEW)
    t = context.t
    counts = Counter(r.kind for r in records)
    kinds = ", ".join(t("intake-kind-count", kind=k, count=counts[k])
                      for k in RECORD_KINDS if counts[k])
    record_line = (t("intake-review-records", count=len(records), kinds=kinds) if records
                   else t("intake-review-no-records"))
    lines = [
        t("intake-review-line", label=t("intake-title-track"),
          value=track_name(context, case.track)),
        t("intake-review-line", label=t("intake-title-specialty"),
          value=specialty_name(context, case.specialty)),
        *(t("intake-review-line", label=t(_TITLES[state]),
            value=answer_text(context, state, getattr(case, field), limit))
          for state, field in TEXT_FIELDS.items()),
        record_line,
        t("intake-review-line", label=t("intake-title-phone"),
          value=case.phone or t("intake-phone-none")),
    ]
    if questions:
        qlines = [f"{n}. {clip(question_text(context, q), q_limit)}" if q.suggested_key
                  else f"{n}. {escape(clip(q.text or '', q_limit))}"
                  for n, q in enumerate(questions, start=1)]
        questions_part = t("intake-review-questions", count=len(questions)) + "\n" + \
            "\n".join(qlines)
    else:
        questions_part = t("intake-review-no-questions")
    missing = [key for kind, key in (("test", "intake-check-tests"),
                                     ("imaging", "intake-check-imaging"),
                                     ("note", "intake-check-notes")) if not counts[kind]]
    hint = (t("intake-review-missing") + "\n" + "\n".join("▫️ " + t(k) for k in missing)
            if missing else None)
    return join(note, header(context, pos), t("intake-review-intro"), "\n".join(lines),
                questions_part, hint, t("intake-review-consent"))


def view_submitted(context: BotContext, number: str, again: bool) -> View:
    key = "intake-submitted-again" if again else "intake-submitted"
    return (context.t(key, number=number),
            inline([[(context.t("btn-menu-mycase"), cb("menu", "open", "mycase"))],
                    [(context.t("btn-menu"), cb("menu", "home"))]]))
