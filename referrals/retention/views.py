"""Retention pages, under /retention/ (namespace retention): a system administrator sets each pathway's periods
and sees what the nightly sweep would erase (counts only) and what it has erased (the erasure records)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import permissions
from referrals.models import ErasureRecord, Pathway, RetentionRule
from referrals.retention import services
from referrals.retention.forms import RetentionRuleForm
from svd_portal.lib.forms import errors_to_form

RECENT_ERASURES = 50


@require_http_methods(["GET"])
def index(request):
    permissions.require(permissions.can_manage_retention(request.user))
    rules = {rule.pathway: rule for rule in RetentionRule.objects.select_related("updated_by")}
    counts = services.due_counts(rules=list(rules.values()))
    pathways = [
        {"value": value, "label": label, "rule": rules.get(value), "due": counts.get(value)}
        for value, label in Pathway.choices
    ]
    erasures = list(ErasureRecord.objects.select_related("owner_agency")[:RECENT_ERASURES])
    return render(
        request,
        "referrals/retention/index.html",
        {"pathways": pathways, "erasures": erasures, "recent_limit": RECENT_ERASURES},
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
        try:
            services.retention_rule_save(actor=request.user, pathway=pathway, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"Retention periods for {Pathway(pathway).label} saved")
            return redirect("retention:index")
    return render(
        request,
        "referrals/retention/rule.html",
        {"form": form, "pathway_label": Pathway(pathway).label, "current": current},
    )
