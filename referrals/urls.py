from django.urls import path

from referrals import views, views_reminders
from referrals.retention import views as retention_views

app_name = "referrals"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("search/", views.case_search, name="search"),
    path("new/", views.referral_start, name="start"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log.csv", views.access_log_csv, name="access_log_csv"),
    path("due-for-erasure/", retention_views.due_for_erasure, name="due_for_erasure"),
    path("notifications/", views_reminders.notifications, name="notifications"),
    path("notifications/read-all/", views_reminders.notifications_read_all, name="notifications_read_all"),
    path("notifications/<uuid:public_id>/read/", views_reminders.notification_read, name="notification_read"),
    path("reminders/failed/", views_reminders.reminder_failures, name="reminder_failures"),
    path("reminders/timings/", views_reminders.reminder_rules, name="reminder_rules"),
    path("reminders/timings/<slug:kind>/", views_reminders.reminder_rule, name="reminder_rule"),
    path("reminders/<uuid:public_id>/retry/", views_reminders.reminder_retry, name="reminder_retry"),
    path("reminders/emails/<uuid:public_id>/retry/", views_reminders.email_retry, name="email_retry"),
    path("<uuid:public_id>/", views.case_detail, name="detail"),
    path("<uuid:public_id>/history/", views.case_history, name="history"),
    path("<uuid:public_id>/questions/<slug:slug>/", views.referral_step, name="step"),
    path("<uuid:public_id>/people/add/", views.person_edit, name="person_add"),
    path("<uuid:public_id>/people/<uuid:person_id>/", views.person_edit, name="person_edit"),
    path("<uuid:public_id>/people/<uuid:person_id>/remove/", views.person_remove, name="person_remove"),
    path("<uuid:public_id>/check/", views.referral_check, name="check"),
    path("<uuid:public_id>/confirmation/", views.referral_confirmation, name="confirmation"),
    path("<uuid:public_id>/action/<slug:name>/", views.referral_transition, name="transition"),
    path("<uuid:public_id>/share/", views.referral_share, name="share"),
    path("<uuid:public_id>/share/<uuid:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("<uuid:public_id>/keep/", retention_views.hold, name="retention_hold"),
]
