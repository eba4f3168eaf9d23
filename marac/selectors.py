"""Every read the MARAC pages need, scoped through accounts.permissions and owning its joins.

List selectors run a fixed number of queries whatever the number of rows: the latest DASH score is a subquery
annotation, victims come from one prefetch, and everything else is a join.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from functools import reduce
from itertools import groupby
from operator import or_

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils import timezone

from accounts import permissions
from marac import services
from marac.dash import BAND_RANK, RiskBand
from marac.models import (
    Action,
    ActionStatus,
    Criteria,
    DashAssessment,
    MaracDetail,
    MeetingCase,
    MeetingStatus,
    PossibleRepeat,
    ReferrerCategory,
    RepeatStatus,
    Research,
)
from referrals.models import (
    LGB_ORIENTATIONS,
    MINORITISED_ETHNICITIES,
    Gender,
    Pathway,
    Person,
    PersonRole,
    Referral,
    YesNoUnknown,
)
from referrals.selectors import subjects_prefetch

CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class WaitingCase:
    """A case on the candidate list: what its row shows, and its key. Read as values, not as model objects: the
    list has up to 200 rows, and building a referral, its agency and its MARAC details for each cost more than
    the query (docs/performance.md). services.meeting_cases_add takes these as it takes referrals, by key, and
    reads each referral again under a lock."""

    pk: int
    public_id: uuid.UUID
    reference: str  # candidates are accepted or open, so they have one
    owner_short_name: str

    @property
    def display_reference(self) -> str:
        return self.reference


def _latest_score(pointer: str = "pk") -> Subquery:
    latest = DashAssessment.objects.filter(referral=OuterRef(pointer)).order_by("-completed_at", "-id")
    return Subquery(latest.values("score")[:1], output_field=IntegerField())


def _victim_name(pointer: str = "pk") -> Subquery:
    """The first victim's name, for the case rows (CaseRow): a subquery, not 200 Person objects to build."""
    victims = Person.objects.filter(referral=OuterRef(pointer), role=PersonRole.SUBJECT).order_by("id")
    name = Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    return Subquery(victims.annotate(name=name).values("name")[:1], output_field=CharField())


@dataclass
class CaseRow:
    """One case as the MARAC lists show it."""

    referral: Referral | WaitingCase
    criteria: Criteria
    victim: str
    days_waiting: int
    meeting_case: MeetingCase | None = None
    selected: bool = False  # ticked on the add-cases form (set by the view when the form comes back)

    @property
    def band_rank(self) -> int:
        return BAND_RANK[RiskBand(self.criteria.band)] if self.criteria.band else -1


def _row(referral: Referral, *, today: datetime.date, meeting_case: MeetingCase | None = None) -> CaseRow:
    try:
        detail = referral.marac
    except MaracDetail.DoesNotExist:
        detail = None
    return CaseRow(
        referral=referral,
        criteria=Criteria.for_detail(score=referral.dash_score, detail=detail),
        victim=referral.victim_name or "Not recorded",
        days_waiting=_days_since(services.waiting_start(referral), today),
        meeting_case=meeting_case,
    )


def _days_since(moment: datetime.datetime, today: datetime.date) -> int:
    return max(0, (today - timezone.localtime(moment).date()).days)


# --- Meetings -------------------------------------------------------------------------------------


def meeting_list(*, user) -> list:
    """Meetings the user may see, newest first, each with how many cases are listed."""
    return list(
        permissions.meetings_visible_to(user)
        .annotate(listed=Count("cases", filter=Q(cases__removed_at__isnull=True)))
        .order_by("-date", "-start_time", "-id")[:200]
    )


def meeting_invitations(meeting) -> list:
    return list(meeting.invitations.select_related("agency").order_by("agency__name"))


def meeting_case_rows(meeting, *, today: datetime.date | None = None) -> list[CaseRow]:
    """The meeting's case list in order, with band, repeat, referring agency and days waiting."""
    today = today or timezone.localdate()
    cases = (
        MeetingCase.objects.filter(meeting=meeting, removed_at__isnull=True)
        .select_related("referral__owner_agency", "referral__marac")
        .annotate(dash_score=_latest_score("referral_id"), victim_name=_victim_name("referral_id"))
        .order_by("position", "id")
    )
    rows = []
    for case in cases:
        case.referral.dash_score, case.referral.victim_name = case.dash_score, case.victim_name
        rows.append(_row(case.referral, today=today, meeting_case=case))
    return rows


def candidates(*, user, today: datetime.date | None = None) -> list[CaseRow]:
    """Accepted MARAC referrals not yet heard and not on another meeting's list: repeats first, then the
    highest risk, then the longest waiting."""
    today = today or timezone.localdate()
    upcoming = MeetingCase.objects.upcoming().filter(referral=OuterRef("pk"))
    # "Accepted or open and never heard" is kept on the MARAC details as waiting_since (services.waiting_refresh),
    # so this walks the cases waiting, oldest first, on a partial index; status is checked again regardless.
    waiting = (
        permissions.referrals_visible_to(user)
        .filter(pathway=Pathway.MARAC, status__in=services.CANDIDATE_STATUSES, marac__waiting_since__isnull=False)
        .exclude(Exists(upcoming))
        .annotate(dash_score=_latest_score(), victim_name=_victim_name(), waiting_from=services.WAITING_START)
        .order_by("marac__waiting_since", "id")
        .values_list(
            "pk",
            "public_id",
            "reference",
            "owner_agency__short_name",
            "dash_score",
            "marac__judged_band",
            "marac__incidents_last_12_months",
            "marac__is_repeat",
            "victim_name",
            "waiting_from",
        )[:CANDIDATE_LIMIT]
    )
    rows = [
        CaseRow(
            referral=WaitingCase(pk, public_id, reference, agency),
            criteria=Criteria(score=score, judged=judged, incidents=incidents, repeat=repeat),
            victim=victim or "Not recorded",
            days_waiting=_days_since(since, today),
        )
        for pk, public_id, reference, agency, score, judged, incidents, repeat, victim, since in waiting
    ]
    rows.sort(key=lambda row: (not row.criteria.repeat, -row.band_rank, -row.days_waiting))
    return rows


def meeting_case_detail(*, user, meeting, referral_public_id) -> MeetingCase:
    queryset = MeetingCase.objects.select_related("meeting", "referral__owner_agency", "referral__marac").annotate(
        dash_score=_latest_score("referral_id"), victim_name=_victim_name("referral_id")
    )
    case = permissions.meeting_case_for_user(user, meeting, referral_public_id, queryset=queryset)
    case.referral.dash_score, case.referral.victim_name = case.dash_score, case.victim_name
    return case


def meeting_case_row(case: MeetingCase) -> CaseRow:
    """The row of a case from meeting_case_detail (which annotated its score and victim)."""
    return _row(case.referral, today=timezone.localdate(), meeting_case=case)


def research_for(*, user, meeting_case) -> list:
    return list(
        permissions.research_visible_to(user, meeting_case).select_related("agency", "author").order_by("agency__name")
    )


def cases_researched_by(meeting, agency) -> set[int]:
    """The listed cases (MeetingCase ids) on which `agency` has recorded research."""
    return set(
        MeetingCase.objects.filter(meeting=meeting, removed_at__isnull=True, research__agency=agency).values_list(
            "pk", flat=True
        )
    )


def research_of(*, meeting_case, agency):
    """One agency's own research on a listed case, or None."""
    return Research.objects.filter(meeting_case=meeting_case, agency=agency).first()


def actions_for_case(meeting_case) -> list:
    return list(
        Action.objects.filter(meeting_case=meeting_case)
        .select_related("agency", "status_reported_by")
        .order_by("due_date", "id")
    )


def minutes(*, user, meeting) -> dict:
    """Everything the minutes record: attendance, cases heard with their actions, and actions still open from
    earlier meetings (marked whether they were not completed because circumstances changed or simply not done).
    The cases are those the user may see in minutes (permissions.minutes_cases_visible_to)."""
    invitations = meeting_invitations(meeting)
    cases = (
        permissions.minutes_cases_visible_to(user, MeetingCase.objects.filter(meeting=meeting))
        .select_related("referral__marac")
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("agency").order_by("due_date", "id")),
            subjects_prefetch("referral__"),
        )
        .order_by("position", "id")
    )
    earlier = (
        Action.objects.filter(meeting_case__meeting__date__lt=meeting.date)
        .exclude(status=ActionStatus.COMPLETE)
        .filter(referral__in=MeetingCase.objects.filter(meeting=meeting, removed_at__isnull=True).values("referral"))
        .select_related("agency", "referral", "meeting_case__meeting")
        .order_by("meeting_case__meeting__date", "due_date")
    )
    return {"invitations": invitations, "cases": list(cases), "earlier_actions": list(earlier)}


# --- Action tracker -------------------------------------------------------------------------------


@dataclass
class AgencyActions:
    agency: object
    actions: list = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.actions if a.overdue)


def action_tracker(*, user, today: datetime.date | None = None) -> list[AgencyActions]:
    """Open actions the user may see, grouped by owning agency; overdue ones first in each group."""
    today = today or timezone.localdate()
    actions = (
        permissions.actions_visible_to(user)
        .filter(status=ActionStatus.OPEN)
        .select_related("agency", "referral", "meeting_case__meeting")
        .prefetch_related(subjects_prefetch("referral__"))
        .order_by("agency__name", "agency_id", "due_date", "id")
    )
    groups = []
    for _, items in groupby(actions, key=lambda a: a.agency_id):
        items = list(items)
        for action in items:
            action.overdue = action.is_overdue(today)
            subjects = getattr(action.referral, "subjects", [])
            action.victim = subjects[0].full_name if subjects else "Not recorded"
        items.sort(key=lambda a: (not a.overdue, a.due_date, a.pk))
        groups.append(AgencyActions(agency=items[0].agency, actions=items))
    groups.sort(key=lambda g: (g.overdue == 0, g.agency.name))
    return groups


# --- Possible repeats -----------------------------------------------------------------------------


def possible_repeats_pending(*, user) -> QuerySet:
    if not permissions.can_decide_repeats(user):
        return PossibleRepeat.objects.none()
    return (
        PossibleRepeat.objects.filter(status=RepeatStatus.PENDING)
        .select_related("referral__owner_agency", "earlier__owner_agency")
        .prefetch_related(*(subjects_prefetch(side, also=("date_of_birth",)) for side in ("referral__", "earlier__")))
        .order_by("found_at", "id")
    )


def possible_repeats_for_referral(referral) -> list:
    return list(
        PossibleRepeat.objects.filter(referral=referral).select_related("earlier", "decided_by").order_by("found_at")
    )


# --- The quarterly MARAC data return --------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(start: datetime.date) -> datetime.date:
    """The first day after the quarter."""
    month = start.month + 3
    return datetime.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)


def quarter_label(start: datetime.date) -> str:
    last = quarter_end(start) - datetime.timedelta(days=1)
    return f"{start:%B} to {last:%B %Y}"


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _aged_between(day: datetime.date, low: int, high: int) -> Q:
    """A person aged `low` to `high` (inclusive) on `day`: by date of birth, or by estimated age without one."""
    born_after = _years_before(day, high + 1)
    born_by = _years_before(day, low)
    return Q(date_of_birth__gt=born_after, date_of_birth__lte=born_by) | Q(
        date_of_birth__isnull=True, estimated_age__gte=low, estimated_age__lte=high
    )


RETURN_COLUMNS = [
    ("cases", "Cases heard"),
    ("repeats", "Repeat cases"),
    ("children", "Children in the households"),
    *[(f"agency_{value}", f"Referred by: {label}") for value, label in ReferrerCategory.choices],
    ("minoritised", "Victims who are Black, Asian or minoritised"),
    ("lgbt", "Victims who are LGBT+"),
    ("disabled", "Victims who are disabled"),
    ("male", "Victims who are male"),
    ("aged_16_17", "Victims aged 16 to 17"),
    ("perpetrators_17_or_under", "Perpetrators aged 17 or under"),
]


@dataclass
class ReturnRow:
    label: str
    meeting: object | None
    counts: dict

    def values(self) -> list[int]:
        return [self.counts.get(key, 0) for key, _ in RETURN_COLUMNS]


@dataclass
class QuarterReport:
    """Counts for the quarter starting `start` (the data return, actions by agency)."""

    start: datetime.date

    @property
    def label(self) -> str:
        return quarter_label(self.start)


@dataclass
class DataReturn(QuarterReport):
    rows: list[ReturnRow]
    total: ReturnRow

    @property
    def measures(self) -> list[tuple[str, str, list[int], int]]:
        """The table turned round for the page: one line per measure, one column per meeting."""
        return [
            (key, label, [row.counts.get(key, 0) for row in self.rows], self.total.counts.get(key, 0))
            for key, label in RETURN_COLUMNS
        ]


def data_return(*, user, start: datetime.date) -> DataReturn:
    """Per meeting held in the quarter, counts of the cases heard (SafeLives collects at meeting level).

    Two queries: the meetings, then one grouped aggregate over their heard cases. Ages are worked out on each
    meeting's date, by OR-ing one date-bounded condition per meeting (a quarter has a handful of meetings)."""
    if not permissions.can_view_data_return(user):
        return DataReturn(start=start, rows=[], total=ReturnRow("Total", None, {}))
    end = quarter_end(start)
    meetings = list(
        permissions.meetings_counted_for(user)
        .filter(status=MeetingStatus.HELD, date__gte=start, date__lt=end)
        .order_by("date", "start_time", "id")
    )
    counts: dict[int, dict] = {}
    if meetings:
        subject = Person.objects.filter(referral=OuterRef("referral_id"), role=PersonRole.SUBJECT)
        perpetrator = Person.objects.filter(referral=OuterRef("referral_id"), role=PersonRole.ALLEGED_PERPETRATOR)
        category = "referral__marac__referrer_category"
        aggregates = {
            "cases": Count("pk"),
            "repeats": Count("pk", filter=Q(referral__marac__is_repeat=True)),
            "children": Coalesce(Sum("referral__marac__children_in_household"), Value(0)),
            "minoritised": Count("pk", filter=Exists(subject.filter(ethnicity__in=MINORITISED_ETHNICITIES))),
            "lgbt": Count(
                "pk",
                filter=Exists(subject.filter(Q(sexual_orientation__in=LGB_ORIENTATIONS) | Q(trans=YesNoUnknown.YES))),
            ),
            "disabled": Count("pk", filter=Exists(subject.filter(disability=YesNoUnknown.YES))),
            "male": Count("pk", filter=Exists(subject.filter(gender=Gender.MALE))),
            "aged_16_17": Count(
                "pk",
                filter=reduce(
                    or_, [Q(meeting_id=m.pk) & Exists(subject.filter(_aged_between(m.date, 16, 17))) for m in meetings]
                ),
            ),
            "perpetrators_17_or_under": Count(
                "pk",
                filter=reduce(
                    or_,
                    [Q(meeting_id=m.pk) & Exists(perpetrator.filter(_aged_between(m.date, 0, 17))) for m in meetings],
                ),
            ),
        }
        for value in ReferrerCategory.values:
            condition = Q(**{category: value})
            if value == ReferrerCategory.OTHER:
                condition |= Q(**{category: ""}) | Q(referral__marac__isnull=True)
            aggregates[f"agency_{value}"] = Count("pk", filter=condition)
        grouped = (
            MeetingCase.objects.heard()
            .filter(meeting__in=meetings)
            .values("meeting_id")
            .annotate(**aggregates)
            .order_by("meeting_id")
        )
        counts = {row.pop("meeting_id"): row for row in grouped}
    rows = [ReturnRow(label=f"{m.date:%-d %B %Y}", meeting=m, counts=counts.get(m.pk, {})) for m in meetings]
    total = {key: sum(row.counts.get(key, 0) for row in rows) for key, _ in RETURN_COLUMNS}
    return DataReturn(start=start, rows=rows, total=ReturnRow(label="Total", meeting=None, counts=total))


# --- Actions by agency: completion in a quarter -------------------------------------------------------------

# SafeLives asks MARACs to tell actions left undone because circumstances changed from actions an agency simply did
# not do, and to take repeated non-completion to the steering group. An agency with this many actions in a quarter
# not completed, or still open past their date, is flagged for it.
ESCALATE_AT = 2

# (key, label in the CSV, the table's shorter heading)
ACTION_COLUMNS = [
    ("due", "Actions due", "Due"),
    ("on_time", "Completed on time", "Done on time"),
    ("late", "Completed late", "Done late"),
    ("changed", "Not completed: circumstances changed", "Not done: circum­stances changed"),
    ("not_completed", "Not completed", "Not done"),
    ("overdue", "Still open, overdue", "Open, overdue"),
    ("waiting", "Still open, not yet due", "Open, not yet due"),
]


@dataclass(frozen=True)
class AgencyCompletion:
    """One agency's MARAC actions due in the quarter, by what became of them (counts only)."""

    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    changed: int = 0
    not_completed: int = 0
    overdue: int = 0
    waiting: int = 0

    def values(self) -> list[int]:
        return [getattr(self, key) for key, _, _ in ACTION_COLUMNS]

    @property
    def undone(self) -> int:
        """Not completed without a change of circumstances, or still open past the due date."""
        return self.not_completed + self.overdue

    @property
    def escalate(self) -> bool:
        return self.undone >= ESCALATE_AT

    @property
    def on_time_percent(self) -> int | None:
        """Completed on time, as a whole percentage of the actions that could have been: not those overtaken by a
        change of circumstances, nor those not yet due. None when there are none."""
        expected = self.due - self.changed - self.waiting
        return round(100 * self.on_time / expected) if expected else None


@dataclass
class ActionCompletion(QuarterReport):
    rows: list[AgencyCompletion]
    total: AgencyCompletion

    @property
    def escalated(self) -> list[AgencyCompletion]:
        return [row for row in self.rows if row.escalate]


def action_completion(*, user, start: datetime.date, today: datetime.date | None = None) -> ActionCompletion:
    """The MARAC actions due in the quarter starting `start`, agreed at any MARAC meeting, counted by the
    agency that owns them: completed on or before the due date (London time) or after it, not completed (with the
    reason's kind), or still open. For the MARAC hub's coordinators and managers (`can_view_data_return`), who
    take repeated non-completion to the steering group. One grouped query; counts only, no case."""
    today = today or timezone.localdate()
    if not permissions.can_view_data_return(user):
        return ActionCompletion(start=start, rows=[], total=AgencyCompletion("Total"))
    complete = Q(status=ActionStatus.COMPLETE)
    on_time = complete & Q(status_reported_at__date__lte=F("due_date"))
    grouped = (
        Action.objects.filter(
            due_date__gte=start,
            due_date__lt=quarter_end(start),
            meeting_case__meeting__in=permissions.meetings_counted_for(user),
            meeting_case__removed_at__isnull=True,  # a case taken off the list before the meeting: not agreed there
        )
        .values("agency__name")
        .annotate(
            due=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=complete & ~on_time),
            changed=Count("pk", filter=Q(status=ActionStatus.NOT_COMPLETED_CIRCUMSTANCES)),
            not_completed=Count("pk", filter=Q(status=ActionStatus.NOT_COMPLETED)),
            overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__lt=today)),
            waiting=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__gte=today)),
        )
        .order_by("agency__name")
    )
    rows = [AgencyCompletion(name=row.pop("agency__name"), **row) for row in grouped]
    total = AgencyCompletion("Total", *(sum(getattr(row, key) for row in rows) for key, _, _ in ACTION_COLUMNS))
    return ActionCompletion(start=start, rows=rows, total=total)
