"""A flood of 50 messages in 10 seconds is answered once with a slow-down note, and another
patient is answered as usual meanwhile."""

from __future__ import annotations

import asyncio
import time


async def test_flood_is_answered_once_and_others_are_not_slowed(bot, emulator):
    flooder = emulator.user(language_code="en")
    other = emulator.user(language_code="vi")
    await flooder.send_text("/start")
    await flooder.wait_for_message(lambda m: "language" in m.text)

    async def flood() -> None:
        for i in range(50):
            await flooder.send_text(f"message {i}")

    flood_task = asyncio.create_task(flood())
    started = time.monotonic()
    await other.send_text("/start")
    await other.wait_for_message(lambda m: "ngôn ngữ" in m.text, timeout=5)
    other_latency = time.monotonic() - started
    await flood_task
    await emulator.wait_idle()
    notes = [m for m in flooder.messages if "very quickly" in m.text]
    assert len(notes) == 1
    # Every message up to the limit got its normal answer; none after the note did.
    answered = [m for m in flooder.messages if "didn't catch" in m.text]
    assert len(answered) == bot.services.rate_limiter.limit - 1  # /start was the first
    assert flooder.messages[-1].message_id == notes[0].message_id
    assert other_latency < 3.0
