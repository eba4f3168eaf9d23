"""GOV.UK form conventions for Django forms: clear error messages, safe text, day/month/year dates.

Every form in the project mixes in `GovukForm` (or `GovukModelForm`), which:
- replaces Django's generic messages with GOV.UK style ones ("Enter the postcode", "Select the pathway");
- refuses control and bidirectional-override characters in single-line text (names, references), which
  are never legitimate there and can disguise what a caseworker reads;
- caps every free-text field so that nothing unbounded reaches the database.
"""

from __future__ import annotations

import datetime
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

MAX_FREE_TEXT = 10_000


def has_disallowed_characters(value: str, *, multiline: bool) -> bool:
    for ch in value:
        if multiline and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co"}:
            return True
    return False


def _lower_first(text: str) -> str:
    text = str(text)
    if len(text) > 1 and text[1].isupper():
        return text  # an acronym such as "DASH" or "GP"
    return text[:1].lower() + text[1:]


def whole_number_field(model, name: str, low: int, high: int, help_text: str = "", required: bool = True):
    """A whole number for `model`'s field `name`, labelled as the model names it: a text box for digits (GOV.UK
    asks for inputmode, not type="number", which browsers turn into blank on a typing mistake), with GOV.UK
    messages for too few and too many."""
    from django.utils.text import capfirst

    label = capfirst(model._meta.get_field(name).verbose_name)
    field = forms.IntegerField(
        label=label,
        required=required,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-width": "3"}),
    )
    field.error_messages["min_value"] = f"{label} must be {low} or more"
    field.error_messages["max_value"] = f"{label} must be {high:,} or fewer"
    return field


class GovukFormMixin:
    """Mixin for forms.Form and forms.ModelForm; see the module docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = _lower_first(field.label or name.replace("_", " "))
            choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField)
            if isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.MultipleChoiceField):
                field.error_messages["invalid_choice"] = f"Select a valid option for {label}"
            if isinstance(field, forms.BooleanField) and not isinstance(field, forms.NullBooleanField):
                field.error_messages.setdefault("required", f"Confirm {label}")
            field.error_messages["required"] = field.error_messages.get("required_message") or (
                f"Select {label}" if choice else f"Enter {label}"
            )
            if isinstance(field, forms.CharField):
                if field.max_length is None:
                    field.max_length = MAX_FREE_TEXT
                    field.validators.append(_max_length_validator(MAX_FREE_TEXT))
                field.error_messages["max_length"] = (
                    f"{(field.label or name).capitalize()} must be {field.max_length:,} characters or fewer"
                )
                for validator in field.validators:
                    if getattr(validator, "code", "") == "max_length":
                        validator.message = field.error_messages["max_length"]
                # Django's own "Null characters are not allowed." in the GOV.UK style of the other messages
                field.error_messages["null_characters_not_allowed"] = (
                    f"{(field.label or name).capitalize()} must not contain control or hidden formatting characters"
                )
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                field.error_messages["invalid"] = f"{(field.label or name).capitalize()} must be a number"

    def _clean_fields(self):
        super()._clean_fields()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not isinstance(value, str) or not value:
                continue
            multiline = isinstance(field.widget, forms.Textarea)
            if has_disallowed_characters(value, multiline=multiline):
                self.add_error(
                    name,
                    f"{(field.label or name).capitalize()} must not contain control or hidden formatting characters",
                )


def _max_length_validator(limit: int):
    from django.core.validators import MaxLengthValidator

    return MaxLengthValidator(limit)


class GovukForm(GovukFormMixin, forms.Form):
    pass


def govuk_formfield(db_field, **kwargs):
    """Model fields to GOV.UK form fields: dates as day/month/year, short choice lists as radios."""
    from django.db import models

    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        return GovukDateField(
            label=capfirst(db_field.verbose_name), required=not db_field.blank, help_text=db_field.help_text
        )
    if db_field.choices and not kwargs.get("widget"):
        choices = list(db_field.choices)
        if len(choices) <= 6:
            kwargs["widget"] = forms.RadioSelect
        field = db_field.formfield(**kwargs)
        if isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.RadioSelect):
            field.choices = [("", "Select an option")] + [c for c in field.choices if c[0] != ""]
        return field
    return db_field.formfield(**kwargs)


class GovukModelFormMetaclass(forms.models.ModelFormMetaclass):
    """Give every GovukModelForm's Meta the GOV.UK field mapping unless it names its own."""

    def __new__(mcs, name, bases, attrs):
        meta = attrs.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = govuk_formfield
        return super().__new__(mcs, name, bases, attrs)


class GovukModelForm(GovukFormMixin, forms.ModelForm, metaclass=GovukModelFormMetaclass):
    pass


# --- Dates ----------------------------------------------------------------------------------------


class GovukDateInput(forms.MultiWidget):
    """Day, month and year boxes, as the GOV.UK date input component."""

    template_name = "includes/widgets/date.html"
    is_govuk_date = True

    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK messages for each way it can be wrong."""

    widget = GovukDateInput

    def __init__(self, *, past_only: bool = False, future_only: bool = False, **kwargs):
        self.past_only = past_only
        self.future_only = future_only
        fields = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        label = (self.label or "Date").capitalize()
        day, month, year = (str(x or "").strip() for x in data_list)
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"{label} must be a real date", code="invalid") from exc
        today = datetime.date.today()  # noqa: DTZ011 - a calendar date in the local (London) sense
        if self.past_only and value > today:
            raise ValidationError(f"{label} must be today or in the past", code="future")
        if self.future_only and value < today:
            raise ValidationError(f"{label} must be today or in the future", code="past")
        if value.year < 1900:
            raise ValidationError(f"{label} must be after 1900", code="too_early")
        if value.year > 2199:  # nothing here is dated so far on, and a day after 9999-12-31 cannot be worked out
            raise ValidationError(f"{label} must be before 2200", code="too_late")
        return value


def error_summary_items(*forms_):
    """(anchor id, message) pairs for the GOV.UK error summary, in field order, for one or more forms."""
    items = []
    for form in forms_:
        if not getattr(form, "is_bound", False) or not form.errors:
            continue
        for error in form.non_field_errors():
            items.append(("", error))
        for bound in form:
            if bound.errors:
                items.append((field_anchor(bound), bound.errors[0]))
    return items


def choice_options(bound) -> list[dict]:
    """The real options of a radios or checkboxes field (not Django's blank choice), with their ids."""
    return [
        {
            "id": sub.data["attrs"]["id"],
            "value": sub.data["value"],
            "label": sub.choice_label,
            "checked": bool(sub.data["selected"]),
        }
        for sub in bound.subwidgets
        if sub.data["value"] not in ("", None)
    ]


def field_anchor(bound) -> str:
    """The id the error summary links to: the first input of a group, as the Design System asks."""
    widget = bound.field.widget
    if getattr(widget, "is_govuk_date", False):
        return f"{bound.auto_id}_0"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        options = choice_options(bound)
        return options[0]["id"] if options else bound.auto_id
    return bound.auto_id


def errors_to_form(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each field's messages on that field when the form has it,
    the rest at the top of the error summary."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def posted_version(request) -> int | None:
    """The version of the record the form was shown with (the hidden `version` field), for the services'
    optimistic locking; None when it is missing or not a number."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None
