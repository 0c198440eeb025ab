"""/mydata's export: everything stored about a patient, as a zip behind a signed link (30 min).

The zip (``my-data/``) holds ``data.json`` (the patient's row and every row that is theirs: cases
with their status history, questions, messages with the coordinators, records' details,
reports, appointments, feedback, reminders, links, the messages the bot queued to them and the
log of who opened what of theirs), a ``README.txt`` in their language, and per case
(``cases/<case number>/``) the records decrypted (in date order, with readable names), the
expert's report when it was released to them, and the case as a FHIR R4 Bundle
(``case.fhir.json``, the same builder as the coordinators' download).

What the patient gets is decided here, in one place (`HIDDEN_COLUMNS`, `_role`):
- everything they gave us, everything we told them, and every fact about their cases;
- not other people's identities: coordinators' Telegram ids become "coordinator" (the expert's
  name and specialty, which the service tells the patient anyway, stay);
- not our security material: where a blob lives, its wrapped key, Telegram's file ids;
- not an expert report still being uploaded (only reports released to the patient).
The rows come from `storage.erasure.ErasureRepo.export`, which finds them from the schema's
foreign keys, so a table another feature adds is exported without a change here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import zipfile
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.downloads import ZipSink
from bot.fhir import FhirAnswers, FhirDocument, build_bundle
from bot.links import IssuedLink, issue, resolve
from bot.services import Services
from handlers.coordinator.present import (
    file_names,
    in_date_order,
    kind_name,
    question_text,
    specialty_name,
    track_name,
)
from storage.console import StoredRecord
from storage.erasure import PatientData, Row
from storage.records import RecordStoreError
from storage.schemas import CaseOut, QuestionOut

log = logging.getLogger(__name__)

PURPOSE = "export"
PATH = "/export"
TTL = timedelta(minutes=30)
ROOT = "my-data"
FORMAT = "second-opinion-export/1"
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}

#: Columns left out of data.json: other people's identities and our own security material.
HIDDEN_COLUMNS = frozenset({
    "claimed_by", "attached_by", "offered_by", "created_by",  # coordinators' Telegram ids
    "blob_name", "wrapped_key", "key_id",                       # where and how a file is sealed
    "file_unique_id", "media_group_id",                         # Telegram's internal file ids
})
#: Tables whose rows are shown inside their case (the rest are listed at the top level).
CASE_TABLE = "cases"


async def issue_export_link(services: Services, *, patient_id: int) -> IssuedLink:
    return await issue(services, purpose=PURPOSE, target_id=patient_id, ttl=TTL, path=PATH,
                       actor=f"patient:{patient_id}", patient_id=patient_id)


def add_export_routes(app: web.Application, services: Services) -> None:
    app.router.add_get(f"{PATH}/{{token}}", _export_handler(services))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _export_handler(services: Services) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        link = await resolve(services, request.match_info.get("token", ""), purpose=PURPOSE)
        if link is None or link.patient_id != link.target_id:
            return _not_found()
        data = await services.erasure.export(patient_id=link.target_id)
        if data is None:
            return _not_found()
        await services.links.opened(link_id=link.id, purpose=PURPOSE, target_id=link.target_id)
        log.info("data export of patient %s downloaded (link %s)", link.target_id, link.id)
        response = web.StreamResponse(headers={
            **NO_STORE,
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{ROOT}.zip"',
        })
        await response.prepare(request)
        await stream_export(services, data, response.write)
        await response.write_eof()
        return response

    return download


def _not_found() -> web.Response:
    return web.Response(status=404, text="Not found", headers=NO_STORE)


# -- the zip ----------------------------------------------------------------------------------

def case_folder(case: CaseOut) -> str:
    label = case.number or f"draft-{case.id}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in label)


async def stream_export(services: Services, data: PatientData,
                        write: Callable[[bytes], Awaitable[Any]]) -> None:
    """Write the export zip through ``write``, one record at a time."""
    lang = data.patient.language
    sink = ZipSink()
    cases = data.cases()
    records = {c.id: [StoredRecord.model_validate(r) for r in data.rows("records")
                      if r["case_id"] == c.id] for c in cases}
    names = {c.id: file_names(records[c.id]) for c in cases}
    missing: set[int] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
        for case in cases:
            folder = f"{ROOT}/cases/{case_folder(case)}"
            documents: list[FhirDocument] = []
            for record in in_date_order(records[case.id]):
                content = await _open(services, record.blob_name, record.wrapped_key,
                                      record.key_id, f"record {record.id}")
                if content is None:
                    missing.add(record.id)
                    continue
                name = f"records/{names[case.id][record.id]}"
                zf.writestr(zipfile.ZipInfo(f"{folder}/{name}", date_time=_zip_time(
                    record.record_date or record.created_at.date())), content,
                    compress_type=zipfile.ZIP_STORED)
                documents.append(FhirDocument(
                    record=record, file_name=name,
                    kind_label=kind_name(services.texts, lang, record.kind),
                    sha1_base64=base64.b64encode(hashlib.sha1(content).digest()).decode()))  # noqa: S324 - FHIR's Attachment.hash is SHA-1 by definition
                del content
                await write(sink.take())
            for n, report in enumerate(_released_reports(data, case.id), start=1):
                if not report.get("blob_name"):
                    continue
                content = await _open(services, str(report["blob_name"]),
                                      bytes(report["wrapped_key"]), str(report["key_id"]),
                                      f"report {report['id']}")
                if content is not None:
                    zf.writestr(f"{folder}/reports/report-{n}.pdf", content,
                                compress_type=zipfile.ZIP_STORED)
                    del content
                    await write(sink.take())
            bundle = build_bundle(
                case=case, patient=data.patient, documents=documents,
                answers=FhirAnswers(
                    track=track_name(services.texts, lang, case.track),
                    specialty=specialty_name(services.texts, lang, case.specialty),
                    questions=[question_text(services.texts, lang, q)
                               for q in _questions(data, case.id)]),
                generated_at=services.clock.now())
            zf.writestr(f"{folder}/case.fhir.json",
                        json.dumps(bundle, ensure_ascii=False, indent=1))
        document = export_document(services, data, names, missing)
        zf.writestr(f"{ROOT}/data.json", json.dumps(document, ensure_ascii=False, indent=1))
        zf.writestr(f"{ROOT}/README.txt", services.texts.render(lang, "rights-export-readme"))
    await write(sink.take())


def _zip_time(day: date) -> tuple[int, int, int, int, int, int]:
    return (min(max(day.year, 1980), 2107), day.month, day.day, 0, 0, 0)


async def _open(services: Services, blob_name: str, wrapped_key: bytes, key_id: str,
                what: str) -> bytes | None:
    try:
        return await services.record_store.get(blob_name=blob_name, wrapped_key=wrapped_key,
                                               key_id=key_id)
    except RecordStoreError as exc:
        log.error("%s cannot be opened for an export: %s", what, exc)
        return None


def _released_reports(data: PatientData, case_id: int) -> list[Row]:
    """Reports released to the patient (the coordinator finished attaching them)."""
    return [r for r in data.rows("reports")
            if r["case_id"] == case_id and r.get("concordance") is not None]


def _questions(data: PatientData, case_id: int) -> list[QuestionOut]:
    rows = [QuestionOut.model_validate(r) for r in data.rows("questions")
            if r["case_id"] == case_id]
    return sorted(rows, key=lambda q: (q.position, q.id))


# -- data.json ----------------------------------------------------------------------------------

def _role(actor: str | None, patient_id: int) -> str:
    """Who did something, as the patient may know it (never a coordinator's Telegram id)."""
    kind, _, ident = (actor or "").partition(":")
    if kind == "patient":
        return "you" if ident == str(patient_id) else "someone else"
    if kind == "coordinator":
        return "coordinator"
    if kind == "link":
        return "signed link"
    if kind == "system":
        return "system"
    return "other"


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _clean(row: Row) -> dict[str, Any]:
    return {k: _value(v) for k, v in row.items()
            if k not in HIDDEN_COLUMNS and not k.endswith("_by") and not isinstance(v, bytes)}


def export_document(services: Services, data: PatientData, names: dict[int, dict[int, str]],
                    missing: set[int] | None = None) -> dict[str, Any]:
    """data.json: everything stored about the patient, as they are entitled to see it."""
    missing = missing or set()
    patient = data.patient
    lang = patient.language
    numbers = {c.id: c.number or f"draft-{c.id}" for c in data.cases()}
    record_names = {rid: f"cases/{case_folder(c)}/records/{name}"
                    for c in data.cases() for rid, name in names.get(c.id, {}).items()}
    case_tables = [t for t in data.tables
                   if t != CASE_TABLE and any("case_id" in r for r in data.rows(t))]

    cases: list[dict[str, Any]] = []
    for case in data.cases():
        entry = _clean(case.model_dump())
        entry["folder"] = f"cases/{case_folder(case)}"
        for table in case_tables:
            rows = [r for r in data.rows(table) if r.get("case_id") == case.id]
            if table == "reports":
                rows = [r for r in rows if r.get("concordance") is not None]
            if not rows:
                continue
            entry[table] = [_case_row(table, r, patient.id, lang, services, record_names,
                                      missing) for r in rows]
        cases.append(entry)

    top: dict[str, list[dict[str, Any]]] = {}
    for table, table_rows in data.tables.items():
        if table == CASE_TABLE:
            continue
        loose = [r for r in table_rows if table not in case_tables or r.get("case_id") is None]
        if loose:
            top[table] = [_loose_row(table, r) for r in loose]

    return {
        "format": FORMAT,
        "generated_at": services.clock.now().isoformat(),
        "patient": _clean(patient.model_dump()),
        "cases": cases,
        **top,
        "messages_to_you": [_outbox(m.payload, m.status, m.next_attempt_at)
                            for m in data.outbox],
        "access_log": [{"at": a.at.isoformat(), "action": a.action,
                        "by": _role(a.actor, patient.id),
                        "about": _subject(a.subject, numbers, record_names)}
                       for a in data.audit],
        "conversation_states": dict(data.states),
    }


def _case_row(table: str, row: Row, patient_id: int, lang: str, services: Services,
              record_names: dict[int, str], missing: set[int]) -> dict[str, Any]:
    entry = _clean(row)
    entry.pop("case_id", None)
    if "actor" in entry:
        entry["actor"] = _role(row["actor"], patient_id)
    if "author" in entry:
        entry["author"] = _role(row["author"], patient_id)
    if table == "questions":
        entry["text"] = question_text(services.texts, lang, QuestionOut.model_validate(row))
    if table == "records":
        entry["file"] = record_names.get(int(row["id"]))
        if int(row["id"]) in missing:
            entry["file_missing"] = True
    if row.get("record_id") is not None and table != "records":
        entry["file"] = record_names.get(int(row["record_id"]))
    return entry


def _loose_row(table: str, row: Row) -> dict[str, Any]:
    entry = _clean(row)
    entry.pop("patient_id", None)
    if table == "links":
        entry.pop("id", None)  # half of a signed token: not needed, not shown
    return entry


def _outbox(payload: dict[str, Any], status: str, at: datetime) -> dict[str, Any]:
    text = payload.get("text") or payload.get("caption")
    entry: dict[str, Any] = {"at": at.isoformat(), "status": status}
    if isinstance(text, str):
        entry["text"] = text
    document = payload.get("document")
    if isinstance(document, dict) and document.get("filename"):
        entry["file"] = str(document["filename"])
    return entry


def _subject(subject: str | None, numbers: dict[int, str], records: dict[int, str]) -> str:
    kind, _, ident = (subject or "").partition(":")
    if kind in ("case", "records") and ident.isdigit() and int(ident) in numbers:
        return f"{kind} {numbers[int(ident)]}"
    if kind == "record" and ident.isdigit() and int(ident) in records:
        return f"record {records[int(ident)]}"
    if kind == "patient":
        return "you"
    return kind or "-"
