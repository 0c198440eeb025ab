"""The status of a submitted case: one state machine, checked by every change.

    submitted ─► claimed ─► with_expert ─► report_ready ─► closed
                   │  ▲          │  ▲
                   ▼  │          ▼  │
                 info_requested (goes back to the status it came from when the patient answers)

Any open status can be closed with a reason; a patient who withdraws moves an open case (not
yet reported) to ``withdrawn``. ``draft → submitted`` belongs to the intake. Pure: no database.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    WITH_EXPERT = "with_expert"
    INFO_REQUESTED = "info_requested"
    REPORT_READY = "report_ready"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


S = CaseStatus

#: A case coordinators still work on (the queue), in the order the queue shows them.
OPEN: tuple[CaseStatus, ...] = (S.SUBMITTED, S.CLAIMED, S.WITH_EXPERT, S.INFO_REQUESTED,
                                S.REPORT_READY)
FINAL: tuple[CaseStatus, ...] = (S.CLOSED, S.WITHDRAWN)
#: Open and still waiting for the expert's report (the turnaround clock runs).
AWAITING_REPORT: tuple[CaseStatus, ...] = (S.SUBMITTED, S.CLAIMED, S.WITH_EXPERT,
                                           S.INFO_REQUESTED)
#: Statuses an information request can come from (and that the answer returns to).
INFO_FROM: tuple[CaseStatus, ...] = (S.CLAIMED, S.WITH_EXPERT)
#: Changes the patient is told about, in their language, in the same transaction.
PATIENT_NOTIFIED: frozenset[CaseStatus] = frozenset(
    {S.CLAIMED, S.WITH_EXPERT, S.INFO_REQUESTED, S.REPORT_READY, S.CLOSED})

CLOSE_REASONS = ("completed", "duplicate", "out_of_scope", "no_response", "patient_request",
                 "other")
CONCORDANCE = ("agrees", "differs_diagnosis", "differs_treatment", "inconclusive")

_NEXT: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.CLAIMED, S.CLOSED, S.WITHDRAWN}),
    S.CLAIMED: frozenset({S.WITH_EXPERT, S.INFO_REQUESTED, S.CLOSED, S.WITHDRAWN}),
    S.WITH_EXPERT: frozenset({S.INFO_REQUESTED, S.REPORT_READY, S.CLOSED, S.WITHDRAWN}),
    S.INFO_REQUESTED: frozenset({S.CLAIMED, S.WITH_EXPERT, S.CLOSED, S.WITHDRAWN}),
    S.REPORT_READY: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


class TransitionError(ValueError):
    """A change the state machine does not allow (a stale button, a race lost)."""


def parse(value: str) -> CaseStatus | None:
    try:
        return CaseStatus(value)
    except ValueError:
        return None


def can_move(current: str, target: str, *, came_from: str | None = None) -> bool:
    """Whether ``current → target`` is allowed. Leaving ``info_requested`` other than by closing
    or withdrawing goes back to ``came_from`` (the status the request was made in) only."""
    src, dst = parse(current), parse(target)
    if src is None or dst is None or dst not in _NEXT[src]:
        return False
    if src is S.INFO_REQUESTED and dst not in FINAL:
        return came_from is not None and dst == came_from
    return True


def check(current: str, target: str, *, came_from: str | None = None) -> None:
    if not can_move(current, target, came_from=came_from):
        raise TransitionError(f"{current} → {target} is not allowed")


def next_statuses(current: str) -> frozenset[CaseStatus]:
    src = parse(current)
    return _NEXT[src] if src is not None else frozenset()


def is_open(status: str) -> bool:
    return status in OPEN
