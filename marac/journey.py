"""How the MARAC pathway plugs into the core: its filing-journey pages, its case-page section, its access provider,
restricted fields, navigation and the submission hook. Registered from MaracConfig.ready()."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse

from accounts import permissions
from marac import dash, reporting, selectors, services
from marac.forms import DashForm, MaracDetailForm, MaracSafetyForm
from marac.models import DashAssessment, InfoSource, MaracDetail
from referrals import registry
from referrals.journey import rows
from referrals.models import Pathway, PersonRole, Referral, Status
from referrals.registry import CaseSection, JourneyStep
from referrals.reporting.models import ReportMeasure

DETAIL_FIELDS = [
    "perpetrator_relationship",
    "children_in_household",
    "incidents_last_12_months",
    "previous_marac",
    "previous_marac_details",
    "judged_band",
    "judgement_rationale",
]


def _detail(referral: Referral) -> MaracDetail:
    return services.detail_of(referral) or MaracDetail(referral=referral)


def _perpetrators(referral: Referral) -> list:
    return [p for p in referral.people.all() if p.role == PersonRole.ALLEGED_PERPETRATOR]


# --- The DASH checklist ---------------------------------------------------------------------------


def _dash_kwargs(referral: Referral) -> dict:
    current = services.current_assessment(referral)
    if current is None or referral.status != Status.DRAFT:
        return {}  # after submission each save is a fresh re-assessment
    return {
        "answers": current.answers,
        "info_source": current.info_source,
        "info_source_detail": current.info_source_detail,
    }


def _dash_save(*, referral, form, actor, expected_version):
    services.dash_assessment_save(
        referral=referral,
        actor=actor,
        answers=form.answers(),
        info_source=form.cleaned_data["info_source"],
        info_source_detail=form.cleaned_data.get("info_source_detail", ""),
        expected_version=expected_version,
    )


def _numbers(answers: dict, value: str) -> str:
    keys = dash.keys_for(dash.FORM_VERSION)
    picked = [str(i) for i, key in enumerate(keys, start=1) if answers.get(key) == value]
    return ", ".join(picked) or "None"


def dash_summary(referral: Referral) -> list[tuple[str, str]]:
    current = services.current_assessment(referral)
    if current is None:
        return []
    source = current.get_info_source_display()
    if current.info_source == InfoSource.OTHER:
        source = f"{source}: {current.info_source_detail}"
    return [
        ("DASH score", f"{current.score} of {dash.QUESTION_COUNT}"),
        ("Risk level from the score", current.get_band_display()),
        ("Questions answered yes", _numbers(current.answers, dash.Answer.YES)),
        ("Questions answered don't know", _numbers(current.answers, dash.Answer.DONT_KNOW)),
        ("Who gave the answers", source),
    ]


DASH_STEP = JourneyStep(
    slug="dash",
    title="DASH risk checklist",
    form_class=DashForm,
    form_kwargs=_dash_kwargs,
    save=_dash_save,
    summary=dash_summary,
    is_complete=lambda r: services.current_assessment(r) is not None,
    template="marac/journey/dash.html",
    hint="Ask every question. The score is the number of 'yes' answers and is worked out for you.",
)


# --- MARAC referral details -----------------------------------------------------------------------


def _details_kwargs(referral: Referral) -> dict:
    current = services.current_assessment(referral)
    return {
        "instance": _detail(referral),
        "dash_band": current.band if current else "",
        "dash_score": current.score if current else None,
    }


def _details_save(*, referral, form, actor, expected_version):
    services.marac_detail_save(
        referral=referral,
        actor=actor,
        detail=form.instance,
        expected_version=expected_version,
        section="MARAC referral details",
    )


def details_summary(referral: Referral) -> list[tuple[str, str]]:
    detail = services.detail_of(referral)
    names = ", ".join(p.full_name for p in _perpetrators(referral))
    result = [("Alleged perpetrators", names or "None recorded: add them on 'Other people involved'")]
    if detail is None:
        return result
    result += rows(detail, DETAIL_FIELDS)
    criteria = services.referral_criteria(referral)
    result.append(("Risk level", criteria.band_label))
    result.append(("MARAC criteria met", ", ".join(criteria.met) or "None yet (a repeat is checked on submission)"))
    return result


def _details_complete(referral: Referral) -> bool:
    detail = services.detail_of(referral)
    return detail is not None and detail.details_complete and bool(_perpetrators(referral))


DETAILS_STEP = JourneyStep(
    slug="marac-details",
    title="MARAC referral details",
    form_class=MaracDetailForm,
    form_kwargs=_details_kwargs,
    save=_details_save,
    summary=details_summary,
    is_complete=_details_complete,
    template="marac/journey/details.html",
)


# --- Safety and contact (restricted) --------------------------------------------------------------


def _safety_save(*, referral, form, actor, expected_version):
    services.marac_detail_save(
        referral=referral,
        actor=actor,
        detail=form.instance,
        expected_version=expected_version,
        section="safety and contact",
        check_judgement=False,
    )


def safety_summary(referral: Referral) -> list[tuple[str, str]]:
    detail = services.detail_of(referral)
    return rows(detail, MaracDetail.RESTRICTED_FIELDS) if detail else []


SAFETY_STEP = JourneyStep(
    slug="marac-safety",
    title="Safety and who to contact",
    form_class=MaracSafetyForm,
    form_kwargs=lambda r: {"instance": _detail(r)},
    save=_safety_save,
    summary=safety_summary,
    is_complete=lambda r: (services.detail_of(r) or MaracDetail()).safety_complete,
    hint="Only the referring agency, the IDVA service and MARAC coordinators can see these answers.",
    # After submission these restricted answers are changed on marac:safety, which checks who may see them.
    editable_after_submit=False,
)


# --- The case page --------------------------------------------------------------------------------


# The DASH checklists, newest first, loaded with the referral on the case and journey pages: the section lists
# them and services.current_assessment reads the latest from them instead of asking again.
ASSESSMENTS_PREFETCH = Prefetch(
    "dash_assessments", queryset=DashAssessment.objects.select_related("completed_by").order_by("-completed_at", "-id")
)


def idva_contact_summary(detail: MaracDetail | None) -> str:
    if detail is None or not detail.idva_contact:
        return "Not recorded yet"
    return f"{detail.idva_contact_on:%-d %B %Y}: {detail.get_idva_contact_display()}"


def case_section_context(referral: Referral, user) -> dict:
    restricted = permissions.can_view_restricted(user, referral)
    detail = services.detail_of(referral)
    coordinator = permissions.is_marac_coordinator(user)
    assessments = list(referral.dash_assessments.all())  # prefetched with the case (ASSESSMENTS_PREFETCH)
    return {
        "criteria": services.referral_criteria(referral),
        "assessments": assessments,
        "dash_rows": dash_summary(referral),
        "detail": detail,
        "detail_rows": details_summary(referral) if detail else [],
        "show_restricted": restricted,
        "safety_rows": safety_summary(referral) if restricted else [],
        "idva_contact": idva_contact_summary(detail),
        "can_record_idva_contact": permissions.can_record_idva_contact(user, referral),
        "is_coordinator": coordinator,
        "possible_repeats": selectors.possible_repeats_for_referral(referral) if coordinator else [],
        "listings": list(
            referral.marac_listings.select_related("meeting").order_by("-meeting__date", "-id") if coordinator else []
        ),
        "dash_step": DASH_STEP,
        "details_step": DETAILS_STEP,
    }


def register() -> None:
    registry.register_steps(Pathway.MARAC, [DASH_STEP, DETAILS_STEP, SAFETY_STEP])
    registry.register_sections(
        Pathway.MARAC,
        [CaseSection(slug="marac", title="MARAC", template="marac/sections/case.html", context=case_section_context)],
        prefetch=["marac", ASSESSMENTS_PREFETCH],
    )
    registry.register_restricted_fields("marac.MaracDetail", MaracDetail.RESTRICTED_FIELDS)
    # Why a possible repeat was suspected says that an earlier case may exist: not for every viewer's history.
    registry.register_restricted_fields("marac.PossibleRepeat", ["reason", "decision_note"])
    registry.register_access_provider(permissions.marac_referral_access)
    registry.register_report_measure(
        ReportMeasure.MARAC_REPEAT_RATE,
        registry.ReportMeasureProvider(
            totals=reporting.marac_repeat_totals,
            monthly=reporting.marac_repeat_monthly,
            rate_facts=reporting.REPEAT_RATE_FACTS,
        ),
    )
    registry.register_report_repeat(reporting.repeats)
    registry.register_transition_hook(services.marac_transition_hook)
    registry.register_navigation("MARAC meetings", lambda: reverse("marac:meetings"), permissions.can_view_meetings)
    registry.register_navigation("MARAC actions", lambda: reverse("marac:actions"), permissions.can_see_cases)
