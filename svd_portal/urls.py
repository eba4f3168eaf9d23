from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import home
from svd_portal.views import admin_login, healthz

admin.site.site_header = settings.SVD_SERVICE_NAME
admin.site.site_title = settings.SVD_SERVICE_NAME
admin.site.login = admin_login

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("referrals.urls")),
    path("marac/", include("marac.urls")),
    path("hsb/", include("hsb_pathway.urls")),
    path("reports/", include("referrals.reporting.urls")),  # issue 7: reports, part of the referrals app
    path("retention/", include("referrals.retention.urls")),  # retention periods and erasure records
    path("system-admin/", admin.site.urls),
]
