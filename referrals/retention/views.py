"""Retention pages. Under /retention/ (namespace retention), a system administrator sets each pathway's periods
and sees what the nightly sweep would erase (counts only) and what it has erased (the erasure records). Under
/cases/ (namespace referrals), those who may keep a case from erasure do so from the case (`hold`) and see what
falls due in the next 30 days (`due_for_erasure`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import permissions
from referrals import selectors
from referrals import services as referral_services
from referrals.forms import saved_through
from referrals.models import AccessAction, ErasureRecord, Pathway, Referral, RetentionRule
from referrals.retention import services
from referrals.retention.forms import HoldForm, RetentionRuleForm

RECENT_ERASURES = 50


@require_http_methods(["GET"])
def index(request):
    permissions.require(permissions.can_manage_retention(request.user))
    rules = {rule.pathway: rule for rule in RetentionRule.objects.select_related("updated_by")}
    counts = services.due_counts(rules=list(rules.values()))
    held = services.held_counts()
    pathways = [
        {"value": value, "label": label, "rule": rules.get(value), "due": counts.get(value), "held": held.get(value, 0)}
        for value, label in Pathway.choices
    ]
    erasures = list(ErasureRecord.objects.select_related("owner_agency")[:RECENT_ERASURES])
    return render(
        request,
        "referrals/retention/index.html",
        {
            "pathways": pathways,
            "erasures": erasures,
            "recent_limit": RECENT_ERASURES,
            "erasing": settings.SVD_RETENTION_ERASE,
            "nightly_limit": f"{settings.SVD_RETENTION_NIGHTLY_LIMIT:,}",
        },
    )


@require_http_methods(["GET", "POST"])
def rule(request, pathway):
    permissions.require(permissions.can_manage_retention(request.user))
    if pathway not in Pathway.values:
        raise Http404("No such pathway")
    current = RetentionRule.objects.filter(pathway=pathway).first()
    initial = {name: getattr(current, name) for name in RetentionRuleForm.base_fields} if current else {}
    form = RetentionRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if saved_through(form, lambda: services.retention_rule_save(actor=request.user, pathway=pathway, **data)):
            messages.success(request, f"Retention periods for {Pathway(pathway).label} saved")
            return redirect("retention:index")
    return render(
        request,
        "referrals/retention/rule.html",
        {"form": form, "pathway_label": Pathway(pathway).label, "current": current},
    )


@require_http_methods(["GET", "POST"])
def hold(request, public_id):
    """Keep a case from erasure beyond its retention period, or release it (permissions.can_hold_from_erasure)."""
    queryset = Referral.objects.select_related("owner_agency", "retention_hold__placed_by")
    referral = permissions.referral_for_user(request.user, public_id, queryset=queryset)
    permissions.require(permissions.can_hold_from_erasure(request.user, referral))
    current = selectors.retention_hold_of(referral)
    form = HoldForm(request.POST if request.method == "POST" else None, releasing=current is not None)
    if request.method == "POST" and form.is_valid():
        change = services.retention_hold_release if current else services.retention_hold_place
        reason = form.cleaned_data["reason"]
        if saved_through(form, lambda: change(referral=referral, actor=request.user, reason=reason)):
            messages.success(request, "The case is no longer kept from erasure" if current else "The case is kept")
            return redirect("referrals:detail", public_id=referral.public_id)
    referral_services.access_log_page(request, referral, AccessAction.VIEW_SECTION)
    return render(request, "referrals/retention/hold.html", {"referral": referral, "hold": current, "form": form})


@require_http_methods(["GET"])
def due_for_erasure(request):
    """The cases this user may keep that the sweep will erase in the next 30 days: their agency's, or their hub's
    pathways', for its managers and coordinators to decide which a review or proceedings still need."""
    permissions.require(permissions.can_review_erasure(request.user))
    rules = {rule.pathway: rule for rule in RetentionRule.objects.all()}
    cases = (
        services.due_soon_for(request.user, rules=list(rules.values()))
        .select_related("owner_agency")
        .only("public_id", "reference", "pathway", "status", "closed_at", "owner_agency__short_name")
    )
    total = cases.count()
    page = selectors.paginate(cases, number=selectors.page_number(request.GET.get("page")), total=total)
    rows = [(referral, services.erased_from(referral, rules[referral.pathway])) for referral in page.items]
    return render(
        request,
        "referrals/retention/due.html",
        {"page": page, "rows": rows, "days": services.REVIEW_DAYS, "query": ""},
    )
