# ruff: noqa: S608 - the hand-written floors are built from this module's constants and model table names;
# the values that vary are passed as parameters.
"""The benchmark behind `make bench` (python manage.py run_bench): each page's server time and query count,
beside the same result computed by hand-written SQL (the floor), measured interleaved in one run.

Method (../shared/reference/performance.md): every case runs `iterations` times after a warm-up, the pages
and their floors in a freshly shuffled order each iteration; the ratio is the median of the per-iteration
ratios page / floor. Server time is measured in-process: Django's test Client through the whole middleware
stack (session, both factors, the view, the template) with CaptureQueriesContext counting the queries and a
connection execute_wrapper timing them. Before timing, each list floor is checked to return the same rows as
the page's selector.

Sessions: bench users are signed in by `verified_session`, which writes a session that has passed both
factors straight into the database (the same keys the real sign-in leaves). It refuses anyone who is not a
synthetic bench user (seed_bench's @bench.svd.invalid addresses), and nothing in the application changes.
"""

from __future__ import annotations

import collections
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.bench import BENCH_EMAIL_DOMAIN, BENCH_PREFIX, table

PAGE_SIZE = settings.SVD_PAGE_SIZE


# --- Signing bench users in -------------------------------------------------------------------------


def verified_session(user) -> str:
    """A database session for a synthetic bench user that has passed both factors; returns its key.

    Writes what django.contrib.auth.login and the TOTP verification leave in a session (user, backend, auth
    hash, the verified device, the sign-in time). Only for seed_bench's users: anyone else is refused."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import SESSION_SEEN, SESSION_STARTED

    if not user.email.endswith(BENCH_EMAIL_DOMAIN) or user.is_staff or user.is_superuser:
        raise PermissionError("verified_session is for seed_bench's synthetic users only")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackendWithMembership"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session[SESSION_STARTED] = session[SESSION_SEEN] = time.time()
    session.create()
    return session.session_key


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
    return client


# --- Who is measured --------------------------------------------------------------------------------


@dataclass
class Persona:
    label: str
    user: Any
    agency: Any


def _member(agency_id: int, **roles):
    from accounts.models import User

    filters = {f"membership__{name}": value for name, value in roles.items()}
    return User.objects.filter(membership__agency_id=agency_id, is_active=True, **filters).order_by("pk").first()


def agencies_by_owned_referrals() -> list[tuple[int, int]]:
    """The bench agencies as (pk, referrals owned), most referrals first (then by pk)."""
    from django.db.models import Count

    from accounts.models import Agency

    owned = (
        Agency.objects.filter(short_name__startswith=f"{BENCH_PREFIX}-")
        .annotate(n=Count("owned_referrals"))
        .order_by("-n", "pk")
    )
    return list(owned.values_list("pk", "n"))


def bench_personas() -> dict[str, Persona]:
    """large: a caseworker in the agency that owns most referrals; small: one in the agency that owns fewest;
    hub: the MARAC hub's coordinator; hsb: the HSB hub's; manager: a manager in the largest agency (reports
    partnership-wide)."""
    from accounts.models import Agency
    from referrals.models import PathwayHub

    ranked = agencies_by_owned_referrals()
    if not ranked or ranked[0][1] == 0:
        raise RuntimeError("No bench data: run python manage.py seed_bench first")
    hubs = {h.pathway: h.agency_id for h in PathwayHub.objects.all()}
    hub_ids = set(hubs.values())
    large = ranked[0][0]
    small = next(pk for pk, n in reversed(ranked) if n > 0 and pk not in hub_ids)
    agencies = Agency.objects.in_bulk([large, small, hubs["marac"], hubs["hsb"]])
    personas = {
        "large": Persona("largest agency", _member(large, is_caseworker=True), agencies[large]),
        "small": Persona("smallest agency", _member(small, is_caseworker=True), agencies[small]),
        "hub": Persona("MARAC hub coordinator", _member(hubs["marac"], is_coordinator=True), agencies[hubs["marac"]]),
        "hsb": Persona("HSB hub coordinator", _member(hubs["hsb"], is_coordinator=True), agencies[hubs["hsb"]]),
        "manager": Persona("manager, largest agency", _member(large, is_manager=True), agencies[large]),
    }
    missing = [key for key, persona in personas.items() if persona.user is None]
    if missing:
        raise RuntimeError(f"No bench user for {missing}: seed_bench with more users")
    return personas


# --- Cases ------------------------------------------------------------------------------------------


@dataclass
class BenchCase:
    """One measured thing. `page()` does the work through Django (returns an HTTP status or a result); each of
    `floors(cursor)` computes the same result with hand-written SQL, and the floor of an iteration is the fastest
    of them (a DBA writing the query by hand would pick the right shape for the agency). `check()`, if given,
    returns (what the page's selector found, what every floor found) once before timing, to show they agree."""

    group: str
    name: str
    page: Callable[[], Any]
    floors: list[Callable[[Any], Any]]  # hand-written shapes of the same result: the floor is the fastest
    check: Callable[[], tuple[Any, Any]] | None = None
    target_ms: float | None = None


@dataclass
class Result:
    group: str
    name: str
    page_median_ms: float
    page_p95_ms: float
    queries: int
    page_sql_median_ms: float
    floor_median_ms: float | None
    floor_p95_ms: float | None
    ratio: float | None  # median of the per-iteration server time / floor
    sql_ratio: float | None  # median of the per-iteration time in the page's queries / floor
    target_ms: float | None
    same_result: bool | None
    note: str = ""


class _QueryTimer:
    """connection.execute_wrapper: the time spent in the database during a request, precisely."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def _page_request(client: Client, url: str, method: str = "get", data: dict | None = None) -> Callable[[], int]:
    def run() -> int:
        response = getattr(client, method)(url, data or {})
        if response.status_code != 200:
            raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}")
        return response.status_code

    return run


def _fetch(cursor, sql: str, params: dict | None = None) -> list[tuple]:
    cursor.execute(sql, params or {})
    return cursor.fetchall()


def _list_columns() -> str:
    """What a case list row shows: reference, person, pathway, status, received, owner."""
    return (
        "r.id, r.public_id, r.reference, r.pathway, r.status, r.created_at, a.short_name, "
        f"(SELECT string_agg(p.first_name || ' ' || p.last_name, ', ' ORDER BY p.id) FROM {table('referrals.Person')} "
        "p WHERE p.referral_id = r.id AND p.role = 'subject') AS subject"
    )


def _offset(number: int, total: int) -> int:
    pages = max(1, -(-total // PAGE_SIZE))
    return (min(number, pages) - 1) * PAGE_SIZE


def _view_permission_id() -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="referrals", codename="view_referral").pk


def visible_sql(alias: str = "r") -> str:
    """The hand-written form of accounts.permissions.referrals_visible_to for referral alias `alias`: the
    agency's group (%(group)s) holds a view row (%(view)s) on it."""
    perm = table("referrals.ReferralGroupObjectPermission")
    return (
        f"EXISTS (SELECT 1 FROM {perm} g WHERE g.content_object_id = {alias}.id AND g.group_id = %(group)s "
        "AND g.permission_id = %(view)s)"
    )


def case_list_cases(personas: dict[str, Persona], deep_page: int) -> list[BenchCase]:
    """Both lists, first and a deep page, for the largest and the smallest agency and the MARAC hub."""
    from referrals import selectors

    ref, perm = table("referrals.Referral"), table("referrals.ReferralGroupObjectPermission")
    agency_t = table("accounts.Agency")
    view = _view_permission_id()
    order = f"ORDER BY r.created_at DESC, r.id DESC LIMIT {PAGE_SIZE} OFFSET %(offset)s"
    rows_of_page = (
        f"SELECT {_list_columns()} FROM {ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id "
        "WHERE r.id IN ({ids}) ORDER BY r.created_at DESC, r.id DESC"
    )
    shapes = {
        "mine": [f"SELECT r.id FROM {ref} r WHERE r.owner_agency_id = %(agency)s {order}"],
        "shared": [
            # walking the newest referrals, probing the permission rows (dense: the hubs)
            f"SELECT r.id FROM {ref} r WHERE {visible_sql()} AND r.owner_agency_id <> %(agency)s {order}",
            # from the permission rows, fetching the referrals by key (sparse: everyone else)
            f"SELECT r.id FROM {ref} r WHERE r.id = ANY(ARRAY(SELECT g.content_object_id FROM {perm} g "
            "WHERE g.group_id = %(group)s AND g.permission_id = %(view)s)) AND r.owner_agency_id <> %(agency)s "
            f"{order}",
            # the same, less the agency's own referrals before any is read (sparse, and a big owner)
            f"SELECT r.id FROM {ref} r WHERE r.id = ANY(ARRAY(SELECT g.content_object_id FROM {perm} g "
            "WHERE g.group_id = %(group)s AND g.permission_id = %(view)s AND NOT EXISTS (SELECT 1 FROM "
            f"{ref} o WHERE o.id = g.content_object_id AND o.owner_agency_id = %(agency)s))) {order}",
            # the agency's permission rows not its own, in list order (the columns they copy from the referral)
            f"SELECT g.content_object_id FROM {perm} g WHERE g.group_id = %(group)s AND g.permission_id = %(view)s "
            f"AND NOT g.by_owner ORDER BY g.case_created_at DESC, g.content_object_id DESC LIMIT {PAGE_SIZE} "
            "OFFSET %(offset)s",
        ],
    }
    counts = {
        "mine": f"SELECT count(*) FROM {ref} WHERE owner_agency_id = %(agency)s",
        "shared": (
            f"SELECT count(*) FROM {perm} WHERE group_id = %(group)s AND permission_id = %(view)s AND NOT by_owner"
        ),
    }
    cases = []
    for key in ("large", "small", "hub"):
        persona = personas[key]
        client = client_for(persona.user)
        for scope in ("mine", "shared"):
            if key == "hub" and scope == "mine":
                continue
            params = {"agency": persona.agency.pk, "group": persona.agency.group_id, "view": view}
            with connection.cursor() as cursor:
                total = _fetch(cursor, counts[scope], params)[0][0]
            for number in (1, deep_page):
                offset = _offset(number, total)
                if number > 1 and offset == 0:
                    continue
                page_params = dict(params, offset=offset)
                floors = [
                    (
                        lambda cursor, ids=ids, count_sql=counts[scope], page_params=page_params: (
                            _fetch(cursor, count_sql, page_params)[0][0],
                            [row[0] for row in _fetch(cursor, rows_of_page.format(ids=ids), page_params)],
                        )
                    )
                    for ids in shapes[scope]
                ]

                def check(persona=persona, scope=scope, number=number, floors=floors):
                    page = selectors.case_list(
                        user=persona.user, scope=scope, filters=selectors.CaseFilters(), number=number
                    )
                    with connection.cursor() as cursor:
                        return (page.total, [r.pk for r in page.items]), [floor(cursor) for floor in floors]

                url = reverse("referrals:list") + ("?scope=shared" if scope == "shared" else "")
                if number > 1:
                    url += ("&" if "?" in url else "?") + f"page={number}"
                title = "My agency's cases" if scope == "mine" else "Shared with my agency"
                where = "first page" if number == 1 else f"page {offset // PAGE_SIZE + 1}"
                cases.append(
                    BenchCase(
                        group="Case lists",
                        name=f"{title}, {where} ({persona.label}, {total:,})",
                        page=_page_request(client, url),
                        floors=floors,
                        check=check,
                        target_ms=100,
                    )
                )
    return cases


def case_page_cases(personas: dict[str, Persona]) -> list[BenchCase]:
    """The case page of a live MARAC referral of the largest agency, with two shares, as its owner and as
    the hub coordinator."""
    from django.db.models import Count

    from referrals.models import Referral

    large = personas["large"]
    referral = (
        Referral.objects.filter(owner_agency=large.agency, pathway="marac", status="open")
        .annotate(n=Count("shares"))
        .filter(n=2)
        .order_by("-created_at")
        .first()
    ) or Referral.objects.filter(owner_agency=large.agency).order_by("-created_at").first()
    ref, person, share = table("referrals.Referral"), table("referrals.Person"), table("referrals.ReferralShare")
    event, agency_t, user_t = table("referrals.ReferralEvent"), table("accounts.Agency"), table("accounts.User")
    view = _view_permission_id()
    cases = []
    for key in ("large", "hub"):
        persona = personas[key]
        params = {"public_id": referral.public_id, "group": persona.agency.group_id, "view": view}

        def floor(cursor, params=params):
            rows = _fetch(
                cursor,
                f"SELECT r.*, a.name, u.full_name FROM {ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id "
                f"JOIN {user_t} u ON u.id = r.referrer_id WHERE r.public_id = %(public_id)s AND {visible_sql()}",
                params,
            )
            rid = rows[0][0]
            people = _fetch(cursor, f"SELECT * FROM {person} WHERE referral_id = %(id)s ORDER BY role, id", {"id": rid})
            shares = _fetch(
                cursor,
                f"SELECT s.*, a.name, a.short_name FROM {share} s JOIN {agency_t} a ON a.id = s.agency_id "
                "WHERE s.referral_id = %(id)s ORDER BY s.shared_at DESC",
                {"id": rid},
            )
            events = _fetch(
                cursor,
                f"SELECT e.*, u.full_name, a.short_name FROM {event} e LEFT JOIN {user_t} u ON u.id = e.actor_id "
                f"LEFT JOIN {agency_t} a ON a.id = e.actor_agency_id WHERE e.referral_id = %(id)s "
                "ORDER BY e.at DESC, e.id DESC LIMIT 100",
                {"id": rid},
            )
            return len(people), len(shares), len(events)

        cases.append(
            BenchCase(
                group="Case page",
                name=f"Case page ({persona.label})",
                page=_page_request(client_for(persona.user), reverse("referrals:detail", args=[referral.public_id])),
                floors=[floor],
                target_ms=100,
            )
        )
    return cases


def scoping_cases(personas: dict[str, Persona]) -> list[BenchCase]:
    """accounts.permissions.referrals_visible_to: its count and its newest 25, as reports and exports use it;
    and the permission-row count the case lists use."""
    from accounts import permissions

    ref, perm = table("referrals.Referral"), table("referrals.ReferralGroupObjectPermission")
    view = _view_permission_id()
    cases = []
    for key in ("large", "small"):
        persona = personas[key]
        params = {"group": persona.agency.group_id, "view": view}

        def page(user=persona.user):
            visible = permissions.referrals_visible_to(user)
            return visible.count(), list(visible.order_by("-created_at", "-id").values_list("pk", flat=True)[:25])

        count_sql = f"SELECT count(*) FROM {perm} WHERE group_id = %(group)s AND permission_id = %(view)s"
        newest = [
            f"SELECT r.id FROM {ref} r WHERE {visible_sql()} ORDER BY r.created_at DESC, r.id DESC LIMIT 25",
            f"SELECT r.id FROM {ref} r WHERE r.id = ANY(ARRAY(SELECT g.content_object_id FROM {perm} g WHERE "
            "g.group_id = %(group)s AND g.permission_id = %(view)s)) ORDER BY r.created_at DESC, r.id DESC LIMIT 25",
        ]
        floors = [
            (
                lambda cursor, sql=sql, params=params, count_sql=count_sql: (
                    _fetch(cursor, count_sql, params)[0][0],
                    [row[0] for row in _fetch(cursor, sql, params)],
                )
            )
            for sql in newest
        ]

        def check(page=page, floors=floors):
            with connection.cursor() as cursor:
                return page(), [floor(cursor) for floor in floors]

        cases.append(
            BenchCase(
                group="Scoping",
                name=f"referrals_visible_to: count + newest 25 ({persona.label})",
                page=page,
                floors=floors,
                check=check,
                target_ms=100,
            )
        )
    return cases


def _scope_sql(persona: Persona, view: int) -> tuple[str, dict]:
    """The reports' scope (permissions.referrals_reportable_to) by hand: submitted referrals, and for anyone
    but a manager only those their agency can see."""
    from accounts import permissions

    if permissions.can_view_partnership_reports(persona.user):
        return "r.submitted_at IS NOT NULL", {}
    return f"r.submitted_at IS NOT NULL AND {visible_sql()}", {"group": persona.agency.group_id, "view": view}


# The case measures of referrals.reporting.measures, by hand (the reports join the agency and the youth
# violence details for them).
CASE_MEASURES = {
    "referrals_all": "true",
    "marac_referrals": "r.pathway = 'marac'",
    "marac_non_police": "r.pathway = 'marac' AND a.kind <> 'police'",
    "hsb_referrals": "r.pathway = 'hsb'",
    "yv_referrals": "r.pathway = 'youth_violence'",
    "yv_knife_injuries": "r.pathway = 'youth_violence' AND y.incident_type = 'knife_injury'",
    "yv_gunshot_injuries": "r.pathway = 'youth_violence' AND y.incident_type = 'gunshot_injury'",
}


def _report_case(
    client,
    name: str,
    url: str,
    sql: str,
    params: dict,
    got_fn: Callable[[], Any],
    shape_fn: Callable[[list[tuple], Any], Any],
) -> BenchCase:
    """A report page (target 300 ms p95) whose floor is `sql`. The check asks the report's selector first
    (`got_fn()`), then runs the floor and puts its rows in the same shape (`shape_fn(rows, got)`)."""

    def floor(cursor):
        return _fetch(cursor, sql, params)

    def check():
        got = got_fn()
        with connection.cursor() as cursor:
            rows = floor(cursor)
        return got, [shape_fn(rows, got)]

    return BenchCase(
        group="Reports", name=name, page=_page_request(client, url), floors=[floor], check=check, target_ms=300
    )


def report_cases(personas: dict[str, Persona]) -> list[BenchCase]:
    """Each report page with numbers, as a manager (partnership-wide: every referral) and as a caseworker of the
    largest agency (what it can see); the floor is the same figures in hand-written SQL."""
    from django.utils import timezone

    from referrals.reporting import selectors as report_selectors
    from referrals.reporting.forms import PeriodForm, YearOnYearForm
    from referrals.reporting.models import PeriodKind

    ref, agency_t, yv = table("referrals.Referral"), table("accounts.Agency"), table("referrals.YouthViolenceDetail")
    person = table("referrals.Person")
    view = _view_permission_id()
    today = timezone.localdate()
    year_period = PeriodForm(None, today=today).chosen_period()
    rolling = PeriodForm(None, today=today, default_kind=PeriodKind.ROLLING_12).chosen_period()
    yoy_period = YearOnYearForm(None, today=today).chosen_period()
    ranges = report_selectors._case_ranges(year_period, today)
    detail = table("marac.MaracDetail")
    cases = []
    for key in ("manager", "large"):
        persona = personas[key]
        client = client_for(persona.user)
        scope, scope_params = _scope_sql(persona, view)
        label = "partnership-wide, manager" if key == "manager" else "caseworker, largest agency"

        # Targets and actuals: every case measure in three ranges, and the MARAC repeat rate, in one scan.
        params = dict(scope_params, start=min(v[0] for v in ranges.values()), end=max(v[1] for v in ranges.values()))
        columns = []
        for name, (start, end) in ranges.items():
            params[f"{name}_s"], params[f"{name}_e"] = start, end
            window = f"r.submitted_at >= %({name}_s)s AND r.submitted_at < %({name}_e)s"
            columns += [f"count(*) FILTER (WHERE {cond} AND {window})" for cond in CASE_MEASURES.values()]
            columns.append(f"count(*) FILTER (WHERE r.pathway = 'marac' AND {window})")
            columns.append(f"count(*) FILTER (WHERE r.pathway = 'marac' AND d.is_repeat AND {window})")
        targets_sql = (
            f"SELECT {', '.join(columns)} FROM {ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id "
            f"LEFT JOIN {yv} y ON y.referral_id = r.id LEFT JOIN {detail} d ON d.referral_id = r.id "
            f"WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND {scope}"
        )

        def targets_got(persona=persona):
            report = report_selectors.target_report(user=persona.user, period=year_period, today=today)
            got = {row.figures.measure.key: row.figures for row in report.rows}
            return [getattr(got[k], name) for name in ranges for k in CASE_MEASURES]

        def targets_shape(rows, got):
            row, width = rows[0], len(CASE_MEASURES) + 2
            return [row[i * width + j] for i in range(len(ranges)) for j in range(len(CASE_MEASURES))]

        cases.append(
            _report_case(
                client,
                f"Targets and actuals ({label})",
                reverse("reports:target_actual"),
                targets_sql,
                params,
                targets_got,
                targets_shape,
            )
        )

        # Year on year: every referral, month by month over two years (London months).
        prev = yoy_period.previous()
        yoy_params = dict(scope_params, start=prev.start_at, end=yoy_period.end_at)
        yoy_sql = (
            "SELECT date_trunc('month', r.submitted_at AT TIME ZONE 'Europe/London')::date AS month, count(*) "
            f"FROM {ref} r WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND {scope} "
            "GROUP BY 1 ORDER BY 1"
        )

        def yoy_got(persona=persona):
            from referrals.reporting.measures import measure

            result = report_selectors.year_on_year(
                user=persona.user,
                measure=measure("referrals_all"),
                period=yoy_period,
                filters=report_selectors.ReportFilters(),
                today=today,
            )
            got = {}
            for row in result.rows:
                got[row.previous_month] = row.previous
                if not row.future:
                    got[row.month] = row.current
            return got

        def yoy_shape(rows, got):
            expected = dict(rows)
            return {month: expected.get(month, 0) for month in got}

        cases.append(
            _report_case(
                client,
                f"Year on year ({label})",
                reverse("reports:year_on_year"),
                yoy_sql,
                yoy_params,
                yoy_got,
                yoy_shape,
            )
        )

        # Breakdowns: this period so far and the previous to the same point, by agency, kind and pathway.
        current, before = ranges["current"], ranges["previous_same_point"]
        bd_params = dict(scope_params, cs=current[0], ce=current[1], ps=before[0], pe=before[1])
        bd_sql = (
            "SELECT a.short_name, a.kind, r.pathway, "
            "count(*) FILTER (WHERE r.submitted_at >= %(cs)s AND r.submitted_at < %(ce)s), "
            "count(*) FILTER (WHERE r.submitted_at >= %(ps)s AND r.submitted_at < %(pe)s) "
            f"FROM {ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id WHERE ((r.submitted_at >= %(cs)s "
            "AND r.submitted_at < %(ce)s) OR (r.submitted_at >= %(ps)s AND r.submitted_at < %(pe)s)) "
            f"AND {scope} GROUP BY GROUPING SETS ((a.short_name), (a.kind), (r.pathway))"
        )

        def bd_got(persona=persona):
            result = report_selectors.breakdowns(
                user=persona.user, period=year_period, filters=report_selectors.ReportFilters(), today=today
            )
            return {(r.key, r.current, r.previous) for t in result.tables for r in t.rows if r.current or r.previous}

        def bd_shape(rows, got):
            return {(a or k or p, c, b) for a, k, p, c, b in rows if c or b}

        cases.append(
            _report_case(
                client, f"Breakdowns ({label})", reverse("reports:breakdowns"), bd_sql, bd_params, bd_got, bd_shape
            )
        )

        # MARAC benchmarks: the rolling twelve months' MARAC cases and their victims, and the repeat rate.
        mb_params = dict(scope_params, start=rolling.start_at, end=rolling.end_at)
        mb_sql = (
            "SELECT count(*), count(*) FILTER (WHERE a.kind <> 'police'), "
            "count(*) FILTER (WHERE p.ethnicity = ANY(%(minoritised)s)), "
            "count(*) FILTER (WHERE p.sexual_orientation = ANY(%(lgb)s) OR p.trans = 'yes'), "
            "count(*) FILTER (WHERE p.disability = 'yes'), count(*) FILTER (WHERE p.gender = 'male'), "
            "count(*) FILTER (WHERE d.is_repeat) "
            f"FROM {ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id LEFT JOIN {person} p ON "
            f"p.referral_id = r.id AND p.role = 'subject' LEFT JOIN {detail} d ON d.referral_id = r.id "
            f"WHERE r.pathway = 'marac' AND r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND {scope}"
        )
        from referrals.models import LGB_ORIENTATIONS, MINORITISED_ETHNICITIES

        mb_params.update(minoritised=sorted(MINORITISED_ETHNICITIES), lgb=sorted(LGB_ORIENTATIONS))

        def mb_got(persona=persona):
            result = report_selectors.marac_benchmarks(user=persona.user, period=rolling, today=today)
            rates = {row.key: row.rate for row in result.rows}
            return [result.cases] + [
                rates[k].numerator for k in ("non_police", "minoritised", "lgbt", "disabled", "male")
            ]

        def mb_shape(rows, got):
            return list(rows[0][:6])

        cases.append(
            _report_case(
                client,
                f"MARAC benchmarks ({label})",
                reverse("reports:benchmarks"),
                mb_sql,
                mb_params,
                mb_got,
                mb_shape,
            )
        )
    cases.append(
        BenchCase(
            group="Reports",
            name="Outcome measures (manager; outside data, no case rows)",
            page=_page_request(client_for(personas["manager"].user), reverse("reports:outcomes")),
            floors=[],
            target_ms=300,
        )
    )
    return cases


def baseline_cases(personas: dict[str, Persona]) -> list[BenchCase]:
    """The home page: what every signed-in request costs before any case data (session, user, membership,
    second factor, navigation, the GOV.UK page template)."""
    return [
        BenchCase(
            group="Baseline",
            name="Home page (fixed cost of a signed-in request)",
            page=_page_request(client_for(personas["large"].user), reverse("home")),
            floors=[],
        )
    ]


def all_cases(personas: dict[str, Persona], *, deep_page: int) -> list[BenchCase]:
    from referrals.bench import _bench_modules

    cases = baseline_cases(personas)
    cases += case_list_cases(personas, deep_page)
    cases += case_page_cases(personas)
    cases += scoping_cases(personas)
    cases += report_cases(personas)
    for module in _bench_modules():
        extra = getattr(module, "bench_cases", None)
        if callable(extra):
            cases += extra(personas)
    return cases


# --- Running ----------------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def measure(cases: list[BenchCase], *, iterations: int, warmup: int = 2, seed: int = 1, say=print) -> list[Result]:
    rng = random.Random(seed)
    same: dict[int, bool | None] = {}
    for i, case in enumerate(cases):
        if case.check is None:
            same[i] = None
            continue
        got, expected = case.check()
        same[i] = all(got == each for each in expected)
        if not same[i]:
            say(f"  MISMATCH {case.name}: page {got!r} floors {expected!r}")
    page_ms: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    sql_ms: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    floor_ms: dict[tuple[int, int], list[float]] = {}
    queries: dict[int, list[int]] = {i: [] for i in range(len(cases))}
    for iteration in range(warmup + iterations):
        reset_queries()  # the test client's query log would otherwise grow with every request
        work = [(i, None) for i in range(len(cases))]
        work += [(i, k) for i, case in enumerate(cases) for k in range(len(case.floors))]
        rng.shuffle(work)
        for i, k in work:
            case = cases[i]
            if k is None:
                timer = _QueryTimer()
                with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                    start = time.perf_counter()
                    case.page()
                    elapsed = time.perf_counter() - start
                if iteration >= warmup:
                    page_ms[i].append(elapsed * 1000)
                    sql_ms[i].append(timer.seconds * 1000)
                    queries[i].append(len(captured.captured_queries))
            else:
                with connection.cursor() as cursor:
                    start = time.perf_counter()
                    case.floors[k](cursor)
                    elapsed = time.perf_counter() - start
                if iteration >= warmup:
                    floor_ms.setdefault((i, k), []).append(elapsed * 1000)
        say(f"  iteration {iteration + 1 - warmup if iteration >= warmup else 'warm-up'} done")
    results = []
    for i, case in enumerate(cases):
        floors = []
        if case.floors:
            floors = [min(floor_ms[(i, k)][n] for k in range(len(case.floors))) for n in range(iterations)]

        def ratio(values, floors=floors):
            return round(statistics.median(v / f for v, f in zip(values, floors, strict=True)), 2) if floors else None

        results.append(
            Result(
                group=case.group,
                name=case.name,
                page_median_ms=round(statistics.median(page_ms[i]), 2),
                page_p95_ms=round(_p95(page_ms[i]), 2),
                # the usual count: a request that moves the session's "last seen" on (once a minute,
                # accounts.middleware) writes the session too, and one iteration must not speak for all
                queries=collections.Counter(queries[i]).most_common(1)[0][0],
                page_sql_median_ms=round(statistics.median(sql_ms[i]), 2),
                floor_median_ms=round(statistics.median(floors), 2) if floors else None,
                floor_p95_ms=round(_p95(floors), 2) if floors else None,
                ratio=ratio(page_ms[i]),
                sql_ratio=ratio(sql_ms[i]),
                target_ms=case.target_ms,
                same_result=same[i],
            )
        )
    return results


# --- Describing the database and the machine -------------------------------------------------------------


def database_report(top: int = 12) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), pg_database_size(current_database()), version()")
        name, size, version = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid), "
            "pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 5 DESC LIMIT %s",
            [top],
        )
        tables = [
            {"table": t, "rows": rows, "heap_mb": heap / 2**20, "index_mb": index / 2**20, "total_mb": total / 2**20}
            for t, rows, heap, index, total in cursor.fetchall()
        ]
        settings_wanted = [
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "max_parallel_workers_per_gather",
            "jit",
            "default_statistics_target",
        ]
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [settings_wanted])
        pg_settings = {n: f"{s}{(' ' + u) if u else ''}" for n, s, u in cursor.fetchall()}
        cursor.execute("SHOW jit")
        pg_settings["jit (this connection)"] = cursor.fetchone()[0]
    return {"database": name, "size_mb": size / 2**20, "version": version, "settings": pg_settings, "tables": tables}


def machine_report() -> dict[str, Any]:
    import os

    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            memory = handle.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# --- Output -----------------------------------------------------------------------------------------------


@dataclass
class SizeRun:
    referrals: int
    seed_seconds: float
    seed_timings: dict[str, float]
    database: dict[str, Any]
    results: list[Result]
    iterations: int
    started_at: str
    load_average: Any = None
    notes: list[str] = field(default_factory=list)


def _fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(runs: list[SizeRun], machine: dict[str, Any]) -> str:
    lines = ["# SVD Portal benchmark", ""]
    lines.append(
        f"Machine: {machine['cpus']} CPUs, {machine['memory']} memory, Python {machine['python']}, "
        f"{machine['platform']}."
    )
    for run in runs:
        db = run.database
        lines += [
            "",
            f"## {run.referrals:,} referrals",
            "",
            f"Seeded in {run.seed_seconds:.0f} s; database {db['size_mb']:.0f} MB; {run.iterations} iterations; "
            f"load average {run.load_average}; started {run.started_at}.",
            "",
            "| Page | server median / p95 ms | queries | SQL in page ms | floor median / p95 ms | server ×floor | "
            "SQL ×floor | target | same rows |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in run.results:
            floor = "-" if r.floor_median_ms is None else f"{_fmt(r.floor_median_ms, 2)} / {_fmt(r.floor_p95_ms, 2)}"
            target = (
                ""
                if r.target_ms is None
                else (f"{r.target_ms:.0f} ms p95 {'met' if r.page_p95_ms <= r.target_ms else '**missed**'}")
            )
            same = {True: "yes", False: "**no**", None: "-"}[r.same_result]
            lines.append(
                f"| {r.name} | {_fmt(r.page_median_ms)} / {_fmt(r.page_p95_ms)} | {r.queries} | "
                f"{_fmt(r.page_sql_median_ms)} | {floor} | {_fmt(r.ratio, 2)} | {_fmt(r.sql_ratio, 2)} | {target} | "
                f"{same} |"
            )
        lines += [
            "",
            "Biggest tables:",
            "",
            "| table | rows | heap MB | indexes MB | total MB |",
            "|---|---|---|---|---|",
        ]
        for t in db["tables"]:
            lines.append(
                f"| {t['table']} | {t['rows']:,} | {t['heap_mb']:.0f} | {t['index_mb']:.0f} | {t['total_mb']:.0f} |"
            )
        lines += ["", "Seeding, seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seed_timings.items())]
        for note in run.notes:
            lines.append(f"- {note}")
    first = runs[0].database if runs else {}
    if first:
        lines += ["", f"PostgreSQL: {first['version']}", ""]
        lines += [f"- {k} = {v}" for k, v in first["settings"].items()]
    return "\n".join(lines) + "\n"


def write_results(runs: list[SizeRun], machine: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    payload = {"machine": machine, "runs": [asdict(run) for run in runs]}
    json_path = directory / f"bench-{stamp}.json"
    md_path = directory / f"bench-{stamp}.md"
    json_path.write_text(json.dumps(payload, indent=2, default=str))
    md_path.write_text(markdown(runs, machine))
    (directory / "latest.md").write_text(md_path.read_text())
    (directory / "latest.json").write_text(json_path.read_text())
    return json_path, md_path
