from django.apps import AppConfig


class SvdPortalConfig(AppConfig):
    name = "svd_portal"
    verbose_name = "SVD Portal"
