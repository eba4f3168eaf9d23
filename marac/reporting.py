"""The MARAC repeat rate for the report pages (referrals.registry.ReportMeasureProvider), registered by the
MARAC app (journey.register): repeats are MARAC details flagged by repeat detection or a coordinator's
confirmation."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from marac.models import MaracDetail
from referrals.models import Pathway
from referrals.reporting.measures import DATE_FIELD, Rate, in_period, rate_totals
from referrals.reporting.tally import facts_filter


def repeats() -> Q:
    """MARAC referrals flagged as repeats, as "id in (the repeats)": an index-only scan of
    marac_detail_repeat_ref_idx hashed once per query, where a join would read every MARAC detail. The report
    tally's `repeat` fact (registry.register_report_repeat)."""
    return Q(pk__in=MaracDetail.objects.filter(is_repeat=True).values("referral_id"))


# The repeat rate's numerator and denominator as report facts (ReportMeasureProvider.rate_facts).
REPEAT_RATE_FACTS = ({"pathway": Pathway.MARAC, "repeat": True}, {"pathway": Pathway.MARAC})


def repeat_rate_filters() -> tuple[Q, Q]:
    """(repeats, MARAC referrals): the repeat rate's numerator and denominator over Referral."""
    numerator, denominator = REPEAT_RATE_FACTS
    return facts_filter(numerator), facts_filter(denominator)


def marac_repeat_totals(
    referrals: QuerySet, ranges: dict[str, tuple[datetime.datetime, datetime.datetime]]
) -> dict[str, Rate]:
    """{range name: Rate(repeats, MARAC cases)} for each range: one query."""
    return rate_totals(referrals.filter(pathway=Pathway.MARAC), ranges, *repeat_rate_filters())


def marac_repeat_monthly(
    referrals: QuerySet, start: datetime.datetime, end: datetime.datetime
) -> dict[datetime.date, Rate]:
    """{first day of month: Rate(repeats, MARAC cases)}: one query."""
    rows = (
        referrals.filter(in_period(start, end), pathway=Pathway.MARAC)
        .annotate(month=TruncMonth(DATE_FIELD, output_field=DateField()))
        .values("month")
        .annotate(cases=Count("pk"), repeats=Count("pk", filter=repeats()))
        .order_by("month")
    )
    return {row["month"]: Rate(row["repeats"], row["cases"]) for row in rows}
