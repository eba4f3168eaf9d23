"""Thin views for the HSB pathway's stage pages and orders: look up through the selectors (which scope through
accounts.permissions), bind a form, call one service, redirect. Pages that show case data log the view."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import permissions
from hsb_pathway import selectors, services
from hsb_pathway.forms import (
    AdultTransitionForm,
    Aim3AssessmentForm,
    CloseForm,
    InterventionForm,
    OrderEventForm,
    OrderForm,
    OtherAssessmentForm,
    ReviewOutcomeForm,
    ReviewScheduleForm,
    StageFilterForm,
    StageMoveForm,
    StrategyDiscussionForm,
)
from hsb_pathway.models import Assessment, Intervention, Order, OrderEvent, Review, Stage, StrategyDiscussion
from hsb_pathway.workflow import MOVES, StageMoveRefused, check_move
from referrals import services as core
from referrals.forms import saved_through
from referrals.models import AccessAction
from referrals.selectors import page_number
from svd_portal.lib.forms import errors_to_form, posted_version

CONFLICT = (
    "Someone else changed this case while you were working. Check the case and try again: what you typed is kept."
)


def _log_view(request, referral) -> None:
    """Record that the user saw this case's HSB records (GET only: a POST shows what they typed)."""
    if request.method != "GET":
        return
    core.access_log_page(request, referral, AccessAction.VIEW_SECTION)


def _context(referral, **extra) -> dict:
    detail = selectors.detail_of(referral)
    return {"referral": referral, "detail": detail, "stages": Stage.choices, **extra}


def _save(form, call) -> bool:
    return saved_through(form, call, conflict=CONFLICT)


# --- The HSB case list ----------------------------------------------------------------------------


@require_http_methods(["GET"])
def case_list(request):
    permissions.require(permissions.can_see_cases(request.user))
    form = StageFilterForm(request.GET or None)
    stage = form.cleaned_data["stage"] if form.is_bound and form.is_valid() else ""
    page = selectors.hsb_case_list(user=request.user, stage=stage, number=page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "hsb_pathway/case_list.html", {"page": page, "form": form, "query": query.urlencode()})


# --- Stage 1: strategy discussion -----------------------------------------------------------------


@require_http_methods(["GET"])
def strategy(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    _log_view(request, referral)
    return render(
        request,
        "hsb_pathway/strategy.html",
        _context(
            referral,
            strategy=selectors.strategy_of(referral),
            status=selectors.strategy_status(referral),
            can_record=permissions.hsb_can_record(request.user, referral),
            moves=_moves(request.user, referral),
        ),
    )


@require_http_methods(["GET", "POST"])
def strategy_edit(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    status = selectors.strategy_status(referral)
    instance = selectors.strategy_of(referral) or StrategyDiscussion(referral=referral)
    _log_view(request, referral)
    form = StrategyDiscussionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.strategy_discussion_save(
                referral=referral,
                actor=request.user,
                discussion=form.instance,
                expected_version=posted_version(request),
            ),
        )
        if saved:
            messages.success(request, "Strategy discussion recorded")
            return redirect("hsb_pathway:strategy", public_id=referral.public_id)
    return render(
        request,
        "hsb_pathway/strategy_form.html",
        _context(referral, form=form, status=status),
    )


# --- Stage 2: assessments -------------------------------------------------------------------------


@require_http_methods(["GET"])
def assessments(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    _log_view(request, referral)
    return render(
        request,
        "hsb_pathway/assessments.html",
        _context(
            referral,
            rows=selectors.assessments_for(referral),
            aim3=services.aim3_applies(referral, timezone.localdate(), selectors.detail_of(referral)),
            can_record=permissions.hsb_can_record(request.user, referral),
            moves=_moves(request.user, referral),
        ),
    )


@require_http_methods(["GET", "POST"])
def assessment_add(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    detail = selectors.detail_of(referral)
    # AIM3 by default for a young person aged 12 to 18 today; either kind may be asked for (a back-dated AIM3, or
    # an early help assessment before AIM3). The service holds AIM3 to ages 12 to 18 on the assessment's date.
    kind = request.GET.get("kind")
    aim3 = (
        kind == "aim3" if kind in {"aim3", "other"} else services.aim3_applies(referral, timezone.localdate(), detail)
    )
    form_class = Aim3AssessmentForm if aim3 else OtherAssessmentForm
    form = form_class(request.POST or None, instance=Assessment(referral=referral))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.assessment_add(
                referral=referral,
                actor=request.user,
                assessment=form.instance,
                expected_version=posted_version(request),
            ),
        )
        if saved:
            messages.success(request, "Assessment recorded")
            return redirect("hsb_pathway:assessments", public_id=referral.public_id)
    return render(request, "hsb_pathway/assessment_form.html", _context(referral, form=form, aim3=aim3))


# --- Stage 3: interventions -----------------------------------------------------------------------


@require_http_methods(["GET"])
def interventions(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    _log_view(request, referral)
    return render(
        request,
        "hsb_pathway/interventions.html",
        _context(
            referral,
            items=selectors.interventions_for(referral),
            can_record=permissions.hsb_can_record(request.user, referral),
            moves=_moves(request.user, referral),
        ),
    )


@require_http_methods(["GET", "POST"])
def intervention_edit(request, public_id, item_id=None):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    instance = Intervention(referral=referral) if item_id is None else selectors.intervention_for(referral, item_id)
    if item_id is not None:
        _log_view(request, referral)
    form = InterventionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.intervention_save(
                referral=referral,
                actor=request.user,
                intervention=form.instance,
                expected_version=posted_version(request),
            ),
        )
        if saved:
            messages.success(request, "Intervention saved")
            return redirect("hsb_pathway:interventions", public_id=referral.public_id)
    return render(request, "hsb_pathway/intervention_form.html", _context(referral, form=form, is_new=item_id is None))


# --- Stage 4: reviews -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def reviews(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    _log_view(request, referral)
    detail = selectors.detail_of(referral)
    return render(
        request,
        "hsb_pathway/reviews.html",
        _context(
            referral,
            items=selectors.reviews_for(referral),
            transition_due_on=services.adult_transition_due_on(referral, detail) if detail else None,
            can_record=permissions.hsb_can_record(request.user, referral),
            moves=_moves(request.user, referral),
            today=timezone.localdate(),
        ),
    )


@require_http_methods(["GET", "POST"])
def review_add(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    form = ReviewScheduleForm(request.POST or None, instance=Review(referral=referral))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.review_save(
                referral=referral, actor=request.user, review=form.instance, expected_version=posted_version(request)
            ),
        )
        if saved:
            messages.success(request, "Review scheduled")
            return redirect("hsb_pathway:reviews", public_id=referral.public_id)
    return render(request, "hsb_pathway/review_schedule.html", _context(referral, form=form))


@require_http_methods(["GET", "POST"])
def review_outcome(request, public_id, item_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    review = selectors.review_for(referral, item_id)
    _log_view(request, referral)
    form = ReviewOutcomeForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.review_save(
                referral=referral, actor=request.user, review=form.instance, expected_version=posted_version(request)
            ),
        )
        if saved:
            messages.success(request, "Review outcome recorded")
            return redirect("hsb_pathway:reviews", public_id=referral.public_id)
    return render(request, "hsb_pathway/review_outcome.html", _context(referral, form=form, review=review))


@require_http_methods(["GET", "POST"])
def adult_transition(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id, need=permissions.CHANGE)
    detail = selectors.detail_of(referral)
    if detail is None:
        raise Http404("No HSB details")
    _log_view(request, referral)
    initial = {"send": detail.send, "transition_on": detail.adult_transition_on, "adult_service": detail.adult_service}
    form = AdultTransitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _save(
            form,
            lambda: services.adult_transition_save(
                referral=referral,
                actor=request.user,
                send=data["send"],
                transition_on=data["transition_on"],
                adult_service=data["adult_service"],
                expected_version=posted_version(request),
            ),
        )
        if saved:
            messages.success(request, "Transition to adult services saved")
            return redirect("hsb_pathway:reviews", public_id=referral.public_id)
    return render(
        request,
        "hsb_pathway/adult_transition.html",
        _context(referral, form=form, transition_due_on=services.adult_transition_due_on(referral, detail)),
    )


# --- Stage moves and closure ----------------------------------------------------------------------


def _moves(user, referral) -> list:
    """The stage moves this user may offer on this case now (the hub coordinator's buttons)."""
    detail = selectors.detail_of(referral)
    if detail is None or not permissions.hsb_can_move_stage(user, referral):
        return []
    if referral.status not in permissions.HSB_MOVING_STATUSES:
        return []
    from hsb_pathway.workflow import moves_from

    return moves_from(detail.stage)


@require_http_methods(["GET", "POST"])
def stage_move(request, public_id, name):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    move = MOVES.get(name)
    if move is None:
        raise Http404("No such stage move")
    if not permissions.hsb_can_move_stage(request.user, referral):
        raise PermissionDenied
    detail = selectors.detail_of(referral)
    if detail is None:
        raise Http404("No HSB details")
    problem = None
    try:
        check_move(detail.stage, name)
        problem = services.stage_move_problem(referral=referral, detail=detail, move=move)
    except StageMoveRefused as refused:
        problem = str(refused)
    is_close = name == "close"
    form = (CloseForm if is_close else StageMoveForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_move(
                referral=referral,
                actor=request.user,
                name=name,
                reason=form.cleaned_data.get("reason", ""),
                closure_reason=form.cleaned_data.get("closure_reason", ""),
                expected_version=posted_version(request),
            )
        except StageMoveRefused as refused:
            form.add_error(None, str(refused))
        except core.EditConflict:
            form.add_error(None, CONFLICT)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "HSB case closed" if is_close else f"{move.label}: done")
            if is_close:
                return redirect("referrals:detail", public_id=referral.public_id)
            return redirect(STAGE_PAGES[move.target], public_id=referral.public_id)
    return render(
        request,
        "hsb_pathway/stage_move.html",
        _context(referral, form=form, move=move, problem=problem, is_close=is_close),
    )


STAGE_PAGES = {
    Stage.STRATEGY: "hsb_pathway:strategy",
    Stage.ASSESSMENT: "hsb_pathway:assessments",
    Stage.INTERVENTION: "hsb_pathway:interventions",
    Stage.REVIEW: "hsb_pathway:reviews",
}


# --- Orders ---------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def orders(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    _log_view(request, referral)
    return render(
        request,
        "hsb_pathway/orders.html",
        _context(
            referral,
            orders=selectors.orders_for(referral),
            today=timezone.localdate(),
            can_record_order=permissions.hsb_can_record_order(request.user, referral),
        ),
    )


def _order_case(request, public_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    if not permissions.hsb_can_record_order(request.user, referral):
        raise PermissionDenied
    return referral


@require_http_methods(["GET", "POST"])
def order_edit(request, public_id, order_id=None):
    referral = _order_case(request, public_id)
    instance = Order(referral=referral) if order_id is None else selectors.order_for(referral, order_id)
    if order_id is not None:
        _log_view(request, referral)
    if instance.is_discharged:
        messages.error(request, "This order has been discharged and can no longer be changed")
        return redirect("hsb_pathway:order_detail", public_id=referral.public_id, order_id=instance.public_id)
    form = OrderForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.order_save(
                referral=referral, actor=request.user, order=form.instance, expected_version=posted_version(request)
            ),
        )
        if saved:
            messages.success(request, f"{form.instance.display_kind} saved")
            return redirect("hsb_pathway:order_detail", public_id=referral.public_id, order_id=form.instance.public_id)
    return render(request, "hsb_pathway/order_form.html", _context(referral, form=form, is_new=order_id is None))


@require_http_methods(["GET"])
def order_detail(request, public_id, order_id):
    referral = selectors.hsb_case(user=request.user, public_id=public_id)
    order = selectors.order_for(referral, order_id)
    _log_view(request, referral)
    return render(
        request,
        "hsb_pathway/order_detail.html",
        _context(
            referral,
            order=order,
            today=timezone.localdate(),
            can_record_order=permissions.hsb_can_record_order(request.user, referral),
        ),
    )


@require_http_methods(["GET", "POST"])
def order_event_add(request, public_id, order_id):
    referral = _order_case(request, public_id)
    order = selectors.order_for(referral, order_id)
    _log_view(request, referral)
    if order.is_discharged:
        messages.error(
            request, f"This order was discharged on {order.discharged_on:%-d %B %Y}: nothing more can be recorded"
        )
        return redirect("hsb_pathway:order_detail", public_id=referral.public_id, order_id=order.public_id)
    form = OrderEventForm(request.POST or None, instance=OrderEvent(referral=referral, order=order))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.order_event_add(
                referral=referral, actor=request.user, event=form.instance, expected_version=posted_version(request)
            ),
        )
        if saved:
            messages.success(request, f"{form.instance.get_kind_display()} recorded")
            return redirect("hsb_pathway:order_detail", public_id=referral.public_id, order_id=order.public_id)
    return render(
        request,
        "hsb_pathway/order_event_form.html",
        _context(referral, form=form, order=order, consent_until=order.consent_period_end()),
    )
