"""The text that goes with each chart: a message-led title and a one- or two-sentence summary of the main
point, as the GOV.UK and Analysis Function guidance asks. Built from the same numbers as the table."""

from __future__ import annotations

import datetime

from referrals.reporting.presentation import (
    fmt_change,
    fmt_count,
    fmt_decimal,
    fmt_percent_change,
    fmt_value,
)
from referrals.reporting.selectors import (
    AT_RISK,
    OFF_TRACK,
    ON_TRACK,
    Benchmarks,
    Breakdown,
    Figures,
    OutcomeSeries,
    TargetReport,
    YearOnYear,
)


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def coverage(figures: Figures, today: datetime.date) -> str:
    """Which part of the period the figures cover, in words."""
    period = figures.period
    if figures.measure.source == "outcome":
        months = round(figures.covered * 12)
        if months == 12:
            return f"all 12 months of {period.label}"
        return f"{months} month{'s' if months != 1 else ''} of {period.label} with data"
    if period.is_complete(today):
        return period.label
    if not period.has_started(today):
        return f"{period.label} (not started)"
    return f"{period.label} so far ({_day(period.start)} to {_day(today)})"


def comparison(figures: Figures, today: datetime.date) -> str:
    """ "123 MARAC referrals in 2025/26 so far (...), 15 more than at the same point of 2024/25 (+13.9%)." """
    measure = figures.measure
    if not figures.available:
        return f"{measure.label}: not available yet."
    rate = measure.is_rate
    now = fmt_value(figures.current, rate=rate)
    text = f"{measure.label}: {now} in {coverage(figures, today)}"
    change = figures.change
    previous = figures.period.previous().label
    if change is None:
        return text + f". There is no figure for the same point of {previous} to compare with."
    if change == 0:
        return text + f", the same as at the same point of {previous}."
    direction = "more" if change > 0 else "fewer"
    if rate:
        return text + f", {fmt_change(change, rate=True)} on the same point of {previous}."
    amount = fmt_count(abs(change))
    percent = figures.change_percent
    extra = f" ({fmt_percent_change(percent)})" if percent is not None else ""
    return text + f", {amount} {direction} than at the same point of {previous}{extra}."


def target_summary(report: TargetReport) -> tuple[str, str]:
    counts = report.counts()
    assessed = counts[ON_TRACK] + counts[AT_RISK] + counts[OFF_TRACK]
    if not assessed:
        reason = (
            "No measure has a target for this period with figures to project, so there is nothing to chart."
            if report.partnership_wide
            else "Targets are the partnership's. Managers see their status against partnership-wide counts; "
            "here the status is shown only for outcome measures, which cover the whole area."
        )
        return f"No targets to assess for {report.period.label}", reason
    on, risk, off = counts[ON_TRACK], counts[AT_RISK], counts[OFF_TRACK]
    title = f"{on} of {assessed} target{'s' if assessed != 1 else ''} on track for {report.period.label}"
    summary = (
        f"At the current rate, {on} measure{'s are' if on != 1 else ' is'} on track, {risk} at risk and "
        f"{off} off track. Each bar is the figure projected to the end of the period as a percentage of its "
        "target; the dashed line marks 100%. For a measure where a fall is good, a bar beyond the line is "
        "bad news."
    )
    return title, summary


def year_on_year_summary(yoy: YearOnYear, today: datetime.date) -> tuple[str, str]:
    figures = yoy.figures
    measure = yoy.measure
    if not figures.available:
        return f"{measure.label}: not available yet", "This measure is not counted yet, so there is no chart."
    change = figures.change
    if change is None or change == 0:
        title = f"{measure.label}: no change on {yoy.previous.label}" if change == 0 else measure.label
    else:
        word = "up" if change > 0 else "down"
        if measure.is_rate:
            title = f"{measure.label} {word} {fmt_decimal(abs(change))} points on {yoy.previous.label}"
        elif figures.change_percent is not None:
            title = f"{measure.label} {word} {fmt_decimal(abs(figures.change_percent))}% on {yoy.previous.label}"
        else:
            title = f"{measure.label} {word} {fmt_count(abs(change))} on {yoy.previous.label}"
    summary = comparison(figures, today)
    summary += (
        f" The solid blue line is {yoy.period.label}; the dashed grey line is {yoy.previous.label}, month by month."
    )
    return title, summary


def breakdown_summary(table: Breakdown, *, this_label: str, previous_label: str) -> tuple[str, str]:
    rows = [r for r in table.rows if r.current or r.previous]
    if not rows:
        return f"{table.title}: no referrals", "There were no referrals to count in either period."
    top = max(rows, key=lambda r: r.current)
    total = table.total_current
    share = f" ({fmt_decimal(top.current * 100 / total)}% of {fmt_count(total)})" if total else ""
    title = f"{table.title}: most from {top.label}"
    summary = (
        f"{top.label} accounted for {fmt_count(top.current)} referrals in {this_label}{share}. "
        f"In all, {fmt_count(total)} referrals in {this_label} against {fmt_count(table.total_previous)} "
        f"at the same point of {previous_label}. Blue bars are {this_label}; grey bars are {previous_label}."
    )
    return title, summary


def benchmark_summary(benchmarks: Benchmarks) -> tuple[str, str]:
    rate = benchmarks.row("per_10000")
    if rate.value is None:
        first = (
            f"{fmt_count(benchmarks.cases)} MARAC cases in {benchmarks.period.label}. The rate per 10,000 adult "
            "women cannot be worked out until the population is set."
        )
        title = f"{fmt_count(benchmarks.cases)} MARAC cases in {benchmarks.period.label}"
    else:
        scaled = "" if benchmarks.complete else " (the part-year so far, scaled to a whole year)"
        first = (
            f"{fmt_decimal(rate.value)} MARAC cases per 10,000 adult women a year{scaled}, against SafeLives' "
            "recommended 40 and a national figure of 47."
        )
        word = "above" if rate.value >= 40 else "below"
        title = f"MARAC cases {word} SafeLives' recommended level"
    disabled = benchmarks.row("disabled")
    second = (
        f" Disabled victims made up {fmt_value(disabled.rate)} of cases, against a recommended 16% or more. "
        "Blue bars are this partnership; grey bars the national figures."
    )
    return title, first + second


def outcome_summary(series: OutcomeSeries, today: datetime.date) -> tuple[str, str]:
    figures = series.figures
    if figures.current is None:
        return f"{series.measure.label}: no figures yet", (
            f"No monthly figures have been entered for {figures.period.label}."
        )
    title = f"{series.measure.label}: {fmt_count(figures.current)} in {coverage(figures, today)}"
    summary = comparison(figures, today)
    return title, summary + " The solid blue line is this period; the dashed grey line the previous one."
