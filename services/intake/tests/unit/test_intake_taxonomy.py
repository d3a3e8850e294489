"""Validation of category, channel and kind against a (configurable) taxonomy."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from closeloop_intake.domain.errors import FieldError
from closeloop_intake.domain.taxonomy import (
    Category,
    Channel,
    Kind,
    Taxonomy,
    validate_category,
    validate_channel,
    validate_kind,
)


def test_default_taxonomy_values_match_the_documents() -> None:
    assert {c.value for c in Category} == {
        "product_quality", "service_attitude", "business_handling", "billing", "delivery", "other"
    }  # fmt: skip
    assert {c.value for c in Channel} == {
        "phone", "web", "email", "walk_in", "social", "wechat", "third_party", "other"
    }  # fmt: skip
    assert {k.value for k in Kind} == {"complaint", "grievance", "suggestion", "praise"}


@pytest.mark.parametrize(
    ("given", "normalized"),
    [("billing", "billing"), (" Billing ", "billing"), (None, "other"), ("", "other")],
)
def test_valid_categories_are_normalized_and_missing_becomes_other(
    given: str | None, normalized: str
) -> None:
    assert validate_category(given) == normalized


def test_unknown_category_names_the_field_and_the_accepted_values() -> None:
    with pytest.raises(FieldError) as error:
        validate_category("weather")
    assert error.value.field == "category"
    assert "weather" in error.value.reason and "billing" in error.value.reason


def test_an_enterprise_taxonomy_replaces_the_default_categories() -> None:
    telecom = Taxonomy(categories=frozenset({"network", "roaming"}))
    assert validate_category("roaming", telecom) == "roaming"
    with pytest.raises(FieldError):
        validate_category("billing", telecom)
    with pytest.raises(FieldError, match="required"):
        validate_category(None, telecom)


@pytest.mark.parametrize(
    ("validate", "field", "good", "bad"),
    [(validate_channel, "channel", "WeChat", "fax"), (validate_kind, "kind", "praise", "inquiry")],
)
def test_channel_and_kind_validation(
    validate: Callable[[str | None], str], field: str, good: str, bad: str
) -> None:
    assert validate(good) == good.lower()
    with pytest.raises(FieldError) as error:
        validate(bad)
    assert error.value.field == field
    with pytest.raises(FieldError):
        validate(None)
