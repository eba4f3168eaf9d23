"""Report pages: thin views. Permission check, bind the filter form, one selector, a chart, and the same
numbers as a table and a CSV download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import permissions
from accounts.models import Agency
from referrals import services as core_services
from referrals.models import AccessAction
from referrals.reporting import charts, exports, selectors, services, summaries
from referrals.reporting.forms import (
    FilterForm,
    OutcomeEntryForm,
    OutcomeImportForm,
    PeriodForm,
    PopulationForm,
    TargetForm,
    YearOnYearForm,
)
from referrals.reporting.models import OutcomeMeasure, PeriodKind
from referrals.reporting.presentation import chart_number, rounded
from svd_portal.lib.csv_export import csv_response
from svd_portal.lib.forms import errors_to_form


def _today():
    return timezone.localdate()


def _posted(request):
    """The POST data to bind, even when empty (an empty form must show its errors, not a blank page)."""
    return request.POST if request.method == "POST" else None


def _csv_url(request, table: str = "csv") -> str:
    query = request.GET.copy()
    query["download"] = table
    return f"?{query.urlencode()}"


def _download(request, *, filename: str, header, rows):
    """A CSV of counts. The export is recorded in the access log (no case in it, so no referral)."""
    core_services.access_log_page(request, None, AccessAction.EXPORT_CSV, record_count=len(rows))
    return csv_response(filename, header, rows)


def _agencies() -> list[Agency]:
    """The agency filter's choices: a London-wide partnership has about 500, so only what the filter uses is
    read (every column of every agency took a report page 15-30 ms on the bench machine)."""
    return list(Agency.objects.filter(is_active=True).only("pk", "name", "short_name").order_by("name"))


def _scope_note(partnership_wide: bool) -> str:
    if partnership_wide:
        return "Counts cover every referral in the partnership."
    return "Counts cover only the referrals your agency can see."


# --- Index ----------------------------------------------------------------------------------------


@require_GET
def index(request):
    permissions.require(permissions.can_open_reports(request.user))
    return render(
        request,
        "referrals/reports/index.html",
        {
            "can_view": permissions.can_view_reports(request.user),
            "can_set_targets": permissions.can_set_targets(request.user),
            "can_manage_data": permissions.can_manage_report_data(request.user),
            "partnership_wide": permissions.can_view_partnership_reports(request.user),
        },
    )


# --- Target versus actual -------------------------------------------------------------------------


@require_GET
def target_actual(request):
    permissions.require(permissions.can_view_reports(request.user))
    today = _today()
    form = PeriodForm(request.GET or None, today=today)
    period = form.chosen_period()
    report = selectors.target_report(user=request.user, period=period, today=today)
    if request.GET.get("download") == "csv":
        header, rows = exports.target_report_rows(report)
        return _download(request, filename=f"targets-{period.label}", header=header, rows=rows)
    title, summary = summaries.target_summary(report)
    bars = [
        {
            "measure": row.measure.short_label,
            "percent": float(rounded(row.figures.projected * 100 / row.assessment.goal)),
            "status": row.assessment.status_label,
        }
        for row in report.with_targets
        if row.assessment.goal and row.figures.projected is not None
    ]
    chart = (
        charts.render(charts.target_progress(bars), labelledby="chart-title chart-summary", description=summary)
        if bars
        else None
    )
    return render(
        request,
        "referrals/reports/target_actual.html",
        {
            "form": form,
            "report": report,
            "period": period,
            "chart": chart,
            "chart_title": title,
            "chart_summary": summary,
            "chart_rows": bars,
            "csv_url": _csv_url(request),
            "scope_note": _scope_note(report.partnership_wide),
            "can_set_targets": permissions.can_set_targets(request.user),
            "at_risk_percent": int(selectors.AT_RISK_MARGIN * 100),
            "complete": period.is_complete(today),
        },
    )


# --- Targets --------------------------------------------------------------------------------------


@require_GET
def targets(request):
    permissions.require(permissions.can_set_targets(request.user))
    return render(request, "referrals/reports/targets.html", {"targets": selectors.target_list()})


def _target_form_page(request, *, target=None):
    today = _today()
    initial = {}
    if target is None:
        initial = {
            "measure": request.GET.get("measure", ""),
            "period_kind": request.GET.get("period") or PeriodKind.FINANCIAL_YEAR,
        }
    form = TargetForm(_posted(request), instance=target, initial=initial, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved, created = services.target_set(
                actor=request.user,
                measure=data["measure"],
                period_kind=data["period_kind"],
                year=data.get("year"),
                target_type=data["target_type"],
                value=data["value"],
                direction=data["direction"],
                note=data.get("note", ""),
                target=target,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            verb = "set" if created else "changed"
            messages.success(request, f"Target {verb}: {saved}")
            return redirect("reports:targets")
    history = selectors.target_history(target) if target is not None else []
    return render(request, "referrals/reports/target_form.html", {"form": form, "target": target, "history": history})


@require_http_methods(["GET", "POST"])
def target_add(request):
    permissions.require(permissions.can_set_targets(request.user))
    return _target_form_page(request)


@require_http_methods(["GET", "POST"])
def target_edit(request, public_id):
    target = selectors.target_for_manager(user=request.user, public_id=public_id)
    return _target_form_page(request, target=target)


# --- Year on year ---------------------------------------------------------------------------------


@require_GET
def year_on_year(request):
    permissions.require(permissions.can_view_reports(request.user))
    today = _today()
    form = YearOnYearForm(request.GET or None, today=today, agencies=_agencies())
    measure = form.chosen_measure()
    period = form.chosen_period()
    filters = selectors.ReportFilters(pathway=form.chosen_pathway(), agency=form.chosen_agency())
    yoy = selectors.year_on_year(user=request.user, measure=measure, period=period, filters=filters, today=today)
    if request.GET.get("download") == "csv":
        header, rows = exports.year_on_year_rows(yoy)
        return _download(request, filename=f"year-on-year-{measure.key}-{period.label}", header=header, rows=rows)
    title, summary = summaries.year_on_year_summary(yoy, today)
    chart = None
    if measure.available:
        points = []
        for row in yoy.rows:
            label = f"{row.month:%b}"
            if not row.future:
                points.append({"month": label, "series": period.label, "value": chart_number(row.current)})
            points.append({"month": label, "series": yoy.previous.label, "value": chart_number(row.previous)})
        chart = charts.render(
            charts.month_comparison(
                points,
                this_label=period.label,
                previous_label=yoy.previous.label,
                value_title="Percentage" if measure.is_rate else "Number",
                months=[f"{m:%b}" for m in period.months()],
                whole_numbers=not measure.is_rate,
            ),
            labelledby="chart-title chart-summary",
            description=summary,
        )
    return render(
        request,
        "referrals/reports/year_on_year.html",
        {
            "form": form,
            "yoy": yoy,
            "measure": measure,
            "period": period,
            "chart": chart,
            "chart_title": title,
            "chart_summary": summary,
            "csv_url": _csv_url(request),
            "scope_note": _scope_note(yoy.partnership_wide),
        },
    )


# --- Breakdowns -----------------------------------------------------------------------------------

# A bar chart of every agency in a London-wide partnership (about 500) can be neither read nor drawn quickly:
# the chart shows the biggest; the table under it and the CSV have them all.
CHART_CATEGORIES = 15


@require_GET
def breakdowns(request):
    permissions.require(permissions.can_view_reports(request.user))
    today = _today()
    form = FilterForm(request.GET or None, today=today, agencies=_agencies())
    period = form.chosen_period()
    filters = selectors.ReportFilters(pathway=form.chosen_pathway(), agency=form.chosen_agency())
    result = selectors.breakdowns(user=request.user, period=period, filters=filters, today=today)
    previous = period.previous()
    this_label = f"{period.label} so far" if not period.is_complete(today) else period.label
    previous_label = f"{previous.label} to the same point" if not period.is_complete(today) else previous.label
    download = request.GET.get("download", "")
    if download in {t.slug for t in result.tables}:
        table = result.table(download)
        header, rows = exports.breakdown_rows(table, this_label=this_label, previous_label=previous_label)
        return _download(request, filename=f"referrals-{download}-{period.label}", header=header, rows=rows)
    sections = []
    for table in result.tables:
        title, summary = summaries.breakdown_summary(table, this_label=this_label, previous_label=previous_label)
        charted = table.rows[:CHART_CATEGORIES]  # rows come with the most referrals first
        points = []
        for row in charted:
            points.append({"category": row.label, "series": this_label, "value": row.current})
            points.append({"category": row.label, "series": previous_label, "value": row.previous})
        chart = None
        chart_note = ""
        if len(table.rows) > len(charted):
            chart_note = (
                f"The chart shows the {len(charted)} with the most referrals in {this_label}. "
                f"The table lists all {len(table.rows):,}."
            )
        if any(r.current or r.previous for r in table.rows):
            chart = charts.render(
                charts.grouped_bars(
                    points,
                    this_label=this_label,
                    previous_label=previous_label,
                    category_title=table.dimension,
                    value_title="Referrals",
                ),
                labelledby=f"{table.slug}-title {table.slug}-summary"
                + (f" {table.slug}-chart-note" if chart_note else ""),
                description=summary,
            )
        sections.append(
            {
                "table": table,
                "title": title,
                "summary": summary,
                "chart": chart,
                "chart_note": chart_note,
                "csv_url": _csv_url(request, table.slug),
            }
        )
    return render(
        request,
        "referrals/reports/breakdowns.html",
        {
            "form": form,
            "result": result,
            "period": period,
            "sections": sections,
            "this_label": this_label,
            "previous_label": previous_label,
            "scope_note": _scope_note(result.partnership_wide),
        },
    )


# --- MARAC benchmarks -----------------------------------------------------------------------------


@require_GET
def benchmarks(request):
    from referrals.reporting import benchmarks as bm

    permissions.require(permissions.can_view_reports(request.user))
    today = _today()
    form = PeriodForm(request.GET or None, today=today, default_kind=PeriodKind.ROLLING_12)
    period = form.chosen_period()
    result = selectors.marac_benchmarks(user=request.user, period=period, today=today)
    if request.GET.get("download") == "csv":
        header, rows = exports.benchmark_rows(result)
        return _download(request, filename=f"marac-benchmarks-{period.label}", header=header, rows=rows)
    title, summary = summaries.benchmark_summary(result)
    points = []
    for row in result.rows:
        if row.unit != "percent" or not row.available or row.key not in bm.NATIONAL_PERCENT:
            continue
        points.append({"category": row.label, "series": "This partnership", "value": chart_number(row.rate)})
        points.append({"category": row.label, "series": "National", "value": bm.NATIONAL_PERCENT[row.key]})
    points = [p for p in points if p["value"] is not None]
    chart = None
    if result.cases:
        chart = charts.render(
            charts.benchmark_bars(points, local_label="This partnership", national_label="National"),
            labelledby="chart-title chart-summary",
            description=summary,
        )
    return render(
        request,
        "referrals/reports/benchmarks.html",
        {
            "form": form,
            "result": result,
            "period": period,
            "chart": chart,
            "chart_title": title,
            "chart_summary": summary,
            "csv_url": _csv_url(request),
            "scope_note": _scope_note(result.partnership_wide),
            "bm": bm,
            "can_manage_data": permissions.can_manage_report_data(request.user),
        },
    )


# --- Outcome measures -----------------------------------------------------------------------------


@require_GET
def outcomes(request):
    permissions.require(permissions.can_view_outcome_measures(request.user))
    today = _today()
    form = PeriodForm(request.GET or None, today=today)
    period = form.chosen_period()
    series_list = selectors.outcome_report(period=period, today=today)
    if request.GET.get("download") == "csv":
        header, rows = exports.outcome_rows(series_list)
        return _download(request, filename=f"outcome-measures-{period.label}", header=header, rows=rows)
    previous = period.previous()
    sections = []
    for index, series in enumerate(series_list):
        title, summary = summaries.outcome_summary(series, today)
        points = []
        for row in series.rows:
            label = f"{row.month:%b}"
            if not row.future:
                points.append({"month": label, "series": period.label, "value": chart_number(row.current)})
            points.append({"month": label, "series": previous.label, "value": chart_number(row.previous)})
        chart = None
        if any(p["value"] is not None for p in points):
            chart = charts.render(
                charts.month_comparison(
                    points,
                    this_label=period.label,
                    previous_label=previous.label,
                    value_title="Number",
                    months=[f"{m:%b}" for m in period.months()],
                ),
                labelledby=f"outcome-{index}-title outcome-{index}-summary",
                description=summary,
            )
        sections.append({"series": series, "title": title, "summary": summary, "chart": chart, "index": index})
    return render(
        request,
        "referrals/reports/outcomes.html",
        {
            "form": form,
            "period": period,
            "previous": previous,
            "sections": sections,
            "csv_url": _csv_url(request),
            "can_manage_data": permissions.can_manage_report_data(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def outcome_add(request):
    permissions.require(permissions.can_manage_report_data(request.user))
    form = OutcomeEntryForm(_posted(request), today=_today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry, created = services.outcome_entry_save(
                actor=request.user,
                measure=data["measure"],
                month=data["first_day"],
                count=data["count"],
                source=data.get("source", ""),
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"{'Recorded' if created else 'Corrected'}: {entry}")
            return redirect("reports:outcomes")
    return render(request, "referrals/reports/outcome_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def outcome_import(request):
    permissions.require(permissions.can_manage_report_data(request.user))
    form = OutcomeImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.outcome_csv_import(actor=request.user, data=upload.read(), today=_today())
        except services.ImportRefused as refused:
            problems = refused.errors
            count = len(problems)
            form.add_error(
                "file",
                f"The file has {count} problem{'s' if count != 1 else ''}, listed below. Nothing was imported",
            )
        else:
            messages.success(
                request,
                f"Imported {len(result.rows)} rows: {result.added} added, {result.updated} changed, "
                f"{result.unchanged} unchanged",
            )
            return redirect("reports:outcomes")
    return render(
        request,
        "referrals/reports/outcome_import.html",
        {"form": form, "problems": problems, "measures": OutcomeMeasure.choices},
    )


@require_http_methods(["GET", "POST"])
def population(request):
    permissions.require(permissions.can_manage_report_data(request.user))
    setting = selectors.partnership_setting()
    initial = {}
    if setting is not None:
        initial = {
            "adult_female_population": setting.adult_female_population,
            "population_source": setting.population_source,
        }
    form = PopulationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.partnership_setting_update(
            actor=request.user,
            adult_female_population=form.cleaned_data["adult_female_population"],
            population_source=form.cleaned_data.get("population_source", ""),
        )
        messages.success(request, "Adult female population saved")
        return redirect("reports:index")
    return render(request, "referrals/reports/population.html", {"form": form, "setting": setting})
