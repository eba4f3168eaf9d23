"""Issue 5: sharing an HSB case outward from a health or social care agency needs a recorded lawful basis other
than the Serious Violence Duty's s16 power, and the share page says so."""

import pytest
from django.urls import reverse

from accounts import permissions
from accounts.models import HEALTH_AND_SOCIAL_CARE_KINDS, AgencyKind
from referrals import services
from referrals.models import LawfulBasis, ReferralShare, ShareLevel
from tests import factories

pytestmark = pytest.mark.django_db


def share(referral, actor, agency, basis):
    return services.referral_share(
        referral=referral,
        actor=actor,
        request=services.ShareRequest(agency=agency, level=ShareLevel.VIEW, reason="Needs to know", lawful_basis=basis),
    )


@pytest.mark.parametrize("kind", sorted(HEALTH_AND_SOCIAL_CARE_KINDS))
def test_health_or_social_care_owner_cannot_share_on_s16(personas, kind):
    agency = factories.make_agency(kind=kind)
    worker = factories.make_user(agency, "caseworker")
    referral = factories.make_hsb_referral(worker)
    with pytest.raises(services.ShareRefused) as refused:
        share(referral, worker, personas.police, LawfulBasis.SVD_S16)
    assert "does not cover health or social care information" in str(refused.value)
    assert not ReferralShare.objects.filter(referral=referral).exists()
    assert not permissions.agency_can(personas.police, referral)


@pytest.mark.parametrize("basis", [b for b in LawfulBasis.values if b != LawfulBasis.SVD_S16])
def test_health_or_social_care_owner_may_share_on_another_basis(personas, basis):
    worker = factories.make_user(personas.hospital, "caseworker")
    referral = factories.make_hsb_referral(worker)
    share(referral, worker, personas.police, basis)
    assert permissions.agency_can(personas.police, referral)
    assert ReferralShare.objects.get(referral=referral).lawful_basis == basis


def test_other_owners_may_share_an_hsb_case_on_s16(personas):
    referral = factories.make_hsb_referral(personas.owner)  # Police: not health or social care
    share(referral, personas.owner, personas.hospital, LawfulBasis.SVD_S16)
    assert permissions.agency_can(personas.hospital, referral)


def test_the_rule_is_only_for_the_hsb_pathway(personas):
    worker = factories.make_user(personas.hospital, "caseworker")
    referral = factories.make_submitted(worker)  # youth violence
    share(referral, worker, personas.police, LawfulBasis.SVD_S16)
    assert permissions.agency_can(personas.police, referral)


def test_the_share_page_says_so_and_refuses_with_a_message(personas, client_for):
    csc_worker = factories.make_user(personas.childrens, "caseworker", full_name="Cass Socialworker")
    referral = factories.make_hsb_referral(csc_worker)
    client = client_for(csc_worker)
    url = reverse("referrals:share", args=[referral.public_id])
    page = client.get(url).content.decode()
    assert 'id="share-notice"' in page
    assert "not covered by the Serious Violence Duty" in page
    response = client.post(
        url,
        {"agency": personas.police.pk, "level": ShareLevel.VIEW, "lawful_basis": "svd_s16", "reason": "Safeguarding"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "does not cover health or social care information" in body
    assert "Safeguarding" in body  # what was typed is kept
    assert not ReferralShare.objects.filter(referral=referral).exists()
    response = client.post(
        url,
        {
            "agency": personas.police.pk,
            "level": ShareLevel.VIEW,
            "lawful_basis": LawfulBasis.CHILDREN_ACT,
            "reason": "Safeguarding",
        },
    )
    assert response.status_code == 302
    assert ReferralShare.objects.get(referral=referral).lawful_basis == LawfulBasis.CHILDREN_ACT


def test_no_notice_where_the_rule_does_not_apply(personas, client_for):
    referral = factories.make_hsb_referral(personas.owner)
    page = client_for(personas.owner).get(reverse("referrals:share", args=[referral.public_id])).content.decode()
    assert 'id="share-notice"' not in page
    assert AgencyKind.POLICE not in HEALTH_AND_SOCIAL_CARE_KINDS
