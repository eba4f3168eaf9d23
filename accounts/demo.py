"""The synthetic demo partnership: an invented outer-London borough. No real person, place or case."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import services
from accounts.models import Agency, AgencyKind, DutyStatus, Membership, User

DEMO_PASSWORD = "demo-only-password-2026"  # noqa: S105 - documented demo login, refused in production
DEMO_DOMAIN = "demo.svd.invalid"

AGENCIES = [
    # short name, name, kind, duty status
    ("OBP", "Outer Borough Police (basic command unit)", AgencyKind.POLICE, DutyStatus.SPECIFIED),
    (
        "OBC-CSP",
        "Outer Borough Council Community Safety (MARAC team)",
        AgencyKind.COMMUNITY_SAFETY,
        DutyStatus.SPECIFIED,
    ),
    ("OBC-CS", "Outer Borough Council Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE, DutyStatus.SPECIFIED),
    ("OBC-ASC", "Outer Borough Council Adult Social Care", AgencyKind.ADULT_SOCIAL_CARE, DutyStatus.SPECIFIED),
    ("OBC-HSG", "Outer Borough Council Housing", AgencyKind.HOUSING, DutyStatus.SPECIFIED),
    ("OBFR", "Outer Borough Fire and Rescue", AgencyKind.FIRE, DutyStatus.SPECIFIED),
    ("NEL-ICB", "North East Outer London Integrated Care Board", AgencyKind.ICB, DutyStatus.SPECIFIED),
    ("OBH", "Outer Borough Hospitals NHS Trust", AgencyKind.ACUTE_TRUST, DutyStatus.SPECIFIED),
    ("OBMH", "Outer Borough Mental Health NHS Trust", AgencyKind.MENTAL_HEALTH, DutyStatus.SPECIFIED),
    ("RPCN", "Riverside Primary Care Network", AgencyKind.PRIMARY_CARE, DutyStatus.PARTNER),
    ("OBYJS", "Outer Borough Youth Justice Service", AgencyKind.YOUTH_JUSTICE, DutyStatus.SPECIFIED),
    ("PS-OB", "Probation Service, Outer Borough delivery unit", AgencyKind.PROBATION, DutyStatus.SPECIFIED),
    ("HCA", "Hillcrest Academy", AgencyKind.EDUCATION, DutyStatus.RELEVANT),
    ("HMPN", "HMP Northgate", AgencyKind.PRISON, DutyStatus.RELEVANT),
    ("SHDAS", "Safe Haven Domestic Abuse Service (IDVA)", AgencyKind.IDVA, DutyStatus.PARTNER),
    ("OBYC", "Outer Borough Youth Custody Liaison", AgencyKind.YOUTH_CUSTODY, DutyStatus.RELEVANT),
]

HUBS = {"marac": "OBC-CSP", "hsb": "OBC-CS", "youth_violence": "OBYJS"}

# email local part, full name, agency short name, roles
USERS = [
    ("police.caseworker", "Casey Constable", "OBP", ["is_caseworker"]),
    ("police.manager", "Morgan Inspector", "OBP", ["is_manager"]),
    ("police.admin", "Avery Adminson", "OBP", ["is_agency_admin"]),
    ("marac.coordinator", "Jordan Coordinator", "OBC-CSP", ["is_coordinator", "is_caseworker"]),
    ("partnership.manager", "Riley Strategist", "OBC-CSP", ["is_manager"]),
    ("csp.admin", "Quinn Keyholder", "OBC-CSP", ["is_agency_admin"]),
    ("childrens.caseworker", "Taylor Socialworker", "OBC-CS", ["is_caseworker"]),
    ("hsb.coordinator", "Rowan Pathfinder", "OBC-CS", ["is_coordinator", "is_caseworker"]),
    ("childrens.manager", "Harper Overseer", "OBC-CS", ["is_manager", "is_agency_admin"]),
    ("health.caseworker", "Sasha Nightingale", "OBH", ["is_caseworker"]),
    ("housing.caseworker", "Drew Tenancy", "OBC-HSG", ["is_caseworker"]),
    ("yjs.caseworker", "Kai Mentor", "OBYJS", ["is_caseworker"]),
    ("yjs.coordinator", "Jesse Panelchair", "OBYJS", ["is_coordinator", "is_caseworker"]),
    ("idva.caseworker", "Robin Advocate", "SHDAS", ["is_caseworker"]),
    ("probation.caseworker", "Frankie Offendermanager", "PS-OB", ["is_caseworker"]),
    ("school.caseworker", "Emery Safeguardlead", "HCA", ["is_caseworker"]),
    ("mentalhealth.caseworker", "Parker Wellbeing", "OBMH", ["is_caseworker"]),
    ("fire.caseworker", "Reese Firesafety", "OBFR", ["is_caseworker"]),
]


@dataclass
class Partnership:
    agencies: dict[str, Agency]
    users: dict[str, User]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def seed_partnership() -> Partnership:
    """Create (or find) the demo agencies, pathway hubs and users. Safe to run again."""
    from referrals.models import PathwayHub

    agencies: dict[str, Agency] = {}
    for short, name, kind, duty in AGENCIES:
        agency = Agency.objects.filter(short_name=short).first()
        if agency is None:
            agency = services.agency_create(name=name, short_name=short, kind=kind, duty_status=duty)
        agencies[short] = agency
    for pathway, short in HUBS.items():
        PathwayHub.objects.get_or_create(pathway=pathway, defaults={"agency": agencies[short]})
    users: dict[str, User] = {}
    for local, full_name, short, roles in USERS:
        email = demo_email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name, is_demo=True)
            Membership.objects.create(user=user, agency=agencies[short], **dict.fromkeys(roles, True))
        users[local] = user
    sysadmin = User.objects.filter(email=demo_email("sysadmin")).first()
    if sysadmin is None:
        sysadmin = User.objects.create_superuser(
            demo_email("sysadmin"), DEMO_PASSWORD, full_name="Sam Sysadmin", is_demo=True
        )
    users["sysadmin"] = sysadmin
    return Partnership(agencies=agencies, users=users)
