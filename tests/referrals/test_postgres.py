"""PostgreSQL-specific settings the scoping queries rely on (performance.md)."""

import pytest
from django.db import connection

from tests.helpers import require_postgres

pytestmark = pytest.mark.django_db


def test_jit_is_off_for_the_apps_connections():
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_scoping_indexes_exist():
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'referrals_%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"ref_created_idx", "ref_owner_created_idx", "refshare_agency_ref_idx"} <= names
