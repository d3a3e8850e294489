"""Ed25519 signing of checkpoints (``cryptography``).

The key is a raw 32-byte seed, base64 in ``CLOSELOOP_AUDIT_SIGNING_KEY``. ``key_id`` is a
fingerprint of the public key (the first 16 hex digits of its SHA-256), so a verifier can
tell which key signed a checkpoint and pin the one it trusts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["CheckpointSigner", "key_id_of", "verify_signature"]


def key_id_of(public_key: bytes) -> str:
    """Fingerprint of a raw Ed25519 public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


class CheckpointSigner:
    """Signs checkpoint messages with one Ed25519 key."""

    def __init__(self, seed_b64: str) -> None:
        try:
            seed = base64.b64decode(seed_b64, validate=True)
        except binascii.Error as exc:
            raise ValueError("CLOSELOOP_AUDIT_SIGNING_KEY is not valid base64") from exc
        if len(seed) != 32:
            raise ValueError("CLOSELOOP_AUDIT_SIGNING_KEY must be a base64 32-byte seed")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key_b64 = base64.b64encode(self.public_key).decode()
        self.key_id = key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        """Base64 Ed25519 signature of ``message``."""
        return base64.b64encode(self._key.sign(message)).decode()


def verify_signature(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """True iff ``signature_b64`` is a valid signature of ``message`` by the key."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
