"""ISO-8601 durations as SLA policies write them (``PT15M``, ``P3D``, ``P1DT12H``).

Years and months are refused: their length depends on the calendar, and an extension must
say exactly how much time it adds.
"""

from __future__ import annotations

import re
from datetime import timedelta

from closeloop_intake.domain.errors import FieldError

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """Parse ``PnWnDTnHnMnS`` (each part optional, at least one present)."""
    match = _DURATION.fullmatch(text.strip().upper())
    if not match or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        raise FieldError(field, f"'{text}' is not an ISO-8601 duration such as 'P3D' or 'PT4H'")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts)


def format_duration(value: timedelta) -> str:
    """The ISO-8601 form of a positive duration: ``timedelta(days=1, hours=2)`` → ``P1DT2H``."""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    out = f"P{days}D" if days else "P"
    return out + (f"T{time}" if time else "") if (days or time) else "PT0S"
