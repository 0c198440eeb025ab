"""Report delivery: the signed links to a report, the pages behind them, and the patient
messages that carry them.

Two kinds of link open a report, each with its own token, purpose and path, valid 14 days and
revocable (`bot.links`): ``/r/<token>`` (purpose ``report``) is the patient's own, sent when the
report is attached and again from /status; ``/s/<token>`` (purpose ``share``) is the read-only
link the patient forwards to their doctor. Both show a short page in the patient's language with
the PDF inline (``<token>/file``, ``application/pdf``, ``inline``) and a download button; a
report given as an external URL is reached with a 303 instead. Pages are never cached, send no
referrer, carry a strict Content-Security-Policy (no scripts; the one inline style allowed by its
hash; frames from this server only) and every opening is audited (link id and report id only).

A tampered, expired, revoked, foreign (another purpose), malformed or unknown token, or one for a
report that no longer exists, gets the same plain 404. More than `FAILURE_LIMIT` failed attempts
from one address within `FAILURE_WINDOW` seconds are answered 429 until the window has passed
(an in-memory counter per address: behind a reverse proxy every request comes from the proxy).
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from bot.alerts import patient_message
from bot.callbacks import cb
from bot.keyboards import Button, inline
from bot.links import IssuedLink, issue, link_url, resolve, sign, signing_keys
from bot.services import Services
from handlers.coordinator.alerts import notifier
from storage.case_status import CaseStatus
from storage.console import Change, NewLink, Notify
from storage.links import LinkOut
from storage.records import RecordStoreError
from storage.reports import MAX_FOLLOWUPS, Delivered, LinkedReport
from storage.repositories import Outgoing
from storage.schemas import CaseOut, PatientOut

log = logging.getLogger(__name__)

REPORT = "report"
SHARE = "share"
PATHS = {REPORT: "/r", SHARE: "/s"}
TTL = timedelta(days=14)
FAILURE_LIMIT = 20
FAILURE_WINDOW = 60.0
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}
BASE_HEADERS = {**NO_STORE, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer"}

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f5f6f8}"
    "main{max-width:56rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.35rem;margin:.75rem 0 .25rem}"
    ".meta,.note{color:#57606a}.note{font-size:.9rem}"
    "a.button{display:inline-block;margin:.75rem 0;padding:.6rem 1.1rem;border-radius:.45rem;"
    "background:#0b63ce;color:#fff;font-weight:600;text-decoration:none}"
    "iframe{display:block;width:100%;height:78vh;border:1px solid #d0d7de;"
    "border-radius:.45rem;background:#fff}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
PAGE_CSP = ("default-src 'none'; frame-src 'self'; "
            f"style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
#: The PDF itself may be framed by its own page only.
FILE_CSP = "frame-ancestors 'self'"

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>{style}</style></head>
<body><main>
<h1>{heading}</h1>
<p class="meta">{meta}</p>
<a class="button" href="{download}" download="{file_name}">{download_label}</a>
<iframe src="{inline}" title="{title}">{fallback}</iframe>
<p class="note">{note}</p>
</main></body></html>
"""


# -- issuing links ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PendingLink:
    """A link whose row is still to be written (by the transaction that sends it)."""

    new_link: NewLink
    token: str
    url: str
    expires_at: datetime


def prepare_report_link(services: Services) -> PendingLink:
    """A patient's report link, signed now; its row goes in with the report's attachment
    (`CoordinatorRepo.finalize_report(link=...)`), bound there to the report and patient."""
    link_id = secrets.token_hex(16)
    expires_at = (services.clock.now() + TTL).replace(microsecond=0)
    token = sign(link_id, expires_at, signing_keys(services.settings))
    return PendingLink(new_link=NewLink(link_id=link_id, purpose=REPORT, expires_at=expires_at),
                       token=token, url=link_url(services.settings, PATHS[REPORT], token),
                       expires_at=expires_at)


async def issue_link(services: Services, delivered: Delivered, purpose: str) -> IssuedLink:
    """A fresh link (``report`` or ``share``) to the case's final report."""
    return await issue(services, purpose=purpose, target_id=delivered.report.id, ttl=TTL,
                       path=PATHS[purpose], actor=f"patient:{delivered.patient.id}",
                       patient_id=delivered.patient.id)


# -- the patient's messages ----------------------------------------------------------------------

def local_day(services: Services, patient: PatientOut, moment: datetime) -> str:
    name = patient.timezone or services.settings.DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%d.%m.%Y")


def compare_buttons(services: Services, lang: str, case_id: int) -> list[list[Button]]:
    render = services.texts.render
    return [[(render(lang, "btn-report-agrees"), cb("nav", "report_agrees", case_id))],
            [(render(lang, "btn-report-differs"), cb("nav", "report_differs", case_id))],
            [(render(lang, "btn-report-unsure"), cb("nav", "report_unsure", case_id))]]


def next_buttons(services: Services, lang: str, case_id: int, *, asked: int = 0
                 ) -> list[list[Button]]:
    """What the patient can do after reading the report (every button works from any step)."""
    render = services.texts.render
    rows: list[list[Button]] = [
        [(render(lang, "btn-report-book"), cb("nav", "report_book", case_id))]]
    if asked < MAX_FOLLOWUPS:
        rows.append([(render(lang, "btn-report-ask"), cb("nav", "report_ask", case_id))])
    rows += [[(render(lang, "btn-report-third"), cb("nav", "report_third", case_id))],
             [(render(lang, "btn-report-share"), cb("nav", "report_share", case_id))],
             [(render(lang, "btn-report-rate"), cb("nav", "report_rate", case_id))],
             [(render(lang, "btn-report-link"), cb("nav", "report_link", case_id))],
             [(render(lang, "btn-menu"), cb("menu", "home"))]]
    return rows


def report_ready_notice(services: Services, case: CaseOut, patient: PatientOut,
                        link: PendingLink) -> Outgoing:
    lang = patient.language
    rows = [*compare_buttons(services, lang, case.id),
            [(services.texts.render(lang, "btn-report-next"), cb("nav", "report", case.id))]]
    return patient_message(services, chat_id=patient.chat_id, lang=lang, key="report-ready",
                           markup=inline(rows), number=case.number or f"#{case.id}",
                           url=link.url, until=local_day(services, patient, link.expires_at))


def report_notifier(services: Services, link: PendingLink) -> Notify:
    """The console's notifier, with the report-ready notice carrying the patient's link."""
    base = notifier(services)

    def notify(change: Change) -> Sequence[Outgoing]:
        if change.to_status == CaseStatus.REPORT_READY:
            return [report_ready_notice(services, change.case, change.patient, link)]
        return base(change)

    return notify


def answer_notice(services: Services, delivered: Delivered, question: str, answer: str,
                  *, asked: int) -> Outgoing:
    """A coordinator's answer to the patient's follow-up question, in their language."""
    case, patient = delivered.case, delivered.patient
    lang = patient.language
    rows: list[list[Button]] = []
    if asked < MAX_FOLLOWUPS:
        rows.append([(services.texts.render(lang, "btn-report-ask-more"),
                      cb("nav", "report_ask", case.id))])
    rows.append([(services.texts.render(lang, "btn-report-next"), cb("nav", "report", case.id))])
    return patient_message(services, chat_id=patient.chat_id, lang=lang,
                           key="report-followup-answer", markup=inline(rows),
                           number=case.number or f"#{case.id}", question=question,
                           answer=answer)


# -- the web pages ------------------------------------------------------------------------------

@dataclass
class FailureCounter:
    """Failed attempts per address in a sliding window, in memory (bounded)."""

    limit: int = FAILURE_LIMIT
    window: float = FAILURE_WINDOW
    clock: Callable[[], float] = time.monotonic
    max_addresses: int = 10_000
    _stamps: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, address: str) -> deque[float] | None:
        stamps = self._stamps.get(address)
        if stamps is None:
            return None
        cutoff = self.clock() - self.window
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()
        if not stamps:
            del self._stamps[address]
            return None
        return stamps

    def blocked(self, address: str) -> bool:
        stamps = self._recent(address)
        return stamps is not None and len(stamps) >= self.limit

    def fail(self, address: str) -> None:
        if address not in self._stamps and len(self._stamps) >= self.max_addresses:
            self._forget_idle()
        stamps = self._stamps.setdefault(address, deque())
        stamps.append(self.clock())
        while len(stamps) > self.limit:
            stamps.popleft()

    def _forget_idle(self) -> None:
        for address in list(self._stamps):
            self._recent(address)
        while len(self._stamps) >= self.max_addresses:  # still full: the oldest go first
            del self._stamps[next(iter(self._stamps))]


FAILURES = web.AppKey("report_link_failures", FailureCounter)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_report_routes(app: web.Application, services: Services) -> None:
    counter = FailureCounter()
    app[FAILURES] = counter
    for purpose, path in PATHS.items():
        app.router.add_get(f"{path}/{{token}}", _handler(services, counter, purpose, False))
        app.router.add_get(f"{path}/{{token}}/file", _handler(services, counter, purpose, True))


def not_found() -> web.Response:
    return web.Response(status=404, text="Not found", headers=BASE_HEADERS)


def too_many() -> web.Response:
    return web.Response(status=429, text="Too many requests",
                        headers={**BASE_HEADERS, "Retry-After": str(int(FAILURE_WINDOW))})


async def _open(services: Services, token: str, purpose: str
                ) -> tuple[LinkOut, LinkedReport] | None:
    link = await resolve(services, token, purpose=purpose)
    if link is None:
        return None
    found = await services.reports.linked_report(report_id=link.target_id)
    if found is None:
        return None
    return link, found


def _handler(services: Services, counter: FailureCounter, purpose: str, file: bool) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        address = request.remote or "unknown"
        if counter.blocked(address):
            return too_many()
        token = request.match_info.get("token", "")
        opened = await _open(services, token, purpose)
        if opened is None:
            counter.fail(address)
            return not_found()
        link, found = opened
        report = found.report
        if file or report.url is not None:
            data = None if report.url is not None else await _read(services, found)
            if report.url is None and data is None:
                return not_found()
            await services.reports.opened(link_id=link.id, purpose=purpose,
                                          report_id=report.id, part="file" if file else "")
            log.info("report %s opened by link %s (%s)", report.id, link.id, purpose)
            if data is None:  # a report given as a link: on to it
                return web.Response(status=303, text="See other", headers={
                    **BASE_HEADERS, "Location": report.url or ""})
            disposition = "attachment" if request.query.get("download") else "inline"
            return web.Response(body=data, headers={
                **BASE_HEADERS, "Content-Type": "application/pdf",
                "Content-Disposition": f'{disposition}; filename="{_file_name(found)}"',
                "Content-Security-Policy": FILE_CSP, "X-Frame-Options": "SAMEORIGIN"})
        await services.reports.opened(link_id=link.id, purpose=purpose, report_id=report.id)
        log.info("report %s page opened by link %s (%s)", report.id, link.id, purpose)
        return web.Response(text=page_html(services, found, token, purpose, link.expires_at),
                            content_type="text/html", charset="utf-8",
                            headers={**BASE_HEADERS, "Content-Security-Policy": PAGE_CSP,
                                     "X-Frame-Options": "DENY"})

    return handle


async def _read(services: Services, found: LinkedReport) -> bytes | None:
    report = found.report
    if report.blob_name is None or report.wrapped_key is None or report.key_id is None:
        return None
    try:
        return await services.record_store.get(blob_name=report.blob_name,
                                               wrapped_key=report.wrapped_key,
                                               key_id=report.key_id)
    except RecordStoreError as exc:
        log.error("report %s cannot be opened: %s", report.id, exc)
        return None


def _file_name(found: LinkedReport) -> str:
    number = found.case.number or f"case-{found.case.id}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number) + "-report.pdf"


def page_html(services: Services, found: LinkedReport, token: str, purpose: str,
              expires_at: datetime) -> str:
    """The page around the PDF. Catalog texts are already HTML-safe; the rest is escaped."""
    lang = found.language if found.language in services.texts.languages() else \
        services.texts.default_language

    def t(key: str, **values: object) -> str:
        return services.texts.render(lang, key, **values)

    prefix = "report-page" if purpose == REPORT else "report-share-page"
    case = found.case
    zone_day = expires_at.astimezone(ZoneInfo(services.settings.DEFAULT_TIMEZONE))
    number = case.number or f"#{case.id}"
    title = html.escape(html.unescape(t(f"{prefix}-title", number=number)))
    quoted = html.escape(token, quote=True)
    return _PAGE.format(
        lang=html.escape(lang), title=title, style=_STYLE,
        heading=t(f"{prefix}-heading"),
        meta=t("report-page-meta", number=number,
               date=found.report.attached_at.astimezone(zone_day.tzinfo).strftime("%d.%m.%Y")),
        download=f"{quoted}/file?download=1", file_name=html.escape(_file_name(found)),
        download_label=t("report-page-download"), inline=f"{quoted}/file",
        fallback=t("report-page-fallback"),
        note=t(f"{prefix}-note", until=zone_day.strftime("%d.%m.%Y")))
