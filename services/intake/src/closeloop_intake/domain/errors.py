"""Errors raised by the pure intake domain.

Each error names what was wrong so the HTTP layer can turn it into a 4xx body that names the
bad field (contract: "Bad input → 4xx with a JSON body that names each bad field and why").
"""

from __future__ import annotations


class FieldError(ValueError):
    """A value supplied for ``field`` is not acceptable, for the stated ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidInput(ValueError):
    """Several fields are wrong at once; ``errors`` names each of them."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
