"""Retention pages, under /retention/ (namespace retention)."""

from django.urls import path

from referrals.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:pathway>/", views.rule, name="rule"),
]
