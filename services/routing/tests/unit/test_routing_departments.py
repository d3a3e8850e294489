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


DIRECTORY = {
    "contacts": {"sup-1": "sup-1@example.com", "agent-1": " agent-1@example.com "},
    "on_call": "sup-1",
    "working_hours": {
        "timezone": "Asia/Shanghai",
        "days": [1, 2, 3],
        "start": "09:00",
        "end": "18:00",
    },
}


def test_directory_fields_parse_and_round_trip() -> None:
    from closeloop_routing.domain.departments import department_to_raw

    [department], errors = validate_departments([{**VALID, **DIRECTORY}])  # type: ignore[misc]
    assert errors == []
    assert department.contacts == {"sup-1": "sup-1@example.com", "agent-1": "agent-1@example.com"}
    assert department.on_call == "sup-1" and department.working_hours is not None
    again, _ = validate_departments([department_to_raw(department)])
    assert again == (department,)


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"contacts": {"sup-1": "not-an-address"}}, "contacts.sup-1", "e-mail address"),
        ({"contacts": ["sup-1"]}, "contacts", "must be an object"),
        (
            {
                "working_hours": {
                    "timezone": "Mars/Olympus",
                    "days": [1],
                    "start": "09:00",
                    "end": "18:00",
                }
            },
            "working_hours.timezone",
            "unknown time zone",
        ),
        (
            {
                "working_hours": {
                    "timezone": "UTC",
                    "days": [0, 8],
                    "start": "09:00",
                    "end": "18:00",
                }
            },
            "working_hours.days",
            "ISO weekdays",
        ),
        (
            {"working_hours": {"timezone": "UTC", "days": [1], "start": "9am", "end": "18:00"}},
            "working_hours.start",
            "HH:MM",
        ),
        (
            {"working_hours": {"timezone": "UTC", "days": [1], "start": "18:00", "end": "09:00"}},
            "working_hours.end",
            "after start",
        ),
        ({"on_call": ""}, "on_call", "non-empty string"),
    ],
)
def test_bad_directory_fields_are_named(change: dict[str, object], field: str, says: str) -> None:
    departments, errors = validate_departments([{**VALID, **change}])
    assert departments is None
    [error] = errors
    assert error.startswith(f"departments[0] (id 'billing').{field}:") and says in error


def test_the_published_directory_seals_the_addresses() -> None:
    from closeloop_routing.service.directory import SEAL_CONTEXT, directory_event
    from closeloop_shared.crypto import Sealer
    from closeloop_shared.events.routing import DepartmentDirectory
    from closeloop_shared.settings import DEV_PII_KEY

    [department], _ = validate_departments([{**VALID, **DIRECTORY}])  # type: ignore[misc]
    sealer = Sealer(DEV_PII_KEY)
    event = directory_event(department, 7, sealer)
    body = event.data
    assert isinstance(body, DepartmentDirectory) and event.subject == "billing"
    assert (body.version, body.on_call, body.supervisor) == (7, "sup-1", "sup-1")
    assert body.working_hours is not None and body.working_hours.days == [1, 2, 3]
    assert body.contacts_sealed is not None and "example.com" not in body.contacts_sealed
    assert sealer.open(body.contacts_sealed, context=SEAL_CONTEXT) == department.contacts
