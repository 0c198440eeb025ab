"""The foundation end to end: one effect per update, the outbox under Telegram's errors, the web
server, webhook mode, and no patient data in logs."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.alerts import coordinator_alert, patient_message, send_later
from storage.models import OutboxMessage, Patient, ProcessedUpdate
from tests.conftest import COORDINATOR_CHAT_ID, PG_URL, TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _onboard(patient, lang: str = "en") -> None:
    await patient.send_text("/start")
    msg = await patient.wait_for_message(lambda m: any("onb:lang" in (d or "")
                                                       for _, d in m.buttons))
    await patient.press(msg, callback_data=f"onb:lang:{lang}")
    about = await patient.wait_for_message(lambda m: any(d == "onb:about"
                                                         for _, d in m.buttons))
    await patient.press(about, callback_data="onb:about")
    consent = await patient.wait_for_message(lambda m: any(d == "onb:consent:yes"
                                                           for _, d in m.buttons))
    await patient.press(consent, callback_data="onb:consent:yes")
    await patient.wait_for_message(lambda m: any((d or "").startswith("menu:")
                                                 for _, d in m.buttons))


async def _count(bot, model) -> int:
    async with bot.services.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_redelivered_update_has_no_second_effect(bot, emulator):
    patient = emulator.user(language_code="en")
    await patient.send_text("/start")
    await patient.wait_for_message(lambda m: "language" in m.text)
    await emulator.wait_idle()
    sent_before = len(patient.messages)
    processed = await _count(bot, ProcessedUpdate)
    emulator.redeliver_last(1)
    await emulator.wait_idle()
    await asyncio.sleep(0.3)
    assert len(patient.messages) == sent_before
    assert await _count(bot, ProcessedUpdate) == processed


async def _make_database_unreachable(bot) -> None:
    """Really take the database away: SQLite's file replaced by a directory, or PostgreSQL's
    database closed to new connections."""
    db = bot.services.db
    await db.dispose()
    if db.is_sqlite:
        path = Path(db.url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{path}{suffix}")
            if p.exists():
                p.rename(f"{p}.away")
        path.mkdir()
    else:
        import asyncpg

        name = db.url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1", name)
        finally:
            await admin.close()


async def _bring_database_back(bot) -> None:
    db = bot.services.db
    if db.is_sqlite:
        path = Path(db.url.split(":///", 1)[1])
        path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            away = Path(f"{path}{suffix}.away")
            if away.exists():
                away.rename(f"{path}{suffix}")
    else:
        import asyncpg

        name = db.url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        finally:
            await admin.close()


async def test_a_sent_message_is_not_sent_again_when_the_database_was_away(bot, emulator):
    """The crash suite's finding on PostgreSQL: the outbox sent a row, the database was gone
    before the row could be marked sent, and once it was back the row went out a second time.
    The worker now keeps trying to record the send instead."""
    patient = emulator.user(language_code="en")
    await _onboard(patient)
    await emulator.wait_idle()
    before = len(patient.messages)
    emulator.inject("sendMessage", delay=1.5, count=1)  # Telegram takes its time to answer
    await send_later(bot.services, [patient_message(bot.services, chat_id=patient.chat_id,
                                                    lang="en", key="consent-thanks")])
    await asyncio.sleep(0.5)  # the send is in flight
    await _make_database_unreachable(bot)
    await patient.wait_for_message(lambda m: "Thank you for your trust" in m.text, timeout=10)
    await asyncio.sleep(1.5)  # marking it sent fails meanwhile
    await _bring_database_back(bot)
    for _ in range(100):
        if (await bot.services.outbox.counts()).get("pending", 0) == 0:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # time for a second copy, were one coming
    assert (await bot.services.outbox.counts()).get("pending", 0) == 0
    assert [m.text[:25] for m in patient.messages[before:]] == ["Thank you for your trust."]


async def test_healthz_and_readyz(bot):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.web_url}/healthz") as r:
            assert r.status == 200
            assert r.headers["X-Content-Type-Options"] == "nosniff"
        async with http.get(f"{bot.web_url}/readyz") as r:
            assert r.status == 200
        await _make_database_unreachable(bot)
        async with http.get(f"{bot.web_url}/readyz") as r:
            assert r.status == 503
        async with http.get(f"{bot.web_url}/healthz") as r:
            assert r.status == 200


async def test_database_outage_gives_one_apology_and_nothing_else(bot, emulator):
    """The crash suite's finding: with the database away, an update got two apologies (one
    per failing pipeline step) and then the flows ran without a patient (/status: "You haven't
    started a case yet"). The update stops at its first failure, with one apology."""
    patient = emulator.user(language_code="en")
    await _onboard(patient)
    await emulator.wait_idle()
    before = len(patient.messages)
    await _make_database_unreachable(bot)
    await patient.send_text("/status")
    await patient.wait_for_message(lambda m: "went wrong" in m.text, timeout=15)
    await emulator.wait_idle()
    await asyncio.sleep(0.5)
    answers = [m.text for m in patient.messages[before:]]
    assert len(answers) == 1, answers
    assert answers[0].startswith("I'm sorry, something went wrong on my side.")


async def test_outbox_waits_out_429_and_5xx_and_stops_on_blocked(bot, emulator):
    services = bot.services
    alive = emulator.user(language_code="en")
    blocked = emulator.user(language_code="en")
    await _onboard(alive)
    await _onboard(blocked)
    blocked.block_bot()
    emulator.inject("sendMessage", status=429, retry_after=1, count=1)
    emulator.inject("sendMessage", status=502, count=2)
    await send_later(services, [
        patient_message(services, chat_id=alive.chat_id, lang="en", key="consent-thanks"),
        patient_message(services, chat_id=blocked.chat_id, lang="en", key="consent-thanks"),
    ])
    msg = await alive.wait_for_message(lambda m: "Thank you for your trust" in m.text,
                                       timeout=20)
    assert msg is not None
    for _ in range(100):
        counts = await services.outbox.counts()
        if counts.get("pending", 0) == 0:
            break
        await asyncio.sleep(0.2)
    # The blocked patient's message stops as unreachable; nothing else is lost or failed
    # (the coordinators may also have been told that a patient became unreachable).
    assert counts.get("unreachable") == 1 and counts.get("sent", 0) >= 1
    assert counts.get("pending", 0) == 0 and "failed" not in counts
    async with services.db.read() as s:
        row = (await s.execute(select(Patient).where(
            Patient.telegram_user_id == blocked.id))).scalar_one()
        assert row.unreachable_at is not None


async def test_pending_outbox_is_sent_after_a_restart(make_bot, emulator):
    handle = make_bot()
    await handle.start()
    emulator.set_down(True)
    await send_later(handle.services, coordinator_alert(handle.services, "consent-thanks"))
    await asyncio.sleep(0.5)
    await handle.shutdown()
    emulator.set_down(False)
    group = emulator.get_group(COORDINATOR_CHAT_ID)
    group_msgs_before = len(group.messages)
    await handle.start()
    for _ in range(100):
        if len(group.messages) > group_msgs_before:
            break
        await asyncio.sleep(0.1)
    assert len(group.messages) == group_msgs_before + 1
    assert await _count(handle, OutboxMessage) == 1
    await handle.shutdown()


async def test_webhook_mode(make_bot, emulator):
    port = free_port()
    handle = make_bot(WEBHOOK_URL=f"http://127.0.0.1:{port}/tg/hook",
                      WEBHOOK_SECRET="s3cr3t_hook", WEB_PORT=str(port))
    await handle.start()
    try:
        assert emulator.webhook_url == f"http://127.0.0.1:{port}/tg/hook"
        assert not any(method == "getUpdates" for method, _ in emulator.requests)
        patient = emulator.user(language_code="vi")
        await patient.send_text("/start")
        await patient.wait_for_message(lambda m: "ngôn ngữ" in m.text)
        processed = await _count(handle, ProcessedUpdate)
        update = {"update_id": 999999, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"}, "text": "/start"}}
        async with aiohttp.ClientSession() as http:
            url = f"{handle.web_url}/tg/hook"
            async with http.post(url, json=update) as r:
                assert r.status == 403
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                assert r.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t_hook"}
            for body in (b"{not json", b"[1,2]", json.dumps({"message": {}}).encode()):
                async with http.post(url, data=body, headers=headers) as r:
                    assert r.status == 400
        await asyncio.sleep(0.3)
        assert await _count(handle, ProcessedUpdate) == processed
    finally:
        await handle.shutdown()


async def test_no_canary_or_token_in_logs(captured_logs, bot, emulator):
    canary = "CANARY-7f3a-Nguyen-Thi-Secret"
    patient = emulator.user(first_name=canary, language_code="en")
    await patient.send_text(f"/start {canary}")
    await patient.wait_for_message(lambda m: "language" in m.text)
    await patient.send_text(f"my name is {canary}")
    await patient.send_document(b"%PDF-1.4 " + canary.encode(), file_name=f"{canary}.pdf",
                                mime_type="application/pdf")
    await patient.wait_for_message()
    await emulator.wait_idle()
    logs = captured_logs.text
    assert logs, "nothing was logged at all"
    assert canary not in logs
    assert TOKEN not in logs
    assert TOKEN.split(":")[1] not in logs
