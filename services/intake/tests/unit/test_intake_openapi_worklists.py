"""OpenAPI documents the worklist and find-the-caller parameters and their response body."""

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings


def test_the_list_documents_worklists_and_the_caller_look_up() -> None:
    app, _ = bootstrap(IntakeSettings(env="test", inbound_smtp_enabled=False))
    spec = app.openapi()
    listing = spec["paths"]["/v1/complaints"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"assignee", "sort", "phone", "email", "customer_id", "name"} <= names
    sort = next(p for p in listing["parameters"] if p["name"] == "sort")
    assert sort["schema"]["enum"] == ["-received_at", "deadline", "severity"]
    schemas = spec["components"]["schemas"]
    assert "customer_history" in schemas["ComplaintPage"]["properties"]
    assert {"repeat_count", "last_complaints"} <= schemas["CustomerHistory"]["properties"].keys()
    assert {"next_deadline", "clock_state"} <= schemas["ComplaintRead"]["properties"].keys()
