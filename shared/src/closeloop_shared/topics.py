"""Every Kafka topic of the platform, declared once. Provisioning at start-up, the AsyncAPI
document and the Strimzi ``KafkaTopic`` manifests are all derived from this list."""

from __future__ import annotations

from dataclasses import dataclass, field

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic's name and the settings it is created with."""

    name: str
    description: str
    partitions: int | None = None  # None: the deployment's CLOSELOOP_TOPIC_PARTITIONS
    retention_ms: int = 30 * DAY_MS
    compacted: bool = False
    key: str = "complaint id"
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        """Kafka topic configs for creation."""
        cfg = {"retention.ms": str(self.retention_ms)}
        if self.compacted:
            cfg["cleanup.policy"] = "compact"
        cfg.update(self.extra_config)
        return cfg

    @property
    def dlq(self) -> str:
        """The dead-letter topic of this topic."""
        return f"{self.name}.dlq"


COMPLAINT_LIFECYCLE = TopicSpec(
    "complaints.lifecycle.v1", "Intake's complaint lifecycle events (contact data sealed)"
)
COMPLAINTS_PUBLIC = TopicSpec(
    "complaints.public.v1",
    "PII-free projection of every complaint change, for other departments",
    retention_ms=90 * DAY_MS,
)
ROUTING_EVENTS = TopicSpec("routing.events.v1", "Routing decisions, assignment and escalation")
ROUTING_DIRECTORY = TopicSpec(
    "routing.directory.v1",
    "The staff directory of each department (contacts sealed); compacted: latest per key",
    partitions=1,
    compacted=True,
    retention_ms=-1,
    key="department id",
)
SLA_EVENTS = TopicSpec("sla.events.v1", "SLA clocks: started, paused, warned, breached, met")
SLA_COMMANDS = TopicSpec(
    "sla.commands.v1",
    "SLA-internal commands (timer expiries), keyed like the clock table",
    retention_ms=7 * DAY_MS,
)
FEEDBACK_EVENTS = TopicSpec("feedback.events.v1", "Notifications, surveys and reports")
AUDIT_CHECKPOINTS = TopicSpec(
    "audit.checkpoints",
    "Signed Merkle checkpoints of the audit log (compacted: latest per key)",
    partitions=1,
    compacted=True,
    retention_ms=-1,
    key="checkpoint stream id",
)

MAIN_TOPICS: tuple[TopicSpec, ...] = (
    COMPLAINT_LIFECYCLE,
    COMPLAINTS_PUBLIC,
    ROUTING_EVENTS,
    ROUTING_DIRECTORY,
    SLA_EVENTS,
    SLA_COMMANDS,
    FEEDBACK_EVENTS,
    AUDIT_CHECKPOINTS,
)


def dlq_spec(topic: TopicSpec) -> TopicSpec:
    """The dead-letter topic for ``topic``: same partitions, longer retention."""
    return TopicSpec(
        topic.dlq,
        f"Dead letters of {topic.name}",
        partitions=topic.partitions,
        retention_ms=90 * DAY_MS,
        key=topic.key,
    )


def all_topics() -> tuple[TopicSpec, ...]:
    """Every topic including the DLQs of the topics that services consume."""
    consumed = [t for t in MAIN_TOPICS if t is not COMPLAINTS_PUBLIC]
    return MAIN_TOPICS + tuple(dlq_spec(t) for t in consumed)


def topic_by_name(name: str) -> TopicSpec:
    """Look a topic up by name; KeyError names the unknown topic."""
    for spec in all_topics():
        if spec.name == name:
            return spec
    raise KeyError(f"unknown topic {name!r}")
