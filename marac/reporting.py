"""The MARAC repeat rate for the report pages (referrals.registry.ReportMeasureProvider), registered by the
MARAC app (journey.register): repeats are MARAC details flagged by repeat detection or a coordinator's
confirmation."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from referrals.models import Pathway
from referrals.reporting.measures import DATE_FIELD, Rate, in_period

REPEAT = Q(marac__is_repeat=True)


def marac_repeat_totals(
    referrals: QuerySet, ranges: dict[str, tuple[datetime.datetime, datetime.datetime]]
) -> dict[str, Rate]:
    """{range name: Rate(repeats, MARAC cases)} for each range: one query."""
    if not ranges:
        return {}
    aggregates = {}
    for name, (start, end) in ranges.items():
        aggregates[f"{name}__cases"] = Count("pk", filter=in_period(start, end))
        aggregates[f"{name}__repeats"] = Count("pk", filter=in_period(start, end) & REPEAT)
    start = min(r[0] for r in ranges.values())
    end = max(r[1] for r in ranges.values())
    result = referrals.filter(in_period(start, end), pathway=Pathway.MARAC).aggregate(**aggregates)
    return {name: Rate(result[f"{name}__repeats"] or 0, result[f"{name}__cases"] or 0) for name in ranges}


def marac_repeat_monthly(
    referrals: QuerySet, start: datetime.datetime, end: datetime.datetime
) -> dict[datetime.date, Rate]:
    """{first day of month: Rate(repeats, MARAC cases)}: one query."""
    rows = (
        referrals.filter(in_period(start, end), pathway=Pathway.MARAC)
        .annotate(month=TruncMonth(DATE_FIELD, output_field=DateField()))
        .values("month")
        .annotate(cases=Count("pk"), repeats=Count("pk", filter=REPEAT))
        .order_by("month")
    )
    return {row["month"]: Rate(row["repeats"], row["cases"]) for row in rows}
