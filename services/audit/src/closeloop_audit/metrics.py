"""Domain metrics of the audit service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

AUDIT_ENTRIES = Counter(
    "closeloop_audit_entries_total",
    "Entries appended to the audit log by this process",
)
AUDIT_CHAIN_LENGTH = Gauge(
    "closeloop_audit_chain_length",
    "Sequence number of the last entry of the audit log",
)
AUDIT_VERIFY_OK = Gauge(
    "closeloop_audit_verify_ok",
    "1 if the last verification of the audit log (whole or continued) passed, 0 if it failed",
)
AUDIT_VERIFIED_ENTRIES = Counter(
    "closeloop_audit_verified_entries_total",
    "Entries read and verified, by pass: whole (the log from seq 1) or continued (after the"
    " last verified checkpoint)",
    ["pass"],
)
AUDIT_CHECKPOINTS = Counter(
    "closeloop_audit_checkpoints_total",
    "Signed checkpoints stored and published by this process",
)
DLQ_SIZE = Gauge(
    "closeloop_dlq_size",
    "Records retained in a dead-letter topic (end offset minus start offset)",
    ["topic"],
)
