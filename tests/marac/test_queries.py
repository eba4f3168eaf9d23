"""List pages run a fixed number of queries whatever the number of rows (pinned; the same for few and many)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marac import services
from marac.models import MeetingCase, PossibleRepeat
from referrals.models import ReferralEvent
from tests import factories
from tests.helpers import count_queries, require_postgres

pytestmark = pytest.mark.django_db

# Measured on SQLite and PostgreSQL: each page's own queries plus about ten that every signed-in page makes
# (session, user, membership, second factor, session save, and the navigation's badges).
MEETING_PAGE = 17
CASE_LIST_PAGE = 17
TRACKER_PAGE = 14
MEETINGS_PAGE = 16
POSSIBLE_REPEATS_PAGE = 15


def grow(personas, meeting, n):
    """n more accepted cases: listed on `meeting`, and n more left waiting as candidates."""
    listed = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(n)]
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=listed)
    for _ in range(n):
        factories.make_marac_referral(personas.idva, accept_by=personas.coordinator, dash_yes=4)
    for case in meeting.cases.filter(removed_at__isnull=True):
        factories.add_action(personas.coordinator, case, personas.housing, days=2, description="Check")


def test_case_list_candidates_meeting_and_tracker_pages_have_fixed_query_counts(
    personas, client_for, django_assert_max_num_queries
):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital, personas.housing])
    services.meeting_cases_add(
        meeting=meeting,
        actor=personas.coordinator,
        referrals=[factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)],
    )
    factories.make_marac_referral(personas.idva, accept_by=personas.coordinator)
    services.meeting_publish(meeting=meeting, actor=personas.coordinator)
    grow(personas, meeting, 1)
    coordinator = client_for(personas.coordinator)
    housing = client_for(personas.outsider)
    urls = {
        "meeting": (coordinator, reverse("marac:meeting", args=[meeting.public_id]), MEETING_PAGE),
        "case list and candidates": (
            coordinator,
            reverse("marac:meeting_cases", args=[meeting.public_id]),
            CASE_LIST_PAGE,
        ),
        "tracker (coordinator)": (coordinator, reverse("marac:actions"), TRACKER_PAGE),
        "tracker (agency)": (housing, reverse("marac:actions"), TRACKER_PAGE),
        "meetings": (coordinator, reverse("marac:meetings"), MEETINGS_PAGE),
    }
    few = {name: count_queries(client, url) for name, (client, url, _) in urls.items()}
    grow(personas, meeting, 5)
    assert meeting.cases.filter(removed_at__isnull=True).count() == 7
    for name, (client, url, pinned) in urls.items():
        many = count_queries(client, url)
        assert many == few[name], f"{name}: {few[name]} queries with few rows, {many} with many"
        with django_assert_max_num_queries(pinned):
            client.get(url)


def test_possible_repeats_page_has_a_fixed_query_count(personas, client_for, django_assert_max_num_queries):
    coordinator = client_for(personas.coordinator)
    url = reverse("marac:possible_repeats")

    def add_possible(i):
        victim = {"first_name": f"Rae{i}", "last_name": "Dup"}
        factories.make_marac_referral(
            personas.owner, accept_by=personas.coordinator, victim=victim, submitted_days_ago=30
        )
        factories.make_marac_referral(personas.idva, victim={**victim, "date_of_birth": None, "estimated_age": 30})

    add_possible(0)
    few = count_queries(coordinator, url)
    for i in range(1, 4):
        add_possible(i)
    assert count_queries(coordinator, url) == few
    with django_assert_max_num_queries(POSSIBLE_REPEATS_PAGE):
        coordinator.get(url)


def test_a_possible_repeat_shows_the_victims_dates_of_birth_without_a_query_each(personas, client_for):
    """The page reads each victim's date of birth: loaded with the names (subjects_prefetch(also=...)), not
    one deferred query per person."""
    victim = {"first_name": "Sorrel", "last_name": "Dup", "date_of_birth": datetime.date(1990, 4, 2)}
    factories.make_marac_referral(personas.owner, accept_by=personas.coordinator, victim=victim, submitted_days_ago=30)
    factories.make_marac_referral(personas.idva, victim={**victim, "date_of_birth": None, "estimated_age": 36})
    item = PossibleRepeat.objects.get()
    coordinator = client_for(personas.coordinator)
    url = reverse("marac:possible_repeat", args=[item.public_id])
    with CaptureQueriesContext(connection) as captured:
        page = coordinator.get(url).content.decode()
    assert page.count("born 2 April 1990") == 1  # the earlier referral's victim; the new one has an age only
    person_reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "referrals_person"')]
    assert len(person_reads) == 2, person_reads  # one prefetch for each side, none per person


def _lock_sql(captured) -> list[str]:
    """The referral row locks among the captured queries (their SQL)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "referrals_referral"') and "FOR UPDATE" in query["sql"]
    ]


def _referral_locks(personas, cases: int) -> tuple[list[str], list[str]]:
    """Add `cases` accepted cases to a meeting's list and publish it: the referral row locks adding and
    publishing took."""
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    listed = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(cases)]
    with CaptureQueriesContext(connection) as adding:
        services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=listed)
    assert MeetingCase.objects.filter(meeting=meeting).count() == cases
    with CaptureQueriesContext(connection) as publishing:
        services.meeting_publish(meeting=meeting, actor=personas.coordinator)
    published = ReferralEvent.objects.filter(summary__startswith="Case list published", referral__in=listed)
    assert published.count() == cases  # each listed case still gets its own timeline event
    return _lock_sql(adding), _lock_sql(publishing)


def test_publishing_locks_the_listed_cases_in_one_query(personas):
    """One SELECT ... FOR UPDATE for the whole list, not one per case, in primary-key order so that two
    meetings publishing lists with a case in common lock in the same order. (Publishing still does per-case
    work after the lock: each case's access rows and its timeline event.) Row locks are PostgreSQL's: SQLite
    takes the whole database for a writer and Django sends it no FOR UPDATE."""
    require_postgres()
    for cases in (2, 5):
        locks = _referral_locks(personas, cases)[1]
        assert len(locks) == 1, f"{cases} cases: {len(locks)} referral locks"
        assert 'ORDER BY "referrals_referral"."id" ASC' in locks[0]


def test_adding_cases_locks_them_in_one_query(personas):
    """Adding cases to a list locks them as publishing does: one SELECT ... FOR UPDATE, in primary-key order."""
    require_postgres()
    for cases in (2, 5):
        locks = _referral_locks(personas, cases)[0]
        assert len(locks) == 1, f"{cases} cases: {len(locks)} referral locks"
        assert 'ORDER BY "referrals_referral"."id" ASC' in locks[0]


def test_minutes_log_every_case_shown_in_one_insert(personas, client_for):
    """The minutes are a view of every listed case: each is in the access log, written in one INSERT whatever the
    number of cases (not one per case)."""
    from referrals.models import AccessLog

    for cases in (2, 4):
        listed = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(cases)]
        meeting = factories.make_published_meeting(
            personas.coordinator, listed, agencies=[personas.hospital], days_ahead=0
        )
        factories.hold_meeting(personas.coordinator, meeting, listed)
        client = client_for(personas.coordinator)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("marac:meeting_minutes", args=[meeting.public_id])).status_code == 200
        inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "referrals_accesslog"')]
        assert len(inserts) == 1
        logged = AccessLog.objects.filter(page="marac:meeting_minutes", referral__in=listed)
        assert sorted(logged.values_list("referral_id", flat=True)) == sorted(r.pk for r in listed)


def _publish(personas, cases: int, attending) -> tuple[list, list[dict]]:
    """Publish a list of `cases` accepted cases attended by `attending`: (the cases, the queries publishing took)."""
    listed = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(cases)]
    meeting = factories.make_meeting(personas.coordinator, agencies=attending)
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=listed)
    with CaptureQueriesContext(connection) as publishing:
        services.meeting_publish(meeting=meeting, actor=personas.coordinator)
    return listed, publishing.captured_queries


def test_publishing_gives_every_attending_agency_access_in_a_fixed_number_of_queries(personas):
    """Every attending agency gains a view row for every listed case: one INSERT for all of them, and the only
    query that grows with the list is each case's timeline event (it was 26 queries a case: guardian's
    assign_perm per row, and the access providers asked one case at a time)."""
    from accounts import permissions

    attending = [personas.hospital, personas.housing, personas.idva_service]
    queries = {}
    for cases in (2, 6):
        listed, queries[cases] = _publish(personas, cases, attending)
        inserts = [  # "INSERT ... ON CONFLICT DO NOTHING" on PostgreSQL, "INSERT OR IGNORE" on SQLite
            q
            for q in queries[cases]
            if q["sql"].startswith("INSERT") and 'INTO "referrals_referralgroupobjectpermission"' in q["sql"]
        ]
        assert len(inserts) == 1
        assert all(permissions.agency_can(agency, case) for agency in attending for case in listed)
        assert not any(
            permissions.agency_can(agency, case, permissions.CHANGE) for agency in attending for case in listed
        )
    assert len(queries[6]) - len(queries[2]) == 4  # one timeline event per further case


def test_the_marac_case_page_asks_about_change_permission_once(personas, client_for, marac_case):
    """The MARAC section's "change safety" link reads the page's can_change rather than asking again."""
    client = client_for(personas.coordinator)
    url = reverse("referrals:detail", args=[marac_case.public_id])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    assert reverse("marac:safety", args=[marac_case.public_id]) in page
    asks = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT 1 AS "a" FROM "referrals_referralgroupobjectpermission"')
    ]
    assert len(asks) == 1, asks
