"""The bench loader (referrals/bench.py) writes what the services would: checked on a few hundred referrals so
that it cannot rot. PostgreSQL only (it loads with PostgreSQL SQL); skipped without it, failed in CI."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse

from accounts import permissions
from accounts.models import Membership, User
from referrals import bench
from referrals.models import (
    EventKind,
    PathwayHub,
    Person,
    Referral,
    ReferralEvent,
    ReferralGroupObjectPermission,
    ReferralShare,
    Status,
    YouthViolenceDetail,
)
from tests.helpers import require_postgres

pytestmark = pytest.mark.django_db

USERS = 1_000  # two members per agency is enough here; the benchmark uses 20,000


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module (it commits, as the real loader does) and flushed afterwards."""
    require_postgres()
    with django_db_blocker.unblock():
        try:
            yield bench.seed_bench(referrals=300, users=USERS, seed=7)
        finally:
            call_command("flush", interactive=False, verbosity=0)


def _perm_rows(referral_ids) -> set[tuple]:
    """The permission rows, with the columns they copy from the referral (the list order, the owner's row)."""
    return set(
        ReferralGroupObjectPermission.objects.filter(content_object_id__in=referral_ids).values_list(
            "group_id", "permission_id", "content_object_id", "case_created_at", "by_owner"
        )
    )


def _signed_in(client, user):
    from tests.helpers import sign_in

    sign_in(client, user)
    return client


def _member(agency_id, **roles) -> User:
    return User.objects.filter(membership__agency_id=agency_id, **{f"membership__{k}": v for k, v in roles.items()})[0]


def test_counts_and_shapes(seeded):
    assert Referral.objects.filter(reference__startswith=f"{bench.BENCH_PREFIX}-").count() == 300 - (
        Referral.objects.filter(status=Status.DRAFT).count()
    )
    assert Referral.objects.count() == 300
    assert Membership.objects.count() == USERS
    assert set(Referral.objects.values_list("pathway", flat=True)) == {"marac", "hsb", "youth_violence"}
    assert Person.objects.filter(role="subject").count() == 300
    # about one share per referral, never to the owner, at most one active share per agency and referral
    shares = ReferralShare.objects.count()
    assert 200 < shares < 450, shares
    assert not ReferralShare.objects.filter(agency_id=F("referral__owner_agency_id")).exists()
    youth = Referral.objects.filter(pathway="youth_violence").exclude(status=Status.DRAFT)
    assert YouthViolenceDetail.objects.count() == youth.count()
    assert not YouthViolenceDetail.objects.filter(age_at_referral__gte=25).exists()
    assert bench.verify_foreign_keys(bench.bench_tables()) == []


def test_permission_rows_are_what_referral_access_sync_would_grant(seeded):
    sample = random.Random(3).sample(list(Referral.objects.all()), 60)
    ids = [r.pk for r in sample]
    before = _perm_rows(ids)
    assert before
    for referral in sample:
        permissions.referral_access_sync(referral)
    assert _perm_rows(ids) == before  # the sync found nothing to grant or revoke


def test_every_row_has_its_creation_history_with_the_same_values(seeded):
    for model in (Referral, Person, ReferralShare, YouthViolenceDetail):
        history = model.history.model
        fields = [
            f.attname
            for f in history._meta.concrete_fields
            if f.attname in {g.attname for g in model._meta.concrete_fields}
        ]
        assert model.objects.count() == history.objects.filter(history_type="+").count()
        for row in model.objects.all()[:50]:
            record = history.objects.get(**{model._meta.pk.attname: row.pk})
            assert {f: getattr(record, f) for f in fields} == {f: getattr(row, f) for f in fields}, model
            assert record.history_user_id is not None
    for referral in Referral.objects.all()[:50]:
        assert referral.history.get().history_user_id == referral.referrer_id


def test_timeline_matches_the_workflow(seeded):
    for referral in Referral.objects.prefetch_related("events", "shares")[:80]:
        kinds = [e.kind for e in referral.events.all()]
        assert EventKind.CREATED in kinds
        assert (EventKind.SUBMITTED in kinds) == (referral.status != Status.DRAFT)
        assert (EventKind.ACCEPTED in kinds) == (referral.accepted_at is not None)
        assert (EventKind.CLOSED in kinds) == (referral.status == Status.CLOSED)
        assert kinds.count(EventKind.SHARED) == len(referral.shares.all())
    assert not ReferralEvent.objects.filter(actor__isnull=True).exists()


def test_case_pages_render_for_the_owner_and_the_hub_and_not_for_others(seeded, client):
    referral = Referral.objects.filter(status=Status.OPEN, pathway="marac").first()
    assert referral is not None
    url = reverse("referrals:detail", args=[referral.public_id])
    owner = _member(referral.owner_agency_id, is_caseworker=True)
    response = _signed_in(client, owner).get(url)
    assert response.status_code == 200
    assert referral.reference in response.content.decode()

    hub = PathwayHub.objects.get(pathway="marac").agency_id
    coordinator = _member(hub, is_coordinator=True)
    client.logout()
    assert _signed_in(client, coordinator).get(url).status_code == 200

    visible_groups = set(
        ReferralGroupObjectPermission.objects.filter(content_object=referral).values_list("group_id", flat=True)
    )
    stranger = User.objects.exclude(membership__agency__group_id__in=visible_groups).filter(membership__isnull=False)[0]
    client.logout()
    assert _signed_in(client, stranger).get(url).status_code == 404

    client.logout()
    client = _signed_in(client, owner)
    for scope in ("", "?scope=shared"):
        assert client.get(reverse("referrals:list") + scope).status_code == 200


def test_top_up_with_indexes_rebuilt_keeps_everything_consistent(seeded):
    def index_names():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [bench.bench_tables()])
            return {row[0] for row in cursor.fetchall()}

    before = index_names()
    ctx = bench.seed_bench(referrals=120, users=USERS, seed=7, batch=50, rebuild_indexes=True)
    assert ctx.first_id == Referral.objects.order_by("id").values_list("id", flat=True)[300]
    assert Referral.objects.count() == 420
    assert index_names() == before
    assert bench.verify_foreign_keys(bench.bench_tables()) == []
    new = list(Referral.objects.filter(pk__gte=ctx.first_id)[:40])
    ids = [r.pk for r in new]
    rows = _perm_rows(ids)
    for referral in new:
        permissions.referral_access_sync(referral)
    assert _perm_rows(ids) == rows


def test_refuses_fewer_users_than_agencies():
    require_postgres()
    with pytest.raises(ValueError, match="at least one member per agency"):
        bench.seed_bench(referrals=1, users=10)


def test_shared_list_pages_are_the_visible_cases_not_owned_newest_first(seeded):
    """For the hub (half the referrals) and sparse agencies alike, each page of the shared list (a walk of the
    agency's permission rows) is the next 25 of visible-and-not-owned, newest first."""
    from django.db.models import Exists, OuterRef

    from referrals import selectors

    hub = PathwayHub.objects.get(pathway="marac").agency_id
    small = list(Referral.objects.values_list("owner_agency_id", flat=True).distinct()[:3])
    for agency_id in [hub, *small]:
        user = _member(agency_id, is_caseworker=True)
        agency = user.membership.agency
        rows = ReferralGroupObjectPermission.objects.filter(
            group_id=agency.group_id, permission__codename="view_referral", content_object=OuterRef("pk")
        )
        expected = list(
            Referral.objects.filter(Exists(rows))
            .exclude(owner_agency=agency)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)
        )
        for number in (1, 2, 3):
            page = selectors.case_list(user=user, scope="shared", filters=selectors.CaseFilters(), number=number)
            assert page.total == len(expected)
            start = (page.number - 1) * page.page_size
            assert [r.pk for r in page.items] == expected[start : start + page.page_size], (agency_id, number)
        mine = selectors.case_list(user=user, scope="mine", filters=selectors.CaseFilters(), number=2)
        owned = list(Referral.objects.filter(owner_agency=agency).order_by("-created_at", "-id"))
        start = (mine.number - 1) * mine.page_size
        assert [r.pk for r in mine.items] == [r.pk for r in owned[start : start + mine.page_size]]


def test_permission_rows_copy_the_referral_as_the_services_write_it(seeded):
    """Every seeded permission row carries its referral's created_at and whether it is the owner's: the shared
    list walks those columns, so one wrong row would put a case on the wrong list or out of order. The services
    write the same (referral_access_sync after deleting a referral's rows)."""
    wrong = ReferralGroupObjectPermission.objects.exclude(case_created_at=F("content_object__created_at"))
    assert not wrong.exists()
    owner_rows = ReferralGroupObjectPermission.objects.filter(group_id=F("content_object__owner_agency__group_id"))
    assert owner_rows.filter(by_owner=True).count() == owner_rows.count() > 0
    assert ReferralGroupObjectPermission.objects.filter(by_owner=True).count() == owner_rows.count()
    assert ReferralGroupObjectPermission.objects.filter(by_owner=False).exists()
    sample = list(Referral.objects.exclude(status=Status.DRAFT).filter(shares__isnull=False).distinct()[:20])
    ids = [r.pk for r in sample]
    seeded_rows = _perm_rows(ids)
    ReferralGroupObjectPermission.objects.filter(content_object_id__in=ids).delete()
    for referral in sample:
        permissions.referral_access_sync(referral)
    assert _perm_rows(ids) == seeded_rows


def test_marac_and_hsb_rows(seeded):
    """MARAC: details and a DASH for each live case, listings at the borough's meetings (heard when held), two
    actions per case heard, and the access the meetings give agreeing with marac_referral_access. HSB: details
    for each live case, some orders."""
    from hsb_pathway.models import HsbDetail, Order
    from marac.models import Action, DashAssessment, MaracDetail, MeetingCase, MeetingStatus

    marac = Referral.objects.filter(pathway="marac").exclude(status=Status.DRAFT)
    assert MaracDetail.objects.count() == marac.count() == DashAssessment.objects.count()
    listed = MeetingCase.objects.select_related("meeting", "referral")
    assert listed.exists()
    for case in listed:
        assert (case.heard_at is not None) == (case.meeting.status == MeetingStatus.HELD)
        assert case.referral.pathway == "marac" and case.referral.accepted_at is not None
    heard = listed.filter(heard_at__isnull=False).count()
    assert Action.objects.count() == 2 * heard
    from marac.services import waiting_since_for

    details = list(MaracDetail.objects.select_related("referral"))
    assert details
    for detail in details:  # the derived marker as the services keep it (run_bench checks it at scale too)
        assert detail.waiting_since == waiting_since_for(detail.referral), detail.referral_id
    sample = [case.referral for case in listed[:40]]
    ids = [r.pk for r in sample]
    before = _perm_rows(ids)
    for referral in sample:
        permissions.referral_access_sync(referral)
    assert _perm_rows(ids) == before
    hsb = Referral.objects.filter(pathway="hsb").exclude(status=Status.DRAFT)
    assert HsbDetail.objects.count() == hsb.count()
    assert Order.objects.exists()
    for model in (MaracDetail, DashAssessment, MeetingCase, Action, HsbDetail, Order):
        assert model.history.filter(history_type="+").count() == model.objects.count(), model


def test_references_stay_unique_and_searchable_past_99999():
    require_postgres()
    from referrals.selectors import REFERENCE_RE

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(bench.reference_sql(str(n), "TIMESTAMPTZ '2024-05-01'") for n in (7, 99999, 100000, 1234567))
        )
        references = cursor.fetchone()
    assert references == ("BENCH-2024-00007", "BENCH-2024-99999", "BENCH-2024-100000", "BENCH-2024-1234567")
    assert all(REFERENCE_RE.match(r) for r in references)


def test_bench_sessions_stops_when_the_caseworkers_run_out(seeded, tmp_path):
    """More sessions asked for than there are bench users: every caseworker of an agency that owns referrals is
    signed in once, and the command ends (it used to loop for ever)."""
    import io
    import json

    from django.db.models import Count

    from accounts.models import Agency

    owning = Agency.objects.annotate(n=Count("owned_referrals")).filter(n__gt=0).values_list("pk", flat=True)
    out = tmp_path / "sessions.json"
    log = io.StringIO()
    call_command("bench_sessions", users=USERS + 50, out=str(out), stdout=log)
    sessions = json.loads(out.read_text())
    caseworkers = User.objects.filter(
        membership__is_caseworker=True, membership__agency_id__in=list(owning), email__endswith=bench.BENCH_EMAIL_DOMAIN
    )
    assert len(sessions) < USERS + 50
    assert [s["role"] for s in sessions].count("caseworker") <= caseworkers.count()
    assert len({s["session"] for s in sessions}) == len(sessions)
    assert f"{len(sessions)} sessions written" in log.getvalue() and "asked for" in log.getvalue()

    few = tmp_path / "few.json"
    call_command("bench_sessions", users=12, out=str(few), stdout=io.StringIO())
    assert len(json.loads(few.read_text())) == 12


def test_every_benchmark_page_answers_and_matches_its_floor(seeded):
    """`make bench` at small scale: every page (core and pathway apps) answers 200 through the whole stack, and
    every page with a floor returns the same rows as each of its hand-written SQL shapes. A broken benchmark
    would otherwise only show on the bench machine."""
    from referrals import benchmarks

    cases = benchmarks.all_cases(benchmarks.bench_personas(), deep_page=2)
    names = {case.name.split(" (")[0] for case in cases}
    assert {"Home page", "Case page", "Targets and actuals", "MARAC benchmarks", "HSB case list, first page"} <= names
    assert any(name.startswith("MARAC candidate list") for name in names)
    results = benchmarks.measure(cases, iterations=1, warmup=0, say=lambda *args: None)
    mismatched = [r.name for r in results if r.same_result is False]
    assert mismatched == []
    assert all(r.queries > 0 for r in results)


@pytest.mark.django_db
def test_the_reported_query_count_is_the_usual_one_not_the_last_iteration():
    """A page whose last iteration happened to write the session (accounts.middleware moves "last seen" on once
    a minute) reports the count it makes on most iterations."""
    from referrals import benchmarks

    calls = []

    def page():
        calls.append(1)
        with connection.cursor() as cursor:
            for _ in range(4 if len(calls) == 5 else 1):  # the last of five measured iterations does more
                cursor.execute("SELECT 1")

    case = benchmarks.BenchCase(group="Test", name="Usually one query", page=page, floors=[])
    (result,) = benchmarks.measure([case], iterations=5, warmup=0, say=lambda *args: None)
    assert len(calls) == 5
    assert result.queries == 1
