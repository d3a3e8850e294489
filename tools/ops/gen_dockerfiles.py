"""Generate one Dockerfile per service (services/<service>/Dockerfile) from one template.

Every image is built the same way: uv resolves the workspace lock in a builder stage, only
the service's folder and shared/ are copied in, and the runtime stage holds the virtualenv
and an unprivileged user. The services differ only in the table below, so the Dockerfiles
are rendered from it and stay uniform (like gen_service_manifests.py for Kubernetes). Run
``uv run python tools/ops/gen_dockerfiles.py`` after editing the table or the template, or
with ``--check`` to fail when a committed Dockerfile is stale.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
UV_VERSION = "0.13.9"
# Every workspace member: uv reads the lock through all their pyproject.toml files.
WORKSPACE_MEMBERS = (
    "shared",
    "services/intake",
    "services/routing",
    "services/sla",
    "services/feedback",
    "services/audit",
    "services/console",
    "devstack",
    "cli",
)
RULE_WIDTH = 95  # the `# ---- stage ----` comment lines are padded to this width


@dataclass(frozen=True)
class ImageShape:
    """What differs between the services' Dockerfiles."""

    name: str
    port: int
    description: str
    runtime_packages: tuple[str, ...] = ()  # Debian packages of the runtime stage
    packages_reason: str = ""  # why they are needed (written above the apt-get step)
    state_dir: str = ""  # a writable directory owned by the service user, declared a VOLUME
    state_note: str = ""
    extra_env: tuple[tuple[str, str], ...] = ()  # (variable, value) after the port

    @property
    def title(self) -> str:
        return "console" if self.name == "console" else f"{self.name} service"


SERVICES: tuple[ImageShape, ...] = (
    ImageShape("intake", 8001, "channels, the complaint record and its lifecycle"),
    ImageShape("routing", 8002, "departments, assignment, transfer and escalation"),
    ImageShape(
        "sla",
        8003,
        "SLA clocks on faust tables",
        state_dir="/var/lib/closeloop/sla",
        state_note="RocksDB state of the faust tables: a volume in compose, an emptyDir in "
        "Kubernetes.",
        extra_env=(("CLOSELOOP_SLA_DATA_DIR", "/var/lib/closeloop/sla"),),
    ),
    ImageShape(
        "feedback",
        8004,
        "notifications, satisfaction surveys and reports",
        runtime_packages=("fonts-noto-cjk",),
        packages_reason="The service report's PDF draws Chinese with Noto Sans CJK (it refuses "
        "to print without it).",
        extra_env=(("MPLCONFIGDIR", "/tmp/matplotlib"),),  # noqa: S108 - matplotlib's cache
    ),
    ImageShape("audit", 8005, "the hash-chained audit log and its signed checkpoints"),
    ImageShape("console", 8000, "the agents' and supervisors' workbench: pages over the five APIs"),
)


def _rule(text: str) -> str:
    head = f"# ---- {text} "
    return head + "-" * max(4, RULE_WIDTH - len(head))


def _builder(shape: ImageShape) -> list[str]:
    package = f"closeloop-{shape.name}"
    folder = f"services/{shape.name}/"
    return [
        _rule(f"builder: resolve the locked dependencies of {package} into /app/.venv"),
        "FROM ${PYTHON_IMAGE} AS builder",
        "ENV PIP_NO_CACHE_DIR=1 \\",
        "    PIP_DISABLE_PIP_VERSION_CHECK=1 \\",
        "    UV_COMPILE_BYTECODE=1 \\",
        "    UV_LINK_MODE=copy \\",
        "    UV_PYTHON_DOWNLOADS=never \\",
        "    UV_PROJECT_ENVIRONMENT=/app/.venv",
        f'RUN pip install "uv=={UV_VERSION}"',
        "WORKDIR /src",
        "# uv reads the workspace lock through every member's pyproject.toml; only these two",
        "# members' sources are copied below.",
        "COPY pyproject.toml uv.lock ./",
        *(f"COPY {m}/pyproject.toml {m}/pyproject.toml" for m in WORKSPACE_MEMBERS),
        "# Third-party dependencies first: this layer is reused while only Closeloop code changes.",
        f"RUN uv sync --frozen --no-dev --no-install-workspace --package {package}",
        "COPY shared/ shared/",
        f"COPY {folder} {folder}",
        f"RUN uv sync --frozen --no-dev --no-editable --package {package}",
    ]


def _runtime(shape: ImageShape) -> list[str]:
    lines = [_rule("runtime: the virtualenv only, run as an unprivileged user")]
    lines.append("FROM ${PYTHON_IMAGE} AS runtime")
    if shape.runtime_packages:
        lines += [
            f"# {shape.packages_reason}",
            "RUN apt-get update \\",
            "    && apt-get install -y --no-install-recommends "
            + " ".join(shape.runtime_packages)
            + " \\",
            "    && rm -rf /var/lib/apt/lists/*",
        ]
    user = [
        "RUN groupadd --system --gid 10001 closeloop \\",
        "    && useradd --system --uid 10001 --gid closeloop --no-create-home \\",
        "       --home-dir /nonexistent --shell /usr/sbin/nologin closeloop",
    ]
    if shape.state_dir:
        user[-1] += " \\"
        user += [
            f"    && mkdir -p {shape.state_dir} \\",
            f"    && chown closeloop:closeloop {shape.state_dir}",
        ]
    lines += user
    env = [
        ("PATH", '"/app/.venv/bin:${PATH}"'),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PYTHONUNBUFFERED", "1"),
        ("CLOSELOOP_ENV", "production"),
        ("CLOSELOOP_HTTP_HOST", "0.0.0.0"),
        (f"CLOSELOOP_{shape.name.upper()}_PORT", str(shape.port)),
        *shape.extra_env,
    ]
    lines.append("COPY --from=builder /app/.venv /app/.venv")
    for i, (variable, value) in enumerate(env):
        prefix = "ENV " if i == 0 else "    "
        suffix = " \\" if i < len(env) - 1 else ""
        lines.append(f"{prefix}{variable}={value}{suffix}")
    if shape.state_dir:
        lines += [f"# {shape.state_note}", f'VOLUME ["{shape.state_dir}"]']
    health = f"http://127.0.0.1:{shape.port}/healthz"
    lines += [
        "WORKDIR /app",
        "USER 10001:10001",
        f"EXPOSE {shape.port}",
        "HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \\",
        '    CMD ["python", "-c", "import urllib.request; '
        f"urllib.request.urlopen('{health}', timeout=2)\"]",
        f'CMD ["python", "-m", "closeloop_{shape.name}"]',
    ]
    return lines


def render_dockerfile(shape: ImageShape) -> str:
    """The Dockerfile of one service."""
    folder = f"services/{shape.name}/"
    header = [
        "# syntax=docker/dockerfile:1",
        "# GENERATED by tools/ops/gen_dockerfiles.py (edit the SERVICES table there and re-run).",
        f"# Closeloop {shape.title} ({shape.description}).",
        f"# Build from the repository root (the image needs {folder} and shared/ only):",
        f"#   docker build -f {folder}Dockerfile -t closeloop/{shape.name} .",
        "# No secret is baked in: keys, URIs and passwords come from the environment at run time.",
        "ARG PYTHON_IMAGE=python:3.11-slim",
    ]
    return "\n".join([*header, "", *_builder(shape), "", *_runtime(shape)]) + "\n"


def rendered_dockerfiles() -> dict[Path, str]:
    """Every service Dockerfile by its output path."""
    return {REPO_ROOT / "services" / s.name / "Dockerfile": render_dockerfile(s) for s in SERVICES}


def main(argv: list[str] | None = None) -> int:
    """Write the Dockerfiles, or with ``--check`` report whether the committed ones are current."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a Dockerfile is stale")
    args = parser.parse_args(argv)
    stale = 0
    for path, text in rendered_dockerfiles().items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run tools/ops/gen_dockerfiles.py", file=sys.stderr)
                stale += 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
