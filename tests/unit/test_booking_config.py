"""Booking configuration from the data file, video links, calendar files, the reminder plan,
time zones as people type them, and small files carried in the outbox's JSON payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from telegram import InputFile

from bot.booking import (
    SHIPPED,
    BookingConfig,
    calendar_file,
    expected_due,
    load_config,
    new_room,
    reminder_plan,
    video_link,
)
from bot.outbox import api_kwargs, inline_file
from bot.texts import Texts
from bot.timezones import (
    COMMON_ZONES,
    find_zones,
    suggest_zone,
    utc_offset,
    zone_button_id,
    zone_from_id,
    zone_label,
)

H = timedelta(hours=1)


def test_shipped_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config == BookingConfig.model_validate(json.loads(SHIPPED.read_text()))
    assert config.video_link_template == "https://meet.jit.si/so-{room}"
    assert config.cutoff == 12 * H and config.window == timedelta(days=14)


def test_data_dir_file_overrides_key_by_key(tmp_path):
    (tmp_path / "booking.json").write_text(json.dumps(
        {"video_link_template": "https://video.example.org/r/{room}?x=1",
         "cancel_cutoff_hours": 24}))
    config = load_config(tmp_path)
    assert config.cancel_cutoff_hours == 24 and config.window_days == 14
    assert video_link(config, "abc") == "https://video.example.org/r/abc?x=1"


@pytest.mark.parametrize("content", [
    "{not json", "[1, 2]", json.dumps({"video_link_template": "http://insecure/{room}"}),
    json.dumps({"video_link_template": "https://no-room.example.org/"}),
    json.dumps({"cancel_cutoff_hours": -1}),
])
def test_a_bad_file_falls_back_to_the_shipped_defaults(tmp_path, content, caplog):
    (tmp_path / "booking.json").write_text(content)
    assert load_config(tmp_path) == load_config(tmp_path / "nowhere")
    assert "booking settings" in caplog.text


def test_rooms_are_unguessable():
    rooms = {new_room() for _ in range(200)}
    assert len(rooms) == 200
    assert all(len(room) == 32 and int(room, 16) >= 0 for room in rooms)


def test_calendar_file_in_the_patients_zone():
    start = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    data = calendar_file(uid="consultation-7@second-opinion", sequence=3, starts_at=start,
                         ends_at=start + 0.5 * H, zone="Asia/Ho_Chi_Minh",
                         summary="Online consultation", description="Video call",
                         link="https://meet.jit.si/so-abc", stamp=start - 48 * H)
    text = data.decode()
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20270315T200000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Ho_Chi_Minh" in text
    assert len(data) < 4000
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == start
    assert event.decoded("dtend").astimezone(UTC) == start + 0.5 * H
    assert str(event["uid"]) == "consultation-7@second-opinion" and event["sequence"] == 3
    assert str(event["location"]) == "https://meet.jit.si/so-abc"


def test_calendar_file_across_a_daylight_saving_change():
    # 09:00 in New York on each side of 2027-03-14.
    for start, local in ((datetime(2027, 3, 12, 14, 0, tzinfo=UTC), "20270312T090000"),
                         (datetime(2027, 3, 15, 13, 0, tzinfo=UTC), "20270315T090000")):
        data = calendar_file(uid="u", sequence=1, starts_at=start, ends_at=start + H,
                             zone="America/New_York", summary="s", description="d",
                             link="https://x.example.org/r", stamp=start)
        assert f"DTSTART;TZID=America/New_York:{local}" in data.decode()
        event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
        assert event.decoded("dtstart").astimezone(UTC) == start


def test_the_reminder_plan():
    config = BookingConfig()
    start = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    end = start + 0.5 * H
    plan = dict(reminder_plan(config)(start, end))
    assert plan == {"booking_24h": start - 24 * H, "booking_1h": start - H,
                    "booking_15m": start - timedelta(minutes=15),
                    "booking_followup": end + timedelta(minutes=15)}
    for kind, due in plan.items():
        assert expected_due(kind, start, end, config) == due
    assert expected_due("other", start, end, config) is None


def test_zones_as_people_type_them():
    assert find_zones("Hà Nội") == ["Asia/Ho_Chi_Minh"]
    assert find_zones("new york") == ["America/New_York"]
    assert find_zones("europe/BERLIN") == ["Europe/Berlin"]
    assert find_zones("Londn") == ["Europe/London"]
    assert find_zones("") == [] and find_zones("x" * 80) == []
    assert suggest_zone("vi", "Europe/Paris") == "Asia/Ho_Chi_Minh"
    assert suggest_zone("en", "Asia/Ho_Chi_Minh") == "Asia/Ho_Chi_Minh"
    for zone in (*COMMON_ZONES, "America/Chicago", "Pacific/Auckland"):
        assert zone_from_id(zone_button_id(zone)) == zone
    assert zone_from_id("c999") is None and zone_from_id("q1") is None
    assert zone_from_id(None) is None
    assert utc_offset("Asia/Kolkata", datetime(2027, 1, 1, tzinfo=UTC)) == "UTC+5:30"
    assert utc_offset("America/New_York", datetime(2027, 1, 1, tzinfo=UTC)) == "UTC-5"


def test_zone_labels_come_from_the_catalogs():
    texts = Texts(default_language="en", facts={})
    assert zone_label(texts, "en", "America/New_York") == "New York"
    assert zone_label(texts, "en", "America/Argentina/Buenos_Aires") == "Buenos Aires"


def test_a_small_file_travels_in_the_json_payload():
    payload = {"chat_id": 5, "caption": "c", "document": inline_file(b"BEGIN:VCALENDAR",
                                                                     "consultation.ics")}
    assert json.loads(json.dumps(payload)) == payload
    kwargs = api_kwargs(payload)
    assert isinstance(kwargs["document"], InputFile)
    assert kwargs["document"].input_file_content == b"BEGIN:VCALENDAR"
    assert kwargs["document"].filename == "consultation.ics"
    assert kwargs["document"].mimetype == "text/calendar"
    assert payload["document"]["filename"] == "consultation.ics"  # the stored row is untouched
    assert api_kwargs({"chat_id": 5, "document": "file-id-123"})["document"] == "file-id-123"
    with pytest.raises(ValueError):
        inline_file(b"x" * (300 * 1024), "big.bin")
