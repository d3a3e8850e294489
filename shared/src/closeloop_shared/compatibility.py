"""Backward compatibility of event schemas: a consumer built against the old schema must
still accept every event the new model produces. Breaking: removing a property, changing its
type, adding a required property, narrowing an enum, or forbidding extra properties."""

from __future__ import annotations

from typing import Any


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(schema.get("$defs", {}).get(ref.split("/")[-1], {}))
    return node


def _types(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    node = _resolve(schema, node)
    if "anyOf" in node:
        return set().union(*(_types(schema, n) for n in node["anyOf"]))
    if "enum" in node:
        return {f"enum:{v}" for v in node["enum"]}
    if "const" in node:
        return {f"enum:{node['const']}"}
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else {"any"}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Reasons why ``new`` breaks consumers of ``old`` (empty: compatible)."""
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_node in old_props.items():
        if name not in new_props:
            problems.append(f"property {name!r} was removed")
            continue
        before, after = _types(old, old_node), _types(new, new_props[name])
        if "any" in before or "any" in after:
            continue
        lost = before - after
        widened_int = lost == {"integer"} and "number" in after
        if lost and not widened_int:
            problems.append(f"property {name!r} no longer accepts {sorted(lost)}")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(added_required):
        problems.append(f"property {name!r} became required")
    return problems
