"""Policies and calendars as JSON documents: the shape of the HTTP API and of the stored
MongoDB sets, with conversion to and from the domain. Each field is validated where it is
declared, so a bad document is refused with a 422 that names the field."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from closeloop_shared.durations import format_duration, parse_duration
from closeloop_sla.domain.calendar import (
    ALWAYS_OPEN_NAME,
    BusinessCalendar,
    based_on,
    parse_ranges,
    with_inferred_coverage,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_model import DEFAULT_WARN_AT
from closeloop_sla.domain.official_calendars import OFFICIAL_CALENDARS
from closeloop_sla.domain.policy import ClockTarget, PolicyMatch, SlaPolicy

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockTargetDoc(_Doc):
    """One clock of a policy: ISO-8601 time limit, calendar name, warning fractions."""

    clock: ClockKind
    target: str = Field(examples=["PT1H", "P3D"])
    calendar: str = "business"
    warn_at: list[float] = Field(default_factory=lambda: list(DEFAULT_WARN_AT))

    @field_validator("target")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration = parse_duration(value)  # ValueError names the problem → 422
        if duration.is_zero:
            raise ValueError("the time limit must be positive")
        return format_duration(duration)

    @field_validator("warn_at")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in value):
            raise ValueError("warning fractions must lie strictly between 0 and 1")
        if any(a >= b for a, b in pairwise(value)):
            raise ValueError("warning fractions must be strictly ascending")
        return value


class PolicyMatchDoc(_Doc):
    """Allowed values per complaint attribute; omitted or null accepts any value."""

    kinds: list[str] | None = None
    severities: list[str] | None = None
    categories: list[str] | None = None
    channels: list[str] | None = None
    tiers: list[str] | None = None


class PolicyDoc(_Doc):
    """A policy as written by an administrator (the server assigns versions)."""

    id: str = Field(pattern=NAME)
    match: PolicyMatchDoc = Field(default_factory=PolicyMatchDoc)
    clocks: list[ClockTargetDoc] = Field(min_length=1)
    priority: int = 0
    description: str = Field(default="", max_length=2000)

    def to_domain(self, version: int) -> SlaPolicy:
        """The domain policy at ``version``."""
        m = self.match
        values = [m.kinds, m.severities, m.categories, m.channels, m.tiers]
        match = PolicyMatch(*(frozenset(v) if v is not None else None for v in values))
        clocks = tuple(
            ClockTarget(c.clock, parse_duration(c.target), c.calendar, tuple(c.warn_at))
            for c in self.clocks
        )
        return SlaPolicy(self.id, version, match, clocks, self.priority, self.description)


class PolicyRead(PolicyDoc):
    """A stored policy version."""

    version: int

    @classmethod
    def of(cls, policy: SlaPolicy) -> PolicyRead:
        """The document of a domain policy."""
        m = policy.match
        match = PolicyMatchDoc(
            kinds=_listed(m.kinds),
            severities=_listed(m.severities),
            categories=_listed(m.categories),
            channels=_listed(m.channels),
            tiers=_listed(m.tiers),
        )
        clocks = [
            ClockTargetDoc(
                clock=c.kind,
                target=format_duration(c.target),
                calendar=c.calendar,
                warn_at=list(c.warn_at),
            )
            for c in policy.clocks
        ]
        return cls(
            id=policy.id,
            version=policy.version,
            match=match,
            clocks=clocks,
            priority=policy.priority,
            description=policy.description,
        )


class CalendarFields(_Doc):
    """A business calendar: local working hours per weekday (``"09:00-12:00,13:00-18:00"``;
    a missing day is a day off), holidays, make-up working days with their explicit
    ``makeup_hours``, or ``always_open``. With ``base`` (a built-in official calendar such
    as ``cn-mainland``) it takes that calendar's holidays and make-up days and adds its own
    closures (``holidays``); omitted hours, make-up hours and time zone come from the base."""

    name: str = Field(pattern=NAME)
    base: str | None = Field(default=None, examples=["cn-mainland"])
    time_zone: str | None = Field(default=None, description="IANA zone; Asia/Shanghai if none")
    always_open: bool = False
    hours: dict[Weekday, str] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list)
    makeup_days: list[date] = Field(default_factory=list)
    makeup_hours: str | None = None
    covered_until: date | None = Field(
        default=None,
        description="the last date whose holidays are loaded; deadlines past it count "
        "unloaded days as working days (an SLA event and a metric say so). Default: the base's, "
        "else 31 December of the last year with a holiday or make-up day",
    )

    def to_domain(self) -> BusinessCalendar:
        """The domain calendar (named by its plain name)."""
        own = BusinessCalendar(
            name=self.name,
            time_zone=self.time_zone or DEFAULT_TIME_ZONE,
            weekly_hours=tuple(parse_ranges(self.hours.get(day, "")) for day in WEEKDAYS),
            holidays=frozenset(self.holidays),
            makeup_days=frozenset(self.makeup_days),
            makeup_hours=parse_ranges(self.makeup_hours) if self.makeup_hours else None,
            always_open=self.always_open,
            covered_until=self.covered_until,
        )
        if self.base is None:
            return with_inferred_coverage(own)
        if self.base not in OFFICIAL_CALENDARS:
            known = ", ".join(sorted(OFFICIAL_CALENDARS))
            raise ValueError(f"base {self.base!r} is not a built-in official calendar ({known})")
        return based_on(OFFICIAL_CALENDARS[self.base], own, own_zone=self.time_zone is not None)


class CalendarDoc(CalendarFields):
    """A calendar as written by an administrator (the server assigns versions)."""

    @model_validator(mode="after")
    def _buildable(self) -> CalendarDoc:
        if self.name == ALWAYS_OPEN_NAME:
            raise ValueError(f"{ALWAYS_OPEN_NAME!r} is built in and cannot be redefined")
        calendar = self.to_domain()  # ValueError names the problem → 422
        if not calendar.always_open and not any(calendar.weekly_hours):
            raise ValueError("a calendar needs working hours on some day, or always_open")
        return self


class CalendarRead(CalendarFields):
    """A calendar version; version 0 is a built-in default."""

    version: int
    builtin: bool = False
    provisional_years: list[int] = Field(
        default_factory=list, description="covered years without a published official schedule"
    )

    @classmethod
    def of(cls, calendar: BusinessCalendar, name: str, version: int) -> CalendarRead:
        """The document of a domain calendar stored under ``name``."""
        hours = {
            day: ",".join(str(r) for r in ranges)
            for day, ranges in zip(WEEKDAYS, calendar.weekly_hours, strict=True)
            if ranges
        }
        makeup = calendar.makeup_hours
        return cls.model_construct(
            name=name,
            version=version,
            builtin=version == 0,
            base=calendar.base,
            covered_until=calendar.covered_until,
            provisional_years=list(calendar.provisional_years),
            time_zone=calendar.time_zone,
            always_open=calendar.always_open,
            hours=hours,
            holidays=sorted(calendar.holidays),
            makeup_days=sorted(calendar.makeup_days),
            makeup_hours=",".join(str(r) for r in makeup) if makeup is not None else None,
        )


def _listed(values: frozenset[str] | None) -> list[str] | None:
    return sorted(values) if values is not None else None
