"""The coordinators' lines of times, read in a zone: one slot, every weekday, every day, and
the daylight-saving changes (a time that does not exist, a time that happens twice)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking import TimesError, local_instant, parse_times

NY = ZoneInfo("America/New_York")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


def test_one_slot():
    parsed = parse_times("2026-12-01 09:00 30", HCM, NOW)
    assert parsed.starts == [(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), 30)]
    assert parsed.past == parsed.nonexistent == 0


def test_weekdays_for_two_weeks_back_to_back():
    parsed = parse_times("weekdays 2026-11-30..2026-12-13 09:00-12:00 30", HCM, NOW)
    assert len(parsed.starts) == 10 * 6  # ten weekdays, six half-hours each
    days = {start.astimezone(HCM).date() for start, _ in parsed.starts}
    assert all(day.weekday() < 5 for day in days) and len(days) == 10
    first, last = parsed.starts[0][0].astimezone(HCM), parsed.starts[-1][0].astimezone(HCM)
    assert (first.date(), first.time()) == (date(2026, 11, 30), time(9, 0))
    assert (last.date(), last.time()) == (date(2026, 12, 11), time(11, 30))
    assert {minutes for _, minutes in parsed.starts} == {30}


def test_daily_includes_weekends_and_several_lines_add_up():
    parsed = parse_times("daily 2026-12-05..2026-12-06 14:00-15:00 60\n\n"
                         "2026-12-07 08:15 45", HCM, NOW)
    local = [(s.astimezone(HCM).strftime("%a %H:%M"), m) for s, m in parsed.starts]
    assert local == [("Sat 14:00", 60), ("Sun 14:00", 60), ("Mon 08:15", 45)]


def test_a_partial_slot_at_the_end_is_not_made():
    parsed = parse_times("daily 2026-12-05..2026-12-05 09:00-10:10 30", HCM, NOW)
    assert [s.astimezone(HCM).strftime("%H:%M") for s, _ in parsed.starts] == ["09:00", "09:30"]


def test_past_times_are_skipped_and_counted():
    parsed = parse_times("daily 2026-11-27..2026-11-29 09:00-10:00 60", HCM, NOW)
    # NOW is the 28th at 07:00 in Ho Chi Minh City: the 27th at 09:00 is past.
    assert parsed.past == 1 and len(parsed.starts) == 2


def test_daylight_saving_change_in_the_physicians_zone():
    # New York springs forward on 2027-03-14 (02:00 → 03:00) and falls back on 2026-11-01.
    parsed = parse_times("daily 2027-03-13..2027-03-15 09:00-10:00 60", NY, NOW)
    utc = [s for s, _ in parsed.starts]
    assert utc == [datetime(2027, 3, 13, 14, 0, tzinfo=UTC),   # EST, UTC-5
                   datetime(2027, 3, 14, 13, 0, tzinfo=UTC),   # EDT, UTC-4
                   datetime(2027, 3, 15, 13, 0, tzinfo=UTC)]
    assert [s.astimezone(NY).strftime("%H:%M") for s in utc] == ["09:00"] * 3
    # 02:30 does not exist on the day clocks spring forward: skipped and counted.
    gap = parse_times("2027-03-14 02:30 30\n2027-03-14 03:30 30", NY, NOW)
    assert gap.nonexistent == 1
    assert gap.starts == [(datetime(2027, 3, 14, 7, 30, tzinfo=UTC), 30)]


def test_an_ambiguous_time_is_its_first_occurrence():
    # 01:30 happens twice in New York on 2027-11-07: the first (EDT) is taken.
    instant = local_instant(date(2027, 11, 7), time(1, 30), NY)
    assert instant == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
    assert local_instant(date(2027, 3, 14), time(2, 30), NY) is None


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("tomorrow at nine", 1, "format"),
    ("", 1, "format"),
    ("2026-12-01 09:00 30\n2026-02-30 09:00 30", 2, "date"),
    ("2026-12-01 25:00 30", 1, "time"),
    ("2026-12-01 09:00 2", 1, "minutes"),
    ("2026-12-01 09:00 600", 1, "minutes"),
    ("weekdays 2026-12-14..2026-12-01 09:00-12:00 30", 1, "range"),
    ("weekdays 2026-12-01..2027-03-01 09:00-12:00 30", 1, "range"),
    ("weekdays 2026-12-01..2026-12-05 12:00-09:00 30", 1, "hours"),
    ("weekdays 2026-12-01..2026-12-05 09:00-09:20 30", 1, "hours"),
    ("daily 2026-12-01..2027-01-30 00:00-23:55 5", 1, "too_many"),
])
def test_lines_that_cannot_be_read(text, line, reason):
    with pytest.raises(TimesError) as caught:
        parse_times(text, HCM, NOW)
    assert (caught.value.line, caught.value.reason) == (line, reason)


def test_case_and_spacing_are_forgiven():
    parsed = parse_times("  WEEKDAYS 2026-12-01 .. 2026-12-01   9:00 - 10:00   30 ", HCM,
                         NOW)
    assert len(parsed.starts) == 2
    assert parsed.starts[0][0] == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert parsed.starts[1][0] - parsed.starts[0][0] == timedelta(minutes=30)
