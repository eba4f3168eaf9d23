"""Every read the HSB pages need, already scoped through accounts.permissions, owning the joins.

Counts for the reports (documented for the reports engineer):
- `hsb_referrals_by_month(queryset, start, end)`: HSB referrals received per calendar month (London time);
- `hsb_orders_by_month(queryset, start, end)`: HSB orders made per month, in total and by kind.
Both take a referrals queryset that is already scoped (normally `permissions.referrals_visible_to(user)`),
aggregate in SQL with TruncMonth and Count, and return one row per month from `start` to `end`, zeros included.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts import permissions
from hsb_pathway import services
from hsb_pathway.models import (
    AIM3_DOMAINS,
    Assessment,
    AssessmentKind,
    DomainRating,
    HsbDetail,
    Intervention,
    Order,
    OrderEvent,
    OrderKind,
    Review,
    Stage,
)
from hsb_pathway.workflow import moves_from
from referrals.models import Pathway, Person, Referral, Status
from referrals.selectors import Page, paginate, subjects_prefetch

CASE_RELATED = ["owner_agency", "hsb", "hsb_strategy", "hsb_strategy__lead_agency"]


def orders_keep_case(cutoff: datetime.date) -> Q:
    """Retention (registry.register_retention_keep): an HSB case is kept while one of its orders is in force, and
    for its period after the last order ends, so the period runs from the later of the case's end and its orders'.
    An order "ends" on its discharge if discharged, else on its end date; an indefinite one never does."""
    still_needed = Order.objects.filter(
        Q(discharged_on__isnull=True, indefinite=True)
        | Q(discharged_on__gte=cutoff)
        | Q(discharged_on__isnull=True, end_on__gte=cutoff)
    )
    # IN over the few referrals with such an order, not a correlated EXISTS: inside the due filter's OR of
    # pathways PostgreSQL hashes the set once instead of probing it for every ended case (220 ms at a million).
    return Q(pk__in=still_needed.values("referral_id"))


def _people() -> Prefetch:
    return Prefetch("people", queryset=Person.objects.order_by("role", "id"))


def hsb_case(*, user, public_id, need: str = permissions.VIEW) -> Referral:
    """An HSB case the user may see (or, with need=CHANGE, record on), with its details and strategy discussion."""
    queryset = Referral.objects.select_related(*CASE_RELATED).prefetch_related(_people())
    return permissions.hsb_case_for_user(user, public_id, need=need, queryset=queryset)


def detail_of(referral: Referral) -> HsbDetail | None:
    try:
        return referral.hsb
    except HsbDetail.DoesNotExist:
        return None


def strategy_of(referral: Referral):
    from hsb_pathway.models import StrategyDiscussion

    try:
        return referral.hsb_strategy
    except StrategyDiscussion.DoesNotExist:
        return None


# --- The case page section and stage pages ------------------------------------------------------------


@dataclass
class StrategyStatus:
    due_at: datetime.datetime | None
    held_on: datetime.date | None
    on_time: bool | None  # None while not yet held
    overdue: bool


def strategy_status(referral: Referral, now: datetime.datetime | None = None) -> StrategyStatus:
    due = services.strategy_due_at(referral)
    strategy = strategy_of(referral)
    now = now or timezone.now()
    if strategy is not None and strategy.pk is not None:
        on_time = due is None or strategy.held_on <= timezone.localtime(due).date()
        return StrategyStatus(due_at=due, held_on=strategy.held_on, on_time=on_time, overdue=False)
    live = referral.status in {Status.SUBMITTED, Status.ACCEPTED, Status.OPEN}
    return StrategyStatus(due_at=due, held_on=None, on_time=None, overdue=bool(live and due and now > due))


@dataclass
class PathwaySummary:
    detail: HsbDetail | None
    strategy: object
    strategy_status: StrategyStatus
    moves: list
    can_move: bool
    can_record: bool
    can_record_order: bool
    counts: dict[str, int]
    orders_in_force: int
    stages: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, label, current)


def pathway_summary(referral: Referral, user) -> PathwaySummary:
    """What the case page's HSB section shows. Three count queries whatever the size of the case."""
    detail = detail_of(referral)
    counts = {
        "assessments": Assessment.objects.filter(referral=referral).count(),
        "interventions": Intervention.objects.filter(referral=referral).count(),
        "reviews": Review.objects.filter(referral=referral).count(),
    }
    today = timezone.localdate()
    orders = Order.objects.filter(referral=referral).aggregate(
        total=Count("id"),
        in_force=Count("id", filter=Q(discharged_on__isnull=True) & (Q(end_on__isnull=True) | Q(end_on__gte=today))),
    )
    counts["orders"] = orders["total"]
    can_move = permissions.hsb_can_move_stage(user, referral) and referral.status in permissions.HSB_MOVING_STATUSES
    stage = detail.stage if detail else ""
    return PathwaySummary(
        detail=detail,
        strategy=strategy_of(referral),
        strategy_status=strategy_status(referral),
        moves=moves_from(stage) if detail and can_move else [],
        can_move=can_move,
        can_record=permissions.hsb_can_record(user, referral),
        can_record_order=permissions.hsb_can_record_order(user, referral),
        counts=counts,
        orders_in_force=orders["in_force"],
        stages=[(value, label, value == stage) for value, label in Stage.choices],
    )


@dataclass
class DomainChange:
    label: str
    rating: int | None
    rating_label: str
    previous: int | None
    change: str  # "Improved", "Worse", "No change", "" for the first


@dataclass
class AssessmentRow:
    assessment: Assessment
    domains: list[DomainChange]


def _change_text(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return ""
    if now > before:
        return f"Improved by {now - before}"
    if now < before:
        return f"Worse by {before - now}"
    return "No change"


def assessments_for(referral: Referral) -> list[AssessmentRow]:
    """Every assessment, newest first; AIM3 ones with each domain's change since the previous AIM3. One query."""
    assessments = list(Assessment.objects.filter(referral=referral).order_by("-assessed_on", "-id"))
    aim3 = [a for a in assessments if a.kind == AssessmentKind.AIM3]
    previous_of = {a.pk: (aim3[i + 1] if i + 1 < len(aim3) else None) for i, a in enumerate(aim3)}
    rows = []
    for assessment in assessments:
        domains = []
        if assessment.kind == AssessmentKind.AIM3:
            before = previous_of.get(assessment.pk)
            for name, label in AIM3_DOMAINS:
                rating = getattr(assessment, name)
                earlier = getattr(before, name) if before else None
                domains.append(
                    DomainChange(
                        label=label,
                        rating=rating,
                        rating_label=DomainRating(rating).label if rating else "",
                        previous=earlier,
                        change=_change_text(rating, earlier),
                    )
                )
        rows.append(AssessmentRow(assessment=assessment, domains=domains))
    return rows


def interventions_for(referral: Referral) -> list[Intervention]:
    return list(Intervention.objects.filter(referral=referral).select_related("provider_agency"))


def intervention_for(referral: Referral, public_id) -> Intervention:
    from django.http import Http404

    found = Intervention.objects.filter(referral=referral, public_id=public_id).select_related("provider_agency")
    item = found.first()
    if item is None:
        raise Http404("No such intervention")
    return item


def reviews_for(referral: Referral) -> list[Review]:
    return list(Review.objects.filter(referral=referral))


def review_for(referral: Referral, public_id) -> Review:
    from django.http import Http404

    item = Review.objects.filter(referral=referral, public_id=public_id).first()
    if item is None:
        raise Http404("No such review")
    return item


def _orders(referral: Referral) -> QuerySet[Order]:
    return (
        Order.objects.filter(referral=referral)
        .select_related("applicant_agency")
        .prefetch_related(Prefetch("events", queryset=OrderEvent.objects.order_by("-happened_on", "-id")))
    )


def _with_status(order: Order, today: datetime.date) -> Order:
    order.status = order.status_on(today)
    return order


def orders_for(referral: Referral) -> list[Order]:
    """Every order on the case with its events and today's status ("In force", "Ended", "Discharged"), in two
    queries."""
    today = timezone.localdate()
    return [_with_status(order, today) for order in _orders(referral)]


def order_for(referral: Referral, public_id) -> Order:
    from django.http import Http404

    item = _orders(referral).filter(public_id=public_id).first()
    if item is None:
        raise Http404("No such order")
    return _with_status(item, timezone.localdate())


# --- The HSB case list ----------------------------------------------------------------------------


@dataclass
class HsbListRow:
    referral: Referral
    detail: HsbDetail | None
    strategy: StrategyStatus


def hsb_case_list(*, user, stage: str = "", number: int = 1) -> Page:
    """HSB cases the user may see (drafts left out), newest first, with their stage and strategy discussion.
    Three queries whatever the page size: the count, the page, and the page's subjects."""
    if not permissions.can_see_cases(user):
        return Page(items=[], number=1, total=0, page_size=settings.SVD_PAGE_SIZE)
    queryset = permissions.referrals_visible_to(user).filter(pathway=Pathway.HSB).exclude(status=Status.DRAFT)
    if stage:
        queryset = queryset.filter(hsb__stage=stage)
        total = queryset.count()
    else:  # depends only on the agency's access and the referrals' status: cached until either changes
        agency = permissions.agency_of(user)
        total = permissions.access_counts_cached(agency, "hsb-live", queryset.count)
    queryset = (
        queryset.select_related(*CASE_RELATED).prefetch_related(subjects_prefetch()).order_by("-received_at", "-id")
    )
    page = paginate(queryset, number=number, total=total)
    now = timezone.now()
    page.items = [HsbListRow(referral=r, detail=detail_of(r), strategy=strategy_status(r, now)) for r in page.items]
    return page


# --- Counts for the reports -----------------------------------------------------------------------


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, current = [], datetime.date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = datetime.date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def hsb_referrals_by_month(queryset: QuerySet[Referral], start: datetime.date, end: datetime.date) -> list[dict]:
    """HSB referrals received from `start` to `end` inclusive, per month (London time):
    [{"month": date(2026, 1, 1), "referrals": 4}, ...], one row per month, zeros included. One query."""
    low, high = _bounds(start, end)
    rows = (
        queryset.filter(pathway=Pathway.HSB, received_at__gte=low, received_at__lt=high)
        .annotate(month=TruncMonth("received_at", tzinfo=timezone.get_default_timezone()))
        .values("month")
        .annotate(referrals=Count("id"))
        .order_by("month")
    )
    found = {_as_date(r["month"]): r["referrals"] for r in rows}
    return [{"month": m, "referrals": found.get(m, 0)} for m in _months(start, end)]


ORDER_COUNT_KEYS = {
    OrderKind.SHPO: "shpo",
    OrderKind.INTERIM_SHPO: "interim_shpo",
    OrderKind.SRO: "sro",
    OrderKind.INTERIM_SRO: "interim_sro",
    OrderKind.OTHER: "other",
}


def hsb_orders_by_month(queryset: QuerySet[Referral], start: datetime.date, end: datetime.date) -> list[dict]:
    """HSB orders made from `start` to `end` inclusive, per month, on the referrals in `queryset`:
    [{"month": date, "orders": n, "shpo": n, "interim_shpo": n, "sro": n, "interim_sro": n, "other": n}, ...],
    one row per month, zeros included. One query."""
    counts = {key: Count("id", filter=Q(kind=kind)) for kind, key in ORDER_COUNT_KEYS.items()}
    rows = (
        _hsb_orders(queryset)
        .filter(made_on__gte=start, made_on__lte=end)
        .annotate(month=TruncMonth("made_on"))
        .values("month")
        .annotate(orders=Count("id"), **counts)
        .order_by("month")
    )
    empty = {"orders": 0, **dict.fromkeys(ORDER_COUNT_KEYS.values(), 0)}
    found = {_as_date(r["month"]): {k: r[k] for k in empty} for r in rows}
    return [{"month": m, **found.get(m, empty)} for m in _months(start, end)]


# The report pages' provider for the "hsb_orders" measure (referrals.registry.ReportMeasureProvider): ranges are
# London-midnight datetimes with an exclusive end; an order counts on the London date it was made.


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _hsb_orders(referrals: QuerySet[Referral]) -> QuerySet[Order]:
    return Order.objects.filter(referral__in=referrals.filter(pathway=Pathway.HSB).values("pk"))


def hsb_orders_totals(
    referrals: QuerySet[Referral], ranges: dict[str, tuple[datetime.datetime, datetime.datetime]]
) -> dict[str, int]:
    """{range name: orders made in it}: one query, one Count(filter=...) per range."""
    if not ranges:
        return {}
    dates = {name: (_local_date(start), _local_date(end)) for name, (start, end) in ranges.items()}
    counts = {name: Count("id", filter=Q(made_on__gte=s, made_on__lt=e)) for name, (s, e) in dates.items()}
    # Only the orders in the ranges are read (hsb_order_made_on_idx), then checked against the scope by key.
    first, last = min(s for s, _ in dates.values()), max(e for _, e in dates.values())
    return _hsb_orders(referrals).filter(made_on__gte=first, made_on__lt=last).aggregate(**counts)


def hsb_orders_monthly(
    referrals: QuerySet[Referral], start: datetime.datetime, end: datetime.datetime
) -> dict[datetime.date, int]:
    """{first day of month: orders made that month} from `start` up to (not including) `end`, months with
    orders only: hsb_orders_by_month over the same London dates."""
    last = _local_date(end) - datetime.timedelta(days=1)
    rows = hsb_orders_by_month(referrals, _local_date(start), last)
    return {row["month"]: row["orders"] for row in rows if row["orders"]}
