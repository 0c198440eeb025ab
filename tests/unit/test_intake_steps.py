"""The intake's positions (what a draft's step stores) and the specialty list."""

from __future__ import annotations

import json
import re

import pytest

from bot.callbacks import cb
from conversations.intake import specialties
from conversations.intake.steps import ORDER, SECTIONS, TOTAL, IntakeState, Pos, progress

S = IntakeState

SEED = ["Pediatrics", "Cardiology", "Dermatology", "Endocrinology", "Gastroenterology",
        "Geriatrics", "Hematology", "Infectious Diseases", "Nephrology", "Neurology",
        "Obstetrics and Gynecology", "Oncology", "Ophthalmology",
        "Oral and Maxillofacial Surgery", "Otolaryngology", "Sports Medicine",
        "Physical Rehabilitation", "Psychiatry", "Respiratory Medicine", "Orthopedics",
        "Urology", "Andrology", "Nutrition"]


@pytest.mark.parametrize("pos", [
    Pos(S.TRACK), Pos(S.SPECIALTY, "p3"), Pos(S.DIAGNOSIS, review=True),
    Pos(S.QUESTIONS, "edit:123456789", review=True), Pos(S.RECORDS, "rm:42"), Pos(S.REVIEW),
])
def test_positions_round_trip_and_fit_the_column(pos):
    encoded = pos.encode()
    assert Pos.decode(encoded) == pos and len(encoded) <= 64


@pytest.mark.parametrize("raw", [None, "", "nonsense", "intake.start", "intake.submitted",
                                 "menu.main", "intake.records:x:y:z;r;r"])
def test_unreadable_positions_fall_back_safely(raw):
    assert Pos.decode(raw).state in ORDER


def test_next_back_and_review():
    assert TOTAL == 11 and ORDER[0] is S.TRACK and ORDER[-1] is S.REVIEW
    assert Pos(S.TRACK).next() == Pos(S.SPECIALTY)
    assert Pos(S.PHONE).next() == Pos(S.REVIEW)
    assert Pos(S.SPECIALTY).back() == Pos(S.TRACK)
    assert Pos(S.TRACK).back() == Pos(S.TRACK)
    # Editing from the review goes back to the review, whichever way.
    assert Pos(S.ALLERGIES, review=True).next() == Pos(S.REVIEW)
    assert Pos(S.ALLERGIES, review=True).back() == Pos(S.REVIEW)
    # A sub-step goes back to its step first.
    assert Pos(S.QUESTIONS, "add", review=True).back() == Pos(S.QUESTIONS, review=True)
    assert [Pos(s).number for s in ORDER] == list(range(1, 12))
    assert progress("intake.records;r") == (8, 11) and progress(None) == (1, 11)
    assert set(SECTIONS.values()) == set(ORDER) - {S.REVIEW}


def test_specialties_data():
    raw = json.loads(specialties.DATA.read_text(encoding="utf-8"))["specialties"]
    assert len(raw) >= 40
    ids = [s["id"] for s in raw]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][a-z_]{1,31}", i) for i in ids)
    assert all(s["en"].strip() and s["vi"].strip() for s in raw)
    # The seed's own list comes first, in its order.
    assert [s["en"].removesuffix(" (ENT)") for s in raw[:len(SEED)]] == SEED
    for spec in specialties.all_specialties():
        cb("in", "spec", spec.id)  # every id fits the callback grammar


def test_pages_cover_every_specialty_once():
    seen = []
    for number in range(specialties.page_count()):
        clamped, shown = specialties.page(number)
        assert clamped == number and 0 < len(shown) <= specialties.PAGE_SIZE
        seen.extend(s.id for s in shown)
    assert seen == [s.id for s in specialties.all_specialties()]
    assert specialties.page(99)[0] == specialties.page_count() - 1
    assert specialties.page(-1)[0] == 0


@pytest.mark.parametrize(("query", "first"), [
    ("heart", "cardiology"), ("Tim mạch", "cardiology"), ("tim mach", "cardiology"),
    ("cancer", "oncology"), ("ung thư", "oncology"), ("Ung bướu", "oncology"),
    ("skin", "dermatology"), ("da liễu", "dermatology"), ("ENT", "otolaryngology"),
    ("mắt", "ophthalmology"), ("mặt", "oral_maxillofacial_surgery"), ("kidney", "nephrology"), ("đái tháo đường", "endocrinology"),
    ("", None), ("qqqq", None),
])
def test_search(query, first):
    found = specialties.search(query)
    if first is None:
        assert found == []
    else:
        assert found and found[0].id == first


def test_fold_removes_vietnamese_marks():
    assert specialties.fold("Đường Tiêu hóa") == "duong tieu hoa"
