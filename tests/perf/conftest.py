"""`bench` is a folder of the repository, not a distribution: the query-plan test imports the
hot-path query inventory from it (the same list ``python -m bench --only query_plans`` times)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
