"""Permission-matrix rows for the report pages (issue 7).

Reports are for every case role (counts scoped to what their agency can see, or partnership-wide for a
manager). Targets are set by managers. Outside data and the population figure are kept by system
administrators, who are not matrix personas: every persona gets 403 there (tests/reports/test_views.py signs
a system administrator in for the happy path)."""

from tests.matrix import FORBIDDEN, LOGIN, MISSING, NOT_FOUND, OK, Spec, role_page

REPORT_ROLES = {"owner", "owner_manager", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}
MANAGERS = {"owner_manager"}


def setup_world(world):
    from referrals.reporting.models import ReportMeasure, TargetType
    from tests import factories

    world.extra["report_target"] = factories.make_target(
        world.personas.owner_manager, ReportMeasure.MARAC_REFERRALS, 10, target_type=TargetType.PERCENT_CHANGE
    )


def target_kwargs(world, target):
    found = world.extra.get("report_target") if target == "own" else None
    return {"public_id": found.public_id if found else MISSING}


def target_edit_expect(persona, target):
    if persona == "anonymous":
        return LOGIN
    if persona not in MANAGERS:
        return FORBIDDEN
    return OK if target == "own" else NOT_FOUND


SPECS = [
    Spec("reports:index", role_page(REPORT_ROLES)),
    Spec("reports:target_actual", role_page(REPORT_ROLES)),
    Spec("reports:year_on_year", role_page(REPORT_ROLES)),
    Spec("reports:breakdowns", role_page(REPORT_ROLES)),
    Spec("reports:benchmarks", role_page(REPORT_ROLES)),
    Spec("reports:outcomes", role_page(REPORT_ROLES)),
    Spec("reports:targets", role_page(MANAGERS)),
    Spec("reports:target_add", role_page(MANAGERS)),
    Spec("reports:target_edit", target_edit_expect, target_kwargs, ("own", "missing")),
    Spec("reports:outcome_add", role_page(set())),
    Spec("reports:outcome_import", role_page(set())),
    Spec("reports:population", role_page(set())),
]
