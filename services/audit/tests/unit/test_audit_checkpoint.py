"""Checkpoints: the signed bytes are stable, signatures verify, and checkpoints fall due
after N entries or T seconds."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from closeloop_audit.adapters.signing import CheckpointSigner, key_id_of, verify_signature
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.checkpoint import (
    Checkpoint,
    checkpoint_due,
    checkpoint_message,
    format_signed_at,
)

ROOT = "ab" * 32
AT = datetime(2026, 3, 1, 8, 30, 0, 123000, tzinfo=UTC)
SIGNER = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)


def signed(tree_size: int = 10) -> Checkpoint:
    message = checkpoint_message(tree_size, ROOT, AT, SIGNER.key_id)
    return Checkpoint(
        tree_size, ROOT, AT, SIGNER.key_id, SIGNER.public_key_b64, SIGNER.sign(message)
    )


def test_signed_message_is_canonical_json_of_the_statement() -> None:
    message = checkpoint_message(10, ROOT.upper(), AT, "k1")
    assert message == (
        b'{"key_id":"k1","origin":"closeloop-audit","root_hash":"'
        + ROOT.encode()
        + b'","signed_at":"2026-03-01T08:30:00.123000Z","tree_size":10}'
    )


def test_signed_at_text_does_not_depend_on_the_time_zone_it_was_given_in() -> None:
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    assert format_signed_at(shanghai) == format_signed_at(AT) == "2026-03-01T08:30:00.123000Z"


def test_checkpoint_survives_a_round_trip_through_its_dict() -> None:
    original = signed()
    copy = Checkpoint.from_dict(original.to_dict())
    assert copy == original
    assert verify_signature(copy.public_key, copy.message, copy.signature)


def test_signature_fails_for_a_changed_root_or_size() -> None:
    cp = signed()
    assert verify_signature(cp.public_key, cp.message, cp.signature)
    other_root = checkpoint_message(10, "cd" * 32, AT, cp.key_id)
    other_size = checkpoint_message(11, ROOT, AT, cp.key_id)
    assert not verify_signature(cp.public_key, other_root, cp.signature)
    assert not verify_signature(cp.public_key, other_size, cp.signature)
    assert not verify_signature(cp.public_key, cp.message, "not base64!")


def test_key_id_is_the_fingerprint_of_the_public_key() -> None:
    assert SIGNER.key_id == key_id_of(base64.b64decode(SIGNER.public_key_b64))
    assert len(SIGNER.key_id) == 16
    assert CheckpointSigner(base64.b64encode(b"\x01" * 32).decode()).key_id != SIGNER.key_id


@pytest.mark.parametrize("seed", ["not base64!", base64.b64encode(b"short").decode()])
def test_signer_refuses_a_malformed_seed(seed: str) -> None:
    with pytest.raises(ValueError, match="CLOSELOOP_AUDIT_SIGNING_KEY"):
        CheckpointSigner(seed)


@pytest.mark.parametrize(
    ("head", "last", "seconds", "due"),
    [
        (1000, 0, 0.0, True),  # N entries accumulated
        (999, 0, 0.0, False),  # fewer than N, interval not over
        (5, 0, 10.0, True),  # interval over with new entries
        (5, 5, 60.0, False),  # interval over but nothing new
        (0, 0, 60.0, False),  # empty log
    ],
)
def test_checkpoint_falls_due_after_n_entries_or_t_seconds(
    head: int, last: int, seconds: float, due: bool
) -> None:
    assert (
        checkpoint_due(
            head_seq=head,
            last_checkpoint_size=last,
            seconds_since_last=seconds,
            every=1000,
            interval_s=10.0,
        )
        is due
    )
