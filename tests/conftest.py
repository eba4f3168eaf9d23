"""Shared fixtures: the personas (healthchecks' alice/bob/charlie idea) and signed-in clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import AgencyKind, User
from referrals.models import Pathway
from tests import factories
from tests.helpers import sign_in


@dataclass
class Personas:
    """Two agencies that file cases, a third that cases get shared with, and the pathway hubs.

    owner:        caseworker in the owning (referring) agency, Police
    owner_manager manager in the owning agency (read-only role)
    owner_admin:  agency administrator of the owning agency
    outsider:     caseworker in an unrelated agency (Housing)
    shared:       caseworker in the agency a case is shared with (Acute hospital)
    coordinator:  MARAC coordinator in the MARAC hub agency (Community Safety)
    yv_coordinator: coordinator of the youth violence hub (Youth Justice Service)
    hsb_coordinator: coordinator of the HSB hub (Children's services)
    idva:         caseworker at the IDVA service
    """

    police: object
    housing: object
    hospital: object
    community_safety: object
    yjs: object
    childrens: object
    idva_service: object
    owner: User
    owner_manager: User
    owner_admin: User
    outsider: User
    shared: User
    coordinator: User
    yv_coordinator: User
    hsb_coordinator: User
    idva: User


@pytest.fixture
def personas(db) -> Personas:
    police = factories.make_agency(short_name="POL", kind=AgencyKind.POLICE, name="Test Police")
    housing = factories.make_agency(short_name="HSG", kind=AgencyKind.HOUSING, name="Test Housing")
    hospital = factories.make_agency(short_name="HOSP", kind=AgencyKind.ACUTE_TRUST, name="Test Hospital")
    csp = factories.make_agency(short_name="CSP", kind=AgencyKind.COMMUNITY_SAFETY, name="Test Community Safety")
    yjs = factories.make_agency(short_name="YJS", kind=AgencyKind.YOUTH_JUSTICE, name="Test Youth Justice")
    childrens = factories.make_agency(
        short_name="CSC", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, name="Test Children's Services"
    )
    idva_service = factories.make_agency(short_name="IDVA", kind=AgencyKind.IDVA, name="Test IDVA Service")
    factories.set_hub(Pathway.MARAC, csp)
    factories.set_hub(Pathway.YOUTH_VIOLENCE, yjs)
    factories.set_hub(Pathway.HSB, childrens)
    return Personas(
        police=police,
        housing=housing,
        hospital=hospital,
        community_safety=csp,
        yjs=yjs,
        childrens=childrens,
        idva_service=idva_service,
        owner=factories.make_user(police, "caseworker", full_name="Olive Owner"),
        owner_manager=factories.make_user(police, "manager", full_name="Manny Manager"),
        owner_admin=factories.make_user(police, "agency_admin", full_name="Addy Admin"),
        outsider=factories.make_user(housing, "caseworker", full_name="Otto Outsider"),
        shared=factories.make_user(hospital, "caseworker", full_name="Shari Shared"),
        coordinator=factories.make_user(csp, "coordinator", "caseworker", full_name="Cora Coordinator"),
        yv_coordinator=factories.make_user(yjs, "coordinator", "caseworker", full_name="Yves Coordinator"),
        hsb_coordinator=factories.make_user(childrens, "coordinator", "caseworker", full_name="Hal Coordinator"),
        idva=factories.make_user(idva_service, "caseworker", full_name="Ida Advocate"),
    )


@pytest.fixture
def client_for():
    """client_for(user) -> a Django test client signed in with both factors."""

    def make(user: User) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make


@pytest.fixture
def marac_case(personas):
    """A MARAC referral filed by Police (the owner), DASH 15, accepted by the MARAC coordinator."""
    return factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)


@pytest.fixture(autouse=True)
def _fresh_reminder_rules():
    """The reminder rules are cached (referrals.reminders.rule_overrides) and each test's database is rolled back:
    no test may see another's rules."""
    from django.core.cache import cache

    from referrals.reminders import rules_cache_key

    cache.delete(rules_cache_key())
    yield
    cache.delete(rules_cache_key())
