"""``closeloop``: the project's command-line tool.

Sub-commands are small modules; each registers itself on the argument parser. Commands that
talk to a running stack use the contract's default ports, overridable by environment.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from closeloop_cli import audit_cmd, calendars_cmd, report_cmd, token_cmd

COMMANDS = (token_cmd, audit_cmd, report_cmd, calendars_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="closeloop", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``closeloop`` console script."""
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
