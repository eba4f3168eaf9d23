"""Every write to a referral: typed, keyword-only, atomic; each writes a timeline event.

Field history comes from simple-history; services set `_history_user` explicitly so rows written from
tasks and management commands are attributed too (security.md 3.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Agency
from referrals import registry
from referrals.models import (
    AccessAction,
    AccessLog,
    EventKind,
    Pathway,
    Person,
    PersonRole,
    ReferenceCounter,
    Referral,
    ReferralEvent,
    ReferralShare,
    ShareLevel,
    Status,
)
from referrals.reporting import tally
from referrals.workflow import InvalidTransition, Transition, check_transition


class EditConflict(Exception):
    """Someone else saved the referral since this user loaded it."""

    def __init__(self, referral: Referral):
        super().__init__("The referral was changed by someone else")
        self.referral = referral


class JourneyIncomplete(Exception):
    def __init__(self, missing: list[str]):
        super().__init__("Some questions have not been answered")
        self.missing = missing


class ShareRefused(Exception):
    pass


def attributed(instance: models.Model, actor) -> models.Model:
    """Attach the acting user for simple-history, whether or not there is a request."""
    instance._history_user = actor
    return instance


def event_record(
    *, referral: Referral, actor, kind: str, summary: str, data: dict[str, Any] | None = None
) -> ReferralEvent:
    """Append an event to the case timeline. `summary` must carry no personal data."""
    return ReferralEvent.objects.create(
        referral=referral,
        actor=actor,
        actor_agency=permissions.agency_of(actor) if actor is not None else None,
        kind=kind,
        summary=summary[:300],
        data=data or {},
    )


def referral_lock(referral: Referral, expected_version: int | None = None) -> Referral:
    """Lock the referral row (before any row that belongs to it, so locks are always taken in one order); refuse
    if it has moved on since the user loaded it. Pathway services lock through this too."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict(locked)
    return locked


def referrals_lock(pks) -> dict[int, Referral]:
    """Lock several referral rows in one query (not one SELECT ... FOR UPDATE each), by primary key. The rows
    are locked in primary-key order, so two services locking overlapping sets (two meetings publishing lists
    that share a case) take the locks in the same order and cannot deadlock. No version check: callers that
    lock many cases at once act on the cases as they now are, as `referral_lock` does without a version."""
    return {
        referral.pk: referral for referral in Referral.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }


def _bump(referral: Referral, actor, reason: str) -> None:
    referral.version += 1
    attributed(referral, actor)
    referral._change_reason = reason
    referral.full_clean()
    referral.save()


# --- Drafts and edits -----------------------------------------------------------------------------


@transaction.atomic
def referral_create_draft(*, actor, pathway: str) -> Referral:
    agency = permissions.agency_of(actor)
    if agency is None or not permissions.can_file_referrals(actor):
        raise ValidationError("Only caseworkers and coordinators can file referrals")
    if pathway not in Pathway.values:
        raise ValidationError({"pathway": "Select a pathway"})
    referral = attributed(Referral(pathway=pathway, owner_agency=agency, referrer=actor), actor)
    referral._change_reason = "referral_create_draft"
    referral.full_clean()
    referral.save()
    permissions.referral_access_sync(referral)
    event_record(referral=referral, actor=actor, kind=EventKind.CREATED, summary="Draft started")
    return referral


@transaction.atomic
def referral_update(
    *, referral: Referral, actor, data: dict[str, Any], expected_version: int | None, section: str = ""
) -> Referral:
    """Change fields on the referral itself (summary, consent...)."""
    locked = referral_lock(referral, expected_version)
    for name, value in data.items():
        setattr(locked, name, value)
    _bump(locked, actor, f"referral_update:{section}")
    if locked.status != Status.DRAFT:
        event_record(
            referral=locked,
            actor=actor,
            kind=EventKind.UPDATED,
            summary=f"Updated: {section or 'details'}",
            data={"fields": sorted(data)},
        )
    return locked


@transaction.atomic
def referral_part_save(
    *,
    referral: Referral,
    actor,
    instance: models.Model,
    expected_version: int | None,
    section: str,
    event_summary: str = "",
    event_data: dict[str, Any] | None = None,
) -> models.Model:
    """Save a row that belongs to the referral (a person, pathway details), under the referral's version.
    A pathway app may name the timeline event itself (`event_summary`, no personal data): it is then recorded
    as a pathway event instead of "Updated: <section>"."""
    locked = referral_lock(referral, expected_version)
    is_new = instance.pk is None
    attributed(instance, actor)
    instance._change_reason = f"referral_part_save:{section}"
    instance.full_clean()
    instance.save()
    _bump(locked, actor, f"referral_part_save:{section}")
    if locked.status != Status.DRAFT and event_summary:
        event_record(referral=locked, actor=actor, kind=EventKind.PATHWAY, summary=event_summary, data=event_data)
    elif locked.status != Status.DRAFT:
        kind = (
            EventKind.PERSON_ADDED
            if isinstance(instance, Person) and is_new
            else (EventKind.PERSON_UPDATED if isinstance(instance, Person) else EventKind.UPDATED)
        )
        event_record(referral=locked, actor=actor, kind=kind, summary=f"Updated: {section}")
    for hook in registry.part_saved_hooks():
        hook(referral=locked, instance=instance, actor=actor, is_new=is_new)
    if locked.submitted_at is not None and isinstance(instance, tally.FACT_MODELS):
        tally.tally_refresh(referral=locked)
    referral.version = locked.version
    return instance


@transaction.atomic
def person_remove(*, referral: Referral, actor, person: Person, expected_version: int | None) -> None:
    locked = referral_lock(referral, expected_version)
    if person.referral_id != locked.pk:
        raise ValidationError("That person is not on this referral")
    if person.role == PersonRole.SUBJECT:
        raise ValidationError("The subject of a referral cannot be removed")
    attributed(person, actor)
    person.delete()
    _bump(locked, actor, "person_remove")
    if locked.status != Status.DRAFT:
        event_record(referral=locked, actor=actor, kind=EventKind.PERSON_REMOVED, summary="Person removed")


# --- Workflow -------------------------------------------------------------------------------------


def journey_missing(referral: Referral) -> list[str]:
    from referrals.journey import steps_for

    return [step.title for step in steps_for(referral) if not step.is_complete(referral)]


def _issue_reference(now) -> str:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=now.year)
    counter.last += 1
    counter.save()
    return f"{settings.SVD_REFERENCE_PREFIX}-{now.year}-{counter.last:05d}"


@transaction.atomic
def referral_transition(
    *, referral: Referral, actor, name: str, reason: str = "", expected_version: int | None = None
) -> Referral:
    """Move a referral through its workflow (submit, accept, decline, open, close, reopen)."""
    locked = referral_lock(referral, expected_version)
    transition: Transition = check_transition(locked.status, name)
    if not permissions.can_transition(actor, locked, transition):
        raise InvalidTransition("You cannot do that to this referral")
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": "Enter the reason"})
    now = timezone.now()
    if name == "submit":
        missing = journey_missing(locked)
        if missing:
            raise JourneyIncomplete(missing)
        locked.reference = _issue_reference(now)
        locked.submitted_at = locked.received_at = now
    elif name == "accept":
        locked.accepted_at = now
    elif name == "decline":
        locked.decline_reason = reason
        locked.closed_at = now
    elif name == "close":
        locked.close_reason = reason
        locked.closed_at = now
    elif name == "reopen":
        locked.closed_at = None
    previous = locked.status
    locked.status = transition.target
    _bump(locked, actor, f"referral_transition:{name}")
    permissions.referral_access_sync(locked, left_draft=previous == Status.DRAFT)
    event_record(
        referral=locked,
        actor=actor,
        kind=transition.event,
        summary=transition.label.replace(" referral", "").replace(" case", "")
        + (f": {reason[:200]}" if reason and name in {"decline", "close", "reopen"} else ""),
        data={"from": previous, "to": locked.status},
    )
    for hook in registry.transition_hooks():
        hook(referral=locked, transition=transition, actor=actor)
    return locked


# --- Sharing --------------------------------------------------------------------------------------


@dataclass
class ShareRequest:
    agency: Agency
    level: str
    reason: str
    lawful_basis: str


def share_problem(*, referral: Referral, request: ShareRequest) -> str | None:
    """Why this share may not be made, or None. Pathway apps can add stricter rules (HSB)."""
    if request.agency.pk == referral.owner_agency_id:
        return "A referral cannot be shared with the agency that owns it"
    if not request.agency.is_active:
        return "That agency is no longer active"
    if referral.shares.filter(agency=request.agency, revoked_at__isnull=True).exists():
        return f"The referral is already shared with {request.agency.name}"
    if request.level not in ShareLevel.values:
        return "Select what the agency may do"
    if not request.reason.strip():
        return "Enter the reason for sharing"
    if not request.lawful_basis:
        return "Select the lawful basis for sharing"
    problem = permissions.duty_share_problem(
        owner=referral.owner_agency, agency=request.agency, lawful_basis=request.lawful_basis
    )
    if problem:
        return problem
    rule = registry.share_rule(referral.pathway)
    if rule is not None:
        return rule(referral=referral, agency=request.agency, lawful_basis=request.lawful_basis)
    return None


@transaction.atomic
def referral_share(*, referral: Referral, actor, request: ShareRequest) -> ReferralShare:
    locked = referral_lock(referral, None)
    if not permissions.can_share(actor, locked):
        raise ShareRefused("Only the owning agency can share this referral")
    problem = share_problem(referral=locked, request=request)
    if problem:
        raise ShareRefused(problem)
    share = attributed(
        ReferralShare(
            referral=locked,
            agency=request.agency,
            level=request.level,
            reason=request.reason.strip(),
            lawful_basis=request.lawful_basis,
            shared_by=actor,
        ),
        actor,
    )
    share.full_clean()
    share.save()
    permissions.referral_access_sync(locked)
    event_record(
        referral=locked,
        actor=actor,
        kind=EventKind.SHARED,
        summary=f"Shared with {request.agency.short_name} ({ShareLevel(request.level).label.lower()})",
        data={"agency": request.agency.pk, "level": request.level, "lawful_basis": request.lawful_basis},
    )
    return share


@transaction.atomic
def referral_share_revoke(*, share: ReferralShare, actor, reason: str = "") -> ReferralShare:
    locked = referral_lock(share.referral, None)
    if not permissions.can_share(actor, locked):
        raise ShareRefused("Only the owning agency can revoke sharing")
    share = ReferralShare.objects.select_for_update().get(pk=share.pk)
    if share.revoked_at is not None:
        raise ShareRefused("Sharing with that agency has already been revoked")
    share.revoked_at = timezone.now()
    share.revoked_by = actor
    share.revoke_reason = (reason or "").strip()
    attributed(share, actor)
    share.save()
    permissions.referral_access_sync(locked)
    event_record(
        referral=locked,
        actor=actor,
        kind=EventKind.SHARE_REVOKED,
        summary=f"Sharing with {share.agency.short_name} revoked",
        data={"agency": share.agency_id},
    )
    return share


# --- Access log -----------------------------------------------------------------------------------


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _access_log_row(*, user, referral: Referral | None, action: str, page: str, request, record_count) -> AccessLog:
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    return AccessLog(
        user=user,
        agency=permissions.agency_of(user),
        referral=referral,
        referral_reference=referral.display_reference if referral else "",
        owner_agency_id=referral.owner_agency_id if referral else None,
        action=action,
        page=page[:100],
        record_count=record_count,
        ip_address=_client_ip(request),
        request_id=getattr(request, "request_id", "") if request else "",
    )


def access_log_record(
    *, user, referral: Referral | None, action: str, page: str, request=None, record_count: int | None = None
) -> AccessLog:
    """Record that `user` viewed or exported a case (or, with referral=None, a multi-case export)."""
    row = _access_log_row(
        user=user, referral=referral, action=action, page=page, request=request, record_count=record_count
    )
    row.save()
    return row


def access_log_page(
    request, referral: Referral | None, action: str = AccessAction.VIEW_SECTION, record_count: int | None = None
) -> AccessLog:
    """access_log_record for the signed-in user of `request`, naming the page by its URL name."""
    return access_log_record(
        user=request.user,
        referral=referral,
        action=action,
        page=request.resolver_match.view_name,
        request=request,
        record_count=record_count,
    )


def access_logs_record(
    *, user, referrals: list[Referral], action: str, page: str, request=None, record_count: int | None = None
) -> list[AccessLog]:
    """access_log_record for several cases seen or exported at once (a meeting's minutes, an export): one row
    each, written in one INSERT."""
    rows = [
        _access_log_row(
            user=user, referral=referral, action=action, page=page, request=request, record_count=record_count
        )
        for referral in referrals
    ]
    return AccessLog.objects.bulk_create(rows)


def access_logs_page(
    request, referrals, action: str = AccessAction.VIEW_SECTION, record_count: int | None = None
) -> list[AccessLog]:
    """access_logs_record for the signed-in user of `request`, naming the page by its URL name (access_log_page
    for several cases)."""
    return access_logs_record(
        user=request.user,
        referrals=list(referrals),
        action=action,
        page=request.resolver_match.view_name,
        request=request,
        record_count=record_count,
    )
