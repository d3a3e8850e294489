"""Personal data protection: sealing (AES-256-GCM) for data at rest and on internal
topics, and keyed pseudonyms (HMAC-SHA256) so repeat complainants can be counted without
anyone learning who they are."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEAL_VERSION = "v1"


class SealError(ValueError):
    """A sealed value could not be opened (wrong key, tampered or malformed)."""


class Sealer:
    """Seals and opens small JSON values with AES-256-GCM; the output is ASCII text."""

    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ValueError("CLOSELOOP_PII_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)

    def seal(self, value: Any, *, context: str = "") -> str:
        """Encrypt ``value`` (JSON-serialisable); ``context`` binds it to its purpose."""
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        ct = self._aead.encrypt(nonce, plain, context.encode())
        return f"{SEAL_VERSION}.{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def open(self, sealed: str, *, context: str = "") -> Any:
        """Decrypt a value sealed with the same key and context."""
        try:
            version, payload = sealed.split(".", 1)
            if version != SEAL_VERSION:
                raise SealError(f"unknown seal version {version!r}")
            raw = base64.urlsafe_b64decode(payload)
            return json.loads(self._aead.decrypt(raw[:12], raw[12:], context.encode()))
        except SealError:
            raise
        except Exception as exc:
            raise SealError("sealed value cannot be opened") from exc


def pseudonym(key: str, *parts: str) -> str:
    """A stable keyed pseudonym of a customer identity (lower-cased, trimmed parts)."""
    material = "\x1f".join(p.strip().lower() for p in parts if p)
    digest = hmac.new(key.encode(), material.encode(), hashlib.sha256).hexdigest()
    return f"cust_{digest[:32]}"


def digest(value: str) -> str:
    """Unkeyed SHA-256 hex of a value (for fingerprints that need no secrecy)."""
    return hashlib.sha256(value.encode()).hexdigest()
