"""Report models: targets, outcome measures from outside data, and the partnership's population setting.

They live in the `referrals` app (referrals.models imports them). None of them holds personal data: targets
and settings are numbers a manager or administrator types; outcome entries are monthly counts published by
the NHS, the police and the Home Office.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

# The models below are defined here but belong to referrals.models, which imports them: giving them that
# module keeps their simple-history twins (HistoricalTarget...) importable from referrals.models as well, as
# Django's shell and pickling expect.
MODELS_MODULE = "referrals.models"

MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_OUTCOME_COUNT = 1_000_000


class ReportMeasure(models.TextChoices):
    """Everything a target can be set on. measures.py says how each is counted."""

    REFERRALS_ALL = "referrals_all", "All referrals"
    MARAC_REFERRALS = "marac_referrals", "MARAC referrals"
    MARAC_NON_POLICE = "marac_non_police", "MARAC referrals from agencies other than the police"
    MARAC_REPEAT_RATE = "marac_repeat_rate", "MARAC repeat rate"
    HSB_REFERRALS = "hsb_referrals", "Harmful sexual behaviour referrals"
    HSB_ORDERS = "hsb_orders", "Harmful sexual behaviour orders made"
    YV_REFERRALS = "yv_referrals", "Youth violence referrals"
    YV_KNIFE_INJURIES = "yv_knife_injuries", "Knife or sharp-object injuries, under 25"
    YV_GUNSHOT_INJURIES = "yv_gunshot_injuries", "Gunshot injuries, under 25"
    HOSPITAL_SHARP_U25 = "hospital_sharp_u25", "Hospital admissions for assault with a sharp object, under 25"
    POLICE_KNIFE_U25 = "police_knife_u25", "Police-recorded knife or sharp-object offences, under 25"
    HOMICIDES = "homicides", "Homicides"


class OutcomeMeasure(models.TextChoices):
    """The Serious Violence Duty outcome measures, from outside data (domain.md 3.6)."""

    HOSPITAL_SHARP_U25 = ReportMeasure.HOSPITAL_SHARP_U25.value, ReportMeasure.HOSPITAL_SHARP_U25.label
    POLICE_KNIFE_U25 = ReportMeasure.POLICE_KNIFE_U25.value, ReportMeasure.POLICE_KNIFE_U25.label
    HOMICIDES = ReportMeasure.HOMICIDES.value, ReportMeasure.HOMICIDES.label


class PeriodKind(models.TextChoices):
    FINANCIAL_YEAR = "financial_year", "Financial year (April to March)"
    CALENDAR_YEAR = "calendar_year", "Calendar year (January to December)"
    ROLLING_12 = "rolling_12", "Rolling 12 months"


class TargetType(models.TextChoices):
    ABSOLUTE = "absolute", "A number for the whole period"
    PERCENT_CHANGE = "percent_change", "A percentage change on the previous period"


class Direction(models.TextChoices):
    INCREASE = "increase", "An increase is good"
    DECREASE = "decrease", "A decrease is good"


class Target(models.Model):
    """A manager's target for one measure in one period. A rolling 12 months target has no year: it stands
    for whichever 12 months are current."""

    __module__ = MODELS_MODULE

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    measure = models.CharField(max_length=40, choices=ReportMeasure.choices)
    period_kind = models.CharField("Period", max_length=20, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year a financial year starts in, or the calendar year"
    )
    target_type = models.CharField("Type of target", max_length=20, choices=TargetType.choices)
    value = models.DecimalField(max_digits=10, decimal_places=1)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["period_kind", "-year", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period_kind", "year"],
                condition=models.Q(year__isnull=False),
                name="target_one_per_measure_period",
            ),
            models.UniqueConstraint(
                fields=["measure", "period_kind"],
                condition=models.Q(year__isnull=True),
                name="target_one_rolling_per_measure",
            ),
            models.CheckConstraint(
                condition=(models.Q(period_kind="rolling_12") & models.Q(year__isnull=True))
                | (~models.Q(period_kind="rolling_12") & models.Q(year__isnull=False)),
                name="target_year_matches_period",
            ),
            models.CheckConstraint(
                condition=models.Q(target_type="percent_change", value__gte=-100)
                | models.Q(target_type="absolute", value__gte=0),
                name="target_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.describe()}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.FINANCIAL_YEAR and self.year:
            return f"Financial year {self.year}/{str(self.year + 1)[-2:]}"
        if self.period_kind == PeriodKind.CALENDAR_YEAR and self.year:
            return f"Calendar year {self.year}"
        return "Rolling 12 months"

    def describe(self) -> str:
        """The target in words, for example "10% more than the previous period" or "at most 12"."""
        value = _plain(self.value)
        if self.target_type == TargetType.PERCENT_CHANGE:
            if self.value == 0:
                return "the same as the previous period"
            more = "more" if self.value > 0 else "fewer"
            return f"{_plain(abs(self.value))}% {more} than the previous period"
        suffix = "%" if self.measure == ReportMeasure.MARAC_REPEAT_RATE else ""
        return f"{'at least' if self.direction == Direction.INCREASE else 'at most'} {value}{suffix}"

    def clean(self):
        errors = {}
        if self.period_kind == PeriodKind.ROLLING_12:
            self.year = None
        elif self.period_kind and self.year is None:
            errors["year"] = "Select the year"
        elif self.year is not None and not MIN_YEAR <= self.year <= MAX_YEAR:
            errors["year"] = f"Year must be between {MIN_YEAR} and {MAX_YEAR}"
        if self.value is not None:
            if self.target_type == TargetType.ABSOLUTE and self.value < 0:
                errors["value"] = "The target must be 0 or more"
            elif self.target_type == TargetType.PERCENT_CHANGE and self.value < -100:
                errors["value"] = "A fall cannot be more than 100%"
            elif (
                self.target_type == TargetType.ABSOLUTE
                and self.measure == ReportMeasure.MARAC_REPEAT_RATE
                and self.value > 100
            ):
                errors["value"] = "A rate cannot be more than 100%"
        if errors:
            raise ValidationError(errors)


def _plain(value: Decimal) -> str:
    """1.0 -> "1", 12.5 -> "12.5", with thousands separators."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.1f}"


class OutcomeMeasureEntry(models.Model):
    """One month's figure for one outcome measure, entered by an administrator or imported from CSV."""

    __module__ = MODELS_MODULE

    measure = models.CharField(max_length=40, choices=OutcomeMeasure.choices)
    month = models.DateField(help_text="The first day of the month the figure is for")
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["measure", "month"]
        verbose_name_plural = "outcome measure entries"
        constraints = [
            models.UniqueConstraint(fields=["measure", "month"], name="outcome_one_per_measure_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="outcome_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}, {self.month:%B %Y}: {self.count}"

    def clean(self):
        errors = {}
        if self.month is not None and self.month.day != 1:
            errors["month"] = "The month must be given as its first day"
        if self.count is not None and self.count > MAX_OUTCOME_COUNT:
            errors["count"] = f"The count must be {MAX_OUTCOME_COUNT:,} or fewer"
        if errors:
            raise ValidationError(errors)


class PartnershipSetting(models.Model):
    """Partnership-wide figures the reports need. One row (id 1), changed by a system administrator."""

    __module__ = MODELS_MODULE

    SINGLETON_ID = 1

    adult_female_population = models.PositiveIntegerField(
        "Adult female population (aged 16 and over)", null=True, blank=True
    )
    population_source = models.CharField("Source of the population figure", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="partnership_setting_singleton")]

    def __str__(self) -> str:
        return "Partnership settings"


class ReportTally(models.Model):
    """How many submitted referrals share the facts the report measures ask about, by the London day they were
    submitted and by audience: PARTNERSHIP (every referral: what a manager's reports count) or the id of an
    agency's group (the referrals that group can see: what that agency's reports count).

    Derived data with no personal data in it, kept exact by the services through referrals.reporting.tally
    (ADR 17): a report adds up a few thousand of these rows instead of counting up to a million referrals on
    every view."""

    __module__ = MODELS_MODULE

    PARTNERSHIP = 0

    audience = models.IntegerField()
    day = models.DateField()
    pathway = models.CharField(max_length=20)
    police = models.BooleanField()  # the referring agency is a police force
    incident_type = models.CharField(max_length=30, blank=True)  # youth violence referrals only
    repeat = models.BooleanField()  # a repeat referral, as its pathway app counts one (MARAC)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["audience", "day", "pathway", "police", "incident_type", "repeat"],
                name="report_tally_one_per_facts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.pathway}: {self.count}"


class ReportTallyState(models.Model):
    """When the report tally was last counted in full (referrals.reporting.tally.tally_rebuild). Until it has
    been, the reports count the referrals themselves: a new deployment is slow, never wrong. One row (id 1)."""

    __module__ = MODELS_MODULE

    SINGLETON_ID = 1

    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="report_tally_state_singleton")]

    def __str__(self) -> str:
        return f"Report tally built {self.built_at or 'never'}"
