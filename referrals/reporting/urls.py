"""Report pages, under /reports/ (namespace reports)."""

from django.urls import path

from referrals.reporting import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("targets-and-actuals/", views.target_actual, name="target_actual"),
    path("targets/", views.targets, name="targets"),
    path("targets/new/", views.target_add, name="target_add"),
    path("targets/<uuid:public_id>/", views.target_edit, name="target_edit"),
    path("year-on-year/", views.year_on_year, name="year_on_year"),
    path("breakdowns/", views.breakdowns, name="breakdowns"),
    path("marac-benchmarks/", views.benchmarks, name="benchmarks"),
    path("outcome-measures/", views.outcomes, name="outcomes"),
    path("outcome-measures/new/", views.outcome_add, name="outcome_add"),
    path("outcome-measures/import/", views.outcome_import, name="outcome_import"),
    path("population/", views.population, name="population"),
]
