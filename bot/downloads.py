"""Download a case's records: a signed link (15 minutes) to a zip built on the fly.

The zip holds the records decrypted, in date order, with readable names
(``records/2024-03-01_imaging_1.pdf``), an HTML index with their dates and kinds, the case
summary (HTML) and the case as a FHIR R4 Bundle (``case.fhir.json``). It is streamed entry by
entry, so memory holds one record at a time. Every opening is audited; a tampered, expired,
revoked, unknown or malformed token gets a plain 404. Nothing is cached (``no-store``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import zipfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.fhir import FhirAnswers, FhirDocument, build_bundle
from bot.links import IssuedLink, issue, resolve
from bot.services import Services
from bot.sla import zone_of
from handlers.coordinator.present import (
    file_names,
    fmt_day,
    fmt_size,
    fmt_when,
    in_date_order,
    kind_name,
    question_text,
    specialty_name,
    status_name,
    track_name,
    type_label,
)
from storage.console import REQUEST, CaseCard, StoredRecord
from storage.records import RecordStoreError
from storage.reports import ANSWER

log = logging.getLogger(__name__)

PURPOSE = "records"
PATH = "/dl"
TTL = timedelta(minutes=15)
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}
_FROM_COORDINATOR = frozenset({REQUEST, ANSWER})

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#222}}table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;
padding:.3rem .5rem;text-align:left;vertical-align:top}}</style></head>
<body><main>
{body}
</main></body></html>
"""


async def issue_records_link(services: Services, *, case_id: int, coordinator_id: int
                             ) -> IssuedLink:
    return await issue(services, purpose=PURPOSE, target_id=case_id, ttl=TTL, path=PATH,
                       actor=f"coordinator:{coordinator_id}")


def add_download_routes(app: web.Application, services: Services) -> None:
    app.router.add_get(f"{PATH}/{{token}}", _download_handler(services))


def not_found() -> web.Response:
    return web.Response(status=404, text="Not found", headers=NO_STORE)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _download_handler(services: Services) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        link = await resolve(services, request.match_info.get("token", ""), purpose=PURPOSE)
        if link is None:
            return not_found()
        card = await services.console.card(case_id=link.target_id)
        if card is None:
            return not_found()
        await services.links.opened(link_id=link.id, purpose=PURPOSE, target_id=card.case.id)
        log.info("records of case %s downloaded (link %s)", card.case.id, link.id)
        response = web.StreamResponse(headers={
            **NO_STORE,
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{_base_name(card)}.zip"',
        })
        await response.prepare(request)
        await stream_zip(services, card, response.write)
        await response.write_eof()
        return response

    return download


def _base_name(card: CaseCard) -> str:
    number = card.case.number or f"case-{card.case.id}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number) + "-records"


class ZipSink:
    """A write-only, unseekable file for zipfile: what it receives is handed on in chunks."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


async def stream_zip(services: Services, card: CaseCard,
                     write: Callable[[bytes], Awaitable[Any]]) -> None:
    """Write the zip for a case through ``write``, one entry at a time."""
    lang = services.settings.DEFAULT_LANGUAGE
    records = in_date_order(card.records)
    names = file_names(records)
    base = _base_name(card)
    sink = ZipSink()
    documents: list[FhirDocument] = []
    missing: set[int] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
        for record in records:
            data = await _open(services, record)
            if data is None:
                missing.add(record.id)
                continue
            zf.writestr(zipfile.ZipInfo(f"{base}/records/{names[record.id]}",
                                        date_time=_zip_time(record)), data,
                        compress_type=zipfile.ZIP_STORED)
            documents.append(FhirDocument(
                record=record, file_name=f"records/{names[record.id]}",
                kind_label=kind_name(services.texts, lang, record.kind),
                sha1_base64=base64.b64encode(hashlib.sha1(data).digest()).decode()))  # noqa: S324 - FHIR's Attachment.hash is SHA-1 by definition
            del data
            await write(sink.take())
        zf.writestr(f"{base}/index.html", index_html(services, card, names, missing))
        zf.writestr(f"{base}/summary.html", summary_html(services, card))
        bundle = build_bundle(
            case=card.case, patient=card.patient, documents=documents,
            answers=FhirAnswers(
                track=track_name(services.texts, lang, card.case.track),
                specialty=specialty_name(services.texts, lang, card.case.specialty),
                questions=[question_text(services.texts, lang, q) for q in card.questions]),
            generated_at=services.clock.now())
        zf.writestr(f"{base}/case.fhir.json", json.dumps(bundle, ensure_ascii=False, indent=1))
    await write(sink.take())


def _zip_time(record: StoredRecord) -> tuple[int, int, int, int, int, int]:
    day = record.record_date or record.created_at.date()
    year = min(max(day.year, 1980), 2107)
    return (year, day.month, day.day, 0, 0, 0)


async def _open(services: Services, record: StoredRecord) -> bytes | None:
    try:
        return await services.record_store.get(blob_name=record.blob_name,
                                               wrapped_key=record.wrapped_key,
                                               key_id=record.key_id)
    except RecordStoreError as exc:
        log.error("record %s cannot be opened: %s", record.id, exc)
        return None


# -- the HTML pages inside the zip ------------------------------------------------------------

def _e(value: object) -> str:
    return html.escape(str(value))


def _page(lang: str, title: str, body: str) -> str:
    return _PAGE.format(lang=_e(lang), title=_e(title), body=body)


def index_html(services: Services, card: CaseCard, names: dict[int, str],
               missing: set[int]) -> str:
    texts, lang = services.texts, services.settings.DEFAULT_LANGUAGE

    def t(key: str, **values: object) -> str:  # catalog text: already HTML-safe
        return texts.render(lang, key, **values)

    number = card.case.number or f"#{card.case.id}"
    rows = []
    for n, record in enumerate(in_date_order(card.records), start=1):
        name = names[record.id]
        link = (f"{_e(name)} {t('co-export-missing')}" if record.id in missing
                else f'<a href="records/{_e(name)}">{_e(name)}</a>')
        rows.append(f"<tr><td>{n}</td><td>{_e(fmt_day(record.record_date, texts, lang))}</td>"
                    f"<td>{_e(kind_name(texts, lang, record.kind))}</td>"
                    f"<td>{_e(type_label(record.mime))}</td><td>{_e(fmt_size(record.size))}</td>"
                    f"<td>{link}</td></tr>")
    head = "".join(f"<th>{t(key)}</th>" for key in (
        "co-export-col-n", "co-export-col-date", "co-export-col-kind", "co-export-col-type",
        "co-export-col-size", "co-export-col-file"))
    title = t("co-export-records-title", number=number)
    body = (f"<h1>{title}</h1>"
            f'<p><a href="summary.html">{t("co-export-summary-link")}</a> · '
            f'<a href="case.fhir.json">{t("co-export-fhir-link")}</a></p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return _page(lang, title, body)


def summary_html(services: Services, card: CaseCard) -> str:
    texts, lang, zone = services.texts, services.settings.DEFAULT_LANGUAGE, zone_of(services)
    case = card.case
    number = case.number or f"#{case.id}"

    def t(key: str, **values: object) -> str:  # catalog text: already HTML-safe
        return texts.render(lang, key, **values)

    def row(key: str, value: str | None) -> str:
        shown = _e((value or "").strip()) or t("co-none")
        return f"<tr><th>{t(key)}</th><td>{shown}</td></tr>"

    rows = [row("co-export-case", number),
            row("co-export-status", status_name(texts, lang, case.status)),
            row("co-export-track", track_name(texts, lang, case.track)),
            row("co-export-specialty", specialty_name(texts, lang, case.specialty)),
            row("co-export-submitted",
                fmt_when(case.submitted_at, zone) if case.submitted_at else ""),
            row("co-export-patient", f"#{card.patient.id} ({card.patient.language})"),
            row("co-export-phone", case.phone),
            row("co-export-expert", f"{case.expert_name} ({case.expert_specialty})"
                if case.expert_name else ""),
            row("co-export-diagnosis", case.diagnosis),
            row("co-export-plan", case.treatment_plan),
            row("co-export-surgeries", case.surgeries),
            row("co-export-medications", case.medications),
            row("co-export-allergies", case.allergies)]
    questions = "".join(f"<li>{_e(question_text(texts, lang, q))}</li>" for q in card.questions)
    messages = []
    for message in card.messages:
        what = (t("co-export-file", n=message.record_id) if message.record_id is not None
                else _e(message.text or ""))
        # Requests and answers come from the coordinators; replies and follow-up questions
        # from the patient.
        who = t("co-export-from-coordinator" if message.direction in _FROM_COORDINATOR
                else "co-export-from-patient")
        messages.append(f"<li><b>{_e(fmt_when(message.created_at, zone))} {who}:</b> {what}</li>")
    history = "".join(
        f"<li>{_e(fmt_when(e.at, zone))}: {_e(status_name(texts, lang, e.to_status))} "
        f"({_e(e.actor)})</li>" for e in card.events)
    title = t("co-export-summary-title", number=number)
    body = (f"<h1>{title}</h1><table>{''.join(rows)}</table>"
            f"<h2>{t('co-export-questions')}</h2><ol>{questions}</ol>"
            + (f"<h2>{t('co-export-messages')}</h2><ul>{''.join(messages)}</ul>"
               if messages else "")
            + f"<h2>{t('co-export-history')}</h2><ul>{history}</ul>")
    return _page(lang, title, body)
