from django.apps import AppConfig


class HsbPathwayConfig(AppConfig):
    name = "hsb_pathway"
    verbose_name = "Harmful sexual behaviour pathway"
