"""Every read the referral pages need, already scoped through accounts.permissions, owning the joins."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.text import capfirst

from accounts import permissions
from accounts.models import User
from referrals import registry
from referrals.models import (
    PHONE_SEARCH_RE,
    AccessLog,
    Person,
    PersonRole,
    Referral,
    ReferralEvent,
    ReferralShare,
    RetentionHold,
    is_phone_search,
    name_key,
    phone_key,
)

REFERENCE_RE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{3,7}$", re.IGNORECASE)


@dataclass
class Page:
    """One page of a list, with the total counted separately (the count is the expensive half)."""

    items: list
    number: int
    total: int
    page_size: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.page_size + 1

    @property
    def end_index(self) -> int:
        return min(self.total, self.number * self.page_size)


def page_number(raw: Any) -> int:
    try:
        return max(1, min(int(raw), 100_000))
    except (TypeError, ValueError):
        return 1


def page_start(*, number: int, total: int, page_size: int) -> tuple[int, int]:
    """(the page number, kept within the pages there are; the offset of its first item)."""
    number = min(number, max(1, -(-total // page_size)))
    return number, (number - 1) * page_size


def paginate(queryset: QuerySet, *, number: int, total: int, page_size: int | None = None) -> Page:
    size = page_size or settings.SVD_PAGE_SIZE
    number, start = page_start(number=number, total=total, page_size=size)
    return Page(items=list(queryset[start : start + size]), number=number, total=total, page_size=size)


def subjects_prefetch(prefix: str = "", *, also: tuple[str, ...] = ()) -> Prefetch:
    """Each referral's subjects as `subjects`, oldest first, with only their names (and the columns in `also`):
    all a list row shows of them. `prefix` reaches the referral through a relation ("referral__")."""
    subjects = Person.objects.filter(role=PersonRole.SUBJECT).only("referral", "first_name", "last_name", *also)
    return Prefetch(f"{prefix}people", queryset=subjects.order_by("id"), to_attr="subjects")


# The columns a row of a case list or of search results shows (a list row does not read the summary or reasons).
CASE_ROW_COLUMNS = ("public_id", "reference", "pathway", "status", "created_at", "owner_agency__short_name")


@dataclass
class CaseFilters:
    pathway: str = ""
    status: str = ""
    received_from: datetime.datetime | None = None
    received_to: datetime.datetime | None = None

    @property
    def any(self) -> bool:
        return bool(self.pathway or self.status or self.received_from or self.received_to)

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.pathway:
            queryset = queryset.filter(pathway=self.pathway)
        if self.status:
            queryset = queryset.filter(status=self.status)
        return in_range(queryset, "created_at", self.received_from, self.received_to)


def in_range(queryset: QuerySet, field: str, start: datetime.datetime | None, end: datetime.datetime | None):
    """`queryset` with `field` from `start` (included) to `end` (not included), either end open when None."""
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def case_list(*, user, scope: str, filters: CaseFilters, number: int = 1) -> Page:
    """ "My agency's cases" (scope="mine") or "Shared with my agency" (scope="shared"), newest first.

    Query shapes: docs/performance.md. A page's 25 ids are found first by an index-only walk and only their rows
    are then fetched, so a deep page skips index entries rather than table rows. Unfiltered, "shared" walks the
    agency's own permission rows (ref_perm_list_idx: the rows carry the case's created_at and whether they are
    the owner's), so its count and any page cost the same for an agency that sees one case in a thousand as
    for the hub that sees half. "Mine" walks the referrals by owner. Unfiltered counts are cached until the
    agency's access changes (permissions.access_counts_cached)."""
    size = settings.SVD_PAGE_SIZE
    agency = permissions.agency_of(user)
    if agency is None or not permissions.can_see_cases(user):
        return Page(items=[], number=1, total=0, page_size=size)
    ordering = ("-created_at", "-id")
    if scope == "shared" and not filters.any:
        rows = permissions.shared_case_rows(user)
        total = permissions.access_counts_cached(agency, "shared-rows", rows.count)
        ids = rows.values("content_object_id")
    else:
        if scope == "shared":
            base = permissions.referrals_visible_to(user).exclude(owner_agency=agency)
        else:
            base = Referral.objects.filter(owner_agency=agency)
        queryset = filters.apply(base)
        # (unfiltered, only "mine" comes here)
        total = queryset.count() if filters.any else permissions.access_counts_cached(agency, "mine", queryset.count)
        ids = queryset.order_by(*ordering).values("pk")
    number, start = page_start(number=number, total=total, page_size=size)
    items = (
        Referral.objects.filter(pk__in=ids[start : start + size])
        .select_related("owner_agency")
        .only(*CASE_ROW_COLUMNS)
        .prefetch_related(subjects_prefetch())
        .order_by(*ordering)
    )
    return Page(items=list(items) if total else [], number=number, total=total, page_size=size)


def case_search(*, user, query: str, limit: int = 50) -> list[Referral]:
    """Find visible cases by reference, by anyone's phone number on them (however it was typed), or by name (any
    order of the words, aliases included)."""
    query = (query or "").strip()
    visible = permissions.referrals_visible_to(user)
    if REFERENCE_RE.match(query):
        matches = visible.filter(reference__iexact=query)
    elif is_phone_search(query):
        return _with_number_holders(visible, phone_key(query), limit)
    elif PHONE_SEARCH_RE.match(query):
        return []  # too few digits to be a whole number
    else:
        words = name_key(query).split()
        if not words:
            return []
        people = Person.objects.all()
        for word in words[:5]:
            people = people.filter(name_key__contains=word)
        matches = visible.filter(pk__in=people.values("referral_id"))
    return _result_rows(matches, limit)


def _result_rows(matches: QuerySet[Referral], limit: int) -> list[Referral]:
    return list(
        matches.select_related("owner_agency")
        .only(*CASE_ROW_COLUMNS)
        .prefetch_related(subjects_prefetch())
        .order_by("-created_at")[:limit]
    )


def _with_number_holders(visible: QuerySet[Referral], key: str, limit: int) -> list[Referral]:
    """The visible cases with `key` on someone, each with `number_of`: the roles of the people it is recorded for.
    A number may be an alleged perpetrator's, so whoever searched must see whose it is before acting on it."""
    holders = Person.objects.filter(phone_key=key)
    results = _result_rows(visible.filter(pk__in=holders.values("referral_id")), limit)
    roles: dict[int, list[str]] = {}
    for referral_id, role in holders.filter(referral__in=results).order_by("role").values_list("referral_id", "role"):
        roles.setdefault(referral_id, []).append(PersonRole(role).label.lower())
    for referral in results:
        referral.number_of = roles.get(referral.pk, [])
    return results


def _with_pathway_parts(referral: Referral) -> Referral:
    """Load the pathway's own parts (MARAC details, HSB details, ...) once the referral's pathway is known.
    Joining every pathway's tables into the referral query cost more in planning (about 4 ms at 100,000
    referrals, nine tables) than these small primary-key lookups do."""
    names = registry.case_prefetch(referral.pathway)
    if names:
        prefetch_related_objects([referral], *names)
    return referral


def case_detail(*, user, public_id) -> Referral:
    """The case page: the referral, its people, shares and timeline in a fixed number of queries."""
    prefetch = [
        Prefetch("people", queryset=Person.objects.order_by("role", "id")),
        Prefetch("shares", queryset=ReferralShare.objects.select_related("agency", "shared_by", "revoked_by")),
        Prefetch(
            "events",
            queryset=ReferralEvent.objects.select_related("actor", "actor_agency").order_by("-at", "-id"),
        ),
    ]
    related = ("owner_agency", "referrer", "retention_hold__placed_by")
    queryset = Referral.objects.select_related(*related).prefetch_related(*prefetch)
    return _with_pathway_parts(permissions.referral_for_user(user, public_id, queryset=queryset))


def retention_hold_of(referral: Referral) -> RetentionHold | None:
    """The case's retention hold, if it is kept from erasure (loaded with the referral by case_detail)."""
    try:
        return referral.retention_hold
    except RetentionHold.DoesNotExist:
        return None


def referral_for_edit(*, user, public_id) -> Referral:
    """A referral the user may change, with what the journey pages read."""
    queryset = Referral.objects.select_related("owner_agency").prefetch_related(
        Prefetch("people", queryset=Person.objects.order_by("role", "id"))
    )
    referral = permissions.referral_for_user(user, public_id, need=permissions.CHANGE, queryset=queryset)
    return _with_pathway_parts(referral)


# --- History --------------------------------------------------------------------------------------


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime.datetime
    who: str
    what: str
    kind: str  # created, changed, deleted
    changes: list[Change]


def _history_models() -> list[tuple[type, str]]:
    """Every history-tracked model that belongs to a referral: (historical model, how it points at one)."""
    from simple_history.models import registered_models

    found = []
    for model in registered_models.values():
        history = model.history.model
        names = {f.name for f in history._meta.get_fields()}
        if model is Referral:
            found.append((history, "id"))
        elif "referral" in names:
            found.append((history, "referral_id"))
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def _fmt(record, field, names: dict | None = None) -> str:
    value = getattr(record, field.attname)
    if field.is_relation:
        return (names or {}).get((field.related_model._meta.label, value), "" if value is None else "(removed)")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value or ""))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    return str(value)


def case_history(*, referral: Referral, show_restricted: bool) -> list[HistoryEntry]:
    """Field-by-field changes to the referral and everything that belongs to it, newest first.
    One query per history-tracked model (and one each for the names of people and agencies), whatever the
    number of changes. Restricted fields are left out unless `show_restricted`."""
    from accounts.models import Agency, User

    entries: list[HistoryEntry] = []
    hidden = {"id", "version", "name_key", "referral", "public_id", "created_at"}
    user_ids, agency_ids = set(), set()
    batches = []
    for history, pointer in _history_models():
        model = history.instance_type
        restricted = set() if show_restricted else registry.restricted_fields(model._meta.label)
        tracked = {f.attname for f in history._meta.concrete_fields}
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.name not in hidden
            and f.name not in restricted
            and f.attname in tracked
            and (not f.is_relation or f.related_model in (User, Agency))
        ]
        rows = list(history.objects.filter(**{pointer: referral.pk}).order_by("id", "history_date", "history_id"))
        batches.append((model, fields, rows))
        for r in rows:
            user_ids.add(r.history_user_id)
            for f in fields:
                if f.is_relation:
                    (user_ids if f.related_model is User else agency_ids).add(getattr(r, f.attname))
    names = {
        ("accounts.User", pk): name
        for pk, name in User.objects.filter(pk__in=user_ids - {None}).values_list("pk", "full_name")
    }
    names.update(
        {
            ("accounts.Agency", pk): name
            for pk, name in Agency.objects.filter(pk__in=agency_ids - {None}).values_list("pk", "name")
        }
    )
    for model, fields, rows in batches:
        label = capfirst(str(model._meta.verbose_name))
        for _, group in groupby(rows, key=lambda r: r.id):
            previous = None
            for record in group:
                if record.history_type == "+":
                    changes = [
                        Change(capfirst(str(f.verbose_name)), "", _fmt(record, f, names))
                        for f in fields
                        if _fmt(record, f, names) != ""
                    ]
                    kind = "created"
                elif record.history_type == "-":
                    changes, kind = [], "deleted"
                else:
                    changes = []
                    for f in fields:
                        old = _fmt(previous, f, names) if previous is not None else ""
                        new = _fmt(record, f, names)
                        if old != new:
                            changes.append(Change(capfirst(str(f.verbose_name)), old, new))
                    kind = "changed"
                previous = record
                if kind == "changed" and not changes:
                    continue
                entries.append(
                    HistoryEntry(
                        at=record.history_date,
                        who=names.get(("accounts.User", record.history_user_id), "System"),
                        what=label,
                        kind=kind,
                        changes=changes,
                    )
                )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


# --- Access log -----------------------------------------------------------------------------------


OTHER_AGENCIES = "other"  # the access log's "any agency but mine"


@dataclass(frozen=True)
class AccessLogFilters:
    """What an administrator narrows their access log to (forms.AccessLogFilterForm): a case reference, who (part
    of a name, or an email address), their agency (an id, or OTHER_AGENCIES: any but the administrator's), what
    they did, and a range of moments."""

    reference: str = ""
    person: str = ""
    agency: str = ""
    action: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    def apply(self, queryset: QuerySet, *, own_agency) -> QuerySet:
        if self.reference:
            typed = self.reference.strip()
            if REFERENCE_RE.match(typed):  # by the case, through accesslog_referral_at_idx
                queryset = queryset.filter(referral__in=Referral.objects.filter(reference=typed.upper()))
            else:  # a draft, as the log names it ("Draft 1a2b3c4d")
                queryset = queryset.filter(referral_reference__iexact=typed)
        if self.person:
            who = self.person.strip()
            people = User.objects.filter(Q(full_name__icontains=who) | Q(email__iexact=who))
            queryset = queryset.filter(user__in=people)
        if self.agency == OTHER_AGENCIES:
            queryset = queryset.exclude(agency=own_agency)
        elif self.agency:
            queryset = queryset.filter(agency_id=int(self.agency))
        if self.action:
            queryset = queryset.filter(action=self.action)
        return in_range(queryset, "at", self.start, self.end)


NO_FILTERS = AccessLogFilters()


def access_log_rows(*, user, filters: AccessLogFilters = NO_FILTERS) -> QuerySet[AccessLog]:
    """Access-log rows for the cases the administrator's agency owns, as filtered, newest first."""
    agency = permissions.agency_of(user)
    queryset = filters.apply(AccessLog.objects.filter(owner_agency=agency), own_agency=agency)
    return queryset.select_related("user", "agency").order_by("-at", "-id")


def access_log_for_admin(*, user, filters: AccessLogFilters = NO_FILTERS, number: int = 1) -> Page:
    """One page of access_log_rows, with their count."""
    rows = access_log_rows(user=user, filters=filters)
    return paginate(rows, number=number, total=rows.order_by().count())


# --- Reminders and notifications (issue 6) ---------------------------------------------------------


def notifications_unread_count(*, user) -> int:
    """The header badge: one COUNT over the partial index notif_user_unread_idx."""
    return permissions.notifications_of(user).filter(read_at__isnull=True).count()


def notifications_page(*, user, number: int = 1) -> Page:
    """A person's own notifications, newest first. Each carries its reference and link: no joins."""
    queryset = permissions.notifications_of(user)
    total = queryset.count()
    fields = ("public_id", "kind", "reference", "link", "due_at", "deadline", "created_at", "read_at", "email_state")
    return paginate(queryset.only(*fields), number=number, total=total)


def reminder_failures(*, user, number: int = 1) -> tuple[Page, list]:
    """Failed reminders (a page of them) and failed emails (the latest 50) the administrator may see."""
    reminders = permissions.reminders_failed_visible_to(user)
    total = reminders.count()
    page = paginate(
        reminders.select_related("agency", "referral").order_by("-failed_at", "-id"), number=number, total=total
    )
    emails = list(
        permissions.notifications_failed_visible_to(user).select_related("user", "referral").order_by("-id")[:50]
    )
    return page, emails
