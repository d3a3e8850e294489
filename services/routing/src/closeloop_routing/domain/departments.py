"""Departments: who works in them and to whom complaints escalate (R3).

Raw form (``PUT /v1/routing/departments``)::

    [{"id": "billing", "name": "账务部", "members": ["agent-1", "agent-2"],
      "supervisor": "sup-1", "leader": "lead-1", "special_team": ["legal-1", "tech-1"],
      "contacts": {"sup-1": "sup-1@example.com"}, "on_call": "sup-1",
      "working_hours": {"timezone": "Asia/Shanghai", "days": [1, 2, 3, 4, 5],
                        "start": "09:00", "end": "18:00"}}]

``contacts`` (the staff directory's e-mail addresses), ``on_call`` (who gets breaches and
urgent complaints at any hour) and ``working_hours`` (when everybody else is told) are
optional; feedback learns them from the directory routing publishes.

Every department needs a supervisor and a leader, because escalation must always have
somebody to go to (R3: a stalled complaint must be impossible to miss).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_FIELDS = frozenset(
    {
        "id",
        "name",
        "members",
        "supervisor",
        "leader",
        "special_team",
        "contacts",
        "on_call",
        "working_hours",
    }
)
_HOURS_FIELDS = frozenset({"timezone", "days", "start", "end"})
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Department:
    """A department, its agents, its supervisor and leader, and its major-complaint team."""

    id: str
    name: str
    supervisor: str
    leader: str
    members: tuple[str, ...] = ()
    special_team: tuple[str, ...] = ()
    contacts: Mapping[str, str] = field(default_factory=dict)  # person → e-mail
    on_call: str | None = None
    working_hours: Mapping[str, Any] | None = None  # {timezone, days (1 = Monday), start, end}


def _text(errors: list[str], where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(
            f"{where}: {'is required' if value is None else 'must be a non-empty string'}"
        )
        return ""
    return value.strip()


def _names(errors: list[str], where: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}: must be a list of non-empty strings")
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value))


def _parse_department(errors: list[str], index: int, raw: object) -> Department | None:
    where = f"departments[{index}]"
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: must be an object")
        return None
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        where = f"{where} (id '{raw['id'].strip()}')"
    for key in sorted(set(raw) - _FIELDS, key=str):
        errors.append(f"{where}.{key}: unknown field; known: {sorted(_FIELDS)}")
    return Department(
        id=_text(errors, f"{where}.id", raw.get("id")),
        name=_text(errors, f"{where}.name", raw.get("name")),
        supervisor=_text(errors, f"{where}.supervisor", raw.get("supervisor")),
        leader=_text(errors, f"{where}.leader", raw.get("leader")),
        members=_names(errors, f"{where}.members", raw.get("members")),
        special_team=_names(errors, f"{where}.special_team", raw.get("special_team")),
        contacts=_contacts(errors, f"{where}.contacts", raw.get("contacts")),
        on_call=_optional_text(errors, f"{where}.on_call", raw.get("on_call")),
        working_hours=_working_hours(errors, f"{where}.working_hours", raw.get("working_hours")),
    )


def _optional_text(errors: list[str], where: str, value: object) -> str | None:
    return None if value is None else _text(errors, where, value)


def _contacts(errors: list[str], where: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.append(f"{where}: must be an object of person id → e-mail address")
        return {}
    contacts = {}
    for person, address in value.items():
        if not isinstance(address, str) or not _EMAIL.fullmatch(address.strip()):
            errors.append(f"{where}.{person}: must be an e-mail address")
            continue
        contacts[str(person).strip()] = address.strip()
    return contacts


def _working_hours(errors: list[str], where: str, value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errors.append(f"{where}: must be an object {{timezone, days, start, end}}")
        return None
    count = len(errors)
    for key in sorted(set(value) - _HOURS_FIELDS, key=str):
        errors.append(f"{where}.{key}: unknown field; known: {sorted(_HOURS_FIELDS)}")
    zone = value.get("timezone")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"{where}.timezone: unknown time zone; e.g. 'Asia/Shanghai'")
    days = value.get("days")
    if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        errors.append(f"{where}.days: must be a list of ISO weekdays 1 (Monday) to 7")
    for edge in ("start", "end"):
        if not isinstance(value.get(edge), str) or not _CLOCK.fullmatch(value[edge]):
            errors.append(f"{where}.{edge}: must be a time 'HH:MM'")
    if len(errors) == count and value["start"] >= value["end"]:
        errors.append(f"{where}.end: must be after start")
    return dict(value) if len(errors) == count else None


def validate_departments(raw: object) -> tuple[tuple[Department, ...] | None, list[str]]:
    """Parse and check raw departments; ``(departments, [])`` or ``(None, errors)``.

    Each error names the department's index (and id) and the field.
    """
    if not isinstance(raw, list):
        return None, ["departments: must be a list of department objects"]
    errors: list[str] = []
    parsed = [_parse_department(errors, index, item) for index, item in enumerate(raw)]
    departments = tuple(d for d in parsed if d is not None)
    seen: set[str] = set()
    for index, department in enumerate(parsed):
        if department is None or not department.id:
            continue
        if department.id in seen:
            errors.append(f"departments[{index}] (id '{department.id}').id: duplicate id")
        seen.add(department.id)
    return (None, errors) if errors else (departments, [])


def department_to_raw(department: Department) -> dict[str, object]:
    """The raw form of ``department``; :func:`validate_departments` of it gives it back."""
    return {
        "id": department.id,
        "name": department.name,
        "members": list(department.members),
        "supervisor": department.supervisor,
        "leader": department.leader,
        "special_team": list(department.special_team),
        "contacts": dict(department.contacts),
        "on_call": department.on_call,
        "working_hours": dict(department.working_hours) if department.working_hours else None,
    }
