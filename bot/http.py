"""python-telegram-bot's requests over aiohttp's client instead of httpx.

The same Bot API calls cost about a third of the CPU (benchmarks/README.md). The semantics are
those of PTB's ``HTTPXRequest``: one session per instance, opened in ``initialize`` and closed in
``shutdown``; timeouts raise ``TimedOut``, other transport failures ``NetworkError``; status codes
and the Bot API's error answers (``RetryAfter`` included) are left to ``BaseRequest``.

aiohttp has no timeout per write. ``write_timeout`` therefore bounds a request that has a body
as a whole, together with the others: pool + connect + write + read seconds from start to the
last byte of the answer (uploads here are small; a stalled one must not hang the outbox).
Downloads (GET) have no body and no such limit: each read waits at most ``read_timeout``.

Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``),
as with httpx, looked up once per origin: aiohttp's own ``trust_env`` reads the environment
again on every request (about 0.3 ms each here).
"""

from __future__ import annotations

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

Proxy = tuple[URL | None, aiohttp.BasicAuth | None]


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one ``aiohttp.ClientSession`` of at most ``connection_pool_size``
    connections. Timeouts in seconds, ``None`` for none; the defaults are PTB's."""

    __slots__ = ("_connect_timeout", "_pool_size", "_pool_timeout", "_proxies", "_read_timeout",
                 "_session", "_write_timeout")

    def __init__(self, connection_pool_size: int = 256, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar())  # the Bot API sets none: skip the work

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout

        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            # Parameters go as form fields, JSON-encoded where not strings (as with httpx).
            data = request_data.json_parameters
            files = request_data.multipart_data
            if files:
                form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names, as httpx sends
                for name, value in data.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        # aiohttp's `connect` is the wait for a pooled connection plus connecting.
        timeout = aiohttp.ClientTimeout(
            total=None if data is None else _sum(pool, connect, write, read),
            connect=_sum(pool, connect), sock_connect=connect, sock_read=read)
        proxy, proxy_auth = self._proxy_for(url)
        try:
            async with self._session.request(method, url, data=data, timeout=timeout,
                                             allow_redirects=False, proxy=proxy,
                                             proxy_auth=proxy_auth) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts all derive from it
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # Some aiohttp messages carry the URL, and the URL carries the bot's token.
            message = str(exc).replace(url, "<url>")
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {message}") from exc


    def _proxy_for(self, url: str) -> Proxy:
        origin = "/".join(url.split("/", 3)[:3])  # scheme://host[:port], without parsing
        found = self._proxies.get(origin)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(url))
            except LookupError:  # no proxy for this origin (none set, or NO_PROXY)
                found = (None, None)
            self._proxies[origin] = found
        return found


def _sum(*limits: float | None) -> float | None:
    """The time the phases may take together; None (no limit) if one of them has none."""
    total = 0.0
    for limit in limits:
        if limit is None:
            return None
        total += limit
    return total
