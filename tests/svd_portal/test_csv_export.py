import csv
import io

import pytest

from svd_portal.lib.csv_export import csv_response, escape_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-cmd", "'-cmd"),
        ("@import", "'@import"),
        ("\tlead tab", "'\tlead tab"),
        ("\rcarriage", "'\rcarriage"),
        ("\0nul", "'nul"),
        ("|pipe", "'|pipe"),
        ("plain text", "plain text"),
        ("-12", "-12"),
        ("3.5", "3.5"),
        (42, "42"),
        (None, ""),
        (True, "Yes"),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_csv_response_is_an_attachment_with_escaped_cells():
    response = csv_response("case list/../x", ["Reference", "Note"], [["OB-2026-00001", "=HYPERLINK(1)"]])
    assert response["Content-Disposition"] == 'attachment; filename="case-list-..-x.csv"'
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [["Reference", "Note"], ["OB-2026-00001", "'=HYPERLINK(1)"]]
