"""The built-in official calendars (``cn-mainland``, ``hk``, ``us``), read from the JSON
documents shipped in ``domain/official/`` that ``closeloop calendars refresh`` generates
from the ``holidays`` library. Reading package data keeps the service independent of the
library at run time; the documents say which years they cover."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from closeloop_sla.domain.calendar import NO_HOURS, BusinessCalendar, parse_ranges

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICIAL_DIR: Traversable = files(__package__).joinpath("official")


def calendar_of(document: Mapping[str, Any]) -> BusinessCalendar:
    """The domain calendar of one generated document (ValueError if it is unusable)."""
    hours = document["hours"]
    years = [int(y) for y in document["years"]]
    return BusinessCalendar(
        name=str(document["name"]),
        time_zone=str(document["time_zone"]),
        weekly_hours=tuple(parse_ranges(hours[d]) if d in hours else NO_HOURS for d in WEEKDAYS),
        holidays=frozenset(date.fromisoformat(d) for d in document["holidays"]),
        makeup_days=frozenset(date.fromisoformat(d) for d in document["makeup_days"]),
        makeup_hours=parse_ranges(document["makeup_hours"]),
        covered_until=date(max(years), 12, 31),
        provisional_years=tuple(int(y) for y in document.get("provisional_years", ())),
    )


def load_official_calendars(directory: Traversable = OFFICIAL_DIR) -> dict[str, BusinessCalendar]:
    """Every ``*.json`` document of ``directory`` as a calendar, by name."""
    found = sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    calendars = [calendar_of(json.loads(entry.read_text(encoding="utf-8"))) for entry in found]
    return {calendar.name: calendar for calendar in calendars}


OFFICIAL_CALENDARS: dict[str, BusinessCalendar] = load_official_calendars()
