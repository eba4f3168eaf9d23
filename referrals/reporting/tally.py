"""The report tally (ReportTally): submitted referrals counted by the London day they were submitted, by
audience and by the facts the report measures ask about, so that a report page adds up a few thousand rows
instead of counting up to a million referrals on every view (ADR 17, docs/performance.md).

Facts of a submitted referral (FACTS): its pathway, whether its referring agency is a police force, its youth
violence incident type, and whether a pathway app counts it as a repeat (registry.register_report_repeat: MARAC).
A measure names the facts of what it counts; `facts_filter` turns them into a filter over Referral (counting
live) or over ReportTally (adding up the tally), so both ways count the same thing from one definition.

Audiences: the partnership (ReportTally.PARTNERSHIP: every referral) and each agency group that can see the
referral (its view row), exactly the scopes of permissions.referrals_reportable_to.

The services keep it exact, in their own transaction: whenever a submitted referral's facts or audiences may
have changed they call `tally_refresh`, which counts that day's referrals again for the audiences concerned
(permissions.referral_access_sync for submission and every access change; referral_part_save for its details;
the MARAC app when it flags a repeat; accounts' agency_update when an agency's kind changes). Refreshes hold
one transaction-scoped lock until commit, so two of them never count the same day from different snapshots.
`tally_rebuild` counts everything again: the `report_tally_rebuild` command (after loading data outside the
services) and a nightly task that would put right anything a service missed.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import permissions
from accounts.models import AgencyKind
from referrals import registry
from referrals.models import Referral, ReportTally, ReportTallyState, YouthViolenceDetail
from referrals.reporting.periods import add_months, london_midnight

FACTS = ("pathway", "police", "incident_type", "repeat")
# Parts of a referral whose saving may change one of its facts (services.referral_part_save then refreshes).
FACT_MODELS = (YouthViolenceDetail,)
PARTNERSHIP = ReportTally.PARTNERSHIP
TALLY_KEY = ("audience", "day", *FACTS)  # the columns _counted's keys hold, in order
COPY_FROM = 1_000  # rows: more than this are written with COPY on PostgreSQL
LOCK_KEY = 7_104_221  # pg_advisory_xact_lock key for the tally (any constant no other lock uses)


# --- Facts -----------------------------------------------------------------------------------------


def _repeats() -> Q | None:
    """Referrals a pathway app counts as repeats, or None when no app counts any."""
    filters = [repeats() for repeats in registry.report_repeat_filters()]
    return reduce(or_, filters) if filters else None


def _live(name: str, value: Any) -> Q:
    """One fact as a filter over Referral."""
    if name == "pathway":
        return Q(pathway=value)
    if name == "police":
        police = Q(owner_agency__kind=AgencyKind.POLICE)
        return police if value else ~police
    if name == "incident_type":
        # "id in (the details of that type)": an index-only scan (yv_incident_referral_idx) hashed once.
        return Q(pk__in=YouthViolenceDetail.objects.filter(incident_type=value).values("referral_id"))
    if name == "repeat":
        repeats = _repeats()
        if repeats is None:
            return Q(pk__in=[]) if value else Q()
        return repeats if value else ~repeats
    raise ValueError(f"Unknown report fact {name!r}")


def facts_filter(facts: dict[str, Any], *, tally: bool = False) -> Q:
    """The referrals with these facts ({} is every referral): a filter over ReportTally rows when `tally`,
    otherwise over Referral."""
    unknown = set(facts) - set(FACTS)
    if unknown:
        raise ValueError(f"Unknown report facts {sorted(unknown)}")
    result = Q()
    for name, value in facts.items():
        result &= Q(**{name: value}) if tally else _live(name, value)
    return result


def _fact_rows(referrals: QuerySet) -> dict[int, tuple]:
    """{referral id: (London day submitted, pathway, police, incident type, repeat)} for the submitted ones.
    Three queries, each a join on the few referrals asked about: a filter like `incident_type` or the repeats
    (hashed over every repeat in the database) would cost more than the day's referrals themselves."""
    submitted = referrals.filter(submitted_at__isnull=False)
    ids = submitted.values("pk")
    incidents = dict(
        YouthViolenceDetail.objects.filter(referral_id__in=ids).values_list("referral_id", "incident_type").order_by()
    )
    repeats = _repeats()
    repeated = (
        set() if repeats is None else set(Referral.objects.filter(repeats, pk__in=ids).values_list("pk", flat=True))
    )
    found = {}
    rows = submitted.values_list("pk", "submitted_at", "pathway", "owner_agency__kind").order_by()
    for pk, submitted_at, pathway, kind in rows:
        day = timezone.localtime(submitted_at).date()
        found[pk] = (day, pathway, kind == AgencyKind.POLICE, incidents.get(pk, ""), pk in repeated)
    return found


def _counted(facts: dict[int, tuple], audiences: set[int] | None) -> Counter:
    """{(audience, day, facts...): referrals} for these referrals, for `audiences` (None: all of them)."""
    counts: Counter = Counter()
    if audiences is None or PARTNERSHIP in audiences:
        for row in facts.values():
            counts[(PARTNERSHIP, *row)] += 1
    groups = None if audiences is None else audiences - {PARTNERSHIP}
    if groups is None or groups:
        views = permissions.view_rows().filter(content_object_id__in=list(facts))
        if groups is not None:
            views = views.filter(group_id__in=groups)
        for referral_id, group_id in views.values_list("content_object_id", "group_id").order_by().iterator(10_000):
            counts[(group_id, *facts[referral_id])] += 1
    return counts


def _write(counts: Counter) -> None:
    """Insert counted rows: with COPY on PostgreSQL when there are many (a full recount writes millions, and
    building a model object for each took most of its time), otherwise with bulk_create."""
    if connection.vendor == "postgresql" and len(counts) > COPY_FROM:
        columns = ", ".join(connection.ops.quote_name(name) for name in (*TALLY_KEY, "count"))
        table = connection.ops.quote_name(ReportTally._meta.db_table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for key, n in counts.items():
                copy.write_row((*key, n))
        return
    rows = [ReportTally(count=n, **dict(zip(TALLY_KEY, key, strict=True))) for key, n in counts.items()]
    ReportTally.objects.bulk_create(rows, batch_size=5_000)


def _lock() -> None:
    """Hold the tally's lock until this transaction ends. SQLite takes one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _day_referrals(days: Iterable[datetime.date]) -> QuerySet:
    moments = Q()
    for day in days:
        moments |= Q(
            submitted_at__gte=london_midnight(day),
            submitted_at__lt=london_midnight(day + datetime.timedelta(days=1)),
        )
    return Referral.objects.filter(moments)


# --- Keeping it: what the services call -----------------------------------------------------------


_pending: ContextVar[dict | None] = ContextVar("report_tally_pending", default=None)


def tally_refresh(*, referral: Referral, groups: Iterable[int] = ()) -> None:
    """Count again the day `referral` was submitted on, for the partnership, every group that can see it now
    and `groups` (those that have just lost sight of it). Nothing for a draft. Call it, in the same
    transaction, after anything that may change a submitted referral's facts or who can see it. Inside
    `tally_batch()` it only notes the referral, and the batch counts once at its end."""
    pending = _pending.get()
    if pending is not None:
        pending["referrals"].add(referral.pk)
        pending["groups"].update(groups)
        return
    _refresh({referral.pk}, set(groups))


@contextmanager
def tally_batch():
    """For a service that changes many referrals at once (publishing a MARAC case list): the refreshes asked for
    inside the block become one recount at its end, of every day noted for every audience noted, in the same
    transaction. Nothing is counted if the block raises (its transaction is rolled back anyway)."""
    if _pending.get() is not None:  # already inside a batch: the outer one counts
        yield
        return
    token = _pending.set({"referrals": set(), "groups": set()})
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    if pending["referrals"]:
        _refresh(pending["referrals"], pending["groups"])


def _refresh(referral_ids: set[int], groups: set[int]) -> None:
    days, audiences = _counted_under(referral_ids)
    if days:
        _recount(_day_referrals(days), Q(day__in=days), audiences | groups)


def _counted_under(referral_ids: set[int]) -> tuple[set[datetime.date], set[int]]:
    """The days these referrals were submitted on and the audiences that count them (the partnership and every
    group that can see one of them)."""
    moments = Referral.objects.filter(pk__in=referral_ids, submitted_at__isnull=False).values_list("submitted_at")
    days = {timezone.localtime(moment).date() for (moment,) in moments}
    if not days:
        return set(), set()
    seeing = permissions.view_rows().filter(content_object_id__in=referral_ids).values_list("group_id", flat=True)
    return days, {PARTNERSHIP, *seeing}


@contextmanager
def tally_erasing(referral_ids: set[int]):
    """For deleting referrals (retention erasure): note the days and audiences they are counted under before the
    block deletes them, and count those days again after it, in the same transaction."""
    days, audiences = _counted_under(referral_ids)
    yield
    if days:
        _recount(_day_referrals(days), Q(day__in=days), audiences)


@transaction.atomic
def _recount(referrals: QuerySet, days: Q, audiences: set[int] | None = None) -> int:
    """Count `referrals` again into the tally rows `days` selects, for `audiences` (None: every audience), under
    the tally's lock. `referrals` must be every submitted referral of those days. Returns how many it counted."""
    _lock()
    facts = _fact_rows(referrals)
    replaced = ReportTally.objects.filter(days)
    if audiences is not None:
        replaced = replaced.filter(audience__in=audiences)
    replaced.delete()
    _write(_counted(facts, audiences))
    return len(facts)


def tally_refresh_days(days: Iterable[datetime.date]) -> None:
    """Count these days again for every audience, a month's days per transaction (an agency's kind changed:
    the days its referrals were submitted on)."""
    ordered = sorted(set(days))
    for _month, chunk in itertools.groupby(ordered, key=lambda d: (d.year, d.month)):
        chunk_days = list(chunk)
        _recount(_day_referrals(chunk_days), Q(day__in=chunk_days))


def agency_days(agency_id: int) -> set[datetime.date]:
    """The London days an agency's referrals were submitted on."""
    moments = Referral.objects.filter(owner_agency_id=agency_id, submitted_at__isnull=False)
    return {timezone.localtime(moment).date() for moment in moments.datetimes("submitted_at", "day")}


def tally_rebuild(*, since: datetime.date | None = None) -> int:
    """Count the submitted referrals again, a month per transaction: every one (and then the reports may trust
    the tally: ReportTallyState), or those submitted from the month of `since` on. Returns how many it counted."""
    first = Referral.objects.filter(submitted_at__isnull=False).order_by("submitted_at").first()
    end = timezone.localdate().replace(day=1)
    start = end if first is None else timezone.localtime(first.submitted_at).date().replace(day=1)
    if since is not None:
        start = max(start, since.replace(day=1))
    else:
        ReportTally.objects.filter(day__lt=start).delete()
    ReportTally.objects.filter(day__gte=add_months(end, 1)).delete()
    counted = 0
    month = start
    while month <= end:
        following = add_months(month, 1)
        submitted = Referral.objects.filter(
            submitted_at__gte=london_midnight(month), submitted_at__lt=london_midnight(following)
        )
        counted += _recount(submitted, Q(day__gte=month, day__lt=following))
        month = following
    if since is None:
        ReportTallyState.objects.update_or_create(
            pk=ReportTallyState.SINGLETON_ID, defaults={"built_at": timezone.now()}
        )
    return counted


# --- Reading it -----------------------------------------------------------------------------------


def is_built() -> bool:
    """Whether the tally has been counted in full, so that the reports may add it up."""
    return ReportTallyState.objects.filter(pk=ReportTallyState.SINGLETON_ID, built_at__isnull=False).exists()


def tally_rows(audience: int) -> QuerySet:
    return ReportTally.objects.filter(audience=audience)
