"""The bytes of one clock-table row: a complaint's clock set as compact JSON (orjson).

Instants and durations are integers (microseconds since the epoch / microseconds), which
keeps rows small and decoding cheap. Each row starts with a small *index header* line: the
next due instant of every running clock and the gauge state of every open clock, so
rebuilding the deadline index after a restart parses only that line and never recomputes
calendar arithmetic for a million rows. Layout: ``<header JSON>\n<clock set JSON>`` (JSON
never contains a raw newline).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from closeloop_shared.durations import Duration
from closeloop_sla.domain.clock import Clock, ClockPhase, Extension
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.complaint_clocks import ComplaintClocks
from closeloop_sla.domain.policy import ComplaintAttributes

FORMAT = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
IndexHeader = tuple[list[tuple[int, str]], list[str]]


def encode_row(state: ComplaintClocks, due: list[tuple[int, str]], open_states: list[str]) -> bytes:
    """Serialise a clock set with its index header."""
    a = state.attributes
    header = orjson.dumps([due, open_states])
    body = orjson.dumps(
        {
            "v": FORMAT,
            "id": state.complaint_id,
            "attrs": [a.kind, a.severity, a.category, a.channel, a.tier],
            "policy": [state.policy_id, state.policy_version],
            "dept": state.department,
            "clocks": [_clock(c) for c in state.clocks],
            "applied": list(state.applied),
        }
    )
    return header + b"\n" + body


def decode_row(raw: bytes) -> ComplaintClocks:
    """The clock set stored in ``raw``."""
    doc = orjson.loads(raw[raw.index(b"\n") + 1 :])
    kind, severity, category, channel, tier = doc["attrs"]
    cid = doc["id"]
    return ComplaintClocks(
        complaint_id=cid,
        attributes=ComplaintAttributes(kind, severity, category, channel, tier),
        policy_id=doc["policy"][0],
        policy_version=doc["policy"][1],
        department=doc.get("dept"),
        clocks=tuple(_clock_of(cid, c) for c in doc["clocks"]),
        applied=tuple(doc.get("applied", ())),
    )


def decode_header(raw: bytes) -> IndexHeader:
    """Only the index header of a row: ``([(due micros, clock kind)], [open states])``."""
    due, open_states = orjson.loads(raw[: raw.index(b"\n")])
    return [(m, k) for m, k in due], open_states


def _us(at: datetime | None) -> int | None:
    return None if at is None else (at - _EPOCH) // _US


def _at(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def _must(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _span(delta: timedelta) -> int:
    return delta // _US


def _clock(c: Clock) -> dict[str, Any]:
    return {
        "k": c.kind.value,
        "p": [c.policy_id, c.policy_version],
        "t": [c.target.days, c.target.seconds],
        "cal": c.calendar,
        "w": list(c.warn_at),
        "s": _us(c.started_at),
        "b": _span(c.budget),
        "ph": c.phase.value,
        "acc": _span(c.accumulated),
        "seg": _us(c.segment_start),
        "pz": _us(c.paused_at),
        "x": [_extension(e) for e in c.extensions],
        "wf": list(c.warnings_fired),
        "br": _us(c.breached_at),
        "met": _us(c.met_at),
        "r": c.run,
        "u": _us(c.updated_at),
    }


def _clock_of(complaint_id: str, d: dict[str, Any]) -> Clock:
    return Clock(
        complaint_id=complaint_id,
        kind=ClockKind(d["k"]),
        policy_id=d["p"][0],
        policy_version=d["p"][1],
        target=Duration(d["t"][0], d["t"][1]),
        calendar=d["cal"],
        warn_at=tuple(d["w"]),
        started_at=_must(d["s"]),
        budget=timedelta(microseconds=d["b"]),
        phase=ClockPhase(d["ph"]),
        accumulated=timedelta(microseconds=d["acc"]),
        segment_start=_at(d["seg"]),
        paused_at=_at(d["pz"]),
        extensions=tuple(_extension_of(x) for x in d["x"]),
        warnings_fired=tuple(d["wf"]),
        breached_at=_at(d["br"]),
        met_at=_at(d["met"]),
        run=d["r"],
        updated_at=_must(d["u"]),
    )


def _extension(e: Extension) -> list[Any]:
    by = [e.by.days, e.by.seconds] if e.by is not None else None
    return [_us(e.at), e.reason, e.consented, _span(e.added), by, _us(e.new_deadline)]


def _extension_of(x: list[Any]) -> Extension:
    at, reason, consented, added, by, new_deadline = x
    return Extension(
        at=_must(at),
        reason=reason,
        consented=consented,
        added=timedelta(microseconds=added),
        by=Duration(by[0], by[1]) if by is not None else None,
        new_deadline=_at(new_deadline),
    )
