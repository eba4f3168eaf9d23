"""Template tags for the MARAC pages."""

from django import template
from django.utils.safestring import mark_safe

from referrals.templatetags.cases import case_paths
from svd_portal.lib.html import format_rows

register = template.Library()

# One candidate row of the "Build the case list" page. Drawn here rather than in the template: the page lists up
# to 200 waiting cases, and Django's template engine took about 55 ms to draw them (a quarter of a millisecond a
# row, mostly variable lookups and the URL tag); format_rows does the same, escaped, in a few (docs/performance.md).
CANDIDATE_ROW = (
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell">'
    '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
    '<div class="govuk-checkboxes__item">'
    '<input class="govuk-checkboxes__input" id="id_referrals_{0}" name="referrals" type="checkbox" value="{1}"{2}>'
    '<label class="govuk-label govuk-checkboxes__label" for="id_referrals_{0}">'
    '<span class="govuk-visually-hidden">Add {3}</span></label></div></div></td>'
    '<td class="govuk-table__cell"><a class="govuk-link" href="{4}">{3}</a>{5}</td>'
    '<td class="govuk-table__cell">{6}</td>'
    '<td class="govuk-table__cell">{7}</td>'
    '<td class="govuk-table__cell">{8}</td>'
    '<td class="govuk-table__cell">{9}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{10}</td>'
    "</tr>\n"
)
REPEAT_TAG = mark_safe(' <strong class="govuk-tag govuk-tag--purple">Repeat</strong>')  # noqa: S308 - a constant
CHECKED = mark_safe(" checked")  # noqa: S308 - a constant


@register.simple_tag
def candidate_rows(rows):
    """The candidate rows of the add-cases form (marac.selectors.CaseRow of a WaitingCase), ticked as the view
    marked them."""

    path_of = case_paths()

    def cells(index, row):
        referral, criteria = row.referral, row.criteria
        risk = criteria.band_label if criteria.score is None else f"{criteria.band_label} ({criteria.score})"
        return (
            index,
            referral.public_id,
            CHECKED if row.selected else "",
            referral.display_reference,
            path_of(referral.public_id),
            REPEAT_TAG if criteria.repeat else "",
            row.victim,
            risk,
            ", ".join(criteria.met) or "None",
            referral.owner_short_name,
            row.days_waiting,
        )

    return format_rows(CANDIDATE_ROW, (cells(i, row) for i, row in enumerate(rows)))
