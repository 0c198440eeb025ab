"""What a patient's file really is, judged by its content (never by its name or declared type),
and the date it carries in its own metadata.

`judge` looks at the first bytes: PDF, JPEG, PNG, HEIC, DICOM and plain text are accepted;
executables, archives and office files are refused, and so is a file whose content does not match
its name (a ``.pdf`` that is really a ZIP, a ``.jpg`` that is a PDF). `extract_date` reads DICOM
StudyDate (pydicom), a PDF's creation date (pypdf) or a photo's EXIF DateTimeOriginal (Pillow,
pillow-heif). Both are pure functions of the bytes: no disk, no network.

Both take any bytes-like object (a download arrives as a ``memoryview`` of one buffer,
`bot.file_fetch`) and never copy the whole file: the signature is read from its first 64 kB,
and the parsers read through `open_buffer`, a file over the same memory (``io.BytesIO`` would
copy anything but ``bytes``, and copies ``bytes`` too once pypdf asks for its buffer).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import PurePath
from typing import Any, BinaryIO, cast

log = logging.getLogger(__name__)

BytesLike = bytes | bytearray | memoryview

#: Telegram lets a bot download at most 20 MB a file.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


class FileKind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    HEIC = "heic"
    DICOM = "dicom"
    TEXT = "text"


MIME_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.HEIC: "image/heic",
    FileKind.DICOM: "application/dicom",
    FileKind.TEXT: "text/plain",
}
KIND_OF_MIME = {mime: kind for kind, mime in MIME_TYPES.items()}


class Refusal(StrEnum):
    EMPTY = "empty"
    EXECUTABLE = "executable"
    ARCHIVE = "archive"
    OFFICE = "office"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verdict:
    kind: FileKind | None = None
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.kind is not None

    @property
    def mime(self) -> str | None:
        return MIME_TYPES[self.kind] if self.kind is not None else None


# -- content signatures -----------------------------------------------------------------------

_EXECUTABLE = "executable"
_ARCHIVE = "archive"
_OFFICE = "office"
_MARKUP = "markup"

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", FileKind.PDF),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"MZ", _EXECUTABLE),                       # Windows PE / DOS
    (b"\x7fELF", _EXECUTABLE),                  # Linux
    (b"\xfe\xed\xfa\xce", _EXECUTABLE),         # Mach-O
    (b"\xfe\xed\xfa\xcf", _EXECUTABLE),
    (b"\xce\xfa\xed\xfe", _EXECUTABLE),
    (b"\xcf\xfa\xed\xfe", _EXECUTABLE),
    (b"\xca\xfe\xba\xbe", _EXECUTABLE),         # Mach-O fat binary / Java class
    (b"dex\n", _EXECUTABLE),                    # Android
    (b"#!", _EXECUTABLE),                       # scripts
    (b"PK\x03\x04", _ARCHIVE),                  # ZIP (also docx, xlsx, apk, jar)
    (b"PK\x05\x06", _ARCHIVE),
    (b"PK\x07\x08", _ARCHIVE),
    (b"Rar!\x1a\x07", _ARCHIVE),
    (b"7z\xbc\xaf\x27\x1c", _ARCHIVE),
    (b"\x1f\x8b", _ARCHIVE),                    # gzip
    (b"BZh", _ARCHIVE),
    (b"\xfd7zXZ\x00", _ARCHIVE),
    (b"\x28\xb5\x2f\xfd", _ARCHIVE),            # zstd
    (b"MSCF", _ARCHIVE),                        # cabinet
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OFFICE),  # old Word / Excel
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")


#: How much of a file the signature checks read (the text check's sample is the most).
SNIFF_BYTES = 65536


def sniff(data: BytesLike) -> str:
    """A label for the content: a `FileKind` value, or executable / archive / office / markup /
    unknown / empty. Reads the first `SNIFF_BYTES` only."""
    data = bytes(memoryview(data)[:SNIFF_BYTES])
    if not data:
        return "empty"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return FileKind.DICOM
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if b"avif" not in brands and brands & _HEIF_BRANDS:
            return FileKind.HEIC
        return "unknown"
    for prefix, label in _PREFIXES:
        if data.startswith(prefix):
            return label
    if len(data) > 262 and data[257:262] == b"ustar":
        return _ARCHIVE
    if _is_text(data):
        head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith(_MARKUP_STARTS):
            return _MARKUP
        return FileKind.TEXT
    return "unknown"


def _ftyp_brands(data: bytes) -> set[bytes]:
    size = int.from_bytes(data[0:4], "big")
    end = min(max(size, 16), len(data), 256)
    brands = {data[8:12]}
    brands.update(data[i:i + 4] for i in range(16, end - 3, 4))
    return brands


def _is_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        if exc.start < len(sample) - 4:
            return False
        text = sample[:exc.start].decode("utf-8")
    if not text.strip():
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t\f")
    return printable / len(text) >= 0.97


# -- names ------------------------------------------------------------------------------------

_EXTENSIONS: dict[str, str] = {
    ".pdf": FileKind.PDF,
    ".jpg": FileKind.JPEG, ".jpeg": FileKind.JPEG, ".jpe": FileKind.JPEG,
    ".jfif": FileKind.JPEG,
    ".png": FileKind.PNG,
    ".heic": FileKind.HEIC, ".heif": FileKind.HEIC,
    ".dcm": FileKind.DICOM, ".dicom": FileKind.DICOM,
    ".txt": FileKind.TEXT, ".text": FileKind.TEXT, ".csv": FileKind.TEXT,
    **dict.fromkeys((".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".sh", ".apk",
                     ".app", ".jar", ".js", ".vbs", ".ps1", ".bin", ".elf"), _EXECUTABLE),
    **dict.fromkeys((".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst",
                     ".cab"), _ARCHIVE),
    **dict.fromkeys((".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods"),
                    _OFFICE),
    **dict.fromkeys((".html", ".htm", ".svg", ".xml"), _MARKUP),
}


def name_kind(file_name: str | None) -> str | None:
    """What the file's name claims it is (None for no extension or one we do not know)."""
    if not file_name:
        return None
    return _EXTENSIONS.get(PurePath(file_name).suffix.lower())


def judge(data: BytesLike, file_name: str | None = None) -> Verdict:
    """Accept or refuse a file by its content, and refuse it when the name says otherwise."""
    content = sniff(data)
    claimed = name_kind(file_name)
    if content == "empty":
        return Verdict(refusal=Refusal.EMPTY)
    if content == _EXECUTABLE:
        return Verdict(refusal=Refusal.EXECUTABLE)
    if content == _ARCHIVE:
        return Verdict(refusal=Refusal.OFFICE if claimed == _OFFICE else Refusal.ARCHIVE)
    if content == _OFFICE:
        return Verdict(refusal=Refusal.OFFICE)
    if content in (_MARKUP, "unknown"):
        return Verdict(refusal=Refusal.UNKNOWN)
    kind = FileKind(content)
    if claimed is not None and claimed != kind:
        return Verdict(refusal=Refusal.MISMATCH)
    if kind in (FileKind.JPEG, FileKind.PNG, FileKind.HEIC) and pixel_flood(data, kind):
        return Verdict(refusal=Refusal.UNKNOWN)
    return Verdict(kind=kind)


def pixel_flood(data: BytesLike, kind: FileKind) -> bool:
    """Whether an image's header claims more pixels than Pillow would ever decode (its
    decompression-bomb guard: a few bytes claiming 50000 x 50000 pixels). Reads the header
    only; a header Pillow cannot read is judged by its signature, as before."""
    import warnings

    from PIL import Image

    if kind is FileKind.HEIC:
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with open_buffer(data) as stream, Image.open(stream) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return True
    except Exception:  # not readable as an image header: no claim of size to judge
        return False
    limit = Image.MAX_IMAGE_PIXELS
    return limit is not None and width * height > 2 * limit


# -- reading without a copy -------------------------------------------------------------------

class BufferFile(io.RawIOBase):
    """A read-only, seekable binary file over a bytes-like object, reading from its memory.
    Not an ``io.BufferedReader``: pydicom takes one of those for a file on disk and would
    look for its name."""

    def __init__(self, data: BytesLike) -> None:
        super().__init__()
        self._view = memoryview(data).cast("B")
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def _open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def read(self, size: int | None = -1) -> bytes:
        self._open()
        start = min(self._pos, len(self._view))
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos += end - start  # past the end it stays where it was, as in a file
        return self._view[start:end].tobytes()

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer: Any) -> int:
        self._open()
        with memoryview(buffer) as target, target.cast("B") as out:
            start = min(self._pos, len(self._view))
            count = min(len(out), len(self._view) - start)
            out[:count] = self._view[start:start + count]
        self._pos += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._open()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = len(self._view) + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise OSError("negative seek position")
        self._pos = position
        return position

    def tell(self) -> int:
        self._open()
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()


def open_buffer(data: BytesLike) -> BinaryIO:
    """A binary file reading ``data`` in place (for the parsers: pypdf, Pillow, pydicom).
    Close it (``with``) so that nothing keeps the memory once the parser is done."""
    return cast(BinaryIO, BufferFile(data))  # typeshed's RawIOBase is not an IO[bytes]


# -- dates inside files -----------------------------------------------------------------------

_EARLIEST = date(1900, 1, 1)


def plausible(value: date | None, *, today: date) -> date | None:
    """A date a medical record can carry: not before 1900, not in the future (a day's slack
    for time zones)."""
    if value is None or value < _EARLIEST or value > today + timedelta(days=1):
        return None
    return value


def extract_date(data: BytesLike, kind: FileKind, *, today: date) -> date | None:
    """The date the file says it is from, or None. Never raises: a broken file has no date."""
    try:
        if kind is FileKind.DICOM:
            found = _dicom_date(data)
        elif kind is FileKind.PDF:
            found = _pdf_date(data)
        elif kind in (FileKind.JPEG, FileKind.PNG, FileKind.HEIC):
            found = _exif_date(data, heic=kind is FileKind.HEIC)
        else:
            found = None
    except Exception as exc:  # any parser error: the file simply has no readable date
        log.debug("no date in %s file (%s)", kind, type(exc).__name__)
        return None
    return plausible(found, today=today)


def _dicom_date(data: BytesLike) -> date | None:
    import pydicom

    with open_buffer(data) as stream:
        ds = pydicom.dcmread(stream, stop_before_pixels=True)
        for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
            value = str(ds.get(keyword, "") or "").strip()
            if re.fullmatch(r"\d{8}", value):
                return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    return None


def _pdf_date(data: BytesLike) -> date | None:
    from pypdf import PdfReader

    with open_buffer(data) as stream:  # closed after: a reader left in a cycle holds no file
        meta = PdfReader(stream).metadata
        if meta is None:
            return None
        created = meta.creation_date
    return created.date() if isinstance(created, datetime) else None


_HEIF_READY = False


def _exif_date(data: BytesLike, *, heic: bool) -> date | None:
    from PIL import Image

    if heic:
        _register_heif()
    with open_buffer(data) as stream, Image.open(stream) as image:
        exif = image.getexif()
        sub: Any = exif.get_ifd(0x8769)
        for value in (sub.get(36867), sub.get(36868), exif.get(306)):  # original, digitized, ...
            parsed = _exif_datetime(value)
            if parsed is not None:
                return parsed
    return None


def _register_heif() -> None:
    global _HEIF_READY
    if not _HEIF_READY:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _HEIF_READY = True


def _exif_datetime(value: object) -> date | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4})[:\-](\d{2})[:\-](\d{2})", value)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


# -- dates typed by the patient ---------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")


def parse_date(text: str, *, today: date) -> date | None:
    """A date typed in a common format: dd/mm/yyyy (also with - or .), yyyy-mm-dd, dd/mm/yy,
    or mm/yyyy (the first of that month). None if it is not one, or not plausible."""
    value = text.strip().replace(" ", "")
    try:
        if m := _YMD.match(value):
            found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := _DMY.match(value):
            year = int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000 if year <= today.year % 100 else 1900
            found = date(year, int(m.group(2)), int(m.group(1)))
        elif m := _MY.match(value):
            found = date(int(m.group(2)), int(m.group(1)), 1)
        else:
            return None
    except ValueError:
        return None
    return plausible(found, today=today) if found <= today else None
