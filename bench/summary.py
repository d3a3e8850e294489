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


def _met(value: Any, ok: bool) -> str:
    return "—" if value is None else ("yes" if ok else "**no**")


def _bound(node: Any) -> str:
    """ "≥ " when a step's percentiles are lower bounds (some complaints never finished)."""
    return "≥ " if _get(node or {}, "percentiles_are_lower_bounds") else ""


def _latencies(node: Any) -> str:
    figures = " / ".join(_fmt(_get(node or {}, k), " ms") for k in ("p50_ms", "p99_ms", "max_ms"))
    return _bound(node) + figures


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, target, measured, target met) rows."""
    return [*_issue_10_rows(results), *pipeline_rows(results)]


def pipeline_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 19's figures: the pipeline at 50/s, the sustained rate, shedding at 3×."""
    at_50 = _get(results, "pipeline", "at_50") or {}
    created_p99 = _get(at_50, "created_201", "p99_ms")
    done_p99 = _get(at_50, "done_after_201", "p99_ms")
    sustained = _get(results, "pipeline", "sustained_per_s")
    over = _get(results, "pipeline", "overload") or {}
    over_p99 = _get(over, "done_after_201", "p99_ms")
    lost = over["accepted"] - over["done"] if over else None
    cost = at_50.get("cost_per_complaint") or {}
    return [
        (
            "Pipeline 50/s: 201 p99 / 201 → assigned-or-queued and armed p99",
            "≤ 50 ms / ≤ 250 ms",
            f"{_fmt(created_p99, ' ms')} / {_bound(at_50)}{_fmt(done_p99, ' ms')}",
            _met(done_p99, (created_p99 or 0) <= 50 and (done_p99 or 0) <= 250),
        ),
        (
            "Pipeline sustained rate (done p99 ≤ 1 s; nothing shed)",
            "≥ 200/s",
            _fmt(sustained, "/s"),
            _met(sustained, (sustained or 0) >= 200),
        ),
        (
            "Pipeline 3× sustained: shed 429 / accepted done p99 / accepted lost",
            "sheds; ≤ 1 s; 0 lost",
            f"{_fmt(over.get('shed_429'))} / {_fmt(over_p99, ' ms')} / {_fmt(lost)}",
            _met(
                over_p99, (over.get("shed_429") or 0) > 0 and (over_p99 or 0) <= 1000 and lost == 0
            ),
        ),
        (
            "Pipeline 50/s per complaint: CPU ms (all processes) / DB requests / Kafka records",
            "reported",
            f"{_fmt(_get(cost, 'cpu_ms', 'all'))} / {_fmt(_get(cost, 'database', 'requests'))}"
            f" / {_fmt(cost.get('kafka_records'))}",
            "",
        ),
    ]


def _issue_10_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    ceiling = _get(results, "db_ceiling", "single_inserts_per_s")
    at_p99 = _get(results, "intake", "rate_at_p99_le_50ms_per_s")
    share = at_p99 / ceiling if at_p99 is not None and ceiling else None
    ratio = f"{share:.0%} of the DB ceiling" if share is not None else "—"
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
    slowest = max(recovery) if recovery else None
    e2e = results.get("end_to_end") or {}
    e2e_50 = _get(e2e, "load_50pct", "p99_ms")
    caught_up = _get(sla, "recovery", "caught_up_after_s")
    audit = _get(results, "audit_verify", "entries_per_s")
    rss = sla.get("worker_peak_rss_mib")
    risk_p99 = _get(results, "at_risk", "latency", "all", "p99_ms")
    console = _get(results, "console_pages", "pages") or {}
    console_pages = {k: v for k, v in console.items() if k != "healthz_floor"}
    console_worst = _get(results, "console_pages", "worst_p99_ms")
    slowest_page = max(console_pages, key=lambda k: console_pages[k]["p99_ms"], default=None)
    db_cpu = [
        _get(results, "polling", "peer_5min_interval", "db_cpu_s_per_min"),
        _get(results, "polling", "fastest_interval", "db_cpu_s_per_min"),
        sla.get("db_cpu_s_per_min_while_detecting"),
    ]
    return [
        (
            "DB raw ceiling (single inserts/s, insert_many docs/s)",
            "measured each run",
            f"{_fmt(ceiling)} / {_fmt(_get(results, 'db_ceiling', 'insert_many_docs_per_s'))}",
            "",
        ),
        (
            "Intake complaints/s at p99 ≤ 50 ms",
            "≥ 1,000/s and ≥ 70 % of DB ceiling",
            f"{_fmt(at_p99)} ({ratio})",
            _met(at_p99, (at_p99 or 0) >= 1000 and (share or 0) >= 0.7),
        ),
        (
            "Intake saturation",
            "reported",
            f"{_fmt(_get(results, 'intake', 'saturation_per_s'))}/s",
            "",
        ),
        (
            "End to end p99 at 50 % load",
            "≤ 250 ms",
            _bound(e2e.get("load_50pct")) + _fmt(e2e_50, " ms"),
            _met(e2e_50, (e2e_50 or 0) <= 250),
        ),
        (
            "End to end p50 / p99 / max at 25 % · 50 % · 90 % load",
            "reported",
            " · ".join(_latencies(e2e.get(f"load_{p}pct")) for p in (25, 50, 90)),
            "",
        ),
        (
            f"Breach detection p50 / p99 / max at {_fmt(sla.get('open_during_detection'))} open",
            "p99 ≤ 1 s at 1,000,000 open",
            _latencies(sla.get("lag_end_to_end")),
            _met(sla_p99, (sla_p99 or 0) <= 1000),
        ),
        ("SLA worker peak RSS", "≤ 1.5 GiB", _fmt(rss, " MiB"), _met(rss, (rss or 0) <= 1536)),
        (
            "SLA worker after kill -9: ready / every overdue breach sent",
            "≤ 60 s",
            f"{_fmt(_get(sla, 'recovery', 'ready_after_s'), ' s')} / {_fmt(caught_up, ' s')}",
            _met(caught_up, (caught_up or 0) <= 60),
        ),
        (
            "Polling baseline p99 (5 min / back-to-back)",
            "ratio to Closeloop",
            f"{_fmt(poll_peer, ' ms')} / {_fmt(poll_fast, ' ms')}; " + "; ".join(vs),
            "",
        ),
        (
            "DB CPU s/min: 5-min polling / back-to-back polling / Closeloop SLA engine",
            "reported",
            " / ".join(_fmt(v) for v in db_cpu),
            "",
        ),
        (
            f"Audit verify, {_fmt(_get(results, 'audit_verify', 'entries'))} entries",
            "≥ 200,000 entries/s",
            _fmt(audit, "/s"),
            _met(audit, (audit or 0) >= 200_000),
        ),
        (
            "Service ready after kill -9 (slowest of five)",
            "≤ 60 s",
            _fmt(slowest, " s"),
            _met(slowest, (slowest or 0) <= 60),
        ),
        (
            f"At-risk list at {_fmt(_get(results, 'at_risk', 'open_complaints'))} open "
            "(p50 / p99 / max)",
            "p99 ≤ 50 ms at 10,000 open",
            _latencies(_get(results, "at_risk", "latency", "all")),
            _met(risk_p99, (risk_p99 or 0) <= 50),
        ),
        (
            f"Console pages at {_fmt(_get(results, 'console_pages', 'complaints'))} complaints, "
            f"slowest p99 ({slowest_page or '—'})",
            "p99 ≤ 100 ms per page at 10,000 complaints",
            _fmt(console_worst, " ms"),
            _met(console_worst, (console_worst or 0) <= 100),
        ),
        (
            "Console pages p50 / p99 / max, each page",
            "reported",
            " · ".join(f"{k} {_latencies(v)}" for k, v in console_pages.items()) or "—",
            "",
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
        "| figure | target | measured | met |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)],
        "",
    ]
    errors = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    if errors:
        lines += ["Scenarios that failed:", "", *[f"- {k}: {v}" for k, v in errors.items()], ""]
    return "\n".join(lines)
