"""Number formatting for the report pages ({% load reports %}); the same rules as the CSV files and the
chart summaries (referrals.reporting.presentation)."""

from django import template

from referrals.reporting import presentation
from svd_portal.lib.html import format_rows

register = template.Library()


@register.filter
def count(value):
    return presentation.fmt_count(value)


@register.filter
def measure_value(value, measure):
    """A measure's value: a count, or a rate as a percentage."""
    return presentation.fmt_value(value, rate=getattr(measure, "is_rate", False))


@register.filter
def change(value, measure=None):
    return presentation.fmt_change(value, rate=getattr(measure, "is_rate", False))


@register.filter
def percent_change(value):
    return presentation.fmt_percent_change(value)


@register.filter
def decimal1(value):
    return presentation.fmt_decimal(value)


@register.filter
def percent(value):
    return presentation.fmt_percent(value)


BREAKDOWN_ROW = (
    '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}{}</td></tr>\n'
)


@register.simple_tag
def breakdown_rows(rows):
    """The rows of a breakdown table, drawn in Python: by agency, a London-wide partnership has about 500, which
    the template engine drew at tens of milliseconds a page (docs/performance.md). The same cells as the
    filters above give."""
    return format_rows(
        BREAKDOWN_ROW,
        (
            (
                row.label,
                presentation.fmt_count(row.current),
                presentation.fmt_count(row.previous),
                presentation.fmt_change(row.change, rate=False),
                "" if row.change_percent is None else f" ({presentation.fmt_percent_change(row.change_percent)})",
            )
            for row in rows
        ),
    )
