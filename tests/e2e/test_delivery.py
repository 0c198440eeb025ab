"""Replies Telegram cannot take right now are delayed, never dropped (bot/delivery.py): short
outages are retried, longer ones go through the outbox, and the conversation goes on."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, NetworkError
from telegram.request import HTTPXRequest

from bot.delivery import RETRY_DELAYS, PersistentRequest, outbox_sending
from storage.models import OutboxMessage
from tests.conftest import TOKEN

SORRY = "something went wrong"


async def _outbox(bot) -> list[OutboxMessage]:
    async with bot.services.db.read() as s:
        return list((await s.execute(select(OutboxMessage))).scalars())


async def test_a_reply_survives_a_short_outage(bot, emulator, captured_logs):
    patient = emulator.user(language_code="en")
    emulator.inject("sendMessage", status=502, count=2)
    await patient.send_text("/start")
    await patient.wait_for_message(lambda m: "language" in m.text.lower(), timeout=10)
    await emulator.wait_idle()
    assert len(emulator.requests_for("sendMessage")) == 3  # two 502s, then taken
    assert not any(SORRY in m.text for m in patient.messages)
    assert not [m for m in await _outbox(bot) if m.chat_id == patient.id]
    assert "ERROR" not in captured_logs.text


async def test_a_reply_telegram_would_not_take_arrives_later_and_the_flow_goes_on(
        bot, emulator):
    patient = emulator.user(language_code="en")
    attempts = len(RETRY_DELAYS) + 1
    emulator.inject("sendMessage", status=502, count=attempts)
    await patient.send_text("/start")
    # Every direct attempt failed: the reply was queued, and the outbox delivers it.
    prompt = await patient.wait_for_message(
        lambda m: any("onb:lang" in (d or "") for _, d in m.buttons), timeout=20)
    for _ in range(50):  # the outbox marks the row sent just after Telegram took it
        queued = [(m.method, m.status) for m in await _outbox(bot) if m.chat_id == patient.id]
        if queued != [("sendMessage", "pending")]:
            break
        await asyncio.sleep(0.1)
    assert queued == [("sendMessage", "sent")]
    assert len(emulator.requests_for("sendMessage")) == attempts + 1
    # The conversation moved on as if the message had gone at once.
    await patient.press(prompt, callback_data="onb:lang:en")
    await patient.wait_for_message(lambda m: any(d == "onb:about" for _, d in m.buttons),
                                   timeout=10)
    assert not any(SORRY in m.text for m in patient.messages)


async def test_a_short_flood_wait_is_waited_out_once(bot, emulator):
    patient = emulator.user(language_code="en")
    emulator.inject("sendMessage", status=429, retry_after=1, count=1)
    started = time.monotonic()
    await patient.send_text("/start")
    await patient.wait_for_message(lambda m: "language" in m.text.lower(), timeout=10)
    assert time.monotonic() - started >= 1.0
    await emulator.wait_idle()
    assert len([m for m in patient.messages if "language" in m.text.lower()]) == 1


async def test_edits_are_deferred_as_new_messages_and_mistakes_are_not_retried(emulator):
    patient = emulator.user(language_code="en")
    deferred: list[tuple[int, dict]] = []

    async def defer(chat_id: int, payload: dict) -> None:
        deferred.append((chat_id, payload))

    request = PersistentRequest(HTTPXRequest(), defer, delays=(0.01, 0.01))
    bot = Bot(TOKEN, base_url=emulator.base_url, request=request)
    async with bot:
        sent = await bot.send_message(patient.id, "step one")
        emulator.inject("editMessageText", status=503, count=3)
        edited = await bot.edit_message_text("step <b>two</b>", chat_id=patient.id,
                                             message_id=sent.message_id, parse_mode="HTML")
        assert edited.message_id == 0  # a stand-in: the real message comes from the outbox
        assert deferred == [(patient.id, {"chat_id": patient.id, "text": "step <b>two</b>",
                                          "parse_mode": "HTML"})]

        # A request Telegram refuses is the bot's mistake: one attempt, and it fails loudly.
        emulator.clear_requests()
        with pytest.raises(BadRequest):
            await bot.edit_message_text("x", chat_id=patient.id, message_id=999_999)
        assert len(emulator.requests_for("editMessageText")) == 1
        emulator.clear_refused()

        # The outbox's own sends are tried once and never diverted.
        emulator.inject("sendMessage", status=502, count=1)
        emulator.clear_requests()
        with outbox_sending(), pytest.raises(NetworkError):
            await bot.send_message(patient.id, "from the outbox")
        assert len(emulator.requests_for("sendMessage")) == 1
        assert len(deferred) == 1
