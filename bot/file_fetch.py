"""Downloading the files people send: ``getFile``, then the file's URL streamed in chunks into
one buffer of the size ``getFile`` announced.

python-telegram-bot's own download holds a file three or four times over at its peak (httpx's
chunks, their join, PTB's ``bytearray``, the caller's ``bytes``), and httpx's response sits in
a reference cycle, so its copy outlives the request until the cyclic collector runs. Here the
body goes straight from aiohttp's small read chunks into a ``bytearray`` allocated once; the
caller gets a read-only ``memoryview`` of it, which the content checks, the hash and the
sealing (`storage.records`) read without copying.

Guards: the announced size is checked against the cap before any byte is fetched; a body
longer than announced (or than the cap) is refused as soon as its first extra byte arrives, so
at most the announced size is ever held; a body shorter than announced is a failed download.
Where Telegram announces no size (``None``, or 0), the response's ``Content-Length`` sizes the
buffer, and without one the buffer grows chunk by chunk up to the cap.

The session is this module's own (plain aiohttp, not the Bot API client): created on first use,
closed with the services.
"""

from __future__ import annotations

import logging

import aiohttp
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.files import MAX_DOWNLOAD_BYTES

log = logging.getLogger(__name__)

#: As the Bot API client: 10 s to connect, 20 s for any one read; and a bound on the whole.
TIMEOUT = aiohttp.ClientTimeout(total=300, connect=10, sock_connect=10, sock_read=20)


class FileTooBig(Exception):
    """Over the cap, or longer than announced: refused without holding more than announced."""


class DownloadFailed(Exception):
    """The file could not be fetched (Bot API error, HTTP error, network, a truncated body).
    The message names the reason without the URL (which carries the bot's token)."""


class FileFetcher:
    def __init__(self, *, limit: int = MAX_DOWNLOAD_BYTES,
                 timeout: aiohttp.ClientTimeout = TIMEOUT) -> None:
        self.limit = limit
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=True)  # proxies from the environment, as the Bot API client
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, bot: Bot, file_id: str) -> memoryview:
        """The file's bytes. Raises `FileTooBig` or `DownloadFailed`."""
        try:
            telegram_file = await bot.get_file(file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooBig from None
            raise DownloadFailed(f"getFile refused ({type(exc).__name__})") from None
        except TelegramError as exc:
            raise DownloadFailed(f"getFile failed ({type(exc).__name__})") from None
        if telegram_file.file_size is not None and telegram_file.file_size > self.limit:
            raise FileTooBig
        url = telegram_file.file_path
        if not url or not url.startswith(("https://", "http://")):
            raise DownloadFailed("no file URL (a local Bot API server is not supported)")
        return await self.download(url, telegram_file.file_size or None)

    async def download(self, url: str, announced: int | None) -> memoryview:
        """GET ``url`` into one buffer of ``announced`` bytes (None: not announced)."""
        if announced is not None and announced > self.limit:
            raise FileTooBig
        try:
            async with self._client().get(url, allow_redirects=False) as response:
                if response.status != 200:
                    raise DownloadFailed(f"HTTP {response.status}")
                return await self._read(response, announced)
        except aiohttp.ClientError as exc:
            raise DownloadFailed(type(exc).__name__) from None
        except TimeoutError:
            raise DownloadFailed("timeout") from None

    async def _read(self, response: aiohttp.ClientResponse, announced: int | None
                    ) -> memoryview:
        length = response.content_length
        cap = announced if announced is not None else self.limit
        if length is not None and length > cap:
            raise FileTooBig
        size = announced if announced is not None else length
        if size is None:
            return await self._read_growing(response)
        buffer = bytearray(size)
        with memoryview(buffer) as view:
            filled = 0
            async for chunk in response.content.iter_any():
                end = filled + len(chunk)
                if end > size:
                    raise FileTooBig
                view[filled:end] = chunk
                filled = end
        if filled != size:
            raise DownloadFailed(f"{filled} of {size} bytes")
        return memoryview(buffer).toreadonly()

    async def _read_growing(self, response: aiohttp.ClientResponse) -> memoryview:
        """No size known in advance (rare): grow up to the cap."""
        buffer = bytearray()
        async for chunk in response.content.iter_any():
            if len(buffer) + len(chunk) > self.limit:
                raise FileTooBig
            buffer += chunk
        return memoryview(buffer).toreadonly()
