"""CSV downloads of the report tables: counts only, and counts below 5 shown as "fewer than 5" (a rate built
on fewer than 5 cases, and any change worked out from a hidden count, is not shown either). Where a column adds
up to a total published elsewhere (a breakdown's rows, a period's months), a lone small count takes the next
smallest with it (presentation.suppressed_column). Cells are escaped against spreadsheet formulas by
svd_portal.lib.csv_export."""

from __future__ import annotations

from fractions import Fraction

from referrals.reporting.presentation import (
    NOT_SHOWN,
    export_count,
    export_value,
    is_small,
    rounded,
    suppressed_column,
)
from referrals.reporting.selectors import Benchmarks, Breakdown, Figures, OutcomeSeries, TargetReport, YearOnYear


def _number(value: Fraction | None):
    return "" if value is None else float(rounded(value))


def _change(shown: bool, change, change_percent, *, rate: bool):
    """The change cells, when both counts it is worked out from are shown."""
    if not shown:
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
        shown = not (is_small(f.current) or is_small(f.previous_same_point))
        change, change_percent = _change(shown, f.change, f.change_percent, rate=rate)
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
    past = [r for r in yoy.rows if not r.future]
    if rate:  # rates do not add up to a total: each is shown or not on its own numbers
        current = [export_value(r.current, rate=True) for r in past]
        previous = [export_value(r.previous, rate=True) for r in yoy.rows]
    else:
        current = suppressed_column([r.current for r in past])
        previous = suppressed_column([r.previous for r in yoy.rows])
    current += [""] * (len(yoy.rows) - len(past))  # months still to come
    rows = [
        [yoy.measure.label, f"{r.month:%B %Y}", now, f"{r.previous_month:%B %Y}", then]
        for r, now, then in zip(yoy.rows, current, previous, strict=True)
    ]
    return header, rows


def breakdown_rows(table: Breakdown, *, this_label: str, previous_label: str) -> tuple[list[str], list[list]]:
    header = [table.dimension, this_label, previous_label, "Change", "Change (%)"]
    current = suppressed_column([r.current for r in table.rows])
    previous = suppressed_column([r.previous for r in table.rows])
    rows = []
    for r, now, then in zip(table.rows, current, previous, strict=True):
        shown = isinstance(now, int) and isinstance(then, int)
        change, change_percent = _change(shown, r.change, r.change_percent, rate=False)
        rows.append([r.label, now, then, change, change_percent])
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
        current = suppressed_column([r.current for r in series.rows])
        previous = suppressed_column([r.previous for r in series.rows])
        rows += [
            [series.measure.label, f"{r.month:%B %Y}", now, f"{r.previous_month:%B %Y}", then]
            for r, now, then in zip(series.rows, current, previous, strict=True)
        ]
    return header, rows
