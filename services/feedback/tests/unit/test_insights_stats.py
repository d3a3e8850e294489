"""Percentiles, ratios and tallies used by every insights report."""

from __future__ import annotations

import statistics

import pytest

from closeloop_feedback.domain.insights.stats import Spread, percentile, ratio, tally


@pytest.mark.parametrize(
    "values",
    [[3.0, 1.0], [5.0, 1.0, 4.0, 2.0, 3.0], [10.0, 20.0, 30.0, 40.0], [7.5] * 3 + [100.0, 0.5]],
)
def test_percentiles_interpolate_like_statistics_quantiles_inclusive(values: list[float]) -> None:
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(values, 0.5) == pytest.approx(statistics.median(values))
    assert percentile(values, 0.9) == pytest.approx(cuts[8])


def test_percentile_of_one_value_is_that_value_and_of_none_is_none() -> None:
    assert percentile([42.0], 0.9) == 42.0
    assert percentile([], 0.5) is None


def test_percentile_refuses_a_fraction_outside_zero_to_one() -> None:
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_ratio_is_rounded_and_none_when_nothing_to_divide() -> None:
    assert ratio(2, 3) == 0.6667
    assert ratio(0, 0) is None


def test_tally_orders_by_count_then_name() -> None:
    assert list(tally(["b", "a", "b", "c", "a", "b"]).items()) == [("b", 3), ("a", 2), ("c", 1)]


def test_spread_reports_count_median_and_p90() -> None:
    spread = Spread.of([60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 420.0, 480.0, 540.0, 600.0])
    assert spread.as_dict() == {"count": 10, "p50": 330.0, "p90": 546.0}
