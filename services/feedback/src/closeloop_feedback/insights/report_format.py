"""The formats of the service report."""

from __future__ import annotations

from enum import StrEnum


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    pdf = "pdf"
