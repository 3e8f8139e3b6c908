from datetime import UTC, datetime

import pytest

from routing.engine.hours import next_opening, parse_opening_hours

WEEKDAYS_9_TO_18 = tuple((weekday, "09:00", "18:00") for weekday in range(5))
SAO_PAULO = "America/Sao_Paulo"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    # March 2025: the 10th is a Monday, and São Paulo is UTC-3 all year.
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def test_open_location_ships_from_now():
    now = utc(12, 15)  # Wednesday 12:00 local

    assert next_opening(now, SAO_PAULO, WEEKDAYS_9_TO_18) == now


def test_before_opening_waits_for_opening_time():
    opens = next_opening(utc(12, 10), SAO_PAULO, WEEKDAYS_9_TO_18)  # 07:00 local

    assert opens == utc(12, 12)


def test_after_closing_waits_for_next_day():
    opens = next_opening(utc(12, 22), SAO_PAULO, WEEKDAYS_9_TO_18)  # 19:00 local

    assert opens == utc(13, 12)


def test_friday_evening_waits_for_monday():
    opens = next_opening(utc(14, 22), SAO_PAULO, WEEKDAYS_9_TO_18)

    assert opens == utc(17, 12)


def test_closing_time_itself_is_closed():
    opens = next_opening(utc(12, 21), SAO_PAULO, WEEKDAYS_9_TO_18)  # 18:00 local

    assert opens == utc(13, 12)


def test_no_opening_hours_means_always_open():
    now = utc(16, 3)  # Sunday, midnight local

    assert next_opening(now, SAO_PAULO, ()) == now


def test_overnight_interval_is_open_after_midnight():
    hours = ((2, "20:00", "02:00"),)  # Wednesday 20:00 to Thursday 02:00

    now = utc(13, 4)  # Thursday 01:00 local
    assert next_opening(now, SAO_PAULO, hours) == now


def test_time_zone_of_location_is_used():
    # 12:30 UTC is 09:30 in São Paulo but 08:30 in Manaus.
    now = utc(12, 12, 30)

    assert next_opening(now, SAO_PAULO, WEEKDAYS_9_TO_18) == now
    assert next_opening(now, "America/Manaus", WEEKDAYS_9_TO_18) == utc(12, 13)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (((7, "09:00", "18:00"),), "weekday 7 must be 0 (Monday) to 6 (Sunday)"),
        (((0, "9h", "18:00"),), "opening time '9h' is not in HH:MM form"),
        (((0, "09:00", "25:00"),), "opening time '25:00' is not a time of day"),
        (((0, "09:60", "18:00"),), "opening time '09:60' is not a time of day"),
    ],
)
def test_invalid_opening_hours_raise(hours, message):
    with pytest.raises(ValueError) as error:
        parse_opening_hours(hours)

    assert str(error.value) == message


def test_unknown_time_zone_raises():
    with pytest.raises(ValueError) as error:
        next_opening(utc(12, 15), "America/Atlantis", WEEKDAYS_9_TO_18)

    assert str(error.value) == "unknown time zone 'America/Atlantis'"
