"""The meeting form's date rule comes from Meeting.clean (the ModelForm runs it): one message, on the field."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marac.models import Meeting
from tests.helpers import date_fields
from tests.marac.test_meetings import meeting_post

pytestmark = pytest.mark.django_db


def test_a_cut_off_after_the_meeting_is_refused_once_on_its_field(personas, client_for):
    later = timezone.localdate() + datetime.timedelta(days=20)
    data = meeting_post(**date_fields("referral_cutoff", later))
    data["agencies"] = [str(personas.hospital.pk)]
    response = client_for(personas.coordinator).post(reverse("marac:meeting_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["referral_cutoff"] == [
        "The referral cut-off must be on or before the meeting date"
    ]
    page = response.content.decode()
    assert "govuk-error-summary" in page and 'value="Civic Centre, Room 4"' in page  # typing kept
    assert not Meeting.objects.exists()
