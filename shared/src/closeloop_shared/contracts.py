"""Generated contract documents: one JSON Schema per event type and an AsyncAPI 3.0
document, both derived from the pydantic models and the topic declarations.

``python -m closeloop_shared.contracts write`` regenerates the committed files;
``check`` exits non-zero when they drift from the models. Tests run both checks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from closeloop_shared.events import EVENT_TYPES
from closeloop_shared.events.envelope import producer_of, source_of
from closeloop_shared.topics import all_topics

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DIR = ROOT / "shared" / "schemas"
ASYNCAPI_PATH = ROOT / "docs" / "asyncapi.json"


def event_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of every registered event body, by type name, annotated with the
    CloudEvents ``source`` its producer stamps (``x-cloudevents-source``)."""
    return {
        name: {**info.model.model_json_schema(), "x-cloudevents-source": _source(name)}
        for name, info in sorted(EVENT_TYPES.items())
    }


def _source(type_name: str) -> str:
    return source_of(producer_of(type_name))


def _key_descriptions() -> dict[str, str]:
    """The Kafka key of each event type, as its topic declares it."""
    keys = {spec.name: spec.key for spec in all_topics()}
    return {name: keys[info.topic] for name, info in EVENT_TYPES.items()}


def asyncapi_document() -> dict[str, Any]:
    """An AsyncAPI 3.0 document listing every topic, its key and its events."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in all_topics():
        types = [n for n, i in EVENT_TYPES.items() if i.topic == spec.name]
        if spec.name.endswith(".dlq"):
            types = [n for n, i in EVENT_TYPES.items() if f"{i.topic}.dlq" == spec.name]
        channel_id = spec.name.replace(".", "_")
        channels[channel_id] = {
            "address": spec.name,
            "description": f"{spec.description}. Key: {spec.key}.",
            "messages": {
                t.replace(".", "_"): {"$ref": f"#/components/messages/{t.replace('.', '_')}"}
                for t in types
            },
            "bindings": {
                "kafka": {
                    "partitions": spec.partitions or 6,
                    "topicConfiguration": {
                        "cleanup.policy": ["compact" if spec.compacted else "delete"],
                        "retention.ms": spec.retention_ms,
                    },
                }
            },
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    keys = _key_descriptions()
    for name, info in sorted(EVENT_TYPES.items()):
        messages[name.replace(".", "_")] = {
            "name": name,
            "title": info.model.__name__,
            "summary": info.summary,
            "contentType": "application/json",
            "bindings": {"kafka": {"key": {"type": "string", "description": keys[name]}}},
            "headers": {
                "type": "object",
                "properties": {
                    "ce_type": {"const": name},
                    "ce_specversion": {"const": "1.0"},
                    "ce_id": {"type": "string"},
                    "ce_source": {"const": _source(name)},
                    "ce_subject": {"type": "string"},
                    "ce_time": {"type": "string"},
                },
            },
            "payload": {"$ref": f"./../shared/schemas/{name}.json"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Closeloop events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in Kafka binary mode (ce_* headers).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def expected_files() -> dict[Path, str]:
    files = {SCHEMA_DIR / f"{n}.json": render(s) for n, s in event_schemas().items()}
    files[ASYNCAPI_PATH] = render(asyncapi_document())
    return files


def drifted() -> list[str]:
    """Paths whose committed content differs from what the models generate."""
    out = [
        str(p.relative_to(ROOT))
        for p, text in expected_files().items()
        if not p.exists() or p.read_text() != text
    ]
    known = {p.name for p in expected_files()}
    out += [
        f"{p.relative_to(ROOT)} (no model)"
        for p in SCHEMA_DIR.glob("*.json")
        if p.name not in known
    ]
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["write"]:
        SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
        for path, text in expected_files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        print(f"wrote {len(expected_files())} contract files")
        return 0
    stale = drifted()
    for name in stale:
        print(f"drifted: {name}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
