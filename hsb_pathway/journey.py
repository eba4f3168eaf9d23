"""The HSB pathway's pages in the filing journey, and its sections on the case page (referrals.registry)."""

from __future__ import annotations

from django.utils import timezone

from hsb_pathway import selectors, services
from hsb_pathway.forms import HsbBehaviourForm, HsbScreeningForm
from hsb_pathway.models import HsbDetail, brook_problems
from referrals import registry
from referrals.journey import rows
from referrals.models import Pathway, Referral
from referrals.registry import CaseSection, JourneyStep

BEHAVIOUR_SUMMARY = [
    "age_at_behaviour",
    "concern",
    "setting",
    "victim_identified",
    "victim_age",
    "victim_relationship",
    "parents_told",
    "police_reference",
]
SCREENING_SUMMARY = ["brook_rating", "brook_age_band", "brook_extended", "hackett_category"]


def _instance(referral: Referral) -> HsbDetail:
    return selectors.detail_of(referral) or HsbDetail(referral=referral)


def _behaviour_kwargs(referral: Referral) -> dict:
    subject = referral.subject
    age = subject.age_on(timezone.localdate()) if subject and subject.date_of_birth else None
    return {"instance": _instance(referral), "subject_age": age}


def _save(section: str):
    def save(*, referral, form, actor, expected_version):
        services.hsb_detail_save(
            referral=referral, actor=actor, detail=form.instance, expected_version=expected_version, section=section
        )

    return save


def _screening_summary(referral: Referral) -> list[tuple[str, str]]:
    detail = selectors.detail_of(referral)
    result = rows(detail, SCREENING_SUMMARY)
    if detail is not None and detail.hackett_category and brook_problems(detail):
        result.append(("Needs checking", next(iter(brook_problems(detail).values()))))
    return result


BEHAVIOUR_STEP = JourneyStep(
    slug="hsb-behaviour",
    title="The behaviour of concern",
    form_class=HsbBehaviourForm,
    form_kwargs=_behaviour_kwargs,
    save=_save("HSB behaviour of concern"),
    summary=lambda r: rows(selectors.detail_of(r), BEHAVIOUR_SUMMARY),
    is_complete=lambda r: selectors.detail_of(r) is not None,
    hint="About the harmful sexual behaviour itself. You described the wider concerns earlier.",
)

SCREENING_STEP = JourneyStep(
    slug="hsb-screening",
    title="Brook traffic light and Hackett continuum",
    form_class=HsbScreeningForm,
    form_kwargs=lambda r: {"instance": _instance(r)},
    save=_save("HSB screening"),
    summary=_screening_summary,
    is_complete=lambda r: (d := selectors.detail_of(r)) is not None and d.screening_complete,
    hint="Rate the behaviour against the Brook Sexual Behaviours Traffic Light Tool for the person's age band, and "
    "place it on Hackett's continuum.",
)

STEPS = [BEHAVIOUR_STEP, SCREENING_STEP]


def _referral_section(referral: Referral, user) -> dict:
    return {
        "behaviour_rows": BEHAVIOUR_STEP.summary(referral),
        "screening_rows": SCREENING_STEP.summary(referral),
        "steps": STEPS,
    }


def _pathway_section(referral: Referral, user) -> dict:
    return {"summary": selectors.pathway_summary(referral, user)}


SECTIONS = [
    CaseSection(
        slug="hsb-referral",
        title="Harmful sexual behaviour referral",
        template="hsb_pathway/sections/referral.html",
        context=_referral_section,
    ),
    CaseSection(
        slug="hsb-pathway",
        title="HSB pathway",
        template="hsb_pathway/sections/pathway.html",
        context=_pathway_section,
    ),
]


def register() -> None:
    registry.register_steps(Pathway.HSB, STEPS)
    registry.register_sections(Pathway.HSB, SECTIONS, prefetch=["hsb", "hsb_strategy", "hsb_strategy__lead_agency"])
