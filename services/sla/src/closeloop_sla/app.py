"""The faust application of the sla worker (only the ``faust.App``; topics, tables, agents
and timers are declared in ``closeloop_sla.entrypoints``).

Choices, and why:

* ``store="rocksdb://"`` with the table option ``driver="rocksdict"`` (see
  ``entrypoints/tables.py``): faust-streaming's RocksDB store selects its driver per table
  from ``options["driver"]`` ("rocksdict" or "python-rocksdb"); rocksdict ships wheels.
* ``topic_partitions`` is the partition count of the shared topics (checked at start-up), so
  the table's changelog is co-partitioned with ``complaints.lifecycle.v1`` and
  ``sla.commands.v1``. faust only ever creates its own internal changelog topic; the shared
  topics are provisioned from ``closeloop_shared.topics`` before the worker starts.
* ``processing_guarantee="at_least_once"``: exactly-once needs a transactional producer per
  partition and delays every output to the next commit; correctness here comes instead from
  publishing a batch's events (acknowledged) before its table writes, and deterministic
  event ids (see ``service/clock_processor.py``).
* ``producer_linger`` of a few milliseconds: on a busy host every write to the broker
  socket costs more than a record, so fewer, larger requests keep the breach lag down.
* no faust web server (the FastAPI app serves HTTP), no leader topic, no recovery delay.
"""

from __future__ import annotations

import faust

from closeloop_sla.config import SlaSettings


def create_faust_app(settings: SlaSettings, partitions: int) -> faust.App:
    """The worker's ``faust.App`` for ``partitions`` partitions per topic."""
    brokers = [f"kafka://{host.strip()}" for host in settings.kafka_bootstrap.split(",")]
    session = settings.sla_session_timeout_s
    return faust.App(
        settings.sla_app_id,
        broker=brokers,
        store="rocksdb://",
        datadir=str(settings.sla_data_dir),
        topic_partitions=partitions,
        topic_replication_factor=settings.topic_replication,
        topic_disable_leader=True,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        producer_linger=settings.sla_producer_linger_s,
        broker_commit_interval=settings.sla_commit_interval_s,
        broker_session_timeout=session,
        broker_heartbeat_interval=min(3.0, session / 4),
        consumer_auto_offset_reset=settings.sla_offset_reset,
        consumer_group_instance_id=settings.sla_instance_id,
        table_standby_replicas=settings.sla_standby_replicas,
        stream_recovery_delay=0.0,
        web_enabled=False,
        worker_redirect_stdouts=False,
    )
