"""Searching for a case in a real browser, with axe: by a phone number, which says whose number it is."""

import pytest
from playwright.sync_api import expect

from referrals.models import PersonRole
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_phone_number_search_says_whose_number_it_is(page_for, axe_check, personas):
    case = factories.make_submitted(personas.owner)
    factories.add_person(
        case, personas.owner, PersonRole.ALLEGED_PERPETRATOR, first_name="Al", last_name="Leged", phone="07700 900 888"
    )
    page = page_for(personas.owner)
    page.goto("/cases/")
    page.get_by_label("Search by reference, name or phone number").fill("+44 7700 900888")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results")).to_contain_text(case.reference)
    expect(page.locator("#number-holders")).to_contain_text(f"recorded for the alleged perpetrator on {case.reference}")
    axe_check(page, "search by phone number")
