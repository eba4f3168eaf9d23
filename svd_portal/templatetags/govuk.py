"""Template tags that render Django form fields as GOV.UK Frontend components.

{% govuk_field form.name %}                     label above the input
{% govuk_field form.name heading=True %}        the label or legend is the page's h1 (one-question pages)
{% govuk_error_summary form other_form %}       the standard "There is a problem" summary
{% status_tag referral.status referral.get_status_display %}   a case's or a meeting's status as a GOV.UK tag
"""

from django import forms, template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from svd_portal.lib.forms import choice_options, error_summary_items, field_anchor
from svd_portal.lib.html import format_rows

register = template.Library()


def field_kind(bound) -> str:
    widget = bound.field.widget
    if getattr(widget, "is_govuk_date", False):
        return "date"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # before RadioSelect: Django makes it a subclass
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


SELECT_OPTION = '<option value="{}"{}>{}</option>'


def select_options(bound) -> SafeString:
    """A select's <option>s, drawn in Python: an agency list of a London-wide partnership has about 500, which
    the template engine drew at several milliseconds a page (docs/performance.md)."""
    value = bound.value()
    current = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    rows = []
    for choice_value, choice_label in bound.field.choices:
        choice_value = getattr(choice_value, "value", choice_value)
        selected = mark_safe(" selected") if str(choice_value) in current else ""  # noqa: S308 - a constant
        rows.append(("" if choice_value is None else choice_value, selected, choice_label))
    return format_rows(SELECT_OPTION, rows)


@register.simple_tag
def govuk_field(bound, heading=False, width="", label_size=""):
    kind = field_kind(bound)
    if kind == "hidden":
        return bound.as_widget()
    options = []
    if kind in {"radios", "checkboxes"}:
        options = choice_options(bound)
    elif kind == "select":
        options = select_options(bound)
    hint_id = f"{bound.auto_id}-hint" if bound.help_text else ""
    error_id = f"{bound.auto_id}-error" if bound.errors else ""
    described_by = " ".join(x for x in (hint_id, error_id) if x)
    value = bound.value()
    if kind in {"input", "textarea"}:
        value = "" if value is None else value
    widget = bound.field.widget
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        value = ""  # a typed password is never sent back in the page
    return render_to_string(
        f"includes/fields/{kind}.html",
        {
            "field": bound,
            "kind": kind,
            "id": bound.auto_id,
            "anchor": field_anchor(bound),
            "name": bound.html_name,
            "label": bound.label,
            "hint": bound.help_text,
            "hint_id": hint_id,
            "error": bound.errors[0] if bound.errors else "",
            "error_id": error_id,
            "described_by": described_by,
            "value": value,
            "options": options,
            "heading": heading,
            "label_size": label_size or ("l" if heading else ""),
            "width": width or bound.field.widget.attrs.get("data-width", ""),
            "input_type": getattr(bound.field.widget, "input_type", "text"),
            "autocomplete": bound.field.widget.attrs.get("autocomplete", ""),
            "inputmode": bound.field.widget.attrs.get("inputmode", ""),
            "required": bound.field.required,
            "checked": kind == "checkbox" and bool(value),
            "rows": bound.field.widget.attrs.get("rows", 5),
            "subwidget": bound.as_widget() if kind == "date" else "",
        },
    )


@register.simple_tag
def govuk_error_summary(*forms_):
    items = error_summary_items(*forms_)
    if not items:
        return ""
    return render_to_string("includes/error_summary.html", {"items": items})


@register.filter
def has_errors(*forms_):
    return any(f is not None and f.is_bound and f.errors for f in forms_)


@register.simple_tag(takes_context=True)
def page_title(context, title, *forms_):
    prefix = "Error: " if any(f is not None and getattr(f, "is_bound", False) and f.errors for f in forms_) else ""
    return f"{prefix}{title} - {context.get('SERVICE_NAME', '')}"


# The colour of a case's, a meeting's or a target's status (GOV.UK tag modifiers); any other status is grey.
STATUS_TAG_COLOURS = {
    "on_track": "green",
    "at_risk": "yellow",
    "off_track": "red",
    "submitted": "blue",
    "published": "blue",
    "accepted": "turquoise",
    "open": "green",
    "held": "green",
    "declined": "red",
}


@register.simple_tag
def status_tag(status, label):
    colour = STATUS_TAG_COLOURS.get(status, "grey")
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, label)
