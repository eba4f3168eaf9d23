"""Input validation for the MARAC pages. Explicit fields, never __all__."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from accounts.models import Agency
from marac import dash
from marac.models import (
    ActionStatus,
    Attendance,
    InfoSource,
    MaracDetail,
    Meeting,
)
from marac.selectors import quarter_label, quarter_start
from svd_portal.lib.forms import GovukDateField, GovukForm, GovukModelForm

# --- The filing journey ---------------------------------------------------------------------------


def _question_field() -> forms.ChoiceField:
    return forms.ChoiceField(choices=dash.Answer.choices, widget=forms.RadioSelect)


class DashFormBase(GovukForm):
    """The 24 DASH questions, each yes / no / don't know, and who gave the answers. Labels are numbered and come
    from dash.wording() (the partnership's licensed wording where it supplied some, else the paraphrases).
    The fields are added by `DashForm` below, one per question key of the current form version."""

    def __init__(self, *args, answers: dict | None = None, info_source: str = "", info_source_detail: str = "", **kw):
        super().__init__(*args, **kw)
        wording = dash.wording()
        answers = answers or {}
        for number, key in enumerate(dash.keys_for(dash.FORM_VERSION), start=1):
            field = self.fields[key]
            field.label = f"{number}. {wording[key]}"
            field.initial = answers.get(key)
            message = f"Select yes, no or don't know for question {number}"
            field.error_messages["required"] = message
            field.error_messages["invalid_choice"] = message
        self.fields["info_source"].initial = info_source or InfoSource.VICTIM
        self.fields["info_source_detail"].initial = info_source_detail

    @property
    def question_fields(self):
        return [self[key] for key in dash.keys_for(dash.FORM_VERSION)]

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in dash.keys_for(dash.FORM_VERSION)}

    def clean(self):
        data = super().clean()
        if data.get("info_source") == InfoSource.OTHER and not (data.get("info_source_detail") or "").strip():
            self.add_error("info_source_detail", "Enter who gave the answers")
        return data


DashForm = type(
    "DashForm",
    (DashFormBase,),
    {
        "__module__": __name__,
        **{key: _question_field() for key in dash.keys_for(dash.FORM_VERSION)},
        "info_source": forms.ChoiceField(
            label="Who gave the answers?", choices=InfoSource.choices, widget=forms.RadioSelect
        ),
        "info_source_detail": forms.CharField(
            label="If not the victim, who gave the answers?",
            help_text="Their name and role or relationship to the victim",
            required=False,
            max_length=200,
        ),
    },
)


class MaracDetailForm(GovukModelForm):
    class Meta:
        model = MaracDetail
        fields = [
            "perpetrator_relationship",
            "children_in_household",
            "incidents_last_12_months",
            "previous_marac",
            "previous_marac_details",
            "judged_band",
            "judgement_rationale",
        ]
        widgets = {
            "perpetrator_relationship": forms.RadioSelect,
            "judged_band": forms.Select,
            "judgement_rationale": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "incidents_last_12_months": "Count every incident you know of, not only those reported to the police.",
            "previous_marac_details": "For example, Northtown MARAC, March 2025",
            "judged_band": "Use this to refer on professional judgement. It can raise the risk level the DASH "
            "score gives, never lower it.",
        }

    def __init__(self, *args, dash_band: str = "", dash_score: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dash_band = dash_band
        self.dash_score = dash_score
        for name in ("perpetrator_relationship", "children_in_household", "incidents_last_12_months", "previous_marac"):
            self.fields[name].required = True
        self.fields["children_in_household"].error_messages["required"] = "Enter how many children are in the household"
        self.fields["incidents_last_12_months"].error_messages["required"] = (
            "Enter how many incidents there have been in the last 12 months"
        )
        self.fields["previous_marac"].error_messages["required"] = (
            "Select whether the victim has been referred to a MARAC in another area"
        )
        self.fields["judged_band"].choices = [("", "Not referring on professional judgement"), *dash.RiskBand.choices]
        for name in ("children_in_household", "incidents_last_12_months"):
            self.fields[name].widget.attrs.update({"data-width": "3", "inputmode": "numeric"})

    def _clean_count(self, name: str, top: int, what: str):
        value = self.cleaned_data.get(name)
        if value is not None and value > top:
            raise forms.ValidationError(f"{what} must be {top} or fewer")
        return value

    def clean_children_in_household(self):
        return self._clean_count("children_in_household", 30, "Children in the household")

    def clean_incidents_last_12_months(self):
        return self._clean_count("incidents_last_12_months", 365, "Incidents in the last 12 months")

    def clean(self):
        data = super().clean()
        # A rationale for a judgement, and where an earlier MARAC was, are required by MaracDetail.clean().
        problem = dash.judgement_problem(data.get("judged_band"), self.dash_band, self.dash_score)
        if problem:
            self.add_error("judged_band", problem)
        return data


class IdvaContactForm(GovukModelForm):
    """The IDVA service's first contact with the victim, or its attempt (the service checks the date against
    the day the referral was submitted)."""

    class Meta:
        model = MaracDetail
        fields = ["idva_contact_on", "idva_contact"]
        help_texts = {"idva_contact_on": "For example, 17 3 2026"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date, outcome = self.fields["idva_contact_on"], self.fields["idva_contact"]
        date.required = outcome.required = True
        date.past_only = True
        date.error_messages["required"] = "Enter the date of the first contact or attempt"
        outcome.error_messages["required"] = "Select what happened"


class MaracSafetyForm(GovukModelForm):
    """The restricted fields: who the victim is afraid of, and who is and is not safe to contact."""

    class Meta:
        model = MaracDetail
        fields = ["victim_afraid_of", "safe_to_contact", "not_safe_to_contact"]
        widgets = {
            "victim_afraid_of": forms.Textarea(attrs={"rows": 3}),
            "safe_to_contact": forms.Textarea(attrs={"rows": 3}),
            "not_safe_to_contact": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "victim_afraid_of": "Everyone who may be a threat, not only the alleged perpetrator.",
            "safe_to_contact": "People and agencies the victim says it is safe to talk to, and how.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["victim_afraid_of"].required = True
        self.fields["safe_to_contact"].required = True
        self.fields["victim_afraid_of"].error_messages["required"] = "Enter who the victim is afraid of"
        self.fields["safe_to_contact"].error_messages["required"] = (
            "Enter who the victim says it is safe to talk to, or 'Not known'"
        )


# --- Meetings -------------------------------------------------------------------------------------


class MeetingForm(GovukModelForm):
    date = GovukDateField(label="Meeting date", help_text="For example, 17 3 2026")
    referral_cutoff = GovukDateField(
        label="Referral cut-off date", help_text="Referrals received after this date go to the next meeting."
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies attending",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="When the case list is published, these agencies can see the listed cases.",
    )

    class Meta:
        model = Meeting
        fields = ["date", "start_time", "duration_minutes", "referral_cutoff", "venue_kind", "venue", "chair"]
        widgets = {"start_time": forms.TextInput(attrs={"data-width": "5", "autocomplete": "off"})}
        help_texts = {
            "start_time": "Use the 24-hour clock, for example 09:30 or 14:00",
            "duration_minutes": "Each case takes 12 to 15 minutes.",
            "chair": "Name and role, for example DI Sam Patel, Public Protection",
        }

    def __init__(self, *args, is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].future_only = is_new
        self.fields["agencies"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["agencies"].error_messages["required"] = "Select at least one agency attending"
        self.fields["start_time"].error_messages["invalid"] = "Enter a start time, like 09:30 or 14:00"
        self.fields["start_time"].input_formats = ["%H:%M", "%H.%M", "%H:%M:%S"]
        self.fields["duration_minutes"].widget.attrs.update({"data-width": "3", "inputmode": "numeric"})
        if self.instance.pk:
            invited = self.instance.invitations.filter(withdrawn_at__isnull=True).values_list("agency_id", flat=True)
            self.initial["agencies"] = list(invited)

    def clean_duration_minutes(self):
        value = self.cleaned_data.get("duration_minutes")
        if value is not None and not 15 <= value <= 600:
            raise forms.ValidationError("Length of the meeting must be between 15 and 600 minutes")
        return value

    def meeting_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AddCasesForm(GovukForm):
    referrals = forms.MultipleChoiceField(label="Cases to add", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrals"].choices = [
            (str(row.referral.public_id), row.referral.display_reference) for row in rows
        ]
        self.fields["referrals"].error_messages["required"] = "Select at least one case to add"


class RemoveCaseForm(GovukForm):
    reason = forms.CharField(
        label="Why are you removing this case from the list?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Enter why the case is being removed"


def _short_text(label: str, limit: int, **kwargs) -> forms.CharField:
    """A CharField added after the GOV.UK mixin has run, with the message the mixin would have given it."""
    field = forms.CharField(label=label, required=False, max_length=limit, **kwargs)
    message = f"{label} must be {limit:,} characters or fewer"
    field.error_messages["max_length"] = message
    for validator in field.validators:
        if getattr(validator, "code", "") == "max_length":
            validator.message = message
    return field


class AttendanceForm(GovukForm):
    confidentiality = forms.BooleanField(
        label="The confidentiality statement was read out and everyone present acknowledged it", required=False
    )

    def __init__(self, *args, invitations=(), meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitations = list(invitations)
        for invitation in self.invitations:
            name = invitation.agency.name
            prefix = f"agency_{invitation.agency_id}"
            self.fields[f"{prefix}_attendance"] = forms.ChoiceField(
                label=name,
                choices=Attendance.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=invitation.attendance or None,
            )
            self.fields[f"{prefix}_representative"] = _short_text(
                f"Who attended for {name}", 150, initial=invitation.representative
            )
            self.fields[f"{prefix}_information_sent"] = forms.BooleanField(
                label=f"{name} sent information with its apologies",
                required=False,
                initial=invitation.information_sent,
            )
        if meeting is not None and meeting.confidentiality_acknowledged_at:
            self.fields["confidentiality"].initial = True
        for invitation in self.invitations:
            self.fields[f"agency_{invitation.agency_id}_attendance"].error_messages["invalid_choice"] = (
                f"Select whether {invitation.agency.name} attended"
            )

    @property
    def agency_rows(self):
        return [
            (
                invitation,
                self[f"agency_{invitation.agency_id}_attendance"],
                self[f"agency_{invitation.agency_id}_representative"],
                self[f"agency_{invitation.agency_id}_information_sent"],
            )
            for invitation in self.invitations
        ]

    def clean(self):
        data = super().clean()
        for invitation in self.invitations:
            prefix = f"agency_{invitation.agency_id}"
            attended = data.get(f"{prefix}_attendance") == Attendance.ATTENDED
            if attended and not (data.get(f"{prefix}_representative") or "").strip():
                self.add_error(f"{prefix}_representative", f"Enter who attended for {invitation.agency.name}")
        return data

    def rows(self):
        return [
            (
                invitation,
                self.cleaned_data.get(f"agency_{invitation.agency_id}_attendance") or "",
                self.cleaned_data.get(f"agency_{invitation.agency_id}_representative") or "",
                bool(self.cleaned_data.get(f"agency_{invitation.agency_id}_information_sent")),
            )
            for invitation in self.invitations
        ]


class HeldForm(GovukForm):
    heard = forms.MultipleChoiceField(
        label="Which cases were heard?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Cases not heard go back to the cases waiting for a meeting.",
    )

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heard"].choices = [
            (str(row.meeting_case.public_id), row.referral.display_reference) for row in rows
        ]
        self.fields["heard"].initial = [value for value, _ in self.fields["heard"].choices]


class ResearchForm(GovukForm):
    content = forms.CharField(
        label="What do your agency's records show?",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Keep to what is relevant and proportionate, and say what is fact and what is opinion. "
        "Only your agency and the MARAC coordinators can read this until the meeting shares it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].error_messages["required"] = "Enter what your agency's records show"


class ActionForm(GovukForm):
    description = forms.CharField(
        label="Action agreed", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Make it SMART."
    )
    agency = forms.ModelChoiceField(label="Agency responsible", queryset=Agency.objects.none())
    due_date = GovukDateField(label="Due date", future_only=True, help_text="For example, 31 3 2026")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["agency"].empty_label = "Select an agency"
        self.fields["description"].error_messages["required"] = "Enter the action agreed"
        self.fields["agency"].error_messages["required"] = "Select the agency responsible"
        self.fields["due_date"].error_messages["required"] = "Enter the due date"


class ActionUpdateForm(GovukForm):
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Update",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Needed if the action was not completed.",
    )

    def clean(self):
        data = super().clean()
        not_done = data.get("status") in {ActionStatus.NOT_COMPLETED, ActionStatus.NOT_COMPLETED_CIRCUMSTANCES}
        if not_done and not (data.get("note") or "").strip():
            self.add_error("note", "Enter why the action was not completed")
        return data


class RepeatDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Is this a repeat of the earlier case?",
        choices=[("confirm", "Yes, it is a repeat"), ("reject", "No, it is a different case")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "Select whether this is a repeat"


def quarter_choices(today: datetime.date | None = None, count: int = 8) -> list[tuple[str, str]]:
    start = quarter_start(today or timezone.localdate())
    choices = []
    for _ in range(count):
        choices.append((start.strftime("%Y-%m"), quarter_label(start)))
        previous = start - datetime.timedelta(days=1)
        start = quarter_start(previous)
    return choices


class DataReturnForm(GovukForm):
    quarter = forms.ChoiceField(label="Quarter", choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices()

    def start(self) -> datetime.date:
        value = self.cleaned_data["quarter"] if self.is_valid() else quarter_choices()[0][0]
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)
