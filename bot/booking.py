"""Online consultations, the parts without Telegram: configuration, video links, calendar files,
the reminder plan, the coordinators' lines of times, and dates as patients read them.

Configuration is a data file, not an environment variable (DESIGN §3's variables are a fixed
contract): ``DATA_DIR/booking.json`` overrides, key by key, the shipped
``bot/data/booking.json``::

    {"video_link_template": "https://meet.jit.si/so-{room}", "cancel_cutoff_hours": 12,
     "window_days": 14, "min_lead_minutes": 60, "followup_after_minutes": 15}

It is read on each use (a change needs no restart); a file that cannot be read or is invalid
is logged and the shipped defaults are used.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.texts import Texts

log = logging.getLogger(__name__)

FILE_NAME = "booking.json"
SHIPPED = Path(__file__).resolve().parent / "data" / FILE_NAME
ROOM_PLACEHOLDER = "{room}"

# Reminder kinds (registered by the booking flow).
KIND_DAY_BEFORE = "booking_24h"
KIND_HOUR_BEFORE = "booking_1h"
KIND_COORDINATORS = "booking_15m"
KIND_FOLLOWUP = "booking_followup"
BEFORE_START = {KIND_DAY_BEFORE: timedelta(hours=24), KIND_HOUR_BEFORE: timedelta(hours=1),
                KIND_COORDINATORS: timedelta(minutes=15)}
#: A follow-up question later than this after the consultation is no longer asked.
FOLLOWUP_USEFUL_FOR = timedelta(days=7)


class BookingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    video_link_template: str = "https://meet.jit.si/so-{room}"
    cancel_cutoff_hours: int = Field(default=12, ge=0, le=168)
    window_days: int = Field(default=14, ge=1, le=60)
    min_lead_minutes: int = Field(default=60, ge=0, le=10080)
    followup_after_minutes: int = Field(default=15, ge=0, le=1440)

    @field_validator("video_link_template")
    @classmethod
    def _template(cls, value: str) -> str:
        if value.count(ROOM_PLACEHOLDER) != 1:
            raise ValueError("must contain {room} once")
        parts = urlsplit(value.replace(ROOM_PLACEHOLDER, "room"))
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("must be an https URL")
        return value

    @property
    def cutoff(self) -> timedelta:
        return timedelta(hours=self.cancel_cutoff_hours)

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    @property
    def min_lead(self) -> timedelta:
        return timedelta(minutes=self.min_lead_minutes)

    @property
    def followup_after(self) -> timedelta:
        return timedelta(minutes=self.followup_after_minutes)


def _read(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("must be a JSON object")
    return raw


def load_config(data_dir: Path) -> BookingConfig:
    """The shipped defaults, overridden by ``DATA_DIR/booking.json`` when it is there."""
    values = _read(SHIPPED)
    path = data_dir / FILE_NAME
    if path.exists():
        try:
            values = {**values, **_read(path)}
            return BookingConfig.model_validate(values)
        except (OSError, ValueError, ValidationError) as exc:
            log.error("booking settings: cannot use %s (%s); using the shipped defaults", path,
                      type(exc).__name__)
            values = _read(SHIPPED)
    return BookingConfig.model_validate(values)


# -- video rooms and calendar files -------------------------------------------------------------

def new_room() -> str:
    """An unguessable room name (128 random bits)."""
    return secrets.token_hex(16)


def video_link(config: BookingConfig, room: str) -> str:
    return config.video_link_template.replace(ROOM_PLACEHOLDER, room)


def calendar_file(*, uid: str, sequence: int, starts_at: datetime, ends_at: datetime,
                  zone: str, summary: str, description: str, link: str, stamp: datetime,
                  cancelled: bool = False) -> bytes:
    """An iCalendar (.ics) event in ``zone`` (with its VTIMEZONE), so calendar apps show the
    right local time; the same ``uid`` with a higher ``sequence`` replaces an earlier one, and
    with ``cancelled`` (METHOD:CANCEL, STATUS:CANCELLED) takes it off the calendar."""
    from icalendar import Calendar, Event  # ~60 ms to import: only when a booking is made

    tz = ZoneInfo(zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Second Opinion//Online consultation//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(tz))
    event.add("dtend", ends_at.astimezone(tz))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", link)
    event.add("url", link)
    calendar.add_component(event)
    # The zone's rules around the event only (a VTIMEZONE since 1970 would be 3 kB).
    calendar.add_missing_timezones(first_date=(starts_at - timedelta(days=366)).date(),
                                   last_date=(ends_at + timedelta(days=366)).date())
    ics: bytes = calendar.to_ical()
    return ics


# -- reminders -----------------------------------------------------------------------------------

def reminder_plan(config: BookingConfig
                  ) -> Callable[[datetime, datetime], list[tuple[str, datetime]]]:
    """(kind, due_at) of a consultation's reminders: 24 h and 1 h before to the patient,
    15 min before to the coordinators, and the follow-up question after the end."""

    def plan(starts_at: datetime, ends_at: datetime) -> list[tuple[str, datetime]]:
        items = [(kind, starts_at - before) for kind, before in BEFORE_START.items()]
        items.append((KIND_FOLLOWUP, ends_at + config.followup_after))
        return items

    return plan


def expected_due(kind: str, starts_at: datetime, ends_at: datetime, config: BookingConfig
                 ) -> datetime | None:
    if kind in BEFORE_START:
        return starts_at - BEFORE_START[kind]
    if kind == KIND_FOLLOWUP:
        return ends_at + config.followup_after
    return None


# -- the coordinators' lines of times -------------------------------------------------------------

MAX_RANGE_DAYS = 62
MAX_SLOTS = 500
_ONE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s+(\d{1,3})$")
_BULK = re.compile(r"^(weekdays|daily)\s+(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s+"
                   r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s+(\d{1,3})$", re.IGNORECASE)


class TimesError(ValueError):
    """A line that could not be read: ``line`` (1-based) and a ``reason`` id for the texts."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class ParsedTimes:
    starts: list[tuple[datetime, int]] = field(default_factory=list)  # aware UTC, minutes
    past: int = 0
    nonexistent: int = 0  # local times skipped by a daylight-saving change


def _day(text: str, line: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TimesError(line, "date") from None


def _time(text: str, line: int) -> time:
    hours, _, minutes = text.partition(":")
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise TimesError(line, "time") from None


def _minutes(text: str, line: int) -> int:
    value = int(text)
    if not 5 <= value <= 480:
        raise TimesError(line, "minutes")
    return value


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in ``zone``; None when that time does not exist
    there (skipped by a daylight-saving change). An ambiguous time is its first occurrence."""
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def parse_times(text: str, zone: ZoneInfo, now: datetime) -> ParsedTimes:
    """Read lines like ``2026-12-01 09:00 30`` (one slot) or
    ``weekdays 2026-12-01..2026-12-14 09:00-12:00 30`` (every weekday, back-to-back slots of
    30 minutes from 9 to 12; ``daily`` for every day), in ``zone``'s local time."""
    parsed = ParsedTimes()
    lines = [line.strip() for line in text.splitlines()]
    if not any(lines):
        raise TimesError(1, "format")
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        wall: list[tuple[date, time, int]] = []
        if one := _ONE.match(line):
            wall.append((_day(one[1], number), _time(one[2], number),
                         _minutes(one[3], number)))
        elif bulk := _BULK.match(line):
            first, last = _day(bulk[2], number), _day(bulk[3], number)
            start, end = _time(bulk[4], number), _time(bulk[5], number)
            minutes = _minutes(bulk[6], number)
            if last < first or (last - first).days > MAX_RANGE_DAYS:
                raise TimesError(number, "range")
            if end <= start:
                raise TimesError(number, "hours")
            span = (datetime.combine(first, end) - datetime.combine(first, start))
            count = int(span.total_seconds() // 60) // minutes
            if count == 0:
                raise TimesError(number, "hours")
            day = first
            while day <= last:
                if bulk[1].lower() == "daily" or day.weekday() < 5:
                    for i in range(count):
                        moment = datetime.combine(day, start) + timedelta(minutes=i * minutes)
                        wall.append((day, moment.time(), minutes))
                day += timedelta(days=1)
        else:
            raise TimesError(number, "format")
        for day, clock_time, minutes in wall:
            instant = local_instant(day, clock_time, zone)
            if instant is None:
                parsed.nonexistent += 1
            elif instant <= now:
                parsed.past += 1
            else:
                parsed.starts.append((instant, minutes))
        if len(parsed.starts) > MAX_SLOTS:
            raise TimesError(number, "too_many")
    return parsed


# -- dates as people read them -----------------------------------------------------------------

def fmt_date(texts: Texts, lang: str, moment: datetime, zone: str) -> str:
    """``Tue 1 Dec 2026`` / ``Thứ Ba, 01/12/2026`` in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    # Numbers that are not selectors go in as text (Fluent would write 2026 as "2,026").
    return texts.render(lang, "booking-date", weekday=local.weekday(), day=str(local.day),
                        month=local.month, year=str(local.year))


def fmt_short_date(texts: Texts, lang: str, day: date) -> str:
    return texts.render(lang, "booking-day", weekday=day.weekday(), day=str(day.day),
                        month=day.month)


def fmt_time(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def group_by_day(starts: Sequence[datetime], zone: str) -> dict[date, int]:
    days: dict[date, int] = {}
    for start in starts:
        day = local_day(start, zone)
        days[day] = days.get(day, 0) + 1
    return days
