"""Copy each referral's created_at and "is this the owner's row" onto its permission rows, so that an agency's
case lists are one index walk of its own rows (docs/performance.md). Added nullable, filled from the referrals
in one UPDATE, then made NOT NULL."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def fill(apps, schema_editor):
    Row = apps.get_model("referrals", "ReferralGroupObjectPermission")
    Referral = apps.get_model("referrals", "Referral")
    Row.objects.update(
        case_created_at=Subquery(Referral.objects.filter(pk=OuterRef("content_object_id")).values("created_at")[:1]),
        by_owner=Exists(
            Referral.objects.filter(pk=OuterRef("content_object_id"), owner_agency__group_id=OuterRef("group_id"))
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_scale_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="referralgroupobjectpermission",
            name="by_owner",
            field=models.BooleanField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="referralgroupobjectpermission",
            name="case_created_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referralgroupobjectpermission",
            name="by_owner",
            field=models.BooleanField(editable=False),
        ),
        migrations.AlterField(
            model_name="referralgroupobjectpermission",
            name="case_created_at",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddIndex(
            model_name="referralgroupobjectpermission",
            index=models.Index(
                fields=["group", "permission", "by_owner", "-case_created_at", "-content_object"],
                name="ref_perm_list_idx",
            ),
        ),
    ]
