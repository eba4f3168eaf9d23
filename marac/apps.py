from django.apps import AppConfig


class MaracConfig(AppConfig):
    name = "marac"
    verbose_name = "MARAC"

    def ready(self) -> None:
        from marac.journey import register

        register()
