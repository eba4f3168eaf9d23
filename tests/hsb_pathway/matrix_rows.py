"""Permission-matrix rows for the HSB pathway's URLs (tests/matrix.py).

The "own" target is an HSB case filed by the owner (Police), accepted by the HSB hub (children's services, not
a matrix persona) and shared (view) with the hospital, with one of everything recorded on it. "other" is an HSB
case filed by an unrelated agency; "missing" a UUID that exists nowhere. Only the owning agency's caseworker
may record; nobody in the matrix is an HSB hub coordinator, so stage moves are 403 for everyone who can see.
"""

import datetime

from tests.matrix import FORBIDDEN, LOGIN, MISSING, NOT_FOUND, OK, Spec, role_page

TARGETS = ("own", "other", "missing")
CASE_ROLES = {"owner", "owner_manager", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}
SEES_HSB_CASE = {"owner", "owner_manager", "shared"}


def setup_world(world) -> None:
    from django.utils import timezone

    from hsb_pathway.models import OrderEvent, OrderEventKind
    from hsb_pathway.services import order_event_add
    from referrals import services
    from referrals.models import ShareLevel
    from tests import factories

    p = world.personas
    hub = factories.make_user(p.childrens, "coordinator", "caseworker", full_name="Matrix Hub")
    case = factories.make_hsb_referral(p.owner, accept_by=hub)
    services.referral_share(
        referral=case,
        actor=p.owner,
        request=services.ShareRequest(
            agency=p.hospital, level=ShareLevel.VIEW, reason="Matrix", lawful_basis="svd_s16"
        ),
    )
    factories.hsb_strategy(case, hub)
    factories.hsb_aim3(case, hub)
    intervention = factories.hsb_intervention(case, hub)
    review = factories.hsb_review(case, hub, scheduled_for=timezone.localdate() + datetime.timedelta(days=30))
    order = factories.hsb_order(case, p.owner)
    order_event_add(
        referral=case,
        actor=p.owner,
        event=OrderEvent(
            referral=case,
            order=order,
            kind=OrderEventKind.BREACH,
            happened_on=datetime.date(2025, 1, 6),
            details="Matrix breach",
        ),
        expected_version=None,
    )
    school = factories.make_agency(short_name="SCH", kind="education", name="Matrix School")
    teacher = factories.make_user(school, "caseworker")
    other = factories.make_hsb_referral(teacher)
    world.extra.update(
        {
            "hsb": case,
            "hsb_other": other,
            "hsb_intervention": intervention,
            "hsb_review": review,
            "hsb_order": order,
        }
    )


def _case_id(world, target):
    if target == "own":
        return world.extra["hsb"].public_id
    if target == "other":
        return world.extra["hsb_other"].public_id
    return MISSING


def case_kwargs(world, target):
    return {"public_id": _case_id(world, target)}


def item(key: str, name: str = "item_id"):
    def kwargs(world, target):
        found = world.extra[key].public_id if target == "own" else MISSING
        return {"public_id": _case_id(world, target), name: found}

    return kwargs


def view_page(persona, target):
    if persona == "anonymous":
        return LOGIN
    return OK if target == "own" and persona in SEES_HSB_CASE else NOT_FOUND


def writers(allowed: set[str]):
    def expect(persona, target):
        if persona == "anonymous":
            return LOGIN
        if target != "own" or persona not in SEES_HSB_CASE:
            return NOT_FOUND
        return OK if persona in allowed else FORBIDDEN

    return expect


RECORDERS = writers({"owner"})
STAGE_MOVERS = writers(set())  # the HSB hub's coordinators only: none in the matrix


SPECS = [
    Spec("hsb_pathway:case_list", role_page(CASE_ROLES)),
    Spec("hsb_pathway:strategy", view_page, case_kwargs, TARGETS),
    Spec("hsb_pathway:strategy_edit", RECORDERS, case_kwargs, TARGETS),
    Spec("hsb_pathway:assessments", view_page, case_kwargs, TARGETS),
    Spec("hsb_pathway:assessment_add", RECORDERS, case_kwargs, TARGETS),
    Spec("hsb_pathway:interventions", view_page, case_kwargs, TARGETS),
    Spec("hsb_pathway:intervention_add", RECORDERS, case_kwargs, TARGETS),
    Spec("hsb_pathway:intervention_edit", RECORDERS, item("hsb_intervention"), TARGETS),
    Spec("hsb_pathway:reviews", view_page, case_kwargs, TARGETS),
    Spec("hsb_pathway:review_add", RECORDERS, case_kwargs, TARGETS),
    Spec("hsb_pathway:review_outcome", RECORDERS, item("hsb_review"), TARGETS),
    Spec("hsb_pathway:adult_transition", RECORDERS, case_kwargs, TARGETS),
    Spec(
        "hsb_pathway:stage_move",
        STAGE_MOVERS,
        lambda w, t: {**case_kwargs(w, t), "name": "assessment"},
        TARGETS,
    ),
    Spec(
        "hsb_pathway:stage_move",
        STAGE_MOVERS,
        lambda w, t: {**case_kwargs(w, t), "name": "close"},
        TARGETS,
        method="post",
        data=lambda w, t: {"closure_reason": "completed", "reason": "Matrix"},
    ),
    Spec("hsb_pathway:orders", view_page, case_kwargs, TARGETS),
    Spec("hsb_pathway:order_add", RECORDERS, case_kwargs, TARGETS),
    Spec("hsb_pathway:order_detail", view_page, item("hsb_order", "order_id"), TARGETS),
    Spec("hsb_pathway:order_edit", RECORDERS, item("hsb_order", "order_id"), TARGETS),
    Spec("hsb_pathway:order_event_add", RECORDERS, item("hsb_order", "order_id"), TARGETS),
    Spec(
        "hsb_pathway:order_event_add",
        writers({"owner"}),
        item("hsb_order", "order_id"),
        TARGETS,
        method="post",
        data=lambda w, t: {"kind": "breach", "happened_on_0": "", "details": ""},
    ),
]
