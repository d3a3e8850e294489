"""The local database binary: SecantusDB's Rust server `secantusd-rs`, compiled once and cached.

Why compiled: the crate `secantus-mdb` on crates.io ships only source, and the machines that
run Closeloop's local stack reach crates.io but no release downloads. Why this server: the
Python SecantusDB server is bound to one core by the GIL (about 600 indexed finds/s); the
Rust server does about 3,400 on the same machine at a tenth of the CPU per operation.

The build (2.5 to 12 minutes on 2 cores) goes to a cache outside the repository, so
`make clean` and fresh clones on the same machine reuse it:
``$CLOSELOOP_TOOLS_DIR`` (default ``${XDG_CACHE_HOME:-~/.cache}/closeloop``)
``/secantusd-rs-<version>/bin/secantusd-rs``. ``$CLOSELOOP_SECANTUSD_BIN`` names a binary to use
instead. A file lock keeps two builds (say, ``make test`` and ``make run`` started together)
from compiling at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from closeloop_devstack.process import DevstackError

CRATE = "secantus-mdb"
# Pinned: the server's behaviour (durability flags, wire quirks) is part of what the tests
# prove. The crate declares rust-version 1.98; it compiles and passes our suite with 1.95,
# hence --ignore-rust-version.
SECANTUSD_VERSION = "0.5.3-beta.196"
BINARY = "secantusd-rs"


def tools_dir() -> Path:
    """Cache for compiled tools: $CLOSELOOP_TOOLS_DIR, else $XDG_CACHE_HOME/closeloop."""
    override = os.environ.get("CLOSELOOP_TOOLS_DIR")
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser().resolve() / "closeloop"


def install_root(version: str = SECANTUSD_VERSION) -> Path:
    """The `cargo install --root` folder of one pinned version."""
    return tools_dir() / f"secantusd-rs-{version}"


def binary_path(version: str = SECANTUSD_VERSION) -> Path:
    """Where the server binary is (or will be): $CLOSELOOP_SECANTUSD_BIN, else the cache."""
    override = os.environ.get("CLOSELOOP_SECANTUSD_BIN")
    if override:
        return Path(override).expanduser().resolve()
    return install_root(version) / "bin" / BINARY


def _cargo() -> str:
    found = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    if not Path(found).is_file():
        raise DevstackError(
            "cargo is required to compile the local database server (secantusd-rs): "
            "install Rust with rustup, or set CLOSELOOP_SECANTUSD_BIN to a built binary"
        )
    return found


def build_command(version: str = SECANTUSD_VERSION) -> list[str]:
    """The cargo invocation that compiles the pinned server into its cache folder."""
    return [
        _cargo(), "install", CRATE,
        "--version", version,
        "--ignore-rust-version",
        "--root", str(install_root(version)),
    ]  # fmt: skip


def ensure_binary(version: str = SECANTUSD_VERSION, *, say: bool = True) -> Path:
    """Return the server binary, compiling it first if the cache lacks it.

    Cargo's own progress lines (``Compiling x vN``, with a counter) stream to stderr, so a
    person watching `make run` sees the build advance; it ends with the time it took.
    """
    binary = binary_path(version)
    if binary.is_file():
        return binary
    if os.environ.get("CLOSELOOP_SECANTUSD_BIN"):
        raise DevstackError(f"CLOSELOOP_SECANTUSD_BIN names {binary}, which does not exist")
    root = install_root(version)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{BINARY}-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent build finishes; we then reuse it
        if binary.is_file():
            return binary
        started = time.monotonic()
        if say:
            print(
                f"compiling the local database server {CRATE} {version} (once per machine, "
                f"2-12 min on 2 cores) into {root}",
                file=sys.stderr,
                flush=True,
            )
        done = subprocess.run(build_command(version), check=False)  # noqa: S603
        if done.returncode != 0 or not binary.is_file():
            raise DevstackError(
                f"cargo install {CRATE} {version} failed (exit {done.returncode}); it needs "
                "a C compiler and CMake (apt-get install -y build-essential cmake)"
            )
        if say:
            took = time.monotonic() - started
            print(f"compiled {binary} in {took:.0f} s", file=sys.stderr, flush=True)
    return binary


def server_version(binary: Path | None = None) -> str:
    """What the binary says of its version (for benchmark records), or 'missing'."""
    path = binary or binary_path()
    if not path.is_file():
        return "missing"
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    return out.stdout.strip() or "unknown"
