"""A whole Closeloop stack for fault injection and end-to-end tests: Kafka, SecantusDB, the
SMTP sink and the five services as real processes on free ports, with every piece of state
inside one folder (never `make run`'s), and the tokens to call it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from closeloop_devstack.process import free_port
from closeloop_devstack.service import SERVICES
from closeloop_devstack.stack import Stack, StackConfig
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import all_topics

PARTITIONS = 3
POISON_HEADER = "x-closeloop-test-poison"  # marks records dead-lettered on purpose
Say = Callable[[str], None]


def stack_config(
    run_dir: Path, services: Sequence[str] = SERVICES, *, replicas: int = 1
) -> StackConfig:
    """A stack on free ports whose state stays inside ``run_dir`` (never `make run`'s), with
    ``replicas`` processes of each service."""
    config = StackConfig.with_free_ports(run_dir, services=services, replicas=replicas)
    feedback_port = config.service_ports["feedback"]
    config.base_env.update(
        {
            "CLOSELOOP_ENV": "development",
            "CLOSELOOP_TOPIC_PARTITIONS": str(PARTITIONS),
            # Intake's inbound mail listener; the stack's CLOSELOOP_SMTP_PORT is the sink.
            "CLOSELOOP_INTAKE_SMTP_PORT": str(free_port()),
            "CLOSELOOP_SLA_DATA_DIR": str(run_dir / "sla-data"),
            "CLOSELOOP_FEEDBACK_PUBLIC_URL": f"http://127.0.0.1:{feedback_port}",
            "CLOSELOOP_AUDIT_DLQ_POLL_INTERVAL_S": "1",
            "CLOSELOOP_INTAKE_METRICS_INTERVAL_S": "1",
        }
    )
    return config


async def provision_topics(bootstrap: str) -> None:
    """Create every declared topic before the services race to do it."""
    quiet = logging.getLogger("closeloop_shared.kafka.provisioning")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        await ensure_topics(bootstrap, all_topics(), default_partitions=PARTITIONS)
    finally:
        quiet.setLevel(level)


def start_stack(
    run_dir: Path, *, say: Say = print, timeout: float = 180.0, replicas: int = 1
) -> Stack:
    """Start Kafka, SecantusDB, the sink and every service (``replicas`` of each); raise
    naming what failed."""
    stack = Stack(stack_config(run_dir, replicas=replicas), say=say)
    stack.start_infra(timeout)
    try:
        asyncio.run(provision_topics(f"127.0.0.1:{stack.config.kafka_port}"))
        _ready, failed = stack.start_services(timeout=timeout)
        if failed:
            raise RuntimeError("\n\n".join(failed.values()))
    except BaseException:
        stack.stop()
        raise
    return stack


def service_url(stack: Stack, name: str) -> str:
    """Base URL of one service of ``stack`` (its first replica)."""
    return f"http://127.0.0.1:{stack.config.service_ports[name]}"


def replica_urls(stack: Stack, name: str) -> list[str]:
    """Base URLs of every replica of one service, the first replica first."""
    return [stack.services[r].url for r in stack.config.replica_names(name)]


def bearer(role: Role, *, sub: str | None = None, departments: tuple[str, ...] = ()) -> str:
    """An ``Authorization`` header value the development services accept."""
    token = issue_dev_token(ServiceSettings(), role=role, sub=sub, departments=departments)
    return f"Bearer {token}"
