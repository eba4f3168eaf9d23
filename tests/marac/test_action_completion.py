"""MARAC actions by agency (domain.md §5: "Actions are not completed"): the actions due in a quarter, counted by the
agency that owns them as completed on time, late, not completed because circumstances changed, not completed, or
still open; an agency that left two or more undone is flagged for the steering group."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marac import selectors, services
from marac.models import Action, ActionStatus
from tests import factories
from tests.helpers import count_queries, csv_rows

pytestmark = pytest.mark.django_db

LONDON = timezone.get_default_timezone()


def _london(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def _previous_quarter() -> datetime.date:
    return selectors.quarter_start(selectors.quarter_start(timezone.localdate()) - datetime.timedelta(days=1))


def _report(personas, action, status: str, at: datetime.datetime | None = None, note: str = "") -> None:
    services.action_update(action=action, actor=personas.coordinator, status=status, note=note)
    if at is not None:
        Action.objects.filter(pk=action.pk).update(status_reported_at=at)


@pytest.fixture
def quarter(personas):
    """Actions due in last quarter for Housing (one on time, one late, one not completed, one still open) and the
    Hospital (one overtaken by events, one not yet due on the report's day), and one on each side of the quarter."""
    p = personas
    start = _previous_quarter()
    end = selectors.quarter_end(start)
    case = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    meeting = factories.make_published_meeting(
        p.coordinator, [case], agencies=[p.housing, p.hospital], days_ahead=(start - timezone.localdate()).days
    )
    listing = meeting.cases.get()
    d1, d2 = start + datetime.timedelta(days=10), start + datetime.timedelta(days=40)
    d3 = end - datetime.timedelta(days=1)

    def action(agency, due):
        return factories.add_action(p.coordinator, listing, agency, due_date=due)

    _report(p, action(p.housing, d1), ActionStatus.COMPLETE, _london(d1, 23, 30))  # on time: late that evening
    _report(p, action(p.housing, d1), ActionStatus.COMPLETE, _london(d1 + datetime.timedelta(days=1), 0, 30))
    _report(p, action(p.housing, d2), ActionStatus.NOT_COMPLETED, note="Not picked up")
    action(p.housing, d2)  # still open after its date
    _report(p, action(p.hospital, d1), ActionStatus.NOT_COMPLETED_CIRCUMSTANCES, note="Moved out of the area")
    action(p.hospital, d3)  # not yet due on the report's day
    action(p.hospital, start - datetime.timedelta(days=1))  # the quarter before
    action(p.housing, end)  # the quarter after
    return start, d3 - datetime.timedelta(days=1)


def test_counts_by_agency_and_what_became_of_each_action(personas, quarter):
    start, today = quarter
    report = selectors.action_completion(user=personas.coordinator, start=start, today=today)
    rows = {row.name: row for row in report.rows}
    assert list(rows) == sorted([personas.housing.name, personas.hospital.name])
    housing, hospital = rows[personas.housing.name], rows[personas.hospital.name]
    assert housing.values() == [4, 1, 1, 0, 1, 1, 0]  # due, on time, late, changed, not completed, overdue, waiting
    assert hospital.values() == [2, 0, 0, 1, 0, 0, 1]
    assert report.total.values() == [6, 1, 1, 1, 1, 1, 1]
    assert (housing.undone, housing.escalate, housing.on_time_percent) == (2, True, 25)
    assert (hospital.undone, hospital.escalate, hospital.on_time_percent) == (0, False, None)  # none could be yet
    assert report.escalated == [housing]
    # on the next day the hospital's last action is overdue too, but one undone is not "repeated"
    later = selectors.action_completion(user=personas.coordinator, start=start, today=today + datetime.timedelta(2))
    assert [row.escalate for row in later.rows if row.name == personas.hospital.name] == [False]


def test_only_the_marac_hubs_coordinators_and_managers_get_counts(personas, quarter):
    start, today = quarter
    hub_manager = factories.make_user(personas.community_safety, "manager")
    assert selectors.action_completion(user=hub_manager, start=start, today=today).total.due == 6
    for user in (personas.owner_manager, personas.outsider, personas.yv_coordinator):
        assert selectors.action_completion(user=user, start=start, today=today).rows == []


def test_page_and_csv(personas, client_for, quarter):
    start, _today = quarter
    client = client_for(personas.coordinator)
    params = {"quarter": start.strftime("%Y-%m")}
    body = client.get(reverse("marac:action_completion"), params).content.decode()
    assert "6 actions due" in body
    label = selectors.quarter_label(start)
    assert f"For the steering group: {personas.housing.name} left 2 or more actions due in {label} undone" in body
    assert body.count("govuk-tag--red") == 1
    rows = csv_rows(client.get(reverse("marac:action_completion_csv"), params))
    assert rows[0][:3] == ["Agency", "Actions due", "Completed on time"]
    assert rows[0][-1] == "Completed on time (%)" and len(rows[0]) == 9
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name[personas.housing.name] == ["4", "1", "1", "0", "1", "1", "0", "25"]
    assert by_name["Total"][0] == "6"
    assert list(by_name)[-1] == "Total"


def test_linked_from_the_tracker_and_the_meetings_for_those_who_may_see_it(personas, client_for):
    url = reverse("marac:action_completion")
    for page in ("marac:actions", "marac:meetings"):
        assert url in client_for(personas.coordinator).get(reverse(page)).content.decode()
    assert url not in client_for(personas.outsider).get(reverse("marac:actions")).content.decode()


def test_a_bad_quarter_is_an_error_on_the_page_not_a_crash(personas, client_for):
    client = client_for(personas.coordinator)
    for value in ("1999-01", "<script>", "2026-13", "x" * 5000):
        response = client.get(reverse("marac:action_completion"), {"quarter": value})
        assert response.status_code == 200
        assert b"govuk-error-summary" in response.content and b"<script>" not in response.content
        assert client.get(reverse("marac:action_completion_csv"), {"quarter": value}).status_code == 200


def test_the_page_runs_the_same_queries_for_one_agency_or_many(personas, client_for, django_assert_max_num_queries):
    p = personas
    start = selectors.quarter_start(timezone.localdate())
    client, url = client_for(p.coordinator), reverse("marac:action_completion")
    case = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    listing = factories.make_published_meeting(p.coordinator, [case], agencies=[p.housing]).cases.get()
    factories.add_action(p.coordinator, listing, p.housing, due_date=start)
    few = count_queries(client, url)
    for agency in (p.hospital, p.police, p.idva_service, p.community_safety):
        factories.add_action(p.coordinator, listing, agency, due_date=start + datetime.timedelta(days=1))
    assert len(selectors.action_completion(user=p.coordinator, start=start).rows) == 5
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(ACTIONS_BY_AGENCY_PAGE):
        client.get(url)


# The page's one grouped query, and the fixed cost of a signed-in page (see tests/marac/test_queries.py)
ACTIONS_BY_AGENCY_PAGE = 11


def test_on_time_is_judged_on_the_london_date_and_a_later_note_does_not_change_it(personas):
    """Summer time: 23:30 on the due date in London is 22:30 UTC, and 00:30 the next day is 23:30 UTC on the due
    date, so counting by the UTC date would call both on time."""
    p = personas
    due = datetime.date(2026, 7, 15)
    case = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    listing = factories.make_published_meeting(p.coordinator, [case], agencies=[p.housing]).cases.get()
    in_time, late = (factories.add_action(p.coordinator, listing, p.housing, due_date=due) for _ in range(2))
    _report(p, in_time, ActionStatus.COMPLETE, _london(due, 23, 30))
    _report(p, late, ActionStatus.COMPLETE, _london(due + datetime.timedelta(days=1), 0, 30))
    services.action_update(action=in_time, actor=p.outsider, status=ActionStatus.COMPLETE, note="Locks fitted")
    in_time.refresh_from_db()
    assert in_time.status_reported_at == _london(due, 23, 30)  # the status was reported then; the note came later
    row = selectors.action_completion(user=p.coordinator, start=datetime.date(2026, 7, 1)).rows[0]
    assert (row.due, row.on_time, row.late) == (2, 1, 1)


def test_actions_on_a_case_taken_off_the_list_are_not_counted(personas):
    p = personas
    start = selectors.quarter_start(timezone.localdate())
    kept, dropped = (factories.make_marac_referral(p.owner, accept_by=p.coordinator) for _ in range(2))
    meeting = factories.make_published_meeting(p.coordinator, [kept, dropped], agencies=[p.housing])
    for listing in meeting.cases.all():
        factories.add_action(p.coordinator, listing, p.housing, due_date=start)
    services.meeting_case_remove(
        meeting_case=meeting.cases.get(referral=dropped), actor=p.coordinator, reason="Moved to another area"
    )
    assert selectors.action_completion(user=p.coordinator, start=start).total.due == 1
