"""Retention rules and erasure records (security.md §2.5 and scenario 33).

No national MARAC retention period exists: each partnership's information sharing agreement sets its own. So the
periods are data a system administrator keeps, one rule per pathway, not constants in code. A pathway with no rule
is never erased. The nightly sweep (referrals.retention.services) erases what a rule says is due and leaves an
ErasureRecord: the tombstone, which holds no personal data and not even the case's reference.

The models belong to referrals.models, which imports them (as the report models do).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from referrals.models import AppendOnlyModel, Pathway  # defined before referrals.models imports this module

MODELS_MODULE = "referrals.models"

MIN_KEEP_YEARS, MAX_KEEP_YEARS = 1, 100
MIN_DRAFT_DAYS, MAX_DRAFT_DAYS = 7, 3650


class RetentionRule(models.Model):
    """How long one pathway's cases are kept. Ended cases (closed or declined) are erased `keep_years` after
    they ended; drafts never submitted are erased `draft_days` after they were last changed."""

    __module__ = MODELS_MODULE

    pathway = models.CharField(max_length=20, choices=Pathway.choices, unique=True)
    keep_years = models.PositiveSmallIntegerField(
        "Years to keep a case after it ends",
        validators=[MinValueValidator(MIN_KEEP_YEARS), MaxValueValidator(MAX_KEEP_YEARS)],
    )
    draft_days = models.PositiveSmallIntegerField(
        "Days to keep a draft that was never submitted",
        validators=[MinValueValidator(MIN_DRAFT_DAYS), MaxValueValidator(MAX_DRAFT_DAYS)],
    )
    basis = models.CharField("Where this period comes from", max_length=300)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pathway"]

    def __str__(self) -> str:
        return f"{self.get_pathway_display()}: {self.keep_years} years"


class RetentionHold(models.Model):
    """A case kept beyond its retention period, and why (a domestic homicide review, proceedings, an inquiry). The
    sweep erases no held case. Releasing the hold deletes the row; its history and the timeline keep both moves."""

    __module__ = MODELS_MODULE

    referral = models.OneToOneField("referrals.Referral", on_delete=models.CASCADE, related_name="retention_hold")
    reason = models.CharField("Why this case must be kept", max_length=300)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)

    # The release's reason is the change reason of the history row its deletion writes: whole, not cut to 100.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    def __str__(self) -> str:
        return f"Hold on referral {self.referral_id}"


class ErasureReason(models.TextChoices):
    ENDED = "ended", "Kept for the retention period after it ended"
    DRAFT = "draft", "Draft never submitted"


class ErasureRecord(AppendOnlyModel):
    """That a case was erased: when, why, under which period, and how many rows went. Written once by the
    erasure service and never changed. It holds no personal data and no case reference: nothing here can be
    joined back to a person."""

    __module__ = MODELS_MODULE

    at = models.DateTimeField(default=timezone.now, db_index=True)
    pathway = models.CharField(max_length=20, choices=Pathway.choices)
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(max_length=10, choices=ErasureReason.choices)
    ended_month = models.DateField(help_text="The first of the month the case ended (or the draft was last changed)")
    keep_for = models.CharField(max_length=60, help_text="The period the rule set at the time, in words")
    rows = models.JSONField(default=dict, help_text="Rows erased, by table")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_pathway_display()} case erased {self.at:%Y-%m-%d}"

    @property
    def rows_total(self) -> int:
        return sum(self.rows.values())
