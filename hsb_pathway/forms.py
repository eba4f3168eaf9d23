"""Input validation for the HSB pathway. Explicit fields, never __all__; rules about one row are the models'
clean(), which model forms run too."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import Agency
from hsb_pathway.models import (
    MAX_AGE,
    Assessment,
    AssessmentKind,
    ClosureReason,
    HsbDetail,
    Intervention,
    Order,
    OrderEvent,
    Review,
    Stage,
    StrategyDiscussion,
    brook_problems,
)
from svd_portal.lib.forms import GovukDateField, GovukForm, GovukModelForm


class HsbModelForm(GovukModelForm):
    """A model form whose model's clean() may speak about fields this page does not show: those messages go to
    the top of the error summary instead of raising (Django raises ValueError for them)."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            moved: dict[str, list] = {}
            for field, messages in errors.error_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                moved.setdefault(key, []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)


def _number(field, label: str, maximum: int) -> None:
    field.widget = forms.TextInput(attrs={"inputmode": "numeric", "data-width": "3"})
    field.min_value = 0
    field.max_value = maximum
    field.validators = [v for v in field.validators if getattr(v, "code", "") not in {"min_value", "max_value"}]
    field.error_messages["invalid"] = f"{label} must be a whole number"
    field.error_messages["min_value"] = f"{label} must be 0 or more"
    field.error_messages["max_value"] = f"{label} must be {maximum:,} or less"

    def check(value):
        if value is not None and value < 0:
            raise forms.ValidationError(field.error_messages["min_value"])
        if value is not None and value > maximum:
            raise forms.ValidationError(field.error_messages["max_value"])

    field.validators.append(check)


def _active_agencies():
    return Agency.objects.filter(is_active=True).order_by("name")


def _past(form, *names: str) -> None:
    for name in names:
        form.fields[name].past_only = True


# --- Journey pages --------------------------------------------------------------------------------


class HsbBehaviourForm(HsbModelForm):
    class Meta:
        model = HsbDetail
        fields = [
            "age_at_behaviour",
            "concern",
            "setting",
            "victim_identified",
            "victim_age",
            "victim_relationship",
            "parents_told",
            "police_reference",
        ]
        widgets = {"concern": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "age_at_behaviour": "The age of the person the referral is about when the behaviour happened.",
            "concern": "What happened, how often, and who was involved. Keep to facts and say where they came from.",
            "victim_age": "An estimate is fine.",
            "victim_relationship": "For example classmate, sibling, cousin, neighbour, met online.",
            "police_reference": "If the police have recorded a crime. For example 01/123456/26.",
        }

    def __init__(self, *args, subject_age: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject_age = subject_age
        _number(self.fields["age_at_behaviour"], "Age at the time of the behaviour", MAX_AGE)
        _number(self.fields["victim_age"], "Victim's age", MAX_AGE)
        self.fields["age_at_behaviour"].required = True
        self.fields["police_reference"].widget.attrs.update({"data-width": "20", "autocomplete": "off"})

    def clean_age_at_behaviour(self):
        age = self.cleaned_data.get("age_at_behaviour")
        if age is not None and self.subject_age is not None and age > self.subject_age:
            raise forms.ValidationError(
                f"Age at the time of the behaviour cannot be more than their age now ({self.subject_age}, from the "
                "date of birth given)"
            )
        return age

    def clean_police_reference(self):
        return (self.cleaned_data.get("police_reference") or "").strip().upper()


class HsbScreeningForm(HsbModelForm):
    class Meta:
        model = HsbDetail
        fields = ["brook_rating", "brook_age_band", "brook_extended", "hackett_category"]
        help_texts = {
            "brook_rating": "Needed for anyone under 18. Leave blank for adults unless the 13 to 17 band is used "
            "for a vulnerable young person up to 25.",
            "brook_age_band": "The bands overlap: choose the one the rating was made against.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hackett_category"].required = True
        self.fields["hackett_category"].error_messages["required"] = "Select the Hackett continuum category"
        self.fields["brook_rating"].error_messages["invalid_choice"] = "Select a valid Brook traffic light rating"

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            raise forms.ValidationError("Answer the questions about the behaviour of concern first")
        probe = HsbDetail(
            age_at_behaviour=self.instance.age_at_behaviour,
            brook_rating=data.get("brook_rating") or "",
            brook_age_band=data.get("brook_age_band") or "",
            brook_extended=bool(data.get("brook_extended")),
        )
        for field, message in brook_problems(probe).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


# --- Stage 1: strategy discussion -----------------------------------------------------------------


class StrategyDiscussionForm(HsbModelForm):
    class Meta:
        model = StrategyDiscussion
        fields = ["held_on", "participants", "route", "lead_agency", "decisions"]
        widgets = {
            "participants": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "participants": "Names, roles and agencies: usually children's social care, the police and the youth "
            "justice service, with health and education.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _past(self, "held_on")
        self.fields["lead_agency"].queryset = _active_agencies()
        self.fields["lead_agency"].empty_label = "Select an agency"


# --- Stage 2: assessments -------------------------------------------------------------------------


class Aim3AssessmentForm(HsbModelForm):
    class Meta:
        model = Assessment
        fields = [
            "assessed_on",
            "assessor",
            "sexual_behaviour",
            "non_sexual_behaviour",
            "developmental",
            "environmental",
            "self_regulation",
            "summary",
            "next_assessment_on",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "assessor": "The AIM3-trained practitioner who carried out the assessment.",
            "summary": "The case formulation: the targets it sets for intervention and supervision.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = AssessmentKind.AIM3
        _past(self, "assessed_on")
        self.fields["next_assessment_on"].future_only = True
        for name in ("sexual_behaviour", "non_sexual_behaviour", "developmental", "environmental", "self_regulation"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = (
                f"Select the rating for the {self.fields[name].label.lower()} domain"
            )
        self.fields["summary"].required = True
        self.fields["next_assessment_on"].required = True


class OtherAssessmentForm(HsbModelForm):
    class Meta:
        model = Assessment
        fields = ["assessed_on", "assessor", "tool_used", "outcome", "next_assessment_on"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"tool_used": "For example an early help assessment, or a specialist adult risk assessment."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = AssessmentKind.OTHER
        _past(self, "assessed_on")
        self.fields["next_assessment_on"].future_only = True
        self.fields["tool_used"].required = True
        self.fields["outcome"].required = True


# --- Stage 3: interventions -----------------------------------------------------------------------


class InterventionForm(HsbModelForm):
    class Meta:
        model = Intervention
        fields = [
            "plan_type",
            "plan",
            "provider_agency",
            "start_on",
            "end_on",
            "sessions_attended",
            "family_engagement",
        ]
        widgets = {"plan": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"end_on": "Leave blank while the intervention is going on."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_agency"].queryset = _active_agencies()
        self.fields["provider_agency"].empty_label = "Select an agency"
        _number(self.fields["sessions_attended"], "Sessions attended", 1000)


# --- Stage 4: reviews -----------------------------------------------------------------------------


class ReviewScheduleForm(HsbModelForm):
    class Meta:
        model = Review
        fields = ["scheduled_for"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].future_only = True


class ReviewOutcomeForm(HsbModelForm):
    class Meta:
        model = Review
        fields = ["held_on", "outcome", "notes"]
        widgets = {"outcome": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _past(self, "held_on")
        self.fields["held_on"].required = True
        self.fields["outcome"].required = True
        self.fields["outcome"].choices = [c for c in self.fields["outcome"].choices if c[0] != ""]


class AdultTransitionForm(GovukForm):
    send = forms.BooleanField(label="They have special educational needs or a disability (SEND)", required=False)
    transition_on = GovukDateField(
        label="Date of transition to adult services",
        required=False,
        help_text="Leave blank until it is agreed. For example, 27 3 2027",
    )
    adult_service = forms.CharField(label="Adult service taking over", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("transition_on") and not (data.get("adult_service") or "").strip():
            self.add_error("adult_service", "Enter the adult service taking over")
        return data


# --- Stage moves and closure ----------------------------------------------------------------------


class StageMoveForm(GovukForm):
    """A confirmation: moving on needs no more than the button."""


class CloseForm(GovukForm):
    closure_reason = forms.ChoiceField(
        label="Why is the case closing?", choices=ClosureReason.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Closure details", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closure_reason"].error_messages["required"] = "Select why the case is closing"
        self.fields["reason"].error_messages["required"] = "Enter the closure details"


class StageFilterForm(GovukForm):
    stage = forms.ChoiceField(label="Stage", required=False, choices=[("", "All stages"), *Stage.choices])


# --- Orders ---------------------------------------------------------------------------------------


class OrderForm(HsbModelForm):
    class Meta:
        model = Order
        fields = [
            "kind",
            "other_kind",
            "made_on",
            "applicant_agency",
            "court",
            "end_on",
            "indefinite",
            "prohibitions",
            "foreign_travel_only",
        ]
        widgets = {"prohibitions": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "other_kind": "Only for another order.",
            "court": "For example Outer Borough Magistrates' Court.",
            "end_on": "Leave blank if the order has no end date.",
            "prohibitions": "In brief: no more than the partnership needs to know.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _past(self, "made_on")
        self.fields["applicant_agency"].queryset = _active_agencies()
        self.fields["applicant_agency"].empty_label = "Select an agency"


class OrderEventForm(HsbModelForm):
    class Meta:
        model = OrderEvent
        fields = ["kind", "happened_on", "details", "new_end_on", "person_consented", "police_consented"]
        widgets = {"details": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "new_end_on": "For a renewal, or a variation that changes how long the order lasts.",
            "person_consented": "A Sexual Harm Prevention Order cannot be discharged within five years of being "
            "made without the consent of the person and the police.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _past(self, "happened_on")
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != ""]
