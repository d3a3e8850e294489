"""Official holiday calendars generated from the ``holidays`` library (PyPI).

Each built-in calendar is one JSON document shipped inside the sla package, so the running
service never asks the library anything: it only reads what was generated here. A document
holds the local working hours, the holidays of the years asked (dates → names), the make-up
working days (China's 调休: weekend dates that work) with their **explicit** hours, and the
years it covers; a year whose official schedule the library does not know yet (mainland
China announces make-up days every November) is listed as provisional.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from typing import Any

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OfficialSource:
    """Where a built-in calendar comes from and the office hours it assumes."""

    country: str  # ISO 3166 code the holidays library knows
    time_zone: str
    hours: str  # Monday to Friday
    description: str
    announces_makeup_days: bool = False  # a year without any is not announced yet


OFFICIAL_SOURCES: dict[str, OfficialSource] = {
    "cn-mainland": OfficialSource(
        "CN",
        "Asia/Shanghai",
        "09:00-12:00,13:00-18:00",
        "Mainland China: State Council holidays and make-up working days (调休)",
        announces_makeup_days=True,
    ),
    "hk": OfficialSource(
        "HK", "Asia/Hong_Kong", "09:00-13:00,14:00-18:00", "Hong Kong: general holidays"
    ),
    "us": OfficialSource(
        "US", "America/New_York", "09:00-17:00", "United States: federal holidays"
    ),
}


def calendar_document(name: str, years: Iterable[int]) -> dict[str, Any]:
    """The JSON document of built-in calendar ``name`` for ``years`` (sorted, distinct)."""
    source = OFFICIAL_SOURCES[name]
    chosen = sorted(set(years))
    if not chosen:
        raise ValueError("give at least one year")
    table = holidays.country_holidays(source.country, years=chosen, language="en_US")
    holiday_names = {day.isoformat(): str(label) for day, label in sorted(table.items())}
    # weekend_workdays spans every year the library knows: keep the years asked.
    makeup = sorted(d for d in table.weekend_workdays if d.year in chosen)
    provisional = [
        year
        for year in chosen
        if source.announces_makeup_days and not any(d.year == year for d in makeup)
    ]
    return {
        "name": name,
        "description": source.description,
        "time_zone": source.time_zone,
        "hours": dict.fromkeys(WEEKDAYS[:5], source.hours),
        "holidays": holiday_names,
        "makeup_days": [d.isoformat() for d in makeup],
        "makeup_hours": source.hours,
        "years": chosen,
        "provisional_years": provisional,
        "generated_by": f"holidays {version('holidays')}",
    }


def covered_until(document: dict[str, Any]) -> date:
    """The last day whose holidays a document knows (31 December of its last year)."""
    return date(max(document["years"]), 12, 31)
