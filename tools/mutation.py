"""Mutation testing of every service's pure ``domain/`` package (``make mutation``).

mutmut 3 mutates the paths in each service's ``[tool.mutmut]`` table (``only_mutate``: its
``domain/`` package) in a copy under ``mutants/`` and runs that service's unit tests only.
Slow (minutes per service), hence
its own target and never part of ``make test``.

    python tools/mutation.py                 # every service
    python tools/mutation.py sla             # one service
    python tools/mutation.py sla working_time   # modules whose name starts so
    python tools/mutation.py sla clock.         # exactly sla's clock.py (not clock_*.py)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("audit", "intake", "routing", "sla", "feedback", "console")
# mutmut's result words; "survived" and "no tests" count against the score
KILLED = {"killed", "timeout", "segfault"}
SURVIVED = {"survived", "no tests"}


def _mutmut() -> str:
    return str(Path(sys.executable).with_name("mutmut"))


def run_service(service: str, module: str | None) -> dict[str, Counter[str]]:
    directory = ROOT / "services" / service
    shutil.rmtree(directory / "mutants", ignore_errors=True)
    selector = f"closeloop_{service}.domain.{module or ''}*"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}  # the mutmut_pytest9 plugin
    subprocess.run([_mutmut(), "run", selector], cwd=directory, check=False, env=env)  # noqa: S603
    listing = subprocess.run(  # noqa: S603
        [_mutmut(), "results", "--all", "true"],
        cwd=directory,
        check=False,
        capture_output=True,
        text=True,
    ).stdout
    scores: dict[str, Counter[str]] = defaultdict(Counter)
    pattern = re.compile(r"^\s*(closeloop_\w+\.domain\.[\w.]+?)\.x\w*__mutmut_\d+:\s*(.+)$")
    for line in listing.splitlines():
        match = pattern.match(line)
        prefix = f"closeloop_{service}.domain.{module or ''}"
        if match and f"{match.group(1)}.".startswith(prefix):
            scores[match.group(1)][match.group(2).strip()] += 1
    return scores


def summarise(scores: dict[str, Counter[str]]) -> None:
    for name in sorted(scores):
        counts = scores[name]
        killed = sum(counts[k] for k in KILLED)
        survived = sum(counts[k] for k in SURVIVED)
        total = killed + survived
        percent = 100.0 * killed / total if total else 100.0
        print(f"{name:60} {killed:5}/{total:<5} {percent:6.1f} %  survived {survived}")


def main(argv: list[str]) -> int:
    services = [argv[0]] if argv else list(SERVICES)
    module = argv[1] if len(argv) > 1 else None
    for service in services:
        summarise(run_service(service, module))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
