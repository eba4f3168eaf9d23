"""Demo report data: targets for the partnership manager, 30 months of outside outcome figures with a
gentle downward trend, and an adult female population. Called by seed_demo; safe to run again (rows are
found by measure and period or month, and left alone once made). Written through the reporting services, as
a manager and a system administrator would. All figures are invented."""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils import timezone

from referrals.reporting import services
from referrals.reporting.models import (
    Direction,
    OutcomeMeasure,
    OutcomeMeasureEntry,
    PartnershipSetting,
    PeriodKind,
    ReportMeasure,
    Target,
    TargetType,
)
from referrals.reporting.periods import add_months, current_year_for

# Small, so that the demo's few hundred referrals give a realistic rate per 10,000 adult women.
DEMO_POPULATION = 17_600
MONTHS = 30

# measure: (monthly level 30 months ago, monthly level now) for the invented outside data
OUTCOME_TRENDS = {
    OutcomeMeasure.HOSPITAL_SHARP_U25: (9.0, 6.5),
    OutcomeMeasure.POLICE_KNIFE_U25: (31.0, 24.0),
    OutcomeMeasure.HOMICIDES: (0.6, 0.4),
}

# (measure, period kind, this year (0) or last (-1), type, value, direction)
FY, CY, ROLLING = PeriodKind.FINANCIAL_YEAR, PeriodKind.CALENDAR_YEAR, PeriodKind.ROLLING_12
UP, DOWN = Direction.INCREASE, Direction.DECREASE
TARGETS = [
    (ReportMeasure.MARAC_REFERRALS, FY, 0, TargetType.PERCENT_CHANGE, "10", UP),
    (ReportMeasure.MARAC_REFERRALS, FY, -1, TargetType.PERCENT_CHANGE, "5", UP),
    (ReportMeasure.MARAC_NON_POLICE, FY, 0, TargetType.ABSOLUTE, "30", UP),
    (ReportMeasure.HSB_REFERRALS, ROLLING, None, TargetType.PERCENT_CHANGE, "10", UP),
    (ReportMeasure.HSB_ORDERS, ROLLING, None, TargetType.ABSOLUTE, "6", UP),
    (ReportMeasure.YV_REFERRALS, FY, 0, TargetType.PERCENT_CHANGE, "15", UP),
    (
        ReportMeasure.YV_KNIFE_INJURIES,
        FY,
        0,
        TargetType.PERCENT_CHANGE,
        "-10",
        DOWN,
    ),
    (ReportMeasure.YV_GUNSHOT_INJURIES, CY, 0, TargetType.ABSOLUTE, "3", DOWN),
    (ReportMeasure.MARAC_REPEAT_RATE, FY, 0, TargetType.ABSOLUTE, "28", UP),
    (
        ReportMeasure.HOSPITAL_SHARP_U25,
        FY,
        0,
        TargetType.PERCENT_CHANGE,
        "-10",
        DOWN,
    ),
    (ReportMeasure.POLICE_KNIFE_U25, FY, 0, TargetType.PERCENT_CHANGE, "-5", DOWN),
    (ReportMeasure.HOMICIDES, CY, 0, TargetType.ABSOLUTE, "4", DOWN),
]


def seed_reports(partnership, *, seed: int = 7) -> str:
    manager = partnership.users["partnership.manager"]
    admin = partnership.users["sysadmin"]
    today = timezone.localdate()
    rng = random.Random(seed)

    targets = 0
    for measure, kind, offset, target_type, value, direction in TARGETS:
        year = None if offset is None else current_year_for(kind, today) + offset
        year_lookup = {"year__isnull": True} if year is None else {"year": year}
        if Target.objects.filter(measure=measure, period_kind=kind, **year_lookup).exists():
            continue
        services.target_set(
            actor=manager,
            measure=measure,
            period_kind=kind,
            year=year,
            target_type=target_type,
            value=Decimal(value),
            direction=direction,
            note="Synthetic demo target",
        )
        targets += 1

    entries = 0
    first = add_months(today.replace(day=1), -MONTHS)
    existing = set(OutcomeMeasureEntry.objects.values_list("measure", "month"))
    for measure, (then, now) in OUTCOME_TRENDS.items():
        for index in range(MONTHS):  # the current month has no figure yet, as with real published data
            month = add_months(first, index)
            if (measure.value, month) in existing:
                continue
            level = then + (now - then) * index / (MONTHS - 1)
            seasonal = 1 + 0.15 * (1 if month.month in (5, 6, 7, 8) else -0.5)
            count = max(0, round(rng.gauss(level * seasonal, max(0.4, level * 0.15))))
            services.outcome_entry_save(
                actor=admin, measure=measure, month=month, count=count, source="Synthetic demo data"
            )
            entries += 1

    if not PartnershipSetting.objects.filter(pk=PartnershipSetting.SINGLETON_ID).exists():
        services.partnership_setting_update(
            actor=admin, adult_female_population=DEMO_POPULATION, population_source="Synthetic demo figure"
        )
    return f"{targets} targets, {entries} outcome measure figures"
