"""The durable outbox: every message the bot sends on its own initiative goes through here.

A row is written (in the same transaction as the change that caused it), then this worker sends
it. A 429 waits for retry_after, 5xx answers and timeouts retry with backoff, a 403 (blocked)
marks the chat unreachable and stops, and whatever is pending is sent after a restart. A crash
between the send and its mark can repeat one message; it can never lose one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.delivery import outbox_sending
from bot.services import Services
from storage.schemas import OutboxOut

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 200  # about a day and a half at the longest backoff
SEND_INTERVAL = 1 / 25  # stay under Telegram's ~30 messages a second

UnreachableHook = Callable[[int], Awaitable[None]]

# The outbox sends stored rows by method name through `Bot.do_api_request` on purpose (one code
# path for every method); python-telegram-bot warns on each such call that a typed method
# exists. Not a problem to report in the logs.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.\w+' instead of",
                        category=PTBUserWarning)


#: Payload fields that may carry a small file as ``{"base64": ..., "filename": ...}`` (the outbox
#: is JSON): it is uploaded as that file when sent (e.g. a consultation's .ics).
FILE_FIELDS = ("document",)
MAX_INLINE_FILE = 256 * 1024


def inline_file(data: bytes, filename: str) -> dict[str, str]:
    """A small file for a JSON outbox payload (see FILE_FIELDS)."""
    if len(data) > MAX_INLINE_FILE:
        raise ValueError("too large to keep in the outbox")
    return {"base64": base64.b64encode(data).decode("ascii"), "filename": filename}


def api_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """The request parameters of a payload: inline files become uploads."""
    kwargs = dict(payload)
    for name in FILE_FIELDS:
        value = kwargs.get(name)
        if isinstance(value, dict) and isinstance(value.get("base64"), str):
            kwargs[name] = InputFile(base64.b64decode(value["base64"], validate=True),
                                     filename=str(value.get("filename") or "file"))
    return kwargs


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)


def _retry_after_seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class OutboxWorker:
    def __init__(self, bot: Bot, services: Services,
                 on_unreachable: UnreachableHook | None = None) -> None:
        self._bot = bot
        self._services = services
        self._on_unreachable = on_unreachable
        self._task: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the current send finish (no query is cut off mid-way), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._services.outbox_wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        self._services.outbox_wakeup.set()

    async def _run(self) -> None:
        wakeup = self._services.outbox_wakeup
        while not self._stopping:
            try:
                sent_any = await self.drain_once()
            except Exception:  # the database may be away for a while: keep the loop alive
                log.exception("outbox pass failed; retrying")
                sent_any = False
            if sent_any or self._stopping:
                continue
            wakeup.clear()
            timeout = await self._idle_timeout()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=timeout)

    async def _idle_timeout(self) -> float:
        loop = asyncio.get_running_loop()
        pause = self._paused_until - loop.time()
        if pause > 0:
            return pause
        try:
            nxt = await self._services.outbox.next_due_at()
        except Exception:
            return 1.0
        if nxt is None:
            return 5.0
        return max(0.05, min(5.0, (nxt - self._services.clock.now()).total_seconds()))

    async def drain_once(self) -> bool:
        """Send what is due now. True when something was attempted."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._paused_until:
            return False
        batch = await self._services.outbox.due(limit=50)
        for message in batch:
            if loop.time() < self._paused_until or self._stopping:
                break
            await self._send(message)
            await asyncio.sleep(SEND_INTERVAL)
        return bool(batch)

    async def _send(self, message: OutboxOut) -> None:
        repo = self._services.outbox
        now = self._services.clock.now()
        try:
            with outbox_sending():  # tried once: what follows a failure is decided below
                await self._bot.do_api_request(message.method,
                                               api_kwargs=api_kwargs(message.payload))
        except RetryAfter as exc:
            wait = _retry_after_seconds(exc)
            self._paused_until = asyncio.get_running_loop().time() + wait
            log.warning("outbox %s: 429, retrying after %.0f s", message.id, wait)
            await repo.retry_later(message_id=message.id, at=now + timedelta(seconds=wait),
                                   error="429 retry_after")
        except Forbidden:
            log.info("outbox %s: chat %s is unreachable (blocked the bot)", message.id,
                     message.chat_id)
            # Mark the patient and alert (deduplicated per episode) before closing the row:
            # a crash in between leaves the row pending, so this runs again after a restart
            # instead of the coordinators never hearing of it.
            try:
                await self._services.patients.mark_unreachable(chat_id=message.chat_id)
                if self._on_unreachable is not None:
                    await self._on_unreachable(message.chat_id)
            except Exception:
                log.exception("outbox %s: recording the unreachable chat failed", message.id)
                await repo.retry_later(message_id=message.id, at=now + backoff(message.attempts),
                                       error="unreachable hook")
                return
            await repo.give_up(message_id=message.id, status="unreachable", error="403")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await repo.give_up(message_id=message.id, status="unreachable",
                                   error="chat not found")
                return
            # Our own request was wrong: retrying would not help. Never log the content.
            log.error("outbox %s: %s refused: %s", message.id, message.method, exc.message)
            await repo.give_up(message_id=message.id, status="failed", error=exc.message)
        except (NetworkError, TelegramError) as exc:
            if message.attempts + 1 >= MAX_ATTEMPTS:
                await repo.give_up(message_id=message.id, status="failed", error=str(exc))
                return
            delay = backoff(message.attempts)
            log.warning("outbox %s: %s; retry in %s", message.id, type(exc).__name__, delay)
            await repo.retry_later(message_id=message.id, at=now + delay,
                                   error=type(exc).__name__)
        else:
            await self._mark_sent(message.id)

    async def _mark_sent(self, message_id: int) -> None:
        """Telegram has the message: record it, however long the database takes to come back.
        Leaving the row pending would send the message again once the database answers (a
        duplicate with no crash behind it); only a stop or a kill in between can do that."""
        delay = 0.25
        while True:
            try:
                await self._services.outbox.mark_sent(message_id=message_id)
                return
            except Exception as exc:
                if self._stopping:
                    raise
                log.warning("outbox %s: sent, but recording that failed (%s); retrying in "
                            "%.1f s", message_id, type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
