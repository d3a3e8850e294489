"""Every policy and calendar version the engine knows, and which of them are current. Running
clocks keep the policy version and the calendar version they started with, so old versions
stay resolvable after a change: a clock names its calendar by *key* (``"business@3"``),
while a policy names calendars by *name* (``"business"``) and a new clock takes the name's
current version. The built-ins ``business`` (``DEFAULT_CALENDAR``), ``24x7`` and the
official calendars (``cn-mainland``, ``hk``, ``us``) answer under their bare names (version
0) whenever no stored version replaces them; ``24x7`` cannot be replaced. The default
policies (R4) are current until a policy set is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from closeloop_sla.domain.calendar import (
    ALWAYS_OPEN,
    ALWAYS_OPEN_NAME,
    BUSINESS,
    DEFAULT_CALENDAR,
    BusinessCalendar,
)
from closeloop_sla.domain.official_calendars import OFFICIAL_CALENDARS
from closeloop_sla.domain.policy import ComplaintAttributes, SlaPolicy, select_policy
from closeloop_sla.domain.policy_defaults import DEFAULT_POLICIES

BUILTIN_CALENDARS: dict[str, BusinessCalendar] = {
    BUSINESS: DEFAULT_CALENDAR,
    ALWAYS_OPEN_NAME: ALWAYS_OPEN,
    **OFFICIAL_CALENDARS,  # cn-mainland, hk, us
}


def calendar_key(name: str, version: int) -> str:
    """How a clock names the calendar version it counts in (bare name for built-ins)."""
    return name if version == 0 else f"{name}@{version}"


def same_content(a: SlaPolicy, b: SlaPolicy) -> bool:
    """True when two policies differ at most in their version number."""
    return replace(a, version=0) == replace(b, version=0)


class PolicyLibrary:
    """Policy and calendar versions, looked up by the clock engine and the API."""

    def __init__(self) -> None:
        self._policies: dict[tuple[str, int], SlaPolicy] = {}
        self._current: tuple[SlaPolicy, ...] = ()
        self._calendars: dict[str, BusinessCalendar] = dict(BUILTIN_CALENDARS)
        self._calendar_versions: dict[str, int] = {}
        self._current_calendars: dict[str, int] = {}
        self.policy_revision = 0
        self.calendar_revision = 0
        self._selected: dict[ComplaintAttributes, SlaPolicy] = {}  # few distinct combinations
        self.install_policies(DEFAULT_POLICIES, current=True, revision=0)

    # -- policies ---------------------------------------------------------------------
    @property
    def current_policies(self) -> tuple[SlaPolicy, ...]:
        """The policy set new complaints are matched against."""
        return self._current

    def install_policies(
        self, policies: Iterable[SlaPolicy], *, current: bool, revision: int | None = None
    ) -> None:
        """Remember policy versions; with ``current`` they also become the current set."""
        chosen = tuple(policies)
        for policy in chosen:
            self._policies[(policy.id, policy.version)] = policy
        if current:
            self._current = chosen
            self._selected.clear()
            if revision is not None:
                self.policy_revision = revision

    def select(self, attributes: ComplaintAttributes) -> SlaPolicy:
        """The current policy for a new complaint (see :func:`select_policy`)."""
        chosen = self._selected.get(attributes)
        if chosen is None:
            if len(self._selected) > 10_000:  # categories are free text: stay bounded
                self._selected.clear()
            chosen = self._selected[attributes] = select_policy(self._current, attributes)
        return chosen

    def policy(self, policy_id: str, version: int) -> SlaPolicy | None:
        """One policy version, current or not; ``None`` when never seen."""
        return self._policies.get((policy_id, version))

    def next_version(self, policy: SlaPolicy) -> int:
        """The version ``policy`` gets in a new set: unchanged content keeps the current
        version, anything else gets one more than the highest version of that id."""
        current = next((p for p in self._current if p.id == policy.id), None)
        if current is not None and same_content(current, policy):
            return current.version
        known = [version for (pid, version) in self._policies if pid == policy.id]
        return max(known, default=0) + 1

    # -- calendars --------------------------------------------------------------------
    def install_calendar(self, calendar: BusinessCalendar, version: int, *, current: bool) -> str:
        """Remember a calendar version (``calendar.name`` is its plain name); return its key."""
        if calendar.name == ALWAYS_OPEN_NAME:
            raise ValueError(f"the built-in calendar {ALWAYS_OPEN_NAME!r} cannot be replaced")
        key = calendar_key(calendar.name, version)
        self._calendars[key] = replace(calendar, name=key)
        self._calendar_versions[key] = version
        if current:
            self._current_calendars[calendar.name] = version
        return key

    def set_current_calendars(self, versions: dict[str, int], revision: int) -> None:
        """Make exactly these ``name → version`` current (built-ins remain as fallbacks)."""
        self._current_calendars = dict(versions)
        self.calendar_revision = revision

    def current_calendar(self, name: str) -> BusinessCalendar:
        """The version of calendar ``name`` a clock starting now counts in (KeyError if none)."""
        version = self._current_calendars.get(name)
        if version is not None:
            return self._calendars[calendar_key(name, version)]
        if name in BUILTIN_CALENDARS:
            return BUILTIN_CALENDARS[name]
        raise KeyError(f"unknown calendar {name!r}")

    def calendar(self, key: str) -> BusinessCalendar:
        """The calendar version a running clock names (KeyError if unknown)."""
        try:
            return self._calendars[key]
        except KeyError:
            raise KeyError(f"unknown calendar version {key!r}") from None

    def current_calendar_names(self) -> set[str]:
        """Names a policy may refer to: the stored current calendars and the built-ins."""
        return set(self._current_calendars) | set(BUILTIN_CALENDARS)

    def current_calendar_versions(self) -> dict[str, int]:
        """``name → version`` of the stored current calendars."""
        return dict(self._current_calendars)

    def latest_calendar_version(self, name: str) -> int:
        """The highest stored version of ``name`` (0 when only the built-in exists)."""
        versions = [v for key, v in self._calendar_versions.items() if key.split("@")[0] == name]
        return max(versions, default=0)
