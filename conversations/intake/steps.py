"""The intake's steps, their order, and the draft's position (what `cases.step` stores).

A position is a step plus two details: a sub-step (the specialty page, "add a question", ...) and
whether the patient came from the review screen (then answering returns there). It is encoded in
the draft's ``step`` column as ``<state>[:<detail>][;r]``, e.g. ``intake.questions:edit:12;r``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class IntakeState(StrEnum):
    START = "intake.start"            # no draft: start a (new) case?
    TRACK = "intake.track"
    SPECIALTY = "intake.specialty"
    DIAGNOSIS = "intake.diagnosis"
    PLAN = "intake.plan"
    SURGERIES = "intake.surgeries"
    MEDICATIONS = "intake.medications"
    ALLERGIES = "intake.allergies"
    RECORDS = "intake.records"
    QUESTIONS = "intake.questions"
    PHONE = "intake.phone"
    REVIEW = "intake.review"
    SUBMITTED = "intake.submitted"    # just submitted: the number, and what happens next


S = IntakeState

#: The numbered steps, in order ("step n of m").
ORDER: tuple[IntakeState, ...] = (S.TRACK, S.SPECIALTY, S.DIAGNOSIS, S.PLAN, S.SURGERIES,
                                  S.MEDICATIONS, S.ALLERGIES, S.RECORDS, S.QUESTIONS, S.PHONE,
                                  S.REVIEW)
TOTAL = len(ORDER)

#: Free-text steps: the case column each one fills.
TEXT_FIELDS: dict[IntakeState, str] = {
    S.DIAGNOSIS: "diagnosis",
    S.PLAN: "treatment_plan",
    S.SURGERIES: "surgeries",
    S.MEDICATIONS: "medications",
    S.ALLERGIES: "allergies",
}

#: Sections the review screen can open for editing (callback id → step).
SECTIONS: dict[str, IntakeState] = {
    "track": S.TRACK,
    "specialty": S.SPECIALTY,
    "diagnosis": S.DIAGNOSIS,
    "plan": S.PLAN,
    "surgeries": S.SURGERIES,
    "medications": S.MEDICATIONS,
    "allergies": S.ALLERGIES,
    "records": S.RECORDS,
    "questions": S.QUESTIONS,
    "phone": S.PHONE,
}


@dataclass(frozen=True)
class Pos:
    state: IntakeState
    detail: str = ""
    review: bool = False

    def encode(self) -> str:
        text = self.state.value
        if self.detail:
            text += f":{self.detail}"
        return text + (";r" if self.review else "")

    @classmethod
    def decode(cls, raw: str | None) -> Pos:
        """The position a draft's step names; the first step for anything unreadable."""
        if not raw:
            return cls(S.TRACK)
        review = raw.endswith(";r")
        raw = raw.removesuffix(";r")
        state, _, detail = raw.partition(":")
        try:
            step = IntakeState(state)
        except ValueError:
            return cls(S.TRACK)
        if step not in ORDER:
            return cls(S.TRACK)
        return cls(step, detail, review and step is not S.REVIEW)

    def at(self, detail: str = "") -> Pos:
        return replace(self, detail=detail)

    @property
    def number(self) -> int:
        return ORDER.index(self.state) + 1

    def next(self) -> Pos:
        """Where answering this step leads: the next step, or back to the review."""
        if self.review:
            return Pos(S.REVIEW)
        index = ORDER.index(self.state)
        return Pos(ORDER[min(index + 1, TOTAL - 1)])

    def back(self) -> Pos:
        if self.detail:
            return replace(self, detail="")
        if self.review:
            return Pos(S.REVIEW)
        index = ORDER.index(self.state)
        return Pos(ORDER[max(index - 1, 0)])


def progress(step: str | None) -> tuple[int, int]:
    """(n, m) of a draft's stored step, for "step n of m" elsewhere (e.g. /status)."""
    return Pos.decode(step).number, TOTAL
