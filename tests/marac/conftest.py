import pytest

from tests import factories


@pytest.fixture
def published(personas, marac_case):
    """A meeting attended by the Hospital ("shared") and the IDVA service, listing marac_case, published."""
    return factories.make_published_meeting(
        personas.coordinator, [marac_case], agencies=[personas.hospital, personas.idva_service]
    )
