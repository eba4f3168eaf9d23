"""The report tally (referrals.reporting.tally): the services keep it exactly what counting the referrals and their
view rows gives, through every change that moves a fact or an audience, and the reports read the same figures
from it as from the referrals themselves."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AgencyKind
from marac.models import MaracDetail
from referrals import services
from referrals.models import (
    IncidentType,
    LawfulBasis,
    Pathway,
    Referral,
    ReferralGroupObjectPermission,
    ReportTally,
    ReportTallyState,
    ShareLevel,
    YouthViolenceDetail,
)
from referrals.reporting import selectors, tally
from referrals.reporting.measures import CASES, all_measures
from referrals.reporting.periods import financial_year
from referrals.reporting.tally import tally_rebuild
from referrals.tasks import report_tally_rebuild
from tests import factories
from tests.helpers import tally_rows
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db

FY = financial_year(2025)


def _by_hand() -> dict:
    """What the tally must hold, counted one referral at a time without the tally's code."""
    counts: Counter = Counter()
    for referral in Referral.objects.filter(submitted_at__isnull=False).select_related("owner_agency"):
        detail = YouthViolenceDetail.objects.filter(referral=referral).first()
        marac = MaracDetail.objects.filter(referral=referral).first()
        facts = (
            timezone.localtime(referral.submitted_at).date(),
            referral.pathway,
            referral.owner_agency.kind == AgencyKind.POLICE,
            detail.incident_type if detail else "",
            bool(marac and marac.is_repeat),
        )
        counts[(0, *facts)] += 1
        views = ReferralGroupObjectPermission.objects.filter(
            content_object=referral, permission__codename="view_referral"
        )
        for group_id in views.values_list("group_id", flat=True):
            counts[(group_id, *facts)] += 1
    return dict(counts)


def test_the_services_keep_the_tally_as_counting_by_hand_gives(
    report_world, django_capture_on_commit_callbacks, monkeypatch
):
    p = report_world.personas
    assert tally_rows() == _by_hand() and tally_rows()
    hospital_group = p.hospital.group_id

    # Sharing gives the hospital a case to count; revoking takes it away again.
    case = report_world.marac_police[-1]
    share = services.referral_share(
        referral=case,
        actor=p.owner,
        request=services.ShareRequest(
            agency=p.hospital, level=ShareLevel.VIEW, reason="Safety planning", lawful_basis=LawfulBasis.SVD_S16
        ),
    )
    assert tally_rows() == _by_hand()
    hospital_days = {key[1] for key in tally_rows() if key[0] == hospital_group}
    assert timezone.localtime(case.submitted_at).date() in hospital_days
    services.referral_share_revoke(share=share, actor=p.owner, reason="No longer needed")
    assert tally_rows() == _by_hand()

    # A youth violence incident re-recorded after submission moves the case between measures.
    knife = report_world.yv[0]
    detail = YouthViolenceDetail.objects.get(referral=knife)
    detail.incident_type = IncidentType.GUNSHOT_INJURY
    services.referral_part_save(
        referral=knife, actor=p.shared, instance=detail, expected_version=None, section="Incident"
    )
    assert tally_rows() == _by_hand()

    # A MARAC repeat flagged by the MARAC app's repeat detection (the earlier case back-dated 30 days).
    factories.make_marac_referral(p.owner, accept_by=p.coordinator, submitted_days_ago=30)
    repeat = factories.make_marac_referral(p.idva)
    assert repeat.marac.is_repeat
    assert tally_rows() == _by_hand()

    # The police becoming another kind of agency changes "MARAC referrals not from the police", once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        account_services.agency_update(agency=p.police, kind=AgencyKind.PROBATION)
    assert tally_rows() == _by_hand()

    # And counting everything again changes nothing, written with COPY (as a full recount at scale is) or not.
    kept = tally_rows()
    tally_rebuild()
    assert tally_rows() == kept
    monkeypatch.setattr(tally, "COPY_FROM", 0)
    ReportTally.objects.all().delete()
    tally_rebuild()
    assert tally_rows() == kept


def _figures(report) -> dict:
    return {
        row.measure.key: (row.figures.current, row.figures.previous_same_point, row.figures.previous)
        for row in report.rows
    }


@pytest.mark.parametrize("who", ["owner_manager", "owner", "outsider", "shared", "coordinator"])
def test_the_reports_count_the_same_from_the_tally_as_from_the_referrals(report_world, who):
    user = getattr(report_world.personas, who)
    assert selectors.report_source(user).tally is not None
    tallied = _figures(selectors.target_report(user=user, period=FY, today=TODAY))
    yearly = {
        (m.key, pathway): selectors.year_on_year(
            user=user, measure=m, period=FY, filters=selectors.ReportFilters(pathway=pathway), today=TODAY
        )
        for m in all_measures()
        if m.source == CASES
        for pathway in ("", Pathway.MARAC)
    }
    ReportTallyState.objects.update(built_at=None)  # the reports now count the referrals themselves
    assert selectors.report_source(user).tally is None
    assert _figures(selectors.target_report(user=user, period=FY, today=TODAY)) == tallied
    assert any(value for figures in tallied.values() for value in figures)
    for (key, pathway), tallied_yoy in yearly.items():
        live = selectors.year_on_year(
            user=user,
            measure=next(m for m in all_measures() if m.key == key),
            period=FY,
            filters=selectors.ReportFilters(pathway=pathway),
            today=TODAY,
        )
        assert [(r.current, r.previous) for r in live.rows] == [(r.current, r.previous) for r in tallied_yoy.rows]
        assert (live.figures.current, live.figures.previous) == (
            tallied_yoy.figures.current,
            tallied_yoy.figures.previous,
        )


def test_the_tally_answers_only_once_built_and_never_for_one_referring_agency(report_world):
    p = report_world.personas
    assert selectors.report_source(p.owner_manager).tally is not None
    by_agency = selectors.ReportFilters(agency=p.police)
    assert selectors.report_source(p.owner_manager, by_agency).tally is None  # it does not know the agency
    ReportTallyState.objects.all().delete()
    assert selectors.report_source(p.owner_manager).tally is None
    call_command("report_tally_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert selectors.report_source(p.owner_manager).tally is not None
    assert tally_rows() == _by_hand()


def test_the_nightly_task_puts_right_the_last_months_only(report_world):
    p = report_world.personas
    recent = factories.make_reported_referral(p.owner, pathway=Pathway.MARAC, submitted_at=factories.local_noon(10))
    old = report_world.marac_police[0]  # April 2024: outside the nightly window
    Referral.objects.filter(pk__in=[recent.pk, old.pk]).update(pathway=Pathway.HSB)  # a fix made by hand
    report_tally_rebuild()
    held = tally_rows()
    expected = _by_hand()
    recent_day, old_day = timezone.localtime(recent.submitted_at).date(), timezone.localtime(old.submitted_at).date()
    assert {k: v for k, v in held.items() if k[1] == recent_day} == {
        k: v for k, v in expected.items() if k[1] == recent_day
    }
    assert {k: v for k, v in held.items() if k[1] == old_day} != {k: v for k, v in expected.items() if k[1] == old_day}
    tally_rebuild()
    assert tally_rows() == _by_hand()


def test_publishing_a_case_list_recounts_the_tally_once_for_all_its_cases(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marac import services as marac_services

    tally_rebuild()
    cases = [
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator, submitted_days_ago=days)
        for days in (3, 10, 40)
    ]
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital, personas.housing])
    marac_services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=cases)
    with CaptureQueriesContext(connection) as queries:
        marac_services.meeting_publish(meeting=meeting, actor=personas.coordinator)
    recounts = [q for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "referrals_reporttally"')]
    assert len(recounts) == 1
    assert {key[0] for key in tally_rows()} >= {personas.hospital.group_id, personas.housing.group_id}
    assert tally_rows() == _by_hand()
