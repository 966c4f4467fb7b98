from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from publisher.timeutil import LocalTimeError, parse_local

PARIS = ZoneInfo("Europe/Paris")


def test_local_time_is_read_in_the_zone_and_stored_in_utc() -> None:
    assert parse_local("2019-11-15T19:00", PARIS) == datetime(2019, 11, 15, 18, 0, tzinfo=UTC)
    assert parse_local("2019-07-01T12:00", PARIS) == datetime(2019, 7, 1, 10, 0, tzinfo=UTC)


def test_spring_forward_gap_is_rejected_with_both_spellings() -> None:
    with pytest.raises(LocalTimeError) as exc:
        parse_local("2019-03-31T02:30", PARIS)
    assert "does not exist" in str(exc.value)
    assert "2019-03-31T03:30+02:00" in exc.value.hint
    assert "2019-03-31T01:30+01:00" in exc.value.hint


def test_autumn_overlap_is_rejected_with_both_offsets() -> None:
    with pytest.raises(LocalTimeError) as exc:
        parse_local("2019-10-27T02:30", PARIS)
    assert "happens twice" in str(exc.value)
    assert "2019-10-27T02:30+02:00" in exc.value.hint
    assert "2019-10-27T02:30+01:00" in exc.value.hint


def test_explicit_offset_resolves_the_overlap() -> None:
    assert parse_local("2019-10-27T02:30+01:00", PARIS) == datetime(2019, 10, 27, 1, 30, tzinfo=UTC)
    assert parse_local("2019-10-27T02:30+02:00", PARIS) == datetime(2019, 10, 27, 0, 30, tzinfo=UTC)


def test_offset_that_is_not_the_zones_is_rejected() -> None:
    with pytest.raises(LocalTimeError) as exc:
        parse_local("2019-07-01T12:00+01:00", PARIS)
    assert "2019-07-01T13:00+02:00" in exc.value.hint


@pytest.mark.parametrize("text", ["tomorrow", "2019-13-01T10:00", "2019-11-15", "15/11/2019 19:00"])
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(LocalTimeError):
        parse_local(text, PARIS)
