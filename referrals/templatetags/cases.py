"""Rows of the case lists and search results ({% load cases %}), drawn in Python rather than by the template
engine: a 25-row table cost the engine about a quarter of a millisecond a row, mostly variable lookups and a URL
tag per row (docs/performance.md). format_rows escapes every value, as the template would."""

from collections.abc import Callable

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

from svd_portal.lib.html import format_rows
from svd_portal.templatetags.govuk import status_tag

register = template.Library()

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def case_paths() -> Callable[[object], str]:
    """The path of a case page from its public id, with one reverse() for a whole page of rows."""
    path = reverse("referrals:detail", args=[_PLACEHOLDER])
    return lambda public_id: path.replace(_PLACEHOLDER, str(public_id))


@register.filter
def subject_names(referral, missing: str = "Not given yet") -> str:
    """The names of a referral's subjects (selectors.subjects_prefetch), or `missing`."""
    return ", ".join(person.full_name for person in referral.subjects) or missing


CASE_ROW = (
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    "{}</tr>\n"
)


@register.simple_tag
def case_rows(referrals, owner=False):
    """One table row per referral (selectors.CASE_ROW_COLUMNS): reference linked to the case, subjects, pathway,
    status, the day received and, with `owner`, the owning agency."""
    path_of = case_paths()

    def cells(referral):
        return (
            path_of(referral.public_id),
            referral.display_reference,
            subject_names(referral),
            referral.get_pathway_display(),
            status_tag(referral.status, referral.get_status_display()),
            formats.date_format(timezone.localtime(referral.created_at), "j M Y"),
            format_html('<td class="govuk-table__cell">{}</td>', referral.owner_agency.short_name) if owner else "",
        )

    return format_rows(CASE_ROW, (cells(referral) for referral in referrals))
