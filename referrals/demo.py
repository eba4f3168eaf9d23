"""Synthetic demo referrals: a few hundred invented cases over the last 30 months.

Rows are written with model saves (so simple-history records them, attributed to the demo referrer) and
access goes through accounts.permissions.referral_access_sync, exactly as the services leave them. The
services themselves stamp "now", which a back-dated demo cannot use.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts import permissions
from accounts.demo import Partnership
from referrals import services
from referrals.models import (
    ConsentGiven,
    Engagement,
    Ethnicity,
    EventKind,
    Gender,
    IncidentLocation,
    IncidentType,
    InjurySeverity,
    LawfulBasis,
    Pathway,
    Person,
    PersonRole,
    Programme,
    ReferenceCounter,
    Referral,
    ReferralEvent,
    ReferralShare,
    SexualOrientation,
    ShareLevel,
    Status,
    Weapon,
    YesNoUnknown,
    YouthViolenceDetail,
    YVOutcome,
    YVRole,
)

FIRST_NAMES = [
    "Ada",
    "Bex",
    "Cal",
    "Dani",
    "Eli",
    "Fen",
    "Gus",
    "Hal",
    "Isla",
    "Jem",
    "Kit",
    "Lou",
    "Mo",
    "Nell",
    "Oz",
    "Pip",
    "Remy",
    "Sol",
    "Tam",
    "Uma",
    "Vik",
    "Wren",
    "Xan",
    "Yas",
    "Zef",
]
LAST_NAMES = [
    "Ashgrove",
    "Birchmere",
    "Coldharbour",
    "Dunwold",
    "Elmstead",
    "Fernhollow",
    "Greywater",
    "Hazelmoor",
    "Ivybridge-Lane",
    "Juniperfield",
    "Kestrelby",
    "Larkspur",
    "Millbeck",
    "Nettleham",
    "Oakhurst",
    "Pebblecombe",
    "Quillworth",
    "Rushmere",
    "Sallowfield",
    "Thornbury-Vale",
]
SUMMARIES = {
    Pathway.MARAC: "Synthetic demo case. Police attended a domestic incident; the victim reports escalating "
    "controlling behaviour and threats.",
    Pathway.HSB: "Synthetic demo case. School staff raised concerns about sexualised behaviour towards a "
    "younger pupil.",
    Pathway.YOUTH_VIOLENCE: "Synthetic demo case. Young person attended A&E after an assault in a public space.",
}

# Which demo agencies refer on which pathway, and who files for them.
REFERRERS = {
    Pathway.MARAC: [("OBP", "police.caseworker")] * 6
    + [("SHDAS", "idva.caseworker"), ("OBH", "health.caseworker"), ("OBC-HSG", "housing.caseworker")],
    Pathway.HSB: [("HCA", "school.caseworker"), ("OBC-CS", "childrens.caseworker"), ("OBP", "police.caseworker")],
    Pathway.YOUTH_VIOLENCE: [
        ("OBH", "health.caseworker"),
        ("OBP", "police.caseworker"),
        ("OBYJS", "yjs.caseworker"),
        ("HCA", "school.caseworker"),
    ],
}
HUB_ACTOR = {
    Pathway.MARAC: "marac.coordinator",
    Pathway.HSB: "hsb.coordinator",
    Pathway.YOUTH_VIOLENCE: "yjs.coordinator",
}


def _reference(year: int) -> str:
    from django.conf import settings

    counter, _ = ReferenceCounter.objects.get_or_create(year=year)
    counter.last += 1
    counter.save()
    return f"{settings.SVD_REFERENCE_PREFIX}-{year}-{counter.last:05d}"


def demo_event(referral, actor, summary, at, kind=EventKind.PATHWAY):
    """A timeline event back-dated to `at` (a datetime, or a date: mid-afternoon that day), as the services
    would have written it then. Shared by the pathway apps' demo data."""
    if isinstance(at, datetime.date) and not isinstance(at, datetime.datetime):
        at = datetime.datetime.combine(at, datetime.time(15, 0), tzinfo=timezone.get_default_timezone())
    ReferralEvent.objects.create(
        referral=referral, actor=actor, actor_agency=permissions.agency_of(actor), kind=kind, summary=summary, at=at
    )


def demo_save(instance, actor, *, clean: bool = False):
    """Save with the history attributed to `actor` (validated first with `clean`)."""
    if clean:
        instance.full_clean()
    instance._history_user = actor
    instance.save()
    return instance


def _share_basis(referral, target, level: str) -> str:
    """s16 where the share service would accept it (the duty's rule and the pathway's own); otherwise the basis
    the pathway's cases rest on (the Children Act for harmful sexual behaviour, consent for the rest)."""
    request = services.ShareRequest(agency=target, level=level, reason="-", lawful_basis=LawfulBasis.SVD_S16)
    if services.share_problem(referral=referral, request=request) is None:
        return LawfulBasis.SVD_S16
    return LawfulBasis.CHILDREN_ACT if referral.pathway == Pathway.HSB else LawfulBasis.CONSENT


def seed_referrals(partnership: Partnership, *, count: int = 300, seed: int = 2026) -> int:
    """Create `count` demo referrals unless demo referrals already exist. Returns how many were made."""
    users = partnership.users
    demo_users = [u.pk for u in users.values()]
    if Referral.objects.filter(referrer_id__in=demo_users).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    made = 0
    weights = [(Pathway.MARAC, 0.5), (Pathway.HSB, 0.2), (Pathway.YOUTH_VIOLENCE, 0.3)]
    for index in range(count):
        # More recent months get more referrals: the partnership's referrals are growing year on year.
        days_ago = int((rng.random() ** 1.35) * 910)
        created = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
        pathway = rng.choices([p for p, _ in weights], [w for _, w in weights])[0]
        short, local = rng.choice(REFERRERS[pathway])
        actor = users[local]
        hub_actor = users[HUB_ACTOR[pathway]]
        status = (
            Status.DRAFT
            if days_ago < 20 and rng.random() < 0.15
            else rng.choices(
                [Status.SUBMITTED, Status.ACCEPTED, Status.OPEN, Status.CLOSED, Status.DECLINED],
                [1, 2, 4, 4, 1] if days_ago > 60 else [4, 3, 3, 0.5, 0.5],
            )[0]
        )
        referral = Referral(
            pathway=pathway,
            owner_agency=partnership.agencies[short],
            referrer=actor,
            status=status,
            summary=SUMMARIES[pathway],
            subject_aware=rng.choice([YesNoUnknown.YES, YesNoUnknown.YES, YesNoUnknown.NO]),
            consent_given=rng.choice([ConsentGiven.YES, ConsentGiven.YES, ConsentGiven.NO]),
            created_at=created,
        )
        if referral.consent_given != ConsentGiven.YES:
            referral.consent_reason = "Synthetic demo: risk to the person outweighs the refusal."
            referral.lawful_basis = LawfulBasis.SVD_S16 if pathway != Pathway.HSB else LawfulBasis.CHILDREN_ACT
        if status != Status.DRAFT:
            referral.reference = _reference(created.year)
            referral.submitted_at = referral.received_at = created
        if status in {Status.ACCEPTED, Status.OPEN, Status.CLOSED}:
            referral.accepted_at = created + datetime.timedelta(days=rng.randint(0, 3))
        if status == Status.CLOSED:
            referral.closed_at = created + datetime.timedelta(days=rng.randint(20, 200))
            referral.close_reason = "Synthetic demo: plan completed."
        if status == Status.DECLINED:
            referral.decline_reason = "Synthetic demo: threshold not met; signposted to early help."
        demo_save(referral, actor)
        young = pathway != Pathway.MARAC
        age = rng.randint(12, 24) if young else rng.randint(17, 64)
        dob = (created - datetime.timedelta(days=age * 365 + rng.randint(0, 360))).date()
        subject = Person(
            referral=referral,
            role=PersonRole.SUBJECT,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            date_of_birth=dob,
            gender=(Gender.FEMALE if rng.random() < 0.92 else Gender.MALE)
            if pathway == Pathway.MARAC
            else (Gender.MALE if rng.random() < 0.8 else Gender.FEMALE),
            ethnicity=rng.choice(Ethnicity.values[:19] + [Ethnicity.WHITE_BRITISH] * 12),
            disability=rng.choice([YesNoUnknown.NO] * 8 + [YesNoUnknown.YES, YesNoUnknown.UNKNOWN]),
            sexual_orientation=rng.choice(
                [SexualOrientation.HETEROSEXUAL] * 15 + [SexualOrientation.BISEXUAL, SexualOrientation.GAY_LESBIAN]
            ),
            first_language="English",
            postcode=f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}ZZ",
            phone="01632 960" + f"{rng.randint(0, 999):03d}",
            safe_to_call=YesNoUnknown.YES,
        )
        demo_save(subject, actor)
        if pathway == Pathway.MARAC:
            demo_save(
                Person(
                    referral=referral,
                    role=PersonRole.ALLEGED_PERPETRATOR,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    relationship="Ex-partner",
                    date_of_birth=dob - datetime.timedelta(days=rng.randint(-900, 2500)),
                ),
                actor,
            )
        if pathway == Pathway.YOUTH_VIOLENCE:
            injury = rng.random()
            incident = (
                IncidentType.KNIFE_INJURY
                if injury < 0.35
                else IncidentType.GUNSHOT_INJURY
                if injury < 0.4
                else rng.choice([IncidentType.OTHER_ASSAULT, IncidentType.ROBBERY, IncidentType.EXPLOITATION])
            )
            demo_save(
                YouthViolenceDetail(
                    referral=referral,
                    role=rng.choice(YVRole.values),
                    age_at_referral=min(age, 24),
                    incident_date=created.date() - datetime.timedelta(days=rng.randint(0, 10)),
                    incident_type=incident,
                    weapon=Weapon.KNIFE
                    if incident == IncidentType.KNIFE_INJURY
                    else (Weapon.FIREARM if incident == IncidentType.GUNSHOT_INJURY else rng.choice(Weapon.values)),
                    injury_severity=rng.choice(InjurySeverity.values),
                    location=rng.choice(IncidentLocation.values),
                    hospital_attended=incident in {IncidentType.KNIFE_INJURY, IncidentType.GUNSHOT_INJURY},
                    hospital_name="Outer Borough General Hospital"
                    if incident in {IncidentType.KNIFE_INJURY, IncidentType.GUNSHOT_INJURY}
                    else "",
                    programme=rng.choice(Programme.values),
                    engagement=rng.choice(Engagement.values),
                    outcome=YVOutcome.ONGOING if status != Status.CLOSED else rng.choice(YVOutcome.values[1:]),
                    next_review_date=(created + datetime.timedelta(days=rng.randint(20, 90))).date(),
                    gang_association=rng.random() < 0.2,
                    exploitation=incident == IncidentType.EXPLOITATION,
                ),
                actor,
            )
        demo_event(referral, actor, "Draft started", created, kind=EventKind.CREATED)
        if status != Status.DRAFT:
            demo_event(referral, actor, "Submitted", created, kind=EventKind.SUBMITTED)
        if referral.accepted_at:
            demo_event(referral, hub_actor, "Accepted", referral.accepted_at, kind=EventKind.ACCEPTED)
        if status == Status.DECLINED:
            demo_event(referral, hub_actor, "Declined", created + datetime.timedelta(days=1), kind=EventKind.DECLINED)
        if status == Status.CLOSED:
            demo_event(referral, hub_actor, "Closed", referral.closed_at, kind=EventKind.CLOSED)
        if status not in {Status.DRAFT, Status.DECLINED} and rng.random() < 0.35:
            target = rng.choice([a for s, a in partnership.agencies.items() if s != short])
            level = rng.choice(ShareLevel.values)
            share = ReferralShare(
                referral=referral,
                agency=target,
                level=level,
                reason="Synthetic demo: agency holds relevant records.",
                lawful_basis=_share_basis(referral, target, level),
                shared_by=actor,
                shared_at=created + datetime.timedelta(days=1),
            )
            demo_save(share, actor)
            demo_event(referral, actor, f"Shared with {target.short_name}", share.shared_at, kind=EventKind.SHARED)
        permissions.referral_access_sync(referral)
        made += 1
        _ = index
    return made


def seed(partnership: Partnership) -> str:
    """Called by seed_demo after seed_referrals: the demo's reminders (issue 6, referrals.reminder_hooks) and
    retention periods."""
    from referrals.reminder_hooks import demo_seed
    from referrals.retention.demo import seed_rules

    return f"{demo_seed()}; {seed_rules(partnership.users['sysadmin'])}"
