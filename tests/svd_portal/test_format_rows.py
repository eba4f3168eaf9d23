"""format_rows draws long tables with the same escaping as Django's format_html_join."""

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from svd_portal.lib.html import format_rows

TEMPLATE = '<tr data-id="{0}"><td>{1}</td><td>{2}</td><td>{3}</td></tr>'
ROWS = [
    (1, "<script>alert('x')</script>", mark_safe("<strong>kept</strong>"), None),
    ("\"quoted\" & 'single'", "=SUM(A1)", "\u202eevil", 3.5),
    ("", "O'Brien <b>", mark_safe(""), "tab\there"),
]


def test_format_rows_escapes_exactly_as_format_html_join():
    drawn = format_rows(TEMPLATE, ROWS)
    assert isinstance(drawn, SafeString)
    assert drawn == format_html_join("", TEMPLATE, ROWS)
    assert "<script>" not in drawn and "&lt;script&gt;alert(&#x27;x&#x27;)" in drawn
    assert "<strong>kept</strong>" in drawn and "&quot;quoted&quot; &amp; &#x27;single&#x27;" in drawn


def _by_the_engine(template_source: str, context: dict) -> str:
    from django.template import Context, Template

    return Template(template_source).render(Context(context))


def test_select_options_are_what_the_template_drew():
    """A select's options, drawn in Python for 500-agency lists, match the template loop they replaced: values
    and labels escaped, the chosen one marked, a blank first choice kept."""
    from django import forms

    from svd_portal.templatetags.govuk import select_options

    class Form(forms.Form):
        agency = forms.ChoiceField(
            choices=[("", "All agencies"), ("A&B", "Alpha & <Beta>"), ("O'B", 'O\'Brien "Trust"'), ("C", "Gamma")]
        )

    loop = (
        '{% for value, label in choices %}<option value="{{ value }}"{% if value == chosen %} selected{% endif %}>'
        "{{ label }}</option>{% endfor %}"
    )
    for chosen in ("O'B", "", "not a choice"):
        bound = Form({"agency": chosen})["agency"]
        drawn = select_options(bound)
        assert isinstance(drawn, SafeString)
        assert drawn == _by_the_engine(loop, {"choices": Form.base_fields["agency"].choices, "chosen": chosen})
    assert drawn.count(" selected") == 0 and "Alpha &amp; &lt;Beta&gt;" in drawn


def test_breakdown_rows_are_what_the_template_drew():
    from types import SimpleNamespace

    from referrals.templatetags.reports import breakdown_rows

    rows = [
        SimpleNamespace(label="<Borough> & Co", current=1234, previous=1000, change=234, change_percent=23.4),
        SimpleNamespace(label="New agency", current=5, previous=0, change=5, change_percent=None),
        SimpleNamespace(label="Gone", current=0, previous=7, change=-7, change_percent=-100),
    ]
    loop = (
        "{% load reports %}{% for row in rows %}"
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ row.label }}</th>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.current|count }}</td>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.previous|count }}</td>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.change|change }}'
        "{% if row.change_percent is not None %} ({{ row.change_percent|percent_change }}){% endif %}</td></tr>"
        "{% endfor %}"
    )
    drawn = breakdown_rows(rows).replace("\n", "")
    assert drawn == _by_the_engine(loop, {"rows": rows})
    assert "&lt;Borough&gt; &amp; Co" in drawn and "1,234" in drawn and "+5</td>" in drawn
