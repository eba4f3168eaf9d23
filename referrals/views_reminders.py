"""Notification and reminder pages (issue 6): thin views over referrals.selectors and referrals.reminders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from referrals import reminders, selectors
from referrals.forms import ReminderRuleForm, saved_through
from referrals.models import ReminderKind, ReminderRule


@require_http_methods(["GET"])
def notifications(request):
    page = selectors.notifications_page(user=request.user, number=selectors.page_number(request.GET.get("page")))
    return render(request, "referrals/notifications.html", {"page": page})


@require_POST
def notification_read(request, public_id):
    notification = permissions.notification_for_user(request.user, public_id)
    reminders.notification_mark_read(notification=notification, actor=request.user)
    return redirect("referrals:notifications")


@require_POST
def notifications_read_all(request):
    count = reminders.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read")
    return redirect("referrals:notifications")


@require_http_methods(["GET"])
def reminder_failures(request):
    permissions.require(permissions.can_manage_reminders(request.user))
    page, emails = selectors.reminder_failures(user=request.user, number=selectors.page_number(request.GET.get("page")))
    return render(
        request,
        "referrals/reminder_failures.html",
        {"page": page, "emails": emails},
    )


@require_POST
def reminder_retry(request, public_id):
    reminder = permissions.failed_reminder_for_admin(request.user, public_id)
    try:
        reminders.reminder_retry(reminder=reminder, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        about = reminder.referral.display_reference if reminder.referral else reminder.label
        messages.success(request, f"The reminder about {about} will be sent again")
    return redirect("referrals:reminder_failures")


@require_POST
def email_retry(request, public_id):
    notification = permissions.failed_email_for_admin(request.user, public_id)
    try:
        reminders.notification_email_retry(notification=notification, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The email about {notification.reference} will be sent again")
    return redirect("referrals:reminder_failures")


# --- Reminder timings (system administrators) ---------------------------------------------------------


@require_http_methods(["GET"])
def reminder_rules(request):
    """Every kind of reminder with a timing: when it goes and to whom, now and by default."""
    permissions.require(permissions.can_manage_reminder_rules(request.user))
    saved = {rule.kind: rule for rule in ReminderRule.objects.select_related("updated_by")}
    overrides = reminders.rule_overrides()
    rows = []
    for kind, label in ReminderKind.choices:
        fields = reminders.rule_fields(kind)
        if not fields:
            continue
        now, default = reminders.rule(kind, overrides), reminders.default_rule(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "now": reminders.describe_rule({name: now[name] for name in fields if name in now}),
                "default": reminders.describe_rule(default),
                "changed": saved.get(kind) if kind in overrides else None,
            }
        )
    return render(request, "referrals/reminder_rules.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def reminder_rule(request, kind):
    permissions.require(permissions.can_manage_reminder_rules(request.user))
    fields = reminders.rule_fields(kind) if kind in ReminderKind.values else []
    if not fields:
        raise Http404("No such reminder")
    default = reminders.default_rule(kind)
    form = ReminderRuleForm(
        request.POST if request.method == "POST" else None,
        fields=fields,
        default=default,
        current=reminders.rule_overrides().get(kind, {}),
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if saved_through(form, lambda: reminders.reminder_rule_save(actor=request.user, kind=kind, values=values)):
            messages.success(request, f"{ReminderKind(kind).label}: timing saved")
            return redirect("referrals:reminder_rules")
    return render(
        request,
        "referrals/reminder_rule.html",
        {"form": form, "label": ReminderKind(kind).label, "default": reminders.describe_rule(default)},
    )
