"""``closeloop report service --period 2026-Q4 --format html|pdf|md [--out PATH]``: write
the publishable service report (R9) of a period.

It asks the feedback service for it (``GET /v1/reports/service``, the contract's endpoint),
so the CLI never imports a service package: ``--url`` (default ``CLOSELOOP_FEEDBACK_URL``,
else ``http://127.0.0.1:8004``) and a supervisor's, admin's or auditor's bearer token
(``--token``, default ``CLOSELOOP_TOKEN``; ``closeloop token --role auditor`` prints a
development one). The period's days are the service's report time zone
(``CLOSELOOP_REPORT_TZ`` of feedback). The report holds no personal data; Markdown carries
its charts inline, as the API serves it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import httpx

FORMATS = ("html", "pdf", "md")
TIMEOUT_S = 120.0  # the PDF is rendered on request and can take a while on a busy service


def _default_url() -> str:
    return os.environ.get("CLOSELOOP_FEEDBACK_URL", "http://127.0.0.1:8004")


def register(sub: Any) -> None:
    report: argparse.ArgumentParser = sub.add_parser("report", help="write reports")
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    service = kinds.add_parser("service", help="the publishable service report of a period")
    service.add_argument(
        "--period", required=True, help="2026 | 2026-H2 | 2026-Q4 | 2026-11 (local days)"
    )
    service.add_argument("--format", choices=FORMATS, default="html")
    service.add_argument(
        "--lang", choices=("en", "zh-CN"), default="en", help="language of the report"
    )
    service.add_argument(
        "--out", type=Path, default=None, help="default: service-report-<period>.<format>"
    )
    service.add_argument("--url", default=_default_url(), help="the feedback service")
    service.add_argument(
        "--token",
        default=os.environ.get("CLOSELOOP_TOKEN"),
        help="bearer token (supervisor, admin or auditor); default CLOSELOOP_TOKEN",
    )
    service.set_defaults(run=run)


def _problem(response: httpx.Response) -> str:
    """The service's own message for a refusal (problem details), else the status line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return f"{response.status_code} {body['detail']}"
    return f"{response.status_code} {response.reason_phrase}"


def run(args: argparse.Namespace) -> int:
    """Fetch the report and write it; 0 on success, 2 for a refused request, 1 otherwise."""
    if not args.token:
        print("closeloop report: a token is needed (--token or CLOSELOOP_TOKEN)", file=sys.stderr)
        return 2
    params = {"period": args.period, "format": args.format, "lang": args.lang}
    headers = {"Authorization": f"Bearer {args.token}"}
    try:
        response = httpx.get(
            f"{args.url.rstrip('/')}/v1/reports/service",
            params=params,
            headers=headers,
            timeout=TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        print(f"closeloop report: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"closeloop report: {_problem(response)}", file=sys.stderr)
        return 2 if 400 <= response.status_code < 500 else 1
    out: Path = args.out or Path(f"service-report-{args.period}.{args.format}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(response.content)
    print(out)
    return 0
