"""Synthetic HSB demo data, called by `manage.py seed_demo` after referrals.demo has made the demo referrals.

Every demo HSB referral gets its pathway details; the live ones are spread over every stage with what each
stage records (strategy discussions, AIM3 re-assessments showing progress, interventions, reviews) and some
carry orders with variations, renewals, breaches and a discharge. Rows are back-dated, so they are written with
model saves (full_clean first, history attributed to the demo user) rather than the services, which stamp "now",
as referrals.demo does. Safe to run again: a referral that already has HSB details is left alone.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.demo import Partnership
from hsb_pathway.models import (
    AIM3_DOMAINS,
    AIM3_MAX_AGE,
    AIM3_MIN_AGE,
    Assessment,
    AssessmentKind,
    BrookAgeBand,
    BrookRating,
    ClosureReason,
    FamilyEngagement,
    HackettCategory,
    HsbDetail,
    Intervention,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderKind,
    ParentsTold,
    PlanType,
    Review,
    ReviewOutcome,
    Route,
    Setting,
    Stage,
    StrategyDiscussion,
)
from referrals.demo import demo_event, demo_save
from referrals.models import (
    Pathway,
    Referral,
    Status,
    YesNoUnknown,
)
from svd_portal.lib.working_days import add_working_days

CONCERNS = [
    "Synthetic demo: sexualised comments and touching towards a younger pupil at break times.",
    "Synthetic demo: sharing sexual images of a classmate in a group chat.",
    "Synthetic demo: sexual behaviour towards a younger cousin during family visits.",
    "Synthetic demo: persistent sexualised language and exposure in the community.",
    "Synthetic demo: online contact with younger children asking for images.",
]
RELATIONSHIPS = ["Younger pupil", "Classmate", "Cousin", "Neighbour", "Met online", "Sibling"]
LIVE_STAGES = [Stage.STRATEGY, Stage.ASSESSMENT, Stage.INTERVENTION, Stage.REVIEW]
HUB_USER = "hsb.coordinator"


def _age(referral: Referral, day: datetime.date) -> int:
    subject = referral.subject
    if subject is None or subject.age_on(day) is None:
        return 15
    return subject.age_on(day)


def _brook(age: int, rng: random.Random) -> tuple[str, str, bool]:
    if age < 13:
        return rng.choice([BrookRating.AMBER, BrookRating.RED]), BrookAgeBand.BAND_9_13, False
    if age <= 17:
        return rng.choice([BrookRating.AMBER, BrookRating.RED, BrookRating.RED]), BrookAgeBand.BAND_13_17, False
    if age <= 25 and rng.random() < 0.4:
        return BrookRating.RED, BrookAgeBand.BAND_13_17, True
    return "", "", False


def _details(referral: Referral, rng: random.Random, actor) -> HsbDetail:
    received = timezone.localtime(referral.received_at or referral.created_at).date()
    age = min(_age(referral, received), 120)
    rating, band, extended = _brook(age, rng)
    victim = rng.random() < 0.8
    return demo_save(
        HsbDetail(
            referral=referral,
            age_at_behaviour=age,
            concern=rng.choice(CONCERNS),
            setting=rng.choice(Setting.values),
            victim_identified=YesNoUnknown.YES if victim else YesNoUnknown.UNKNOWN,
            victim_age=max(4, age - rng.randint(1, 6)) if victim else None,
            victim_relationship=rng.choice(RELATIONSHIPS) if victim else "",
            parents_told=(rng.choice([ParentsTold.YES, ParentsTold.YES, ParentsTold.NO]))
            if age < 18
            else ParentsTold.NOT_APPLICABLE,
            police_reference=f"01/{rng.randint(100000, 999999)}/{received:%y}" if rng.random() < 0.5 else "",
            brook_rating=rating,
            brook_age_band=band,
            brook_extended=extended,
            hackett_category=rng.choice(
                [HackettCategory.PROBLEMATIC, HackettCategory.ABUSIVE, HackettCategory.ABUSIVE, HackettCategory.VIOLENT]
            ),
            stage=Stage.STRATEGY,
            stage_changed_at=referral.received_at or referral.created_at,
        ),
        actor,
        clean=True,
    )


def _target_stage(referral: Referral, index: int, today: datetime.date) -> str:
    """Live cases cycle through the stages so that every stage has cases, as far as their age allows."""
    if referral.status == Status.CLOSED:
        return Stage.CLOSED
    if referral.status not in {Status.ACCEPTED, Status.OPEN}:
        return Stage.STRATEGY
    days = (today - timezone.localtime(referral.received_at).date()).days
    reachable = 1 + (days >= 10) + (days >= 40) + (days >= 80)
    return LIVE_STAGES[min(index % len(LIVE_STAGES), reachable - 1)]


def _clamp(day: datetime.date, today: datetime.date) -> datetime.date:
    return min(day, today)


def _stages(referral, target, rng, hub, today, providers) -> tuple[int, StrategyDiscussion | None]:
    """Record what each stage up to `target` records, back-dated after the referral was received. Returns the
    number of assessments made and the strategy discussion (None if there is none yet). `providers`: the
    agencies an intervention may be provided by."""
    assessments = 0
    received = timezone.localtime(referral.received_at).date()
    if referral.status in {Status.SUBMITTED, Status.DECLINED} and rng.random() < 0.5:
        return assessments, None  # still waiting for (or never reached) a strategy discussion
    late = rng.random() < 0.2
    held = _clamp(add_working_days(received, 2 if late else 1), today)
    route = (
        Route.NO_FURTHER_ACTION
        if target == Stage.CLOSED and rng.random() < 0.3
        else rng.choice([Route.CHILD_PROTECTION, Route.CRIMINAL_JUSTICE, Route.BOTH, Route.EARLY_HELP])
    )
    strategy = demo_save(
        StrategyDiscussion(
            referral=referral,
            held_on=held,
            participants="Synthetic demo: children's social care, police, youth justice service, school",
            route=route,
            lead_agency=hub.membership.agency,
            decisions="Synthetic demo: safety plan at school; AIM3 assessment to be arranged.",
        ),
        hub,
        clean=True,
    )
    demo_event(
        referral,
        hub,
        "Strategy discussion recorded" + (" (held after the one working day target)" if late else ""),
        held,
    )
    order = [Stage.STRATEGY, Stage.ASSESSMENT, Stage.INTERVENTION, Stage.REVIEW]
    reach = order.index(target) if target != Stage.CLOSED else (0 if route == Route.NO_FURTHER_ACTION else 3)
    day = held
    if reach >= 1:
        day = _clamp(held + datetime.timedelta(days=rng.randint(7, 14)), today)
        assessments += _assessments(referral, rng, hub, day, today, many=reach >= 2)
    if reach >= 2:
        start = _clamp(day + datetime.timedelta(days=rng.randint(5, 15)), today)
        ended = target == Stage.CLOSED
        demo_save(
            Intervention(
                referral=referral,
                plan_type=rng.choice(PlanType.values),
                plan="Synthetic demo: weekly sessions on healthy relationships and consent; supervision at school.",
                provider_agency=rng.choice(providers),
                start_on=start,
                end_on=_clamp(start + datetime.timedelta(days=rng.randint(60, 120)), today) if ended else None,
                sessions_attended=min(40, max(0, (today - start).days // 7)),
                family_engagement=rng.choice(FamilyEngagement.values),
            ),
            hub,
            clean=True,
        )
        demo_event(referral, hub, "Safety or care plan recorded", start)
        day = start
    if reach >= 3:
        first = day + datetime.timedelta(days=42)
        if first <= today:
            demo_save(
                Review(
                    referral=referral,
                    scheduled_for=first,
                    held_on=first,
                    outcome=ReviewOutcome.CLOSE if target == Stage.CLOSED else ReviewOutcome.CONTINUE,
                    notes="Synthetic demo: engaging well; risk reducing.",
                ),
                hub,
                clean=True,
            )
            demo_event(referral, hub, "Review outcome recorded", first)
        if target != Stage.CLOSED:
            demo_save(
                Review(referral=referral, scheduled_for=today + datetime.timedelta(days=rng.randint(7, 42))),
                hub,
                clean=True,
            )
    return assessments, strategy


def _assessments(referral, rng, hub, first, today, *, many: bool) -> int:
    """AIM3 for 12 to 18 year olds, re-scored every three months and improving; another assessment otherwise."""
    count, day = 0, first
    ratings = [rng.randint(1, 2) for _ in AIM3_DOMAINS]
    while day <= today and count < (4 if many else 1):
        age = _age(referral, day)
        if AIM3_MIN_AGE <= age <= AIM3_MAX_AGE:
            assessment = Assessment(
                referral=referral,
                kind=AssessmentKind.AIM3,
                assessed_on=day,
                assessor="Synthetic demo: AIM3-trained practitioner",
                summary="Synthetic demo: formulation sets targets for supervision and for work on consent.",
                next_assessment_on=day + datetime.timedelta(days=91),
                **{name: rating for (name, _), rating in zip(AIM3_DOMAINS, ratings, strict=True)},
            )
        else:
            assessment = Assessment(
                referral=referral,
                kind=AssessmentKind.OTHER,
                assessed_on=day,
                assessor="Synthetic demo: specialist practitioner",
                tool_used="Specialist adult risk assessment",
                outcome="Synthetic demo: medium-term work on boundaries recommended.",
                next_assessment_on=day + datetime.timedelta(days=182),
            )
        demo_save(assessment, hub, clean=True)
        demo_event(
            referral,
            hub,
            "AIM3 assessment recorded" if assessment.kind == AssessmentKind.AIM3 else "Assessment recorded",
            day,
        )
        count += 1
        ratings = [min(5, r + rng.choice([0, 1, 1])) for r in ratings]
        day += datetime.timedelta(days=91)
    return count


def _orders(referral, rng, actor, today) -> int:
    """An order or two on the more serious cases, with variations, renewals, breaches and now and then a discharge."""
    received = timezone.localtime(referral.received_at).date()
    made_on = _clamp(received + datetime.timedelta(days=rng.randint(20, 120)), today)
    kind = rng.choice([OrderKind.SHPO, OrderKind.SHPO, OrderKind.SRO, OrderKind.INTERIM_SHPO, OrderKind.INTERIM_SRO])
    indefinite = kind == OrderKind.SHPO and rng.random() < 0.5
    years = {OrderKind.SHPO: 5, OrderKind.SRO: 2}.get(kind)
    end_on = (
        None
        if indefinite
        else made_on + (datetime.timedelta(days=365 * years) if years else datetime.timedelta(days=90))
    )
    order = demo_save(
        Order(
            referral=referral,
            kind=kind,
            made_on=made_on,
            applicant_agency=actor.membership.agency,
            court="Synthetic demo: Outer Borough Magistrates' Court",
            end_on=end_on,
            indefinite=indefinite,
            prohibitions="Synthetic demo: no unsupervised contact with children under 16; internet use monitored.",
        ),
        actor,
        clean=True,
    )
    demo_event(referral, actor, f"{order.get_kind_display()} recorded", made_on)
    happened = made_on + datetime.timedelta(days=rng.randint(30, 200))
    if happened < today:
        kind_of_event = rng.choice([OrderEventKind.VARIATION, OrderEventKind.BREACH, OrderEventKind.BREACH])
        new_end = None
        if kind_of_event == OrderEventKind.VARIATION and end_on:
            new_end = max(end_on, happened + datetime.timedelta(days=60))
        demo_save(
            OrderEvent(
                order=order,
                referral=referral,
                kind=kind_of_event,
                happened_on=happened,
                details="Synthetic demo: contact with a child at a park reported by a neighbour."
                if kind_of_event == OrderEventKind.BREACH
                else "Synthetic demo: prohibition on internet use narrowed to unmonitored devices.",
                new_end_on=new_end,
            ),
            actor,
            clean=True,
        )
        if new_end:
            order.end_on = new_end
            demo_save(order, actor, clean=True)
        demo_event(referral, actor, f"{order.get_kind_display()}: {kind_of_event.label.lower()} recorded", happened)
    if kind in {OrderKind.INTERIM_SHPO, OrderKind.INTERIM_SRO} and order.end_on and order.end_on < today:
        renewal = order.end_on - datetime.timedelta(days=7)
        if renewal > made_on and renewal < today:
            new_end = renewal + datetime.timedelta(days=120)
            demo_save(
                OrderEvent(
                    order=order,
                    referral=referral,
                    kind=OrderEventKind.RENEWAL,
                    happened_on=renewal,
                    details="Synthetic demo: interim order renewed pending the full hearing.",
                    new_end_on=new_end,
                ),
                actor,
                clean=True,
            )
            order.end_on = new_end
            demo_save(order, actor, clean=True)
    if kind == OrderKind.SRO and rng.random() < 0.5:
        discharge = made_on + datetime.timedelta(days=400)
        if discharge < today:
            # Not an SHPO, so no consent rule; an SHPO discharge below is made with both consents.
            demo_save(
                OrderEvent(order=order, referral=referral, kind=OrderEventKind.DISCHARGE, happened_on=discharge),
                actor,
                clean=True,
            )
            order.discharged_on = discharge
            demo_save(order, actor, clean=True)
    if kind == OrderKind.SHPO and rng.random() < 0.25:
        discharge = made_on + datetime.timedelta(days=600)
        if discharge < today:
            demo_save(
                OrderEvent(
                    order=order,
                    referral=referral,
                    kind=OrderEventKind.DISCHARGE,
                    happened_on=discharge,
                    details="Synthetic demo: discharged early with the consent of the person and the police.",
                    person_consented=True,
                    police_consented=True,
                ),
                actor,
                clean=True,
            )
            order.discharged_on = discharge
            demo_save(order, actor, clean=True)
    return 1


def seed(partnership: Partnership, *, seed: int = 5) -> str:
    users = partnership.users
    hub = users.get(HUB_USER)
    if hub is None:
        return "no HSB hub coordinator in the demo partnership"
    police = users["police.caseworker"]
    yjs = partnership.agencies.get("OBYJS")
    providers = [hub.membership.agency, *([yjs] if yjs else [])]  # who provides an intervention
    rng = random.Random(seed)
    today = timezone.localdate()
    referrals = list(
        Referral.objects.filter(pathway=Pathway.HSB, referrer__in=[u.pk for u in users.values()], hsb__isnull=True)
        .select_related("owner_agency", "referrer")
        .prefetch_related("people")
        .order_by("created_at", "id")
    )
    stages: dict[str, int] = {}
    assessments = orders = live = 0
    for referral in referrals:
        detail = _details(referral, rng, referral.referrer)
        if referral.status == Status.DRAFT:
            continue
        target = _target_stage(referral, live, today)
        if referral.status in {Status.ACCEPTED, Status.OPEN}:
            live += 1
        assessed, strategy = _stages(referral, target, rng, hub, today, providers)
        assessments += assessed
        if target == Stage.CLOSED:
            no_further_action = strategy is None or strategy.route == Route.NO_FURTHER_ACTION
            detail.closed_from_stage = Stage.STRATEGY if no_further_action else Stage.REVIEW
            detail.closure_reason = (
                ClosureReason.NO_FURTHER_ACTION
                if no_further_action
                else rng.choice([ClosureReason.COMPLETED, ClosureReason.COMPLETED, ClosureReason.OTHER_AREA])
            )
            detail.closure_details = "Synthetic demo: " + (referral.close_reason or "plan completed.")
        detail.stage = target
        if target != Stage.STRATEGY:
            detail.stage_changed_at = referral.closed_at or timezone.now()
        demo_save(detail, hub, clean=True)
        stages[target] = stages.get(target, 0) + 1
        serious = detail.hackett_category in {HackettCategory.ABUSIVE, HackettCategory.VIOLENT}
        if referral.status in {Status.ACCEPTED, Status.OPEN, Status.CLOSED} and serious and rng.random() < 0.35:
            orders += _orders(referral, rng, police, today)
    if not referrals:
        return "HSB demo data already present"
    spread = ", ".join(f"{Stage(s).label.lower()} {n}" for s, n in sorted(stages.items()))
    return f"{len(referrals)} HSB cases given details ({spread}); {assessments} assessments; {orders} with orders"
