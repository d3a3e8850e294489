"""``closeloop report service --period 2026-Q4 --format html|pdf|md [--out PATH]``: write
the publishable service report (R9) of a period.

It reads the feedback service's read models straight from MongoDB (``--mongo-uri``,
default ``mongodb://127.0.0.1:27017``; ``--db``, default ``closeloop_feedback``), so it
works without a running service or a token — from a replica or a restored backup, too.
The same report is served by ``GET /v1/reports/service`` on the feedback API. The report
holds no personal data. Markdown charts are written as PNG files next to the report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

FORMATS = ("html", "pdf", "md")


def _default_uri() -> str:
    return os.environ.get("CLOSELOOP_MONGO_URI", "mongodb://127.0.0.1:27017")


def _default_db() -> str:
    return f"{os.environ.get('CLOSELOOP_MONGO_DB_PREFIX', 'closeloop_')}feedback"


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
    service.add_argument("--mongo-uri", default=_default_uri(), help="feedback database server")
    service.add_argument("--db", default=_default_db(), help="feedback database name")
    service.add_argument(
        "--tz",
        default=os.environ.get("CLOSELOOP_REPORT_TZ", "Asia/Shanghai"),
        help="time zone of the period's days",
    )
    service.set_defaults(run=run)


async def _load(args: argparse.Namespace, period: Any) -> Any:
    from closeloop_feedback.insights.service_report import load_service_report
    from closeloop_shared.mongo import connect

    client = connect(args.mongo_uri, app_name="closeloop-cli-report")
    try:
        return await load_service_report(client[args.db], period, timezone=args.tz)
    finally:
        await client.close()


def run(args: argparse.Namespace) -> int:
    # Imported here: matplotlib and the feedback package load only for this command.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from pymongo.errors import PyMongoError

    from closeloop_feedback.domain.insights.periods import parse_period
    from closeloop_feedback.domain.notices import Language
    from closeloop_feedback.insights.charts import ReportFontMissing
    from closeloop_feedback.insights.report_format import ReportFormat
    from closeloop_feedback.insights.service_report import render_service_report

    try:
        period = parse_period(args.period)
        ZoneInfo(args.tz)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        print(f"closeloop report: {exc}", file=sys.stderr)
        return 2
    fmt = ReportFormat(args.format)
    out: Path = args.out or Path(f"service-report-{period.label}.{fmt.value}")
    try:
        report = asyncio.run(_load(args, period))
    except PyMongoError as exc:
        print(
            f"closeloop report: cannot read {args.db} at {args.mongo_uri}: {exc}", file=sys.stderr
        )
        return 1
    try:
        rendered = render_service_report(
            report, fmt, lambda name: f"{out.stem}-{name}.png", language=Language(args.lang)
        )
    except ReportFontMissing as exc:
        print(f"closeloop report: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(rendered.content)
    written = [out]
    for name, data in rendered.attachments.items():
        (out.parent / name).write_bytes(data)
        written.append(out.parent / name)
    for path in written:
        print(path)
    return 0
