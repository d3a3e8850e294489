"""Departments: who works in them and to whom complaints escalate (R3).

Raw form (``PUT /v1/routing/departments``)::

    [{"id": "billing", "name": "账务部", "members": ["agent-1", "agent-2"],
      "supervisor": "sup-1", "leader": "lead-1", "special_team": ["legal-1", "tech-1"]}]

Every department needs a supervisor and a leader, because escalation must always have
somebody to go to (R3: a stalled complaint must be impossible to miss).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_FIELDS = frozenset({"id", "name", "members", "supervisor", "leader", "special_team"})


@dataclass(frozen=True)
class Department:
    """A department, its agents, its supervisor and leader, and its major-complaint team."""

    id: str
    name: str
    supervisor: str
    leader: str
    members: tuple[str, ...] = ()
    special_team: tuple[str, ...] = ()


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
    )


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
    }
