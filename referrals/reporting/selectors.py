"""Every number the report pages show. Each is an SQL aggregate (Count with filter=, TruncMonth, Sum) over
the referrals the user may count (accounts.permissions.referrals_reportable_to): a fixed number of queries
whatever the number of cases. Python only ever loops over aggregated rows (at most one per month, measure or
agency), never over cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, DateField, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts import permissions
from accounts.models import Agency, AgencyKind
from referrals.models import (
    LGB_ORIENTATIONS,
    MINORITISED_ETHNICITIES,
    Gender,
    Pathway,
    PersonRole,
    YesNoUnknown,
)
from referrals.reporting import benchmarks as bm
from referrals.reporting import tally
from referrals.reporting.measures import (
    CASES,
    DATE_FIELD,
    OUTCOME,
    Measure,
    Rate,
    all_measures,
    counts_in_ranges,
    in_period,
)
from referrals.reporting.measures import measure as measure_of
from referrals.reporting.models import (
    Direction,
    OutcomeMeasureEntry,
    PartnershipSetting,
    PeriodKind,
    ReportMeasure,
    Target,
    TargetType,
)
from referrals.reporting.periods import Period, add_months, london_midnight

Value = int | Rate | None

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NOT_STARTED = "not_started"
STATUS_LABELS = {
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    NOT_STARTED: "Not started",
}
# Projected within this fraction of the target, on the wrong side of it, is "at risk"; further is "off track".
AT_RISK_MARGIN = Fraction(1, 10)


# --- Filters and scope ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    pathway: str = ""
    agency: Agency | None = None

    @property
    def any(self) -> bool:
        return bool(self.pathway or self.agency)

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.pathway:
            queryset = queryset.filter(pathway=self.pathway)
        if self.agency is not None:
            queryset = queryset.filter(owner_agency=self.agency)
        return queryset

    def describe(self) -> str:
        parts = []
        if self.pathway:
            parts.append(str(Pathway(self.pathway).label))
        if self.agency is not None:
            parts.append(f"referred by {self.agency.name}")
        return ", ".join(parts)


def report_scope(user, filters: ReportFilters | None = None) -> QuerySet:
    queryset = permissions.referrals_reportable_to(user)
    return filters.apply(queryset) if filters else queryset


@dataclass(frozen=True)
class Source:
    """Where a report counts referrals: `scope`, the referrals themselves (report_scope), and `tally`, the same
    referrals in the report tally (referrals.reporting.tally), or None where the tally cannot say: it does not
    know the referring agency (so not with a filter by agency), and it says nothing until counted in full."""

    scope: QuerySet
    tally: QuerySet | None


def report_source(user, filters: ReportFilters | None = None) -> Source:
    scope = report_scope(user, filters)
    audience = permissions.report_audience(user)
    if audience is None or (filters is not None and filters.agency is not None) or not tally.is_built():
        return Source(scope, None)
    rows = tally.tally_rows(audience)
    if filters is not None and filters.pathway:
        rows = rows.filter(pathway=filters.pathway)
    return Source(scope, rows)


def _days(start: datetime.datetime, end: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """A range of London midnights as the tally's days."""
    return timezone.localtime(start).date(), timezone.localtime(end).date()


def is_partnership_wide(user) -> bool:
    return permissions.can_view_partnership_reports(user)


# --- Figures for one measure in one period --------------------------------------------------------


def as_number(value: Value) -> Fraction | None:
    """A count as itself, a rate as its percentage (None when it cannot be worked out)."""
    if value is None:
        return None
    if isinstance(value, Rate):
        return value.percent
    return Fraction(value)


@dataclass
class Figures:
    """A measure's numbers: this period so far, the previous period to the same point, the whole previous
    period, and how much of this period the figures cover (`covered`, 0 to 1)."""

    measure: Measure
    period: Period
    current: Value
    previous_same_point: Value
    previous: Value
    covered: Fraction
    available: bool = True

    @property
    def complete(self) -> bool:
        return self.covered >= 1

    @property
    def projected(self) -> Fraction | None:
        """The run rate taken to the period's end: count so far / share of the period covered. A rate is
        already a rate and is not scaled."""
        current = as_number(self.current)
        if current is None or self.covered <= 0:
            return None
        if self.measure.is_rate or self.covered >= 1:
            return current
        return current / self.covered

    @property
    def change(self) -> Fraction | None:
        """Change on the previous period to the same point (percentage points for a rate)."""
        now, before = as_number(self.current), as_number(self.previous_same_point)
        if now is None or before is None:
            return None
        return now - before

    @property
    def change_percent(self) -> Fraction | None:
        if self.measure.is_rate:
            return None
        now, before = as_number(self.current), as_number(self.previous_same_point)
        if now is None or not before:
            return None
        return (now - before) * 100 / before


def status_for(projected: Fraction, goal: Fraction, direction: str) -> str:
    """On track if the projection reaches the goal; at risk if it falls short (or, where a fall is good,
    overshoots) by no more than 10% of the goal; off track beyond that."""
    if direction == Direction.DECREASE:
        if projected <= goal:
            return ON_TRACK
        if projected <= goal * (1 + AT_RISK_MARGIN):
            return AT_RISK
        return OFF_TRACK
    if projected >= goal:
        return ON_TRACK
    if projected >= goal * (1 - AT_RISK_MARGIN):
        return AT_RISK
    return OFF_TRACK


def target_goal(target: Target, previous: Value) -> Fraction | None:
    """The number the target asks for: itself, or the previous period's whole figure changed by the
    percentage (None when the previous figure is not known)."""
    value = Fraction(target.value)
    if target.target_type == TargetType.ABSOLUTE:
        return value
    before = as_number(previous)
    if before is None:
        return None
    return before * (1 + value / 100)


@dataclass
class Assessment:
    target: Target
    goal: Fraction | None
    status: str | None
    # Targets are the partnership's: against counts scoped to one agency's view, a status would mislead.
    withheld: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status or "", "Not known")


def assess(target: Target | None, figures: Figures) -> Assessment | None:
    if target is None:
        return None
    goal = target_goal(target, figures.previous)
    projected = figures.projected
    if figures.covered <= 0:
        status = NOT_STARTED
    elif goal is None or projected is None:
        status = None
    else:
        status = status_for(projected, goal, target.direction)
    return Assessment(target=target, goal=goal, status=status)


@dataclass
class TargetRow:
    figures: Figures
    assessment: Assessment | None

    @property
    def measure(self) -> Measure:
        return self.figures.measure


@dataclass
class TargetReport:
    period: Period
    today: datetime.date
    rows: list[TargetRow]
    partnership_wide: bool

    @property
    def previous(self) -> Period:
        return self.period.previous()

    @property
    def with_targets(self) -> list[TargetRow]:
        """Rows with a target, a goal and a status to chart."""
        return [
            r
            for r in self.rows
            if r.assessment is not None
            and r.assessment.goal is not None
            and r.assessment.status in {ON_TRACK, AT_RISK, OFF_TRACK}
        ]

    def counts(self) -> dict[str, int]:
        result = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows:
            if row.assessment and row.assessment.status in result:
                result[row.assessment.status] += 1
        return result


# --- Case measures: one aggregate for all of them -------------------------------------------------


def _case_ranges(period: Period, today: datetime.date) -> dict[str, tuple[datetime.datetime, datetime.datetime]]:
    """The three ranges a target row shows, in the order Figures takes them."""
    previous = period.previous()
    return {
        "current": (period.start_at, period.end_at),
        "previous_same_point": (previous.start_at, london_midnight(period.same_point(today))),
        "previous": (previous.start_at, previous.end_at),
    }


def counted_figures(measures: list[Measure], source: Source, period: Period, today: datetime.date) -> dict:
    """{measure key: Figures} for the measures counted from referrals: the case measures, and rates a pathway
    app gives as facts (ReportMeasureProvider.rate_facts). One query for all of them, over the report tally
    where it can answer (measures.counts_in_ranges); other measures are left out."""
    ranges = _case_ranges(period, today)
    facts: dict[str, dict] = {}
    rates = []
    for m in measures:
        if m.source == CASES:
            facts[m.key] = m.facts
        elif m.provider is not None and m.provider.rate_facts is not None:
            facts[f"{m.key}:numerator"], facts[f"{m.key}:denominator"] = m.provider.rate_facts
            rates.append(m)
    if not facts:
        return {}
    if source.tally is not None:
        day_ranges = {name: _days(*bounds) for name, bounds in ranges.items()}
        filters = {key: tally.facts_filter(f, tally=True) for key, f in facts.items()}
        totals = counts_in_ranges(source.tally, day_ranges, filters, field="day", weight="count")
    else:
        totals = counts_in_ranges(source.scope, ranges, {key: tally.facts_filter(f) for key, f in facts.items()})
    covered = period.fraction_elapsed(today)
    figures = {}
    for m in measures:
        if m.source == CASES:
            values = [totals[(m.key, name)] for name in ranges]
        elif m in rates:
            values = [Rate(totals[(f"{m.key}:numerator", n)], totals[(f"{m.key}:denominator", n)]) for n in ranges]
        else:
            continue
        figures[m.key] = Figures(m, period, *values, covered)
    return figures


# --- Outcome measures: monthly figures ------------------------------------------------------------


def outcome_months(start: datetime.date, end: datetime.date) -> dict[tuple[str, datetime.date], int]:
    """{(measure, month): count} for months in [start, end): one query."""
    rows = OutcomeMeasureEntry.objects.filter(month__gte=start, month__lt=end).values_list("measure", "month", "count")
    return {(measure, month): count for measure, month, count in rows}


def _outcome_figures(measure: Measure, period: Period, months: dict) -> Figures:
    previous = period.previous()
    this_months = [m for m in period.months() if (measure.key, m) in months]
    current = sum(months[(measure.key, m)] for m in this_months) if this_months else None
    latest = max(this_months) if this_months else None
    before_months = [m for m in previous.months() if (measure.key, m) in months]
    previous_total = sum(months[(measure.key, m)] for m in before_months) if before_months else None
    if latest is None:
        same_point = None
    else:
        cutoff = add_months(latest, -12)
        same = [m for m in before_months if m <= cutoff]
        same_point = sum(months[(measure.key, m)] for m in same) if same else None
    return Figures(
        measure=measure,
        period=period,
        current=current,
        previous_same_point=same_point,
        previous=previous_total,
        covered=Fraction(len(this_months), 12),
    )


# --- Measures counted by pathway apps -------------------------------------------------------------


def _provided_figures(measure: Measure, scope: QuerySet, period: Period, today: datetime.date) -> Figures:
    covered = period.fraction_elapsed(today)
    provider = measure.provider
    if provider is None:
        return Figures(measure, period, None, None, None, covered, available=False)
    values = provider.totals(scope, _case_ranges(period, today))
    return Figures(
        measure=measure,
        period=period,
        current=values.get("current"),
        previous_same_point=values.get("previous_same_point"),
        previous=values.get("previous"),
        covered=covered,
    )


# --- Target versus actual -------------------------------------------------------------------------


def targets_for(period: Period) -> dict[str, Target]:
    targets = Target.objects.filter(period_kind=period.kind)
    targets = targets.filter(year__isnull=True) if period.year is None else targets.filter(year=period.year)
    return {t.measure: t for t in targets}


def target_report(*, user, period: Period, today: datetime.date) -> TargetReport:
    """Every measure: this period so far, the previous period (to the same point and whole), the target and
    its status. Queries: one for all case measures and the rates pathway apps give as filters
    (ReportMeasureProvider.rate_facts), one for outside data, one for targets, and one per other measure a
    pathway app provides."""
    source = report_source(user)
    counted = counted_figures(all_measures(), source, period, today)
    previous = period.previous()
    months = outcome_months(previous.start, period.end)
    targets = targets_for(period)
    partnership_wide = is_partnership_wide(user)
    rows = []
    for measure in all_measures():
        if measure.key in counted:
            figures = counted[measure.key]
        elif measure.source == OUTCOME:
            figures = _outcome_figures(measure, period, months)
        else:
            figures = _provided_figures(measure, source.scope, period, today)
        assessment = assess(targets.get(measure.key), figures) if figures.available else None
        if assessment is not None and not permissions.can_see_target_status(
            user, counted_from_cases=measure.source != OUTCOME
        ):
            assessment.status, assessment.withheld = None, True
        rows.append(TargetRow(figures=figures, assessment=assessment))
    return TargetReport(period=period, today=today, rows=rows, partnership_wide=partnership_wide)


# --- Year on year by month ------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: datetime.date
    previous_month: datetime.date
    current: Value
    previous: Value
    future: bool

    @property
    def change(self) -> Fraction | None:
        now, before = as_number(self.current), as_number(self.previous)
        if self.future or now is None or before is None:
            return None
        return now - before


@dataclass
class YearOnYear:
    measure: Measure
    period: Period
    filters: ReportFilters
    rows: list[MonthRow]
    figures: Figures
    partnership_wide: bool
    filters_ignored: bool = False

    @property
    def previous(self) -> Period:
        return self.period.previous()


def _monthly_cases(source: Source, measure: Measure, start: datetime.datetime, end: datetime.datetime) -> dict:
    if source.tally is not None:
        first, last = _days(start, end)
        rows = source.tally.filter(tally.facts_filter(measure.facts, tally=True), day__gte=first, day__lt=last)
        rows = rows.annotate(month=TruncMonth("day", output_field=DateField())).values("month")
        return {row["month"]: row["n"] for row in rows.annotate(n=Sum("count")).order_by("month")}
    rows = (
        source.scope.filter(tally.facts_filter(measure.facts) & in_period(start, end))
        .annotate(month=TruncMonth(DATE_FIELD, output_field=DateField()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return {row["month"]: row["n"] for row in rows}


def year_on_year(*, user, measure: Measure, period: Period, filters: ReportFilters, today: datetime.date) -> YearOnYear:
    """This period's months beside the same months of the previous period: one query."""
    previous = period.previous()
    ignored = measure.source == OUTCOME and filters.any
    source = report_source(user, None if measure.source == OUTCOME else filters)
    if measure.source == CASES:
        monthly = _monthly_cases(source, measure, previous.start_at, period.end_at)
    elif measure.source == OUTCOME:
        entries = outcome_months(previous.start, period.end)
        monthly = {month: count for (key, month), count in entries.items() if key == measure.key}
    elif measure.provider is not None:
        monthly = measure.provider.monthly(source.scope, previous.start_at, period.end_at)
    else:
        monthly = {}
    this_month = today.replace(day=1)
    rows = []
    for month, before in zip(period.months(), previous.months(), strict=True):
        future = month > this_month
        empty = None if measure.source == OUTCOME or measure.is_rate else 0  # no entry: unknown; no rows: 0
        rows.append(
            MonthRow(
                month=month,
                previous_month=before,
                current=None if future else monthly.get(month, empty),
                previous=monthly.get(before, empty),
                future=future,
            )
        )
    figures = _yoy_figures(measure, source, period, rows, today)
    return YearOnYear(
        measure=measure,
        period=period,
        filters=filters,
        rows=rows,
        figures=figures,
        partnership_wide=is_partnership_wide(user),
        filters_ignored=ignored,
    )


def _yoy_figures(
    measure: Measure, source: Source, period: Period, rows: list[MonthRow], today: datetime.date
) -> Figures:
    """The totals row: worked out exactly as on the target page (to the same day of the previous period)."""
    if measure.source == OUTCOME:
        months = {(measure.key, r.month): r.current for r in rows if r.current is not None}
        months.update({(measure.key, r.previous_month): r.previous for r in rows if r.previous is not None})
        return _outcome_figures(measure, period, months)
    counted = counted_figures([measure], source, period, today)
    if measure.key in counted:
        return counted[measure.key]
    return _provided_figures(measure, source.scope, period, today)


# --- Breakdowns -----------------------------------------------------------------------------------


@dataclass
class BreakdownRow:
    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_percent(self) -> Fraction | None:
        if not self.previous:
            return None
        return Fraction(self.current - self.previous, self.previous) * 100


@dataclass
class Breakdown:
    slug: str
    title: str
    dimension: str
    rows: list[BreakdownRow]

    @property
    def total_current(self) -> int:
        return sum(r.current for r in self.rows)

    @property
    def total_previous(self) -> int:
        return sum(r.previous for r in self.rows)


@dataclass
class Breakdowns:
    period: Period
    filters: ReportFilters
    tables: list[Breakdown]
    partnership_wide: bool
    same_point: datetime.date
    today: datetime.date

    def table(self, slug: str) -> Breakdown:
        return next(t for t in self.tables if t.slug == slug)


def _tally(rows) -> dict[Any, tuple[int, int]]:
    """(key, current, previous) rows added up by key."""
    totals: dict[Any, tuple[int, int]] = {}
    for key, current, previous in rows:
        before_now, before_then = totals.get(key, (0, 0))
        totals[key] = (before_now + current, before_then + previous)
    return totals


def breakdowns(*, user, period: Period, filters: ReportFilters, today: datetime.date) -> Breakdowns:
    """Referrals this period so far and in the previous period to the same point, by referring agency, by
    agency kind and by pathway. One grouped query (by agency and pathway, at most agencies x pathways rows);
    the three tables are added up from it, so the referrals are read once, not three times."""
    scope = report_scope(user, filters)
    ranges = _case_ranges(period, today)
    current = in_period(*ranges["current"])
    before = in_period(*ranges["previous_same_point"])
    # The span of both ranges as well as either of them: PostgreSQL reads an index range only for the span,
    # where "this range or that one" alone made it read every submitted referral's index entry.
    span = in_period(ranges["previous_same_point"][0], ranges["current"][1])
    grouped = list(
        scope.filter(span & (current | before))
        .values("owner_agency_id", "pathway")
        .annotate(current=Count("pk", filter=current), previous=Count("pk", filter=before))
        .order_by()
    )
    by_agency_id = _tally((r["owner_agency_id"], r["current"], r["previous"]) for r in grouped)
    by_pathway_value = _tally((r["pathway"], r["current"], r["previous"]) for r in grouped)
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=by_agency_id).only("short_name", "name", "kind")}
    by_agency = sorted(
        (BreakdownRow(agencies[pk].short_name, agencies[pk].name, *pair) for pk, pair in by_agency_id.items()),
        key=lambda r: (-r.current, r.label),
    )
    kind_labels = dict(AgencyKind.choices)
    by_kind_value = _tally((agencies[pk].kind, *pair) for pk, pair in by_agency_id.items())
    by_kind = sorted(
        (BreakdownRow(kind, str(kind_labels.get(kind, kind)), *pair) for kind, pair in by_kind_value.items()),
        key=lambda r: (-r.current, r.key),
    )
    by_pathway = [
        BreakdownRow(value, str(label), *by_pathway_value.get(value, (0, 0)))
        for value, label in Pathway.choices
        if not filters.pathway or filters.pathway == value
    ]
    return Breakdowns(
        period=period,
        filters=filters,
        tables=[
            Breakdown("agency", "By referring agency", "Referring agency", by_agency),
            Breakdown("kind", "By kind of agency", "Kind of agency", by_kind),
            Breakdown("pathway", "By pathway", "Pathway", by_pathway),
        ],
        partnership_wide=is_partnership_wide(user),
        same_point=period.same_point(today),
        today=today,
    )


# --- MARAC benchmarks -----------------------------------------------------------------------------


@dataclass
class BenchmarkRow:
    key: str
    label: str
    value: Fraction | None  # the partnership's figure (a percentage, or cases per 10,000)
    rate: Rate | None  # numerator and denominator behind a share
    recommended: str
    national: str
    unit: str  # "percent" or "per_10000"
    note: str = ""
    available: bool = True


@dataclass
class Benchmarks:
    period: Period
    today: datetime.date
    cases: int
    population: int | None
    population_source: str
    covered: Fraction
    rows: list[BenchmarkRow]
    partnership_wide: bool

    @property
    def complete(self) -> bool:
        return self.covered >= 1

    def row(self, key: str) -> BenchmarkRow:
        return next(r for r in self.rows if r.key == key)


def partnership_setting() -> PartnershipSetting | None:
    return PartnershipSetting.objects.filter(pk=PartnershipSetting.SINGLETON_ID).first()


def per_10000(cases: int, population: int | None, covered: Fraction) -> Fraction | None:
    """Cases per 10,000 adult women per year: a part-year is scaled up to a whole year at its run rate."""
    if not population or covered <= 0:
        return None
    return Fraction(cases) * 10_000 / population / covered


def marac_benchmarks(*, user, period: Period, today: datetime.date) -> Benchmarks:
    """The MARAC figures SafeLives publishes, for this partnership: one aggregate over MARAC referrals and
    their subjects (the repeat rate too, when the MARAC app gives it as filters), and one for the population setting."""
    scope = report_scope(user).filter(pathway=Pathway.MARAC)
    covered = period.fraction_elapsed(today)
    victims = scope.filter(in_period(period.start_at, period.end_at)).annotate(
        victim=FilteredRelation("people", condition=Q(people__role=PersonRole.SUBJECT))
    )
    repeat_measure = measure_of(ReportMeasure.MARAC_REPEAT_RATE)
    provider = repeat_measure.provider
    folded = {}
    if provider is not None and provider.rate_facts is not None:  # the repeat rate in the same query
        numerator, denominator = (tally.facts_filter(facts) for facts in provider.rate_facts)
        folded = {
            "repeats": Count("pk", distinct=True, filter=numerator),
            "repeat_cases": Count("pk", distinct=True, filter=denominator),
        }
    figures = victims.aggregate(
        **folded,
        cases=Count("pk", distinct=True),
        non_police=Count("pk", distinct=True, filter=~Q(owner_agency__kind=AgencyKind.POLICE)),
        minoritised=Count("pk", distinct=True, filter=Q(victim__ethnicity__in=MINORITISED_ETHNICITIES)),
        lgbt=Count(
            "pk", distinct=True, filter=Q(victim__sexual_orientation__in=LGB_ORIENTATIONS) | Q(victim__trans="yes")
        ),
        disabled=Count("pk", distinct=True, filter=Q(victim__disability=YesNoUnknown.YES)),
        male=Count("pk", distinct=True, filter=Q(victim__gender=Gender.MALE)),
    )
    cases = figures["cases"] or 0
    setting = partnership_setting()
    population = setting.adult_female_population if setting else None

    def share(key: str) -> Rate:
        return Rate(figures[key] or 0, cases)

    if folded:
        repeat_rate = Rate(figures["repeats"] or 0, figures["repeat_cases"] or 0)
    else:
        repeat = _provided_figures(repeat_measure, scope, period, today)
        repeat_rate = repeat.current if isinstance(repeat.current, Rate) else None
    rows = [
        BenchmarkRow(
            "per_10000",
            "Cases per 10,000 adult women (16 and over) a year",
            per_10000(cases, population, covered),
            None,
            bm.RECOMMENDED_PER_10000,
            bm.NATIONAL["per_10000"],
            "per_10000",
            note="" if population else "The adult female population has not been set",
            available=bool(population),
        ),
        BenchmarkRow(
            "repeat",
            "Repeat cases",
            repeat_rate.percent if repeat_rate else None,
            repeat_rate,
            bm.NO_RECOMMENDATION,
            bm.NATIONAL["repeat"],
            "percent",
            note="" if repeat_measure.available else "Not available yet: the MARAC pathway does not report repeats",
            available=repeat_measure.available,
        ),
    ]
    for key, label, recommended in [
        ("non_police", "Referrals from agencies other than the police", bm.NO_RECOMMENDATION),
        ("minoritised", "Black, Asian or racially minoritised victims", bm.NO_RECOMMENDATION),
        ("lgbt", "LGBT+ victims", bm.NO_RECOMMENDATION),
        ("disabled", "Disabled victims", bm.RECOMMENDED_DISABLED),
        ("male", "Male victims", bm.NO_RECOMMENDATION),
    ]:
        rate = share(key)
        rows.append(BenchmarkRow(key, label, rate.percent, rate, recommended, bm.NATIONAL[key], "percent"))
    return Benchmarks(
        period=period,
        today=today,
        cases=cases,
        population=population,
        population_source=setting.population_source if setting else "",
        covered=covered,
        rows=rows,
        partnership_wide=is_partnership_wide(user),
    )


# --- Outcome measures -----------------------------------------------------------------------------


@dataclass
class OutcomeSeries:
    measure: Measure
    rows: list[MonthRow]
    figures: Figures


def outcome_report(*, period: Period, today: datetime.date) -> list[OutcomeSeries]:
    """The three outcome measures month by month, this period beside the previous: one query."""
    previous = period.previous()
    months = outcome_months(previous.start, period.end)
    this_month = today.replace(day=1)
    result = []
    for measure in [m for m in all_measures() if m.source == OUTCOME]:
        rows = [
            MonthRow(
                month=month,
                previous_month=before,
                current=months.get((measure.key, month)),
                previous=months.get((measure.key, before)),
                future=month > this_month,
            )
            for month, before in zip(period.months(), previous.months(), strict=True)
        ]
        result.append(OutcomeSeries(measure=measure, rows=rows, figures=_outcome_figures(measure, period, months)))
    return result


# --- Targets --------------------------------------------------------------------------------------


def target_list() -> list[Target]:
    return list(Target.objects.select_related("set_by").order_by("period_kind", "-year", "measure"))


def target_for_manager(*, user, public_id) -> Target:
    from django.core.exceptions import ValidationError
    from django.http import Http404

    permissions.require(permissions.can_set_targets(user))
    try:
        return Target.objects.get(public_id=public_id)
    except (Target.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such target") from exc


def target_history(target: Target) -> list[Any]:
    return list(target.history.select_related("history_user").order_by("-history_date", "-history_id"))


def period_kind_label(kind: str) -> str:
    return str(PeriodKind(kind).label)
