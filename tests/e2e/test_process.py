"""`python -m bot` as a real process: clean shutdown on signals, and state that survives
SIGKILL (the patient continues at the same step, without /start)."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import bot_environ
from tests.processes import BotProcess


@pytest.fixture
def bot_process(emulator, tmp_path, database_url):
    proc = BotProcess(bot_environ(emulator, tmp_path / "data", database_url), tmp_path)
    yield proc
    proc.ensure_stopped()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_everything_cleanly(bot_process, emulator, sig):
    await bot_process.start(emulator)
    patient = emulator.user(language_code="en")
    await patient.send_text("/start")
    await patient.wait_for_message(lambda m: "language" in m.text)
    took = await bot_process.terminate(sig)
    assert took < 10
    assert bot_process.proc is not None and bot_process.proc.returncode == 0
    assert "stopped" in bot_process.logs()
    assert "Traceback" not in bot_process.logs()


async def test_sigkill_mid_onboarding_resumes_at_the_same_step(bot_process, emulator):
    await bot_process.start(emulator)
    patient = emulator.user(language_code="en")
    await patient.send_text("/start")
    msg = await patient.wait_for_message(lambda m: "language" in m.text)
    await patient.press(msg, callback_data="onb:lang:en")
    about = await patient.wait_for_message(lambda m: "not an emergency service" in m.text)
    await emulator.wait_idle()
    bot_process.kill9()
    await bot_process.start(emulator)
    # No /start: the next input is answered at the step the patient was on.
    await patient.send_text("hello?")
    await patient.wait_for_message(lambda m: "didn't catch" in m.text)
    await patient.wait_for_message(lambda m: "not an emergency service" in m.text)
    await patient.press(about, callback_data="onb:about")
    await patient.wait_for_message(lambda m: "privacy notice" in m.text)
    await bot_process.terminate()
