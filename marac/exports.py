"""MARAC exports: the case list and the action tracker as CSV (svd_portal.lib.csv_export) and PDF (WeasyPrint).

PDFs are rendered from Django templates with print CSS, with a URL fetcher that refuses every fetch: an export
never reaches the network or the file system, whatever text a case holds.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string

from svd_portal.lib.csv_export import attachment

CASE_LIST_HEADER = [
    "Position",
    "Reference",
    "Victim",
    "Risk level",
    "DASH score",
    "Repeat",
    "Criteria met",
    "Referring agency",
    "Days waiting",
]
ACTION_HEADER = [
    "Agency",
    "Reference",
    "Victim",
    "Meeting",
    "Action",
    "Due date",
    "Overdue",
    "Status",
]


def case_list_rows(rows) -> list[list]:
    return [
        [
            index,
            row.referral.display_reference,
            row.victim,
            row.criteria.band_label,
            "" if row.criteria.score is None else row.criteria.score,
            row.criteria.repeat,
            ", ".join(row.criteria.met),
            row.referral.owner_agency.name,
            row.days_waiting,
        ]
        for index, row in enumerate(rows, start=1)
    ]


def action_rows(groups) -> list[list]:
    return [
        [
            group.agency.name,
            action.referral.display_reference,
            action.victim,
            f"{action.meeting_case.meeting.date:%-d %B %Y}",
            action.description,
            f"{action.due_date:%-d %B %Y}",
            action.overdue,
            action.get_status_display(),
        ]
        for group in groups
        for action in group.actions
    ]


def _refuse(url: str, *args, **kwargs):
    raise ValueError("MARAC PDF exports fetch nothing")


def pdf_download(filename: str, template: str, context: dict) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(template, context)
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf(pdf_variant="pdf/ua-1")
    return attachment(pdf, filename=filename, extension=".pdf", content_type="application/pdf")
