"""Synthetic data at London scale for benchmarks (python manage.py seed_bench --referrals N).

PostgreSQL only: rows go in with COPY (psycopg 3), ids allocated up front so foreign keys can be written in
the same pass, and the sequences moved on afterwards. What is written matches what the services would have
left behind: a referral, its people and shares each have a "+" history row attributed to the referrer;
guardian permission rows are exactly what `permissions.referral_access_sync` would grant (owner view+change,
pathway hub view+change once submitted, shared agencies view, or view+change for "contribute"); each
referral has its timeline events. Pathway apps add their own rows through `<app>.bench.seed_bench(ctx)`.
"""

from __future__ import annotations

import datetime
import importlib
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Agency, AgencyKind, DutyStatus
from referrals.models import (
    ConsentGiven,
    EventKind,
    Pathway,
    PathwayHub,
    PersonRole,
    ShareLevel,
    Status,
    YesNoUnknown,
    name_key,
)

BOROUGHS = 33
AGENCY_KINDS = [
    AgencyKind.POLICE,
    AgencyKind.COMMUNITY_SAFETY,
    AgencyKind.CHILDRENS_SOCIAL_CARE,
    AgencyKind.ADULT_SOCIAL_CARE,
    AgencyKind.HOUSING,
    AgencyKind.FIRE,
    AgencyKind.ICB,
    AgencyKind.ACUTE_TRUST,
    AgencyKind.MENTAL_HEALTH,
    AgencyKind.PRIMARY_CARE,
    AgencyKind.YOUTH_JUSTICE,
    AgencyKind.PROBATION,
    AgencyKind.EDUCATION,
    AgencyKind.PRISON,
    AgencyKind.IDVA,
]
FIRST = ["Ada", "Bex", "Cal", "Dani", "Eli", "Fen", "Gus", "Hal", "Isla", "Jem", "Kit", "Lou", "Mo", "Nell", "Oz"]
LAST = [
    "Ashgrove",
    "Birchmere",
    "Coldharbour",
    "Dunwold",
    "Elmstead",
    "Fernhollow",
    "Greywater",
    "Hazelmoor",
    "Juniperfield",
    "Kestrelby",
    "Larkspur",
    "Millbeck",
    "Nettleham",
    "Oakhurst",
    "Pebblecombe",
    "Quillworth",
]
BENCH_PREFIX = "BENCH"
HISTORY_COLUMNS = ["history_date", "history_change_reason", "history_type", "history_user_id"]


@dataclass
class BenchContext:
    """What pathway apps get to add their own bench rows."""

    rng: random.Random
    agencies: list[int]  # agency ids
    agency_kind: dict[int, str]
    users_by_agency: dict[int, list[int]]
    hubs: dict[str, int]
    referrals: dict[str, list[tuple[int, int, datetime.datetime, str]]] = field(default_factory=dict)
    # pathway -> [(referral id, owner agency id, created_at, status)]
    timings: dict[str, float] = field(default_factory=dict)

    def pick_user(self, agency_id: int) -> int:
        return self.rng.choice(self.users_by_agency[agency_id])


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into a table; returns how many."""
    count = 0
    raw = connection.cursor().cursor  # psycopg 3 cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - table names are ours
        return cursor.fetchone()[0]


def reset_sequence(table: str, column: str = "id") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
            f"(SELECT COALESCE(MAX({column}), 1) FROM {table}))"
        )


def table(model_label: str) -> str:
    return apps.get_model(model_label)._meta.db_table


def _ensure_agencies_and_users(rng: random.Random, users_total: int) -> BenchContext:
    from accounts import services as account_services
    from accounts.models import Membership, User

    agencies = list(Agency.objects.filter(short_name__startswith=f"{BENCH_PREFIX}-"))
    if not agencies:
        for b in range(1, BOROUGHS + 1):
            for kind in AGENCY_KINDS:
                agencies.append(
                    account_services.agency_create(
                        name=f"Bench borough {b:02d} {AgencyKind(kind).label}",
                        short_name=f"{BENCH_PREFIX}-{b:02d}-{kind[:12]}",
                        kind=kind,
                        duty_status=DutyStatus.SPECIFIED,
                    )
                )
    ids = [a.pk for a in agencies]
    kinds = {a.pk: a.kind for a in agencies}
    existing = Membership.objects.filter(agency_id__in=ids).count()
    if existing < users_total:
        password = make_password("bench-password-not-for-use")
        user_table, membership_table = table("accounts.User"), table("accounts.Membership")
        first_user = next_id(user_table)
        first_membership = next_id(membership_table)
        now = timezone.now()
        new = users_total - existing
        assignments = [ids[i % len(ids)] for i in range(new)]
        copy_rows(
            user_table,
            [
                "id",
                "public_id",
                "email",
                "full_name",
                "job_title",
                "is_active",
                "is_staff",
                "is_superuser",
                "is_demo",
                "notification_preference",
                "date_joined",
                "password",
                "last_login",
            ],
            (
                (
                    first_user + i,
                    uuid.uuid4(),
                    f"bench{first_user + i}@bench.svd.invalid",
                    f"Bench User {first_user + i}",
                    "",
                    True,
                    False,
                    False,
                    False,
                    "digest",
                    now,
                    password,
                    None,
                )
                for i in range(new)
            ),
        )
        copy_rows(
            membership_table,
            [
                "id",
                "user_id",
                "agency_id",
                "is_caseworker",
                "is_coordinator",
                "is_manager",
                "is_agency_admin",
                "created_at",
            ],
            (
                (first_membership + i, first_user + i, assignments[i], True, i % 20 == 0, i % 10 == 1, i % 40 == 2, now)
                for i in range(new)
            ),
        )
        reset_sequence(user_table)
        reset_sequence(membership_table)
        del User  # imported for clarity of intent: rows above are the accounts.User table
    users_by_agency: dict[int, list[int]] = {}
    for user_id, agency_id in Membership.objects.filter(agency_id__in=ids).values_list("user_id", "agency_id"):
        users_by_agency.setdefault(agency_id, []).append(user_id)
    hubs = {}
    borough_one = {a.kind: a.pk for a in agencies if a.short_name.startswith(f"{BENCH_PREFIX}-01-")}
    for pathway, kind in (
        (Pathway.MARAC, AgencyKind.COMMUNITY_SAFETY),
        (Pathway.HSB, AgencyKind.CHILDRENS_SOCIAL_CARE),
        (Pathway.YOUTH_VIOLENCE, AgencyKind.YOUTH_JUSTICE),
    ):
        hub, _ = PathwayHub.objects.get_or_create(pathway=pathway, defaults={"agency_id": borough_one[kind]})
        hubs[pathway] = hub.agency_id
    return BenchContext(rng=rng, agencies=ids, agency_kind=kinds, users_by_agency=users_by_agency, hubs=hubs)


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def seed_bench(*, referrals: int, users: int = 20_000, seed: int = 33, stdout=None) -> BenchContext:
    """Add `referrals` referrals (and everything around them) to the bench partnership."""
    if not settings.USING_POSTGRES:
        raise RuntimeError("seed_bench loads with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database")
    say = stdout.write if stdout else (lambda s: None)
    rng = random.Random(seed)
    started = time.monotonic()
    with transaction.atomic():
        ctx = _ensure_agencies_and_users(rng, users)
    ctx.timings["agencies_and_users"] = time.monotonic() - started
    say(f"agencies {len(ctx.agencies)}, users {sum(len(v) for v in ctx.users_by_agency.values())}")

    view = Permission.objects.get(content_type__app_label="referrals", codename="view_referral").pk
    change = Permission.objects.get(content_type__app_label="referrals", codename="change_referral").pk
    group_of = dict(Agency.objects.filter(pk__in=ctx.agencies).values_list("pk", "group_id"))
    hub_groups = {p: group_of.get(a) or Group.objects.get(agency__pk=a).pk for p, a in ctx.hubs.items()}
    owners = ctx.agencies[:]
    rng.shuffle(owners)
    cumulative, total = [], 0.0
    for weight in _zipf_weights(len(owners)):
        total += weight
        cumulative.append(total)

    t_ref, t_person, t_share = table("referrals.Referral"), table("referrals.Person"), table("referrals.ReferralShare")
    t_perm, t_event = table("referrals.ReferralGroupObjectPermission"), table("referrals.ReferralEvent")
    t_yv = table("referrals.YouthViolenceDetail")
    now = timezone.now()
    batch = 50_000
    made = 0
    while made < referrals:
        size = min(batch, referrals - made)
        t0 = time.monotonic()
        with transaction.atomic():
            first_ref, first_person = next_id(t_ref), next_id(t_person)
            first_share, first_perm, first_event = next_id(t_share), next_id(t_perm), next_id(t_event)
            ref_rows, hist_ref, people, hist_people, shares, hist_shares = [], [], [], [], [], []
            perms, events, yv_rows = [], [], []
            person_id, share_id, perm_id, event_id = first_person, first_share, first_perm, first_event
            for i in range(size):
                rid = first_ref + i
                owner = rng.choices(owners, cum_weights=cumulative)[0]
                referrer = ctx.pick_user(owner)
                pathway = rng.choices([Pathway.MARAC, Pathway.HSB, Pathway.YOUTH_VIOLENCE], [0.5, 0.2, 0.3])[0]
                created = now - datetime.timedelta(seconds=rng.randint(0, 10 * 365 * 86400))
                age_days = (now - created).days
                status = (
                    Status.CLOSED
                    if age_days > 400 and rng.random() < 0.85
                    else rng.choice([Status.SUBMITTED, Status.ACCEPTED, Status.OPEN, Status.DECLINED])
                )
                reference = f"{BENCH_PREFIX}-{created.year}-{rid:08d}"
                accepted = (
                    created + datetime.timedelta(days=1)
                    if status in {Status.ACCEPTED, Status.OPEN, Status.CLOSED}
                    else None
                )
                closed = created + datetime.timedelta(days=60) if status in {Status.CLOSED, Status.DECLINED} else None
                row = (
                    rid,
                    uuid.uuid4(),
                    reference,
                    pathway,
                    owner,
                    referrer,
                    status,
                    "Synthetic bench case",
                    "yes",
                    ConsentGiven.YES,
                    "",
                    "",
                    created,
                    created,
                    created,
                    created,
                    accepted,
                    closed,
                    "",
                    "",
                    2,
                )
                ref_rows.append(row)
                hist_ref.append(row[:13] + row[14:] + (created, "seed_bench", "+", referrer))
                ctx.referrals.setdefault(pathway, []).append((rid, owner, created, status))
                first_name, last_name = rng.choice(FIRST), rng.choice(LAST)
                dob = (created - datetime.timedelta(days=rng.randint(13 * 365, 60 * 365))).date()
                if pathway != Pathway.MARAC:
                    dob = (created - datetime.timedelta(days=rng.randint(12 * 365, 24 * 365))).date()
                for role, fn, ln, birth in (
                    (PersonRole.SUBJECT, first_name, last_name, dob),
                    (
                        PersonRole.ALLEGED_PERPETRATOR,
                        rng.choice(FIRST),
                        rng.choice(LAST),
                        dob - datetime.timedelta(days=900),
                    ),
                ):
                    if role == PersonRole.ALLEGED_PERPETRATOR and pathway != Pathway.MARAC:
                        continue
                    prow = (
                        person_id,
                        uuid.uuid4(),
                        rid,
                        role,
                        fn,
                        ln,
                        "",
                        birth,
                        None,
                        "female",
                        "",
                        "white_british",
                        "no",
                        "heterosexual",
                        "English",
                        False,
                        "",
                        "",
                        "",
                        "",
                        YesNoUnknown.UNKNOWN,
                        "",
                        "",
                        "",
                        name_key(fn, ln),
                        created,
                    )
                    people.append(prow)
                    hist_people.append(prow + (created, "seed_bench", "+", referrer))
                    person_id += 1
                if pathway == Pathway.YOUTH_VIOLENCE:
                    yv_rows.append(
                        (
                            rid,
                            rng.choice(["victim", "perpetrator", "at_risk", "both"]),
                            rng.randint(12, 24),
                            created.date(),
                            rng.choice(["knife_injury", "gunshot_injury", "other_assault", "robbery", "exploitation"]),
                            "knife",
                            "serious",
                            "street",
                            False,
                            "",
                            None,
                            "",
                            "engaged",
                            "ongoing",
                            None,
                            False,
                            False,
                        )
                    )
                owner_group = group_of[owner]
                wanted = {owner_group: {view, change}}
                hub_group = hub_groups[pathway]
                wanted.setdefault(hub_group, set()).update({view, change})
                if rng.random() < 0.95:  # about one share per referral on average (some get two, some none)
                    for _ in range(rng.choice([1, 1, 1, 2]) if rng.random() < 0.9 else 0):
                        target = rng.choice(ctx.agencies)
                        if target == owner:
                            continue
                        level = ShareLevel.CONTRIBUTE if rng.random() < 0.2 else ShareLevel.VIEW
                        srow = (
                            share_id,
                            uuid.uuid4(),
                            rid,
                            target,
                            level,
                            "Bench share",
                            "svd_s16",
                            referrer,
                            created + datetime.timedelta(hours=2),
                            None,
                            None,
                            "",
                        )
                        if any(s[2] == rid and s[3] == target for s in shares[-3:]):
                            continue
                        shares.append(srow)
                        hist_shares.append(srow + (srow[8], "seed_bench", "+", referrer))
                        share_id += 1
                        wanted.setdefault(group_of[target], set()).update(
                            {view, change} if level == ShareLevel.CONTRIBUTE else {view}
                        )
                for group_id, perm_ids in wanted.items():
                    for permission_id in perm_ids:
                        perms.append((perm_id, group_id, permission_id, rid))
                        perm_id += 1
                for kind, at, who in ((EventKind.CREATED, created, referrer), (EventKind.SUBMITTED, created, referrer)):
                    events.append((event_id, rid, at, who, owner, kind, str(EventKind(kind).label), "{}"))
                    event_id += 1
                if accepted:
                    events.append((event_id, rid, accepted, referrer, owner, EventKind.ACCEPTED, "Accepted", "{}"))
                    event_id += 1

            ref_cols = [
                "id",
                "public_id",
                "reference",
                "pathway",
                "owner_agency_id",
                "referrer_id",
                "status",
                "summary",
                "subject_aware",
                "consent_given",
                "consent_reason",
                "lawful_basis",
                "created_at",
                "updated_at",
                "submitted_at",
                "received_at",
                "accepted_at",
                "closed_at",
                "decline_reason",
                "close_reason",
                "version",
            ]
            copy_rows(t_ref, ref_cols, ref_rows)
            hist_cols = [c for c in ref_cols if c != "updated_at"] + HISTORY_COLUMNS
            _copy_history("referrals.Referral", hist_cols, hist_ref)
            person_cols = [
                "id",
                "public_id",
                "referral_id",
                "role",
                "first_name",
                "last_name",
                "aliases",
                "date_of_birth",
                "estimated_age",
                "gender",
                "trans",
                "ethnicity",
                "disability",
                "sexual_orientation",
                "first_language",
                "interpreter_needed",
                "relationship",
                "address",
                "postcode",
                "phone",
                "safe_to_call",
                "safe_times",
                "gp",
                "school",
                "name_key",
                "created_at",
            ]
            copy_rows(t_person, person_cols, people)
            _copy_history("referrals.Person", person_cols + HISTORY_COLUMNS, hist_people)
            share_cols = [
                "id",
                "public_id",
                "referral_id",
                "agency_id",
                "level",
                "reason",
                "lawful_basis",
                "shared_by_id",
                "shared_at",
                "revoked_by_id",
                "revoked_at",
                "revoke_reason",
            ]
            copy_rows(t_share, share_cols, shares)
            _copy_history("referrals.ReferralShare", share_cols + HISTORY_COLUMNS, hist_shares)
            copy_rows(t_perm, ["id", "group_id", "permission_id", "content_object_id"], perms)
            copy_rows(
                t_event, ["id", "referral_id", "at", "actor_id", "actor_agency_id", "kind", "summary", "data"], events
            )
            copy_rows(
                t_yv,
                [
                    "referral_id",
                    "role",
                    "age_at_referral",
                    "incident_date",
                    "incident_type",
                    "weapon",
                    "injury_severity",
                    "location",
                    "hospital_attended",
                    "hospital_name",
                    "hospital_date",
                    "programme",
                    "engagement",
                    "outcome",
                    "next_review_date",
                    "gang_association",
                    "exploitation",
                ],
                yv_rows,
            )
            for t in (t_ref, t_person, t_share, t_perm, t_event, t_yv):
                reset_sequence(t)
        made += size
        say(f"referrals {made:,} / {referrals:,} ({time.monotonic() - t0:.1f} s for this batch)")
    ctx.timings["referrals"] = time.monotonic() - started - ctx.timings["agencies_and_users"]
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.bench")
        except ModuleNotFoundError:
            continue
        hook = getattr(module, "seed_bench_rows", None)
        if callable(hook):
            t0 = time.monotonic()
            with transaction.atomic():
                summary = hook(ctx)
            ctx.timings[config.label] = time.monotonic() - t0
            say(f"{config.verbose_name}: {summary} ({ctx.timings[config.label]:.1f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ctx.timings["total"] = time.monotonic() - started
    return ctx


def _copy_history(model_label: str, columns: list[str], rows: list[tuple]) -> None:
    history_model = apps.get_model(model_label).history.model
    names = {f.column for f in history_model._meta.concrete_fields}
    keep = [i for i, c in enumerate(columns) if c in names]
    copy_rows(history_model._meta.db_table, [columns[i] for i in keep], ([r[i] for i in keep] for r in rows))
