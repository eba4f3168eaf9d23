"""Thin views: look up through accounts.permissions, bind a form, call one service, redirect.

Access logging: pages about one case (a case at a meeting, its research, an action, the restricted safety
answers) write one access-log row; the minutes write one row per case they show; exports write one row per
exported case, each carrying the number of cases in that export. Lists (meetings, case lists, candidates,
the action tracker) are not logged, as the core's case list is not.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.permissions import MANAGE
from marac import exports, selectors, services
from marac.forms import (
    ActionForm,
    ActionUpdateForm,
    AddCasesForm,
    AttendanceForm,
    DataReturnForm,
    HeldForm,
    IdvaContactForm,
    MaracSafetyForm,
    MeetingForm,
    RemoveCaseForm,
    RepeatDecisionForm,
    ResearchForm,
)
from marac.models import (
    MINUTES_PER_CASE_MAX,
    MINUTES_PER_CASE_MIN,
    MaracDetail,
    MeetingStatus,
    RepeatStatus,
)
from referrals.forms import saved_through
from referrals.models import AccessAction, Pathway
from referrals.services import access_log_page, access_logs_page
from svd_portal.lib.csv_export import csv_response
from svd_portal.lib.forms import errors_to_form, posted_version


def _log(request, referral, action: str = AccessAction.VIEW_SECTION, record_count: int | None = None) -> None:
    access_log_page(request, referral, action, record_count)


_logs = access_logs_page  # many cases at once (one INSERT)


def _time_budget(meeting, count: int) -> dict:
    return {
        "count": count,
        "low": count * MINUTES_PER_CASE_MIN,
        "high": count * MINUTES_PER_CASE_MAX,
        "duration": meeting.duration_minutes,
        "capacity": meeting.capacity,
        "over_capacity": count * MINUTES_PER_CASE_MIN > meeting.duration_minutes,
        "may_overrun": count * MINUTES_PER_CASE_MAX > meeting.duration_minutes,
    }


# --- Meetings -------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def meetings(request):
    permissions.require(permissions.can_view_meetings(request.user))
    coordinator = permissions.is_marac_coordinator(request.user)
    return render(
        request,
        "marac/meetings.html",
        {
            "meetings": selectors.meeting_list(user=request.user),
            "is_coordinator": coordinator,
            "pending_repeats": selectors.possible_repeats_pending(user=request.user).count() if coordinator else 0,
            "can_view_data_return": permissions.can_view_data_return(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_new(request):
    permissions.require(permissions.can_manage_meetings(request.user))
    form = MeetingForm(request.POST or None, is_new=True)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                actor=request.user, data=form.meeting_data(), agencies=form.cleaned_data["agencies"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"{meeting.title} scheduled")
            return redirect("marac:meeting_cases", public_id=meeting.public_id)
    return render(request, "marac/meeting_form.html", {"form": form, "meeting": None})


@require_http_methods(["GET"])
def meeting(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id)
    coordinator = permissions.can_manage_meetings(request.user)
    rows = selectors.meeting_case_rows(meeting)
    agency = permissions.agency_of(request.user)
    researched = selectors.cases_researched_by(meeting, agency) if not coordinator and agency else set()
    return render(
        request,
        "marac/meeting.html",
        {
            "meeting": meeting,
            "rows": rows,
            "invitations": selectors.meeting_invitations(meeting),
            "is_coordinator": coordinator,
            "budget": _time_budget(meeting, len(rows)),
            "researched": researched,
            "can_view_minutes": permissions.can_view_minutes(request.user, meeting),
            "can_export": permissions.can_export_marac(request.user),
            "attends": not coordinator and permissions.attends(request.user, meeting),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_edit(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    if meeting.status == MeetingStatus.HELD:
        raise PermissionDenied
    form = MeetingForm(request.POST or None, instance=meeting, is_new=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                meeting=meeting, actor=request.user, data=form.meeting_data(), agencies=form.cleaned_data["agencies"]
            )
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Meeting details saved")
            return redirect("marac:meeting", public_id=meeting.public_id)
    return render(request, "marac/meeting_form.html", {"form": form, "meeting": meeting})


def _cases_page(request, meeting, add_form=None, status=200, candidate_rows=None):
    rows = selectors.meeting_case_rows(meeting)
    if candidate_rows is None:
        candidate_rows = selectors.candidates(user=request.user) if meeting.is_editable else []
    add_form = add_form or AddCasesForm(rows=candidate_rows)
    chosen = set(add_form["referrals"].value() or [])
    for row in candidate_rows:
        row.selected = str(row.referral.public_id) in chosen
    return render(
        request,
        "marac/meeting_cases.html",
        {
            "meeting": meeting,
            "rows": rows,
            "candidates": candidate_rows,
            "candidate_limit": selectors.CANDIDATE_LIMIT,
            "add_form": add_form,
            "budget": _time_budget(meeting, len(rows)),
        },
        status=status,
    )


@require_http_methods(["GET"])
def meeting_cases(request, public_id):
    """Build the case list: what is listed, the time it needs, and the cases waiting for a meeting."""
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    return _cases_page(request, meeting)


@require_POST
def meeting_cases_add(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    if not meeting.is_editable:
        raise PermissionDenied
    candidate_rows = selectors.candidates(user=request.user)
    form = AddCasesForm(request.POST, rows=candidate_rows)
    if form.is_valid():
        chosen = set(form.cleaned_data["referrals"])
        referrals = [row.referral for row in candidate_rows if str(row.referral.public_id) in chosen]
        try:
            added = services.meeting_cases_add(meeting=meeting, actor=request.user, referrals=referrals)
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{len(added)} case{'s' if len(added) != 1 else ''} added to the list")
            return redirect("marac:meeting_cases", public_id=meeting.public_id)
    return _cases_page(request, meeting, add_form=form, candidate_rows=candidate_rows)  # nothing was added


@require_http_methods(["GET", "POST"])
def meeting_case_remove(request, public_id, referral_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    case = permissions.meeting_case_for_user(request.user, meeting, referral_id)
    if not meeting.is_editable:
        raise PermissionDenied
    form = RemoveCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_case_remove(meeting_case=case, actor=request.user, reason=form.cleaned_data["reason"])
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"{case.referral.display_reference} removed from the list")
            return redirect("marac:meeting_cases", public_id=meeting.public_id)
    return render(request, "marac/meeting_case_remove.html", {"meeting": meeting, "case": case, "form": form})


@require_http_methods(["GET", "POST"])
def meeting_publish(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    problem = None
    if request.method == "POST":
        try:
            services.meeting_publish(meeting=meeting, actor=request.user)
        except services.MeetingRefused as refused:
            problem = str(refused)
        else:
            messages.success(request, "Case list published. The agencies attending can now see the cases.")
            return redirect("marac:meeting", public_id=meeting.public_id)
    rows = selectors.meeting_case_rows(meeting)
    return render(
        request,
        "marac/meeting_publish.html",
        {
            "meeting": meeting,
            "rows": rows,
            "invitations": [i for i in selectors.meeting_invitations(meeting) if i.is_active],
            "problem": problem,
            "problem_items": [("", problem)] if problem else [],
            "budget": _time_budget(meeting, len(rows)),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_attendance(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    invitations = [i for i in selectors.meeting_invitations(meeting) if i.is_active]
    form = AttendanceForm(request.POST or None, invitations=invitations, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_attendance_record(
                meeting=meeting,
                actor=request.user,
                rows=form.rows(),
                confidentiality_acknowledged=form.cleaned_data["confidentiality"],
            )
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Attendance saved")
            return redirect("marac:meeting", public_id=meeting.public_id)
    return render(request, "marac/meeting_attendance.html", {"meeting": meeting, "form": form})


@require_http_methods(["GET", "POST"])
def meeting_held(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id, need=MANAGE)
    rows = selectors.meeting_case_rows(meeting)
    form = HeldForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["heard"])
        heard = [row.meeting_case for row in rows if str(row.meeting_case.public_id) in chosen]
        try:
            services.meeting_mark_held(meeting=meeting, actor=request.user, heard=heard)
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{meeting.title} recorded as held")
            return redirect("marac:meeting", public_id=meeting.public_id)
    return render(request, "marac/meeting_held.html", {"meeting": meeting, "form": form, "rows": rows})


@require_http_methods(["GET"])
def meeting_minutes(request, public_id):
    meeting = permissions.meeting_for_user(request.user, public_id)
    if not permissions.can_view_minutes(request.user, meeting):
        raise PermissionDenied
    context = selectors.minutes(user=request.user, meeting=meeting)
    _logs(request, [case.referral for case in context["cases"] if case.removed_at is None])
    return render(request, "marac/minutes.html", {"meeting": meeting, **context})


# --- One case at a meeting: research and actions --------------------------------------------------


def _meeting_case(request, public_id, referral_id, need: str = permissions.VIEW):
    meeting = permissions.meeting_for_user(request.user, public_id, need=need)
    case = selectors.meeting_case_detail(user=request.user, meeting=meeting, referral_public_id=referral_id)
    return meeting, case


@require_http_methods(["GET"])
def meeting_case(request, public_id, referral_id):
    meeting, case = _meeting_case(request, public_id, referral_id)
    _log(request, case.referral)
    user = request.user
    actions = [
        (action, permissions.can_view_action(user, action), permissions.can_update_action(user, action))
        for action in selectors.actions_for_case(case)
    ]
    return render(
        request,
        "marac/meeting_case.html",
        {
            "meeting": meeting,
            "case": case,
            "row": selectors.meeting_case_row(case),
            "research": selectors.research_for(user=user, meeting_case=case),
            "actions": actions,
            "is_coordinator": permissions.can_manage_meetings(user),
            "can_act": permissions.can_act_at_meeting(user, meeting),
            "can_record_research": permissions.can_record_research(user, case),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_case_research(request, public_id, referral_id):
    meeting, case = _meeting_case(request, public_id, referral_id)
    if not permissions.can_record_research(request.user, case):
        raise PermissionDenied
    existing = selectors.research_of(meeting_case=case, agency=permissions.agency_of(request.user))
    form = ResearchForm(request.POST or None, initial={"content": existing.content if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.research_save(meeting_case=case, actor=request.user, content=form.cleaned_data["content"])
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Your agency's research is saved")
            return redirect("marac:meeting_case", public_id=meeting.public_id, referral_id=case.referral.public_id)
    _log(request, case.referral)
    return render(request, "marac/research_form.html", {"meeting": meeting, "case": case, "form": form})


@require_POST
def meeting_case_share_research(request, public_id, referral_id):
    meeting, case = _meeting_case(request, public_id, referral_id, need=MANAGE)
    try:
        services.meeting_case_research_share(meeting_case=case, actor=request.user)
    except services.MeetingRefused as refused:
        messages.error(request, str(refused))
    # No success message: the case page itself says when the research was shared.
    return redirect("marac:meeting_case", public_id=meeting.public_id, referral_id=case.referral.public_id)


@require_http_methods(["GET", "POST"])
def meeting_case_action_add(request, public_id, referral_id):
    meeting, case = _meeting_case(request, public_id, referral_id, need=MANAGE)
    if meeting.status == MeetingStatus.DRAFT:
        raise PermissionDenied
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_create(
                meeting_case=case,
                actor=request.user,
                description=form.cleaned_data["description"],
                agency=form.cleaned_data["agency"],
                due_date=form.cleaned_data["due_date"],
            )
        except services.MeetingRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"Action agreed for {form.cleaned_data['agency'].name}")
            return redirect("marac:meeting_case", public_id=meeting.public_id, referral_id=case.referral.public_id)
    return render(request, "marac/action_form.html", {"meeting": meeting, "case": case, "form": form})


# --- Action tracker -------------------------------------------------------------------------------


@require_http_methods(["GET"])
def actions(request):
    permissions.require(permissions.can_see_cases(request.user))
    return render(
        request,
        "marac/actions.html",
        {
            "groups": selectors.action_tracker(user=request.user),
            "today": timezone.localdate(),
            "can_export": permissions.can_export_marac(request.user),
            "can_view_completion": permissions.can_view_data_return(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def action(request, public_id):
    action = permissions.action_for_user(request.user, public_id)
    can_update = permissions.can_update_action(request.user, action)
    if request.method == "POST" and not can_update:
        raise PermissionDenied
    form = ActionUpdateForm(request.POST or None, initial={"status": action.status, "note": action.status_note})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(
                action=action, actor=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Action updated")
            return redirect("marac:actions")
    _log(request, action.referral)
    return render(
        request,
        "marac/action.html",
        {"action": action, "form": form if can_update else None},
    )


# --- Exports (coordinators only) ------------------------------------------------------------------


def _export_log(request, referrals, action: str) -> None:
    _logs(request, referrals, action=action, record_count=len(referrals))


@require_http_methods(["GET"])
def meeting_cases_export(request, public_id, fmt):
    meeting = permissions.meeting_for_user(request.user, public_id)
    permissions.require(permissions.can_export_marac(request.user))
    rows = selectors.meeting_case_rows(meeting)
    filename = f"marac-{meeting.date:%Y-%m-%d}-case-list"
    _export_log(
        request, [row.referral for row in rows], AccessAction.EXPORT_CSV if fmt == "csv" else AccessAction.EXPORT_PDF
    )
    if fmt == "csv":
        return csv_response(filename, exports.CASE_LIST_HEADER, exports.case_list_rows(rows))
    return exports.pdf_download(
        filename,
        "marac/pdf/case_list.html",
        {"meeting": meeting, "rows": rows, "invitations": selectors.meeting_invitations(meeting)},
    )


@require_http_methods(["GET"])
def actions_export(request, fmt):
    permissions.require(permissions.can_export_marac(request.user))
    groups = selectors.action_tracker(user=request.user)
    referrals = list({a.referral_id: a.referral for g in groups for a in g.actions}.values())
    _export_log(request, referrals, AccessAction.EXPORT_CSV if fmt == "csv" else AccessAction.EXPORT_PDF)
    filename = f"marac-actions-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return csv_response(filename, exports.ACTION_HEADER, exports.action_rows(groups))
    return exports.pdf_download(filename, "marac/pdf/actions.html", {"groups": groups, "today": timezone.localdate()})


# --- Possible repeats -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def possible_repeats(request):
    permissions.require(permissions.can_decide_repeats(request.user))
    return render(
        request, "marac/possible_repeats.html", {"items": list(selectors.possible_repeats_pending(user=request.user))}
    )


@require_http_methods(["GET", "POST"])
def possible_repeat(request, public_id):
    permissions.require(permissions.can_decide_repeats(request.user))
    item = (
        selectors.possible_repeats_pending(user=request.user)
        .filter(status=RepeatStatus.PENDING, public_id=public_id)
        .first()
    )
    if item is None:
        raise Http404("No such possible repeat")
    form = RepeatDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.possible_repeat_decide(
                possible=item,
                actor=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Decision recorded")
            return redirect("marac:possible_repeats")
    _log(request, item.referral)
    _log(request, item.earlier)
    return render(request, "marac/possible_repeat.html", {"item": item, "form": form})


# --- The quarterly data return --------------------------------------------------------------------


def _quarterly(request, selector):
    """A quarter's counts for the MARAC hub's coordinators and managers: the form (a bad quarter is an error on it,
    and the latest quarter is shown) and `selector`'s report for the quarter."""
    permissions.require(permissions.can_view_data_return(request.user))
    form = DataReturnForm(request.GET or None)
    return form, selector(user=request.user, start=form.start())


@require_http_methods(["GET"])
def data_return(request):
    form, report = _quarterly(request, selectors.data_return)
    return render(
        request,
        "marac/data_return.html",
        {"form": form, "report": report, "columns": selectors.RETURN_COLUMNS},
    )


@require_http_methods(["GET"])
def data_return_csv(request):
    _form, report = _quarterly(request, selectors.data_return)
    header = ["Meeting date", *[label for _, label in selectors.RETURN_COLUMNS]]
    rows = [[row.label, *row.values()] for row in [*report.rows, report.total]]
    return csv_response(f"marac-data-return-{report.start:%Y-%m}", header, rows)


@require_http_methods(["GET"])
def action_completion(request):
    """MARAC actions due in a quarter, by agency: done on time, late, not done (and why), still open."""
    form, report = _quarterly(request, selectors.action_completion)
    return render(
        request,
        "marac/action_completion.html",
        {"form": form, "report": report, "columns": selectors.ACTION_COLUMNS, "escalate_at": selectors.ESCALATE_AT},
    )


@require_http_methods(["GET"])
def action_completion_csv(request):
    _form, report = _quarterly(request, selectors.action_completion)
    header = ["Agency", *[label for _, label, _ in selectors.ACTION_COLUMNS], "Completed on time (%)"]
    rows = [[row.name, *row.values(), _percent(row.on_time_percent)] for row in [*report.rows, report.total]]
    return csv_response(f"marac-actions-by-agency-{report.start:%Y-%m}", header, rows)


def _percent(value: int | None) -> str:
    return "" if value is None else str(value)


# --- The restricted answers after submission ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def safety(request, public_id):
    """Change who the victim is afraid of and who is safe to contact: only for people who may see them."""
    referral = permissions.referral_for_user(request.user, public_id, need=permissions.CHANGE)
    if referral.pathway != Pathway.MARAC or not permissions.can_view_restricted(request.user, referral):
        raise PermissionDenied
    detail = services.detail_of(referral) or MaracDetail(referral=referral)
    form = MaracSafetyForm(request.POST or None, instance=detail)

    def save(version):
        services.marac_detail_save(
            referral=referral,
            actor=request.user,
            detail=form.instance,
            expected_version=version,
            section="safety and contact",
            check_judgement=False,
        )

    return _case_detail_form(request, referral, form, save, "Safety and contact details updated", "marac/safety.html")


@require_http_methods(["GET", "POST"])
def idva_contact(request, public_id):
    """Record the IDVA service's first contact with the victim, or its attempt: lifts the IDVA contact reminder."""
    referral = permissions.referral_for_user(request.user, public_id)
    if not permissions.can_record_idva_contact(request.user, referral):
        raise PermissionDenied
    detail = services.detail_of(referral) or MaracDetail(referral=referral)
    form = IdvaContactForm(request.POST or None, instance=detail)

    def save(version):
        services.idva_contact_record(
            referral=referral, actor=request.user, detail=form.instance, expected_version=version
        )

    return _case_detail_form(request, referral, form, save, "IDVA contact recorded", "marac/idva_contact.html")


CONFLICT = "Someone else changed this referral since you opened this page. Check and try again."


def _case_detail_form(request, referral, form, save, done: str, template: str):
    """A form on a case's MARAC details: saved under the referral's version, errors kept on the form, the case
    page on success; every showing of the form is in the access log."""
    posted = request.method == "POST" and form.is_valid()
    if posted and saved_through(form, lambda: save(posted_version(request)), conflict=CONFLICT):
        messages.success(request, done)
        return redirect("referrals:detail", public_id=referral.public_id)
    _log(request, referral)
    return render(request, template, {"referral": referral, "form": form})
