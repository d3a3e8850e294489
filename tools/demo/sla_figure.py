"""Render the key SLA figures of a bench run as one PNG for the README (docs/img/sla-figures.png).

    uv run python tools/demo/sla_figure.py bench/results/<date>.json \\
        [--sla sla-steady.json] [--demo sla-demo.json] [--out docs/img/sla-figures.png]

The bench file is what ``python -m bench`` writes (bench/__main__.py); the panels show:

- breach detection lag: Closeloop's SLA engine (deadline → breach event) next to the peers'
  way, a database poll back to back and every 5 minutes (bench/polling_baseline.py). The
  bench's SLA scenario kills the worker 30 % into the run, so its p99 also holds clocks
  that fell due just before the kill; ``--sla`` takes the lag from the JSON printed by
  ``python -m bench.sla_breach --no-kill`` instead (the steady state);
- the SLA worker's kill -9 and recovery from the bench file, with the correctness counts;
- with ``--demo``: one real breach as Prometheus saw it — the breach counter and the
  ``CloseloopSlaBreachUrgent`` alert going pending → firing. That file is written by
  tests/prometheus when ``CLOSELOOP_SLA_DEMO_OUT`` names a path.

A scenario that failed or did not run is drawn as "not measured", never invented.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "docs" / "img" / "sla-figures.png"
CLOSELOOP, PEERS, TARGET = "#1f77b4", "#b0b0b0", "#d62728"
PENDING, FIRING = "#f2c14e", "#d62728"


def load_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def dig(node: Any, *path: str) -> Any:
    """``node[path[0]][path[1]]...``, or None where anything is missing."""
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def lag_rows(
    results: dict[str, Any], sla: dict[str, Any] | None = None
) -> list[tuple[str, float | None, float | None, str]]:
    """(label, p50 ms, p99 ms, colour) of each way of detecting a breach; ``sla`` (a
    bench.sla_breach result) replaces the bench file's SLA section when given."""
    if sla is not None:
        results = results | {"sla": sla}
    # Polling back to back is only quick because it keeps the database busy: say how busy.
    db_cpu = _number(dig(results, "polling", "fastest_interval", "db_cpu_s_per_min"))
    busy = f"\n(DB CPU {db_cpu:.0f} s per minute)" if db_cpu is not None else ""
    ways = [
        ("Closeloop engine\n(deadline → breach event)", ("sla", "lag_engine"), CLOSELOOP),
        ("Closeloop end to end\n(→ event received)", ("sla", "lag_end_to_end"), CLOSELOOP),
        ("DB poll, back to back" + busy, ("polling", "fastest_interval"), PEERS),
        ("DB poll every 5 min\n(peers' default)", ("polling", "peer_5min_interval"), PEERS),
    ]
    return [
        (
            label,
            _number(dig(results, *path, "p50_ms")),
            _number(dig(results, *path, "p99_ms")),
            colour,
        )
        for label, path, colour in ways
    ]


def _not_measured(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.text(0.5, 0.5, "not measured in this run", ha="center", va="center", color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def _ms(value: float) -> str:
    return f"{value / 1000:,.1f} s" if value >= 1000 else f"{value:,.0f} ms"


def draw_detection_lag(ax: Axes, results: dict[str, Any], sla: dict[str, Any] | None) -> None:
    """Horizontal bars, log scale: p99 (solid) and p50 (hatched) per way of detecting."""
    title = "Breach detection lag after the deadline (p50 / p99, log scale)"
    rows = [r for r in lag_rows(results, sla) if r[2] is not None]
    if not rows:
        _not_measured(ax, title)
        return
    positions = list(range(len(rows)))[::-1]
    for y, (_label, p50, p99, colour) in zip(positions, rows, strict=True):
        assert p99 is not None
        ax.barh(y + 0.18, max(p99, 0.1), height=0.36, color=colour)
        ax.text(max(p99, 0.1) * 1.15, y + 0.18, f"p99 {_ms(p99)}", va="center", fontsize=8)
        if p50 is not None:
            ax.barh(y - 0.18, max(p50, 0.1), height=0.36, color=colour, alpha=0.45, hatch="//")
            ax.text(max(p50, 0.1) * 1.15, y - 0.18, f"p50 {_ms(p50)}", va="center", fontsize=8)
    ax.axvline(1000, color=TARGET, linestyle="--", linewidth=1)
    ax.text(1000, positions[0] + 0.55, " target p99 ≤ 1 s", color=TARGET, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(1, max(r[2] or 1 for r in rows) * 8)
    ax.set_yticks(positions, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.2)
    ax.set_xlabel("milliseconds after the deadline")
    source = sla if sla is not None else results.get("sla") or {}
    subtitle = ""
    if isinstance(source.get("clocks"), int):
        subtitle = f"\n{source['clocks']:,} open clocks, {source.get('rate_per_s', 0):,.0f}/s due"
        killed = dig(source, "recovery", "killed_at")
        subtitle += f", kill -9 at +{killed} s" if killed is not None else ", no kill -9"
    ax.set_title(title + subtitle, loc="left", fontsize=11, fontweight="bold")


def draw_recovery(ax: Axes, results: dict[str, Any]) -> None:
    """The SLA worker killed with SIGKILL mid-run: down, ready again, backlog emitted."""
    title = "SLA worker kill -9 mid-run: every breach still emitted, once"
    sla = results.get("sla") or {}
    recovery = sla.get("recovery") or {}
    needed = ("killed_at", "restarted_at", "caught_up_at", "ready_after_s")
    if not all(_number(recovery.get(k)) is not None for k in needed):
        _not_measured(ax, title)
        return
    killed, restarted = recovery["killed_at"], recovery["restarted_at"]
    ready, caught_up = restarted + recovery["ready_after_s"], recovery["caught_up_at"]
    phases = [
        (0.0, killed, CLOSELOOP, 0.35, "running"),
        (killed, restarted, PEERS, 1.0, "down (SIGKILL)"),
        (restarted, ready, PENDING, 1.0, "restart → ready"),
        (ready, caught_up, CLOSELOOP, 1.0, "backlog emitted"),
    ]
    for start, end, colour, alpha, label in phases:
        ax.barh(0, end - start, left=start, height=0.5, color=colour, alpha=alpha)
        ax.text((start + end) / 2, 0.38, label, ha="center", fontsize=8)
    ax.barh(0, 3, left=caught_up, height=0.5, color=CLOSELOOP, alpha=0.35)
    breaches = sla.get("breaches") or {}
    lines = [
        f"{breaches.get('received', 0):,} of {breaches.get('expected', 0):,} breaches emitted, "
        f"{breaches.get('missing', 0)} missing, {breaches.get('before_deadline', 0)} before "
        f"their deadline, {breaches.get('clocks_with_several_event_ids', 0)} with two event ids",
        f"{recovery.get('backlog_breaches', 0):,} fell due while the worker was down: all "
        f"emitted {recovery.get('caught_up_after_s')} s after the restart (target ≤ 60 s)",
    ]
    if _number(sla.get("worker_peak_rss_mib")) is not None:
        lines.append(f"worker peak RSS {sla['worker_peak_rss_mib']:.0f} MiB (target ≤ 1.5 GiB)")
    ax.text(0, -0.45, "\n".join(lines), fontsize=8.5, va="top")
    ax.set_ylim(-1.35, 0.6)
    ax.set_xlim(0, caught_up + 3)
    ax.set_yticks([])
    ax.set_xlabel("seconds after the first deadline")
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")


def lag_bound(buckets: dict[str, float]) -> float | None:
    """The smallest histogram bound (seconds) under which every detection lag fell."""
    total = buckets.get("+Inf")
    if not total:
        return None
    finite = sorted((float(le), count) for le, count in buckets.items() if le != "+Inf")
    return next((le for le, count in finite if count >= total), None)


def draw_demo(ax: Axes, demo: dict[str, Any]) -> None:
    """One real breach: the counter Prometheus scraped and the alert's pending/firing spans."""
    moments: dict[str, float] = demo["moments"]
    origin = moments["registered"]
    urgent = demo["breaches_by_severity"].get("urgent", [])
    xs = [t - origin for t, _ in urgent]
    ax.step(xs, [v for _, v in urgent], where="post", color=CLOSELOOP, linewidth=2)
    last = max(xs, default=moments["firing"] - origin + 5)
    pending, firing = moments["pending"] - origin, moments["firing"] - origin
    for state, colour, start, end in (
        ("pending", PENDING, pending, firing),
        ("firing", FIRING, firing, last),
    ):
        ax.axvspan(start, end, color=colour, alpha=0.3, linewidth=0)
        ax.text(start + 0.3, 1.2, f"alert {state}\nfrom +{start:.1f} s", color=colour, fontsize=8)
    deadline = moments["deadline"] - origin
    ax.axvline(deadline, color="black", linestyle=":", linewidth=1)
    bound = lag_bound(demo.get("detection_lag_buckets", {}))
    detected = f"\n breach event ≤ {bound * 1000:.0f} ms after it" if bound is not None else ""
    ax.text(deadline, 0.45, f" deadline +{deadline:.1f} s{detected}", fontsize=8)
    ax.set_ylim(-0.05, 1.45)
    ax.set_yticks([0, 1])
    ax.set_xlim(min(xs, default=-5.0), last)
    ax.set_xlabel(
        f"seconds after an urgent complaint was registered (first response due in {deadline:.0f} s)"
    )
    ax.set_ylabel("urgent breaches\n(scraped by Prometheus)")
    every = demo.get("group_interval_s")
    evaluated = f"\nrule evaluated every {every:g} s" if _number(every) is not None else ""
    ax.set_title(
        f"A real breach in Prometheus: {demo['alert']} pending → firing{evaluated}",
        loc="left",
        fontsize=11,
        fontweight="bold",
    )


def render(
    results: dict[str, Any],
    demo: dict[str, Any] | None,
    out: Path,
    *,
    sla: dict[str, Any] | None = None,
) -> Path:
    """Draw every panel into ``out`` (PNG) and return it."""
    rows = 3 if demo else 2
    heights = [1.25, 0.75, 0.95][:rows]
    fig, axes = plt.subplots(
        rows, 1, figsize=(10, 3.2 * rows), height_ratios=heights, constrained_layout=True
    )
    draw_detection_lag(axes[0], results, sla)
    draw_recovery(axes[1], results)
    if demo:
        draw_demo(axes[2], demo)
    machine = results.get("machine") or {}
    load = dig(sla if sla is not None else results, "host_load_average", "mean")
    if load is None:
        load = dig(results, "sla", "host_load_average", "mean")
    busy = f", load average {load:.1f}" if _number(load) is not None else ""
    fig.suptitle(
        f"Closeloop SLA figures — bench {str(results.get('started_at', ''))[:10]}, "
        f"scale {results.get('scale')}, {machine.get('cores', '?')} cores{busy}",
        fontsize=12,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: bench JSON in, PNG out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", type=Path, help="bench/results/<date>.json")
    parser.add_argument("--sla", type=Path, help="JSON of `python -m bench.sla_breach --no-kill`")
    parser.add_argument("--demo", type=Path, help="JSON written by tests/prometheus")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    demo = load_json(args.demo) if args.demo else None
    sla = load_json(args.sla) if args.sla else None
    print(f"wrote {render(load_json(args.bench), demo, args.out, sla=sla)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
