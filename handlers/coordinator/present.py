"""How coordinators read a case: names of statuses, tracks, kinds and specialties, dates in the
service's time zone, ages, sizes, and the records in date order with readable file names.
Pure functions of their arguments (the catalogs come in as `Texts`)."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.texts import Texts
from conversations.intake.specialties import by_id
from storage.schemas import QuestionOut, RecordOut

FILE_TYPES: dict[str, tuple[str, str]] = {  # mime → (extension, label)
    "application/pdf": ("pdf", "PDF"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "image/heic": ("heic", "HEIC"),
    "application/dicom": ("dcm", "DICOM"),
    "text/plain": ("txt", "TXT"),
}
KINDS = ("test", "imaging", "note", "other")

R = TypeVar("R", bound=RecordOut)


def specialty_name(texts: Texts, lang: str, specialty_id: str | None) -> str:
    spec = by_id(specialty_id)
    return spec.name(lang) if spec else texts.render(lang, "co-specialty-unsure")


def status_name(texts: Texts, lang: str, status: str) -> str:
    return texts.render(lang, "co-status", status=status)


def track_name(texts: Texts, lang: str, track: str | None) -> str:
    return texts.render(lang, "co-track", track=track or "none")


def kind_key(kind: str | None) -> str:
    return kind if kind in KINDS else "other"


def kind_name(texts: Texts, lang: str, kind: str | None) -> str:
    return texts.render(lang, "co-kind", kind=kind_key(kind))


def question_text(texts: Texts, lang: str, question: QuestionOut) -> str:
    """A question as the patient chose it (suggested ones in ``lang``)."""
    if question.suggested_key:
        key = f"intake-q-{question.suggested_key}"
        if texts.has(lang, key):
            return texts.render(lang, key)
        return question.suggested_key
    return question.text or ""


def type_label(mime: str) -> str:
    return FILE_TYPES.get(mime, ("bin", mime))[1]


def extension(mime: str) -> str:
    return FILE_TYPES.get(mime, ("bin", mime))[0]


def fmt_when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def fmt_day(value: date | None, texts: Texts, lang: str) -> str:
    return value.isoformat() if value else texts.render(lang, "co-date-unknown")


def fmt_age(texts: Texts, lang: str, delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return texts.render(lang, "co-age", unit="min", n=minutes)
    if minutes < 48 * 60:
        return texts.render(lang, "co-age", unit="h", n=minutes // 60)
    return texts.render(lang, "co-age", unit="d", n=minutes // (24 * 60))


def fmt_duration(texts: Texts, lang: str, seconds: float) -> str:
    hours = round(seconds / 3600)
    return texts.render(lang, "co-duration", days=hours // 24, hours=hours % 24)


def fmt_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1024) // 1024} KB"


def holder_label(texts: Texts, lang: str, user_id: int | None, name: str | None) -> str:
    if name:
        return name
    return texts.render(lang, "co-coordinator-number", id=user_id or 0)


#: Fluent refuses a placeable longer than 2500 characters (after our HTML escaping).
MAX_PLACEABLE = 2400


def escaped_length(text: str) -> int:
    return len(html.escape(text, quote=False))


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, short enough to fill a placeable."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    while escaped_length(text) > MAX_PLACEABLE:
        text = text[:len(text) * 4 // 5].rstrip() + "…"
    return text


# -- records in date order --------------------------------------------------------------------

def in_date_order(records: Sequence[R]) -> list[R]:
    """Oldest first; records without a date last, in the order they came."""
    return sorted(records, key=lambda r: (r.record_date is None, r.record_date or date.min,
                                          r.created_at, r.id))


def file_names(records: Sequence[RecordOut]) -> dict[int, str]:
    """Readable, unique names in date order: ``2024-03-01_imaging_1.pdf``."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[int, str] = {}
    for record in in_date_order(records):
        day = record.record_date.isoformat() if record.record_date else "undated"
        kind = kind_key(record.kind)
        seen[(day, kind)] += 1
        names[record.id] = f"{day}_{kind}_{seen[(day, kind)]}.{extension(record.mime)}"
    return names
