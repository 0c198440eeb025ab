"""Downloads of people's files (`bot.file_fetch`) against the project's Bot API emulator, and
against a plain HTTP server where the emulator cannot misbehave the way a test needs (a body
streamed without a length). The file arrives whole in one buffer of its size, is refused as
soon as it is longer than announced or than the cap, and the content checks, the date and the
sealing read that buffer without copying it."""

from __future__ import annotations

import asyncio
import io
import os
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from telegram import Bot

from bot.file_fetch import DownloadFailed, FileFetcher, FileTooBig
from bot.files import MAX_DOWNLOAD_BYTES, FileKind, extract_date, judge
from storage.records import RecordStore, sha256_hex
from tests.conftest import TOKEN

MB = 1024 * 1024


@pytest.fixture
async def tg(emulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.base_url,
                   base_file_url=emulator.base_file_url) as client:
        yield client


@pytest.fixture
async def fetcher() -> AsyncIterator[FileFetcher]:
    files = FileFetcher()
    try:
        yield files
    finally:
        await files.close()


def big_pdf(size: int, created: date = date(2024, 5, 17)) -> bytes:
    """A real PDF of about ``size`` bytes (an attached scan), with a creation date."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_attachment("scan.bin", os.urandom(size))
    writer.add_metadata({"/CreationDate": f"D:{created:%Y%m%d}101500+00'00'"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_round_trip_into_one_buffer_of_the_file_size(emulator, tg, fetcher):
    data = b"%PDF-1.4\n" + os.urandom(3 * MB)
    sent = await emulator.user("Lan").send_document(data, file_name="scan.pdf")
    assert sent.document is not None
    got = await fetcher.fetch(tg, sent.document.file_id)
    assert isinstance(got, memoryview) and got.readonly
    assert got == data
    assert type(got.obj) is bytearray and len(got.obj) == len(data)  # the one buffer, exact


async def test_refused_when_longer_than_announced(emulator, tg, fetcher):
    """Telegram announces 1,000 bytes, the file URL serves 2 MB: refused, not truncated."""
    sent = await emulator.user("Lan").send_document(b"%PDF-1.4\n" + bytes(2 * MB),
                                                    file_name="big.pdf", declared_size=1000)
    assert sent.document is not None
    with pytest.raises(FileTooBig):
        await fetcher.fetch(tg, sent.document.file_id)


async def test_failed_when_shorter_than_announced(emulator, tg, fetcher):
    sent = await emulator.user("Lan").send_document(b"%PDF-1.4\n" + bytes(1000),
                                                    file_name="cut.pdf", declared_size=5000)
    assert sent.document is not None
    with pytest.raises(DownloadFailed, match="1009 of 5000 bytes"):
        await fetcher.fetch(tg, sent.document.file_id)


async def test_size_not_announced_is_taken_from_the_response(emulator, tg, fetcher):
    data = b"%PDF-1.4\n" + os.urandom(100_000)
    sent = await emulator.user("Lan").send_document(data, file_name="zero.pdf",
                                                    declared_size=0)
    assert sent.document is not None
    got = await fetcher.fetch(tg, sent.document.file_id)
    assert got == data and len(got.obj) == len(data)


async def test_announced_over_the_cap_is_refused_before_any_download(emulator, tg):
    """Over this fetcher's cap by getFile's own answer: nothing is fetched; over Telegram's
    20 MB, Telegram's getFile refuses (the emulator too) and that is "too big" as well."""
    small = FileFetcher(limit=1 * MB)
    try:
        data = b"%PDF-1.4\n" + bytes(2 * MB)
        sent = await emulator.user("Lan").send_document(data, file_name="big.pdf")
        assert sent.document is not None
        with pytest.raises(FileTooBig):
            await small.fetch(tg, sent.document.file_id)
        assert small._session is None  # refused before a connection was even opened
        with pytest.raises(FileTooBig):
            await small.download(f"{emulator.base_file_url}{TOKEN}/nowhere", 1 * MB + 1)
        assert small._session is None
    finally:
        await small.close()

    fetcher = FileFetcher()
    try:
        huge = await emulator.user("Minh").send_document(
            b"%PDF-1.4 tiny", file_name="huge.pdf", declared_size=MAX_DOWNLOAD_BYTES + 1)
        assert huge.document is not None
        with pytest.raises(FileTooBig):
            await fetcher.fetch(tg, huge.document.file_id)
    finally:
        await fetcher.close()
    assert [r.description for r in emulator.bad_requests] == ["Bad Request: file is too big"]
    emulator.clear_refused()  # the refusal this test asked for


async def test_unknown_file_fails(emulator, tg, fetcher):
    with pytest.raises(DownloadFailed, match="getFile refused"):
        await fetcher.fetch(tg, "BQACAgIAAxkBAAIBnowhere")
    with pytest.raises(DownloadFailed, match="HTTP 404"):
        await fetcher.download(f"{emulator.base_file_url}{TOKEN}/documents/none.pdf", 10)
    assert len(emulator.bad_requests) == 1
    emulator.clear_refused()  # the refusal this test asked for


@dataclass
class Server:
    url: str
    sent: list[int]  # bytes /stream sent, one entry per request once it ended
    payload: bytes = b""  # what /file serves


@pytest.fixture
async def streaming_server() -> AsyncIterator[Server]:
    """A plain HTTP server: /stream sends 64 kB chunks without a Content-Length, until
    ``?total=`` bytes or the client hangs up; /file sends ``payload`` in 64 kB chunks with its
    Content-Length, as Telegram's file server does, holding no copy of its own."""
    server = Server("", [])
    sent = server.sent

    async def file(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = len(server.payload)
        await response.prepare(request)
        view = memoryview(server.payload)
        for start in range(0, len(view), 65536):
            await response.write(view[start:start + 65536])
        await response.write_eof()
        return response

    async def stream(request: web.Request) -> web.StreamResponse:
        total = int(request.query["total"])
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        count = 0
        try:
            while count < total:
                chunk = b"x" * min(65536, total - count)
                await response.write(chunk)
                count += len(chunk)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading: what the refusal should do
        finally:
            sent.append(count)
        return response

    app = web.Application()
    app.router.add_get("/stream", stream)
    app.router.add_get("/file", file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


async def test_streamed_body_over_the_announced_size_is_cut_off(streaming_server):
    url, sent = f"{streaming_server.url}/stream", streaming_server.sent
    fetcher = FileFetcher(limit=4 * MB)
    try:
        assert await fetcher.download(f"{url}?total=300000", 300_000) == b"x" * 300_000
        with pytest.raises(FileTooBig):
            await fetcher.download(f"{url}?total={64 * MB}", 200_000)
        with pytest.raises(FileTooBig):  # nothing announced: the cap
            await fetcher.download(f"{url}?total={64 * MB}", None)
        got = await fetcher.download(f"{url}?total=500000", None)
        assert got == b"x" * 500_000
    finally:
        await fetcher.close()
    for _ in range(100):
        if len(sent) == 4:
            break
        await asyncio.sleep(0.05)
    # The two refusals hung up long before the 64 MB: the server could send little more
    # than what fits in the socket buffers.
    assert sent[0] == 300_000 and sent[3] == 500_000
    assert sent[1] < 16 * MB and sent[2] < 20 * MB


async def test_no_whole_file_copy_from_download_to_sealed_blob(streaming_server, fetcher,
                                                                tmp_path: Path):
    """Traced allocations from the download to the sealed blob: the download buffer and the
    blob (each the file's size), not the 3-4 copies python-telegram-bot's download made.
    (The file comes from a server that holds no copy: the emulator's whole-body response
    would be counted too, in this process.)"""
    data = big_pdf(8 * MB)
    size = len(data)
    streaming_server.payload = data
    store = RecordStore(tmp_path / "records", [os.urandom(32)])
    tracemalloc.start()
    try:
        got = await fetcher.download(f"{streaming_server.url}/file", size)
        after_download = tracemalloc.get_traced_memory()[1]
        verdict = judge(got, "ct.pdf")
        digest = sha256_hex(got)
        found = extract_date(got, FileKind.PDF, today=date(2026, 1, 1))
        sealed = await store.put(got, sha256=digest)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verdict.kind is FileKind.PDF and found == date(2024, 5, 17)
    assert after_download < size + 2 * MB, after_download / MB
    assert peak < 2 * size + 2 * MB, peak / MB
    assert sealed.sha256 == sha256_hex(data) and sealed.size == size
    back = await store.get(blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                           key_id=sealed.key_id)
    assert back == data


def test_content_checks_read_a_memoryview_as_they_read_bytes():
    from tests.fixtures import samples

    for data, name in ((samples.pdf(), "a.pdf"), (samples.jpeg(), "a.jpg"),
                       (samples.png(), "a.png"), (samples.dicom(), "a.dcm"),
                       (b"MZ\x90\x00" + bytes(200), "a.pdf"), (b"", None)):
        view = memoryview(bytearray(data)).toreadonly()
        assert judge(view, name) == judge(data, name)
        kind = judge(data, name).kind
        if kind is not None:
            today = date(2026, 1, 1)
            assert extract_date(view, kind, today=today) == extract_date(data, kind,
                                                                         today=today)


def test_open_buffer_reads_and_seeks_like_a_file():
    from bot.files import open_buffer

    backing = bytearray(b"hello world")
    with open_buffer(memoryview(backing).toreadonly()) as f:
        assert f.read(5) == b"hello" and f.tell() == 5
        assert f.seek(-3, io.SEEK_END) == 8 and f.read() == b"rld" and f.read() == b""
        assert f.seek(100) == 100 and f.read(3) == b"" and f.tell() == 100
        f.seek(2)
        into = bytearray(4)
        assert f.readinto(into) == 4 and into == b"llo "
    with pytest.raises(ValueError, match="closed"):
        f.read()
    # Closed, it no longer holds the buffer: a bytearray still exported could not grow.
    backing.extend(b"!")
    assert backing == b"hello world!"
