"""A case as a FHIR R4 Bundle (type ``collection``), built as plain dicts (no FHIR library at
run time; the tests validate the result with ``fhir.resources``).

Resources: Patient (no name: an identifier only), Condition (the current diagnosis),
MedicationStatement, AllergyIntolerance and Procedure (the history the patient typed),
DocumentReference (one per record, pointing at its file in the zip) and a QuestionnaireResponse
with the intake answers and the questions for the expert. Ids are stable (UUID5 from the case),
so the same case exports the same references.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.schemas import CaseOut, PatientOut, RecordOut

PATIENT_SYSTEM = "urn:second-opinion:patient"
CASE_SYSTEM = "urn:second-opinion:case"
_NAMESPACE = uuid.UUID("6f1c9a5e-7d39-4c1e-9a0b-2b3f0e6d5a10")
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"

#: LOINC document types for the record kinds the intake asks about.
KIND_CODES: dict[str, tuple[str, str]] = {
    "test": ("11502-2", "Laboratory report"),
    "imaging": ("18748-4", "Diagnostic imaging study"),
    "note": ("11506-3", "Progress note"),
}


@dataclass(frozen=True)
class FhirDocument:
    """A record as the bundle shows it: its file in the zip, its kind in words."""

    record: RecordOut
    file_name: str
    kind_label: str
    sha1_base64: str | None = None


@dataclass(frozen=True)
class FhirAnswers:
    """The intake answers in words (the service's default language)."""

    track: str
    specialty: str
    questions: Sequence[str]


def _uuid(case_id: int, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"case:{case_id}:{name}"))


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{full_url}", "resource": resource}


def build_bundle(*, case: CaseOut, patient: PatientOut, documents: Sequence[FhirDocument],
                 answers: FhirAnswers, generated_at: datetime) -> dict[str, Any]:
    ids = {name: _uuid(case.id, name) for name in (
        "bundle", "patient", "condition", "medications", "allergies", "procedures",
        "questionnaire")}
    subject = {"reference": f"urn:uuid:{ids['patient']}"}
    entries: list[dict[str, Any]] = []

    entries.append(_entry(ids["patient"], {
        "resourceType": "Patient",
        "id": ids["patient"],
        "identifier": [{"system": PATIENT_SYSTEM, "value": str(patient.id)}],
        "communication": [{"language": {"coding": [{
            "system": "urn:ietf:bcp:47", "code": patient.language}]}}],
    }))

    if diagnosis := _text(case.diagnosis):
        condition: dict[str, Any] = {
            "resourceType": "Condition", "id": ids["condition"],
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "encounter-diagnosis", "display": "Encounter Diagnosis"}]}],
            "code": {"text": diagnosis},
            "subject": subject,
        }
        if plan := _text(case.treatment_plan):
            condition["note"] = [{"text": f"Current treatment plan: {plan}"}]
        entries.append(_entry(ids["condition"], condition))

    if medications := _text(case.medications):
        entries.append(_entry(ids["medications"], {
            "resourceType": "MedicationStatement", "id": ids["medications"],
            "status": "active",
            "medicationCodeableConcept": {"text": medications},
            "subject": subject,
        }))

    if case.allergies is not None:
        allergies = _text(case.allergies)
        code: dict[str, Any] = ({"text": allergies} if allergies else {"coding": [{
            "system": SNOMED, "code": "716186003", "display": "No known allergy"}],
            "text": "No known allergies"})
        entries.append(_entry(ids["allergies"], {
            "resourceType": "AllergyIntolerance", "id": ids["allergies"],
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "code": "active"}]},
            "code": code,
            "patient": subject,
        }))

    if surgeries := _text(case.surgeries):
        entries.append(_entry(ids["procedures"], {
            "resourceType": "Procedure", "id": ids["procedures"],
            "status": "completed",
            "category": {"coding": [{"system": SNOMED, "code": "387713003",
                                     "display": "Surgical procedure"}]},
            "code": {"text": surgeries},
            "subject": subject,
        }))

    for document in documents:
        record = document.record
        doc_id = _uuid(case.id, f"record:{record.id}")
        attachment: dict[str, Any] = {"contentType": record.mime, "url": document.file_name,
                                      "title": document.file_name, "size": record.size,
                                      "creation": _instant(record.created_at)}
        if document.sha1_base64:
            attachment["hash"] = document.sha1_base64
        doc_type: dict[str, Any] = {"text": document.kind_label}
        if record.kind in KIND_CODES:
            loinc, display = KIND_CODES[record.kind]
            doc_type["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
        resource: dict[str, Any] = {
            "resourceType": "DocumentReference", "id": doc_id,
            "identifier": [{"system": "urn:ietf:rfc:3986",
                            "value": f"urn:sha256:{record.sha256}"}],
            "status": "current",
            "type": doc_type,
            "subject": subject,
            "date": _instant(record.created_at),
            "description": document.file_name,
            "content": [{"attachment": attachment}],
        }
        if record.record_date is not None:
            day = record.record_date.isoformat()
            resource["context"] = {"period": {"start": day, "end": day}}
        entries.append(_entry(doc_id, resource))

    items: list[dict[str, Any]] = [
        _answer("track", "Expert track", answers.track),
        _answer("specialty", "Specialty", answers.specialty),
        _answer("diagnosis", "Current diagnosis", _text(case.diagnosis)),
        _answer("treatment-plan", "Current treatment plan", _text(case.treatment_plan)),
        _answer("surgeries", "Past surgeries", _text(case.surgeries)),
        _answer("medications", "Current medications", _text(case.medications)),
        _answer("allergies", "Allergies", _text(case.allergies)),
    ]
    questions = [{"linkId": f"questions.{n}", "text": text}
                 for n, text in enumerate(answers.questions, start=1) if text.strip()]
    if questions:
        items.append({"linkId": "questions", "text": "Questions for the expert",
                      "item": questions})
    questionnaire: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": ids["questionnaire"],
        "identifier": {"system": CASE_SYSTEM, "value": case.number or str(case.id)},
        "status": "completed",
        "subject": subject,
        "item": items,
    }
    if case.submitted_at is not None:
        questionnaire["authored"] = _instant(case.submitted_at)
    entries.append(_entry(ids["questionnaire"], questionnaire))

    return {
        "resourceType": "Bundle",
        "id": ids["bundle"],
        "identifier": {"system": CASE_SYSTEM, "value": case.number or str(case.id)},
        "type": "collection",
        "timestamp": _instant(generated_at),
        "entry": entries,
    }


def _answer(link_id: str, text: str, value: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": link_id, "text": text}
    if value:
        item["answer"] = [{"valueString": value}]
    return item
