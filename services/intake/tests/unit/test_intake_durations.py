"""ISO-8601 durations for extensions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from closeloop_intake.domain.durations import format_duration, parse_duration
from closeloop_intake.domain.errors import FieldError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("P3D", timedelta(days=3)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("pt30s", timedelta(seconds=30)),
    ],
)
def test_durations_parse(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "P1Y", "3 days", "P1DT"])
def test_durations_without_a_fixed_length_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_duration(text, field="duration")
    assert caught.value.field == "duration"


@pytest.mark.parametrize(
    "value", [timedelta(days=2), timedelta(hours=4, minutes=30), timedelta(days=1, seconds=5)]
)
def test_format_round_trips(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


def test_format_of_zero_is_pt0s() -> None:
    assert format_duration(timedelta(0)) == "PT0S"
