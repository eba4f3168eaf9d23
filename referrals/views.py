"""Thin views: look up with permissions, bind a form, call one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.models import Agency
from referrals import journey, registry, selectors, services
from referrals.forms import (
    AccessLogFilterForm,
    CaseFilterForm,
    PathwayForm,
    PersonForm,
    RevokeForm,
    SearchForm,
    ShareForm,
    TransitionForm,
)
from referrals.models import AccessAction, Person, PersonRole, ReferralShare, Status
from referrals.retention import services as retention
from referrals.workflow import TRANSITIONS, InvalidTransition, transitions_from
from svd_portal.lib.csv_export import csv_response
from svd_portal.lib.forms import errors_to_form, posted_version

# --- Lists ----------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def case_list(request):
    permissions.require(permissions.can_see_cases(request.user))
    scope = "shared" if request.GET.get("scope") == "shared" else "mine"
    form = CaseFilterForm(request.GET or None)
    filters = selectors.CaseFilters()
    if form.is_bound and form.is_valid():
        start, end = form.date_range()
        filters = selectors.CaseFilters(
            pathway=form.cleaned_data["pathway"],
            status=form.cleaned_data["status"],
            received_from=start,
            received_to=end,
        )
    page = selectors.case_list(
        user=request.user, scope=scope, filters=filters, number=selectors.page_number(request.GET.get("page"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/case_list.html",
        {
            "page": page,
            "scope": scope,
            "shared": scope == "shared",
            "form": form,
            "search_form": SearchForm(),
            "query": query.urlencode(),
            "can_review_erasure": permissions.can_review_erasure(request.user),
        },
    )


@require_POST
def case_search(request):
    """Search by name is a POST so that no name ever appears in a URL, a log or a Referer header."""
    permissions.require(permissions.can_see_cases(request.user))
    form = SearchForm(request.POST)
    results = None
    if form.is_valid():
        results = selectors.case_search(user=request.user, query=form.cleaned_data["q"])
    numbers = [(case.display_reference, case.number_of) for case in results or [] if getattr(case, "number_of", None)]
    return render(
        request, "referrals/search_results.html", {"search_form": form, "results": results, "numbers": numbers}
    )


# --- Filing ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_start(request):
    permissions.require(permissions.can_file_referrals(request.user))
    form = PathwayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        referral = services.referral_create_draft(actor=request.user, pathway=form.cleaned_data["pathway"])
        first = journey.steps_for(referral)[0]
        return redirect("referrals:step", public_id=referral.public_id, slug=first.slug)
    return render(request, "referrals/journey/start.html", {"form": form})


def _step_url(referral, step, *, back_to_check: bool) -> str:
    url = reverse("referrals:step", kwargs={"public_id": referral.public_id, "slug": step.slug})
    return f"{url}?return=check" if back_to_check else url


def _after_step(referral, step, *, back_to_check: bool) -> HttpResponseRedirect:
    if referral.status != Status.DRAFT:
        return redirect("referrals:detail", public_id=referral.public_id)
    following = journey.next_step(referral, step.slug)
    if back_to_check or following is None:
        return redirect("referrals:check", public_id=referral.public_id)
    return redirect(_step_url(referral, following, back_to_check=False))


@require_http_methods(["GET", "POST"])
def referral_step(request, public_id, slug):
    referral = selectors.referral_for_edit(user=request.user, public_id=public_id)
    step = journey.step_for(referral, slug)
    if step is None:
        raise Http404("No such question page")
    if referral.status != Status.DRAFT and not step.editable_after_submit:
        raise PermissionDenied
    back_to_check = request.GET.get("return") == "check"
    context = {"referral": referral, "step": step, "back_to_check": back_to_check, "steps": journey.steps_for(referral)}
    if step.form_class is None:  # the "other people" page: its own add and remove pages do the writing
        if request.method == "POST":
            return _after_step(referral, step, back_to_check=back_to_check)
        return render(request, step.template, context)
    form = step.form_class(request.POST or None, **step.form_kwargs(referral))
    if request.method == "POST" and form.is_valid():
        try:
            step.save(referral=referral, form=form, actor=request.user, expected_version=posted_version(request))
        except services.EditConflict as conflict:
            return _conflict(request, referral=conflict.referral, step=step, form=form)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            if referral.status != Status.DRAFT:
                messages.success(request, f"{step.title} updated")
            return _after_step(referral, step, back_to_check=back_to_check)
    context["form"] = form
    return render(request, step.template, context)


def _conflict(request, *, referral, step, form):
    """Someone else saved first: show both versions; keep what this user typed in a form they can resend."""
    current = selectors.referral_for_edit(user=request.user, public_id=referral.public_id)
    theirs = step.summary(current)
    fresh = step.form_class(request.POST, **step.form_kwargs(current))
    fresh.is_valid()
    return render(
        request,
        "referrals/conflict.html",
        {
            "referral": current,
            "step": step,
            "theirs": theirs,
            "form": fresh,
            "back_to_check": request.GET.get("return") == "check",
        },
        status=409,
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, public_id, person_id=None):
    referral = selectors.referral_for_edit(user=request.user, public_id=public_id)
    if person_id is None:
        person = Person(referral=referral, role=PersonRole.OTHER)
    else:
        person = next((p for p in referral.people.all() if p.public_id == person_id), None)
        if person is None or person.role == PersonRole.SUBJECT:
            raise Http404("No such person")
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_part_save(
                referral=referral,
                actor=request.user,
                instance=form.instance,
                expected_version=posted_version(request),
                section="people",
            )
        except services.EditConflict as conflict:
            messages.error(
                request,
                "Someone else changed this referral while you were working. Check the "
                "people listed and add your changes again.",
            )
            return render(
                request,
                "referrals/journey/person_other.html",
                {"referral": conflict.referral, "form": form, "person": person, "conflict": True},
                status=409,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            if referral.status != Status.DRAFT:
                return redirect("referrals:detail", public_id=referral.public_id)
            return redirect("referrals:step", public_id=referral.public_id, slug="people")
    return render(
        request, "referrals/journey/person_other.html", {"referral": referral, "form": form, "person": person}
    )


@require_POST
def person_remove(request, public_id, person_id):
    referral = selectors.referral_for_edit(user=request.user, public_id=public_id)
    person = next((p for p in referral.people.all() if p.public_id == person_id), None)
    if person is None:
        raise Http404("No such person")
    try:
        services.person_remove(
            referral=referral, actor=request.user, person=person, expected_version=posted_version(request)
        )
    except services.EditConflict:
        messages.error(request, "Someone else changed this referral while you were working. Nothing was removed.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    if referral.status != Status.DRAFT:
        return redirect("referrals:detail", public_id=referral.public_id)
    return redirect("referrals:step", public_id=referral.public_id, slug="people")


@require_http_methods(["GET", "POST"])
def referral_check(request, public_id):
    referral = selectors.referral_for_edit(user=request.user, public_id=public_id)
    if referral.status != Status.DRAFT:
        return redirect("referrals:detail", public_id=referral.public_id)
    sections = [(step, step.summary(referral), step.is_complete(referral)) for step in journey.steps_for(referral)]
    problems = []
    if request.method == "POST":
        try:
            referral = services.referral_transition(
                referral=referral, actor=request.user, name="submit", expected_version=posted_version(request)
            )
        except services.JourneyIncomplete as incomplete:
            problems = [f"Answer the questions in '{title}'" for title in incomplete.missing]
        except services.EditConflict:
            problems = ["Someone else changed this referral while you were checking it. Check the answers again."]
            referral = selectors.referral_for_edit(user=request.user, public_id=public_id)
            sections = [(s, s.summary(referral), s.is_complete(referral)) for s in journey.steps_for(referral)]
        except InvalidTransition as exc:
            problems = [str(exc)]
        else:
            return redirect("referrals:confirmation", public_id=referral.public_id)
    return render(
        request, "referrals/journey/check.html", {"referral": referral, "sections": sections, "problems": problems}
    )


@require_http_methods(["GET"])
def referral_confirmation(request, public_id):
    referral = permissions.referral_for_user(request.user, public_id)
    if referral.status == Status.DRAFT:
        return redirect("referrals:check", public_id=referral.public_id)
    return render(request, "referrals/journey/confirmation.html", {"referral": referral})


# --- The case page --------------------------------------------------------------------------------


@require_http_methods(["GET"])
def case_detail(request, public_id):
    referral = selectors.case_detail(user=request.user, public_id=public_id)
    services.access_log_page(request, referral, AccessAction.VIEW_CASE)
    user = request.user
    can_change = permissions.can_change_referral(user, referral)
    actions = [t for t in transitions_from(referral.status) if permissions.can_transition(user, referral, t)]
    sections = [(section, section.context(referral, user)) for section in registry.case_sections(referral.pathway)]
    core_steps = {step.slug: step for step in journey.steps_for(referral)}
    return render(
        request,
        "referrals/case_detail.html",
        {
            "referral": referral,
            "can_change": can_change,
            "can_share": permissions.can_share(user, referral),
            "actions": [a for a in actions if a.name != "submit"],
            "sections": sections,
            "subject_rows": core_steps["subject"].summary(referral),
            "consent_rows": core_steps["consent"].summary(referral),
            "others": [p for p in referral.people.all() if p.role != PersonRole.SUBJECT],
            "shares": list(referral.shares.all()),
            "events": list(referral.events.all()[:100]),
            "hold": selectors.retention_hold_of(referral),
            "can_hold": permissions.can_hold_from_erasure(user, referral),
            "missing": services.journey_missing(referral) if referral.status == Status.DRAFT else [],
            "draft_erased_on": retention.draft_erased_on(referral),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_transition(request, public_id, name):
    referral = permissions.referral_for_user(request.user, public_id)
    transition = TRANSITIONS.get(name)
    if transition is None or name == "submit":
        raise Http404("No such action")
    if not permissions.can_transition(request.user, referral, transition):
        raise PermissionDenied
    form = TransitionForm(request.POST or None)
    if transition.needs_reason:
        form.fields["reason"].required = True
        form.fields["reason"].error_messages["required"] = "Enter the reason"
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_transition(
                referral=referral,
                actor=request.user,
                name=name,
                reason=form.cleaned_data["reason"],
                expected_version=posted_version(request),
            )
        except services.EditConflict:
            form.add_error(
                None, "Someone else changed this referral since you opened this page. Check the case and try again."
            )
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"{transition.label}: done")
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(request, "referrals/transition.html", {"referral": referral, "transition": transition, "form": form})


@require_http_methods(["GET"])
def case_history(request, public_id):
    referral = permissions.referral_for_user(request.user, public_id)
    services.access_log_page(request, referral, AccessAction.VIEW_HISTORY)
    entries = selectors.case_history(
        referral=referral, show_restricted=permissions.can_view_restricted(request.user, referral)
    )
    return render(request, "referrals/history.html", {"referral": referral, "entries": entries})


# --- Sharing --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_share(request, public_id):
    referral = permissions.referral_for_user(request.user, public_id)
    if not permissions.can_share(request.user, referral):
        raise PermissionDenied
    form = ShareForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        share_request = services.ShareRequest(
            **{k: form.cleaned_data[k] for k in ("agency", "level", "reason", "lawful_basis")}
        )
        try:
            services.referral_share(referral=referral, actor=request.user, request=share_request)
        except services.ShareRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Shared with {share_request.agency.name}")
            return redirect("referrals:detail", public_id=referral.public_id)
    notice = None
    rule = registry.share_rule(referral.pathway)
    if rule is not None and getattr(rule, "notice", None):
        notice = rule.notice(referral)
    return render(request, "referrals/share.html", {"referral": referral, "form": form, "notice": notice})


@require_http_methods(["GET", "POST"])
def share_revoke(request, public_id, share_id):
    referral = permissions.referral_for_user(request.user, public_id)
    if not permissions.can_share(request.user, referral):
        raise PermissionDenied
    share = get_object_or_404(
        ReferralShare.objects.select_related("agency"), public_id=share_id, referral=referral, revoked_at__isnull=True
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_share_revoke(share=share, actor=request.user, reason=form.cleaned_data["reason"])
        except services.ShareRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{share.agency.name} can no longer see this referral")
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(request, "referrals/revoke.html", {"referral": referral, "share": share, "form": form})


# --- Access log -----------------------------------------------------------------------------------


ACCESS_LOG_CSV_ROWS = 10_000  # a download is for an investigation: narrow it with the filters


def _access_log_form(request) -> AccessLogFilterForm:
    """The administrator's filters as the request gives them (bad values are errors on the form, and filter
    nothing)."""
    permissions.require(permissions.can_view_access_log(request.user))
    agencies = Agency.objects.only("pk", "name", "is_active").order_by("name")  # a closed agency's views too
    return AccessLogFilterForm(request.GET or None, agencies=agencies)


@require_http_methods(["GET"])
def access_log(request):
    """Who has viewed or exported the agency's cases, narrowed by case, person, agency, what and when."""
    form = _access_log_form(request)
    filters = form.filters()
    page = selectors.access_log_for_admin(
        user=request.user, filters=filters, number=selectors.page_number(request.GET.get("page"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "query": query.urlencode(), "csv_rows": ACCESS_LOG_CSV_ROWS}
    return render(request, "referrals/access_log.html", {**context, "filtered": filters != selectors.NO_FILTERS})


ACCESS_LOG_HEADER = ["When", "Who", "Their agency", "Case", "What", "Records", "IP address"]


@require_http_methods(["GET"])
def access_log_csv(request):
    """The filtered access log as CSV, newest first, at most ACCESS_LOG_CSV_ROWS rows. Bad filters go back to the
    page, which says what is wrong, rather than download everything. The download is itself logged."""
    form = _access_log_form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseRedirect(f"{reverse('referrals:access_log')}?{request.GET.urlencode()}")
    rows = selectors.access_log_rows(user=request.user, filters=form.filters())
    lines = [
        [
            f"{timezone.localtime(row.at):%Y-%m-%d %H:%M:%S}",
            row.user.full_name,
            row.agency.short_name if row.agency else "",
            row.referral_reference,
            row.get_action_display(),
            "" if row.record_count is None else row.record_count,
            row.ip_address or "",
        ]
        for row in rows[:ACCESS_LOG_CSV_ROWS]
    ]
    services.access_log_page(request, None, AccessAction.EXPORT_CSV, record_count=len(lines))
    return csv_response(f"access-log-{timezone.localdate():%Y-%m-%d}", ACCESS_LOG_HEADER, lines)
