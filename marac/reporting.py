"""The MARAC repeat rate for the report pages (referrals.registry.ReportMeasureProvider), registered by the
MARAC app (journey.register): repeats are MARAC details flagged by repeat detection or a coordinator's
confirmation."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from marac.models import MaracDetail
from referrals.models import Pathway
from referrals.reporting.measures import DATE_FIELD, Rate, counts_in_ranges, in_period


def _repeat() -> Q:
    """MARAC referrals flagged as repeats, as "id in (the repeats)": an index-only scan of
    marac_detail_repeat_ref_idx hashed once per query, where a join would read every MARAC detail."""
    return Q(pk__in=MaracDetail.objects.filter(is_repeat=True).values("referral_id"))


def marac_repeat_totals(
    referrals: QuerySet, ranges: dict[str, tuple[datetime.datetime, datetime.datetime]]
) -> dict[str, Rate]:
    """{range name: Rate(repeats, MARAC cases)} for each range: one query."""
    marac = referrals.filter(pathway=Pathway.MARAC)
    counts = counts_in_ranges(marac, ranges, {"cases": Q(), "repeats": _repeat()})
    return {name: Rate(counts[("repeats", name)], counts[("cases", name)]) for name in ranges}


def marac_repeat_monthly(
    referrals: QuerySet, start: datetime.datetime, end: datetime.datetime
) -> dict[datetime.date, Rate]:
    """{first day of month: Rate(repeats, MARAC cases)}: one query."""
    rows = (
        referrals.filter(in_period(start, end), pathway=Pathway.MARAC)
        .annotate(month=TruncMonth(DATE_FIELD, output_field=DateField()))
        .values("month")
        .annotate(cases=Count("pk"), repeats=Count("pk", filter=_repeat()))
        .order_by("month")
    )
    return {row["month"]: Rate(row["repeats"], row["cases"]) for row in rows}
