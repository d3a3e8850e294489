"""Kafka adapters on aiokafka: an idempotent acks=all producer, an at-least-once consumer
loop with retries and dead-lettering, and declarative topic provisioning."""

from closeloop_shared.kafka.consumer import ConsumerLoop, Handler
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics

__all__ = ["ConsumerLoop", "EventProducer", "Handler", "ensure_topics"]
