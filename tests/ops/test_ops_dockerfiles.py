"""The services' Dockerfiles: multi-stage on python:3.11-slim, dependencies from the workspace
lock with uv, only the service's own folder and shared/ copied in, a non-root user, no secret,
``python -m closeloop_<svc>`` as the command. Checked statically (no Docker engine here)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

SERVICES = {
    "intake": 8001,
    "routing": 8002,
    "sla": 8003,
    "feedback": 8004,
    "audit": 8005,
    "console": 8000,
}
SECRET_LIKE = re.compile(r"(KEY|SECRETS?|PASSWORD|TOKEN|MONGO_URI|JWKS_URL)\b")
MEMBER_MANIFEST = re.compile(r"^([\w-]+/)*pyproject\.toml$")


Steps = list[tuple[str, str]]


def dockerfile_problems(steps: Steps, service: str, port: int) -> list[str]:
    """What makes a Dockerfile (its parsed ``steps``) break the image rules."""
    problems: list[str] = []
    froms = [args for kw, args in steps if kw == "FROM"]
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for kw, a in steps if kw == "ARG" and "=" in a}
    if len(froms) < 2:
        problems.append("not multi-stage")
    for base in froms:
        image = base.split()[0]
        image = args.get(image.strip("${}"), image) if image.startswith("$") else image
        if image != "python:3.11-slim":
            problems.append(f"base image {image} is not python:3.11-slim")
    final_stage = steps[max(i for i, (kw, _) in enumerate(steps) if kw == "FROM") :]
    users = [a for kw, a in final_stage if kw == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("final stage does not switch to a non-root user")
    runs = " ".join(a for kw, a in steps if kw == "RUN")
    if not re.search(r'pip install "?uv==[\d.]+"?', runs):
        problems.append("uv is not installed from PyPI at a pinned version")
    sync = f"uv sync --frozen --no-dev --no-editable --package closeloop-{service}"
    if sync not in runs:
        problems.append(f"missing `{sync}`")
    for kw, arguments in steps:
        if kw in {"ENV", "ARG"}:
            for name in re.findall(r"([A-Z_][A-Z0-9_]*)=", arguments) or [arguments.split("=")[0]]:
                if SECRET_LIKE.search(name):
                    problems.append(f"{kw} {name} bakes a secret into the image")
        if kw == "COPY" and "--from=" not in arguments:
            *sources, _destination = arguments.split()
            for source in sources:
                allowed = (
                    source in {"uv.lock", "shared/", f"services/{service}/"}
                    or MEMBER_MANIFEST.match(source) is not None
                )
                if not allowed:
                    problems.append(f"COPY {source}: only services/{service}/ and shared/")
    cmd = [a for kw, a in final_stage if kw == "CMD"]
    if cmd != [f'["python", "-m", "closeloop_{service}"]']:
        problems.append(f"CMD is {cmd}, not python -m closeloop_{service}")
    if [a for kw, a in final_stage if kw == "EXPOSE"] != [str(port)]:
        problems.append(f"does not EXPOSE {port}")
    return problems


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_dockerfile_builds_a_small_non_root_image_from_its_own_folder(
    repo_root: Path, parse_dockerfile: Callable[[str], Steps], service: str
) -> None:
    steps = parse_dockerfile((repo_root / "services" / service / "Dockerfile").read_text())
    assert dockerfile_problems(steps, service, SERVICES[service]) == []


def test_dockerignore_keeps_local_state_tests_and_secrets_out_of_the_context(
    repo_root: Path,
) -> None:
    ignored = set((repo_root / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".cache", "**/tests", "**/__pycache__", ".env*"} <= ignored


BROKEN = [
    ("USER 10001:10001", "USER root", "non-root"),
    ("COPY services/intake/ services/intake/", "COPY . .", "COPY ."),
    ("COPY services/intake/ services/intake/", "COPY services/ services/", "COPY services/"),
    ("ARG PYTHON_IMAGE=python:3.11-slim", "ARG PYTHON_IMAGE=python:3.13", "not python:3.11-slim"),
    ("    PYTHONUNBUFFERED=1 \\", "    PYTHONUNBUFFERED=1 CLOSELOOP_PII_KEY=abc \\", "secret"),
    ('CMD ["python", "-m", "closeloop_intake"]', 'CMD ["uvicorn", "app"]', "CMD"),
    ("--no-dev --no-editable --package", "--no-editable --package", "uv sync"),
]


@pytest.mark.parametrize(("original", "broken", "reported"), BROKEN)
def test_a_broken_dockerfile_copy_is_rejected(
    repo_root: Path,
    parse_dockerfile: Callable[[str], Steps],
    original: str,
    broken: str,
    reported: str,
) -> None:
    dockerfile = (repo_root / "services" / "intake" / "Dockerfile").read_text()
    assert original in dockerfile
    steps = parse_dockerfile(dockerfile.replace(original, broken))
    problems = dockerfile_problems(steps, "intake", 8001)
    assert any(reported in p for p in problems), problems


def test_committed_dockerfiles_match_their_generator(
    ops_module: Callable[[str], ModuleType],
) -> None:
    generator = ops_module("gen_dockerfiles")
    rendered = generator.rendered_dockerfiles()
    assert {path.parent.name for path in rendered} == set(SERVICES)
    for path, text in rendered.items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: re-run the generator"


def test_a_hand_edited_dockerfile_is_reported_stale(
    ops_module: Callable[[str], ModuleType],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    generator = ops_module("gen_dockerfiles")
    monkeypatch.setattr(generator, "REPO_ROOT", tmp_path)  # never touch the real files
    for path, text in generator.rendered_dockerfiles().items():
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    assert generator.main(["--check"]) == 0
    edited = tmp_path / "services" / "intake" / "Dockerfile"
    edited.write_text(edited.read_text().replace("EXPOSE 8001", "EXPOSE 9001"), encoding="utf-8")
    assert generator.main(["--check"]) == 1
    assert "services/intake/Dockerfile is stale" in capsys.readouterr().err
