"""The clock table: one row per complaint (its whole clock set), in RocksDB through the
rocksdict driver, backed by the compacted changelog ``<app id>-clocks-changelog``."""

from __future__ import annotations

from typing import Any

from closeloop_sla.config import SlaSettings

MIB = 1024 * 1024


def declare_clock_table(app: Any, settings: SlaSettings) -> Any:
    """Declare the table; RocksDB memory per partition is bounded by the settings."""
    return app.Table(
        "clocks",
        key_type=bytes,  # bytes → faust's "raw" serializer for keys, values and changelog
        value_type=bytes,
        help="SLA clock set per complaint id",
        options={
            "driver": "rocksdict",
            "block_cache_size": settings.sla_rocksdb_block_cache_mb * MIB,
            "block_cache_compressed_size": MIB,
            "write_buffer_size": settings.sla_rocksdb_write_buffer_mb * MIB,
            "max_write_buffer_number": 2,
            "target_file_size_base": 32 * MIB,
        },
    )
