"""Settings of the sla service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from closeloop_shared.settings import ServiceSettings, service_port


class SlaSettings(ServiceSettings):
    """SLA: policies, business calendars and one clock set per complaint.

    The clock table lives in RocksDB under ``sla_data_dir`` (``CLOSELOOP_SLA_DATA_DIR``),
    backed by a compacted changelog topic ``<sla_app_id>-clocks-changelog``. ``sla_app_id``
    is also the consumer group: every worker of one deployment shares it.
    """

    service_name: str = "sla"
    port: int = service_port("sla", 8003)

    sla_data_dir: Path = Path(".run/sla-data")
    sla_app_id: str = "closeloop-sla"
    # Where a brand-new consumer group starts; "latest" suits tests sharing one broker.
    sla_offset_reset: Literal["earliest", "latest"] = "earliest"
    # Static group membership (Kafka group.instance.id): a restarted worker with the same id
    # takes its partitions back at once instead of waiting for the old session to expire.
    sla_instance_id: str | None = None
    sla_session_timeout_s: float = Field(default=10.0, gt=0)
    sla_commit_interval_s: float = Field(default=0.5, gt=0)
    sla_standby_replicas: int = Field(default=1, ge=0)

    # Micro-batching of stream processing: effects of a batch are published and acknowledged
    # together before the batch's table writes (one broker round trip per batch).
    sla_batch_max: int = Field(default=500, ge=1)
    sla_batch_within_s: float = Field(default=0.005, gt=0)
    # The producer waits this long to fill a request: fewer, larger writes to the broker
    # (each socket write costs far more than a record on a busy host).
    sla_producer_linger_s: float = Field(default=0.005, ge=0)
    sla_reapply_chunk: int = Field(default=1000, ge=1)
    sla_policy_refresh_s: float = Field(default=5.0, gt=0)

    # RocksDB memory per partition (faust's defaults are 2 GiB of block cache per partition).
    sla_rocksdb_block_cache_mb: int = Field(default=16, ge=1)
    sla_rocksdb_write_buffer_mb: int = Field(default=8, ge=1)
