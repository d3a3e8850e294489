"""A folder of received e-mails, one .eml file each, as the SMTP sink stores them."""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

_ID = re.compile(r"^[0-9]{20}-[0-9a-f]{8}$")
ENVELOPE_FROM = "X-Sink-Mail-From"
ENVELOPE_TO = "X-Sink-Rcpt-To"
RECEIVED_AT = "X-Sink-Received-At"


def _body_text(message: EmailMessage) -> str:
    """The plain-text body (the HTML one if there is no plain part)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, KeyError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


class Mailbox:
    """Saves, lists, reads and clears messages in `folder`; safe across processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def save(self, mail_from: str, rcpt_to: list[str], data: bytes) -> str:
        """Store one message with its SMTP envelope in extra headers; returns its id."""
        message_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        received = datetime.now(UTC).isoformat()
        envelope = (
            f"{ENVELOPE_FROM}: {mail_from}\r\n"
            f"{ENVELOPE_TO}: {', '.join(rcpt_to)}\r\n"
            f"{RECEIVED_AT}: {received}\r\n"
        ).encode()
        staging = self.folder / f".{message_id}.tmp"
        staging.write_bytes(envelope + data)
        os.replace(staging, self.folder / f"{message_id}.eml")  # readers never see half a file
        return message_id

    def ids(self) -> list[str]:
        """Message ids, oldest first."""
        return sorted(path.stem for path in self.folder.glob("*.eml") if _ID.match(path.stem))

    def raw(self, message_id: str) -> bytes | None:
        """The stored bytes of one message, or None if there is no such id."""
        if not _ID.match(message_id):
            return None
        try:
            return (self.folder / f"{message_id}.eml").read_bytes()
        except FileNotFoundError:
            return None

    def summary(self, message_id: str) -> dict[str, Any] | None:
        """id, from, to, subject, date, body (and a few headers) of one message."""
        data = self.raw(message_id)
        if data is None:
            return None
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        rcpt = str(parsed.get(ENVELOPE_TO, ""))
        received = str(parsed.get(RECEIVED_AT, ""))
        return {
            "id": message_id,
            "from": str(parsed.get(ENVELOPE_FROM, "")),
            "to": [addr.strip() for addr in rcpt.split(",") if addr.strip()],
            "subject": str(parsed.get("Subject", "")),
            "date": str(parsed.get("Date", "")) or received,  # clients may omit Date
            "received_at": received,
            "message_id": str(parsed.get("Message-ID", "")),
            "header_from": str(parsed.get("From", "")),
            "header_to": str(parsed.get("To", "")),
            "body": _body_text(parsed),
        }

    def summaries(self) -> list[dict[str, Any]]:
        """Summaries of every message, oldest first."""
        found = (self.summary(message_id) for message_id in self.ids())
        return [item for item in found if item is not None]

    def delete(self, message_id: str) -> bool:
        """Remove one message; True if it existed."""
        if not _ID.match(message_id):
            return False
        try:
            (self.folder / f"{message_id}.eml").unlink()
        except FileNotFoundError:
            return False
        return True

    def clear(self) -> int:
        """Remove every message; returns how many were removed."""
        return sum(1 for message_id in self.ids() if self.delete(message_id))
