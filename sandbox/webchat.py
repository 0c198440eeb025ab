"""The sandbox web chat: a Telegram-like page at ``/sandbox`` on the bot's own web server.

Added to the web app by the runner's ``setup_web`` hook in sandbox mode only; in production
none of these routes exist. Routes:

- ``GET  /sandbox``: the page; ``GET /sandbox/static/{app.js,style.css}``: its script and style
  (plain files, nothing from the internet).
- ``GET  /sandbox/api/cast``: the chats the page lets you play, the bot, and the sandbox's
  generation (it changes when the sandbox starts fresh).
- ``POST /sandbox/api/reset``: stop the world and start fresh (see :mod:`sandbox.mode`).
- ``/sandbox/api/emu/...``: the emulator's control API (``/_emu/...``, documented in
  :mod:`sandbox.emulator`), proxied so that the page has one origin. Only what a chat needs
  passes (reading chats and events, writing, pressing, files, creating a patient); fault
  injection and the raw request log do not.

Every POST needs the header ``X-Sandbox: 1`` (a page on another site cannot send it without
a CORS preflight, which is never granted). Files are served with a restrictive CSP and, unless
they are images, as attachments: an uploaded HTML file never runs on the page's origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from sandbox.mode import Sandbox

__all__ = ["MAX_UPLOAD", "WebChat"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
_STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
#: As much as the emulator accepts (Telegram takes uploads up to 50 MB).
MAX_UPLOAD = 60 * 1024 * 1024
_LONG_POLL_MAX = 60.0
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
             "img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; "
             "form-action 'none'; frame-ancestors 'none'")
_FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: (method, control API path pattern) the page may use.
_ALLOWED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern)) for method, pattern in (
        ("GET", r"info"),
        ("GET", r"users"),
        ("POST", r"users"),
        ("GET", r"chats"),
        ("GET", r"chats/-?[0-9]{1,20}/messages"),
        ("GET", r"events"),
        ("GET", r"commands"),
        ("GET", r"files/[A-Za-z0-9_-]{1,200}"),
        ("POST", r"send"),
        ("POST", r"press"),
        ("POST", r"press_keyboard"),
    ))

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _no_store(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def _image_type(data: bytes) -> str | None:
    """The type of a PNG, JPEG, GIF or WebP by its first bytes (photos come without one)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class WebChat:
    """The page and its API on one bot web app (a new one for each start of the bot)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._session: aiohttp.ClientSession | None = None
        self._closing = asyncio.Event()

    def install(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/sandbox", self.page)
        router.add_get("/sandbox/", self.page)
        router.add_get("/sandbox/static/{name}", self.static)
        router.add_get("/sandbox/api/cast", self.cast)
        router.add_post("/sandbox/api/reset", self._guarded(self.reset))
        router.add_route("*", "/sandbox/api/emu/{path:.+}", self.proxy)
        app.on_shutdown.append(self._on_shutdown)
        app.on_cleanup.append(self._on_cleanup)

    # ----------------------------------------------------------------- lifecycle

    async def _on_shutdown(self, _app: web.Application) -> None:
        # Before aiohttp waits for running handlers: long polls end now, not in 25 s.
        self._closing.set()

    async def _on_cleanup(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=_LONG_POLL_MAX + 15, connect=5))
        return self._session

    @staticmethod
    def _guarded(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if request.headers.get("X-Sandbox") != "1":
                return _error(403, "missing the X-Sandbox: 1 header")
            return await handler(request)

        return guarded

    # ----------------------------------------------------------------- page

    async def page(self, request: web.Request) -> web.StreamResponse:
        if request.path.endswith("/"):
            raise web.HTTPFound("/sandbox")
        body = await asyncio.to_thread((STATIC / "index.html").read_bytes)
        response = web.Response(body=body, content_type="text/html", charset="utf-8")
        response.headers["Content-Security-Policy"] = _PAGE_CSP
        return _no_store(response)

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        content_type = _STATIC_FILES.get(name)
        if content_type is None:
            raise web.HTTPNotFound()
        body = await asyncio.to_thread((STATIC / name).read_bytes)
        return _no_store(web.Response(body=body, content_type=content_type, charset="utf-8"))

    # ----------------------------------------------------------------- sandbox API

    async def cast(self, request: web.Request) -> web.StreamResponse:
        return _no_store(web.json_response({"ok": True, "result": self.sandbox.cast()},
                                           dumps=lambda v: json.dumps(v, ensure_ascii=False)))

    async def reset(self, request: web.Request) -> web.StreamResponse:
        generation = self.sandbox.generation
        self.sandbox.request_reset()
        return web.json_response({"ok": True, "result": {"generation": generation}})

    # ----------------------------------------------------------------- the emulator, proxied

    async def proxy(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if not any(method == request.method and pattern.fullmatch(path)
                   for method, pattern in _ALLOWED):
            return _error(404, "not available in the web chat")
        if request.method == "POST" and request.headers.get("X-Sandbox") != "1":
            return _error(403, "missing the X-Sandbox: 1 header")
        body: bytes | None = None
        if request.method == "POST":
            chunks = bytearray()
            async for chunk in request.content.iter_chunked(256 * 1024):
                chunks += chunk
                if len(chunks) > MAX_UPLOAD:
                    return _error(413, f"at most {MAX_UPLOAD // (1024 * 1024)} MB at a time")
            body = bytes(chunks)
        forward = asyncio.ensure_future(self._forward(request, path, body))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({forward, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            if not forward.done():
                forward.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forward
        if forward.cancelled():
            return _error(503, "the sandbox is restarting")
        return forward.result()

    async def _forward(self, request: web.Request, path: str,
                       body: bytes | None) -> web.StreamResponse:
        url = f"{self.sandbox.emulator.control_url}/{path}"
        headers = {}
        if body is not None and "Content-Type" in request.headers:
            headers["Content-Type"] = request.headers["Content-Type"]
        try:
            async with self._client().request(request.method, url, params=request.query,
                                              data=body, headers=headers) as upstream:
                payload = await upstream.read()
                content_type = upstream.headers.get("Content-Type", "application/octet-stream")
                disposition = upstream.headers.get("Content-Disposition", "")
                status = upstream.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("sandbox: the emulator did not answer %s (%s)", path.split("/")[0],
                        type(exc).__name__)
            return _error(502, "the emulator did not answer")
        response = web.Response(body=payload, status=status,
                                headers={"Content-Type": content_type})
        if path.startswith("files/") and status == 200:
            content_type = _image_type(payload) or content_type
            response.content_type = content_type.split(";", 1)[0]
            return self._file_headers(response, content_type, disposition)
        return _no_store(response)

    @staticmethod
    def _file_headers(response: web.Response, content_type: str,
                      upstream_disposition: str) -> web.StreamResponse:
        mime = content_type.split(";", 1)[0].strip().lower()
        kind = "inline" if mime in _INLINE_TYPES else "attachment"
        found = re.search(r'filename="([^"]*)"', upstream_disposition)
        name = found.group(1) if found else "file"
        fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_"
                           for c in name) or "file"
        response.headers["Content-Disposition"] = (
            f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}")
        response.headers["Content-Security-Policy"] = _FILE_CSP
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response
