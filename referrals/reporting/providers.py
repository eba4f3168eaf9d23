"""Fallback counting for the MARAC repeat rate, registered only when the MARAC app is installed and its
referral details carry the repeat flag (`Referral.marac.is_repeat`, set by MARAC's repeat detection once a
coordinator confirms it). It reads the flag through the ORM relation and imports nothing from `marac`. If
the MARAC app registers a provider of its own (from its AppConfig.ready, which runs after this one), that
provider replaces this one.

HSB orders are provided by hsb_pathway itself (hsb_pathway.apps).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from referrals import registry
from referrals.models import Pathway, Referral
from referrals.reporting.measures import DATE_FIELD, Rate, in_period
from referrals.reporting.models import ReportMeasure

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


def _marac_repeat_flag_exists() -> bool:
    try:
        relation = Referral._meta.get_field("marac")
        relation.related_model._meta.get_field("is_repeat")
    except (FieldDoesNotExist, AttributeError):
        return False
    return True


def register_fallback_providers() -> None:
    if registry.report_measure_provider(ReportMeasure.MARAC_REPEAT_RATE) is None and _marac_repeat_flag_exists():
        registry.register_report_measure(
            ReportMeasure.MARAC_REPEAT_RATE,
            registry.ReportMeasureProvider(totals=marac_repeat_totals, monthly=marac_repeat_monthly),
        )
