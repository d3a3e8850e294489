"""What the benchmark ran on: cores, memory, versions (recorded in every result file)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGES = ("aiokafka", "faust-streaming", "pymongo", "fastapi", "rocksdict")


def _mem_total_gib() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    return 0.0


def _java() -> str:
    try:
        java = [shutil.which("java") or "java", "-version"]
        out = subprocess.run(java, capture_output=True, text=True, check=False)  # noqa: S603
        return out.stderr.splitlines()[0] if out.stderr else "unknown"
    except OSError:
        return "missing"


def describe() -> dict[str, Any]:
    from closeloop_devstack.kafka_dist import KAFKA_VERSION
    from closeloop_devstack.secantusd import server_version

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "missing"
    return {
        "cores": os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "java": _java(),
        "kafka": KAFKA_VERSION,
        "database": server_version(),
        "packages": versions,
    }


def rss_mib(pid: int) -> float:
    """Resident set size of a process (MiB)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process (MiB)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
