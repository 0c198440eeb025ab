"""Replies that Telegram cannot take right now are delayed, never dropped.

Messages the bot sends on its own initiative go through the durable outbox (`bot/outbox.py`).
Replies to what a patient just did are sent directly, from the handler, so that they arrive at
once and the handler can go on with the message it got back. This module makes those direct
calls as patient as the outbox, without making the handler wait long:

- a 5xx answer, a timeout or a lost connection is retried a few times with short waits
  (`RETRY_DELAYS`, about 7 s in all), and a 429 is waited out when Telegram asks for at most
  `MAX_FLOOD_WAIT` seconds;
- if Telegram still has not taken a new message (`sendMessage`) or a step shown by editing the
  pressed message (`editMessageText`), the message is written to the outbox, which sends it
  when Telegram is back, and the handler gets a stand-in for the sent message (its
  ``message_id`` is 0, so a later edit of it fails and is sent anew), so the conversation
  moves on instead of stopping with an error. What else fails (a button's spinner, removing
  old buttons, a chat action) is not worth delivering late and fails as before.

The outbox's own sends are not retried or diverted here (`outbox_sending`): it has its own
rules for 429s, backoff and blocked chats. Errors that retrying cannot fix (400, 401, 403, 404,
409) pass through at once. A retried message whose first attempt did reach Telegram may arrive
twice; a dropped one would not arrive at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 3.5)
MAX_FLOOD_WAIT = 5.0
#: methods whose failed message is worth delivering late, through the outbox
DEFERRABLE = frozenset({"sendMessage", "editMessageText"})
#: sendMessage parameters an edited step keeps when it is delivered late as a new message
_KEPT = ("chat_id", "text", "parse_mode", "entities", "link_preview_options", "reply_markup")

#: (chat id, sendMessage parameters) → queued in the outbox; raises if it could not be
Defer = Callable[[int, dict[str, Any]], Awaitable[None]]

_retrying: ContextVar[bool] = ContextVar("bot_delivery_retrying", default=True)


@contextlib.contextmanager
def outbox_sending() -> Iterator[None]:
    """Calls made inside are tried once: the outbox decides what happens after a failure."""
    token = _retrying.set(False)
    try:
        yield
    finally:
        _retrying.reset(token)


def _method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _flood_wait(status: int, body: bytes) -> float | None:
    """Seconds Telegram asked to wait in a 429 answer (None when it did not say)."""
    if status != 429:
        return None
    try:
        value = json.loads(body)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) else None


class PersistentRequest(BaseRequest):
    """Wraps another request (the HTTP client) with the retries and the outbox fallback."""

    def __init__(self, inner: BaseRequest, defer: Defer | None = None, *,
                 delays: tuple[float, ...] = RETRY_DELAYS,
                 max_flood_wait: float = MAX_FLOOD_WAIT) -> None:
        self._inner = inner
        self._defer = defer
        self._delays = delays
        self._max_flood_wait = max_flood_wait

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = DEFAULT_NONE,
                         write_timeout: ODVInput[float] = DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = DEFAULT_NONE) -> tuple[int, bytes]:
        async def attempt() -> tuple[int, bytes]:
            return await self._inner.do_request(
                url, method, request_data, read_timeout=read_timeout,
                write_timeout=write_timeout, connect_timeout=connect_timeout,
                pool_timeout=pool_timeout)

        if not _retrying.get():
            return await attempt()
        delays = iter(self._delays)
        while True:
            failure: NetworkError | None = None
            try:
                status, body = await attempt()
            except (TimedOut, NetworkError) as exc:  # the client's transport errors
                failure, status, body = exc, 0, b""
            wait = _flood_wait(status, body)
            if failure is None and status < 500 and wait is None:
                return status, body  # done, or an error retrying would not fix
            delay = next(delays, None)  # every retry, a 429's too, uses up one of the delays
            if delay is not None and wait is not None:
                # wait as long as Telegram asks; a long flood wait is the outbox's to wait out
                delay = wait if wait <= self._max_flood_wait else None
            if delay is None:
                deferred = await self._deferred(url, request_data)
                if deferred is not None:
                    return 200, deferred
                if failure is not None:
                    raise failure
                return status, body
            log.info("%s failed (%s); trying again in %.2f s", _method(url),
                     type(failure).__name__ if failure else status, delay)
            await asyncio.sleep(delay)

    async def _deferred(self, url: str, request_data: RequestData | None) -> bytes | None:
        """Queue the message in the outbox; the stand-in answer, or None if it was not."""
        name = _method(url)
        if self._defer is None or request_data is None or name not in DEFERRABLE:
            return None
        if request_data.contains_files:
            return None
        params = request_data.parameters
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or not isinstance(params.get("text"), str):
            return None  # e.g. an inline message, which has no chat to send to
        payload = {k: params[k] for k in _KEPT if k in params}
        try:
            await self._defer(chat_id, payload)
        except Exception as exc:  # the database is away too: let the handler fail
            log.warning("%s to chat could not be queued either: %s", name, type(exc).__name__)
            return None
        log.warning("%s is delayed: Telegram did not take it; the outbox will send it", name)
        stand_in = {"message_id": 0, "date": int(time.time()), "text": payload["text"],
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}
        return json.dumps({"ok": True, "result": stand_in}).encode()
