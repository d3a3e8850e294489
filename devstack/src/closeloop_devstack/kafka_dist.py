"""The Kafka broker's jars: resolved by Maven from devstack/kafka/pom.xml, checked, cached.

The jars land in <cache>/kafka/<version>/libs and every one of them is checked against the
committed lock file devstack/kafka/kafka-<version>.sha256 before the broker uses it. A cache
that is already there is only re-checked: Maven is not called again.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from closeloop_devstack.paths import cache_dir, kafka_pom_dir
from closeloop_devstack.process import DevstackError

KAFKA_VERSION = "4.4.0"
MIN_JAVA = 17
_INSTALL_HINT = "install them with `apt-get install openjdk-17-jre-headless maven`"


def require_tool(name: str) -> str:
    """Path of `java` or `mvn`, or an error that says what to install."""
    found = shutil.which(name)
    if found is None:
        raise DevstackError(
            f"`{name}` is not on PATH; the devstack needs Java 17+ and Maven: {_INSTALL_HINT}"
        )
    return found


def java_major_version(java: str) -> int:
    """Major version of the given `java` executable (8 for 1.8, 17 for 17.0.x)."""
    out = subprocess.run(  # noqa: S603 - fixed argv
        [java, "-version"], capture_output=True, text=True, check=False
    )
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if match is None:
        raise DevstackError(f"cannot read the Java version from `{java} -version`: {out.stderr!r}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> str:
    """Path of a Java 17+ `java`, or an error that says what to install."""
    java = require_tool("java")
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise DevstackError(
            f"Kafka 4 needs Java {MIN_JAVA}+, found Java {major} at {java}; {_INSTALL_HINT}"
        )
    return java


def lock_path(version: str) -> Path:
    """The committed checksum lock for `version`."""
    return kafka_pom_dir() / f"kafka-{version}.sha256"


def libs_dir(version: str) -> Path:
    """Where the checked jars of `version` are cached."""
    return cache_dir() / "kafka" / version / "libs"


def hash_jars(folder: Path) -> dict[str, str]:
    """sha256 of every jar in `folder`, by file name."""
    hashes: dict[str, str] = {}
    for jar in sorted(folder.glob("*.jar")):
        digest = hashlib.sha256()
        with jar.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        hashes[jar.name] = digest.hexdigest()
    return hashes


def format_lock(hashes: dict[str, str]) -> str:
    """Lock file text, `sha256sum` style, sorted by jar name."""
    return "".join(f"{hashes[name]}  {name}\n" for name in sorted(hashes))


def read_lock(version: str) -> dict[str, str]:
    """The pinned sha256 of every jar of `version`."""
    path = lock_path(version)
    if not path.is_file():
        raise DevstackError(
            f"no checksum lock {path} for Kafka {version}; create it with "
            f"`python -m closeloop_devstack kafka-lock --version {version}` and review the diff"
        )
    pinned: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            pinned[name.strip()] = digest
    return pinned


def verify_jars(folder: Path, pinned: dict[str, str]) -> None:
    """Fail unless `folder` holds exactly the pinned jars with the pinned checksums."""
    actual = hash_jars(folder)
    problems = [f"missing {name}" for name in sorted(pinned.keys() - actual.keys())]
    problems += [f"unexpected {name}" for name in sorted(actual.keys() - pinned.keys())]
    problems += [
        f"checksum mismatch for {name}: expected {pinned[name]}, got {actual[name]}"
        for name in sorted(pinned.keys() & actual.keys())
        if pinned[name] != actual[name]
    ]
    if problems:
        raise DevstackError(
            f"Kafka jars in {folder} do not match the lock file:\n  "
            + "\n  ".join(problems)
            + f"\nDelete {folder} to download again; if the lock itself is wrong, regenerate it "
            "with `python -m closeloop_devstack kafka-lock` and review the diff."
        )


@contextmanager
def _cache_lock(version: str) -> Iterator[None]:
    """Serialise downloads of one version between processes (pytest-xdist, parallel runs)."""
    lock_file = cache_dir() / "kafka" / f"{version}.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def download_jars(version: str, target: Path) -> None:
    """Resolve the broker's runtime classpath with Maven into `target`."""
    mvn = require_tool("mvn")
    pom = kafka_pom_dir() / "pom.xml"
    argv = [
        mvn, "-q", "-B", "-C", "-f", str(pom), "dependency:copy-dependencies",
        f"-DoutputDirectory={target}", f"-Dkafka.version={version}",
    ]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).splitlines()[-30:])
        raise DevstackError(f"Maven could not resolve Kafka {version} ({' '.join(argv)}):\n{tail}")


def ensure_kafka_libs(version: str = KAFKA_VERSION) -> Path:
    """Checked jar folder of Kafka `version`, downloading it with Maven on first use."""
    pinned = read_lock(version)
    libs = libs_dir(version)
    with _cache_lock(version):
        if not libs.is_dir():
            libs.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix="libs.", dir=libs.parent))
            try:
                download_jars(version, staging)
                verify_jars(staging, pinned)
                staging.rename(libs)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return libs
    verify_jars(libs, pinned)
    return libs


def write_lock(version: str = KAFKA_VERSION) -> Path:
    """Download `version` afresh and (re)write its lock file; returns the lock path."""
    with tempfile.TemporaryDirectory(prefix="kafka-lock.") as tmp:
        download_jars(version, Path(tmp))
        hashes = hash_jars(Path(tmp))
    if not hashes:
        raise DevstackError(f"Maven resolved no jars for Kafka {version}")
    path = lock_path(version)
    path.write_text(format_lock(hashes))
    return path
