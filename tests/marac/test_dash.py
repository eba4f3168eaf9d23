"""The DASH checklist: scoring, bands at their boundaries, versioning, re-assessment, the wording file."""

import json

import pytest
from django.core.exceptions import ValidationError

from marac import dash
from marac.forms import DashForm
from marac.models import DashAssessment
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
)
def test_score_is_the_number_of_yes_answers_and_sets_the_band(personas, yes, band):
    referral = factories.make_marac_referral(personas.owner, dash_yes=yes, submit=False)
    assessment = referral.dash_assessments.get()
    assert assessment.score == yes
    assert assessment.band == band
    assert dash.band_for_score(yes) == band


def test_dont_know_is_not_yes():
    answers = factories.dash_answers(yes=9, dont_know=5)
    assert dash.score_of(answers) == 9
    assert dash.band_for_score(dash.score_of(answers)) == "standard"


def test_every_answer_and_the_form_version_are_stored(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=3, submit=False)
    assessment = referral.dash_assessments.get()
    assert assessment.form_version == dash.FORM_VERSION
    assert set(assessment.answers) == set(dash.keys_for(dash.FORM_VERSION))
    assert len(assessment.answers) == 24
    assert list(assessment.answers.values()).count("yes") == 3


def test_the_score_cannot_be_typed(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=3, submit=False)
    assessment = referral.dash_assessments.get()
    assessment.score = 20
    with pytest.raises(ValidationError):
        assessment.full_clean()


def test_an_incomplete_checklist_is_refused(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=3, submit=False)
    answers = factories.dash_answers(3)
    answers.pop("q24_criminal_history")
    from marac import services

    with pytest.raises(ValidationError):
        services.dash_assessment_save(
            referral=referral, actor=personas.owner, answers=answers, info_source="victim", expected_version=None
        )


def test_draft_corrections_replace_and_reassessment_keeps_the_old_checklist(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=5, submit=False)
    factories.add_dash(referral, personas.owner, yes=8)  # a correction while still a draft
    assert referral.dash_assessments.count() == 1
    assert referral.dash_assessments.get().score == 8
    from referrals import services as core

    core.referral_transition(referral=Referral.objects.get(pk=referral.pk), actor=personas.owner, name="submit")
    factories.add_dash(referral, personas.owner, yes=16)  # a re-assessment after submission
    scores = list(
        DashAssessment.objects.filter(referral=referral).order_by("completed_at").values_list("score", flat=True)
    )
    assert scores == [8, 16]
    from marac.services import current_assessment

    assert current_assessment(referral).score == 16


def test_the_form_needs_every_question_and_who_answered():
    form = DashForm({"info_source": "other"})
    assert not form.is_valid()
    assert form.errors["q01_injury"] == ["Select yes, no or don't know for question 1"]
    assert form.errors["q24_criminal_history"] == ["Select yes, no or don't know for question 24"]
    assert form.errors["info_source_detail"] == ["Enter who gave the answers"]


def test_the_form_refuses_an_answer_that_is_not_offered():
    data = {**factories.dash_answers(14), "q05_depressed": "maybe", "info_source": "victim"}
    form = DashForm(data)
    assert not form.is_valid()
    assert "q05_depressed" in form.errors


def test_paraphrases_are_used_without_a_wording_file(settings):
    settings.SVD_DASH_WORDING_FILE = ""
    form = DashForm()
    assert form.fields["q15_strangulation"].label.startswith("15. ")
    assert dash.PARAPHRASES["q15_strangulation"] in form.fields["q15_strangulation"].label


def test_a_partnership_wording_file_replaces_the_labels_it_names(settings, tmp_path):
    path = tmp_path / "dash.json"
    path.write_text(json.dumps({"questions": {"q01_injury": "Licensed wording for question one", "junk": "x"}}))
    settings.SVD_DASH_WORDING_FILE = str(path)
    dash._wording_from_file.cache_clear()
    wording = dash.wording()
    assert wording["q01_injury"] == "Licensed wording for question one"
    assert wording["q02_frightened"] == dash.PARAPHRASES["q02_frightened"]
    assert "junk" not in wording
    assert DashForm().fields["q01_injury"].label == "1. Licensed wording for question one"


def test_an_unreadable_wording_file_falls_back_to_the_paraphrases(settings, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    settings.SVD_DASH_WORDING_FILE = str(path)
    dash._wording_from_file.cache_clear()
    assert dash.wording() == dash.PARAPHRASES
    settings.SVD_DASH_WORDING_FILE = str(tmp_path / "missing.json")
    assert dash.wording() == dash.PARAPHRASES
