from django.urls import path

from marac import views

app_name = "marac"

MEETING = "meetings/<uuid:public_id>/"
CASE = MEETING + "cases/<uuid:referral_id>/"

urlpatterns = [
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path(MEETING, views.meeting, name="meeting"),
    path(MEETING + "edit/", views.meeting_edit, name="meeting_edit"),
    path(MEETING + "cases/", views.meeting_cases, name="meeting_cases"),
    path(MEETING + "cases/add/", views.meeting_cases_add, name="meeting_cases_add"),
    path(MEETING + "cases.csv", views.meeting_cases_export, {"fmt": "csv"}, name="meeting_cases_csv"),
    path(MEETING + "cases.pdf", views.meeting_cases_export, {"fmt": "pdf"}, name="meeting_cases_pdf"),
    path(MEETING + "publish/", views.meeting_publish, name="meeting_publish"),
    path(MEETING + "attendance/", views.meeting_attendance, name="meeting_attendance"),
    path(MEETING + "held/", views.meeting_held, name="meeting_held"),
    path(MEETING + "minutes/", views.meeting_minutes, name="meeting_minutes"),
    path(CASE, views.meeting_case, name="meeting_case"),
    path(CASE + "remove/", views.meeting_case_remove, name="meeting_case_remove"),
    path(CASE + "research/", views.meeting_case_research, name="meeting_case_research"),
    path(CASE + "share-research/", views.meeting_case_share_research, name="meeting_case_share_research"),
    path(CASE + "actions/add/", views.meeting_case_action_add, name="meeting_case_action_add"),
    path("actions/", views.actions, name="actions"),
    path("actions.csv", views.actions_export, {"fmt": "csv"}, name="actions_csv"),
    path("actions.pdf", views.actions_export, {"fmt": "pdf"}, name="actions_pdf"),
    path("actions/<uuid:public_id>/", views.action, name="action"),
    path("actions/by-agency/", views.action_completion, name="action_completion"),
    path("actions/by-agency.csv", views.action_completion_csv, name="action_completion_csv"),
    path("possible-repeats/", views.possible_repeats, name="possible_repeats"),
    path("possible-repeats/<uuid:public_id>/", views.possible_repeat, name="possible_repeat"),
    path("data-return/", views.data_return, name="data_return"),
    path("data-return.csv", views.data_return_csv, name="data_return_csv"),
    path("cases/<uuid:public_id>/safety/", views.safety, name="safety"),
    path("cases/<uuid:public_id>/idva-contact/", views.idva_contact, name="idva_contact"),
]
