"""``closeloop calendars refresh --years 2026 2027 [--out DIR]``: regenerate the built-in
official calendars (mainland China, Hong Kong, US) from the ``holidays`` library into the
JSON files the sla service ships (run from the repository root, then commit the files)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from closeloop_cli.official_calendars import OFFICIAL_SOURCES, calendar_document

DEFAULT_OUT = Path("services/sla/src/closeloop_sla/domain/official")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("calendars", help="official holiday calendars")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    refresh = actions.add_parser("refresh", help="regenerate the built-in calendars' files")
    refresh.add_argument("--years", type=int, nargs="+", required=True, help="e.g. 2026 2027")
    refresh.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    refresh.add_argument(
        "--only", choices=sorted(OFFICIAL_SOURCES), action="append", help="one calendar"
    )
    refresh.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.out.is_dir():
        print(f"closeloop calendars: {args.out} is not a directory (run from the repo root?)")
        return 2
    for name in args.only or sorted(OFFICIAL_SOURCES):
        document = calendar_document(name, args.years)
        path = args.out / f"{name}.json"
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        path.write_text(text, encoding="utf-8")
        note = (
            f", provisional {document['provisional_years']}"
            if document["provisional_years"]
            else ""
        )
        print(
            f"{path}: {len(document['holidays'])} holidays, "
            f"{len(document['makeup_days'])} make-up days, years {document['years']}{note}"
        )
    return 0
