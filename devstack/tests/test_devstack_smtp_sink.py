"""The development SMTP sink: stores mail as .eml and lists it over HTTP; stoppable."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Any

import pytest

from closeloop_devstack.smtp_sink import SmtpSinkProcess

pytestmark = pytest.mark.integration


def _send(sink: SmtpSinkProcess, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = "closeloop@example.test"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.send_message(msg)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read()


def test_devstack_sink_lists_a_sent_mail_over_http(smtp_sink: SmtpSinkProcess) -> None:
    _send(smtp_sink, "ana@example.test", "Ticket CL-1 received", "We got your complaint, Ana. ✓")
    listed = json.loads(_get(f"{smtp_sink.http_url}/messages"))
    assert len(listed) == 1
    item = listed[0]
    assert item["from"] == "closeloop@example.test"
    assert item["to"] == ["ana@example.test"]
    assert item["subject"] == "Ticket CL-1 received"
    assert "We got your complaint, Ana. ✓" in item["body"]
    assert item["date"]
    raw = _get(f"{smtp_sink.http_url}/messages/{item['id']}")
    assert b"Subject: Ticket CL-1 received" in raw
    assert (smtp_sink.mail_dir / f"{item['id']}.eml").is_file()


def test_devstack_sink_delete_clears_messages(smtp_sink: SmtpSinkProcess) -> None:
    _send(smtp_sink, "a@example.test", "one", "1")
    _send(smtp_sink, "b@example.test", "two", "2")
    request = urllib.request.Request(f"{smtp_sink.http_url}/messages", method="DELETE")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.loads(reply.read()) == {"deleted": 2}
    assert json.loads(_get(f"{smtp_sink.http_url}/messages")) == []


def test_devstack_stopped_sink_refuses_mail_and_keeps_it_after_restart(
    smtp_sink: SmtpSinkProcess,
) -> None:
    _send(smtp_sink, "c@example.test", "kept", "on disk")
    smtp_sink.stop()
    with pytest.raises(OSError):
        _send(smtp_sink, "c@example.test", "lost", "refused")
    smtp_sink.start()
    _send(smtp_sink, "c@example.test", "after", "restart")
    subjects = [m["subject"] for m in smtp_sink.wait_for_messages(2)]
    assert subjects == ["kept", "after"]
