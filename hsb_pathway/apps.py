from django.apps import AppConfig


class HsbPathwayConfig(AppConfig):
    name = "hsb_pathway"
    verbose_name = "Harmful sexual behaviour pathway"

    def ready(self) -> None:
        from django.urls import reverse

        from accounts import permissions
        from hsb_pathway import journey, selectors, services
        from referrals import registry
        from referrals.models import Pathway

        journey.register()
        registry.register_share_rule(Pathway.HSB, permissions.hsb_share_problem)
        registry.register_transition_hook(services.on_referral_transition)
        registry.register_navigation(
            "HSB cases", lambda: reverse("hsb_pathway:case_list"), permissions.hsb_is_hub_member
        )
        registry.register_retention_keep(Pathway.HSB, selectors.orders_keep_case)
        registry.register_report_measure(
            "hsb_orders",
            registry.ReportMeasureProvider(totals=selectors.hsb_orders_totals, monthly=selectors.hsb_orders_monthly),
        )
