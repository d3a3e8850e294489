"""``closeloop calendars refresh``: official calendars generated from the holidays library."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from closeloop_cli.main import main
from closeloop_cli.official_calendars import OFFICIAL_SOURCES, calendar_document, covered_until

SHIPPED = Path(__file__).resolve().parents[2] / "services/sla/src/closeloop_sla/domain/official"


def test_mainland_2026_has_the_state_council_schedule_with_its_make_up_days() -> None:
    doc = calendar_document("cn-mainland", [2026])
    # Weekend make-up working days of the 2026 notice (New Year, Spring Festival, Labour Day,
    # National Day).
    assert doc["makeup_days"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    weekdays_off = {d for d in doc["holidays"] if date.fromisoformat(d).weekday() < 5}
    spring = {f"2026-02-{d}" for d in (16, 17, 18, 19, 20, 23)}  # Feb 15-23 off, Mon-Fri ones
    golden = {"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}
    assert spring <= weekdays_off and golden <= weekdays_off
    assert "2026-09-25" in weekdays_off  # Mid-Autumn Festival
    assert doc["makeup_hours"] == doc["hours"]["mon"]  # spelled out, not implied
    assert doc["provisional_years"] == []


def test_documents_keep_only_the_years_asked_and_name_their_coverage() -> None:
    doc = calendar_document("cn-mainland", [2027, 2026, 2026])
    assert doc["years"] == [2026, 2027]
    assert {d[:4] for d in doc["holidays"]} == {"2026", "2027"}
    assert all(d[:4] in {"2026", "2027"} for d in doc["makeup_days"])
    assert covered_until(doc) == date(2027, 12, 31)
    # The library has no 2027 notice yet: no make-up days means not announced.
    assert doc["provisional_years"] == [2027]


def test_hong_kong_and_us_have_their_own_holidays_and_zones() -> None:
    hk, us = calendar_document("hk", [2026]), calendar_document("us", [2026])
    assert (hk["time_zone"], us["time_zone"]) == ("Asia/Hong_Kong", "America/New_York")
    assert "2026-07-01" in hk["holidays"] and "2026-07-01" not in us["holidays"]
    assert "2026-11-26" in us["holidays"]  # Thanksgiving
    assert hk["makeup_days"] == us["makeup_days"] == []
    assert hk["provisional_years"] == us["provisional_years"] == []


def test_no_year_is_refused() -> None:
    with pytest.raises(ValueError, match="year"):
        calendar_document("us", [])


def test_refresh_writes_one_file_per_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendars", "refresh", "--years", "2026", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{name}.json" for name in OFFICIAL_SOURCES)
    cn = json.loads((tmp_path / "cn-mainland.json").read_text(encoding="utf-8"))
    assert cn == calendar_document("cn-mainland", [2026])
    assert "6 make-up days" in capsys.readouterr().out


def test_refresh_refuses_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert main(["calendars", "refresh", "--years", "2026", "--out", str(missing)]) == 2


def test_the_shipped_files_are_what_refresh_generates_for_2026_and_2027() -> None:
    for name in OFFICIAL_SOURCES:
        shipped = json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8"))
        generated = calendar_document(name, [2026, 2027])
        assert {k: v for k, v in shipped.items() if k != "generated_by"} == {
            k: v for k, v in generated.items() if k != "generated_by"
        }
