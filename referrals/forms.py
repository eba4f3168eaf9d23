"""Input validation for the referrals core and the youth violence pathway. Explicit fields, never __all__."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import Agency
from referrals.models import (
    PHONE_RE,
    YV_MAX_AGE,
    AccessAction,
    ConsentGiven,
    LawfulBasis,
    Pathway,
    Person,
    PersonRole,
    Referral,
    ReminderRule,
    ShareLevel,
    Status,
    YouthViolenceDetail,
)
from referrals.selectors import NO_FILTERS, OTHER_AGENCIES, AccessLogFilters
from svd_portal.lib.forms import GovukDateField, GovukForm, GovukModelForm, errors_to_form, whole_number_field

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


class PathwayForm(GovukForm):
    pathway = forms.ChoiceField(
        label="Which pathway is this referral for?",
        choices=Pathway.choices,
        widget=forms.RadioSelect,
        help_text="MARAC is for domestic abuse victims at high risk. Youth violence is for people under 25.",
    )


class PersonForm(GovukModelForm):
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, past_only=True, help_text="For example, 27 3 2007"
    )

    class Meta:
        model = Person
        fields = [
            "role",
            "first_name",
            "last_name",
            "aliases",
            "date_of_birth",
            "estimated_age",
            "gender",
            "trans",
            "ethnicity",
            "disability",
            "sexual_orientation",
            "first_language",
            "interpreter_needed",
            "relationship",
            "address",
            "postcode",
            "phone",
            "safe_to_call",
            "safe_times",
            "gp",
            "school",
        ]
        labels = {
            "estimated_age": "Estimated age, if the date of birth is not known",
            "interpreter_needed": "An interpreter is needed",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "ethnicity": forms.Select}

    def __init__(self, *args, subject: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        if subject:
            del self.fields["role"]
            del self.fields["relationship"]
        else:
            self.fields["role"].choices = [c for c in PersonRole.choices if c[0] != PersonRole.SUBJECT]
        self.fields["postcode"].widget.attrs.update({"data-width": "10", "autocomplete": "off"})
        self.fields["estimated_age"].widget.attrs.update({"data-width": "3", "inputmode": "numeric"})
        self.fields["estimated_age"].max_value = 120

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").upper().strip()
        if not value:
            return value
        match = POSTCODE_RE.match(value)
        if not match:
            raise forms.ValidationError("Enter a real postcode, like AA1 1AA")
        return f"{match.group(1)} {match.group(2)}"

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError("Enter a phone number, like 01632 960 001 or +44 808 157 0192")
        return value

    def clean_estimated_age(self):
        value = self.cleaned_data.get("estimated_age")
        if value is not None and value > 120:
            raise forms.ValidationError("Estimated age must be 120 or less")
        return value

    def clean(self):
        data = super().clean()
        no_age = not data.get("date_of_birth") and data.get("estimated_age") is None
        if self.subject and no_age and "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", "Enter their date of birth, or an estimated age if it is not known")
        return data


class ConcernsForm(GovukModelForm):
    class Meta:
        model = Referral
        fields = ["summary"]
        labels = {"summary": "What are your concerns?"}
        help_texts = {
            "summary": "Describe what has happened and the risks now. Keep to facts and say where they came from."
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].required = True
        self.fields["summary"].error_messages["required"] = "Enter your concerns"


class ConsentForm(GovukModelForm):
    class Meta:
        model = Referral
        fields = ["subject_aware", "consent_given", "consent_reason", "lawful_basis"]
        widgets = {"consent_reason": forms.Textarea(attrs={"rows": 3}), "lawful_basis": forms.Select}
        help_texts = {
            "lawful_basis": "Needed when consent was refused or not sought.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_aware"].required = True
        self.fields["consent_given"].required = True
        self.fields["subject_aware"].error_messages["required"] = "Select whether the person is aware"
        self.fields["consent_given"].error_messages["required"] = "Select whether consent was given"

    def clean(self):
        data = super().clean()
        if data.get("consent_given") in {ConsentGiven.NO, ConsentGiven.NOT_SOUGHT}:
            if not (data.get("consent_reason") or "").strip():
                self.add_error("consent_reason", "Enter why consent was not given or not sought")
            if not data.get("lawful_basis"):
                self.add_error("lawful_basis", "Select the lawful basis for sharing without consent")
        return data


class YouthViolenceForm(GovukModelForm):
    class Meta:
        model = YouthViolenceDetail
        fields = [
            "role",
            "age_at_referral",
            "incident_date",
            "incident_type",
            "weapon",
            "injury_severity",
            "location",
            "hospital_attended",
            "hospital_name",
            "hospital_date",
            "programme",
            "engagement",
            "outcome",
            "next_review_date",
            "gang_association",
            "exploitation",
        ]
        widgets = {
            "incident_type": forms.RadioSelect,
            "weapon": forms.RadioSelect,
            "programme": forms.Select,
            "outcome": forms.Select,
            "engagement": forms.Select,
        }

    def __init__(self, *args, subject_age: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject_age = subject_age
        self.fields["age_at_referral"].widget.attrs.update({"data-width": "3", "inputmode": "numeric"})
        self.fields["age_at_referral"].help_text = "The youth violence pathway is for people under 25."
        for name in ("incident_date", "hospital_date"):
            self.fields[name].past_only = True

    def clean_age_at_referral(self):
        age = self.cleaned_data.get("age_at_referral")
        if age is not None and age >= YV_MAX_AGE:
            raise forms.ValidationError(
                "The youth violence pathway is for people under 25. Use another pathway for adults 25 and over"
            )
        if age is not None and self.subject_age is not None and abs(age - self.subject_age) > 1:
            raise forms.ValidationError(
                f"Age at referral does not match the date of birth given for the young person "
                f"(which makes them {self.subject_age})"
            )
        return age

    def clean(self):
        data = super().clean()
        if data.get("hospital_attended") and not (data.get("hospital_name") or "").strip():
            self.add_error("hospital_name", "Enter which hospital they attended")
        return data


class TransitionForm(GovukForm):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class ShareForm(GovukForm):
    agency = forms.ModelChoiceField(label="Agency to share with", queryset=Agency.objects.none())
    level = forms.ChoiceField(label="What may they do?", choices=ShareLevel.choices, widget=forms.RadioSelect)
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing", choices=[("", "Select an option"), *LawfulBasis.choices]
    )
    reason = forms.CharField(
        label="Why are you sharing this referral?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        shared = referral.shares.filter(revoked_at__isnull=True).values("agency_id")
        self.fields["agency"].queryset = (
            Agency.objects.filter(is_active=True).exclude(pk=referral.owner_agency_id).exclude(pk__in=shared)
        )
        self.fields["agency"].empty_label = "Select an agency"


class RevokeForm(GovukForm):
    reason = forms.CharField(
        label="Why are you revoking access?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class DateRangeFilter:
    """A filter form's two optional dates, `range_fields` (from, to), both days included: refused the wrong way
    round (`range_error` on the second), and as a range of moments from London midnight to London midnight."""

    range_fields: tuple[str, str]
    range_error: str

    def clean(self):
        data = super().clean()
        start, end = (data.get(name) for name in self.range_fields)
        if start and end and start > end:
            self.add_error(self.range_fields[1], self.range_error)
        return data

    def date_range(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        data = self.cleaned_data if self.is_valid() else {}
        tz = timezone.get_current_timezone()
        start, end = (data.get(name) for name in self.range_fields)
        return (
            datetime.datetime.combine(start, datetime.time.min, tzinfo=tz) if start else None,
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz) if end else None,
        )


class CaseFilterForm(DateRangeFilter, GovukForm):
    """Filters for the case lists. GET parameters hold no names: name search is a POST (SearchForm)."""

    range_fields = ("received_from", "received_to")
    range_error = "Received to must be the same as or after received from"

    pathway = forms.ChoiceField(label="Pathway", required=False, choices=[("", "All pathways"), *Pathway.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All statuses"), *Status.choices])
    received_from = GovukDateField(label="Received from", required=False)
    received_to = GovukDateField(label="Received to", required=False)


CLOSED = " (no longer active)"


class AccessLogFilterForm(DateRangeFilter, GovukForm):
    """Filters for an agency administrator's access log: which case, who, from which agency, what and when. The
    references and staff names it takes are not case content."""

    range_fields = ("seen_from", "seen_to")
    range_error = "Viewed to must be the same as or after viewed from"

    reference = forms.CharField(
        label="Case reference", required=False, max_length=40, help_text="For example OB-2026-00123"
    )
    person = forms.CharField(
        label="Who", required=False, max_length=100, help_text="Part of their name, or their whole email address"
    )
    agency = forms.ChoiceField(label="Their agency", required=False)
    action = forms.ChoiceField(label="What they did", required=False, choices=[("", "Anything"), *AccessAction.choices])
    seen_from = GovukDateField(label="Viewed from", required=False)
    seen_to = GovukDateField(label="Viewed to", required=False)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [
            ("", "Any agency"),
            (OTHER_AGENCIES, "Any agency but mine"),
            *[(str(agency.pk), agency.name + ("" if agency.is_active else CLOSED)) for agency in agencies],
        ]

    def filters(self) -> AccessLogFilters:
        """What to narrow the log to: nothing until the form is valid."""
        if not (self.is_bound and self.is_valid()):
            return NO_FILTERS
        data = self.cleaned_data
        start, end = self.date_range()
        return AccessLogFilters(
            reference=data["reference"],
            person=data["person"],
            agency=data["agency"],
            action=data["action"],
            start=start,
            end=end,
        )


class SearchForm(GovukForm):
    q = forms.CharField(
        label="Search by reference, name or phone number",
        max_length=100,
        help_text="For example OB-2026-00123, a first and last name, or 07700 900123",
    )


EDIT_CONFLICT = "Someone else changed this case since you opened this page. Check and try again."


def saved_through(form, call, *, conflict: str = EDIT_CONFLICT) -> bool:
    """Run a service that saves what `form` holds; put what it refuses on the form (`conflict` when someone else
    changed the case first, a ValidationError on its fields). True when it saved. For any form saved through a
    service."""
    from referrals.services import EditConflict

    try:
        call()
    except EditConflict:
        form.add_error(None, conflict)
    except ValidationError as error:
        errors_to_form(form, error)
    else:
        return True
    return False


ANY_CASE_ROLE = "any"


class ReminderRuleForm(GovukForm):
    """One kind of reminder's timing (reminders.reminder_rule_save): only the values its default has, each left
    blank to keep the default, which the hint gives."""

    working_days = whole_number_field(ReminderRule, "working_days", 0, 60, required=False)
    working_days_before = whole_number_field(ReminderRule, "working_days_before", 0, 60, required=False)
    repeat_days = whole_number_field(ReminderRule, "repeat_days", 1, 60, required=False)
    role = forms.ChoiceField(label=capfirst(ReminderRule._meta.get_field("role").verbose_name), required=False)

    # The stored role ("" is everyone with a case role; None, not set, is the default) and the form's choice
    ROLE_CHOICE = {None: "", "": ANY_CASE_ROLE}

    def __init__(self, *args, fields: list[str], default: dict, current: dict, **kwargs):
        initial = dict(current)
        if "role" in initial:
            initial["role"] = self.ROLE_CHOICE.get(initial["role"], initial["role"])
        super().__init__(*args, initial=initial, **kwargs)
        from referrals.reminders import ROLE_WORDS

        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
            elif name != "role":
                self.fields[name].help_text = f"Leave blank for the default: {default.get(name, 0)}"
        if "role" in self.fields:
            self.fields["role"].choices = [
                ("", f"The default ({ROLE_WORDS.get(default.get('role', ''))})"),
                *[(value, words.capitalize()) for value, words in ROLE_WORDS.items() if value],
                (ANY_CASE_ROLE, "Everyone with a case role"),
            ]

    def values(self) -> dict:
        """For reminder_rule_save: blank is None (the default); "everyone" is the empty role."""
        data = dict(self.cleaned_data)
        if "role" in data:
            stored = {choice: role for role, choice in self.ROLE_CHOICE.items()}
            data["role"] = stored.get(data["role"], data["role"])
        return data
