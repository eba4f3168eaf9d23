"""MaracDetail.waiting_since: the derived "waiting to be heard since" marker behind the candidate list's
partial index (marac.services.waiting_refresh keeps it), filled here for the cases already there."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_waiting_since(apps, schema_editor):
    MaracDetail = apps.get_model("marac", "MaracDetail")
    MeetingCase = apps.get_model("marac", "MeetingCase")
    Referral = apps.get_model("referrals", "Referral")
    heard = MeetingCase.objects.filter(
        referral=OuterRef("referral_id"), removed_at__isnull=True, heard_at__isnull=False
    )
    since = Referral.objects.filter(pk=OuterRef("referral_id")).values(
        at=Coalesce("accepted_at", "submitted_at", "created_at")
    )[:1]
    MaracDetail.objects.filter(referral__status__in=["accepted", "open"]).exclude(Exists(heard)).update(
        waiting_since=Subquery(since)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marac", "0001_initial"),
        ("referrals", "0006_scale_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="maracdetail",
            name="waiting_since",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_waiting_since, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="maracdetail",
            index=models.Index(
                condition=models.Q(("waiting_since__isnull", False)),
                fields=["waiting_since", "referral"],
                name="marac_detail_waiting_idx",
            ),
        ),
    ]
