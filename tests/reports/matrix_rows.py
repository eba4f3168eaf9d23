"""Permission-matrix rows for the report pages (issue 7).

Reports are for every case role (counts scoped to what their agency can see, or partnership-wide for a
manager). Targets are set by managers. Outside data and the population figure are kept by system
administrators, who are not matrix personas: every persona gets 403 there (tests/reports/test_views.py signs
a system administrator in for the happy path)."""

from decimal import Decimal

from tests.matrix import FORBIDDEN, LOGIN, MISSING, NOT_FOUND, OK, Spec, role_page

REPORT_ROLES = {"owner", "owner_manager", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}
MANAGERS = {"owner_manager"}


def setup_world(world):
    from referrals.reporting import services
    from referrals.reporting.models import Direction, PeriodKind, ReportMeasure, TargetType

    target, _ = services.target_set(
        actor=world.personas.owner_manager,
        measure=ReportMeasure.MARAC_REFERRALS,
        period_kind=PeriodKind.ROLLING_12,
        year=None,
        target_type=TargetType.PERCENT_CHANGE,
        value=Decimal("10"),
        direction=Direction.INCREASE,
    )
    world.extra["report_target"] = target


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
