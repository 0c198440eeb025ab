"""The report pages behind signed links, served by the bot's own web app against a real
database: the page and its PDF, their security headers, every kind of bad token answered by the
same 404, 429 after 20 failures from one address, LINK_SECRET rotation, reports given as a URL,
the shared copy, and the audit trail (ids only)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, select

from bot.config import load_settings
from bot.downloads import issue_records_link
from bot.links import sign, signing_keys, verify
from bot.report_pages import (
    FAILURES,
    PAGE_CSP,
    REPORT,
    SHARE,
    FailureCounter,
    issue_link,
    prepare_report_link,
    report_notifier,
)
from bot.services import Services
from bot.web import build_web_app
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.models import AuditEvent
from storage.models import Report as ReportRow
from tests.fixtures import samples

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
SECRETS = "new-secret-0123456789,old-secret-9876543210"
PDF = samples.pdf(date(2026, 11, 1), pages=2)


def make_services(tmp_path, database_url, clock, link_secret=SECRETS):
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                              "LINK_SECRET": link_secret,
                              "PUBLIC_BASE_URL": "https://bot.example.org/",
                              "COORDINATOR_IDS": "9001"})
    return Services.create(settings, db=Database(database_url), clock=clock)


@pytest.fixture
def clock():
    return ManualClock(NOW)


@pytest.fixture
async def services(tmp_path, database_url, clock):
    await migrate(database_url)
    svc = make_services(tmp_path, database_url, clock)
    yield svc
    await svc.close()


@pytest.fixture
async def client(services):
    async with TestClient(TestServer(build_web_app(services, None))) as test_client:
        yield test_client


async def deliver(services, *, user_id=1001, language="en", url=None):
    """A case taken to report_ready the console's way; returns (delivered, token)."""
    patients, cases, console = services.patients, services.cases, services.console
    patient = await patients.get_or_create(telegram_user_id=user_id, chat_id=user_id,
                                           language=language)
    patient = await patients.give_consent(telegram_user_id=user_id)
    case, _ = await cases.start_draft(patient_id=patient.id, step="intake.review")
    await cases.answer(case_id=case.id, patient_id=patient.id, step="intake.review",
                       values={"track": "domestic", "specialty": "neurology"})
    case = (await cases.submit(case_id=case.id, patient_id=patient.id,
                               alerts=lambda c, n: [])).case
    notify = report_notifier(services, prepare_report_link(services))
    await console.claim(case_id=case.id, coordinator_id=9001, first_name="One", notify=notify)
    await console.assign_expert(case_id=case.id, coordinator_id=9001, name="Dr A",
                                specialty="Neurology", notify=notify)
    if url is None:
        sealed = await services.record_store.put(PDF)
        staged = await console.stage_report(case_id=case.id, coordinator_id=9001,
                                            blob_name=sealed.blob_name,
                                            wrapped_key=sealed.wrapped_key,
                                            key_id=sealed.key_id, sha256=sealed.sha256)
    else:
        staged = await console.stage_report(case_id=case.id, coordinator_id=9001, url=url)
    link = prepare_report_link(services)
    final = await console.finalize_report(report_id=staged.report.id, coordinator_id=9001,
                                          concordance="agrees",
                                          notify=report_notifier(services, link),
                                          link=link.new_link)
    assert final.outcome == "ok"
    delivered = await services.reports.delivered(case_id=case.id, patient_id=patient.id)
    return delivered, link.token


async def audit(services, prefix="link.opened"):
    async with services.db.read() as s:
        rows = (await s.execute(select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%"))
                                .order_by(AuditEvent.id))).scalars()
        return [(a.actor, a.action, a.subject) for a in rows]


# -- the page and its PDF -------------------------------------------------------------------------

async def test_the_page_shows_the_pdf_inline_with_strict_headers(services, client):
    delivered, token = await deliver(services)
    link_id = token.split(".")[0]
    response = await client.get(f"/r/{token}")
    assert response.status == 200
    page = await response.text()
    headers = response.headers
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"].startswith("no-store")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert csp == PAGE_CSP
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["frame-src"] == "'self'"
    assert "script-src" not in directives and "unsafe" not in csp
    # The one inline style is allowed by its hash; no script anywhere.
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'"
    assert "<script" not in page.lower() and " style=" not in page and "on" + "load" not in page
    # The PDF inline (a frame of this server) and a download button; the patient's language.
    assert f'<iframe src="{token}/file"' in page
    assert f'href="{token}/file?download=1"' in page
    assert '<html lang="en">' in page and "Your second-opinion report" in page
    assert delivered.case.number in page and "17.11.2026" in page  # valid 14 days

    response = await client.get(f"/r/{token}/file")
    assert response.status == 200 and await response.read() == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'inline; filename="{delivered.case.number}-report.pdf"'
    assert response.headers["Cache-Control"].startswith("no-store")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"  # its own page frames it
    download = await client.get(f"/r/{token}/file?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert await download.read() == PDF

    # Every opening is audited: the link and the report, nothing else.
    report = f"report:{delivered.report.id}"
    assert await audit(services) == [
        (f"link:{link_id}", "link.opened.report", report),
        (f"link:{link_id}", "link.opened.report.file", report),
        (f"link:{link_id}", "link.opened.report.file", report)]


async def test_the_page_speaks_the_patients_language(services, client):
    _, token = await deliver(services, language="vi")
    page = await (await client.get(f"/r/{token}")).text()
    assert '<html lang="vi">' in page and "Báo cáo ý kiến thứ hai của bạn" in page


async def test_a_report_given_as_a_link_is_a_303(services, client):
    _delivered, token = await deliver(services, url="https://reports.example.org/abc")
    for path in (f"/r/{token}", f"/r/{token}/file"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] == "https://reports.example.org/abc"
        assert response.headers["Cache-Control"].startswith("no-store")
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert [a[1] for a in await audit(services)] == ["link.opened.report",
                                                     "link.opened.report.file"]


async def test_the_shared_copy_has_its_own_link(services, client):
    delivered, token = await deliver(services)
    shared = await issue_link(services, delivered, SHARE)
    assert shared.url.startswith("https://bot.example.org/s/") and shared.token != token
    response = await client.get(f"/s/{shared.token}")
    page = await response.text()
    assert response.status == 200 and "shared with you" in page
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert await (await client.get(f"/s/{shared.token}/file")).read() == PDF
    # Each opens only at its own path.
    assert (await client.get(f"/r/{shared.token}")).status == 404
    assert (await client.get(f"/s/{token}")).status == 404
    # Stopping the share leaves the patient's own link working.
    assert await services.links.revoke_for(purpose=SHARE, target_id=delivered.report.id,
                                           actor="test") == 1
    assert (await client.get(f"/s/{shared.token}")).status == 404
    assert (await client.get(f"/r/{token}")).status == 200
    assert (f"link:{shared.link_id}", "link.opened.share",
            f"report:{delivered.report.id}") in await audit(services)


# -- bad tokens -----------------------------------------------------------------------------------

async def expect_404(client, token, what):
    for path in (f"/r/{token}", f"/r/{token}/file"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 404, (what, path)
        assert await response.text() == "Not found", what
        assert response.headers["Cache-Control"].startswith("no-store"), what
        assert response.headers["X-Content-Type-Options"] == "nosniff", what


async def test_every_bad_token_gets_the_same_404(services, client, clock):
    client.server.app[FAILURES].limit = 1000  # this test fails on purpose, many times
    delivered, token = await deliver(services)
    link_id, expires, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    keys = signing_keys(services.settings)
    unknown = sign(secrets.token_hex(16), datetime.fromtimestamp(int(expires), UTC), keys)
    records = await issue_records_link(services, case_id=delivered.case.id,
                                       coordinator_id=9001)
    # A records link whose target happens to be this report's id: still another purpose.
    same_target = await services.links.create(
        link_id=secrets.token_hex(16), purpose="records", target_id=delivered.report.id,
        expires_at=clock.now() + timedelta(days=1), actor="test")
    bad = {
        "tampered signature": f"{link_id}.{expires}.{flipped}",
        "tampered expiry": f"{link_id}.{int(expires) + 3600}.{signature}",
        "signed with another secret": sign(link_id, datetime.fromtimestamp(int(expires), UTC),
                                           [b"attacker-secret"]),
        "malformed": "not-a-token",
        "malformed, extra part": token + ".x",
        "malformed, too long": "a" * 300,
        "unknown id": unknown,
        "foreign purpose (records)": records.token,
        "foreign purpose, same target": sign(same_target.id, same_target.expires_at, keys),
    }
    for what, bad_token in bad.items():
        await expect_404(client, bad_token, what)
    assert (await client.get(f"/r/{token}")).status == 200  # the real one still opens

    # Revoked.
    _revoked, revoked_token = await deliver(services, user_id=1002)
    assert await services.links.revoke(link_id=revoked_token.split(".")[0], actor="test")
    await expect_404(client, revoked_token, "revoked")
    # A valid token for a report that was deleted.
    deleted, deleted_token = await deliver(services, user_id=1003)
    assert (await client.get(f"/r/{deleted_token}")).status == 200
    async with services.db.transaction() as s:
        await s.execute(delete(ReportRow).where(ReportRow.id == deleted.report.id))
    await expect_404(client, deleted_token, "deleted report")
    # Expired: valid for 14 days, not a second more.
    clock.advance(timedelta(days=14) - timedelta(seconds=1))
    assert (await client.get(f"/r/{token}")).status == 200
    clock.advance(timedelta(seconds=1))
    await expect_404(client, token, "expired")
    # None of these openings was audited.
    opened = await audit(services)
    assert {a[0] for a in opened} == {f"link:{link_id}", f"link:{deleted_token.split('.')[0]}"}


async def test_rotating_link_secret_keeps_sent_links(tmp_path, database_url, services, clock):
    delivered, token = await deliver(services)
    rotated = make_services(tmp_path, database_url, clock,
                            link_secret="newest-secret-abcdefgh,new-secret-0123456789")
    try:
        async with TestClient(TestServer(build_web_app(rotated, None))) as client:
            assert (await client.get(f"/r/{token}")).status == 200  # signed before
            fresh = await issue_link(rotated, delivered, REPORT)
            assert verify(fresh.token, [b"newest-secret-abcdefgh"], clock.now())
            assert (await client.get(f"/r/{fresh.token}")).status == 200
        retired = make_services(tmp_path, database_url, clock,
                                link_secret="newest-secret-abcdefgh")
        async with TestClient(TestServer(build_web_app(retired, None))) as client:
            assert (await client.get(f"/r/{token}")).status == 404  # old secret retired
            assert (await client.get(f"/r/{fresh.token}")).status == 200
            await retired.close()
    finally:
        await rotated.close()


# -- too many failures --------------------------------------------------------------------------

async def test_429_after_twenty_failures_from_one_address(services, client):
    _, token = await deliver(services)
    counter = client.server.app[FAILURES]
    now = [1000.0]
    counter.clock = lambda: now[0]
    for n in range(20):
        path = f"/r/{'0' * 32}.{n}.{'A' * 43}" if n % 2 else f"/s/bad-{n}"
        assert (await client.get(path)).status == 404, n
    response = await client.get("/r/still-bad")
    assert response.status == 429 and response.headers["Retry-After"] == "60"
    assert response.headers["Cache-Control"].startswith("no-store")
    # The address is held back for the minute, even with a good link.
    assert (await client.get(f"/r/{token}")).status == 429
    now[0] += 61
    assert (await client.get(f"/r/{token}")).status == 200
    assert (await client.get("/r/bad-again")).status == 404


def test_the_failure_counter_window_and_memory_bound():
    now = [0.0]
    counter = FailureCounter(limit=3, window=60, clock=lambda: now[0], max_addresses=5)
    for _ in range(2):
        counter.fail("a")
    assert not counter.blocked("a")
    counter.fail("a")
    assert counter.blocked("a") and not counter.blocked("b")
    now[0] = 59.9
    assert counter.blocked("a")
    now[0] = 60.1
    assert not counter.blocked("a")
    for n in range(50):
        counter.fail(f"10.0.0.{n}")
    assert len(counter._stamps) <= 5
    assert counter.blocked("10.0.0.49") is False and counter._stamps


# -- the link sent with the report ----------------------------------------------------------------

async def test_the_report_ready_notice_carries_the_link(services):
    delivered, token = await deliver(services)
    async with services.db.read() as s:
        from storage.models import OutboxMessage

        messages = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.chat_id == delivered.patient.chat_id).order_by(OutboxMessage.id))
        ).scalars().all()
    notice = messages[-1].payload
    assert f'href="https://bot.example.org/r/{token}"' in notice["text"]
    assert "17.11.2026" in notice["text"] and "/status" in notice["text"]
    buttons = [b["callback_data"] for row in notice["reply_markup"]["inline_keyboard"]
               for b in row]
    case_id = delivered.case.id
    assert buttons == [f"nav:report_agrees:{case_id}", f"nav:report_differs:{case_id}",
                       f"nav:report_unsure:{case_id}", f"nav:report:{case_id}"]
    # Bound to that one report and patient, valid 14 days.
    link = await services.links.get(link_id=token.split(".")[0])
    assert (link.purpose, link.target_id, link.patient_id) == (
        REPORT, delivered.report.id, delivered.patient.id)
    assert link.expires_at == NOW + timedelta(days=14)
