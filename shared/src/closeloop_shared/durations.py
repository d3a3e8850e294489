"""The one duration grammar of Closeloop: ISO-8601 durations as policies, extensions and
events write them (``PT15M``, ``PT24H``, ``P3D``, ``P1DT2H``, ``PT1.5H``). Standard library
only, so every service's pure domain may use it.

Grammar (case-insensitive, surrounding blanks ignored)::

    duration = "P" [ n "D" ] [ "T" [ n "H" ] [ n "M" ] [ n "S" ] ]
    n        = digits, with a decimal fraction ("." or ",") allowed on the LAST part only

* At least one part; ``P``, ``PT`` and a trailing ``T`` are malformed. No sign.
* **Days are whole**: a day is a *working day* in a business calendar (Monday 10:00 →
  Tuesday 10:00), not 86,400 seconds, so ``P1D`` and ``PT24H`` mean different things and
  ``P1.5D`` is refused (write ``P1DT4H`` or ``PT12H``).
* Hours, minutes and seconds fold into one count of (working) seconds; fractions allowed.
* **Years, months and weeks are refused** with a message saying so: their length is
  ambiguous in working time (is a week 5 working days or 7?); write ``P5D``/``P7D``.

Producers pass the text they validated through unchanged; :func:`format_duration` is for
durations the system computes itself and writes the shortest form (``P1DT2H``, ``PT0S``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)
_CALENDAR_UNITS = re.compile(r"P[^T]*[YMW]")


@dataclass(frozen=True, slots=True)
class Duration:
    """``days`` working days followed by ``seconds`` of working time (both non-negative)."""

    days: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.days < 0 or self.seconds < 0:
            raise ValueError(
                f"a duration cannot be negative: days={self.days}, seconds={self.seconds}"
            )

    @classmethod
    def of(
        cls, *, days: int = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> Duration:
        """Build a duration from the usual units (hours and minutes fold into seconds)."""
        return cls(days=days, seconds=hours * 3600 + minutes * 60 + seconds)

    @property
    def time(self) -> timedelta:
        """The seconds part as a ``timedelta`` (microsecond resolution)."""
        return timedelta(seconds=self.seconds)

    @property
    def is_zero(self) -> bool:
        """True when the duration adds no time at all."""
        return self.days == 0 and self.seconds == 0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.days + other.days, self.seconds + other.seconds)

    def __str__(self) -> str:
        return format_duration(self)


def parse_duration(text: str) -> Duration:
    """Parse ``PnDTnHnMnS`` (any part optional, a fraction allowed on the last part).

    Raises ``ValueError`` naming the problem: years/months/weeks, signs, empty or malformed.
    """
    raw = text.strip().upper()
    if _CALENDAR_UNITS.match(raw):
        raise ValueError(
            f"duration {text!r} uses years, months or weeks, whose length is ambiguous in "
            "working time; write it in days or hours (e.g. P30D, P5D, PT4H)"
        )
    match = _DURATION.fullmatch(raw)
    if match is None or raw in {"P", "PT"} or raw.endswith("T"):
        raise ValueError(
            f"duration {text!r} is not an ISO-8601 duration like PT15M, PT4H30M, P3D or P1DT2H"
        )
    parts = {name: value for name, value in match.groupdict().items() if value is not None}
    fractional = [name for name, value in parts.items() if "." in value or "," in value]
    if fractional and fractional[-1] != list(parts)[-1]:
        raise ValueError(f"duration {text!r}: only the last component may have a fraction")
    amount = {name: float(value.replace(",", ".")) for name, value in parts.items()}
    return Duration.of(
        days=int(amount.get("days", 0)),
        hours=amount.get("hours", 0.0),
        minutes=amount.get("minutes", 0.0),
        seconds=amount.get("seconds", 0.0),
    )


def format_duration(duration: Duration) -> str:
    """Render ``duration`` as ISO-8601 (``P1DT2H``, ``PT4H30M``, ``PT0S`` for zero)."""
    if duration.is_zero:
        return "PT0S"
    text = f"P{duration.days}D" if duration.days else "P"
    whole = int(duration.seconds)
    fraction = round(duration.seconds - whole, 6)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    time = f"{hours}H" if hours else ""
    time += f"{minutes}M" if minutes else ""
    if seconds or fraction:
        time += f"{seconds + fraction:.6f}".rstrip("0").rstrip(".") + "S"
    return text + ("T" + time if time else "")
