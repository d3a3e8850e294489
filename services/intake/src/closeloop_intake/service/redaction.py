"""Free text made fit to leave the service: the customer's own details first (in every form
they may take, by the pure domain rules), then any personal data anyone wrote into it (ID,
card and phone numbers, e-mails, street addresses: the shared detector every service uses)."""

from __future__ import annotations

from collections.abc import Iterable

from closeloop_intake.domain.privacy import replace_details
from closeloop_shared.pii import redact_personal_data


def redact_text(text: str, **details: Iterable[str | None]) -> str:
    """``text`` without the customer's given details (``names``, ``phones``, ``emails``,
    ``addresses``: see :func:`replace_details`) and without anyone's personal data."""
    return redact_personal_data(replace_details(text, **details))
