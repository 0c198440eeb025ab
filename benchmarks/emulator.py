"""The project's Bot API emulator for benchmarks: several bots on one port, with timestamps.

`Switchboard` serves one :class:`~sandbox.emulator.BotApiEmulator` per token on a single
listening socket (the bot under test and the bare python-telegram-bot application poll the same
server, each with its own token). It adds, from the outside and without changing the emulator:

- a monotonic timestamp (``time.perf_counter``) for every chat event, keyed by its sequence
  number, taken when the emulator handles the bot's request (so "the bot replied" means the
  reply reached the Bot API, as with Telegram);
- per-chat wake-ups, so that hundreds of simulated people waiting at once cost nothing (the
  emulator's own ``wait_for_message`` wakes every waiter on every event);
- the time of the first ``getUpdates`` per token (start-up measurements).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiohttp import web

from sandbox.emulator import BotApiEmulator, EmuMessage
from sandbox.emulator.model import ChatEvent, ChatState


class TimedWorld:
    """Wraps one emulator's ``World._event``: timestamps and per-chat wake-ups."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator
        self.stamps: dict[int, float] = {}
        self._waiters: dict[int, asyncio.Future[None]] = {}
        world = emulator.world
        original = world._event

        def timed_event(chat: ChatState, kind: Any, message_id: int | None,
                        message: EmuMessage | None, answer: Any = None) -> ChatEvent:
            event = original(chat, kind, message_id, message, answer)
            self.stamps[event.seq] = time.perf_counter()
            waiter = self._waiters.pop(chat.id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return event

        world._event = timed_event  # type: ignore[method-assign]

    async def wait_chat(self, chat_id: int, timeout: float) -> None:
        """Until the next event in ``chat_id`` (or ``timeout``; the caller re-checks)."""
        waiter = self._waiters.get(chat_id)
        if waiter is None or waiter.done():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters[chat_id] = waiter
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), timeout)


class Switchboard:
    """One HTTP server, one emulator per bot token."""

    def __init__(self) -> None:
        self.emulators: dict[str, BotApiEmulator] = {}
        self.timed: dict[str, TimedWorld] = {}
        self.first_poll: dict[str, float] = {}
        self.requests: dict[str, int] = {}
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    def add_bot(self, token: str, username: str) -> BotApiEmulator:
        emulator = BotApiEmulator(token=token, bot_username=username, keep_requests=False)
        self.emulators[token] = emulator
        self.timed[token] = TimedWorld(emulator)
        if self._runner is not None:
            emulator.host, emulator.port = self.host, self.port
        return emulator

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        for emulator in self.emulators.values():
            emulator.host, emulator.port = self.host, self.port

    async def stop(self) -> None:
        for emulator in self.emulators.values():
            await emulator.stop()  # ends long polls
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _emulator(self, request: web.Request) -> BotApiEmulator | None:
        return self.emulators.get(request.match_info["token"])

    async def _bot_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        emulator = self.emulators.get(token)
        if emulator is None:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        self.requests[token] = self.requests.get(token, 0) + 1
        if request.match_info["method"].lower() == "getupdates":
            self.first_poll.setdefault(token, time.perf_counter())
        return await emulator._handle_bot_api(request)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        emulator = self._emulator(request)
        if emulator is None:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        return await emulator._handle_file(request)
