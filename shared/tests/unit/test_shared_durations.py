"""ISO-8601 durations as SLA policies write them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop_shared.durations import Duration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "days", "seconds"),
    [
        ("PT15M", 0, 900),
        ("PT1H", 0, 3600),
        ("P3D", 3, 0),
        ("P5D", 5, 0),
        ("PT4H30M", 0, 16200),
        ("PT2S", 0, 2),
        ("P1DT2H", 1, 7200),
        ("PT0.5S", 0, 0.5),
        ("PT1,25S", 0, 1.25),
        ("PT1.5H", 0, 5400),
        ("pt15m", 0, 900),
        (" P7D ", 7, 0),
        ("PT0S", 0, 0),
        ("PT90M", 0, 5400),
    ],
)
def test_parse_duration_reads_days_and_working_seconds(
    text: str, days: int, seconds: float
) -> None:
    assert parse_duration(text) == Duration(days, seconds)


@pytest.mark.parametrize("text", ["P1Y", "P2M", "P1W", "P1Y2M3DT4H", "P1M2D"])
def test_parse_duration_refuses_years_months_and_weeks_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="years, months or weeks"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "P1DT", "15M", "-PT1H", "PT1H2D", "P1.5D", "PT1.5H30M", "PTXS"]
)
def test_parse_duration_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(3, 0), "P3D"),
        (Duration(0, 900), "PT15M"),
        (Duration(0, 16200), "PT4H30M"),
        (Duration(1, 7200), "P1DT2H"),
        (Duration(0, 2.5), "PT2.5S"),
        (Duration(0, 3601), "PT1H1S"),
        (Duration(0, 0), "PT0S"),
        (Duration(0, 200 * 3600), "PT200H"),
    ],
)
def test_format_duration_writes_the_shortest_iso_form(duration: Duration, text: str) -> None:
    assert format_duration(duration) == text
    assert str(duration) == text


def test_negative_durations_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="negative"):
        Duration(0, -1)
    with pytest.raises(ValueError, match="negative"):
        Duration(-1, 0)


def test_durations_add_days_and_seconds_separately() -> None:
    total = parse_duration("P1DT2H") + parse_duration("PT30M")
    assert total == Duration(1, 9000)
    assert Duration.of(hours=1, minutes=30).time.total_seconds() == 5400


@settings(max_examples=200, deadline=None)
@given(
    days=st.integers(0, 400),
    seconds=st.integers(0, 10**7),
    half=st.booleans(),
)
def test_format_then_parse_gives_the_same_duration(days: int, seconds: int, half: bool) -> None:
    duration = Duration(days, seconds + (0.5 if half else 0))
    assert parse_duration(format_duration(duration)) == duration
