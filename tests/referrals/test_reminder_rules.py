"""Reminder timings as data: a system administrator sets when each kind of reminder goes and to whom, over the
deployment's defaults; reminders scheduled afterwards follow it. Every other user gets 403."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from referrals import reminders
from referrals.models import ReminderKind, ReminderRule, ReminderState
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

DECISION = ReminderKind.REFERRAL_DECISION


def _decision_reminder(referral):
    return referral.reminders.get(kind=DECISION, state=ReminderState.PENDING)


def test_a_timing_set_applies_to_reminders_scheduled_afterwards(personas):
    before = factories.make_submitted(personas.owner)
    waiting = _decision_reminder(before).due_at
    assert waiting == reminders.due_after(DECISION, before.submitted_at)
    assert reminders.rule(DECISION) == {"working_days": 2, "role": "coordinator"}
    admin = factories.make_sysadmin()
    escalation = ReminderKind.REFERRAL_DECISION_ESCALATION
    reminders.reminder_rule_save(actor=admin, kind=escalation, values={"working_days": 7})
    reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"working_days": 5, "role": "manager"})
    assert reminders.rule(DECISION) == {"working_days": 5, "role": "manager"}  # not a stale cached rule
    after = factories.make_submitted(personas.owner)
    reminder = _decision_reminder(after)
    assert reminder.due_at == reminders.working_days.deadline_after(after.submitted_at, 5)
    assert reminder.role == "manager"
    assert _decision_reminder(before).due_at == waiting  # a reminder already waiting keeps its time
    saved = ReminderRule.objects.get(kind=DECISION)
    assert (saved.updated_by, saved.history.count(), saved.history.get().history_user) == (admin, 1, admin)


def test_a_blank_value_keeps_the_default_and_everyone_is_the_empty_role(personas):
    admin = factories.make_sysadmin()
    reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"working_days": None, "role": ""})
    assert reminders.rule(DECISION) == {"working_days": 2, "role": ""}
    reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"working_days": None, "role": None})
    assert reminders.rule(DECISION) == reminders.default_rule(DECISION)
    # only what the kind's default has can be set: a review reminder has no "working days after"
    reminders.reminder_rule_save(
        actor=admin, kind=ReminderKind.YV_REVIEW, values={"working_days": 9, "working_days_before": 4}
    )
    assert reminders.rule(ReminderKind.YV_REVIEW) == {"working_days_before": 4, "role": "coordinator"}


def test_what_may_be_set_follows_the_default():
    assert reminders.rule_fields(DECISION) == ["working_days", "role"]
    assert reminders.rule_fields(ReminderKind.MARAC_RESEARCH) == ["working_days_before"]  # each agency's own: no role
    assert reminders.rule_fields(ReminderKind.MARAC_REPEAT_REVIEW) == ["role"]  # its 12 months are the repeat window
    assert reminders.rule_fields(ReminderKind.DRAFT_ERASURE) == []


def test_an_escalation_must_come_after_the_reminder_it_escalates(personas):
    admin = factories.make_sysadmin()
    with pytest.raises(ValidationError) as error:
        reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"working_days": 4})  # escalation is 4
    assert "fewer than 4" in str(error.value)
    with pytest.raises(ValidationError):
        reminders.reminder_rule_save(
            actor=admin, kind=ReminderKind.REFERRAL_DECISION_ESCALATION, values={"working_days": 2}
        )
    reminders.reminder_rule_save(
        actor=admin, kind=ReminderKind.REFERRAL_DECISION_ESCALATION, values={"working_days": 6}
    )
    reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"working_days": 5})
    assert reminders.rule(DECISION)["working_days"] == 5


def test_only_system_administrators_and_only_sensible_values(personas):
    with pytest.raises(PermissionDenied):
        reminders.reminder_rule_save(actor=personas.owner_admin, kind=DECISION, values={"working_days": 3})
    admin = factories.make_sysadmin()
    with pytest.raises(ValidationError):
        reminders.reminder_rule_save(actor=admin, kind=ReminderKind.DRAFT_ERASURE, values={})  # no timing of its own
    with pytest.raises(ValidationError):
        reminders.reminder_rule_save(actor=admin, kind=DECISION, values={"role": "agency_admin"})
    with pytest.raises(ValidationError):
        reminders.reminder_rule_save(actor=admin, kind=ReminderKind.MARAC_ACTION_OVERDUE, values={"repeat_days": 0})
    assert not ReminderRule.objects.exists()


def test_the_pages(personas, client_for):
    client = client_for(factories.make_sysadmin())
    page = client.get(reverse("referrals:reminder_rules")).content.decode()
    assert "Referral waiting for a decision" in page and "2 working days after, to coordinators" in page
    assert ReminderKind.DRAFT_ERASURE.label not in page  # nothing to set
    url = reverse("referrals:reminder_rule", args=[DECISION])
    form = client.get(url).content.decode()
    assert "Leave blank for the default: 2" in form and "Months after" not in form
    response = client.post(url, {"working_days": "3", "role": "any"})
    assert response.status_code == 302 and response["Location"] == reverse("referrals:reminder_rules")
    page = client.get(reverse("referrals:reminder_rules")).content.decode()
    assert "3 working days after, to everyone with a case role" in page
    assert client.get(url).content.decode().count('value="any" selected') == 1


def test_bad_values_are_errors_and_keep_what_was_typed(personas, client_for):
    client = client_for(factories.make_sysadmin())
    url = reverse("referrals:reminder_rule", args=[DECISION])
    for value in ("-1", "abc", "999", "<script>", "1" * 200):
        response = client.post(url, {"working_days": value, "role": "manager"})
        html = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in html, value
        assert "<script>" not in html
    response = client.post(url, {"working_days": "3", "role": "agency_admin"})
    assert "govuk-error-summary" in response.content.decode()
    html = client.post(url, {"working_days": "-3"}).content.decode()
    assert "Working days after the event must be 0 or more" in html and 'value="-3"' in html
    html = client.post(url, {"working_days": "3 days"}).content.decode()
    assert "Working days after the event must be a number" in html and 'inputmode="numeric"' in html
    assert not ReminderRule.objects.exists()


def test_unknown_kinds_and_other_users(personas, client_for):
    admin = client_for(factories.make_sysadmin())
    for kind in ("nonsense", ReminderKind.DRAFT_ERASURE):
        assert admin.get(reverse("referrals:reminder_rule", args=[kind])).status_code == 404
    for user in (personas.owner_admin, personas.coordinator, personas.owner_manager):
        assert client_for(user).get(reverse("referrals:reminder_rules")).status_code == 403


# The rules read once (and cached), the saved rules with who saved them, and the fixed cost of a signed-in page
REMINDER_RULES_PAGE = 6


def test_the_list_page_runs_the_same_queries_however_many_rules_are_set(
    personas, client_for, django_assert_max_num_queries
):
    admin = factories.make_sysadmin()
    client, url = client_for(admin), reverse("referrals:reminder_rules")
    few = count_queries(client, url)
    for kind in (ReminderKind.YV_REVIEW, ReminderKind.HSB_REVIEW, ReminderKind.HSB_AIM3_REASSESSMENT):
        reminders.reminder_rule_save(actor=admin, kind=kind, values={"role": "manager"})
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(REMINDER_RULES_PAGE):
        client.get(url)
