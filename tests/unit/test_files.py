"""Content type by magic bytes, refusals, dates read from files and typed by patients."""

from __future__ import annotations

from datetime import date

import pytest

from bot.files import (
    MIME_TYPES,
    FileKind,
    Refusal,
    extract_date,
    judge,
    name_kind,
    parse_date,
    plausible,
    sniff,
)
from tests.fixtures import samples

TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(("data", "name", "kind"), [
    (samples.pdf(), "results.pdf", FileKind.PDF),
    (samples.pdf(), None, FileKind.PDF),
    (samples.jpeg(), "IMG_0001.JPG", FileKind.JPEG),
    (samples.jpeg(), "scan.jpeg", FileKind.JPEG),
    (samples.png(), "scan.png", FileKind.PNG),
    (samples.heic(), "IMG_0002.HEIC", FileKind.HEIC),
    (samples.dicom(), "IM0001.dcm", FileKind.DICOM),
    (samples.dicom(), "IM0001", FileKind.DICOM),      # DICOM files often have no extension
    (samples.text(), "notes.txt", FileKind.TEXT),
    (samples.text("Kết quả xét nghiệm: bình thường\n"), "ketqua.txt", FileKind.TEXT),
    (samples.pdf(), "report.unknownext", FileKind.PDF),  # an unknown name: content decides
])
def test_accepted_by_content(data, name, kind):
    verdict = judge(data, name)
    assert verdict.accepted and verdict.kind is kind
    assert verdict.mime == MIME_TYPES[kind]


@pytest.mark.parametrize(("data", "name", "refusal"), [
    (samples.exe(), "setup.exe", Refusal.EXECUTABLE),
    (samples.exe(), "results.pdf", Refusal.EXECUTABLE),       # a .pdf that is an EXE
    (b"\x7fELF\x02\x01\x01" + b"\0" * 64, "scan.jpg", Refusal.EXECUTABLE),
    (b"#!/bin/sh\nrm -rf /\n", "notes.txt", Refusal.EXECUTABLE),
    (samples.zip_archive(), "records.zip", Refusal.ARCHIVE),
    (samples.zip_archive(), "results.pdf", Refusal.ARCHIVE),  # a .pdf that is a ZIP
    (b"Rar!\x1a\x07\x00" + b"\0" * 32, "x.rar", Refusal.ARCHIVE),
    (b"\x1f\x8b\x08\x00" + b"\0" * 32, "x.gz", Refusal.ARCHIVE),
    (samples.zip_archive(), "letter.docx", Refusal.OFFICE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "letter.doc", Refusal.OFFICE),
    (samples.pdf(), "photo.jpg", Refusal.MISMATCH),           # a .jpg that is a PDF
    (samples.jpeg(), "results.pdf", Refusal.MISMATCH),
    (samples.png(), "scan.jpg", Refusal.MISMATCH),
    (samples.text(), "scan.dcm", Refusal.MISMATCH),
    (samples.pdf(), "run.exe", Refusal.MISMATCH),             # harmless content, lying name
    (b"", "empty.pdf", Refusal.EMPTY),
    (bytes(range(256)) * 4, "blob.bin", Refusal.UNKNOWN),
    (b"<html><script>alert(1)</script></html>", "page.txt", Refusal.UNKNOWN),
])
def test_refused(data, name, refusal):
    verdict = judge(data, name)
    assert not verdict.accepted and verdict.kind is None and verdict.mime is None
    assert verdict.refusal is refusal


def test_declared_mime_type_plays_no_part():
    # judge() takes no MIME type at all: only the bytes and the name.
    assert judge(samples.exe(), None).refusal is Refusal.EXECUTABLE


def test_sniff_labels():
    assert sniff(samples.dicom()) == FileKind.DICOM
    assert sniff(samples.heic()) == FileKind.HEIC
    assert sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf") == "unknown"
    assert sniff(b"") == "empty"
    assert name_kind("A.PDF") == FileKind.PDF and name_kind("noext") is None


@pytest.mark.parametrize(("data", "kind", "expected"), [
    (samples.pdf(date(2024, 3, 12)), FileKind.PDF, date(2024, 3, 12)),
    (samples.jpeg(date(2023, 11, 5)), FileKind.JPEG, date(2023, 11, 5)),
    (samples.heic(date(2024, 1, 20)), FileKind.HEIC, date(2024, 1, 20)),
    (samples.dicom(date(2022, 6, 30)), FileKind.DICOM, date(2022, 6, 30)),
    (samples.pdf(None), FileKind.PDF, None),
    (samples.jpeg(None), FileKind.JPEG, None),
    (samples.png(), FileKind.PNG, None),
    (samples.dicom(None), FileKind.DICOM, None),
    (samples.text(), FileKind.TEXT, None),
    (b"%PDF-1.4 broken", FileKind.PDF, None),      # a broken file has no date, no error
    (b"\xff\xd8\xff broken", FileKind.JPEG, None),
])
def test_extract_date(data, kind, expected):
    assert extract_date(data, kind, today=TODAY) == expected


def test_a_future_or_ancient_date_in_a_file_is_ignored():
    assert extract_date(samples.pdf(date(2030, 1, 1)), FileKind.PDF, today=TODAY) is None
    assert plausible(date(1850, 1, 1), today=TODAY) is None
    assert plausible(date(2026, 3, 16), today=TODAY) == date(2026, 3, 16)  # time-zone slack


@pytest.mark.parametrize(("typed", "expected"), [
    ("12/03/2024", date(2024, 3, 12)),
    ("1/3/2024", date(2024, 3, 1)),
    ("12-03-2024", date(2024, 3, 12)),
    ("12.03.2024", date(2024, 3, 12)),
    ("2024-03-12", date(2024, 3, 12)),
    ("2024/3/12", date(2024, 3, 12)),
    (" 12 / 03 / 2024 ", date(2024, 3, 12)),
    ("12/03/24", date(2024, 3, 12)),
    ("12/03/98", date(1998, 3, 12)),
    ("03/2024", date(2024, 3, 1)),
    ("15/03/2026", TODAY),
    ("16/03/2026", None),          # tomorrow
    ("31/02/2024", None),
    ("13/13/2024", None),
    ("yesterday", None),
    ("", None),
    ("12/03/1800", None),
])
def test_parse_date(typed, expected):
    assert parse_date(typed, today=TODAY) == expected
