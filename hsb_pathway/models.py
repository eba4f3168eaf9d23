"""The harmful sexual behaviour (HSB) pathway: one-to-one details on a Referral, its stage records and orders.

Facts (Hackett continuum, Brook traffic light, AIM3, NICE NG55 stages, orders) are from
../shared/reference/domain.md section 2. Rules about one row live here; every write goes through
hsb_pathway.services, which saves through referrals.services so the referral's version, history and
timeline stay in step.
"""

from __future__ import annotations

import datetime
import re
import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from referrals.models import TEXT_MAX, Referral, YesNoUnknown

BRIEF_MAX = 2000
POLICE_REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /\-]{1,28}[A-Za-z0-9]$")
MAX_AGE = 120


# --- Screening: the behaviour, Brook traffic light, Hackett continuum -------------------------------


class Setting(models.TextChoices):
    HOME = "home", "Home"
    SCHOOL = "school", "School or college"
    COMMUNITY = "community", "Community"
    ONLINE = "online", "Online or technology-assisted"


class ParentsTold(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable (an adult)"


class BrookRating(models.TextChoices):
    GREEN = "green", "Green: part of healthy development"
    AMBER = "amber", "Amber: may fall outside healthy development"
    RED = "red", "Red: outside healthy behaviour, needs immediate action"


class BrookAgeBand(models.TextChoices):
    BAND_0_5 = "0_5", "0 to 5"
    BAND_5_9 = "5_9", "5 to 9"
    BAND_9_13 = "9_13", "9 to 13"
    BAND_13_17 = "13_17", "13 to 17"


# The published tool's four overlapping bands; the 13 to 17 band may guide work with vulnerable young people
# or those with learning disabilities up to 25 (domain.md 2.3).
BROOK_BAND_AGES = {
    BrookAgeBand.BAND_0_5: (0, 5),
    BrookAgeBand.BAND_5_9: (5, 9),
    BrookAgeBand.BAND_9_13: (9, 13),
    BrookAgeBand.BAND_13_17: (13, 17),
}
BROOK_EXTENDED_MAX_AGE = 25


class HackettCategory(models.TextChoices):
    NORMAL = "normal", "Normal: developmentally expected, consensual, mutual"
    INAPPROPRIATE = "inappropriate", "Inappropriate: single instances, in an inappropriate context"
    PROBLEMATIC = "problematic", "Problematic: developmentally unusual, no overt victimisation"
    ABUSIVE = "abusive", "Abusive: intent or outcome victimises, coercion or force"
    VIOLENT = "violent", "Violent: physically violent sexual abuse"


class Stage(models.TextChoices):
    STRATEGY = "strategy", "Strategy discussion"
    ASSESSMENT = "assessment", "Assessment"
    INTERVENTION = "intervention", "Intervention"
    REVIEW = "review", "Reviews"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action after the strategy discussion"
    COMPLETED = "completed", "Intervention completed and risk reduced"
    ADULT_SERVICES = "adult_services", "Transferred to adult services"
    OTHER_AREA = "other_area", "Moved to another area (case transferred)"
    NOT_ENGAGED = "not_engaged", "Did not engage"
    OTHER = "other", "Other reason"


ADULT_AGE = 18
SEND_TRANSITION_MAX_AGE = 25


class HsbDetail(models.Model):
    """The HSB details of a referral: what was filed (screening) and where the case is on the pathway."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="hsb")
    age_at_behaviour = models.PositiveSmallIntegerField("Age at the time of the behaviour")
    concern = models.TextField("The behaviour of concern", max_length=TEXT_MAX)
    setting = models.CharField("Where it happened", max_length=20, choices=Setting.choices)
    victim_identified = models.CharField(
        "Is a victim identified?", max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    victim_age = models.PositiveSmallIntegerField("Victim's age", null=True, blank=True)
    victim_relationship = models.CharField("Victim's relationship to the person", max_length=100, blank=True)
    parents_told = models.CharField("Have parents or carers been told?", max_length=20, choices=ParentsTold.choices)
    police_reference = models.CharField("Police crime reference", max_length=30, blank=True)

    brook_rating = models.CharField(
        "Brook traffic light rating", max_length=10, choices=BrookRating.choices, blank=True
    )
    brook_age_band = models.CharField("Brook age band", max_length=10, choices=BrookAgeBand.choices, blank=True)
    brook_extended = models.BooleanField(
        "The 13 to 17 band is used for a vulnerable young person or one with learning disabilities (up to 25)",
        default=False,
    )
    hackett_category = models.CharField(
        "Hackett continuum category", max_length=20, choices=HackettCategory.choices, blank=True
    )

    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.STRATEGY)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    closed_from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    closure_reason = models.CharField(max_length=30, choices=ClosureReason.choices, blank=True)
    closure_details = models.TextField("Closure details", max_length=BRIEF_MAX, blank=True)

    send = models.BooleanField("Has special educational needs or a disability (SEND)", default=False)
    adult_transition_on = models.DateField("Date of transition to adult services", null=True, blank=True)
    adult_service = models.CharField("Adult service taking over", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB details"
        verbose_name_plural = "HSB details"
        indexes = [models.Index(fields=["stage"], name="hsb_stage_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(age_at_behaviour__lte=MAX_AGE), name="hsb_age_plausible"),
            models.CheckConstraint(
                condition=~models.Q(stage="closed") | ~models.Q(closure_reason=""), name="hsb_closed_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"HSB details for {self.referral}"

    @property
    def is_child(self) -> bool:
        return self.age_at_behaviour < ADULT_AGE

    @property
    def screening_complete(self) -> bool:
        return bool(self.hackett_category) and not brook_problems(self)

    @property
    def brook_required(self) -> bool:
        return self.age_at_behaviour is not None and self.age_at_behaviour < ADULT_AGE

    def clean(self):
        errors: dict[str, str] = {}
        age = self.age_at_behaviour
        if age is not None and age > MAX_AGE:
            errors["age_at_behaviour"] = f"Age at the time of the behaviour must be {MAX_AGE} or less"
        if self.victim_identified == YesNoUnknown.YES:
            if self.victim_age is None:
                errors["victim_age"] = "Enter the victim's age, or an estimate"
            if not self.victim_relationship.strip():
                errors["victim_relationship"] = "Enter the victim's relationship to the person"
        if self.victim_age is not None and self.victim_age > MAX_AGE:
            errors["victim_age"] = f"Victim's age must be {MAX_AGE} or less"
        if self.parents_told == ParentsTold.NOT_APPLICABLE and age is not None and age < ADULT_AGE:
            errors["parents_told"] = "Parents or carers must be considered for a child: select yes or no"
        if self.police_reference and not POLICE_REFERENCE_RE.match(self.police_reference):
            errors["police_reference"] = (
                "Police crime reference must be 3 to 30 letters, numbers, spaces, slashes or hyphens"
            )
        # The Brook rating's fit with the age is checked by the screening page (brook_problems) rather than here,
        # so that correcting the age on one page is never blocked by the rating recorded on the other.
        if self.stage == Stage.CLOSED and not self.closure_reason:
            errors["closure_reason"] = "Select why the case is closing"
        if errors:
            raise ValidationError(errors)


def brook_problems(detail) -> dict[str, str]:
    """Does the Brook rating and age band fit the age at the time of the behaviour? (domain.md 2.3)"""
    age = detail.age_at_behaviour
    rating, band = detail.brook_rating, detail.brook_age_band
    problems: dict[str, str] = {}
    if rating and not band:
        problems["brook_age_band"] = "Select the Brook age band the rating was made against"
    if band and not rating:
        problems["brook_rating"] = "Select the Brook traffic light rating"
    if age is None:
        return problems
    if not rating and age < ADULT_AGE:
        problems.setdefault("brook_rating", "Select the Brook traffic light rating")
    if detail.brook_extended and band != BrookAgeBand.BAND_13_17:
        problems["brook_extended"] = "Only the 13 to 17 band can be used for an older vulnerable young person"
    if band:
        low, high = BROOK_BAND_AGES[BrookAgeBand(band)]
        if band == BrookAgeBand.BAND_13_17 and detail.brook_extended:
            high = BROOK_EXTENDED_MAX_AGE
        if not low <= age <= high:
            if band == BrookAgeBand.BAND_13_17 and ADULT_AGE <= age <= BROOK_EXTENDED_MAX_AGE:
                problems["brook_age_band"] = (
                    "The 13 to 17 band can be used for someone aged 18 to 25 only if they are a vulnerable "
                    "young person or have learning disabilities: say so, or leave the Brook rating blank"
                )
            elif age > BROOK_EXTENDED_MAX_AGE:
                problems["brook_age_band"] = "The Brook tool is not used for people over 25: leave the rating blank"
            else:
                problems["brook_age_band"] = (
                    f"The {BrookAgeBand(band).label} band does not fit someone aged {age} at the time of the behaviour"
                )
    return problems


# --- Stage 1: strategy discussion -----------------------------------------------------------------


class Route(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    CHILD_PROTECTION = "child_protection", "Child protection"
    CRIMINAL_JUSTICE = "criminal_justice", "Criminal justice"
    BOTH = "both", "Both child protection and criminal justice"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


STRATEGY_DUE_WORKING_DAYS = 1


class StrategyDiscussion(models.Model):
    """The initial strategy discussion: due within one working day of the referral being received."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="hsb_strategy")
    held_on = models.DateField("Date of the strategy discussion")
    participants = models.TextField("Who took part", max_length=BRIEF_MAX)
    route = models.CharField("Route decided", max_length=30, choices=Route.choices)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="Lead agency")
    decisions = models.TextField("Decisions and actions", max_length=TEXT_MAX, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB strategy discussion"

    def __str__(self) -> str:
        return f"Strategy discussion for {self.referral}"


# --- Stage 2: assessment (AIM3 for 12 to 18 year olds, otherwise the assessment used) --------------


class AssessmentKind(models.TextChoices):
    AIM3 = "aim3", "AIM3"
    OTHER = "other", "Another assessment"


class DomainRating(models.IntegerChoices):
    """A rating of one AIM3 domain, from its factors rated as concerns or strengths. AIM3 deliberately gives no
    overall low/medium/high risk (domain.md 2.4); higher is better, so change over time reads as progress."""

    SIGNIFICANT_CONCERN = 1, "Significant concern"
    SOME_CONCERN = 2, "Some concern"
    BALANCED = 3, "Concerns and strengths balanced"
    SOME_STRENGTH = 4, "Some strength"
    SIGNIFICANT_STRENGTH = 5, "Significant strength"


# The five AIM3 domains (domain.md 2.4), as (field name, label).
AIM3_DOMAINS = [
    ("sexual_behaviour", "Sexual behaviours"),
    ("non_sexual_behaviour", "Non-sexual behaviours"),
    ("developmental", "Developmental"),
    ("environmental", "Environmental and family"),
    ("self_regulation", "Self-regulation"),
]
AIM3_MIN_AGE = 12
AIM3_MAX_AGE = 18


def _domain_field(label: str):
    return models.PositiveSmallIntegerField(label, choices=DomainRating.choices, null=True, blank=True)


class Assessment(models.Model):
    """One assessment, kept over time: AIM3 re-assessments show progress domain by domain."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="hsb_assessments")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    assessed_on = models.DateField("Date of the assessment")
    assessor = models.CharField("Assessor", max_length=150)
    sexual_behaviour = _domain_field("Sexual behaviours")
    non_sexual_behaviour = _domain_field("Non-sexual behaviours")
    developmental = _domain_field("Developmental")
    environmental = _domain_field("Environmental and family")
    self_regulation = _domain_field("Self-regulation")
    tool_used = models.CharField("Assessment used", max_length=150, blank=True)
    outcome = models.TextField("Outcome", max_length=TEXT_MAX, blank=True)
    summary = models.TextField("Summary", max_length=TEXT_MAX, blank=True)
    next_assessment_on = models.DateField("Next re-assessment date", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB assessment"
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["referral", "assessed_on"], name="hsb_assessment_ref_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="aim3")
                | models.Q(
                    sexual_behaviour__isnull=False,
                    non_sexual_behaviour__isnull=False,
                    developmental__isnull=False,
                    environmental__isnull=False,
                    self_regulation__isnull=False,
                ),
                name="hsb_aim3_has_all_domains",
            ),
            models.CheckConstraint(condition=~models.Q(kind="other") | ~models.Q(tool_used=""), name="hsb_other_tool"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.assessed_on:%-d %B %Y}"

    @property
    def label(self) -> str:
        return "AIM3" if self.kind == AssessmentKind.AIM3 else self.tool_used

    def domain_ratings(self) -> list[tuple[str, str, int | None]]:
        return [(name, label, getattr(self, name)) for name, label in AIM3_DOMAINS]

    def clean(self):
        errors: dict[str, str] = {}
        if self.kind == AssessmentKind.AIM3:
            for name, label in AIM3_DOMAINS:
                if getattr(self, name) is None:
                    errors[name] = f"Select the rating for the {label.lower()} domain"
            if not self.summary.strip():
                errors["summary"] = "Enter the summary of the assessment"
            if self.next_assessment_on is None:
                errors["next_assessment_on"] = "Enter the next re-assessment date"
        elif self.kind == AssessmentKind.OTHER:
            if not self.tool_used.strip():
                errors["tool_used"] = "Enter the assessment used"
            if not self.outcome.strip():
                errors["outcome"] = "Enter the outcome of the assessment"
        if self.assessed_on and self.next_assessment_on and self.next_assessment_on <= self.assessed_on:
            errors["next_assessment_on"] = "Next re-assessment date must be after the date of the assessment"
        if errors:
            raise ValidationError(errors)


# --- Stage 3: intervention ------------------------------------------------------------------------


class PlanType(models.TextChoices):
    SAFETY = "safety", "Safety plan"
    CARE = "care", "Care plan"


class FamilyEngagement(models.TextChoices):
    ENGAGED = "engaged", "Engaged"
    PARTIAL = "partial", "Partly engaged"
    NOT_ENGAGED = "not_engaged", "Not engaged"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Intervention(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="hsb_interventions")
    plan_type = models.CharField("Type of plan", max_length=10, choices=PlanType.choices)
    plan = models.TextField("The plan", max_length=TEXT_MAX)
    provider_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name="Provider agency"
    )
    start_on = models.DateField("Start date")
    end_on = models.DateField("End date", null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField("Sessions attended", default=0)
    family_engagement = models.CharField(max_length=20, choices=FamilyEngagement.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB intervention"
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True) | models.Q(end_on__gte=models.F("start_on")),
                name="hsb_intervention_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(sessions_attended__lte=1000), name="hsb_sessions_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.get_plan_type_display()} from {self.start_on:%-d %B %Y}"

    def clean(self):
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": "End date must be the same as or after the start date"})
        if self.sessions_attended is not None and self.sessions_attended > 1000:
            raise ValidationError({"sessions_attended": "Sessions attended must be 1,000 or fewer"})


# --- Stage 4: reviews -----------------------------------------------------------------------------


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue the current plan"
    CHANGE_PLAN = "change_plan", "Change the plan"
    REASSESS = "reassess", "Re-assess"
    STEP_DOWN = "step_down", "Step down to early help or universal services"
    ADULT_SERVICES = "adult_services", "Transition to adult services"
    CLOSE = "close", "Recommend closure"


class Review(models.Model):
    """A scheduled review; its outcome is recorded when it has been held."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="hsb_reviews")
    scheduled_for = models.DateField("Review date")
    held_on = models.DateField("Date held", null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField("Notes", max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB review"
        ordering = ["-scheduled_for", "-id"]

    def __str__(self) -> str:
        return f"Review on {self.scheduled_for:%-d %B %Y}"

    @property
    def is_held(self) -> bool:
        return self.held_on is not None

    def clean(self):
        errors = {}
        if self.held_on and not self.outcome:
            errors["outcome"] = "Select the outcome of the review"
        if self.outcome and not self.held_on:
            errors["held_on"] = "Enter the date the review was held"
        if errors:
            raise ValidationError(errors)


def birthday(dob: datetime.date, years: int) -> datetime.date:
    """The date someone born on `dob` turns `years` (29 February birthdays fall on 1 March)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return datetime.date(dob.year + years, 3, 1)


# --- Orders ---------------------------------------------------------------------------------------


class OrderKind(models.TextChoices):
    SHPO = "shpo", "Sexual Harm Prevention Order"
    INTERIM_SHPO = "interim_shpo", "Interim Sexual Harm Prevention Order"
    SRO = "sro", "Sexual Risk Order"
    INTERIM_SRO = "interim_sro", "Interim Sexual Risk Order"
    OTHER = "other", "Other order"


# An order of these kinds may not be discharged within this many years of being made without the recorded consent
# of the person and the police (SOA 2003 s103H for SHPOs, domain.md 2.6). Interim orders are not covered. The
# equivalent SRO period is unconfirmed in the reference notes, so no rule is applied to SROs.
DISCHARGE_CONSENT_YEARS = {OrderKind.SHPO: 5}


class Order(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="hsb_orders")
    kind = models.CharField("Type of order", max_length=20, choices=OrderKind.choices)
    other_kind = models.CharField("Name of the order", max_length=150, blank=True)
    made_on = models.DateField("Date made")
    applicant_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name="Applicant agency"
    )
    court = models.CharField(max_length=200)
    end_on = models.DateField("End date", null=True, blank=True)
    indefinite = models.BooleanField("The order has no end date (until further order)", default=False)
    prohibitions = models.TextField("Prohibitions, in brief", max_length=BRIEF_MAX)
    foreign_travel_only = models.BooleanField("The order only prohibits foreign travel", default=False)
    discharged_on = models.DateField("Date discharged", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB order"
        ordering = ["-made_on", "-id"]
        indexes = [models.Index(fields=["made_on"], name="hsb_order_made_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(indefinite=True) & models.Q(end_on__isnull=True))
                | (models.Q(indefinite=False) & models.Q(end_on__isnull=False)),
                name="hsb_order_end_or_indefinite",
            ),
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True) | models.Q(end_on__gt=models.F("made_on")),
                name="hsb_order_ends_after_made",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_kind} made {self.made_on:%-d %B %Y}"

    @property
    def display_kind(self) -> str:
        return self.other_kind if self.kind == OrderKind.OTHER and self.other_kind else self.get_kind_display()

    @property
    def is_discharged(self) -> bool:
        return self.discharged_on is not None

    def status_on(self, day: datetime.date) -> str:
        if self.discharged_on and self.discharged_on <= day:
            return "Discharged"
        if self.end_on and self.end_on < day:
            return "Ended"
        return "In force"

    def consent_period_end(self) -> datetime.date | None:
        """The first day on which this order may be discharged without the person's and the police's consent,
        or None when no such rule applies. "Within 5 years beginning with the day it was made" ends the day
        before the fifth anniversary."""
        years = DISCHARGE_CONSENT_YEARS.get(self.kind)
        if years is None or self.foreign_travel_only:
            return None
        return birthday(self.made_on, years)

    def clean(self):
        errors: dict[str, str] = {}
        if self.made_on and self.made_on > timezone.localdate():
            errors["made_on"] = "Date made must be today or in the past"
        if self.kind == OrderKind.OTHER and not self.other_kind.strip():
            errors["other_kind"] = "Enter the name of the order"
        if self.indefinite and self.end_on:
            errors["end_on"] = "Enter an end date, or say the order has no end date, not both"
        elif not self.indefinite and not self.end_on:
            errors["end_on"] = "Enter the end date, or say the order has no end date"
        if self.end_on and self.made_on and self.end_on <= self.made_on:
            errors["end_on"] = "End date must be after the date the order was made"
        if self.foreign_travel_only and self.kind not in {OrderKind.SHPO, OrderKind.INTERIM_SHPO}:
            errors["foreign_travel_only"] = "Only a Sexual Harm Prevention Order can be recorded as foreign travel only"
        if errors:
            raise ValidationError(errors)


class OrderEventKind(models.TextChoices):
    VARIATION = "variation", "Variation"
    RENEWAL = "renewal", "Renewal"
    BREACH = "breach", "Breach"
    DISCHARGE = "discharge", "Discharge"


class OrderEvent(models.Model):
    """Something that happened to an order: a variation, renewal, breach or discharge."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="hsb_order_events")
    kind = models.CharField("What happened", max_length=20, choices=OrderEventKind.choices)
    happened_on = models.DateField("Date")
    details = models.TextField("Details", max_length=BRIEF_MAX, blank=True)
    new_end_on = models.DateField("New end date", null=True, blank=True)
    person_consented = models.BooleanField("The person consented to the discharge", default=False)
    police_consented = models.BooleanField("The police consented to the discharge", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "HSB order event"
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_on:%-d %B %Y}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.order_id and self.referral_id and self.order.referral_id != self.referral_id:
            errors[NON_FIELD_ERRORS] = "That order is not on this case"
        if self.happened_on and self.happened_on > timezone.localdate():
            errors["happened_on"] = "Date must be today or in the past"
        if self.kind in {OrderEventKind.VARIATION, OrderEventKind.BREACH} and not self.details.strip():
            errors["details"] = f"Enter the details of the {self.get_kind_display().lower()}"
        if self.kind == OrderEventKind.RENEWAL and self.new_end_on is None:
            errors["new_end_on"] = "Enter the new end date of the renewed order"
        if self.kind != OrderEventKind.DISCHARGE and (self.person_consented or self.police_consented):
            errors["person_consented"] = "Consent is recorded only for a discharge"
        if self.new_end_on and self.happened_on and self.new_end_on <= self.happened_on:
            errors["new_end_on"] = "New end date must be after the date of the change"
        if self.kind in {OrderEventKind.BREACH, OrderEventKind.DISCHARGE} and self.new_end_on:
            errors["new_end_on"] = "A new end date is recorded only for a variation or renewal"
        if errors:
            raise ValidationError(errors)
