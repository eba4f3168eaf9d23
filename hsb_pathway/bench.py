# ruff: noqa: S608 - statements are built from constants and model metadata; values are parameters.
"""Harmful sexual behaviour rows for seed_bench (referrals/bench.py calls `seed_bench_rows(ctx)` after the core
rows): the HSB details of every HSB referral that got past a draft, at the stage its status implies (closed
cases closed from review), and an order on about one accepted case in twelve, each with its "+" history row
and its timeline event. Strategy discussions, assessments, interventions and reviews are not seeded.
"""

from __future__ import annotations

from referrals.bench import AGENCY_KINDS, BenchContext, history_insert, insert_select, lit, table, weighted


def seed_bench_rows(ctx: BenchContext) -> str:
    r = ctx.rand
    ref, person = table("referrals.Referral"), table("referrals.Person")
    params = {"lo": ctx.first_id, "hi": ctx.last_id, "now": ctx.now, "agencies": ctx.agencies}
    in_range = "r.id BETWEEN %(lo)s AND %(hi)s AND r.pathway = 'hsb' AND r.status <> 'draft'"
    age = "LEAST(17, GREATEST(8, extract(year from age(r.created_at::date, p.date_of_birth))))::int"
    stage = (
        "CASE r.status WHEN 'closed' THEN 'closed' WHEN 'declined' THEN 'closed' WHEN 'submitted' THEN 'strategy' "
        "WHEN 'accepted' THEN 'assessment' ELSE "
        + weighted([(lit("intervention"), 60), (lit("review"), 40)], r("r.id", 90))
        + " END"
    )
    details = {
        "referral_id": "r.id",
        "age_at_behaviour": "a.age",
        "concern": "'Bench: synthetic description of the behaviour of concern'",
        "setting": weighted(
            [(lit("home"), 35), (lit("school"), 35), (lit("community"), 15), (lit("online"), 15)], r("r.id", 91)
        ),
        "victim_identified": "'yes'",
        "victim_age": f"GREATEST(4, a.age - 1 - floor({r('r.id', 92)} * 4)::int)",
        "victim_relationship": "'Peer'",
        "parents_told": "'yes'",
        "brook_rating": weighted([(lit("amber"), 55), (lit("red"), 45)], r("r.id", 93)),
        "brook_age_band": "CASE WHEN a.age < 9 THEN '5_9' WHEN a.age < 13 THEN '9_13' ELSE '13_17' END",
        "hackett_category": weighted(
            [(lit("inappropriate"), 20), (lit("problematic"), 35), (lit("abusive"), 35), (lit("violent"), 10)],
            r("r.id", 94),
        ),
        "stage": "s.stage",
        "stage_changed_at": "COALESCE(r.closed_at, r.accepted_at, r.created_at)",
        "closed_from_stage": "CASE WHEN s.stage = 'closed' THEN 'review' ELSE '' END",
        "closure_reason": "CASE WHEN s.stage = 'closed' THEN 'completed' ELSE '' END",
        "send": f"{r('r.id', 95)} < 0.2",
    }
    ctx.timed(
        "hsb details",
        lambda: insert_select(
            "hsb_pathway.HsbDetail",
            details,
            f"{ref} r JOIN {person} p ON p.referral_id = r.id AND p.role = 'subject' "
            f"CROSS JOIN LATERAL (SELECT {age} AS age) a CROSS JOIN LATERAL (SELECT {stage} AS stage) s "
            f"WHERE {in_range}",
            params,
        ),
    )
    ctx.timed(
        "hsb details history",
        lambda: history_insert(
            "hsb_pathway.HsbDetail",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            joins=f"JOIN {ref} r ON r.id = t.referral_id",
            user_sql="r.referrer_id",
            date_sql="r.created_at",
            params=params,
        ),
    )
    ctx.analyze("hsb_pathway.HsbDetail")
    kinds = len(AGENCY_KINDS)
    police = f"((array_position(%(agencies)s::bigint[], r.owner_agency_id) - 1) / {kinds}) * {kinds} + 1"
    made = (
        "LEAST((%(now)s::timestamptz AT TIME ZONE 'Europe/London')::date, (r.accepted_at + interval '60 days')::date)"
    )
    indefinite = f"({r('r.id', 97)} < 0.1)"
    ctx.timed(
        "hsb orders",
        lambda: insert_select(
            "hsb_pathway.Order",
            {
                "referral_id": "r.id",
                "kind": weighted(
                    [(lit("shpo"), 50), (lit("interim_shpo"), 15), (lit("sro"), 25), (lit("interim_sro"), 10)],
                    r("r.id", 98),
                ),
                "made_on": made,
                "applicant_agency_id": f"(%(agencies)s::bigint[])[{police}]",
                "court": "'Bench Magistrates'' Court'",
                "end_on": f"CASE WHEN {indefinite} THEN NULL ELSE {made} + 5 * 365 END",
                "indefinite": indefinite,
                "prohibitions": "'Bench: no unsupervised contact with children under 16'",
                "created_at": f"{made}::timestamptz + interval '1 day'",
            },
            f"{ref} r WHERE r.id BETWEEN %(lo)s AND %(hi)s AND r.pathway = 'hsb' AND r.accepted_at IS NOT NULL "
            f"AND {r('r.id', 96)} < 0.08",
            params,
        ),
    )
    order_t = table("hsb_pathway.Order")
    ctx.analyze("hsb_pathway.Order")
    ctx.timed(
        "hsb order history",
        lambda: history_insert(
            "hsb_pathway.Order",
            where="t.referral_id BETWEEN %(lo)s AND %(hi)s",
            joins=f"JOIN {ref} r ON r.id = t.referral_id",
            user_sql="r.referrer_id",
            date_sql="t.created_at",
            params=params,
        ),
    )
    ctx.timed(
        "timeline events",
        lambda: insert_select(
            "referrals.ReferralEvent",
            {
                "referral_id": "o.referral_id",
                "at": "o.created_at",
                "actor_id": "r.referrer_id",
                "actor_agency_id": "r.owner_agency_id",
                "kind": "'pathway'",
                "summary": "'Order recorded: made ' || to_char(o.made_on, 'FMDD FMMonth YYYY')",
            },
            f"{order_t} o JOIN {ref} r ON r.id = o.referral_id WHERE o.referral_id BETWEEN %(lo)s AND %(hi)s",
            params,
        ),
    )
    return f"{ctx.rows.get('hsb details', 0):,} HSB cases, {ctx.rows.get('hsb orders', 0):,} orders so far"


def bench_cases(personas: dict) -> list:
    """The HSB case list for run_bench, first page, as the HSB hub coordinator (who sees every HSB case)."""
    from django.db import connection
    from django.urls import reverse

    from hsb_pathway import selectors
    from referrals.benchmarks import BenchCase, _fetch, _page_request, _view_permission_id, client_for, visible_sql

    persona = personas["hsb"]
    ref, detail = table("referrals.Referral"), table("hsb_pathway.HsbDetail")
    params = {"group": persona.agency.group_id, "view": _view_permission_id()}
    where = f"r.pathway = 'hsb' AND r.status <> 'draft' AND {visible_sql()}"
    count_sql = f"SELECT count(*) FROM {ref} r WHERE {where}"
    page_sql = (
        f"SELECT r.id, r.public_id, r.reference, r.received_at, h.stage FROM {ref} r LEFT JOIN {detail} h ON "
        f"h.referral_id = r.id WHERE {where} ORDER BY r.received_at DESC, r.id DESC LIMIT 25"
    )

    def floor(cursor):
        return _fetch(cursor, count_sql, params)[0][0], [row[0] for row in _fetch(cursor, page_sql, params)]

    def check():
        page = selectors.hsb_case_list(user=persona.user)
        with connection.cursor() as cursor:
            return (page.total, [row.referral.pk for row in page.items]), [floor(cursor)]

    return [
        BenchCase(
            group="HSB",
            name="HSB case list, first page (HSB hub coordinator)",
            page=_page_request(client_for(persona.user), reverse("hsb_pathway:case_list")),
            floors=[floor],
            check=check,
            target_ms=100,
        )
    ]
