from __future__ import annotations

from django import forms
from django.utils.text import capfirst

from referrals.retention.models import (
    MAX_DRAFT_DAYS,
    MAX_KEEP_YEARS,
    MIN_DRAFT_DAYS,
    MIN_KEEP_YEARS,
    RetentionRule,
)
from svd_portal.lib.forms import GovukForm, whole_number_field


def _whole_number(name: str, low: int, high: int, help_text: str):
    return whole_number_field(RetentionRule, name, low, high, help_text)


class RetentionRuleForm(GovukForm):
    keep_years = _whole_number(
        "keep_years",
        MIN_KEEP_YEARS,
        MAX_KEEP_YEARS,
        "Counted from the day the case was closed or declined. The whole case is then erased, with its history.",
    )
    draft_days = _whole_number(
        "draft_days",
        MIN_DRAFT_DAYS,
        MAX_DRAFT_DAYS,
        "Counted from the last change to the draft.",
    )
    basis = forms.CharField(
        label=capfirst(RetentionRule._meta.get_field("basis").verbose_name),
        max_length=300,
        help_text="For example, the information sharing agreement and its section",
    )


class HoldForm(GovukForm):
    """Keep a case from erasure, or release it: one reason either way."""

    reason = forms.CharField(
        label="Why must this case be kept?", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, releasing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if releasing:
            field.label = "Why can it now be erased when its period ends?"
            field.error_messages["required"] = "Enter why the case no longer needs to be kept"
        else:
            field.help_text = "For example, a domestic homicide review or court proceedings. Say who asked for it."
            field.error_messages["required"] = "Enter why the case must be kept"
