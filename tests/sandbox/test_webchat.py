"""Sandbox mode and its web chat without a browser: the settings it runs with, the page, the
proxied control API (what passes, what does not, big uploads, file downloads), the reset, and
that production has none of it. Also `python -m bot` without a token, as a real process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

import bot.__main__ as bot_main
from bot.config import load_settings
from sandbox.emulator import BotApiEmulator
from sandbox.mode import (
    CAST,
    COORDINATOR_GROUP_ID,
    SANDBOX_TOKEN,
    Sandbox,
    _page_url,
    sandbox_settings,
)
from storage.models import Patient
from tests.fixtures import samples
from tests.processes import ROOT

HEADERS = {"X-Sandbox": "1"}


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "WEB_PORT": "0",
                              "COORDINATOR_IDS": "1,2", "COORDINATOR_CHAT_ID": "-5"})
    async with Sandbox(settings) as handle:
        yield handle


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    base = sandbox.url.removesuffix("/sandbox")
    async with aiohttp.ClientSession(base_url=base) as session:
        yield session


async def result(response: aiohttp.ClientResponse) -> Any:
    body = await response.json()
    assert body["ok"], body
    return body["result"]


def chat_of(sandbox: Sandbox, title: str) -> dict[str, Any]:
    return next(c for c in sandbox.cast()["chats"] if c["title"] == title)


async def wait_bot_message(http: aiohttp.ClientSession, chat_id: int, since: int,
                           predicate) -> tuple[dict[str, Any], int]:
    """Follow /events through the proxy until a bot message in the chat matches."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while loop.time() < deadline:
        async with http.get("/sandbox/api/emu/events",
                            params={"since": since, "timeout": 5, "chat_id": chat_id}) as r:
            found = await result(r)
        for event in found["events"]:
            message = event["message"]
            if message and message["from_bot"] and predicate(message):
                return message, found["last_seq"]
        since = found["last_seq"]
    raise AssertionError("no such bot message")


# -- settings ---------------------------------------------------------------------------------

def test_sandbox_settings_never_use_the_operators_data_or_people(tmp_path):
    keys = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    base = load_settings({
        "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "postgresql+asyncpg://u:p@db/real",
        "COORDINATOR_IDS": "11,12", "COORDINATOR_CHAT_ID": "-100123",
        "WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": "s3cret",
        "ENCRYPTION_KEYS": keys, "LINK_SECRET": "real-link-secret", "WEB_PORT": "8088"})
    emulator = BotApiEmulator(token=SANDBOX_TOKEN)
    settings = sandbox_settings(base, emulator)
    assert settings.BOT_TOKEN == SANDBOX_TOKEN and not settings.sandbox
    assert emulator.base_url == settings.BOT_API_URL
    assert emulator.base_file_url == settings.BOT_API_FILE_URL
    assert tmp_path / "data" / "sandbox" == settings.DATA_DIR
    assert settings.database_url == (
        f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'sandbox' / 'bot.sqlite3').resolve()}")
    coordinators = tuple(p.user_id for p in CAST if p.role == "coordinator")
    assert coordinators == settings.COORDINATOR_IDS
    assert settings.COORDINATOR_CHAT_ID == COORDINATOR_GROUP_ID
    assert settings.WEBHOOK_URL is None and settings.WEBHOOK_SECRET is None
    assert settings.ENCRYPTION_KEYS == () and settings.LINK_SECRET is None
    assert settings.WEB_PORT == 8088 and settings.WEB_HOST == base.WEB_HOST


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "http://127.0.0.1:8080/sandbox"),
    ({"WEB_HOST": "0.0.0.0", "WEB_PORT": "9000"}, "http://127.0.0.1:9000/sandbox"),  # noqa: S104
    ({"WEB_HOST": "::"}, "http://[::1]:8080/sandbox"),
    ({"PUBLIC_BASE_URL": "https://try.example.org/"}, "https://try.example.org/sandbox"),
])
def test_the_address_printed_at_start(tmp_path, env, expected):
    settings = load_settings({"DATA_DIR": str(tmp_path), **env})
    assert _page_url(settings, settings.WEB_PORT) == expected


async def test_the_bot_runs_with_the_simulated_coordinator_and_group(sandbox, tmp_path):
    assert sandbox.running is not None
    settings = sandbox.running.services.settings
    cast = sandbox.cast()
    titles = [c["title"] for c in cast["chats"]]
    assert titles == ["Lan (vi)", "Ann (en)", "Minh (vi)", "Hoa (coordinator)", "Coordinators"]
    coordinator = chat_of(sandbox, "Hoa (coordinator)")
    group = chat_of(sandbox, "Coordinators")
    assert (coordinator["actor_id"],) == settings.COORDINATOR_IDS  # not the operator's 1,2
    assert settings.COORDINATOR_CHAT_ID == group["chat_id"] == COORDINATOR_GROUP_ID
    assert group["kind"] == "group" and group["actor_id"] == coordinator["actor_id"]
    assert coordinator["actor_id"] in sandbox.emulator.get_group(COORDINATOR_GROUP_ID).member_ids
    assert str(tmp_path / "data" / "sandbox") in settings.database_url
    assert (tmp_path / "data" / "sandbox" / "bot.sqlite3").exists()
    assert not (tmp_path / "data" / "bot.sqlite3").exists()
    assert cast["bot"]["username"] == "SecondOpinionSandboxBot" and cast["ready"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/sandbox", sandbox.url)


# -- the page ---------------------------------------------------------------------------------

async def test_page_and_its_files(http):
    async with http.get("/sandbox") as r:
        assert r.status == 200 and r.content_type == "text/html"
        page = await r.text()
        csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    # Nothing from the internet: only the page's own script and style.
    assert re.findall(r'(?:src|href)="([^"]+)"', page) == [
        "data:,", "/sandbox/static/style.css", "/sandbox/static/app.js"]
    assert "<script>" not in page
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        async with http.get(f"/sandbox/static/{name}") as r:
            assert r.status == 200 and r.content_type == kind
            assert "http://" not in await r.text() and "https://" not in await r.text()
    for name in ("index.html", "..%2Fmode.py", "nope.js"):
        async with http.get(f"/sandbox/static/{name}") as r:
            assert r.status == 404


async def test_the_app_never_injects_html():
    """The page builds the DOM with elements and text nodes only: no innerHTML and friends."""
    script = (ROOT / "sandbox" / "static" / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in script, sink


# -- the proxied control API ------------------------------------------------------------------

async def test_a_patient_talks_to_the_bot_through_the_proxy(sandbox, http):
    ann = chat_of(sandbox, "Ann (en)")
    async with http.get("/sandbox/api/emu/info") as r:
        since = (await result(r))["last_seq"]
    async with http.post("/sandbox/api/emu/send", headers=HEADERS,
                         json={"user_id": ann["actor_id"], "text": "/start"}) as r:
        sent = (await result(r))["messages"][0]
    assert sent["text"] == "/start" and not sent["from_bot"]
    language, since = await wait_bot_message(http, ann["chat_id"], since,
                                             lambda m: "language" in m["text"])
    data = [b["callback_data"] for row in language["buttons"] for b in row]
    assert "onb:lang:en" in data
    async with http.post("/sandbox/api/emu/press", headers=HEADERS, json={
            "user_id": ann["actor_id"], "chat_id": ann["chat_id"],
            "message_id": language["id"], "callback_data": "onb:lang:en"}) as r:
        assert (await result(r))["callback_query_id"]
    about, since = await wait_bot_message(http, ann["chat_id"], since,
                                          lambda m: "not an emergency service" in m["text"])
    assert "<b>" in about["html"] or about["html"]
    async with http.get(f"/sandbox/api/emu/chats/{ann['chat_id']}/messages") as r:
        chat = await result(r)
    assert [m["id"] for m in chat["messages"]][:2] == [sent["id"], language["id"]]
    async with http.get("/sandbox/api/emu/commands",
                        params={"chat_type": "private", "language_code": "en"}) as r:
        assert "start" in [c["command"] for c in await result(r)]


async def test_writes_need_the_sandbox_header(sandbox, http):
    ann = chat_of(sandbox, "Ann (en)")
    async with http.post("/sandbox/api/emu/send",
                         json={"user_id": ann["actor_id"], "text": "hi"}) as r:
        assert r.status == 403
    async with http.post("/sandbox/api/reset") as r:
        assert r.status == 403
    assert sandbox.generation == 1
    assert not sandbox.emulator.world.chat(ann["chat_id"]).messages


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "inject"), ("POST", "down"), ("POST", "reset"), ("GET", "requests"),
    ("GET", "refused"), ("POST", "block"), ("POST", "groups"), ("GET", "files/a.b"),
    ("DELETE", "users"), ("GET", "send"),
])
async def test_only_what_a_chat_needs_is_proxied(sandbox, http, method, path):
    async with http.request(method, f"/sandbox/api/emu/{path}", headers=HEADERS,
                            json={"down": True, "method": "*"}) as r:
        assert r.status in (404, 405)
    assert not sandbox.emulator.down


async def test_big_uploads_pass_and_files_download_safely(sandbox, http):
    """An upload bigger than the web server's 2 MB body limit streams through; files come
    back byte for byte, as attachments (images inline) under a sandboxing CSP."""
    minh = chat_of(sandbox, "Minh (vi)")
    big = samples.pdf() + b"%" + os.urandom(3 * 1024 * 1024)
    form = aiohttp.FormData(quote_fields=False)  # as browsers send file names: raw UTF-8
    form.add_field("user_id", str(minh["actor_id"]))
    form.add_field("document", big, filename="hồ sơ <1>.pdf", content_type="application/pdf")
    async with http.post("/sandbox/api/emu/send", headers=HEADERS, data=form) as r:
        document = (await result(r))["messages"][0]["document"]
    assert document["size"] == len(big)
    async with http.get(f"/sandbox/api/emu/files/{document['file_id']}") as r:
        assert r.status == 200 and await r.read() == big
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''h%E1%BB%93%20s%C6%A1%20%3C1%3E.pdf" in (
            r.headers["Content-Disposition"])
        assert "sandbox" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"

    form = aiohttp.FormData()
    form.add_field("user_id", str(minh["actor_id"]))
    form.add_field("photo", samples.png(), filename="a.png", content_type="image/png")
    form.add_field("photo", samples.jpeg(), filename="b.jpg", content_type="image/jpeg")
    async with http.post("/sandbox/api/emu/send", headers=HEADERS, data=form) as r:
        album = (await result(r))["messages"]
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    async with http.get(f"/sandbox/api/emu/files/{album[0]['photo']['file_id']}") as r:
        assert r.headers["Content-Disposition"].startswith("inline;")
        assert r.content_type == "image/png"
    async with http.get("/sandbox/api/emu/files/nope") as r:
        assert r.status == 404


async def test_the_contact_button_through_the_proxy(sandbox, http):
    """A reply keyboard with request_contact: tapping it shares the patient's own contact."""
    lan = chat_of(sandbox, "Lan (vi)")
    emulator = sandbox.emulator
    markup = {"keyboard": [[{"text": "📱 Share", "request_contact": True}], [{"text": "Skip"}]],
              "resize_keyboard": True}
    async with aiohttp.ClientSession() as session, session.post(
            f"{emulator.base_url}{emulator.token}/sendMessage",
            json={"chat_id": lan["chat_id"], "text": "Your number?",
                  "reply_markup": markup}) as r:
        assert (await r.json())["ok"]
    async with http.get(f"/sandbox/api/emu/chats/{lan['chat_id']}/messages") as r:
        assert (await result(r))["reply_keyboard"][0][0]["request_contact"] is True
    async with http.post("/sandbox/api/emu/press_keyboard", headers=HEADERS, json={
            "user_id": lan["actor_id"], "label": "📱 Share", "phone_number": lan["phone"]}) as r:
        contact = (await result(r))["messages"][0]["contact"]
    assert contact == {"phone_number": lan["phone"], "first_name": "Lan", "last_name": "Nguyễn",
                       "user_id": lan["actor_id"]}
    async with http.post("/sandbox/api/emu/press_keyboard", headers=HEADERS, json={
            "user_id": lan["actor_id"], "label": "Skip"}) as r:
        assert (await result(r))["messages"][0]["text"] == "Skip"
    async with http.post("/sandbox/api/emu/press_keyboard", headers=HEADERS, json={
            "user_id": lan["actor_id"], "label": "Not there"}) as r:
        assert r.status == 400


async def test_a_new_patient_joins_the_cast(sandbox, http):
    async with http.post("/sandbox/api/emu/users", headers=HEADERS,
                         json={"first_name": "Bình", "language_code": "vi"}) as r:
        user = await result(r)
    async with http.get("/sandbox/api/cast") as r:
        chats = (await result(r))["chats"]
    added = next(c for c in chats if c["actor_id"] == user["id"])
    assert added["title"] == "Bình (vi)" and added["role"] == "patient"


# -- reset ------------------------------------------------------------------------------------

async def test_reset_clears_the_world_and_the_database(sandbox, http, tmp_path):
    folder = tmp_path / "data" / "sandbox"
    ann = chat_of(sandbox, "Ann (en)")
    async with http.post("/sandbox/api/emu/send", headers=HEADERS,
                         json={"user_id": ann["actor_id"], "text": "/start"}) as r:
        await result(r)
    await wait_bot_message(http, ann["chat_id"], 0, lambda m: "language" in m["text"])
    assert sandbox.running is not None
    async with sandbox.running.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Patient))).scalar_one() == 1
    (folder / "records").mkdir(exist_ok=True)
    (folder / "records" / "leftover.rec").write_bytes(b"x")
    key = (folder / "ENCRYPTION_KEYS").read_text()

    # A long poll in flight does not hold the restart up.
    poll = asyncio.create_task(http.get("/sandbox/api/emu/events",
                                        params={"since": 10_000, "timeout": 25}))
    await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    async with http.post("/sandbox/api/reset", headers=HEADERS) as r:
        assert (await result(r))["generation"] == 1
    response = await asyncio.wait_for(poll, timeout=10)
    assert response.status == 503
    response.release()
    await sandbox.wait_ready(2)
    assert asyncio.get_running_loop().time() - started < 15

    async with http.get("/sandbox/api/cast") as r:
        cast = await result(r)
    assert cast["generation"] == 2 and cast["ready"]
    assert [c["title"] for c in cast["chats"]][:3] == ["Lan (vi)", "Ann (en)", "Minh (vi)"]
    assert not sandbox.emulator.world.chat(ann["chat_id"]).messages
    assert sandbox.running is not None
    async with sandbox.running.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Patient))).scalar_one() == 0
    assert not (folder / "records" / "leftover.rec").exists()
    assert (folder / "ENCRYPTION_KEYS").read_text() == key
    # The fresh bot answers (update ids start again at 1: nothing is taken for a duplicate).
    async with http.post("/sandbox/api/emu/send", headers=HEADERS,
                         json={"user_id": ann["actor_id"], "text": "/start"}) as r:
        await result(r)
    await wait_bot_message(http, ann["chat_id"], 0, lambda m: "language" in m["text"])


# -- production has none of it ----------------------------------------------------------------

async def test_production_has_no_sandbox(bot):
    async with aiohttp.ClientSession() as session:
        for path in ("/sandbox", "/sandbox/static/app.js", "/sandbox/api/cast",
                     "/sandbox/api/emu/info"):
            async with session.get(f"{bot.web_url}{path}") as r:
                assert r.status == 404, path
        async with session.post(f"{bot.web_url}/sandbox/api/reset", headers=HEADERS) as r:
            assert r.status == 404


def test_main_starts_the_sandbox_only_without_a_token(monkeypatch, tmp_path):
    calls: list[tuple[str, Any]] = []

    async def fake_sandbox(settings):
        calls.append(("sandbox", settings))

    async def fake_serve(settings):
        calls.append(("serve", settings))

    monkeypatch.setattr(bot_main, "_sandbox", fake_sandbox)
    monkeypatch.setattr(bot_main, "_serve", fake_serve)
    assert bot_main.main([], {"DATA_DIR": str(tmp_path)}) == 0
    assert bot_main.main([], {"DATA_DIR": str(tmp_path), "BOT_TOKEN": "1:abc"}) == 0
    assert [name for name, _ in calls] == ["sandbox", "serve"]
    assert calls[0][1].BOT_TOKEN is None and calls[1][1].BOT_TOKEN == "1:abc"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_python_m_bot_without_a_token_serves_the_sandbox(tmp_path):
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
           "DATA_DIR": str(tmp_path / "data"), "WEB_PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        assert line.decode().strip() == f"Sandbox ready: open http://127.0.0.1:{port}/sandbox"
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as session:
            async with session.get("/sandbox") as r:
                assert r.status == 200 and "Second Opinion" in await r.text()
            async with session.get("/sandbox/api/cast") as r:
                cast = await result(r)
            assert cast["ready"]
            ann = next(c for c in cast["chats"] if c["title"] == "Ann (en)")
            async with session.post("/sandbox/api/emu/send", headers=HEADERS,
                                    json={"user_id": ann["actor_id"], "text": "/start"}) as r:
                await result(r)
            await wait_bot_message(session, ann["chat_id"], 0,
                                   lambda m: "language" in m["text"])
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=15) == 0
        assert proc.stderr is not None
        logs = (await proc.stderr.read()).decode()
        assert "sandbox ready: open" in logs
        assert "Traceback" not in logs, logs
        assert (tmp_path / "data" / "sandbox" / "bot.sqlite3").exists()
        assert not (tmp_path / "data" / "bot.sqlite3").exists()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
