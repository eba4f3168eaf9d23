"""The quarterly MARAC data return: per meeting held in the quarter, counts of the cases heard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from marac import selectors, services
from tests import factories
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db


def years_before(day, years, days=0):
    return day.replace(year=day.year - years) - datetime.timedelta(days=days)


hold = factories.hold_meeting


@pytest.fixture
def quarter(personas):
    """Two held meetings in a quarter six months back, one in the quarter before, one not held."""
    p = personas
    start = selectors.quarter_start(selectors.quarter_start(timezone.localdate()) - datetime.timedelta(days=100))
    day_a = start + datetime.timedelta(days=40)
    day_b = start + datetime.timedelta(days=10)

    def case(actor, **kwargs):
        return factories.make_marac_referral(actor, accept_by=p.coordinator, **kwargs)

    def meeting(day, cases, heard):
        m = factories.make_published_meeting(
            p.coordinator, cases, agencies=[p.hospital], days_ahead=(day - timezone.localdate()).days
        )
        return hold(p.coordinator, m, heard)

    c_before = case(p.owner)
    meeting(start - datetime.timedelta(days=20), [c_before], [c_before])
    c1 = case(p.owner, children_in_household=2, is_repeat=True)
    c2 = case(
        p.idva,
        children_in_household=0,
        victim={
            "first_name": "Sam",
            "gender": "male",
            "ethnicity": "black_african",
            "disability": "yes",
            "sexual_orientation": "bisexual",
            "date_of_birth": years_before(day_a, 17, days=10),
        },
        perpetrator={"date_of_birth": years_before(day_a, 17, days=200)},
    )
    c_not_heard = case(p.owner, children_in_household=5)
    c_removed = case(p.owner, children_in_household=7)
    m_a = factories.make_published_meeting(
        p.coordinator,
        [c1, c2, c_not_heard, c_removed],
        agencies=[p.hospital],
        days_ahead=(day_a - timezone.localdate()).days,
    )
    services.meeting_case_remove(
        meeting_case=m_a.cases.get(referral=c_removed), actor=p.coordinator, reason="Moved to another area"
    )
    hold(p.coordinator, m_a, [c1, c2])
    c5 = case(p.shared, victim={"first_name": "Tia", "date_of_birth": None, "estimated_age": 16})
    meeting(day_b, [c5], [c5])
    c_unheld = case(p.owner)
    factories.make_published_meeting(
        p.coordinator,
        [c_unheld],
        agencies=[p.hospital],
        days_ahead=(start + datetime.timedelta(days=50) - timezone.localdate()).days,
    )
    return start, day_a, day_b


def test_counts_per_meeting_and_total(personas, quarter):
    start, day_a, day_b = quarter
    report = selectors.data_return(user=personas.coordinator, start=start)
    assert [row.meeting.date for row in report.rows] == [day_b, day_a]
    b, a = (row.counts for row in report.rows)
    assert a["cases"] == 2 and b["cases"] == 1
    assert (a["repeats"], b["repeats"]) == (1, 0)
    assert (a["children"], b["children"]) == (2, 1)
    assert (a["agency_police"], a["agency_idva"], a["agency_acute_trust"]) == (1, 1, 0)
    assert b["agency_acute_trust"] == 1
    assert (a["minoritised"], a["lgbt"], a["disabled"], a["male"]) == (1, 1, 1, 1)
    assert (b["minoritised"], b["lgbt"], b["disabled"], b["male"]) == (0, 0, 0, 0)
    assert (a["aged_16_17"], b["aged_16_17"]) == (1, 1)
    assert (a["perpetrators_17_or_under"], b["perpetrators_17_or_under"]) == (1, 0)
    total = report.total.counts
    assert total["cases"] == 3 and total["children"] == 3 and total["aged_16_17"] == 2
    assert sum(total[f"agency_{c}"] for c in ("police", "idva", "acute_trust")) == 3


def test_age_boundaries_on_the_meeting_date(personas):
    from referrals.models import Person, PersonRole

    day = datetime.date(2026, 3, 10)
    referral = factories.make_draft(personas.owner, "marac")
    born = {
        "eighteen today": years_before(day, 18),
        "seventeen": years_before(day, 18) + datetime.timedelta(days=1),
        "sixteen today": years_before(day, 16),
        "fifteen": years_before(day, 16) + datetime.timedelta(days=1),
    }
    for name, dob in born.items():
        factories.add_person(
            referral, personas.owner, PersonRole.OTHER, first_name=name, last_name="X", date_of_birth=dob
        )
    factories.add_person(
        referral, personas.owner, PersonRole.OTHER, first_name="guessed", last_name="X", estimated_age=17
    )
    matched = Person.objects.filter(referral=referral, role=PersonRole.OTHER).filter(
        selectors._aged_between(day, 16, 17)
    )
    assert sorted(matched.values_list("first_name", flat=True)) == ["guessed", "seventeen", "sixteen today"]


def test_the_hubs_managers_count_every_meeting_as_its_coordinators_do(personas, quarter):
    """Counts only: the hub's manager is not invited to the meetings, and still gets the whole return."""
    start, _day_a, _day_b = quarter
    hub_manager = factories.make_user(personas.community_safety, "manager")
    assert not permissions.meetings_visible_to(hub_manager).exists()  # not invited: cannot open the meetings
    manager = selectors.data_return(user=hub_manager, start=start)
    coordinator = selectors.data_return(user=personas.coordinator, start=start)
    assert manager.total.counts == coordinator.total.counts and manager.total.counts["cases"] == 3


def test_page_and_csv(personas, client_for, quarter):
    start, day_a, day_b = quarter
    client = client_for(personas.coordinator)
    page = client.get(reverse("marac:data_return"), {"quarter": start.strftime("%Y-%m")})
    assert page.status_code == 200
    body = page.content.decode()
    assert "2 meetings held" in body
    response = client.get(reverse("marac:data_return_csv"), {"quarter": start.strftime("%Y-%m")})
    rows = csv_rows(response)
    assert rows[0][:3] == ["Meeting date", "Cases heard", "Repeat cases"]
    # one row per meeting held, earliest first, labelled with its date (e.g. "10 March 2026"), then the total
    assert [r[0] for r in rows[1:]] == [f"{day.day} {day:%B %Y}" for day in (day_b, day_a)] + ["Total"]
    assert rows[-1][1] == "3"


def test_a_bad_quarter_is_an_error_not_a_crash(personas, client_for):
    client = client_for(personas.coordinator)
    for value in ("1999-01", "<script>", "2026-13", "x" * 5000):
        response = client.get(reverse("marac:data_return"), {"quarter": value})
        assert response.status_code == 200
        assert b"govuk-error-summary" in response.content
        assert client.get(reverse("marac:data_return_csv"), {"quarter": value}).status_code == 200


def test_managers_of_the_hub_may_see_it_but_other_roles_not(personas, client_for):
    hub_manager = factories.make_user(personas.community_safety, "manager")
    assert client_for(hub_manager).get(reverse("marac:data_return")).status_code == 200
    for user in (personas.owner_manager, personas.shared, personas.yv_coordinator):
        assert client_for(user).get(reverse("marac:data_return")).status_code == 403
