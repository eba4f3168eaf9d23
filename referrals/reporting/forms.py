"""Report forms: the period and filter choices (GET), targets, outcome figures, CSV import and the population
setting. Explicit fields; GOV.UK messages come from GovukForm."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Agency
from referrals.models import Pathway
from referrals.reporting import measures
from referrals.reporting.models import (
    MAX_OUTCOME_COUNT,
    MAX_YEAR,
    MIN_YEAR,
    OutcomeMeasure,
    PeriodKind,
    ReportMeasure,
    Target,
    TargetType,
)
from referrals.reporting.periods import MONTH_NAMES, Period, current_year_for, period_for, year_choices
from svd_portal.lib.forms import GovukForm, GovukModelForm

MAX_UPLOAD_BYTES = 1_000_000


def _year_options(today: datetime.date) -> list[tuple[str, str]]:
    """Years for a select, newest first: a calendar year, or the year a financial year starts in."""
    return year_choices(PeriodKind.CALENDAR_YEAR, today, back=6, ahead=1)


class PeriodForm(GovukForm):
    """Which period a report covers. Bound to the query string; falls back to the current financial year."""

    period = forms.ChoiceField(
        label="Period",
        required=False,
        choices=[
            (PeriodKind.FINANCIAL_YEAR, "Financial year"),
            (PeriodKind.CALENDAR_YEAR, "Calendar year"),
            (PeriodKind.ROLLING_12, "Rolling 12 months"),
        ],
    )
    year = forms.ChoiceField(label="Year", required=False, help_text="For a financial year, the year it starts in")

    def __init__(self, *args, today: datetime.date | None = None, default_kind: str = PeriodKind.FINANCIAL_YEAR, **kw):
        super().__init__(*args, **kw)
        self.today = today or timezone.localdate()
        self.default_kind = default_kind
        self.fields["period"].initial = default_kind
        self.fields["year"].choices = [("", "The current one"), *_year_options(self.today)]

    def chosen_period(self) -> Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("period") or self.default_kind
        year = int(data["year"]) if data.get("year") else None
        if kind != PeriodKind.ROLLING_12 and year is None:
            year = current_year_for(kind, self.today)
        return period_for(kind, year, self.today)


class FilterForm(PeriodForm):
    pathway = forms.ChoiceField(label="Pathway", required=False, choices=[("", "All pathways"), *Pathway.choices])
    agency = forms.ChoiceField(label="Referring agency", required=False)

    def __init__(self, *args, agencies: list[Agency] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {a.short_name: a for a in agencies or []}
        self.fields["agency"].choices = [("", "All agencies"), *[(a.short_name, a.name) for a in agencies or []]]

    def chosen_pathway(self) -> str:
        return self.cleaned_data.get("pathway", "") if self.is_bound and self.is_valid() else ""

    def chosen_agency(self) -> Agency | None:
        if not (self.is_bound and self.is_valid()):
            return None
        return self.agencies.get(self.cleaned_data.get("agency") or "")


class YearOnYearForm(FilterForm):
    measure = forms.ChoiceField(label="Measure", required=False, choices=ReportMeasure.choices)

    field_order = ["measure", "period", "year", "pathway", "agency"]

    def chosen_measure(self) -> measures.Measure:
        key = self.cleaned_data.get("measure") if self.is_bound and self.is_valid() else ""
        return measures.measure(key or ReportMeasure.REFERRALS_ALL)


class TargetForm(GovukModelForm):
    year = forms.TypedChoiceField(
        label="Year",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="For a financial year, the year it starts in: 2025 means April 2025 to March 2026. "
        "Leave it empty for the rolling 12 months",
    )
    value = forms.DecimalField(
        label="Target",
        max_digits=10,
        decimal_places=1,
        min_value=Decimal("-100"),
        max_value=Decimal("1000000"),
        help_text="A number (for a rate, a percentage such as 30), or a percentage change such as 10 for a "
        "rise of 10% or -5 for a fall of 5%",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-width": "5"}),
    )

    class Meta:
        model = Target
        fields = ["measure", "period_kind", "year", "target_type", "value", "direction", "note"]
        labels = {"measure": "Measure", "period_kind": "Period", "note": "Note (optional)"}
        widgets = {"measure": forms.Select, "period_kind": forms.RadioSelect, "note": forms.TextInput}

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["year"].choices = [("", "Select a year"), *_year_options(today)]
        self.fields["measure"].choices = [("", "Select a measure"), *ReportMeasure.choices]
        self.fields["direction"].help_text = "For referrals, more usually means more people found and helped"
        self.fields["note"].help_text = "For example, where the target comes from"

    def clean(self):
        data = super().clean()
        kind, year = data.get("period_kind"), data.get("year")
        if kind and kind != PeriodKind.ROLLING_12 and year is None:
            self.add_error("year", "Select the year")
        if kind == PeriodKind.ROLLING_12:
            data["year"] = None
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            self.add_error("year", "Select a year from the list")
        value, target_type = data.get("value"), data.get("target_type")
        if value is not None and target_type == TargetType.ABSOLUTE and value < 0:
            self.add_error("value", "The target must be 0 or more")
        if (
            value is not None
            and target_type == TargetType.ABSOLUTE
            and data.get("measure") == ReportMeasure.MARAC_REPEAT_RATE
            and value > 100
        ):
            self.add_error("value", "A rate cannot be more than 100%")
        return data

    def _post_clean(self):
        # The service sets the instance's fields and validates the row; the form only checks what was typed.
        pass


class OutcomeEntryForm(GovukForm):
    measure = forms.ChoiceField(label="Measure", choices=OutcomeMeasure.choices, widget=forms.RadioSelect)
    month = forms.TypedChoiceField(
        label="Month",
        coerce=int,
        choices=[("", "Select a month"), *[(str(n), name) for n, name in enumerate(MONTH_NAMES, start=1)]],
    )
    year = forms.IntegerField(
        label="Year",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-width": "4"}),
        help_text="For example, 2025",
    )
    count = forms.IntegerField(
        label="Count",
        min_value=0,
        max_value=MAX_OUTCOME_COUNT,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-width": "5"}),
    )
    source = forms.CharField(
        label="Source (optional)",
        required=False,
        max_length=200,
        help_text="For example, NHS Hospital Episode Statistics, published March 2026",
    )

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["year"].error_messages["min_value"] = f"Year must be {MIN_YEAR} or later"
        self.fields["year"].error_messages["max_value"] = "Year must not be in the future"
        self.fields["count"].error_messages["min_value"] = "Count must be 0 or more"
        self.fields["count"].error_messages["max_value"] = f"Count must be {MAX_OUTCOME_COUNT:,} or fewer"

    def clean(self):
        data = super().clean()
        month, year = data.get("month"), data.get("year")
        if month and year:
            day = datetime.date(year, month, 1)
            if day > self.today.replace(day=1):
                self.add_error("year", "The month must not be in the future")
            else:
                data["first_day"] = day
        return data


class OutcomeImportForm(GovukForm):
    file = forms.FileField(label="CSV file", help_text="A CSV file saved as UTF-8, 1 MB at most")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = "Select a CSV file to import"
        self.fields["file"].error_messages["empty"] = "The file is empty"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be 1 MB or smaller")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file")
        return upload


class PopulationForm(GovukForm):
    adult_female_population = forms.IntegerField(
        label="Adult female population (aged 16 and over)",
        min_value=1,
        max_value=20_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-width": "10"}),
        help_text="The number of women and girls aged 16 and over living in the partnership's area",
    )
    population_source = forms.CharField(
        label="Source",
        required=False,
        max_length=200,
        help_text="For example, ONS mid-2024 population estimates",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["adult_female_population"]
        field.error_messages["min_value"] = "The population must be 1 or more"
        field.error_messages["max_value"] = "The population must be 20,000,000 or fewer"
