"""Permission-matrix rows for every MARAC URL (tests/matrix.py).

The world gains a MARAC case filed by the owner (Police), accepted by the MARAC coordinator and listed on a
published meeting attended by the Hospital ("shared") and the IDVA service ("idva"); a draft meeting (the
"other" target: nobody but a coordinator knows it exists); an action owned by the Hospital; and a possible repeat.
"""

import datetime

from tests.matrix import LOGIN, MISSING, NOT_FOUND, OK, REDIRECT, Spec, role_page

CASE_ROLES = {"owner", "owner_manager", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}
ATTENDING = {"shared", "idva"}
TARGETS = ("own", "other", "missing")


def setup_world(world):
    from tests import factories

    p = world.personas
    case = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    meeting = factories.make_published_meeting(p.coordinator, [case], agencies=[p.hospital, p.idva_service])
    draft = factories.make_meeting(p.coordinator, agencies=[p.hospital], days_ahead=30)
    listed = meeting.cases.get()
    action = factories.add_action(
        p.coordinator, listed, p.hospital, days=14, description="Flag the address on the hospital system"
    )
    later = factories.make_marac_referral(p.owner, victim={"date_of_birth": datetime.date(1991, 1, 1)})
    world.extra.update(
        {
            "marac_case": case,
            "marac_meeting": meeting,
            "marac_draft": draft,
            "marac_action": action,
            "marac_possible": later.possible_repeats.get(),
        }
    )


def meeting_kwargs(world, target):
    meeting = {"own": world.extra.get("marac_meeting"), "other": world.extra.get("marac_draft")}.get(target)
    return {"public_id": meeting.public_id if meeting else MISSING}


def meeting_case_kwargs(world, target):
    case = world.extra.get("marac_case")
    return {**meeting_kwargs(world, target), "referral_id": case.public_id if target != "missing" else MISSING}


def marac_case_kwargs(world, target):
    case = world.extra.get("marac_case") if target == "own" else world.case(target)
    return {"public_id": case.public_id if case is not None else MISSING}


def object_kwargs(key):
    def kwargs(world, target):
        item = world.extra.get(key) if target == "own" else None
        return {"public_id": item.public_id if item else MISSING}

    return kwargs


def meeting_view(persona, target):
    """A meeting: coordinators see every one; attending agencies the published one; everyone else 404."""
    if persona == "anonymous":
        return LOGIN
    if persona == "coordinator":
        return OK if target in ("own", "other") else NOT_FOUND
    return OK if persona in ATTENDING and target == "own" else NOT_FOUND


def meeting_manage(ok=OK):
    """A coordinator's page on a meeting: attending agencies (who can see the meeting) get 403."""

    def expect(persona, target):
        result = meeting_view(persona, target)
        if result == OK and persona != "coordinator":
            return 403
        return ok if result == OK else result

    return expect


def case_at_meeting(persona, target):
    """A case on the published list: coordinators and attending agencies; a case not on the list is 404."""
    if persona == "anonymous":
        return LOGIN
    if target != "own":
        return NOT_FOUND
    return OK if persona in ATTENDING | {"coordinator"} else NOT_FOUND


def case_at_meeting_manage(ok=OK):
    def expect(persona, target):
        if persona == "anonymous":
            return LOGIN
        if persona in ATTENDING and target == "own":
            return 403
        if persona == "coordinator" and target in ("own", "other"):
            return ok if target == "own" else NOT_FOUND
        return NOT_FOUND

    return expect


def research_expect(persona, target):
    # Written by the attending agencies' caseworkers; the coordinator's agency is not attending.
    result = case_at_meeting(persona, target)
    return 403 if result == OK and persona == "coordinator" else result


def minutes_expect(persona, target):
    # Attending agencies read the minutes once the meeting is held; this one is only published.
    result = meeting_view(persona, target)
    return 403 if result == OK and persona != "coordinator" else result


def action_expect(persona, target):
    if persona == "anonymous":
        return LOGIN
    if target != "own":
        return NOT_FOUND
    return OK if persona in {"coordinator", "shared"} else NOT_FOUND


def idva_contact_expect(persona, target):
    """Recording IDVA contact: the IDVA service (attending, so it sees the case) and the MARAC hub coordinator;
    others who see the case get 403; the rest 404."""
    if persona == "anonymous":
        return LOGIN
    if target != "own":
        return NOT_FOUND
    if persona in {"idva", "coordinator"}:
        return OK
    if persona in {"owner", "owner_manager", "shared"}:
        return 403
    return NOT_FOUND


def decide_expect(persona, target):
    if persona == "anonymous":
        return LOGIN
    if persona != "coordinator":
        return 403
    return OK if target == "own" else NOT_FOUND


def safety_expect(persona, target):
    """The restricted answers: the owner agency's caseworker and the MARAC hub coordinator (both may change the
    case and may see restricted fields); others who can see the case get 403; the rest 404."""
    if persona == "anonymous":
        return LOGIN
    if target != "own":
        return NOT_FOUND
    if persona in {"owner", "coordinator"}:
        return OK
    if persona in {"owner_manager"} | ATTENDING:
        return 403
    return NOT_FOUND


SPECS = [
    Spec("marac:meetings", role_page(CASE_ROLES)),
    Spec("marac:meeting_new", role_page({"coordinator"})),
    Spec("marac:meeting", meeting_view, meeting_kwargs, TARGETS),
    Spec("marac:meeting_edit", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_cases", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_cases_add", meeting_manage(), meeting_kwargs, TARGETS, method="post"),
    Spec("marac:meeting_cases_csv", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_cases_pdf", meeting_manage(), meeting_kwargs, ("own", "missing")),
    Spec("marac:meeting_publish", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_attendance", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_held", meeting_manage(), meeting_kwargs, TARGETS),
    Spec("marac:meeting_minutes", minutes_expect, meeting_kwargs, TARGETS),
    Spec("marac:meeting_case", case_at_meeting, meeting_case_kwargs, TARGETS),
    Spec("marac:meeting_case_remove", case_at_meeting_manage(), meeting_case_kwargs, TARGETS),
    Spec("marac:meeting_case_research", research_expect, meeting_case_kwargs, TARGETS),
    Spec(
        "marac:meeting_case_share_research",
        case_at_meeting_manage(REDIRECT),
        meeting_case_kwargs,
        TARGETS,
        method="post",
    ),
    Spec("marac:meeting_case_action_add", case_at_meeting_manage(), meeting_case_kwargs, TARGETS),
    Spec("marac:actions", role_page(CASE_ROLES)),
    Spec("marac:actions_csv", role_page({"coordinator"})),
    Spec("marac:actions_pdf", role_page({"coordinator"})),
    Spec("marac:action", action_expect, object_kwargs("marac_action"), ("own", "missing")),
    Spec("marac:possible_repeats", role_page({"coordinator"})),
    Spec("marac:possible_repeat", decide_expect, object_kwargs("marac_possible"), ("own", "missing")),
    Spec("marac:data_return", role_page({"coordinator"})),
    Spec("marac:data_return_csv", role_page({"coordinator"})),
    Spec("marac:action_completion", role_page({"coordinator"})),
    Spec("marac:action_completion_csv", role_page({"coordinator"})),
    Spec("marac:safety", safety_expect, marac_case_kwargs, TARGETS),
    Spec("marac:idva_contact", idva_contact_expect, marac_case_kwargs, TARGETS),
]
