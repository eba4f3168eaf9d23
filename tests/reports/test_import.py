"""CSV import of outcome measure figures: every bad row reported by line number, nothing imported from a bad
file; a good file imported whole, corrections kept in history."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.reporting import services
from referrals.reporting.models import OutcomeMeasure, OutcomeMeasureEntry
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


def _import(text: str | bytes, actor=None):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return services.outcome_csv_import(actor=actor or factories.make_sysadmin(), data=data, today=TODAY)


def test_a_good_file_is_imported_whole():
    result = _import(
        "measure,month,count,source\n"
        "hospital_sharp_u25,2025-04,7,NHS HES\n"
        "police_knife_u25,2025-04,31,\n"
        "Homicides,2025-5,0,Police\n"  # the label is accepted as well as the key; a one-digit month too
        "\n"  # blank lines are skipped
    )
    assert (result.added, result.updated, result.unchanged) == (3, 0, 0)
    assert set(OutcomeMeasureEntry.objects.values_list("measure", "month", "count")) == {
        ("hospital_sharp_u25", datetime.date(2025, 4, 1), 7),
        ("police_knife_u25", datetime.date(2025, 4, 1), 31),
        ("homicides", datetime.date(2025, 5, 1), 0),
    }


def test_columns_may_come_in_any_order_with_a_byte_order_mark():
    result = _import("\ufeffCount,Month,Measure\r\n5,2025-01,homicides\r\n".encode())
    assert result.added == 1


def test_a_second_import_corrects_and_history_keeps_the_first():
    admin = factories.make_sysadmin()
    _import("measure,month,count\nhomicides,2025-04,2\nhomicides,2025-05,1\n", admin)
    result = _import("measure,month,count\nhomicides,2025-04,3\nhomicides,2025-05,1\n", admin)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    april = OutcomeMeasureEntry.objects.get(month=datetime.date(2025, 4, 1))
    assert april.count == 3
    assert list(april.history.order_by("history_date").values_list("count", flat=True)) == [2, 3]
    assert april.history.first().history_user == admin


def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_row_by_line_number():
    OutcomeMeasureEntry.objects.create(
        measure=OutcomeMeasure.HOMICIDES, month=datetime.date(2025, 1, 1), count=9, entered_by=factories.make_sysadmin()
    )
    text = (
        "measure,month,count,source\n"  # line 1
        "homicides,2025-01,1,Police\n"  # 2: fine (would correct January)
        "stabbings,2025-02,1,\n"  # 3: unknown measure
        "homicides,2025-13,1,\n"  # 4: impossible month
        "homicides,2025-03,-2,\n"  # 5: negative
        "homicides,2025-03,two,\n"  # 6: not a number
        "homicides,2025-07,1,\n"  # 7: the future (today is 15 June 2025)
        "homicides,2025-01,4,\n"  # 8: January again
        "homicides,2025-04\n"  # 9: a value missing
        ",,,\n"  # 10: blank: skipped
        '"=HYPERLINK(""x"")",1999-01,1,<script>\n'  # 11: formula, too early
        "police_knife_u25,2025-04,5,\u202eevil\n"  # 12: a bidi override in the source
        "hospital_sharp_u25,2025-04,2000000,\n"  # 13: too big
        "hospital_sharp_u25,,3,\n"  # 14: no month
    )
    with pytest.raises(services.ImportRefused) as refused:
        _import(text)
    errors = refused.value.errors
    assert [e.split(":")[0] for e in errors] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 8",
        "Line 9",
        "Line 11",
        "Line 12",
        "Line 13",
        "Line 14",
    ]
    assert "measure must be one of" in errors[0]
    assert "real month" in errors[1]
    assert "whole number" in errors[2] and "whole number" in errors[3]
    assert "future" in errors[4]
    assert "same measure and month as line 2" in errors[5]
    assert "expected 4 values but found 2" in errors[6]
    assert "measure must be one of" in errors[7] and "2000 or later" in errors[7]
    assert "control or hidden formatting" in errors[8]
    assert "1,000,000 or fewer" in errors[9]
    assert "enter the month" in errors[10]
    # Nothing changed: not even the good row on line 2
    assert list(OutcomeMeasureEntry.objects.values_list("count", flat=True)) == [9]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"measure,month,count\n", "no rows"),
        (b"measure,month\nhomicides,2025-01\n", "it has no count column"),
        (b"measure,month,count,colour\n", "not recognised: colour"),
        (b"measure,month,count,count\n", "more than once: count"),
        ("measure,month,count\nhomicides,2025-01,1\n".encode("utf-16"), "UTF-8"),
        (b"measure,month,count\nhomicides,2025-01,1\x00\n", "NUL"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "UTF-8"),
    ],
)
def test_files_that_are_not_a_usable_csv_are_refused(data, message):
    with pytest.raises(services.ImportRefused) as refused:
        _import(data)
    assert any(message in error for error in refused.value.errors)
    assert not OutcomeMeasureEntry.objects.exists()


def test_too_many_rows_are_refused():
    rows = "".join(f"homicides,{2000 + i // 12}-{i % 12 + 1:02d},1\n" for i in range(services.MAX_IMPORT_ROWS + 1))
    with pytest.raises(services.ImportRefused) as refused:
        services.outcome_csv_import(
            actor=factories.make_sysadmin(),
            data=("measure,month,count\n" + rows).encode(),
            today=datetime.date(2500, 1, 1),
        )
    assert "more than 5,000 rows" in refused.value.errors[-1]
    assert not OutcomeMeasureEntry.objects.exists()


def test_only_system_administrators_may_import(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.outcome_csv_import(actor=personas.owner_manager, data=b"measure,month,count\nhomicides,2025-01,1\n")


# --- Through the page -----------------------------------------------------------------------------


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_import_page_lists_every_problem_and_imports_nothing(client_for):
    client = client_for(factories.make_sysadmin())
    bad = b"measure,month,count\nhomicides,2020-01,1\nhomicides,2020-02,lots\n<script>alert(1)</script>,2020-03,1\n"
    response = client.post(reverse("reports:outcome_import"), {"file": _upload("figures.csv", bad)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "The file has 2 problems, listed below. Nothing was imported" in body
    assert "Line 3: count must be a whole number" in body and "Line 4: measure must be one of" in body
    assert "<script>alert(1)" not in body
    assert not OutcomeMeasureEntry.objects.exists()


def test_the_import_page_imports_a_good_file(client_for):
    client = client_for(factories.make_sysadmin())
    good = b"measure,month,count,source\nhomicides,2020-01,1,Police\npolice_knife_u25,2020-01,12,Police\n"
    response = client.post(reverse("reports:outcome_import"), {"file": _upload("figures.csv", good)}, follow=True)
    assert "Imported 2 rows: 2 added, 0 changed, 0 unchanged" in response.content.decode()
    assert OutcomeMeasureEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Select a CSV file to import"),
        (_upload("figures.xlsx", b"measure,month,count\n"), "must be a CSV file"),
        (_upload("big.csv", b"x" * 1_000_001), "1 MB or smaller"),
    ],
)
def test_the_import_page_refuses_a_missing_wrong_or_huge_file(client_for, upload, message):
    client = client_for(factories.make_sysadmin())
    response = client.post(reverse("reports:outcome_import"), {"file": upload} if upload else {})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and message in body
