"""Where the devstack finds the repository, its download cache and its run directory."""

from __future__ import annotations

import os
from pathlib import Path

from closeloop_devstack.process import DevstackError

_MARKER = Path("devstack") / "kafka" / "pom.xml"


def repo_root() -> Path:
    """The repository root: $CLOSELOOP_REPO_ROOT, else the first parent holding devstack/kafka."""
    override = os.environ.get("CLOSELOOP_REPO_ROOT")
    if override:
        return Path(override).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / _MARKER).is_file():
                return candidate
    raise DevstackError(
        f"cannot find the repository root (a folder containing {_MARKER}); "
        "run from the repository or set CLOSELOOP_REPO_ROOT"
    )


def kafka_pom_dir() -> Path:
    """The folder with the committed Kafka pom.xml and checksum lock files."""
    return repo_root() / _MARKER.parent


def cache_dir() -> Path:
    """Download cache ($CLOSELOOP_CACHE_DIR, default <repo>/.cache); ignored by git."""
    override = os.environ.get("CLOSELOOP_CACHE_DIR")
    return Path(override).resolve() if override else repo_root() / ".cache"


def run_dir() -> Path:
    """Data and logs of `python -m closeloop_devstack run` ($CLOSELOOP_RUN_DIR, default .run)."""
    override = os.environ.get("CLOSELOOP_RUN_DIR")
    return Path(override).resolve() if override else repo_root() / ".run"
