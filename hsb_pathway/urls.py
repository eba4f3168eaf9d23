from django.urls import path  # noqa: F401

app_name = "hsb_pathway"

urlpatterns: list = []
