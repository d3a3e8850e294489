"""Replays the builder stage of each service's Dockerfile without Docker (no engine here): the
same COPY set, ENV and ``uv sync`` commands, into a scratch directory. The resulting
virtualenv must import the service's entry point, so a dependency the code imports but the
service's pyproject.toml does not declare (it would crash the container) fails here.

Needs uv and its package cache or PyPI, hence ``integration``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SERVICES = ("intake", "routing", "sla", "feedback", "audit", "console")
IGNORED = shutil.ignore_patterns("tests", "__pycache__", "*.pyc", ".venv")


def _uv() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("`uv` is not installed: run `make setup`", pytrace=False)
    return found


def replay_builder_stage(steps: list[tuple[str, str]], repo_root: Path, scratch: Path) -> Path:
    """Run the builder stage of a Dockerfile (its parsed ``steps``) under ``scratch``; return
    the virtualenv it produced."""
    froms = [i for i, (kw, _) in enumerate(steps) if kw == "FROM"]
    builder = steps[froms[0] + 1 : froms[1]]
    env = dict(os.environ, UV_PYTHON=sys.executable)  # the image pins python:3.11 itself
    workdir = scratch

    def local(path: str) -> Path:
        return scratch / path.lstrip("/") if path.startswith("/") else workdir / path

    for keyword, arguments in builder:
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                env[name] = str(local(value)) if value.startswith("/") else value
        elif keyword == "WORKDIR":
            workdir = local(arguments)
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, destination = arguments.split()
            for source in sources:
                origin, target = repo_root / source, local(destination)
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=IGNORED, dirs_exist_ok=True)
                else:
                    target = target / origin.name if destination.endswith("/") else target
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target)
        elif keyword == "RUN":
            if arguments.startswith("pip install"):
                continue  # uv itself: the workspace's uv stands in for it
            command = arguments.replace("uv ", f"{shlex.quote(_uv())} ", 1)
            result = subprocess.run(
                command, shell=True, cwd=workdir, env=env, capture_output=True, text=True
            )
            assert result.returncode == 0, f"RUN {arguments}\n{result.stderr}"
    return Path(env["UV_PROJECT_ENVIRONMENT"])


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
def test_image_environment_imports_the_service_entry_point(
    repo_root: Path,
    tmp_path: Path,
    parse_dockerfile: Callable[[str], list[tuple[str, str]]],
    service: str,
) -> None:
    steps = parse_dockerfile((repo_root / "services" / service / "Dockerfile").read_text())
    venv = replay_builder_stage(steps, repo_root, tmp_path)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", f"import closeloop_{service}.__main__"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"},
        check=False,
    )
    assert result.returncode == 0, f"the {service} image cannot start:\n{result.stderr}"
