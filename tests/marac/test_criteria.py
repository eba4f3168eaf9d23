"""The four SafeLives criteria: visible high risk is derived; professional judgement can never lower a band and
needs a rationale; potential escalation uses a configurable threshold."""

import pytest
from django.core.exceptions import ValidationError

from marac import services
from marac.forms import MaracDetailForm
from marac.models import Criteria, MaracDetail
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "perpetrator_relationship": "ex_partner",
    "children_in_household": "2",
    "incidents_last_12_months": "1",
    "previous_marac": "no",
}


@pytest.mark.parametrize(("yes", "visible"), [(13, False), (14, True)])
def test_visible_high_risk_comes_from_the_score(personas, yes, visible):
    referral = factories.make_marac_referral(personas.owner, dash_yes=yes, submit=False)
    criteria = services.referral_criteria(referral)
    assert criteria.visible_high_risk is visible
    assert ("Visible high risk" in criteria.met) is visible


def test_professional_judgement_raises_the_band(personas):
    referral = factories.make_marac_referral(
        personas.owner, dash_yes=6, submit=False, judged_band="high", judgement_rationale="Recent strangulation"
    )
    criteria = services.referral_criteria(referral)
    assert criteria.dash_band == "standard"
    assert criteria.band == "high"
    assert criteria.professional_judgement
    assert "Professional judgement" in criteria.met


@pytest.mark.parametrize(("yes", "judged"), [(14, "medium"), (14, "standard"), (10, "standard")])
def test_professional_judgement_cannot_lower_the_band_in_the_form(yes, judged):
    band = "high" if yes >= 14 else "medium"
    form = MaracDetailForm(
        {**VALID, "judged_band": judged, "judgement_rationale": "Seems calmer"},
        instance=MaracDetail(),
        dash_band=band,
        dash_score=yes,
    )
    assert not form.is_valid()
    assert "cannot lower the risk level" in form.errors["judged_band"][0]


def test_professional_judgement_cannot_lower_the_band_in_the_service(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=15, submit=False)
    detail = services.detail_of(referral)
    detail.judged_band = "medium"
    detail.judgement_rationale = "Victim says things are calmer"
    with pytest.raises(ValidationError) as raised:
        services.marac_detail_save(
            referral=referral, actor=personas.owner, detail=detail, expected_version=None, section="test"
        )
    assert "judged_band" in raised.value.error_dict
    detail.refresh_from_db()
    assert detail.judged_band == ""


def test_even_a_stale_lower_judgement_never_lowers_the_band():
    detail = MaracDetail(judged_band="medium")
    assert Criteria.for_detail(score=20, detail=detail).band == "high"


def test_professional_judgement_needs_a_rationale():
    form = MaracDetailForm({**VALID, "judged_band": "high"}, instance=MaracDetail(), dash_band="standard", dash_score=4)
    assert not form.is_valid()
    assert form.errors["judgement_rationale"] == ["Enter why you judge the risk at this level"]


def test_equal_or_higher_judgement_is_accepted():
    form = MaracDetailForm(
        {**VALID, "judged_band": "high", "judgement_rationale": "Threats to kill"},
        instance=MaracDetail(),
        dash_band="high",
        dash_score=14,
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(("incidents", "escalation"), [(2, False), (3, True)])
def test_potential_escalation_default_threshold_is_three(personas, incidents, escalation):
    referral = factories.make_marac_referral(
        personas.owner, dash_yes=5, submit=False, incidents_last_12_months=incidents
    )
    assert services.referral_criteria(referral).potential_escalation is escalation


def test_potential_escalation_threshold_is_configurable(personas, settings):
    settings.SVD_MARAC_ESCALATION_THRESHOLD = 5
    referral = factories.make_marac_referral(personas.owner, dash_yes=5, submit=False, incidents_last_12_months=4)
    assert not services.referral_criteria(referral).potential_escalation
    settings.SVD_MARAC_ESCALATION_THRESHOLD = 4
    assert services.referral_criteria(referral).potential_escalation


def test_no_criteria_below_every_threshold(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=5, submit=False)
    assert services.referral_criteria(referral).met == []


def test_referring_agency_category_from_its_kind_or_the_partnership_setting(personas, settings):
    from marac.models import referrer_category_for

    assert referrer_category_for(personas.police) == "police"
    assert referrer_category_for(personas.idva_service) == "idva"
    assert referrer_category_for(personas.hospital) == "acute_trust"
    assert referrer_category_for(personas.community_safety) == "other"
    settings.SVD_MARAC_REFERRER_CATEGORIES = {"CSP": "mash", "HSG": "not-a-category"}
    assert referrer_category_for(personas.community_safety) == "mash"
    assert referrer_category_for(personas.housing) == "housing"


@pytest.mark.parametrize("score", [None, 4, 12, 14, 20])
@pytest.mark.parametrize("judged", ["", "medium", "high"])
@pytest.mark.parametrize("incidents", [None, 0, 2, 3, 9])
@pytest.mark.parametrize("repeat", [False, True])
def test_criteria_from_values_agree_with_criteria_from_the_details(score, judged, incidents, repeat, settings):
    """The candidate list reads the details as values (Criteria); the case pages read the object
    (Criteria.for_detail)."""
    settings.SVD_MARAC_ESCALATION_THRESHOLD = 3
    detail = MaracDetail(judged_band=judged, incidents_last_12_months=incidents, is_repeat=repeat)
    by_object = Criteria.for_detail(score=score, detail=detail)
    by_values = Criteria(score=score, judged=judged, incidents=incidents, repeat=repeat)
    assert vars(by_values) == vars(by_object)
    assert (by_values.band_label, by_values.met) == (by_object.band_label, by_object.met)
