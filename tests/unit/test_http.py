"""bot/http.py's AiohttpRequest against a real aiohttp server on a free port."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestServer
from telegram import InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.http import AiohttpRequest

TOKEN = "123456789:AAE_test-token-for-the-http-tests_0123"
FILE = os.urandom(300_000)


@dataclass
class Api:
    """A Bot API stand-in: what it received, and a switch that lets slow answers go."""

    server: TestServer
    received: list[dict[str, Any]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, method: str) -> str:
        return str(self.server.make_url(f"/bot{TOKEN}/{method}"))


def ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    app = web.Application()
    state = Api(TestServer(app))

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        state.received.append({"content_type": request.content_type,
                               "host": request.headers.get("Host", ""),
                               "user_agent": request.headers.get("User-Agent", ""),
                               "form": {k: v for k, v in form.items() if isinstance(v, str)}})
        return ok({k: v for k, v in form.items() if isinstance(v, str)})

    async def upload(request: web.Request) -> web.Response:
        parts = {}
        async for part in await request.multipart():
            assert isinstance(part, BodyPartReader) and part.name is not None
            parts[part.name] = {"filename": part.filename,
                                "content_type": part.headers.get("Content-Type"),
                                "data": bytes(await part.read())}
        state.received.append(parts)
        return ok(True)

    async def slow(request: web.Request) -> web.Response:
        await request.read()
        await state.release.wait()
        return ok(True)

    async def flood(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 429,
                                  "description": "Too Many Requests: retry after 7",
                                  "parameters": {"retry_after": 7}}, status=429)

    async def download(request: web.Request) -> web.Response:
        return web.Response(body=FILE, content_type="application/pdf")

    async def trickle(request: web.Request) -> web.StreamResponse:
        """Five chunks 0.4 s apart: every read is quick, the whole answer takes 2 s."""
        await request.read()
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(5):
            await asyncio.sleep(0.4)
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    app.router.add_post(f"/bot{TOKEN}/sendMessage", echo)
    app.router.add_post(f"/bot{TOKEN}/sendDocument", upload)
    app.router.add_post(f"/bot{TOKEN}/getUpdates", slow)
    app.router.add_post(f"/bot{TOKEN}/sendChatAction", flood)
    app.router.add_get(f"/file/bot{TOKEN}/documents/file_1.pdf", download)
    app.router.add_route("*", "/trickle", trickle)
    await state.server.start_server()
    yield state
    state.release.set()
    await state.server.close()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    async with AiohttpRequest(read_timeout=5, write_timeout=5, connect_timeout=5) as request:
        yield request


def params(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_form_post_round_trip(api: Api, request_: AiohttpRequest) -> None:
    markup = {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]}
    result = await request_.post(api.url("sendMessage"),
                                 params(chat_id=42, text="Xin chào — 你好", reply_markup=markup))
    # As PTB sends them with httpx: form fields, non-strings JSON-encoded.
    assert result == {"chat_id": "42", "text": "Xin chào — 你好",
                      "reply_markup": json.dumps(markup)}
    assert api.received[0]["content_type"] == "application/x-www-form-urlencoded"
    assert api.received[0]["user_agent"].startswith("python-telegram-bot")


async def test_multipart_upload_keeps_bytes_and_filename(api: Api,
                                                         request_: AiohttpRequest) -> None:
    document = InputFile(FILE, filename="lịch hẹn.ics")
    assert await request_.post(api.url("sendDocument"),
                               params(chat_id=42, document=document, caption="ok")) is True
    parts = api.received[0]
    assert parts["document"]["data"] == FILE
    assert parts["document"]["filename"] == "lịch hẹn.ics"
    assert parts["document"]["content_type"] == "text/calendar"
    assert (parts["chat_id"]["data"], parts["caption"]["data"]) == (b"42", b"ok")
    assert parts["chat_id"]["filename"] is None


@pytest.mark.parametrize("per_call", [False, True])
async def test_a_slow_answer_times_out(api: Api, per_call: bool) -> None:
    """The instance's read timeout, or the one given to the call (PTB's DEFAULT_NONE)."""
    async with AiohttpRequest(read_timeout=None if per_call else 0.3) as request:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            if per_call:
                await request.post(api.url("getUpdates"), params(offset=1), read_timeout=0.3)
            else:
                await request.post(api.url("getUpdates"), params(offset=1))
        assert time.monotonic() - started < 3


async def test_a_request_with_a_body_is_bounded_as_a_whole(api: Api) -> None:
    """aiohttp has no write timeout: a request with a body may take pool + connect + write +
    read seconds in all (1.3 here); a download only waits at most `read` for each read."""
    url = str(api.server.make_url("/trickle"))
    async with AiohttpRequest(read_timeout=1.0, write_timeout=0.1, connect_timeout=0.1,
                              pool_timeout=0.1) as request:
        with pytest.raises(TimedOut):
            await request.do_request(url, "POST", params(chat_id=1))
        assert await request.retrieve(url) == b"x" * 5000


async def test_a_full_pool_times_out(api: Api) -> None:
    async with AiohttpRequest(1, read_timeout=10, pool_timeout=0.1,
                              connect_timeout=0.1) as request:
        first = asyncio.create_task(request.post(api.url("getUpdates"), params(offset=1)))
        await asyncio.sleep(0.2)  # it holds the only connection
        with pytest.raises(TimedOut):
            await request.post(api.url("sendMessage"), params(chat_id=1, text="x"))
        api.release.set()
        assert await first is True


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert not isinstance(caught.value, TimedOut)
    assert TOKEN not in str(caught.value)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # int seconds
async def test_429_becomes_retry_after(api: Api, request_: AiohttpRequest) -> None:
    with pytest.raises(RetryAfter) as caught:
        await request_.post(api.url("sendChatAction"), params(chat_id=1, action="typing"))
    value = caught.value.retry_after
    assert (value.total_seconds() if isinstance(value, timedelta) else value) == 7


async def test_download(api: Api, request_: AiohttpRequest) -> None:
    url = str(api.server.make_url(f"/file/bot{TOKEN}/documents/file_1.pdf"))
    assert await request_.retrieve(url) == FILE


async def test_lifecycle(api: Api) -> None:
    request = AiohttpRequest()
    await request.shutdown()  # never initialized: nothing to do
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps the RuntimeError
        await request.post(api.url("sendMessage"), params(chat_id=1, text="x"))
    await request.initialize()
    session = request._session
    await request.initialize()  # twice: still one session
    assert request._session is session
    assert await request.post(api.url("sendMessage"), params(chat_id=1, text="a")) == {
        "chat_id": "1", "text": "a"}
    await request.shutdown()
    await request.shutdown()
    await request.initialize()  # again after a shutdown, like HTTPXRequest
    assert await request.post(api.url("sendMessage"), params(chat_id=1, text="b")) == {
        "chat_id": "1", "text": "b"}
    await request.shutdown()


async def test_proxy_from_the_environment_once_per_origin(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP(S)_PROXY and NO_PROXY are honoured as httpx did: here the test server is the proxy,
    so a call to a host that does not exist arrives there, naming that host."""
    proxy = f"http://127.0.0.1:{api.server.port}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    far = f"http://api.invalid/bot{TOKEN}/sendMessage"
    async with AiohttpRequest(read_timeout=5, connect_timeout=5) as request:
        assert await request.post(far, params(chat_id=1, text="via the proxy")) == {
            "chat_id": "1", "text": "via the proxy"}
        assert api.received[-1]["host"] == "api.invalid"
        # NO_PROXY: straight to the host, which does not exist.
        with pytest.raises(NetworkError):
            await request.post(f"http://direct.invalid/bot{TOKEN}/sendMessage",
                               params(chat_id=1, text="direct"))
        # Looked up once per origin: a change of the environment later is not read again.
        monkeypatch.delenv("HTTP_PROXY")
        assert await request.post(far, params(chat_id=2, text="again")) == {
            "chat_id": "2", "text": "again"}
