"""The case as a FHIR R4 Bundle: plain dicts at run time, validated here with fhir.resources
(its R4B models: the resources used are the same in R4 and R4B)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from fhir.resources.R4B.bundle import Bundle

from bot.fhir import FhirAnswers, FhirDocument, build_bundle
from storage.schemas import CaseOut, PatientOut, RecordOut

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def make_case(**values) -> CaseOut:
    base = dict(id=12, number="SO-2611-0012", patient_id=3, status="with_expert", step=None,
                track="international", specialty="cardiology",
                diagnosis="Mitral valve prolapse", treatment_plan="Valve repair next month",
                surgeries="Appendectomy 2010", medications="Bisoprolol 2.5 mg",
                allergies="Penicillin", phone=None, parent_case_id=None, claimed_by=9001,
                expert_name="Dr. A", expert_specialty="Cardiology", close_reason=None,
                created_at=NOW, updated_at=NOW, submitted_at=NOW, claimed_at=NOW,
                report_at=None, closed_at=None)
    base.update(values)
    return CaseOut(**base)


PATIENT = PatientOut(id=3, telegram_user_id=5001, chat_id=5001, language="vi",
                     language_chosen=True, timezone=None, consent_at=NOW, employer_code=None,
                     phone=None, unreachable_at=None, guidance=None, created_at=NOW)


def record(record_id, kind, day, mime="application/pdf") -> RecordOut:
    return RecordOut(id=record_id, case_id=12, kind=kind, record_date=day, date_source="pdf",
                     mime=mime, size=1234, sha256=f"{record_id:064x}", created_at=NOW)


def documents():
    return [
        FhirDocument(record(1, "test", date(2024, 3, 12)), "records/2024-03-12_test_1.pdf",
                     "test result", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
        FhirDocument(record(2, "imaging", None, "image/jpeg"), "records/undated_imaging_1.jpg",
                     "imaging"),
        FhirDocument(record(3, None, date(2023, 1, 5), "application/dicom"),
                     "records/2023-01-05_other_1.dcm", "other"),
    ]


ANSWERS = FhirAnswers(track="International", specialty="Cardiology",
                      questions=["Is my current diagnosis accurate?", "Is surgery needed?"])


def resources(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def test_a_full_case_is_a_valid_r4_bundle():
    bundle = build_bundle(case=make_case(), patient=PATIENT, documents=documents(),
                          answers=ANSWERS, generated_at=NOW)
    parsed = Bundle.model_validate(json.loads(json.dumps(bundle)))
    assert parsed.type == "collection" and len(parsed.entry) == 9
    by_type = resources(bundle)
    assert sorted(by_type) == sorted(["Patient", "Condition", "MedicationStatement",
                                      "AllergyIntolerance", "Procedure", "DocumentReference",
                                      "QuestionnaireResponse"])
    patient = by_type["Patient"][0]
    assert "name" not in patient and patient["identifier"][0]["value"] == "3"
    assert by_type["Condition"][0]["code"]["text"] == "Mitral valve prolapse"
    assert "Valve repair" in by_type["Condition"][0]["note"][0]["text"]
    assert by_type["MedicationStatement"][0]["medicationCodeableConcept"]["text"] == \
        "Bisoprolol 2.5 mg"
    assert by_type["AllergyIntolerance"][0]["code"]["text"] == "Penicillin"
    assert by_type["Procedure"][0]["code"]["text"] == "Appendectomy 2010"
    docs = by_type["DocumentReference"]
    assert [d["content"][0]["attachment"]["url"] for d in docs] == [
        "records/2024-03-12_test_1.pdf", "records/undated_imaging_1.jpg",
        "records/2023-01-05_other_1.dcm"]
    assert docs[0]["context"]["period"]["start"] == "2024-03-12"
    assert docs[0]["type"]["coding"][0]["code"] == "11502-2"
    assert "context" not in docs[1] and "coding" not in docs[2]["type"]
    qr = by_type["QuestionnaireResponse"][0]
    questions = next(i for i in qr["item"] if i["linkId"] == "questions")["item"]
    assert [q["text"] for q in questions] == ANSWERS.questions
    # Every reference points at an entry of the bundle.
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
        assert ref is None or ref in full_urls


def test_a_sparse_case_is_valid_too():
    case = make_case(diagnosis="", treatment_plan="", surgeries="", medications="",
                     allergies="", track=None, specialty=None, number=None, submitted_at=None)
    bundle = build_bundle(case=case, patient=PATIENT, documents=[],
                          answers=FhirAnswers(track="—", specialty="—", questions=[]),
                          generated_at=NOW)
    Bundle.model_validate(bundle)
    by_type = resources(bundle)
    assert sorted(by_type) == ["AllergyIntolerance", "Patient", "QuestionnaireResponse"]
    # "None" for allergies is recorded as no known allergy (SNOMED 716186003).
    assert by_type["AllergyIntolerance"][0]["code"]["coding"][0]["code"] == "716186003"


def test_ids_are_stable():
    one = build_bundle(case=make_case(), patient=PATIENT, documents=documents(),
                       answers=ANSWERS, generated_at=NOW)
    two = build_bundle(case=make_case(), patient=PATIENT, documents=documents(),
                       answers=ANSWERS, generated_at=NOW)
    assert one == two
    other = build_bundle(case=make_case(id=13), patient=PATIENT, documents=documents(),
                         answers=ANSWERS, generated_at=NOW)
    assert {e["fullUrl"] for e in one["entry"]}.isdisjoint(e["fullUrl"] for e in other["entry"])


def test_the_validator_is_strict_enough_to_matter():
    import pytest
    from pydantic import ValidationError

    bundle = build_bundle(case=make_case(), patient=PATIENT, documents=documents(),
                          answers=ANSWERS, generated_at=NOW)
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "DocumentReference":
            del entry["resource"]["status"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)
