"""The sla tests' support modules (``sla_support``) live beside the tests, not in the
shipped package: this folder is put on ``sys.path`` (as tests/e2e does for ``e2e_env``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
