"""The one place that decides who may see or do what (ARCHITECTURE.md, "Who may see what").

Two layers:
- Agency access to a case is a django-guardian object permission held by the agency's Group, stored in the
  direct foreign-key table `ReferralGroupObjectPermission`. `referral_access_sync` is the only writer: it
  works out which agencies should have access (owner, the pathway's hub, shares, and anything a pathway
  app contributes through the registry) and grants or revokes with guardian's own functions.
- Roles (from the user's Membership) decide what a member may do with what their agency can see.

Lists are scoped by a hand-written query over the permission table (an `Exists` for the page and a count
of permission rows), never `get_objects_for_user`: see ../shared/reference/performance.md. Nothing here
honours model-level (global) permissions or superuser status for case access.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_migrate
from django.http import Http404
from django.urls import reverse

from accounts.models import Agency, Membership, Role

if TYPE_CHECKING:
    from accounts.models import User
    from referrals.models import Referral

VIEW = "view"
CHANGE = "change"
CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.MANAGER)
WRITE_ROLES = (Role.CASEWORKER, Role.COORDINATOR)
ENDED = frozenset({"declined", "closed"})  # referral statuses nothing more is recorded on


# --- Roles ----------------------------------------------------------------------------------------


def membership_of(user) -> Membership | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def agency_of(user) -> Agency | None:
    membership = membership_of(user)
    return membership.agency if membership and membership.agency.is_active else None


def has_role(user, *roles: Role) -> bool:
    membership = membership_of(user)
    if membership is None or not membership.agency.is_active:
        return False
    return any(membership.has_role(role) for role in roles)


def is_system_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_file_referrals(user) -> bool:
    return has_role(user, *WRITE_ROLES)


def can_see_cases(user) -> bool:
    return has_role(user, *CASE_ROLES)


def is_coordinator(user) -> bool:
    return has_role(user, Role.COORDINATOR)


def is_manager(user) -> bool:
    return has_role(user, Role.MANAGER)


def is_agency_admin(user) -> bool:
    return has_role(user, Role.AGENCY_ADMIN)


def require(condition: bool) -> None:
    """Raise PermissionDenied (403) for a role the user lacks on something they may know exists."""
    if not condition:
        raise PermissionDenied


# --- Agency administration ------------------------------------------------------------------------


def members_manageable_by(user) -> QuerySet:
    """The users an agency administrator may manage: their own agency's, and nobody else's."""
    from accounts.models import User

    if not is_agency_admin(user):
        raise PermissionDenied
    return User.objects.filter(membership__agency=user.membership.agency).select_related("membership")


def member_for_admin(user, public_id) -> User:
    from accounts.models import User

    try:
        return members_manageable_by(user).get(public_id=public_id)
    except (User.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such member") from exc


# --- Case access: the permission table ------------------------------------------------------------


@cache
def _permission_id(codename: str) -> int:
    return Permission.objects.get(content_type__app_label="referrals", codename=codename).pk


def _perm_model():
    from referrals.models import ReferralGroupObjectPermission

    return ReferralGroupObjectPermission


def _group_perm_rows(group_id: int, need: str = VIEW) -> QuerySet:
    return _perm_model().objects.filter(group_id=group_id, permission_id=_permission_id(f"{need}_referral"))


def view_rows() -> QuerySet:
    """Every group's view rows (the audiences of the report tally: referrals.reporting.tally)."""
    return _perm_model().objects.filter(permission_id=_permission_id("view_referral"))


class VisibleReferrals(QuerySet):
    """What `referrals_visible_to` returns. Until something narrows it, its count is the number of its agency's
    view rows: one per referral (a foreign key and a unique constraint keep it so), which one index answers,
    rather than joining every row to the referral table (at a million referrals, the largest agency's count
    took 117 ms that way; docs/performance.md). Any filter, exclusion, slice, annotation, DISTINCT, extra()
    or set operation makes it count the ordinary way."""

    _scope_rows: QuerySet | None = None
    _scope_where = None

    def _clone(self):
        clone = super()._clone()
        clone._scope_rows, clone._scope_where = self._scope_rows, self._scope_where
        return clone

    def _only_the_scope(self) -> bool:
        query = self.query
        return (
            self._scope_rows is not None
            and query.where == self._scope_where
            and not (query.is_sliced or query.distinct or query.annotations or query.extra or query.combinator)
        )

    def count(self) -> int:
        if self._result_cache is None and self._only_the_scope():
            return self._scope_rows.count()
        return super().count()


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Every referral this user may see: the single scoping filter for lists, reports and exports."""
    from referrals.models import Referral

    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        return Referral.objects.none()
    rows = _group_perm_rows(agency.group_id)
    every = Referral.objects.all()  # whatever the default manager leaves out stays out
    visible = VisibleReferrals(Referral, query=every.query.chain(), using=every._db).filter(
        Exists(rows.filter(content_object=OuterRef("pk")))
    )
    visible._scope_rows, visible._scope_where = rows, visible.query.where.clone()
    return visible


def agency_can(agency: Agency, referral: Referral, need: str = VIEW) -> bool:
    return _group_perm_rows(agency.group_id, need).filter(content_object=referral).exists()


def referral_for_user(user, public_id, need: str = VIEW, queryset: QuerySet | None = None) -> Referral:
    """The referral if the user may see it. Http404 if they may not know it exists (the same answer as for
    a referral that does not exist); PermissionDenied if they may see it but not do what `need` asks.
    `queryset` lets a selector add its select_related/prefetch_related."""
    from referrals.models import Referral

    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        raise Http404("No such referral")
    base = queryset if queryset is not None else Referral.objects.all()
    rows = _group_perm_rows(agency.group_id).filter(content_object=OuterRef("pk"))
    try:
        referral = base.filter(Exists(rows), public_id=public_id).get()
    except (Referral.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such referral") from exc
    if need == CHANGE and not can_change_referral(user, referral):
        raise PermissionDenied
    return referral


def can_change_referral(user, referral: Referral) -> bool:
    """Write access: a caseworker or coordinator whose agency holds change permission on the case."""
    agency = agency_of(user)
    if agency is None or not has_role(user, *WRITE_ROLES):
        return False
    if referral.status in ENDED:
        return False
    return agency_can(agency, referral, CHANGE)


def is_owner_agency(user, referral: Referral) -> bool:
    agency = agency_of(user)
    return agency is not None and agency.pk == referral.owner_agency_id


def hub_agency_id(pathway: str) -> int | None:
    return _hubs().get(pathway)


def _hub_for(user, pathway: str) -> int | None:
    """hub_agency_id for checks about a signed-in user: every pathway's hub is read once per user object (one
    request, as the backend loads the user afresh each time), not once per check; a case page asks up to six
    times."""
    return _user_hubs(user).get(pathway)


def _user_hubs(user) -> dict[str, int]:
    hubs = getattr(user, "_svd_hubs", None)
    if hubs is None:
        hubs = user._svd_hubs = _hubs()
    return hubs


def _hubs() -> dict[str, int]:
    """{pathway: its hub agency's id}: one query (a pathway has one hub: unique)."""
    from referrals.models import PathwayHub

    return dict(PathwayHub.objects.values_list("pathway", "agency_id"))


def can_transition(user, referral: Referral, transition) -> bool:
    """May this user make this workflow move? The move's `actor` says whose decision it is."""
    agency = agency_of(user)
    if agency is None or referral.status not in transition.source:
        return False
    if transition.actor == "owner":
        return agency.pk == referral.owner_agency_id and has_role(user, *WRITE_ROLES)
    if transition.actor == "hub":
        hub = _hub_for(user, referral.pathway) or referral.owner_agency_id
        return agency.pk == hub and has_role(user, Role.COORDINATOR)
    return False


def can_share(user, referral: Referral) -> bool:
    """Sharing is decided by the owning agency's caseworkers and coordinators, once the case is submitted."""
    return (
        referral.status not in {"draft", "declined"}
        and is_owner_agency(user, referral)
        and has_role(user, *WRITE_ROLES)
    )


def can_view_history(user, referral: Referral) -> bool:
    return can_see_cases(user)


def can_view_restricted(user, referral: Referral) -> bool:
    """Restricted fields ("safe to contact", "afraid of"): the owning agency, the IDVA service and the
    coordinators of the case's own pathway hub only (not another pathway's coordinator who can see the case,
    for example because their agency attends the MARAC meeting)."""
    from accounts.models import AgencyKind

    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        return False
    if agency.pk == referral.owner_agency_id or agency.kind == AgencyKind.IDVA:
        return True
    return is_coordinator(user) and agency.pk == _hub_for(user, referral.pathway)


def can_view_access_log(user) -> bool:
    return is_agency_admin(user)


# --- Keeping the permission table in step ---------------------------------------------------------


def referrals_access_wanted(referrals: list[Referral]) -> dict[int, dict[int, str]]:
    """referral id -> (agency id -> VIEW or CHANGE): who should have access to each referral right now, and why
    not more. A fixed number of queries whatever the number of referrals."""
    from referrals import registry
    from referrals.models import ReferralShare, ShareLevel, Status

    wanted: dict[int, dict[int, str]] = {referral.pk: {referral.owner_agency_id: CHANGE} for referral in referrals}

    def grant(referral_id: int, agency_id: int, level: str) -> None:
        if wanted[referral_id].get(agency_id) != CHANGE:
            wanted[referral_id][agency_id] = level

    live = [referral for referral in referrals if referral.status != Status.DRAFT]
    if live:
        hubs = _hubs()
        for referral in live:
            hub = hubs.get(referral.pathway)
            if hub:
                grant(referral.pk, hub, CHANGE)
        shares = ReferralShare.objects.filter(referral__in=[r.pk for r in live], revoked_at__isnull=True)
        for referral_id, agency_id, level in shares.values_list("referral_id", "agency_id", "level"):
            grant(referral_id, agency_id, CHANGE if level == ShareLevel.CONTRIBUTE else VIEW)
        for provider in registry.access_providers():
            for referral_id, granted in provider(live).items():
                for agency_id, level in granted.items():
                    grant(referral_id, agency_id, level)
    return wanted


def referral_access_wanted(referral: Referral) -> dict[int, str]:
    """agency id -> VIEW or CHANGE for one referral (referrals_access_wanted)."""
    return referrals_access_wanted([referral])[referral.pk]


def referrals_access_sync(referrals: Iterable[Referral], *, left_draft: bool = False) -> dict[int, dict[int, str]]:
    """Make the guardian rows for these referrals match `referrals_access_wanted`. Returns what it wanted, by
    referral. A fixed number of queries whatever the number of referrals (publishing a MARAC case list gives
    every attending agency a row for every case).
    `left_draft`: the referrals were just submitted. The cached counts that look at status (access_counts_cached:
    "live" cases leave drafts out) are then stale for every agency that can see them, not only for those whose
    access changed. No other status move changes a cached count."""
    referrals = list(referrals)
    if not referrals:
        return {}
    wanted = referrals_access_wanted(referrals)
    current: dict[int, dict[int, set[str]]] = {referral.pk: {} for referral in referrals}
    rows = _perm_model().objects.filter(content_object__in=list(current))
    for referral_id, group_id, codename in rows.values_list("content_object_id", "group_id", "permission__codename"):
        current[referral_id].setdefault(group_id, set()).add(codename.split("_")[0])
    agencies = {agency_id for by_agency in wanted.values() for agency_id in by_agency}
    groups = dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "group_id"))
    added, removed = [], Q()
    stale: dict[int, set[int]] = {}  # referral id -> the groups whose cached counts this makes wrong
    for referral in referrals:
        have_by_group = current[referral.pk]
        wanted_by_group = {groups[a]: level for a, level in wanted[referral.pk].items() if a in groups}
        involved = set(have_by_group) | set(wanted_by_group)
        made_stale = stale.setdefault(referral.pk, set(involved) if left_draft else set())
        for group_id in involved:
            want = (
                {VIEW, CHANGE}
                if wanted_by_group.get(group_id) == CHANGE
                else ({VIEW} if group_id in wanted_by_group else set())
            )
            have = have_by_group.get(group_id, set())
            if want == have:
                continue
            for level in want - have:
                row = _perm_model()(group_id=group_id, permission_id=_permission_id(f"{level}_referral"))
                row.content_object = referral
                row.copy_from_referral(owner_group_id=groups.get(referral.owner_agency_id))
                added.append(row)
            for level in have - want:
                removed |= Q(
                    content_object=referral, group_id=group_id, permission_id=_permission_id(f"{level}_referral")
                )
            if (VIEW in want) != (VIEW in have):
                made_stale.add(group_id)
    # The rows guardian's assign_perm and remove_perm would write, in one statement each rather than a lookup, a
    # SELECT and an INSERT per row. A row another transaction has just written is left as it is, as
    # assign_perm's get_or_create would.
    if added:
        _perm_model().objects.bulk_create(added, ignore_conflicts=True)
    if removed:
        _perm_model().objects.filter(removed).delete()
    for group_id in set().union(*stale.values()):
        access_version_bump(group_id)
    from referrals.reporting.tally import tally_batch, tally_refresh

    with tally_batch():  # who can see them, or that they count at all, changed: the report tally, once
        for referral in referrals:
            if stale[referral.pk] and referral.submitted_at is not None:
                tally_refresh(referral=referral, groups=stale[referral.pk])
    return wanted


def referral_access_sync(referral: Referral, *, left_draft: bool = False) -> dict[int, str]:
    """referrals_access_sync for one referral. Returns what it wanted."""
    return referrals_access_sync([referral], left_draft=left_draft)[referral.pk]


# --- Reminders and notifications (issue 6: referrals/reminders.py) --------------------------------


def _holds_role(*roles: Role) -> Q:
    """A User filter: their membership holds any of these roles."""
    held = Q()
    for role in roles:
        held |= Q(**{f"membership__{Membership.ROLE_FIELDS[role]}": True})
    return held


def reminder_recipients(reminder) -> list[User]:
    """Who a due reminder goes to: the named person, or the members of the named agency who hold the named
    role (any case role when none is named). Only active people in active agencies whose agency may still see
    the case: a reminder is never a way to learn about a case you cannot open. (A reminder about something
    other than a case, such as a MARAC meeting's research, goes to the agency its pathway app named.)"""
    from accounts.models import User

    users = User.objects.filter(is_active=True, membership__agency__is_active=True)
    if reminder.user_id:
        users = users.filter(pk=reminder.user_id)
    if reminder.agency_id:
        users = users.filter(membership__agency_id=reminder.agency_id)
    users = users.filter(_holds_role(*((Role(reminder.role),) if reminder.role else CASE_ROLES)))
    if reminder.referral_id is not None:
        rows = _perm_model().objects.filter(
            group_id=OuterRef("membership__agency__group_id"),
            permission_id=_permission_id("view_referral"),
            content_object_id=reminder.referral_id,
        )
        users = users.filter(Exists(rows))
    return list(users.order_by("pk"))


def notifications_of(user) -> QuerySet:
    """A person's own notifications, and nobody else's."""
    from referrals.models import Notification

    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def notification_for_user(user, public_id):
    """One of the person's own notifications; 404 for anyone else's, as for one that does not exist."""
    from referrals.models import Notification

    try:
        return notifications_of(user).get(public_id=public_id)
    except (Notification.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such notification") from exc


def can_manage_reminders(user) -> bool:
    """Failed reminders and emails: system administrators see all; agency administrators their agency's."""
    return is_system_admin(user) or is_agency_admin(user)


def reminders_failed_visible_to(user) -> QuerySet:
    from referrals.models import Reminder, ReminderState

    require(can_manage_reminders(user))
    failed = Reminder.objects.filter(state=ReminderState.FAILED)
    if is_system_admin(user):
        return failed
    agency = agency_of(user)
    return failed.filter(Q(agency=agency) | Q(user__membership__agency=agency))


def notifications_failed_visible_to(user) -> QuerySet:
    from referrals.models import EmailState, Notification

    require(can_manage_reminders(user))
    failed = Notification.objects.filter(email_state=EmailState.FAILED)
    if is_system_admin(user):
        return failed
    return failed.filter(user__membership__agency=agency_of(user))


def failed_reminder_for_admin(user, public_id):
    """403 for someone who manages no reminders; 404 for a reminder outside their agency or not failed."""
    from referrals.models import Reminder

    try:
        return reminders_failed_visible_to(user).get(public_id=public_id)
    except (Reminder.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such reminder") from exc


def failed_email_for_admin(user, public_id):
    from referrals.models import Notification

    try:
        return notifications_failed_visible_to(user).get(public_id=public_id)
    except (Notification.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such email") from exc


def permission_ids_forget(**kwargs) -> None:
    """Forget the cached permission ids (`_permission_id`). A database flush (every transactional test's
    teardown) recreates the permission rows with new ids; without this, the next test in the same process
    would scope every case list and recipient search to a permission id that no longer exists."""
    _permission_id.cache_clear()


post_migrate.connect(permission_ids_forget, dispatch_uid="accounts.permissions.permission_ids_forget")


# --- Navigation -----------------------------------------------------------------------------------


def navigation_for(user, path: str) -> list[dict]:
    """The service navigation for this user's roles. Items are added by what the user may do."""
    if user is None or not user.is_authenticated:
        return []
    from referrals import registry

    items = [("Home", reverse("home"))]
    if can_see_cases(user):
        items.append(("Cases", reverse("referrals:list")))
    if can_file_referrals(user):
        items.append(("New referral", reverse("referrals:start")))
    for label, url, check in registry.navigation_items():
        if check(user):
            items.append((label, url))
    if is_agency_admin(user):
        items.append(("Members", reverse("accounts:members")))
        items.append(("Access log", reverse("referrals:access_log")))
    result = []
    for label, url in items:
        active = path == url if url == "/" else path.startswith(url)
        result.append({"label": label, "url": url, "active": active, "badge": None})
    for item in registry.navigation_badges():
        item(user, result)
    return result


# --- HSB pathway (hsb_pathway) ---------------------------------------------------------------------
# Who may record and move harmful sexual behaviour cases. Case access itself is the referral's (above).

HSB_RECORDING_STATUSES = frozenset({"submitted", "accepted", "open"})
HSB_MOVING_STATUSES = frozenset({"accepted", "open"})


def hsb_case_for_user(user, public_id, need: str = VIEW, queryset: QuerySet | None = None) -> Referral:
    """An HSB referral the user may see (404 otherwise, the same as for a referral on another pathway or none
    at all); PermissionDenied if `need` is CHANGE and they may not record on it."""
    referral = referral_for_user(user, public_id, queryset=queryset)
    if referral.pathway != "hsb" or referral.status == "draft":
        raise Http404("No such referral")
    if need == CHANGE and not hsb_can_record(user, referral):
        raise PermissionDenied
    return referral


def hsb_can_record(user, referral: Referral) -> bool:
    """Record stage work (strategy discussion, assessments, interventions, reviews): a caseworker or
    coordinator whose agency may change the case, while the case is live."""
    return referral.status in HSB_RECORDING_STATUSES and can_change_referral(user, referral)


def hsb_can_record_order(user, referral: Referral) -> bool:
    """Orders outlive the case work: they (and their variations, renewals, breaches and discharge) may be
    recorded on a closed HSB case too, by a caseworker or coordinator whose agency holds change permission."""
    agency = agency_of(user)
    if agency is None or not has_role(user, *WRITE_ROLES):
        return False
    if referral.status not in HSB_RECORDING_STATUSES | {"closed"}:
        return False
    return agency_can(agency, referral, CHANGE)


def hsb_is_hub_member(user) -> bool:
    """A case role in the HSB hub agency (children's services): they get the HSB case list in the navigation."""
    agency = agency_of(user)
    return agency is not None and can_see_cases(user) and agency.pk == _hub_for(user, "hsb")


def hsb_can_move_stage(user, referral: Referral) -> bool:
    """Moving an HSB case between stages (and closing it) is the HSB hub coordinator's decision. The service
    also refuses, with its own message, until the hub has accepted the referral (HSB_MOVING_STATUSES)."""
    agency = agency_of(user)
    if agency is None or not has_role(user, Role.COORDINATOR) or referral.status in {"draft", "declined"}:
        return False
    hub = _hub_for(user, "hsb") or referral.owner_agency_id
    return agency.pk == hub


def duty_share_problem(*, owner: Agency, agency: Agency, lawful_basis: str) -> str | None:
    """Sharing under s16 of the Serious Violence Duty (PCSC Act 2022) is between authorities under the duty:
    a share to or from a partner outside it needs another recorded lawful basis. Checked on every pathway."""
    from accounts.models import DutyStatus
    from referrals.models import LawfulBasis

    if lawful_basis != LawfulBasis.SVD_S16:
        return None
    outside = next((a for a in (owner, agency) if a.duty_status == DutyStatus.PARTNER), None)
    if outside is None:
        return None
    return (
        f"Section 16 of the Serious Violence Duty covers only authorities under the duty, and "
        f"{outside.name} is not one: choose another lawful basis, such as consent"
    )


def hsb_share_problem(*, referral: Referral, agency: Agency, lawful_basis: str) -> str | None:
    """The HSB pathway's share rule (registered with referrals.registry): the Serious Violence Duty's sharing
    power (PCSC Act 2022 s16) does not authorise disclosure of personal information by a health or social care
    authority, so an HSB case owned by one is shared outward only on another recorded lawful basis."""
    from referrals.models import LawfulBasis

    owner = referral.owner_agency
    if owner.is_health_or_social_care and lawful_basis == LawfulBasis.SVD_S16:
        return (
            f"{owner.name} is a health or social care agency. The Serious Violence Duty information-sharing power "
            "(s16) does not cover health or social care information: select another lawful basis"
        )
    return None


def hsb_share_notice(referral: Referral) -> str | None:
    """What the share page says about the rule above, on the cases it applies to."""
    if not referral.owner_agency.is_health_or_social_care:
        return None
    return (
        "This harmful sexual behaviour case is held by a health or social care agency. Health and social care "
        "information is not covered by the Serious Violence Duty's information-sharing power (s16): you must "
        "record another lawful basis, such as consent, the Children Act, the Care Act or public task for "
        "safeguarding."
    )


hsb_share_problem.notice = hsb_share_notice


# --- Reports (issue 7, referrals.reporting) --------------------------------------------------------
# Reports show counts only. Managers see partnership-wide counts; every other case role sees counts of
# exactly the cases their agency can see (the same scoping as the case lists). Targets are set by managers;
# outside data (outcome measures) and the population figure are kept by system administrators.


def can_view_reports(user) -> bool:
    return can_see_cases(user)


def can_view_partnership_reports(user) -> bool:
    return is_manager(user)


def can_set_targets(user) -> bool:
    return is_manager(user)


def can_see_target_status(user, *, counted_from_cases: bool) -> bool:
    """On track or not against a target is judged on partnership-wide figures. Anyone else's figures for a
    measure counted from cases cover only what their agency can see, so they see the target, not a status
    (outside data is the same for everyone)."""
    return can_view_partnership_reports(user) or not counted_from_cases


def can_manage_report_data(user) -> bool:
    """Outcome measure figures (entry and CSV import) and the adult female population."""
    return is_system_admin(user)


def can_manage_reminder_rules(user) -> bool:
    """When reminders go and to whom: system administrators (counts of nothing, and no case)."""
    return is_system_admin(user)


def can_manage_retention(user) -> bool:
    """Retention periods and the erasure record: system administrators, who see no case (only counts)."""
    return is_system_admin(user)


def _erasure_keeper_scope(user) -> tuple[int, frozenset[str]] | None:
    """Whose cases this user may keep from erasure: (their agency, if they are its manager or coordinator; the
    pathways whose hub their agency is, if they are a coordinator), or None. One rule for the check and the list."""
    agency = agency_of(user)
    if agency is None or not has_role(user, Role.MANAGER, Role.COORDINATOR):
        return None
    hubs = _user_hubs(user) if has_role(user, Role.COORDINATOR) else {}
    return agency.pk, frozenset(pathway for pathway, hub in hubs.items() if hub == agency.pk)


def can_hold_from_erasure(user, referral: Referral) -> bool:
    """Keep a case beyond its retention period, or release it: a manager or coordinator of the owning agency, or a
    coordinator of the case's pathway hub (who commissions reviews such as a domestic homicide review). Not a
    draft: a draft is its author's and is erased if it is left."""
    scope = _erasure_keeper_scope(user)
    if scope is None or referral.status == "draft":
        return False
    own, hub_pathways = scope
    return referral.owner_agency_id == own or referral.pathway in hub_pathways


def can_review_erasure(user) -> bool:
    """See the cases due for erasure that one may keep (the list form of can_hold_from_erasure)."""
    return _erasure_keeper_scope(user) is not None


def referrals_holdable_by(user) -> QuerySet[Referral]:
    """Every case can_hold_from_erasure lets this user keep, among those they may see. No drafts."""
    from referrals.models import Referral

    scope = _erasure_keeper_scope(user)
    if scope is None:
        return Referral.objects.none()
    own, hub_pathways = scope
    wanted = Q(owner_agency_id=own) | Q(pathway__in=sorted(hub_pathways)) if hub_pathways else Q(owner_agency_id=own)
    return referrals_visible_to(user).filter(wanted).exclude(status="draft")


def can_view_outcome_measures(user) -> bool:
    """Outside data holds no case information: anyone with reports, and the administrators who keep it."""
    return can_view_reports(user) or can_manage_report_data(user)


def can_open_reports(user) -> bool:
    return can_view_reports(user) or can_manage_report_data(user)


def referrals_reportable_to(user) -> QuerySet[Referral]:
    """The referrals a user's report counts: every submitted referral for a manager, otherwise the submitted
    referrals their agency can see (`referrals_visible_to`). Drafts are never counted."""
    from referrals.models import Referral

    if can_view_partnership_reports(user):
        queryset = Referral.objects.all()
    elif can_view_reports(user):
        queryset = referrals_visible_to(user)
    else:
        return Referral.objects.none()
    return queryset.filter(submitted_at__isnull=False)


def report_audience(user) -> int | None:
    """`referrals_reportable_to` as an audience of the report tally (referrals.reporting.tally): PARTNERSHIP (0)
    for someone whose reports are partnership-wide, their agency's group for anyone else who may see reports
    (the referrals that group can see), None for no one."""
    from referrals.models import ReportTally

    if can_view_partnership_reports(user):
        return ReportTally.PARTNERSHIP
    agency = agency_of(user)
    return agency.group_id if agency is not None and can_view_reports(user) else None


# --- MARAC (issue 4: marac app) ----------------------------------------------------------------------
# Meetings, research and actions. A MARAC coordinator is a coordinator in the MARAC hub agency (a coordinator
# of another pathway's hub is not one). Attending agencies see a meeting once its case list is published;
# their access to the listed cases comes from `marac_referral_access`, an access provider that
# `referral_access_sync` unions with the other sources.

MANAGE = "manage"


def is_marac_coordinator(user) -> bool:
    agency = agency_of(user)
    return agency is not None and has_role(user, Role.COORDINATOR) and agency.pk == _hub_for(user, "marac")


def can_record_idva_contact(user, referral: Referral) -> bool:
    """The IDVA service's first contact with a victim: recorded by its caseworkers and coordinators, or by the MARAC
    hub's coordinators, on a submitted MARAC case still live (the caller has checked that the user sees it)."""
    from accounts.models import AgencyKind

    agency = agency_of(user)
    if agency is None or referral.pathway != "marac" or referral.status == "draft" or referral.status in ENDED:
        return False
    if agency.kind == AgencyKind.IDVA:
        return has_role(user, *WRITE_ROLES)
    return is_marac_coordinator(user)


def can_manage_meetings(user) -> bool:
    return is_marac_coordinator(user)


def can_view_meetings(user) -> bool:
    """The meetings page: coordinators see every meeting, other case roles the published ones they attend."""
    return can_see_cases(user)


def can_decide_repeats(user) -> bool:
    return is_marac_coordinator(user)


def can_export_marac(user) -> bool:
    """Case lists and the action tracker as PDF or CSV: MARAC coordinators only."""
    return is_marac_coordinator(user)


def can_view_data_return(user) -> bool:
    """Counts only: MARAC coordinators and managers in the MARAC hub agency."""
    agency = agency_of(user)
    if agency is None or agency.pk != _hub_for(user, "marac"):
        return False
    return has_role(user, Role.COORDINATOR, Role.MANAGER)


def meetings_counted_for(user) -> QuerySet:
    """The meetings whose counts (the quarterly data return, actions by agency) a user may see: every MARAC meeting
    for the MARAC hub's coordinators and managers, who run them all (can_view_data_return); none for anyone else.
    Counts only: a manager who is not invited to a meeting still cannot open it (meetings_visible_to)."""
    from marac.models import Meeting

    return Meeting.objects.all() if can_view_data_return(user) else Meeting.objects.none()


def _active_invitations(agency_id: int):
    from marac.models import MeetingAgency

    return MeetingAgency.objects.filter(agency_id=agency_id, withdrawn_at__isnull=True)


def meeting_notice_recipients(meeting) -> QuerySet:
    """Who is told that a meeting's case list is published: caseworkers and coordinators, active, in the
    active agencies still invited."""
    from accounts.models import User

    return User.objects.filter(
        _holds_role(*WRITE_ROLES),
        is_active=True,
        membership__agency__is_active=True,
        membership__agency_id__in=_invited_agencies(meeting),
    )


def _invited_agencies(meeting):
    from marac.models import MeetingAgency

    return MeetingAgency.objects.filter(meeting=meeting, withdrawn_at__isnull=True).values("agency_id")


def meetings_visible_to(user) -> QuerySet:
    from marac.models import Meeting, MeetingStatus

    if is_marac_coordinator(user):
        return Meeting.objects.all()
    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        return Meeting.objects.none()
    invited = _active_invitations(agency.pk).filter(meeting=OuterRef("pk"))
    return Meeting.objects.filter(Exists(invited), status__in=[MeetingStatus.PUBLISHED, MeetingStatus.HELD])


def meeting_for_user(user, public_id, need: str = VIEW):
    """The meeting if the user may see it (Http404 otherwise, as for one that does not exist); with
    need=MANAGE, PermissionDenied for someone who may see it but is not a MARAC coordinator."""
    from marac.models import Meeting

    try:
        meeting = meetings_visible_to(user).get(public_id=public_id)
    except (Meeting.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such meeting") from exc
    if need == MANAGE and not can_manage_meetings(user):
        raise PermissionDenied
    return meeting


def meeting_case_for_user(user, meeting, referral_public_id, queryset: QuerySet | None = None):
    """A case listed (and not removed) on a meeting the user can see, whose referral they may see now:
    removal from the list or withdrawal of their agency ends this on the next request."""
    from marac.models import MeetingCase

    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        raise Http404("No such case")
    rows = _group_perm_rows(agency.group_id).filter(content_object=OuterRef("referral_id"))
    base = queryset if queryset is not None else MeetingCase.objects.select_related("referral")
    try:
        return base.filter(Exists(rows), meeting=meeting, removed_at__isnull=True).get(
            referral__public_id=referral_public_id
        )
    except (MeetingCase.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such case") from exc


def attends(user, meeting) -> bool:
    agency = agency_of(user)
    return agency is not None and _active_invitations(agency.pk).filter(meeting=meeting).exists()


def can_record_research(user, meeting_case) -> bool:
    """Research is written by a caseworker or coordinator of an attending agency, before the meeting is held."""
    from marac.models import MeetingStatus

    meeting = meeting_case.meeting
    return (
        meeting.status == MeetingStatus.PUBLISHED
        and meeting_case.removed_at is None
        and has_role(user, *WRITE_ROLES)
        and attends(user, meeting)
    )


def research_visible_to(user, meeting_case) -> QuerySet:
    """Each agency's research is private to it and the coordinators until the meeting shares it."""
    from marac.models import Research

    research = Research.objects.filter(meeting_case=meeting_case)
    if is_marac_coordinator(user) or meeting_case.research_shared_at is not None:
        return research
    agency = agency_of(user)
    return research.filter(agency=agency) if agency is not None else research.none()


def can_view_minutes(user, meeting) -> bool:
    """Minutes: coordinators at any time; attending agencies once the meeting is held."""
    from marac.models import MeetingStatus

    return is_marac_coordinator(user) or (meeting.status == MeetingStatus.HELD and can_see_cases(user))


def actions_visible_to(user) -> QuerySet:
    """The action tracker: coordinators see every action; other case roles their own agency's."""
    from marac.models import Action

    if is_marac_coordinator(user):
        return Action.objects.all()
    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        return Action.objects.none()
    return Action.objects.filter(agency=agency)


def minutes_cases_visible_to(user, meeting_cases: QuerySet) -> QuerySet:
    """The cases a meeting's minutes show this user: coordinators see every listing, including cases taken off
    the list (and why); a case taken off is no business of the agencies attending any more."""
    return meeting_cases if can_manage_meetings(user) else meeting_cases.filter(removed_at__isnull=True)


def can_act_at_meeting(user, meeting) -> bool:
    """Share the agencies' research and agree actions: MARAC coordinators, once the case list is published
    (the services refuse a draft list too)."""
    return meeting.status != "draft" and can_manage_meetings(user)


def can_view_action(user, action) -> bool:
    """One action, as actions_visible_to scopes the tracker: coordinators any, other case roles their agency's."""
    if is_marac_coordinator(user):
        return True
    agency = agency_of(user)
    return agency is not None and can_see_cases(user) and agency.pk == action.agency_id


def can_update_action(user, action) -> bool:
    """Each agency updates its own actions (caseworkers and coordinators); MARAC coordinators update any."""
    if is_marac_coordinator(user):
        return True
    agency = agency_of(user)
    return agency is not None and agency.pk == action.agency_id and has_role(user, *WRITE_ROLES)


def action_for_user(user, public_id, need: str = VIEW):
    from marac.models import Action

    try:
        action = (
            actions_visible_to(user)
            .select_related("agency", "referral", "meeting_case__meeting", "status_reported_by")
            .get(public_id=public_id)
        )
    except (Action.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such action") from exc
    if need == CHANGE and not can_update_action(user, action):
        raise PermissionDenied
    return action


def marac_referral_access(referrals: list[Referral]) -> dict[int, dict[int, str]]:
    """Access provider (referrals.registry): view access for every agency attending a published or held meeting
    that lists the case, and for any agency that owns an open action on it. Three queries for any number of
    referrals."""
    from marac.models import Action, ActionStatus, MeetingAgency, MeetingCase, MeetingStatus

    ids = [referral.pk for referral in referrals if referral.pathway == "marac" and referral.pk is not None]
    if not ids:
        return {}
    granted: dict[int, dict[int, str]] = {}
    listed = MeetingCase.objects.filter(
        referral_id__in=ids,
        removed_at__isnull=True,
        meeting__status__in=[MeetingStatus.PUBLISHED, MeetingStatus.HELD],
    ).values_list("referral_id", "meeting_id")
    on_meetings: dict[int, set[int]] = {}
    for referral_id, meeting_id in listed:
        on_meetings.setdefault(meeting_id, set()).add(referral_id)
    if on_meetings:
        attending = MeetingAgency.objects.filter(meeting_id__in=list(on_meetings), withdrawn_at__isnull=True)
        for meeting_id, agency_id in attending.values_list("meeting_id", "agency_id"):
            for referral_id in on_meetings[meeting_id]:
                granted.setdefault(referral_id, {})[agency_id] = VIEW
    owners = Action.objects.filter(referral_id__in=ids, status=ActionStatus.OPEN)
    for referral_id, agency_id in owners.values_list("referral_id", "agency_id"):
        granted.setdefault(referral_id, {})[agency_id] = VIEW
    return granted


# --- Scale (issue 8: benchmarks) ------------------------------------------------------------------------


def shared_case_rows(user) -> QuerySet:
    """The view rows of the user's agency for referrals it does not own ("Shared with my agency"), newest case
    first: one walk of ref_perm_list_idx, whose entries carry the order (docs/performance.md). Counting them
    counts that list. The same set as referrals_visible_to less the agency's own referrals."""
    agency = agency_of(user)
    if agency is None or not can_see_cases(user):
        return _perm_model().objects.none()
    return _group_perm_rows(agency.group_id).filter(by_owner=False).order_by("-case_created_at", "-content_object_id")


# Counts of what an agency can see change only when its view rows do, and referral_access_sync is their only
# writer: it moves the group's "access version" on (after the commit), and the case lists cache their counts
# under it (docs/performance.md). At a million referrals the counts are most of a list page's database time
# (half a million permission rows for a pathway hub). The cache is never the only source: on any cache error,
# or after ACCESS_COUNT_SECONDS, the counts are read again.

ACCESS_COUNT_SECONDS = 300
_logger = logging.getLogger(__name__)


def _access_version_key(group_id: int) -> str:
    return f"svd:access-version:{group_id}"


def access_version_bump(group_id: int) -> None:
    """Make every count cached for this group stale: now (for the rest of this transaction) and again once it
    commits (a count another request read before the commit and cached under the first bump is then left
    behind too)."""
    from django.db import transaction

    def bump() -> None:
        from django.core.cache import cache

        key = _access_version_key(group_id)
        try:
            try:
                cache.incr(key)
            except ValueError:  # no version yet
                cache.set(key, 1, None)
        except Exception:  # noqa: BLE001 - a cache that is down only means counts are read again
            _logger.warning("Could not move the access version of group %s on", group_id, exc_info=True)

    bump()
    transaction.on_commit(bump)


def access_counts_cached(agency: Agency, name: str, compute):
    """`compute()` for this agency, cached under the group's access version. Only for values that depend on
    nothing but the agency's view rows and the referrals it owns (both change through referral_access_sync)."""
    from django.core.cache import cache

    try:
        version = cache.get(_access_version_key(agency.group_id), 0)
        key = f"svd:access-counts:{name}:{agency.group_id}:{agency.created_at.timestamp()}:{version}"
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - no cache: count every time
        _logger.warning("Cache unavailable: counting without it", exc_info=True)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, ACCESS_COUNT_SECONDS)
    except Exception:  # noqa: BLE001
        _logger.warning("Cache unavailable: counts not kept", exc_info=True)
    return value
