"""Hand-built report data across the 1 April 2025 financial-year boundary.

Today is 15 June 2025 in these tests, so financial year 2025/26 is 76 days old and "the same point" of 2024/25
is up to and including 15 June 2024.

MARAC, filed by the police (personas.owner):
    2024-04-10, 2024-05-20, 2024-06-10   2024/25, before the same point
    2024-06-20                           2024/25, after it
    2025-03-31 23:30                     the last half hour of 2024/25
    2025-04-01 00:30                     the first half hour of 2025/26 (23:30 UTC on 31 March!)
    2025-04-15, 2025-05-01, 2025-06-01   2025/26
MARAC, filed by housing (personas.outsider): 2024-05-10, 2025-05-10 (shared with the hospital)
Youth violence, filed by the hospital (personas.shared): knife 2025-04-20, gunshot 2025-05-05, other 2024-04-20
Plus a draft (never counted) and an HSB referral filed by children's services in 2025-05.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from referrals.models import Ethnicity, Gender, IncidentType, Pathway, SexualOrientation, YesNoUnknown
from tests import factories
from tests.factories import london

TODAY = datetime.date(2025, 6, 15)


@dataclass
class ReportWorld:
    personas: object
    marac_police: list
    marac_housing: list
    yv: list
    hsb: list


@pytest.fixture
def report_world(personas) -> ReportWorld:
    """The reports read the report tally: counted (empty) before any referral, so that what follows is kept in
    it by the services' own refreshes, as in production."""
    from referrals.reporting.tally import tally_rebuild

    tally_rebuild()
    p = personas
    make = factories.make_reported_referral
    police_dates = [
        london(2024, 4, 10),
        london(2024, 5, 20),
        london(2024, 6, 10),
        london(2024, 6, 20),
        london(2025, 3, 31, 23, 30),
        london(2025, 4, 1, 0, 30),
        london(2025, 4, 15),
        london(2025, 5, 1),
        london(2025, 6, 1),
    ]
    victims = [
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.WHITE_BRITISH},
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.BLACK_AFRICAN},
        {"gender": Gender.MALE, "ethnicity": Ethnicity.WHITE_BRITISH},
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.UNKNOWN},
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.WHITE_BRITISH},
        # 2025/26 from here
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.ASIAN_INDIAN, "disability": YesNoUnknown.YES},
        {
            "gender": Gender.MALE,
            "ethnicity": Ethnicity.WHITE_BRITISH,
            "sexual_orientation": SexualOrientation.GAY_LESBIAN,
        },
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.PREFER_NOT, "trans": YesNoUnknown.YES},
        {"gender": Gender.FEMALE, "ethnicity": Ethnicity.WHITE_IRISH, "disability": YesNoUnknown.UNKNOWN},
    ]
    marac_police = [
        make(p.owner, pathway=Pathway.MARAC, submitted_at=at, **victim)
        for at, victim in zip(police_dates, victims, strict=True)
    ]
    marac_housing = [
        make(p.outsider, pathway=Pathway.MARAC, submitted_at=london(2024, 5, 10), gender=Gender.FEMALE),
        make(
            p.outsider,
            pathway=Pathway.MARAC,
            submitted_at=london(2025, 5, 10),
            share_with=p.hospital,
            gender=Gender.FEMALE,
            disability=YesNoUnknown.YES,
        ),
    ]
    yv = [
        make(
            p.shared,
            pathway=Pathway.YOUTH_VIOLENCE,
            submitted_at=london(2025, 4, 20),
            incident_type=IncidentType.KNIFE_INJURY,
        ),
        make(
            p.shared,
            pathway=Pathway.YOUTH_VIOLENCE,
            submitted_at=london(2025, 5, 5),
            incident_type=IncidentType.GUNSHOT_INJURY,
        ),
        make(p.shared, pathway=Pathway.YOUTH_VIOLENCE, submitted_at=london(2024, 4, 20)),
    ]
    hsb = [make(p.hsb_coordinator, pathway=Pathway.HSB, submitted_at=london(2025, 5, 20))]
    factories.make_draft(p.owner, Pathway.MARAC)  # never counted
    return ReportWorld(personas=p, marac_police=marac_police, marac_housing=marac_housing, yv=yv, hsb=hsb)
