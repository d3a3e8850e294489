"""Fixtures for feedback's integration tests (helpers in ``closeloop_feedback.testing``)."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_devstack.smtp_sink import SmtpSinkProcess
from closeloop_feedback.testing import FeedbackUnderTest, Gateway, settings_for, start_feedback
from closeloop_shared.mongo import Document, connect


@pytest.fixture
async def db(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[AsyncDatabase[Document]]:
    """A fresh database in the real server, dropped afterwards."""
    client = connect(mongo_uri, app_name="feedback-test")
    name = unique_name("fb")[-40:]
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture(scope="module")
async def feedback(
    kafka_bootstrap: str, mongo_uri: str, smtp_sink_process: SmtpSinkProcess
) -> AsyncIterator[FeedbackUnderTest]:
    """One feedback service shared by a test module (tests use their own complaints)."""
    if not smtp_sink_process.is_running():
        smtp_sink_process.start()
    settings = settings_for(
        kafka_bootstrap,
        mongo_uri,
        f"mod{id(smtp_sink_process) % 10_000}",
        smtp_port=smtp_sink_process.port,
    )
    async with start_feedback(settings) as running:
        yield running


def mails(sink: SmtpSinkProcess, cid: str) -> list[dict[str, Any]]:
    """Mails about complaint ``cid`` with their Closeloop headers, oldest first."""
    found = []
    for summary in sink.messages():
        raw = sink.mailbox.raw(summary["id"])
        if raw is None:
            continue
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if parsed.get("X-Closeloop-Complaint") != cid:
            continue
        found.append(
            {
                **summary,
                "template": str(parsed.get("X-Closeloop-Template", "")),
                "notification": str(parsed.get("X-Closeloop-Notification", "")),
            }
        )
    return found


@pytest.fixture
def mails_of(smtp_sink_process: SmtpSinkProcess) -> Callable[[str], list[dict[str, Any]]]:
    """``mails_of(cid)``: the sink's mails about one complaint."""
    return lambda cid: mails(smtp_sink_process, cid)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A local provider double, running for the test."""
    gw = Gateway()
    thread = threading.Thread(target=gw.server.serve_forever, daemon=True)
    thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()
