"""MARAC: the DASH risk checklist, the MARAC referral details, repeats, meetings, research and actions.

A MARAC referral is a referrals.Referral on the "marac" pathway; everything here belongs to one (ARCHITECTURE.md:
pathway apps extend a Referral, never copy it). Rules about one row live here; every write is in marac.services.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Agency, AgencyKind
from marac import dash
from marac.dash import RiskBand
from referrals.models import TEXT_MAX, Referral, YesNoUnknown

SHORT_TEXT = 2_000
MINUTES_PER_CASE_MIN = 12  # SafeLives: each case takes 12 to 15 minutes (domain.md 1.1)
MINUTES_PER_CASE_MAX = 15


def escalation_threshold() -> int:
    """Incidents in the last 12 months that make "potential escalation": 3 unless the partnership sets another."""
    return int(getattr(settings, "SVD_MARAC_ESCALATION_THRESHOLD", 3))


# --- The DASH risk checklist ----------------------------------------------------------------------


class InfoSource(models.TextChoices):
    VICTIM = "victim", "The victim"
    OTHER = "other", "Someone else"


class DashAssessment(models.Model):
    """One completed DASH checklist. A re-assessment adds a row; the newest is the current one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="dash_assessments")
    form_version = models.CharField(max_length=40, default=dash.FORM_VERSION)
    answers = models.JSONField("Answers", default=dict)
    info_source = models.CharField(
        "Who gave the answers", max_length=10, choices=InfoSource.choices, default=InfoSource.VICTIM
    )
    info_source_detail = models.CharField("Who gave the answers, if not the victim", max_length=200, blank=True)
    score = models.PositiveSmallIntegerField("DASH score", default=0)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_at", "-id"]
        verbose_name = "DASH risk checklist"
        indexes = [models.Index(fields=["referral", "completed_at"], name="dash_referral_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=dash.QUESTION_COUNT), name="dash_score_at_most_24")
        ]

    def __str__(self) -> str:
        return f"DASH for {self.referral}: {self.score}"

    @property
    def band(self) -> str:
        return dash.band_for_score(self.score)

    def get_band_display(self) -> str:
        return RiskBand(self.band).label

    def score_refresh(self) -> None:
        """Derive the score from the stored answers (the score is never typed)."""
        self.score = dash.score_of(self.answers or {})

    def clean(self):
        keys = dash.keys_for(self.form_version)
        if not keys:
            raise ValidationError({"form_version": "Unknown DASH form version"})
        answers = self.answers if isinstance(self.answers, dict) else {}
        if set(answers) != set(keys):
            raise ValidationError({"answers": f"Answer all {len(keys)} questions"})
        if any(value not in dash.Answer.values for value in answers.values()):
            raise ValidationError({"answers": "Each answer must be yes, no or don't know"})
        if self.score != dash.score_of(answers):
            raise ValidationError({"score": "The score must be the number of yes answers"})
        if self.info_source == InfoSource.OTHER and not self.info_source_detail.strip():
            raise ValidationError({"info_source_detail": "Enter who gave the answers"})


# --- The MARAC referral ---------------------------------------------------------------------------


class PerpetratorRelationship(models.TextChoices):
    PARTNER = "partner", "Current partner or spouse"
    EX_PARTNER = "ex_partner", "Former partner or spouse"
    PARENT = "parent", "Parent or step-parent"
    CHILD = "child", "Son or daughter (including step-children)"
    OTHER_FAMILY = "other_family", "Other family member"
    OTHER = "other", "Other"


class IdvaContact(models.TextChoices):
    """What came of the IDVA service's first contact with the victim, due within 2 working days of referral."""

    ENGAGED = "engaged", "Contact made: the victim accepted IDVA support"
    DECLINED = "declined", "Contact made: the victim declined IDVA support"
    NOT_REACHED = "not_reached", "Not reached: contact attempted without success"


class ReferrerCategory(models.TextChoices):
    """SafeLives' referral-agency categories for the MARAC data return (domain.md 1.10)."""

    POLICE = "police", "Police"
    IDVA = "idva", "IDVA"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    PRIMARY_CARE = "primary_care", "Primary care"
    ACUTE_TRUST = "acute_trust", "Acute trust"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    PROBATION = "probation", "Probation"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    MASH = "mash", "MASH"
    EDUCATION = "education", "Education"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


# Agency kinds with a SafeLives category of their own; every other kind counts as "other". A partnership can
# place an agency elsewhere (a MASH, a substance misuse service) with SVD_MARAC_REFERRER_CATEGORIES.
KIND_CATEGORY = {
    AgencyKind.POLICE: ReferrerCategory.POLICE,
    AgencyKind.IDVA: ReferrerCategory.IDVA,
    AgencyKind.CHILDRENS_SOCIAL_CARE: ReferrerCategory.CHILDRENS_SOCIAL_CARE,
    AgencyKind.ADULT_SOCIAL_CARE: ReferrerCategory.ADULT_SOCIAL_CARE,
    AgencyKind.PRIMARY_CARE: ReferrerCategory.PRIMARY_CARE,
    AgencyKind.ACUTE_TRUST: ReferrerCategory.ACUTE_TRUST,
    AgencyKind.MENTAL_HEALTH: ReferrerCategory.MENTAL_HEALTH,
    AgencyKind.PROBATION: ReferrerCategory.PROBATION,
    AgencyKind.EDUCATION: ReferrerCategory.EDUCATION,
    AgencyKind.HOUSING: ReferrerCategory.HOUSING,
}


def referrer_category_for(agency: Agency) -> str:
    overrides = getattr(settings, "SVD_MARAC_REFERRER_CATEGORIES", {}) or {}
    chosen = overrides.get(agency.short_name)
    if chosen in ReferrerCategory.values:
        return chosen
    return KIND_CATEGORY.get(agency.kind, ReferrerCategory.OTHER)


class MaracDetail(models.Model):
    """The SafeLives referral fields a MARAC referral adds to the core (victim and people are core Persons).

    `victim_afraid_of`, `safe_to_contact` and `not_safe_to_contact` are restricted: only the owning agency, the
    IDVA service and the MARAC hub's coordinators may see them (accounts.permissions.can_view_restricted)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="marac")
    perpetrator_relationship = models.CharField(
        "Alleged perpetrator's relationship to the victim",
        max_length=20,
        choices=PerpetratorRelationship.choices,
        blank=True,
    )
    children_in_household = models.PositiveSmallIntegerField("Children in the household", null=True, blank=True)
    incidents_last_12_months = models.PositiveSmallIntegerField(
        "Domestic abuse incidents in the last 12 months", null=True, blank=True
    )
    previous_marac = models.CharField(
        "Referred to a MARAC in another area before", max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    previous_marac_details = models.CharField("Which MARAC and when", max_length=300, blank=True)
    judged_band = models.CharField(
        "Risk level in your professional judgement", max_length=10, choices=RiskBand.choices, blank=True
    )
    judgement_rationale = models.TextField("Why you judge the risk at this level", max_length=TEXT_MAX, blank=True)
    victim_afraid_of = models.TextField("Who the victim is afraid of", max_length=SHORT_TEXT, blank=True)
    safe_to_contact = models.TextField("Who the victim says it is safe to talk to", max_length=SHORT_TEXT, blank=True)
    not_safe_to_contact = models.TextField(
        "Who the victim says it is not safe to talk to", max_length=SHORT_TEXT, blank=True
    )
    # Set by the system, never typed.
    referrer_category = models.CharField(
        "Referring agency category", max_length=30, choices=ReferrerCategory.choices, blank=True
    )
    is_repeat = models.BooleanField("Repeat referral", default=False)
    repeat_of = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="Repeat of"
    )

    # Recorded by the IDVA service or a MARAC hub coordinator (services.idva_contact_record), after submission.
    idva_contact_on = models.DateField("Date of the first contact or attempt", null=True, blank=True)
    idva_contact = models.CharField("What happened", max_length=20, choices=IdvaContact.choices, blank=True)

    # Derived, never edited: when the case started waiting to be heard (the hub's acceptance), or None once it
    # has been heard, or while it is not accepted or open. Kept by services.waiting_refresh from the referral's
    # status and its meeting listings, so the candidate list walks only the cases waiting (a partial index)
    # rather than every open case ever heard. Not in the history: it is an index, not a fact anyone recorded.
    waiting_since = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["waiting_since"])

    RESTRICTED_FIELDS = ["victim_afraid_of", "safe_to_contact", "not_safe_to_contact"]

    class Meta:
        verbose_name = "MARAC referral details"
        indexes = [
            # The reports count repeats as "referral id in (the repeats)": an index-only scan of this index
            # hashed once per query, rather than joining every MARAC detail (marac/reporting.py).
            models.Index(fields=["is_repeat", "referral"], name="marac_detail_repeat_ref_idx"),
            models.Index(
                fields=["waiting_since", "referral"],
                condition=models.Q(waiting_since__isnull=False),
                name="marac_detail_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"MARAC details for {self.referral}"

    @property
    def details_complete(self) -> bool:
        return bool(
            self.perpetrator_relationship
            and self.children_in_household is not None
            and self.incidents_last_12_months is not None
            and self.previous_marac
        )

    @property
    def safety_complete(self) -> bool:
        return bool(self.victim_afraid_of.strip() and self.safe_to_contact.strip())

    @property
    def potential_escalation(self) -> bool:
        return is_escalating(self.incidents_last_12_months)

    def clean(self):
        errors = {}
        if self.referral_id and self.referral.pathway != "marac":
            errors["referral"] = "MARAC details belong to MARAC referrals only"
        if self.judged_band and not self.judgement_rationale.strip():
            errors["judgement_rationale"] = "Enter why you judge the risk at this level"
        if self.previous_marac == YesNoUnknown.YES and not self.previous_marac_details.strip():
            errors["previous_marac_details"] = "Enter which MARAC and when"
        if errors:
            raise ValidationError(errors)


def is_escalating(incidents_last_12_months: int | None) -> bool:
    """Potential escalation: incidents in the last 12 months at or above the threshold."""
    return (incidents_last_12_months or 0) >= escalation_threshold()


class Criteria:
    """The four SafeLives criteria for one referral. Visible high risk and repeat are derived, never typed."""

    def __init__(self, *, score: int | None, judged: str = "", incidents: int | None = None, repeat: bool = False):
        """From the DASH score and the MARAC details' values (lists read them as values, not objects)."""
        self.score = score
        self.dash_band = dash.band_for_score(score) if score is not None else ""
        self.visible_high_risk = score is not None and score >= dash.HIGH_FROM
        judged = judged or ""
        self.professional_judgement = judged == RiskBand.HIGH
        self.potential_escalation = is_escalating(incidents)
        self.repeat = bool(repeat)
        # Professional judgement can raise the band, never lower it: the band is the higher of the two.
        self.band = dash.higher_band(self.dash_band, judged)

    @classmethod
    def for_detail(cls, *, score: int | None, detail: MaracDetail | None) -> Criteria:
        if detail is None:
            return cls(score=score)
        return cls(
            score=score, judged=detail.judged_band, incidents=detail.incidents_last_12_months, repeat=detail.is_repeat
        )

    @property
    def met(self) -> list[str]:
        names = []
        if self.visible_high_risk:
            names.append("Visible high risk")
        if self.professional_judgement:
            names.append("Professional judgement")
        if self.potential_escalation:
            names.append("Potential escalation")
        if self.repeat:
            names.append("Repeat")
        return names

    @property
    def any(self) -> bool:
        return bool(self.met)

    @property
    def band_label(self) -> str:
        return RiskBand(self.band).label if self.band else "Not assessed"


class RepeatStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a coordinator"
    CONFIRMED = "confirmed", "Confirmed as a repeat"
    REJECTED = "rejected", "Not a repeat"


class PossibleRepeat(models.Model):
    """A match the system is not sure of: shown to a coordinator to confirm or reject, never merged silently."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="possible_repeats")
    earlier = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=RepeatStatus.choices, default=RepeatStatus.PENDING)
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=SHORT_TEXT, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["found_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "earlier"], name="possible_repeat_once_per_pair"),
        ]
        indexes = [models.Index(fields=["status", "found_at"], name="possible_repeat_status_idx")]

    def __str__(self) -> str:
        return f"{self.referral} may repeat {self.earlier}"


# --- Meetings -------------------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Case list published"
    HELD = "held", "Held"


class VenueKind(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "In person and online"


class Meeting(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    date = models.DateField("Meeting date")
    start_time = models.TimeField("Start time")
    duration_minutes = models.PositiveSmallIntegerField("Length of the meeting in minutes", default=180)
    venue_kind = models.CharField("How people attend", max_length=10, choices=VenueKind.choices)
    venue = models.CharField("Venue or online meeting details", max_length=300)
    chair = models.CharField("Chair", max_length=150)
    referral_cutoff = models.DateField("Referral cut-off date")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    agencies = models.ManyToManyField(Agency, through="MeetingAgency", related_name="marac_meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    confidentiality_acknowledged_at = models.DateTimeField(null=True, blank=True)
    confidentiality_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-start_time", "-id"]
        indexes = [models.Index(fields=["status", "date"], name="meeting_status_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referral_cutoff__lte=models.F("date")), name="meeting_cutoff_not_after_date"
            ),
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=15), name="meeting_at_least_15_minutes"),
        ]

    def __str__(self) -> str:
        return f"MARAC of {self.date:%-d %B %Y}"

    @property
    def title(self) -> str:
        return str(self)

    @property
    def capacity(self) -> int:
        """The most cases that fit at 12 minutes each."""
        return self.duration_minutes // MINUTES_PER_CASE_MIN

    @property
    def is_editable(self) -> bool:
        return self.status != MeetingStatus.HELD

    def clean(self):
        if self.date and self.referral_cutoff and self.referral_cutoff > self.date:
            raise ValidationError({"referral_cutoff": "The referral cut-off must be on or before the meeting date"})


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Did not attend"


class MeetingAgency(models.Model):
    """An agency invited to a meeting. Withdrawing keeps the row (for the record) and ends the access it gave."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True)
    representative = models.CharField("Who attended", max_length=150, blank=True)
    information_sent = models.BooleanField("Information sent with apologies", default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name"]
        verbose_name = "meeting agency"
        verbose_name_plural = "meeting agencies"
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="meeting_agency_once")]
        indexes = [models.Index(fields=["agency", "meeting"], name="meeting_agency_agency_idx")]

    def __str__(self) -> str:
        return f"{self.agency} at {self.meeting}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class MeetingCaseQuerySet(models.QuerySet):
    """The listing states the candidate list, the listing rules and the waiting marker all ask about."""

    def listed(self):
        return self.filter(removed_at__isnull=True)

    def heard(self):
        return self.listed().filter(heard_at__isnull=False)

    def upcoming(self):
        """On the list of a meeting still to come (draft or published)."""
        return self.listed().filter(meeting__status__in=[MeetingStatus.DRAFT, MeetingStatus.PUBLISHED])


class MeetingCase(models.Model):
    """A referral on a meeting's case list. Removal keeps the row with its reason."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="cases")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="marac_listings")
    position = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.TextField(max_length=SHORT_TEXT, blank=True)
    research_shared_at = models.DateTimeField(null=True, blank=True)
    heard_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingCaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "referral"],
                condition=models.Q(removed_at__isnull=True),
                name="meeting_case_listed_once",
            )
        ]
        indexes = [
            models.Index(fields=["referral", "removed_at"], name="meeting_case_referral_idx"),
            models.Index(fields=["meeting", "removed_at", "position"], name="meeting_case_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.referral} at {self.meeting}"

    def clean(self):
        if self.removed_at and not self.removal_reason.strip():
            raise ValidationError({"removal_reason": "Enter why the case is being removed"})


class Research(models.Model):
    """What one agency's records show about one listed case. Private to that agency and the coordinators until
    the meeting shares it (MeetingCase.research_shared_at).

    Deliberately no `referral` field: the core's case history page shows every history-tracked model that has
    one, and research must not reach the case's other viewers that way."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting_case = models.ForeignKey(MeetingCase, on_delete=models.CASCADE, related_name="research")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    content = models.TextField("What your agency's records show", max_length=TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name"]
        verbose_name = "MARAC research"
        verbose_name_plural = "MARAC research"
        constraints = [models.UniqueConstraint(fields=["meeting_case", "agency"], name="research_once_per_agency")]

    def __str__(self) -> str:
        return f"Research by {self.agency} for {self.meeting_case}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"
    NOT_COMPLETED_CIRCUMSTANCES = "changed", "Not completed: circumstances changed"
    NOT_COMPLETED = "not_completed", "Not completed"


class Action(models.Model):
    """An action agreed at a meeting for one case, owned by one agency."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting_case = models.ForeignKey(MeetingCase, on_delete=models.PROTECT, related_name="actions")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="marac_actions")
    description = models.TextField("Action", max_length=SHORT_TEXT)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="marac_actions")
    due_date = models.DateField("Due date")
    status = models.CharField(max_length=15, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    status_note = models.TextField("Update", max_length=SHORT_TEXT, blank=True)
    status_reported_at = models.DateTimeField(null=True, blank=True)
    status_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "MARAC action"
        indexes = [
            models.Index(fields=["agency", "status", "due_date"], name="action_agency_status_idx"),
            models.Index(fields=["status", "due_date"], name="action_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Action for {self.agency} on {self.referral}"

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())

    def clean(self):
        if self.status not in (ActionStatus.OPEN, ActionStatus.COMPLETE) and not self.status_note.strip():
            raise ValidationError({"status_note": "Enter why the action was not completed"})
