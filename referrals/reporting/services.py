"""Every write the reports make: targets, outcome measure figures (one at a time or a CSV import) and the
population setting. Typed, keyword-only, atomic; each saves through simple-history with the acting user.

None of these rows belongs to a case, so they write no case timeline event: their history is the audit.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import permissions
from referrals.reporting.models import (
    MAX_OUTCOME_COUNT,
    MIN_YEAR,
    OutcomeMeasure,
    OutcomeMeasureEntry,
    PartnershipSetting,
    PeriodKind,
    Target,
)
from svd_portal.lib.forms import has_disallowed_characters


def _attributed(instance, actor, reason: str):
    instance._history_user = actor
    instance._change_reason = reason
    return instance


# --- Targets --------------------------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    actor,
    measure: str,
    period_kind: str,
    year: int | None,
    target_type: str,
    value: Decimal,
    direction: str,
    note: str = "",
    target: Target | None = None,
) -> tuple[Target, bool]:
    """Set the target for a measure and period: change `target`, or the one already set for that measure
    and period, or create it. Returns (target, created). History keeps every earlier value."""
    permissions.require(permissions.can_set_targets(actor))
    if period_kind == PeriodKind.ROLLING_12:
        year = None
    year_lookup = {"year__isnull": True} if year is None else {"year": year}
    same = Target.objects.select_for_update().filter(measure=measure, period_kind=period_kind, **year_lookup)
    if target is not None:
        target = Target.objects.select_for_update().get(pk=target.pk)
        if same.exclude(pk=target.pk).exists():
            raise ValidationError(
                "A target for that measure and period has already been set. Change that target instead"
            )
    else:
        target = same.first()
    created = target is None
    if created:
        target = Target(set_by=actor)
    target.measure = measure
    target.period_kind = period_kind
    target.year = year
    target.target_type = target_type
    target.value = value
    target.direction = direction
    target.note = (note or "").strip()
    target.set_by = actor
    _attributed(target, actor, "target_set")
    target.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:  # someone set the same target a moment ago
        raise ValidationError("Someone else has just set a target for that measure and period. Try again") from exc
    return target, created


# --- Outcome measures -----------------------------------------------------------------------------


@transaction.atomic
def outcome_entry_save(
    *, actor, measure: str, month: datetime.date, count: int, source: str = ""
) -> tuple[OutcomeMeasureEntry, bool]:
    """Record (or correct) one month's figure. Returns (entry, created)."""
    permissions.require(permissions.can_manage_report_data(actor))
    month = month.replace(day=1)
    entry = OutcomeMeasureEntry.objects.select_for_update().filter(measure=measure, month=month).first()
    created = entry is None
    if created:
        entry = OutcomeMeasureEntry(measure=measure, month=month, entered_by=actor)
    entry.count = count
    entry.source = (source or "").strip()
    entry.entered_by = actor
    _attributed(entry, actor, "outcome_entry_save")
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ValidationError("Someone else has just entered that month. Try again") from exc
    return entry, created


MAX_IMPORT_ROWS = 5_000
MAX_SOURCE_LENGTH = 200
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
REQUIRED_COLUMNS = ("measure", "month", "count")
OPTIONAL_COLUMNS = ("source",)


class ImportRefused(Exception):
    """The file has problems: nothing was imported. `errors` lists each as "Line N: ..."."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


@dataclass
class ImportRow:
    line: int
    measure: str
    month: datetime.date
    count: int
    source: str


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[ImportRow] = field(default_factory=list)


def _measure_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in OutcomeMeasure.choices:
        lookup[value.casefold()] = value
        lookup[str(label).casefold()] = value
    return lookup


def _latest_month(today: datetime.date) -> datetime.date:
    return today.replace(day=1)


def outcome_csv_parse(*, data: bytes, today: datetime.date) -> list[ImportRow]:
    """Check every row of an outcome measures CSV file. Raises ImportRefused listing every problem by line
    number (the header is line 1); returns the rows only when there are none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(["The file must be a CSV file saved as UTF-8 text"]) from exc
    if "\0" in text:
        raise ImportRefused(
            ["The file must be a CSV file: it contains NUL characters, as a spreadsheet or other binary file would"]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportRefused([f"Line 1: the header row could not be read ({exc})"]) from exc
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused(["The file is empty. The first line must be the header: measure,month,count,source"])
    columns = [cell.strip().casefold() for cell in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(f"it has no {', '.join(missing)} column")
        if unknown:
            problems.append(f"these columns are not recognised: {', '.join(c[:40] for c in unknown[:10])}")
        if repeated:
            problems.append(f"these columns appear more than once: {', '.join(repeated)}")
        raise ImportRefused([f"Line 1: the header must be measure,month,count,source but {'; '.join(problems)}"])
    index = {name: columns.index(name) for name in columns}
    measures = _measure_lookup()
    latest = _latest_month(today)
    rows: list[ImportRow] = []
    seen: dict[tuple[str, datetime.date], int] = {}
    data_rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"Line {reader.line_num}: the row could not be read ({exc})")
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_IMPORT_ROWS:
            errors.append(f"Line {line}: the file has more than {MAX_IMPORT_ROWS:,} rows. Split it into smaller files")
            break
        if len(cells) != len(columns):
            errors.append(f"Line {line}: expected {len(columns)} values but found {len(cells)}")
            continue
        problems = []
        raw_measure = cells[index["measure"]].strip()
        measure = measures.get(raw_measure.casefold())
        if not raw_measure:
            problems.append("enter the measure")
        elif measure is None:
            problems.append(f"measure must be one of {', '.join(OutcomeMeasure.values)}")
        raw_month = cells[index["month"]].strip()
        month = None
        match = MONTH_RE.match(raw_month)
        if not raw_month:
            problems.append("enter the month, for example 2025-04")
        elif not match:
            problems.append("month must be a year and month, for example 2025-04")
        else:
            year, number = int(match.group(1)), int(match.group(2))
            if not 1 <= number <= 12:
                problems.append("month must be a real month, from 01 to 12")
            elif year < MIN_YEAR:
                problems.append(f"month must be in {MIN_YEAR} or later")
            else:
                month = datetime.date(year, number, 1)
                if month > latest:
                    problems.append("month must not be in the future")
                    month = None
        raw_count = cells[index["count"]].strip()
        count = None
        if not raw_count:
            problems.append("enter the count")
        elif not raw_count.isascii() or not raw_count.isdigit():
            problems.append("count must be a whole number, 0 or more")
        elif int(raw_count) > MAX_OUTCOME_COUNT:
            problems.append(f"count must be {MAX_OUTCOME_COUNT:,} or fewer")
        else:
            count = int(raw_count)
        source = cells[index["source"]].strip() if "source" in index else ""
        if len(source) > MAX_SOURCE_LENGTH:
            problems.append(f"source must be {MAX_SOURCE_LENGTH} characters or fewer")
        elif has_disallowed_characters(source, multiline=False):
            problems.append("source must not contain control or hidden formatting characters")
        if measure and month:
            earlier = seen.get((measure, month))
            if earlier is not None:
                problems.append(f"the same measure and month as line {earlier}")
            else:
                seen[(measure, month)] = line
        if problems:
            errors.append(f"Line {line}: {'; '.join(problems)}")
            continue
        rows.append(ImportRow(line=line, measure=measure, month=month, count=count, source=source))
    if not errors and not rows:
        errors.append("The file has a header but no rows")
    if errors:
        raise ImportRefused(errors)
    return rows


@transaction.atomic
def outcome_csv_import(*, actor, data: bytes, today: datetime.date | None = None) -> ImportResult:
    """Import a CSV file of monthly figures: all of it, or (when any row is bad) none of it."""
    permissions.require(permissions.can_manage_report_data(actor))
    rows = outcome_csv_parse(data=data, today=today or timezone.localdate())
    existing = {
        (e.measure, e.month): e
        for e in OutcomeMeasureEntry.objects.select_for_update().filter(
            month__in={r.month for r in rows}, measure__in={r.measure for r in rows}
        )
    }
    result = ImportResult(rows=rows)
    for row in rows:
        entry = existing.get((row.measure, row.month))
        if entry is not None and entry.count == row.count and entry.source == row.source:
            result.unchanged += 1
            continue
        if entry is None:
            entry = OutcomeMeasureEntry(measure=row.measure, month=row.month)
            result.added += 1
        else:
            result.updated += 1
        entry.count = row.count
        entry.source = row.source
        entry.entered_by = actor
        _attributed(entry, actor, f"outcome_csv_import:line {row.line}")
        entry.full_clean(validate_constraints=False)
        entry.save()
    return result


# --- The population setting -----------------------------------------------------------------------


@transaction.atomic
def partnership_setting_update(
    *, actor, adult_female_population: int | None, population_source: str = ""
) -> PartnershipSetting:
    permissions.require(permissions.can_manage_report_data(actor))
    setting = PartnershipSetting.objects.select_for_update().filter(pk=PartnershipSetting.SINGLETON_ID).first()
    if setting is None:
        setting = PartnershipSetting(pk=PartnershipSetting.SINGLETON_ID)
    setting.adult_female_population = adult_female_population
    setting.population_source = (population_source or "").strip()
    setting.updated_by = actor
    setting.updated_at = timezone.now()
    _attributed(setting, actor, "partnership_setting_update")
    setting.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            setting.save()
    except IntegrityError as exc:
        raise ValidationError("Someone else has just changed this setting. Try again") from exc
    return setting
