"""Issue 5: every allowed and refused HSB stage move, with its clear message; closure closes the referral."""

import pytest
from django.core.exceptions import ValidationError

from hsb_pathway import services
from hsb_pathway.models import ClosureReason, HsbDetail, Stage
from hsb_pathway.workflow import MOVES, StageMoveRefused, check_move, moves_from
from referrals import services as core
from referrals.models import EventKind, ReferralEvent, Status
from tests import factories

pytestmark = pytest.mark.django_db

# The whole table, written out: (stage, move) -> the stage it ends in, or None when refused.
EXPECTED = {
    (Stage.STRATEGY, "assessment"): Stage.ASSESSMENT,
    (Stage.STRATEGY, "close"): Stage.CLOSED,
    (Stage.ASSESSMENT, "intervention"): Stage.INTERVENTION,
    (Stage.ASSESSMENT, "close"): Stage.CLOSED,
    (Stage.INTERVENTION, "review"): Stage.REVIEW,
    (Stage.INTERVENTION, "close"): Stage.CLOSED,
    (Stage.REVIEW, "back-to-intervention"): Stage.INTERVENTION,
    (Stage.REVIEW, "close"): Stage.CLOSED,
}
ALL_PAIRS = [(stage, name) for stage in Stage.values for name in MOVES]


@pytest.mark.parametrize(("stage", "name"), ALL_PAIRS)
def test_the_declared_moves_are_exactly_the_expected_ones(stage, name):
    if (stage, name) in EXPECTED:
        assert check_move(stage, name).target == EXPECTED[(stage, name)]
    else:
        with pytest.raises(StageMoveRefused) as refused:
            check_move(stage, name)
        assert f"at the {Stage(stage).label.lower()} stage cannot" in str(refused.value)


def test_an_unknown_move_is_refused():
    with pytest.raises(StageMoveRefused, match="no stage move called 'fly'"):
        check_move(Stage.STRATEGY, "fly")


def test_closed_cases_have_no_moves():
    assert moves_from(Stage.CLOSED) == []


def case_at(stage, p):
    """An accepted HSB case with everything recorded to reach `stage`, through the services."""
    referral = factories.make_hsb_referral(p.owner, accept_by=p.hsb_coordinator)
    hub = p.hsb_coordinator
    factories.hsb_strategy(referral, hub)
    path = {
        Stage.STRATEGY: [],
        Stage.ASSESSMENT: ["assessment"],
        Stage.INTERVENTION: ["assessment", "intervention"],
        Stage.REVIEW: ["assessment", "intervention", "review"],
    }[stage]
    for name in path:
        if name == "intervention":
            factories.hsb_aim3(referral, hub)
        if name == "review":
            factories.hsb_intervention(referral, hub)
        factories.hsb_move(referral, hub, name)
    assert HsbDetail.objects.get(referral=referral).stage == stage
    return referral


@pytest.mark.parametrize(("stage", "name"), ALL_PAIRS)
def test_every_move_through_the_service(personas, stage, name):
    if stage == Stage.CLOSED:
        referral = case_at(Stage.STRATEGY, personas)
        factories.hsb_move(referral, personas.hsb_coordinator, "close", reason="Done", closure_reason="other")
    else:
        referral = case_at(stage, personas)
    if name == "intervention" and stage == Stage.ASSESSMENT:
        factories.hsb_aim3(referral, personas.hsb_coordinator)
    if name == "review" and stage == Stage.INTERVENTION:
        factories.hsb_intervention(referral, personas.hsb_coordinator)
    kwargs = {"reason": "Synthetic", "closure_reason": ClosureReason.COMPLETED} if name == "close" else {}
    expected = EXPECTED.get((stage, name))
    if stage == Stage.CLOSED:
        # A closed case's referral is closed too: no one may move it any more.
        with pytest.raises(StageMoveRefused):
            factories.hsb_move(referral, personas.hsb_coordinator, name, **kwargs)
        return
    if expected is None:
        with pytest.raises(StageMoveRefused, match="cannot"):
            factories.hsb_move(referral, personas.hsb_coordinator, name, **kwargs)
        assert HsbDetail.objects.get(referral=referral).stage == stage
        return
    factories.hsb_move(referral, personas.hsb_coordinator, name, **kwargs)
    detail = HsbDetail.objects.get(referral=referral)
    assert detail.stage == expected
    event = ReferralEvent.objects.filter(referral=referral, kind=EventKind.PATHWAY).first()
    assert event.data["to"] == expected
    assert detail.history.first().history_user == personas.hsb_coordinator


def test_moving_on_needs_what_the_stage_records(personas):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner, accept_by=hub)
    with pytest.raises(StageMoveRefused, match="Record the strategy discussion"):
        factories.hsb_move(referral, hub, "assessment")
    with pytest.raises(StageMoveRefused, match="Record the strategy discussion"):
        factories.hsb_move(referral, hub, "close", reason="x", closure_reason="other")
    factories.hsb_strategy(referral, hub)
    factories.hsb_move(referral, hub, "assessment")
    with pytest.raises(StageMoveRefused, match="Record an assessment"):
        factories.hsb_move(referral, hub, "intervention")
    factories.hsb_aim3(referral, hub)
    factories.hsb_move(referral, hub, "intervention")
    with pytest.raises(StageMoveRefused, match="Record the intervention"):
        factories.hsb_move(referral, hub, "review")


def test_only_the_hub_coordinator_moves_stages(personas):
    referral = case_at(Stage.STRATEGY, personas)
    for user in (personas.owner, personas.owner_manager, personas.coordinator, personas.shared):
        with pytest.raises(StageMoveRefused, match="Only the HSB hub's coordinators"):
            factories.hsb_move(referral, user, "assessment")
    assert HsbDetail.objects.get(referral=referral).stage == Stage.STRATEGY


def test_the_referral_must_be_accepted_first(personas):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner)
    factories.hsb_strategy(referral, hub)  # the discussion may be held before the referral is accepted
    with pytest.raises(StageMoveRefused, match="Accept the referral"):
        factories.hsb_move(referral, hub, "assessment")


def test_closing_needs_a_reason_and_closes_the_referral(personas):
    hub = personas.hsb_coordinator
    referral = case_at(Stage.INTERVENTION, personas)
    with pytest.raises(ValidationError):
        factories.hsb_move(referral, hub, "close", reason="", closure_reason=ClosureReason.COMPLETED)
    with pytest.raises(ValidationError):
        factories.hsb_move(referral, hub, "close", reason="Plan done", closure_reason="nonsense")
    factories.hsb_move(referral, hub, "close", reason="Plan done", closure_reason=ClosureReason.COMPLETED)
    detail = HsbDetail.objects.get(referral=referral)
    assert (detail.stage, detail.closure_reason, detail.closed_from_stage) == (
        Stage.CLOSED,
        ClosureReason.COMPLETED,
        Stage.INTERVENTION,
    )
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED
    assert "Plan done" in referral.close_reason


def test_closing_the_referral_in_the_core_closes_the_stage_and_reopening_restores_it(personas):
    hub = personas.hsb_coordinator
    referral = case_at(Stage.ASSESSMENT, personas)
    referral = core.referral_transition(referral=referral, actor=hub, name="close", reason="Moved away")
    detail = HsbDetail.objects.get(referral=referral)
    assert (detail.stage, detail.closure_reason) == (Stage.CLOSED, ClosureReason.OTHER)
    core.referral_transition(referral=referral, actor=hub, name="reopen", reason="Returned")
    detail.refresh_from_db()
    assert (detail.stage, detail.closure_reason) == (Stage.ASSESSMENT, "")


def test_no_stage_work_on_a_closed_case(personas):
    hub = personas.hsb_coordinator
    referral = case_at(Stage.STRATEGY, personas)
    factories.hsb_move(referral, hub, "close", reason="NFA", closure_reason=ClosureReason.NO_FURTHER_ACTION)
    referral.refresh_from_db()
    with pytest.raises(services.HsbRefused):
        factories.hsb_aim3(referral, hub)
