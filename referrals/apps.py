from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from referrals import dev_sweeper, reminder_hooks  # issue 6: reminders and notifications

        reminder_hooks.register()
        dev_sweeper.maybe_start()

        from referrals.journey import register_youth_violence

        register_youth_violence()

        from referrals.reporting.navigation import register_reports  # issue 7

        register_reports()

        from django.urls import reverse

        from accounts import permissions
        from referrals import registry

        registry.register_navigation("Retention", lambda: reverse("retention:index"), permissions.can_manage_retention)

        from referrals.models import ReminderKind
        from referrals.retention.services import draft_warning_stale

        registry.register_reminder_stale(ReminderKind.DRAFT_ERASURE, draft_warning_stale)
