"""The measure registry: what each report measure counts, as an SQL aggregate over a scoped queryset.

Three kinds of measure:
- case measures: referrals submitted in a date range that have some facts (`facts`, such as {"pathway":
  "marac", "police": False}: referrals.reporting.tally.FACTS). All of them are counted together in one
  aggregate query, from the report tally or, where it cannot answer, from the referrals themselves;
- outcome measures: monthly figures from outside data (OutcomeMeasureEntry), summed in one query;
- provided measures: counted by a pathway app (MARAC repeat rate, HSB orders), which registers a
  `registry.ReportMeasureProvider` for the measure's key. Until it does, the measure shows as unavailable.

A referral counts in the month it was submitted (`submitted_at`, London time), whatever happened to it next.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from referrals import registry
from referrals.models import IncidentType, Pathway
from referrals.reporting.models import Direction, ReportMeasure

COUNT = "count"
RATE = "rate"

CASES = "cases"
OUTCOME = "outcome"
PROVIDED = "provided"

DATE_FIELD = "submitted_at"


def in_period(start, end, field: str = DATE_FIELD) -> Q:
    """Rows whose `field` (default: the referral's DATE_FIELD) falls in [start, end)."""
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def counts_in_ranges(
    queryset: QuerySet,
    ranges: dict[str, tuple[Any, Any]],
    filters: dict[str, Q],
    *,
    field: str = DATE_FIELD,
    weight: str | None = None,
) -> dict[tuple[str, str], int]:
    """{(filter key, range name): rows of `queryset` matching the filter with `field` in the range}: one query.
    With `weight`, each row counts as that many (the report tally's `count`).

    The ranges may overlap (the previous period to today's point lies inside the whole previous period), so the
    rows are grouped by the pieces that the ranges' ends cut the time line into, each filter is counted once per
    piece, and a range adds up the pieces inside it. Each filter then appears once in the SQL: a filter with a
    subquery (an incident type, the MARAC repeats) is one hashed subplan rather than one per range."""
    if not ranges or not filters:
        return {}
    points = sorted({moment for bounds in ranges.values() for moment in bounds})
    pieces = list(itertools.pairwise(points))
    piece = Case(
        *[When(in_period(start, end, field), then=Value(i)) for i, (start, end) in enumerate(pieces)],
        output_field=IntegerField(),
    )
    keys = list(filters)

    aggregate, column = (Sum, weight) if weight is not None else (Count, "pk")
    counts = {f"n{j}": aggregate(column, filter=filters[key] or None) for j, key in enumerate(keys)}
    rows = queryset.filter(in_period(points[0], points[-1], field)).annotate(piece=piece).values("piece")
    by_piece = {row["piece"]: row for row in rows.annotate(**counts).order_by()}
    result = {}
    for name, (start, end) in ranges.items():
        inside = [by_piece[i] for i, (s, e) in enumerate(pieces) if start <= s and e <= end and i in by_piece]
        for j, key in enumerate(keys):
            result[(key, name)] = sum(row[f"n{j}"] or 0 for row in inside)
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
    facts: dict[str, Any] | None = None  # what a case measure counts (referrals.reporting.tally.FACTS)

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


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            ReportMeasure.REFERRALS_ALL,
            CASES,
            "Every referral submitted on any pathway.",
            Direction.INCREASE,
            facts={},
        ),
        Measure(
            ReportMeasure.MARAC_REFERRALS,
            CASES,
            "Referrals submitted on the MARAC pathway, repeats included.",
            Direction.INCREASE,
            facts={"pathway": Pathway.MARAC},
        ),
        Measure(
            ReportMeasure.MARAC_NON_POLICE,
            CASES,
            "MARAC referrals whose referring agency is not a police force.",
            Direction.INCREASE,
            facts={"pathway": Pathway.MARAC, "police": False},
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
            facts={"pathway": Pathway.HSB},
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
            facts={"pathway": Pathway.YOUTH_VIOLENCE},
        ),
        Measure(
            ReportMeasure.YV_KNIFE_INJURIES,
            CASES,
            "Youth violence referrals whose incident was a knife or sharp-object injury.",
            Direction.DECREASE,
            facts={"pathway": Pathway.YOUTH_VIOLENCE, "incident_type": IncidentType.KNIFE_INJURY},
        ),
        Measure(
            ReportMeasure.YV_GUNSHOT_INJURIES,
            CASES,
            "Youth violence referrals whose incident was a gunshot injury.",
            Direction.DECREASE,
            facts={"pathway": Pathway.YOUTH_VIOLENCE, "incident_type": IncidentType.GUNSHOT_INJURY},
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
