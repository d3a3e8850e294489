"""One CloudEvents ``source`` convention, ``/closeloop/<service>``, in code and contracts."""

import re

from closeloop_shared.contracts import asyncapi_document, event_schemas
from closeloop_shared.events import EVENT_TYPES
from closeloop_shared.events.envelope import producer_of, source_of

SOURCE = re.compile(r"^/closeloop/(intake|routing|sla|feedback|audit)$")


def test_source_is_a_uri_reference_under_closeloop() -> None:
    assert source_of("sla") == "/closeloop/sla"
    assert producer_of("closeloop.public.complaint.changed.v1") == "intake"
    assert producer_of("closeloop.feedback.survey.sent.v1") == "feedback"


def test_every_event_schema_names_its_source() -> None:
    schemas = event_schemas()
    assert set(schemas) == set(EVENT_TYPES)
    for name, schema in schemas.items():
        assert SOURCE.match(schema["x-cloudevents-source"]), name
        assert schema["x-cloudevents-source"].endswith("/" + name.split(".")[1]) or (
            name.startswith("closeloop.public.")
        )


def test_asyncapi_pins_ce_source_and_the_real_keys() -> None:
    messages = asyncapi_document()["components"]["messages"]
    for message in messages.values():
        source = message["headers"]["properties"]["ce_source"]["const"]
        assert SOURCE.match(source), message["name"]
    audit = messages["closeloop_audit_checkpoint_signed_v1"]
    assert "closeloop-audit" in audit["bindings"]["kafka"]["key"]["description"]
    intake = messages["closeloop_intake_complaint_received_v1"]
    assert intake["bindings"]["kafka"]["key"]["description"] == "complaint id"
    channels = asyncapi_document()["channels"]
    assert "closeloop-audit" in channels["audit_checkpoints"]["description"]
