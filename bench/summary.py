"""The Markdown summary of a bench run: every figure next to its target."""

from __future__ import annotations

from typing import Any


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:,.1f}" if value >= 10 else f"{value:.3g}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, target, measured) rows."""
    ceiling = _get(results, "db_ceiling", "single_inserts_per_s")
    at_p99 = _get(results, "intake", "rate_at_p99_le_50ms_per_s")
    ratio = f"{at_p99 / ceiling:.0%} of the DB ceiling" if at_p99 and ceiling else "—"
    sla = results.get("sla", {}) if isinstance(results.get("sla"), dict) else {}
    poll_fast = _get(results, "polling", "fastest_interval", "p99_ms")
    poll_peer = _get(results, "polling", "peer_5min_interval", "p99_ms")
    sla_p99 = _get(results, "sla", "lag_end_to_end", "p99_ms")
    vs = []
    if sla_p99 and poll_peer:
        vs.append(f"5-min polling p99 is {poll_peer / sla_p99:,.0f}× Closeloop's")
    if sla_p99 and poll_fast:
        vs.append(f"back-to-back polling p99 is {poll_fast / sla_p99:,.1f}× Closeloop's")
    recovery = [
        float(v["ready_after_kill_s"])
        for v in (results.get("recovery") or {}).values()
        if isinstance(v, dict) and "ready_after_kill_s" in v
    ]
    return [
        (
            "DB raw ceiling (single inserts/s, insert_many docs/s)",
            "measured each run",
            f"{_fmt(ceiling)} / {_fmt(_get(results, 'db_ceiling', 'insert_many_docs_per_s'))}",
        ),
        (
            "Intake complaints/s at p99 ≤ 50 ms",
            "≥ 1,000/s and ≥ 70 % of DB ceiling",
            f"{_fmt(at_p99)} ({ratio})",
        ),
        ("Intake saturation", "reported", f"{_fmt(_get(results, 'intake', 'saturation_per_s'))}/s"),
        (
            "End to end p99 at 50 % load",
            "≤ 250 ms",
            _fmt(_get(results, "end_to_end", "load_50pct", "p99_ms"), " ms"),
        ),
        (
            "Breach detection p50 / p99 / max at 1,000,000 open",
            "p99 ≤ 1 s",
            " / ".join(
                _fmt(_get(results, "sla", "lag_end_to_end", k), " ms")
                for k in ("p50_ms", "p99_ms", "max_ms")
            ),
        ),
        ("SLA worker peak RSS", "≤ 1.5 GiB", _fmt(sla.get("worker_peak_rss_mib"), " MiB")),
        (
            "SLA recovery after kill -9 (ready / every overdue breach sent)",
            "≤ 60 s",
            f"{_fmt(_get(results, 'sla', 'recovery', 'ready_after_s'), ' s')} / "
            f"{_fmt(_get(results, 'sla', 'recovery', 'caught_up_after_s'), ' s')}",
        ),
        (
            "Polling baseline (5 min / back-to-back) p99",
            "peers' way",
            f"{_fmt(poll_peer, ' ms')} / {_fmt(poll_fast, ' ms')}; " + "; ".join(vs),
        ),
        (
            "Audit verify, 1,000,000 entries",
            "≥ 200,000 entries/s",
            _fmt(_get(results, "audit_verify", "entries_per_s"), "/s"),
        ),
        (
            "Service ready after kill -9 (max)",
            "≤ 60 s",
            _fmt(max(recovery) if recovery else None, " s"),
        ),
    ]


def render_markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    lines = [
        f"# Closeloop bench — {results.get('started_at', '')[:10]} (scale {results.get('scale')})",
        "",
        f"Machine: {m.get('cores')} cores, {m.get('memory_gib')} GiB; Python {m.get('python')}; "
        f"Kafka {m.get('kafka')}; {m.get('java')}",
        "",
        "| figure | target | measured |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows(results)],
        "",
    ]
    errors = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    if errors:
        lines += ["Scenarios that failed:", "", *[f"- {k}: {v}" for k, v in errors.items()], ""]
    return "\n".join(lines)
