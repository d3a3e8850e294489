"""``closeloop token --role ROLE [--dept DEPT ...] [--sub NAME]``: print a development
bearer token the local services accept (signed with the development key from settings)."""

from __future__ import annotations

import argparse
from typing import Any

from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("token", help="print a development token")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--dept", action="append", default=[], help="department scope (repeatable)")
    p.add_argument("--sub", default=None, help="subject (user id); default dev-<role>")
    p.add_argument(
        "--scope",
        action="append",
        default=None,
        help="scopes (repeatable); default depends on the role, e.g. pii:read",
    )
    p.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    if not settings.development:
        print(
            "closeloop token: development tokens work only with CLOSELOOP_ENV=development"
            f" (it is {settings.env})"
        )
        return 2
    print(
        issue_dev_token(
            settings,
            role=Role(args.role),
            sub=args.sub,
            departments=tuple(args.dept),
            scopes=tuple(args.scope) if args.scope is not None else None,
            ttl_s=args.ttl,
        )
    )
    return 0
