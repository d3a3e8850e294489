"""Local infrastructure for development and tests: real Kafka, SecantusDB, an SMTP sink."""

from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import DevstackError, free_port
from closeloop_devstack.smtp_sink import SmtpSink, SmtpSinkProcess
from closeloop_devstack.stack import Stack, StackConfig

__all__ = [
    "DevstackError",
    "KafkaBroker",
    "MongoServer",
    "SmtpSink",
    "SmtpSinkProcess",
    "Stack",
    "StackConfig",
    "free_port",
]
