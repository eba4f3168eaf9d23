"""CSV downloads of the report tables: counts only, and counts below 5 shown as "fewer than 5" (a rate built
on fewer than 5 cases, and any change worked out from a hidden count, is not shown either). Cells are
escaped against spreadsheet formulas by svd_portal.lib.csv_export."""

from __future__ import annotations

from fractions import Fraction

from referrals.reporting.presentation import (
    NOT_SHOWN,
    export_count,
    export_value,
    is_small,
    rounded,
)
from referrals.reporting.selectors import Benchmarks, Breakdown, Figures, OutcomeSeries, TargetReport, YearOnYear


def _number(value: Fraction | None):
    return "" if value is None else float(rounded(value))


def _change(figures_current, figures_previous, change, change_percent, *, rate: bool):
    if is_small(figures_current) or is_small(figures_previous):
        return NOT_SHOWN, NOT_SHOWN
    if rate:
        return _number(change), ""
    return _number(change), _number(change_percent)


def target_report_rows(report: TargetReport) -> tuple[list[str], list[list]]:
    header = [
        "Measure",
        "Period",
        "This period so far",
        "Previous period to the same point",
        "Change",
        "Change (%)",
        "Whole previous period",
        "Target",
        "Target as a number",
        "Projected for the whole period",
        "Status",
    ]
    rows = []
    for row in report.rows:
        f: Figures = row.figures
        rate = f.measure.is_rate
        if not f.available:
            rows.append([f.measure.label, report.period.label, "Not available", "", "", "", "", "", "", "", ""])
            continue
        change, change_percent = _change(f.current, f.previous_same_point, f.change, f.change_percent, rate=rate)
        projected = f.projected
        hide = projected is not None and not rate and is_small(f.current)
        projected_cell = NOT_SHOWN if hide else _number(projected)
        a = row.assessment
        rows.append(
            [
                f.measure.label,
                report.period.label,
                export_value(f.current, rate=rate),
                export_value(f.previous_same_point, rate=rate),
                change,
                change_percent,
                export_value(f.previous, rate=rate),
                a.target.describe() if a else "No target",
                _number(a.goal) if a and a.goal is not None else "",
                projected_cell,
                a.status_label if a and a.status else ("Shown to managers only" if a and a.withheld else ""),
            ]
        )
    return header, rows


def year_on_year_rows(yoy: YearOnYear) -> tuple[list[str], list[list]]:
    rate = yoy.measure.is_rate
    header = ["Measure", "Month", "Value", "Same month of the previous period", "Value"]
    rows = []
    for r in yoy.rows:
        rows.append(
            [
                yoy.measure.label,
                f"{r.month:%B %Y}",
                "" if r.future else export_value(r.current, rate=rate),
                f"{r.previous_month:%B %Y}",
                export_value(r.previous, rate=rate),
            ]
        )
    return header, rows


def breakdown_rows(table: Breakdown, *, this_label: str, previous_label: str) -> tuple[list[str], list[list]]:
    header = [table.dimension, this_label, previous_label, "Change", "Change (%)"]
    rows = []
    for r in table.rows:
        change, change_percent = _change(r.current, r.previous, r.change, r.change_percent, rate=False)
        rows.append([r.label, export_count(r.current), export_count(r.previous), change, change_percent])
    return header, rows


def benchmark_rows(benchmarks: Benchmarks) -> tuple[list[str], list[list]]:
    header = ["Measure", "Period", "Cases counted", "This partnership", "SafeLives recommended", "National figure"]
    rows = []
    for r in benchmarks.rows:
        if not r.available:
            value = r.note or "Not available"
            counted = ""
        elif r.unit == "per_10000":
            counted = export_count(benchmarks.cases)
            value = NOT_SHOWN if is_small(benchmarks.cases) else _number(r.value)
        else:
            counted = export_count(r.rate.numerator) if r.rate else ""
            value = export_value(r.rate, rate=True)
        rows.append([r.label, benchmarks.period.label, counted, value, r.recommended, r.national])
    return header, rows


def outcome_rows(series_list: list[OutcomeSeries]) -> tuple[list[str], list[list]]:
    header = ["Measure", "Month", "Count", "Same month of the previous period", "Count"]
    rows = []
    for series in series_list:
        for r in series.rows:
            rows.append(
                [
                    series.measure.label,
                    f"{r.month:%B %Y}",
                    export_count(r.current),
                    f"{r.previous_month:%B %Y}",
                    export_count(r.previous),
                ]
            )
    return header, rows
