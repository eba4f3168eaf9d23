"""Fill Person.phone_key for the people recorded before it existed (0015 added the column and its partial index,
both quick: the column's default is '', and no row was in the index yet).

Not atomic: each batch of 2,000 people, taken in primary-key order, commits on its own, so a London-wide table of
millions of people is never locked as a whole and case pages keep working while it runs."""

import re

from django.db import migrations, transaction

BATCH = 2000


def _phone_key(phone):
    """referrals.models.phone_key as it was when this migration was written (kept here, so that the migration does
    not change if that does; tests/referrals/test_views.py holds the two to the same answers)."""
    digits = "".join(ch for ch in phone if ch in "0123456789")
    international = phone.lstrip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("44") or re.fullmatch(r"44[1-9][0-9]{9}", digits):
        digits = digits[2:] if digits[2:3] == "0" else "0" + digits[2:]
    return digits


def fill_phone_keys(apps, schema_editor):
    Person = apps.get_model("referrals", "Person")
    last = 0
    while True:
        with transaction.atomic():
            people = list(
                Person.objects.filter(pk__gt=last).exclude(phone="").order_by("pk").only("pk", "phone")[:BATCH]
            )
            if not people:
                return
            for person in people:
                person.phone_key = _phone_key(person.phone)
            Person.objects.bulk_update(people, ["phone_key"])
        last = people[-1].pk


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0015_person_phone_key"),
    ]

    operations = [
        migrations.RunPython(fill_phone_keys, migrations.RunPython.noop),
    ]
