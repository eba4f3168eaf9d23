"""The measure registry: what each report measure counts, as an SQL aggregate over a scoped queryset.

Three kinds of measure:
- case measures: referrals submitted in a date range that match a filter (a `Q` over Referral). All of them
  are counted together in one aggregate query with `Count(filter=...)`;
- outcome measures: monthly figures from outside data (OutcomeMeasureEntry), summed in one query;
- provided measures: counted by a pathway app (MARAC repeat rate, HSB orders), which registers a
  `registry.ReportMeasureProvider` for the measure's key. Until it does, the measure shows as unavailable.

A referral counts in the month it was submitted (`submitted_at`, London time), whatever happened to it next.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import AgencyKind
from referrals import registry
from referrals.models import IncidentType, Pathway, YouthViolenceDetail
from referrals.reporting.models import Direction, ReportMeasure

COUNT = "count"
RATE = "rate"

CASES = "cases"
OUTCOME = "outcome"
PROVIDED = "provided"

DATE_FIELD = "submitted_at"


def in_period(start: datetime.datetime, end: datetime.datetime) -> Q:
    """Cases whose DATE_FIELD falls in [start, end)."""
    return Q(**{f"{DATE_FIELD}__gte": start, f"{DATE_FIELD}__lt": end})


def counts_in_ranges(
    queryset: QuerySet, ranges: dict[str, tuple[datetime.datetime, datetime.datetime]], filters: dict[str, Q]
) -> dict[tuple[str, str], int]:
    """{(filter key, range name): rows of `queryset` matching the filter with DATE_FIELD in the range}: one query.

    The ranges may overlap (the previous period to today's point lies inside the whole previous period), so the
    rows are grouped by the pieces that the ranges' ends cut the time line into, each filter is counted once per
    piece, and a range adds up the pieces inside it. Each filter then appears once in the SQL: a filter with a
    subquery (an incident type, the MARAC repeats) is one hashed subplan rather than one per range."""
    if not ranges or not filters:
        return {}
    points = sorted({moment for bounds in ranges.values() for moment in bounds})
    pieces = list(itertools.pairwise(points))
    piece = Case(
        *[When(in_period(start, end), then=Value(i)) for i, (start, end) in enumerate(pieces)],
        output_field=IntegerField(),
    )
    keys = list(filters)
    counts = {f"n{j}": Count("pk", filter=filters[key]) if filters[key] else Count("pk") for j, key in enumerate(keys)}
    rows = queryset.filter(in_period(points[0], points[-1])).annotate(piece=piece).values("piece").annotate(**counts)
    by_piece = {row["piece"]: row for row in rows.order_by()}
    result = {}
    for name, (start, end) in ranges.items():
        inside = [by_piece[i] for i, (s, e) in enumerate(pieces) if start <= s and e <= end and i in by_piece]
        for j, key in enumerate(keys):
            result[(key, name)] = sum(row[f"n{j}"] for row in inside)
    return result


@dataclass(frozen=True)
class Rate:
    """A share: numerator out of denominator. `percent` is None when there is nothing to divide by."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Fraction | None:
        if not self.denominator:
            return None
        return Fraction(self.numerator * 100, self.denominator)

    def __bool__(self) -> bool:
        return bool(self.denominator)


def rate_totals(
    queryset: QuerySet, ranges: dict[str, tuple[datetime.datetime, datetime.datetime]], numerator: Q, denominator: Q
) -> dict[str, Rate]:
    """{range name: Rate(rows matching numerator, rows matching denominator)}: one query."""
    counts = counts_in_ranges(queryset, ranges, {"numerator": numerator, "denominator": denominator})
    return {name: Rate(counts[("numerator", name)], counts[("denominator", name)]) for name in ranges}


@dataclass(frozen=True)
class Measure:
    key: str
    source: str
    how_counted: str
    default_direction: str
    unit: str = COUNT
    cases_filter: Callable[[], Q] | None = None

    @property
    def label(self) -> str:
        return str(ReportMeasure(self.key).label)

    @property
    def short_label(self) -> str:
        """For chart axes, where long labels are cut short."""
        return SHORT_LABELS.get(self.key, self.label)

    @property
    def is_rate(self) -> bool:
        return self.unit == RATE

    @property
    def provider(self):
        return registry.report_measure_provider(self.key) if self.source == PROVIDED else None

    @property
    def available(self) -> bool:
        return self.source != PROVIDED or self.provider is not None

    @property
    def filterable(self) -> bool:
        """Whether the pathway and agency filters apply (they do not to outside data)."""
        return self.source != OUTCOME


SHORT_LABELS = {
    ReportMeasure.MARAC_NON_POLICE: "MARAC referrals, not police",
    ReportMeasure.HSB_REFERRALS: "HSB referrals",
    ReportMeasure.HSB_ORDERS: "HSB orders made",
    ReportMeasure.YV_KNIFE_INJURIES: "Knife injuries, under 25",
    ReportMeasure.YV_GUNSHOT_INJURIES: "Gunshot injuries, under 25",
    ReportMeasure.HOSPITAL_SHARP_U25: "Sharp-object admissions, under 25",
    ReportMeasure.POLICE_KNIFE_U25: "Knife offences, under 25",
}


def _pathway(pathway: str) -> Callable[[], Q]:
    return lambda: Q(pathway=pathway)


def _incident(incident_type: str) -> Callable[[], Q]:
    """Youth violence referrals whose incident was of this type, as "id in (the details of that type)": the
    subquery is an index-only scan (yv_incident_referral_idx) that PostgreSQL hashes once, where a join would
    read every youth violence detail for every report (docs/performance.md)."""
    return lambda: Q(
        pathway=Pathway.YOUTH_VIOLENCE,
        pk__in=YouthViolenceDetail.objects.filter(incident_type=incident_type).values("referral_id"),
    )


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            ReportMeasure.REFERRALS_ALL,
            CASES,
            "Every referral submitted on any pathway.",
            Direction.INCREASE,
            cases_filter=Q,
        ),
        Measure(
            ReportMeasure.MARAC_REFERRALS,
            CASES,
            "Referrals submitted on the MARAC pathway, repeats included.",
            Direction.INCREASE,
            cases_filter=_pathway(Pathway.MARAC),
        ),
        Measure(
            ReportMeasure.MARAC_NON_POLICE,
            CASES,
            "MARAC referrals whose referring agency is not a police force.",
            Direction.INCREASE,
            cases_filter=lambda: Q(pathway=Pathway.MARAC) & ~Q(owner_agency__kind=AgencyKind.POLICE),
        ),
        Measure(
            ReportMeasure.MARAC_REPEAT_RATE,
            PROVIDED,
            "The share of MARAC referrals that are repeats: a further incident within 12 months of the last "
            "referral (SafeLives' definition).",
            Direction.INCREASE,
            unit=RATE,
        ),
        Measure(
            ReportMeasure.HSB_REFERRALS,
            CASES,
            "Referrals submitted on the harmful sexual behaviour pathway.",
            Direction.INCREASE,
            cases_filter=_pathway(Pathway.HSB),
        ),
        Measure(
            ReportMeasure.HSB_ORDERS,
            PROVIDED,
            "Orders made on harmful sexual behaviour cases, counted in the month the order was made.",
            Direction.INCREASE,
        ),
        Measure(
            ReportMeasure.YV_REFERRALS,
            CASES,
            "Referrals submitted on the youth violence pathway (people under 25).",
            Direction.INCREASE,
            cases_filter=_pathway(Pathway.YOUTH_VIOLENCE),
        ),
        Measure(
            ReportMeasure.YV_KNIFE_INJURIES,
            CASES,
            "Youth violence referrals whose incident was a knife or sharp-object injury.",
            Direction.DECREASE,
            cases_filter=_incident(IncidentType.KNIFE_INJURY),
        ),
        Measure(
            ReportMeasure.YV_GUNSHOT_INJURIES,
            CASES,
            "Youth violence referrals whose incident was a gunshot injury.",
            Direction.DECREASE,
            cases_filter=_incident(IncidentType.GUNSHOT_INJURY),
        ),
        Measure(
            ReportMeasure.HOSPITAL_SHARP_U25,
            OUTCOME,
            "Hospital admissions for assault with a sharp object (ICD-10 X99), victims under 25, from NHS data.",
            Direction.DECREASE,
        ),
        Measure(
            ReportMeasure.POLICE_KNIFE_U25,
            OUTCOME,
            "Knife or sharp-object offences recorded by the police, victims under 25.",
            Direction.DECREASE,
        ),
        Measure(
            ReportMeasure.HOMICIDES,
            OUTCOME,
            "Homicides recorded in the partnership's area.",
            Direction.DECREASE,
        ),
    ]
}


def measure(key: str) -> Measure:
    return MEASURES[key]


def all_measures() -> list[Measure]:
    return list(MEASURES.values())
