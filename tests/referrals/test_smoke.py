import pytest
from django.urls import reverse

from referrals.models import Status
from tests import factories

pytestmark = pytest.mark.django_db


def test_youth_violence_referral_round_trip(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    assert referral.status == Status.SUBMITTED
    assert referral.reference
    client = client_for(personas.owner)
    response = client.get(reverse("referrals:detail", args=[referral.public_id]))
    assert response.status_code == 200
    assert referral.reference in response.content.decode()
    response = client.get(reverse("referrals:list"))
    assert response.status_code == 200
    outsider = client_for(personas.outsider)
    assert outsider.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 404
    hub = client_for(personas.yv_coordinator)
    assert hub.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 200
