import base64
import os

import pytest

from closeloop_shared.crypto import Sealer, SealError, pseudonym
from closeloop_shared.settings import DEV_PII_KEY


def test_sealed_contact_is_not_readable_and_opens_with_the_key() -> None:
    sealer = Sealer(DEV_PII_KEY)
    sealed = sealer.seal({"phone": "+8613800138000", "name": "张伟"}, context="customer")
    assert "13800138000" not in sealed and "张伟" not in sealed
    assert sealer.open(sealed, context="customer") == {"phone": "+8613800138000", "name": "张伟"}


def test_wrong_key_or_context_or_tampering_is_refused() -> None:
    sealed = Sealer(DEV_PII_KEY).seal({"a": 1}, context="customer")
    other = Sealer(base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(SealError):
        other.open(sealed, context="customer")
    with pytest.raises(SealError):
        Sealer(DEV_PII_KEY).open(sealed, context="note")
    with pytest.raises(SealError):
        Sealer(DEV_PII_KEY).open(sealed[:-4] + "AAAA", context="customer")


def test_pseudonym_is_stable_keyed_and_normalised() -> None:
    a = pseudonym("k1", "ZW@example.com ")
    assert a == pseudonym("k1", "zw@example.com")
    assert a != pseudonym("k2", "zw@example.com")
    assert "example" not in a


def test_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Sealer(base64.b64encode(b"short").decode())
