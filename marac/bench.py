# ruff: noqa: S608 - statements are built from constants and model metadata; values are parameters.
"""MARAC rows for seed_bench (referrals/bench.py calls `seed_bench_rows(ctx)` after the core rows).

For the MARAC referrals that got past a draft: the MARAC details and a DASH checklist (each with its "+"
history row); fortnightly meetings for each of the 33 boroughs over the ten years, with the borough's agencies
invited; every accepted case listed at its borough's first meeting after acceptance and heard there (or listed
for the next, published meeting), except those accepted in the last three days, which wait as candidates; two
actions agreed for each case heard; and the timeline events and case access the services would have written:
`permissions.marac_referral_access` grants view to every agency attending a published or held meeting that
lists the case, and to the owner of an open action. Research is not seeded.
"""

from __future__ import annotations

import json

from django.utils import timezone

from marac import dash
from marac.models import KIND_CATEGORY, ReferrerCategory
from referrals.bench import (
    AGENCY_KINDS,
    BOROUGHS,
    BenchContext,
    execute,
    history_insert,
    insert_select,
    lit,
    permission_grant,
    scalar,
    table,
    weighted,
)

FORTNIGHT = 14
ANCHOR = "2000-01-03"  # a Monday; borough b meets on ANCHOR + b mod 5 days + 14k
WAITING_DAYS = 3  # accepted this recently: still a candidate for a meeting


def _venue_sql(borough_expr: str) -> str:
    """SQL for a borough's meeting venue, 'Bench borough 07 MARAC', from an SQL expression for its number."""
    return f"'Bench borough ' || lpad({borough_expr}::text, 2, '0') || ' MARAC'"


def _answers() -> list[str]:
    keys = dash.keys_for()
    return [
        json.dumps({k: ("yes" if i < score else "no") for i, k in enumerate(keys)}) for score in range(len(keys) + 1)
    ]


def seed_bench_rows(ctx: BenchContext) -> str:
    r = ctx.rand
    coordinator = ctx.hub_coordinator("marac")
    hub = ctx.hubs.get("marac")
    if coordinator is None or hub is None:
        return "no MARAC hub coordinator: skipped"
    ref = table("referrals.Referral")
    agency_t = table("accounts.Agency")
    params = {
        "lo": ctx.first_id,
        "hi": ctx.last_id,
        "now": ctx.now,
        "today": timezone.localdate(),
        "answers": _answers(),
        "agencies": ctx.agencies,
        "coordinator": coordinator,
        "hub": hub,
    }
    in_range = "r.id BETWEEN %(lo)s AND %(hi)s AND r.pathway = 'marac' AND r.status <> 'draft'"

    # MARAC details and the DASH checklist.
    category = (
        "CASE a.kind "
        + " ".join(f"WHEN {lit(kind)} THEN {lit(cat)}" for kind, cat in KIND_CATEGORY.items())
        + f" ELSE {lit(ReferrerCategory.OTHER)} END"
    )
    judged = f"({r('r.id', 60)} < 0.1)"
    details = {
        "referral_id": "r.id",
        "perpetrator_relationship": weighted(
            [
                (lit("partner"), 45),
                (lit("ex_partner"), 35),
                (lit("parent"), 5),
                (lit("child"), 7),
                (lit("other_family"), 6),
                (lit("other"), 2),
            ],
            r("r.id", 61),
        ),
        "children_in_household": f"floor({r('r.id', 62)} * 4)::int",
        "incidents_last_12_months": f"floor({r('r.id', 63)} * 7)::int",
        "previous_marac": "'no'",
        "judged_band": f"CASE WHEN {judged} THEN 'high' ELSE '' END",
        "judgement_rationale": f"CASE WHEN {judged} THEN 'Bench: escalating controlling behaviour' ELSE '' END",
        "victim_afraid_of": "'Bench: the alleged perpetrator'",
        "safe_to_contact": "'Bench: the IDVA service'",
        "referrer_category": category,
        "is_repeat": f"{r('r.id', 64)} < 0.12",
    }
    ctx.timed(
        "marac details",
        lambda: insert_select(
            "marac.MaracDetail",
            details,
            f"{ref} r JOIN {agency_t} a ON a.id = r.owner_agency_id WHERE {in_range}",
            params,
        ),
    )
    ctx.timed(
        "marac details history",
        lambda: history_insert(
            "marac.MaracDetail",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            joins=f"JOIN {ref} r ON r.id = t.referral_id",
            user_sql="r.referrer_id",
            date_sql="r.created_at",
            params=params,
        ),
    )
    score = (
        f"(CASE WHEN {r('r.id', 65)} < 0.75 THEN 14 + floor({r('r.id', 66)} * 11) "
        f"WHEN {r('r.id', 65)} < 0.9 THEN 10 + floor({r('r.id', 66)} * 4) ELSE floor({r('r.id', 66)} * 10) END)::int"
    )
    ctx.timed(
        "dash checklists",
        lambda: insert_select(
            "marac.DashAssessment",
            {
                "referral_id": "r.id",
                "answers": "(%(answers)s::text[])[s.score + 1]::jsonb",
                "score": "s.score",
                "completed_by_id": "r.referrer_id",
                "completed_at": "r.created_at",
            },
            f"{ref} r CROSS JOIN LATERAL (SELECT {score} AS score) s WHERE {in_range}",
            params,
        ),
    )
    ctx.timed(
        "dash history",
        lambda: history_insert(
            "marac.DashAssessment",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            user_sql="t.completed_by_id",
            date_sql="t.completed_at",
            params=params,
        ),
    )

    ctx.analyze("marac.MaracDetail", "marac.DashAssessment")

    # Meetings: once, for every borough, fortnightly from ten years ago to a month ahead (idempotent).
    meeting_t = table("marac.Meeting")
    params["meetings_after"] = scalar(f"SELECT COALESCE(max(id), 0) FROM {meeting_t}")
    made = ctx.timed("marac meetings", lambda: _meetings(params))
    if made:
        ctx.timed(
            "marac meeting history",
            lambda: history_insert(
                "marac.Meeting",
                where="t.id > %(meetings_after)s",
                user_sql="t.created_by_id",
                date_sql="t.created_at",
                params=params,
            ),
        )
        invited = ctx.timed("marac invitations", lambda: _invitations(ctx, params))
        if invited:
            ctx.timed(
                "marac invitation history",
                lambda: history_insert(
                    "marac.MeetingAgency",
                    where="m.id > %(meetings_after)s",
                    joins=f"JOIN {meeting_t} m ON m.id = t.meeting_id",
                    user_sql="m.created_by_id",
                    date_sql="t.added_at",
                    params=params,
                ),
            )

    ctx.analyze("marac.Meeting", "marac.MeetingAgency")

    # Case lists: each case accepted before the last few days goes on its borough's first meeting after it was
    # accepted; heard there if that meeting has been held.
    kinds = len(AGENCY_KINDS)
    borough = f"((array_position(%(agencies)s::bigint[], r.owner_agency_id) - 1) / {kinds} + 1)"
    anchor = f"(DATE {lit(ANCHOR)} + mod({borough}, 5))"
    due = "(r.accepted_at AT TIME ZONE 'Europe/London')::date + 1"
    meeting_date = f"({anchor} + {FORTNIGHT} * ceil(({due} - {anchor}) / {FORTNIGHT}.0)::int)"
    listed_from = (
        f"{ref} r JOIN {meeting_t} m ON m.venue = {_venue_sql(borough)} "
        f"AND m.date = {meeting_date} "
        f"WHERE {in_range} AND r.status IN ('accepted', 'open', 'closed') AND r.accepted_at IS NOT NULL "
        f"AND r.accepted_at < %(now)s::timestamptz - interval '{WAITING_DAYS} days' AND m.status <> 'draft'"
    )
    case_t = table("marac.MeetingCase")
    ctx.timed(
        "marac case lists",
        lambda: insert_select(
            "marac.MeetingCase",
            {
                "meeting_id": "m.id",
                "referral_id": "r.id",
                "position": "(row_number() OVER (PARTITION BY m.id ORDER BY r.id))::int",
                "added_by_id": "%(coordinator)s",
                "added_at": "LEAST(r.accepted_at + interval '1 hour', m.published_at)",
                "heard_at": "m.held_at",
                "research_shared_at": "m.held_at",
            },
            listed_from,
            params,
        ),
    )
    ctx.timed(
        "marac case list history",
        lambda: history_insert(
            "marac.MeetingCase",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            user_sql="t.added_by_id",
            date_sql="t.added_at",
            params=params,
        ),
    )

    ctx.analyze("marac.MeetingCase")

    # The derived "waiting to be heard since" marker, as services.waiting_refresh keeps it: accepted or open
    # and never heard.
    detail_t = table("marac.MaracDetail")
    ctx.timed(
        "marac waiting markers",
        lambda: execute(
            f"UPDATE {detail_t} d SET waiting_since = COALESCE(r.accepted_at, r.submitted_at, r.created_at) "
            f"FROM {ref} r WHERE d.referral_id = r.id AND {in_range} AND r.status IN ('accepted', 'open') "
            f"AND NOT EXISTS (SELECT 1 FROM {case_t} c WHERE c.referral_id = r.id AND c.removed_at IS NULL "
            "AND c.heard_at IS NOT NULL)",
            params,
        ),
    )

    # Two actions for each case heard, for two agencies of the borough.
    action_pos = (
        f"((array_position(%(agencies)s::bigint[], r.owner_agency_id) - 1) / {kinds}) * {kinds} "
        f"+ mod(floor({r('c.id', 70)} * {kinds})::int + k.n * 7, {kinds}) + 1"
    )
    done = "(m.date + 28 < %(today)s::date - 30)"
    status = (
        f"CASE WHEN {done} THEN "
        + weighted([(lit("complete"), 85), (lit("not_completed"), 10), (lit("changed"), 5)], r("c.id * 2 + k.n", 71))
        + " ELSE 'open' END"
    )
    action_t = table("marac.Action")
    ctx.timed(
        "marac actions",
        lambda: insert_select(
            "marac.Action",
            {
                "meeting_case_id": "c.id",
                "referral_id": "r.id",
                "description": "'Bench: safety planning with the victim'",
                "agency_id": f"(%(agencies)s::bigint[])[{action_pos}]",
                "due_date": "m.date + 28",
                "status": "x.status",
                "status_note": "CASE WHEN x.status IN ('not_completed', 'changed') THEN 'Bench: not done' ELSE '' END",
                "status_reported_at": "CASE WHEN x.status <> 'open' THEN m.held_at + interval '20 days' END",
                "status_reported_by_id": "CASE WHEN x.status <> 'open' THEN %(coordinator)s END",
                "created_by_id": "%(coordinator)s",
                "created_at": "m.held_at",
            },
            f"{case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id JOIN {ref} r ON r.id = c.referral_id "
            f"CROSS JOIN (VALUES (1), (2)) AS k(n) CROSS JOIN LATERAL (SELECT {status} AS status) x "
            "WHERE c.referral_id BETWEEN %(lo)s AND %(hi)s AND c.heard_at IS NOT NULL",
            params,
        ),
    )
    ctx.timed(
        "marac action history",
        lambda: history_insert(
            "marac.Action",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            user_sql="t.created_by_id",
            date_sql="t.created_at",
            params=params,
        ),
    )

    ctx.analyze("marac.Action", "referrals.ReferralGroupObjectPermission")

    # Case access from the meetings and the open actions (marac_referral_access).
    invitation_t = table("marac.MeetingAgency")
    ctx.timed(
        "permissions",
        lambda: permission_grant(
            ctx,
            f"SELECT c.referral_id, i.agency_id FROM {case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id "
            f"JOIN {invitation_t} i ON i.meeting_id = m.id WHERE c.referral_id BETWEEN %(lo)s AND %(hi)s "
            "AND c.removed_at IS NULL AND i.withdrawn_at IS NULL AND m.status IN ('published', 'held') "
            f"UNION SELECT a.referral_id, a.agency_id FROM {action_t} a WHERE a.referral_id BETWEEN %(lo)s "
            "AND %(hi)s AND a.status = 'open'",
            params,
        ),
    )

    # The timeline.
    title = "'MARAC of ' || to_char(m.date, 'FMDD FMMonth YYYY')"
    events = (
        f"(SELECT c.referral_id, c.added_at AS at, 'Added to the case list for the ' || {title} AS summary, "
        "jsonb_build_object('meeting', m.public_id) AS data "
        f"FROM {case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id WHERE c.referral_id BETWEEN %(lo)s AND %(hi)s "
        f"UNION ALL SELECT c.referral_id, m.published_at, 'Case list published for the ' || {title}, "
        f"jsonb_build_object('meeting', m.public_id) FROM {case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id "
        "WHERE c.referral_id BETWEEN %(lo)s AND %(hi)s AND m.published_at IS NOT NULL "
        f"UNION ALL SELECT c.referral_id, c.heard_at, 'Heard at the ' || {title}, '{{}}'::jsonb "
        f"FROM {case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id WHERE c.referral_id BETWEEN %(lo)s AND %(hi)s "
        "AND c.heard_at IS NOT NULL "
        "UNION ALL SELECT a.referral_id, a.created_at, 'MARAC action agreed for ' || ag.short_name || ', due ' "
        "|| to_char(a.due_date, 'FMDD FMMonth YYYY'), jsonb_build_object('action', a.public_id) "
        f"FROM {action_t} a JOIN {agency_t} ag ON ag.id = a.agency_id WHERE a.referral_id BETWEEN %(lo)s AND %(hi)s"
        ") e"
    )
    ctx.timed(
        "timeline events",
        lambda: insert_select(
            "referrals.ReferralEvent",
            {
                "referral_id": "e.referral_id",
                "at": "e.at",
                "actor_id": "%(coordinator)s",
                "actor_agency_id": "%(hub)s",
                "kind": "'pathway'",
                "summary": "e.summary",
                "data": "e.data",
            },
            events,
            params,
        ),
    )
    listed = ctx.rows.get("marac case lists", 0)
    return f"{ctx.rows.get('marac details', 0):,} MARAC cases, {listed:,} listings so far"


def _meetings(params: dict) -> int:
    """Fortnightly meetings per borough from ten years and a fortnight ago to a month ahead; held before today,
    the next one published, the one after a draft. Adds only the dates not there yet."""
    meeting_t = table("marac.Meeting")
    status = (
        "CASE WHEN d.date < %(today)s::date THEN 'held' "
        f"WHEN d.date < %(today)s::date + {FORTNIGHT} THEN 'published' ELSE 'draft' END"
    )
    dates = (
        f"(SELECT b.n AS borough, (DATE {lit(ANCHOR)} + mod(b.n, 5) + {FORTNIGHT} * k.k)::date AS date "
        f"FROM generate_series(1, {BOROUGHS}) AS b(n) CROSS JOIN generate_series("
        f"((%(today)s::date - 3700 - DATE {lit(ANCHOR)}) / {FORTNIGHT})::int, "
        f"((%(today)s::date + 30 - DATE {lit(ANCHOR)}) / {FORTNIGHT})::int) AS k(k)) d "
        f"CROSS JOIN LATERAL (SELECT {status} AS status) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {meeting_t} x WHERE x.chair = 'Bench chair' AND x.date = d.date "
        f"AND x.venue = {_venue_sql('d.borough')})"
    )
    at = "(d.date + time '10:00') AT TIME ZONE 'Europe/London'"
    return insert_select(
        "marac.Meeting",
        {
            "date": "d.date",
            "start_time": "time '10:00'",
            "duration_minutes": "180",
            "venue_kind": "'hybrid'",
            "venue": _venue_sql("d.borough"),
            "chair": "'Bench chair'",
            "referral_cutoff": "d.date - 7",
            "status": "s.status",
            "created_by_id": "%(coordinator)s",
            "created_at": f"{at} - interval '21 days'",
            "published_at": f"CASE WHEN s.status <> 'draft' THEN {at} - interval '7 days' END",
            "held_at": f"CASE WHEN s.status = 'held' THEN {at} + interval '3 hours' END",
            "confidentiality_acknowledged_at": f"CASE WHEN s.status = 'held' THEN {at} END",
            "confidentiality_acknowledged_by_id": "CASE WHEN s.status = 'held' THEN %(coordinator)s END",
        },
        dates,
        params,
    )


def _invitations(ctx: BenchContext, params: dict) -> int:
    """The borough's fifteen agencies and the MARAC hub, at each meeting this run made."""
    meeting_t = table("marac.Meeting")
    kinds = len(AGENCY_KINDS)
    borough = "substring(m.venue from 'borough (\\d+)')::int"
    return insert_select(
        "marac.MeetingAgency",
        {
            "meeting_id": "m.id",
            "agency_id": "x.agency_id",
            "added_at": "m.created_at",
            "attendance": (
                "CASE WHEN m.status = 'held' THEN "
                + weighted(
                    [(lit("attended"), 80), (lit("apologies"), 15), (lit("absent"), 5)], ctx.rand("m.id * 32 + x.k", 80)
                )
                + " ELSE '' END"
            ),
            "representative": "CASE WHEN m.status = 'held' THEN 'Bench representative' ELSE '' END",
        },
        f"{meeting_t} m CROSS JOIN LATERAL (SELECT DISTINCT ON (agency_id) agency_id, k FROM ("
        f"SELECT (%(agencies)s::bigint[])[({borough} - 1) * {kinds} + k.k] AS agency_id, k.k FROM "
        f"generate_series(1, {kinds}) AS k(k) UNION ALL SELECT %(hub)s, 0) y) x "
        "WHERE m.id > %(meetings_after)s",
        params,
    )


def bench_cases(personas: dict) -> list:
    """The MARAC pages for run_bench: the case list of the next draft meeting with the cases waiting for a
    meeting (the candidate list), as the MARAC hub coordinator."""
    from django.db import connection
    from django.urls import reverse

    from marac import selectors
    from marac.models import Meeting, MeetingStatus
    from referrals.benchmarks import BenchCase, _fetch, _page_request, _view_permission_id, client_for, visible_sql

    persona = personas["hub"]
    meeting = Meeting.objects.filter(status=MeetingStatus.DRAFT).order_by("date", "id").first()
    if meeting is None:
        return []
    ref, agency_t = table("referrals.Referral"), table("accounts.Agency")
    case_t, meeting_t, dash_t = table("marac.MeetingCase"), table("marac.Meeting"), table("marac.DashAssessment")
    detail_t, person_t = table("marac.MaracDetail"), table("referrals.Person")
    params = {"group": persona.agency.group_id, "view": _view_permission_id()}
    columns = (
        "SELECT r.id, r.public_id, r.reference, r.accepted_at, a.short_name, d.is_repeat, d.judged_band, "
        f"d.incidents_last_12_months, (SELECT s.score FROM {dash_t} s WHERE s.referral_id = r.id ORDER BY "
        "s.completed_at DESC, s.id DESC LIMIT 1), (SELECT string_agg(p.first_name || ' ' || p.last_name, ', ') "
        f"FROM {person_t} p WHERE p.referral_id = r.id AND p.role = 'subject') FROM {ref} r JOIN {agency_t} a "
        f"ON a.id = r.owner_agency_id "
    )
    visible_and_not_listed = (
        f"AND {visible_sql()} "
        f"AND NOT EXISTS (SELECT 1 FROM {case_t} c JOIN {meeting_t} m ON m.id = c.meeting_id WHERE "
        "c.referral_id = r.id AND c.removed_at IS NULL AND m.status IN ('draft', 'published')) "
    )
    # The floor walks the derived waiting marker as the page does; the definition (never heard, by the
    # listings) is run too, by the check only, so the marker is proved to give the same cases at this size.
    sql = (
        columns + f"JOIN {detail_t} d ON d.referral_id = r.id "
        "WHERE d.waiting_since IS NOT NULL AND r.pathway = 'marac' AND r.status IN ('accepted', 'open') "
        + visible_and_not_listed
        + f"ORDER BY d.waiting_since, r.id LIMIT {selectors.CANDIDATE_LIMIT}"
    )
    by_definition = (
        columns + f"LEFT JOIN {detail_t} d ON d.referral_id = r.id "
        "WHERE r.pathway = 'marac' AND r.status IN ('accepted', 'open') "
        f"AND NOT EXISTS (SELECT 1 FROM {case_t} c WHERE c.referral_id = r.id AND c.removed_at IS NULL "
        "AND c.heard_at IS NOT NULL) "
        + visible_and_not_listed
        + f"ORDER BY r.accepted_at, r.id LIMIT {selectors.CANDIDATE_LIMIT}"
    )

    def floor(cursor):
        return sorted(row[0] for row in _fetch(cursor, sql, params))

    def check():
        rows = selectors.candidates(user=persona.user)
        with connection.cursor() as cursor:
            defined = sorted(row[0] for row in _fetch(cursor, by_definition, params))
            return sorted(row.referral.pk for row in rows), [floor(cursor), defined]

    return [
        BenchCase(
            group="MARAC",
            name="MARAC candidate list: a draft meeting's case list page (MARAC hub coordinator)",
            page=_page_request(client_for(persona.user), reverse("marac:meeting_cases", args=[meeting.public_id])),
            floors=[floor],
            check=check,
            target_ms=100,
        )
    ]
