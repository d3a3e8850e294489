"""Department configuration is validated with errors naming the department and field."""

from __future__ import annotations

import pytest

from closeloop_routing.domain.departments import Department, validate_departments

VALID = {
    "id": "billing",
    "name": "账务部",
    "members": ["agent-1", "agent-2", "agent-1"],
    "supervisor": "sup-1",
    "leader": "lead-1",
    "special_team": ["legal-1"],
}


def test_valid_departments_parse_and_members_are_deduplicated() -> None:
    departments, errors = validate_departments([VALID])
    assert errors == []
    assert departments == (
        Department("billing", "账务部", "sup-1", "lead-1", ("agent-1", "agent-2"), ("legal-1",)),
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"supervisor": None}, "departments[0] (id 'billing').supervisor: is required"),
        ({"leader": ""}, "departments[0] (id 'billing').leader: must be a non-empty string"),
        ({"id": None}, "departments[0].id: is required"),
        ({"members": "agent-1"}, "departments[0] (id 'billing').members: must be a list"),
        ({"special_team": [1]}, "departments[0] (id 'billing').special_team: must be a list"),
        ({"head": "x"}, "departments[0] (id 'billing').head: unknown field"),
    ],
)
def test_invalid_department_errors_name_the_field(change: dict[str, object], error: str) -> None:
    departments, errors = validate_departments([{**VALID, **change}])
    assert departments is None
    assert any(e.startswith(error) for e in errors), errors


def test_duplicate_department_ids_are_refused() -> None:
    departments, errors = validate_departments([VALID, {**VALID, "name": "again"}])
    assert departments is None
    assert errors == ["departments[1] (id 'billing').id: duplicate id"]


@pytest.mark.parametrize("raw", [{"billing": VALID}, None, ["billing"]])
def test_departments_must_be_a_list_of_objects(raw: object) -> None:
    departments, errors = validate_departments(raw)
    assert departments is None and errors
