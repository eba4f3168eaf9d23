"""The filing journey: the core question pages every pathway shares, then each pathway's own pages
(registered through referrals.registry), then "Check your answers"."""

from __future__ import annotations

from django.utils import timezone

from referrals import registry, services
from referrals.forms import ConcernsForm, ConsentForm, PersonForm, YouthViolenceForm
from referrals.models import Pathway, Person, PersonRole, Referral, YouthViolenceDetail
from referrals.registry import JourneyStep


def display(instance, name: str) -> str:
    """A field's value as a person would read it."""
    value = getattr(instance, name)
    getter = getattr(instance, f"get_{name}_display", None)
    if getter is not None and value not in (None, ""):
        return str(getter())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if hasattr(value, "strftime"):
        return value.strftime("%-d %B %Y")
    return "" if value is None else str(value)


def rows(instance, names: list[str]) -> list[tuple[str, str]]:
    if instance is None:
        return []
    meta = instance._meta
    return [(str(meta.get_field(n).verbose_name).capitalize(), display(instance, n)) for n in names]


# --- Core steps -----------------------------------------------------------------------------------

SUBJECT_SUMMARY = [
    "first_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "estimated_age",
    "gender",
    "ethnicity",
    "disability",
    "sexual_orientation",
    "first_language",
    "interpreter_needed",
    "address",
    "postcode",
    "phone",
    "safe_to_call",
    "safe_times",
    "gp",
    "school",
]


def _subject_kwargs(referral: Referral) -> dict:
    subject = referral.subject or Person(referral=referral, role=PersonRole.SUBJECT)
    return {"instance": subject, "subject": True}


def _save_instance(section: str):
    def save(*, referral, form, actor, expected_version):
        services.referral_part_save(
            referral=referral,
            actor=actor,
            instance=form.instance,
            expected_version=expected_version,
            section=section,
        )

    return save


def _save_referral_fields(section: str):
    def save(*, referral, form, actor, expected_version):
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        data = {k: ("" if v is None else v) for k, v in data.items()}
        services.referral_update(
            referral=referral, actor=actor, data=data, expected_version=expected_version, section=section
        )

    return save


def _people_summary(referral: Referral) -> list[tuple[str, str]]:
    others = [p for p in referral.people.all() if p.role != PersonRole.SUBJECT]
    if not others:
        return [("Other people", "None added")]
    return [(p.get_role_display(), f"{p.full_name}{f' ({p.relationship})' if p.relationship else ''}") for p in others]


SUBJECT_STEP = JourneyStep(
    slug="subject",
    title="The person the referral is about",
    form_class=PersonForm,
    form_kwargs=_subject_kwargs,
    save=_save_instance("subject"),
    summary=lambda r: rows(r.subject, SUBJECT_SUMMARY),
    is_complete=lambda r: r.subject is not None,
    template="referrals/journey/person.html",
)

PEOPLE_STEP = JourneyStep(
    slug="people",
    title="Other people involved",
    form_class=None,
    form_kwargs=lambda r: {},
    save=lambda **kw: None,
    summary=_people_summary,
    is_complete=lambda r: True,
    template="referrals/journey/people.html",
)

CONCERNS_STEP = JourneyStep(
    slug="concerns",
    title="Concerns",
    form_class=ConcernsForm,
    form_kwargs=lambda r: {"instance": r},
    save=_save_referral_fields("concerns"),
    summary=lambda r: [("Summary of concerns", r.summary)],
    is_complete=lambda r: bool(r.summary.strip()),
)

CONSENT_STEP = JourneyStep(
    slug="consent",
    title="Consent and information sharing",
    form_class=ConsentForm,
    form_kwargs=lambda r: {"instance": r},
    save=_save_referral_fields("consent"),
    summary=lambda r: rows(r, ["subject_aware", "consent_given", "consent_reason", "lawful_basis"]),
    is_complete=lambda r: bool(r.subject_aware and r.consent_given),
)

CORE_STEPS = [SUBJECT_STEP, PEOPLE_STEP, CONCERNS_STEP, CONSENT_STEP]


def steps_for(referral: Referral) -> list[JourneyStep]:
    steps = CORE_STEPS + registry.pathway_steps(referral.pathway)
    return [step for step in steps if step.applies(referral)]


def step_for(referral: Referral, slug: str) -> JourneyStep | None:
    return next((step for step in steps_for(referral) if step.slug == slug), None)


def next_step(referral: Referral, slug: str) -> JourneyStep | None:
    steps = steps_for(referral)
    slugs = [s.slug for s in steps]
    if slug not in slugs:
        return None
    index = slugs.index(slug)
    return steps[index + 1] if index + 1 < len(steps) else None


# --- Youth violence pathway -----------------------------------------------------------------------

YV_SUMMARY = YouthViolenceForm.Meta.fields


def _yv_instance(referral: Referral) -> YouthViolenceDetail:
    try:
        return referral.youth_violence
    except YouthViolenceDetail.DoesNotExist:
        return YouthViolenceDetail(referral=referral)


def _yv_kwargs(referral: Referral) -> dict:
    instance = _yv_instance(referral)
    subject = referral.subject
    age = subject.age_on(timezone.localdate()) if subject and subject.date_of_birth else None
    initial = {"age_at_referral": age} if instance.pk is None and age is not None else {}
    return {"instance": instance, "subject_age": age, "initial": initial}


def _yv_complete(referral: Referral) -> bool:
    return _yv_instance(referral).pk is not None


YV_STEP = JourneyStep(
    slug="youth-violence",
    title="Youth violence intervention",
    form_class=YouthViolenceForm,
    form_kwargs=_yv_kwargs,
    save=_save_instance("youth violence details"),
    summary=lambda r: rows(_yv_instance(r), YV_SUMMARY),
    is_complete=_yv_complete,
)


def register_youth_violence() -> None:
    registry.register_steps(Pathway.YOUTH_VIOLENCE, [YV_STEP])
    registry.register_sections(
        Pathway.YOUTH_VIOLENCE,
        [
            registry.CaseSection(
                slug="youth-violence",
                title="Youth violence intervention",
                template="referrals/sections/summary_rows.html",
                context=lambda referral, user: {"rows": YV_STEP.summary(referral), "step": YV_STEP},
            )
        ],
        prefetch=["youth_violence"],
    )
