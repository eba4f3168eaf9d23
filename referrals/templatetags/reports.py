"""Number formatting for the report pages ({% load reports %}); the same rules as the CSV files and the
chart summaries (referrals.reporting.presentation)."""

from django import template

from referrals.reporting import presentation

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
