"""The filing journey, the case page and sharing through HTTP: happy paths check the database afterwards;
hostile input gets a GOV.UK error summary, keeps what was typed, and never a 500."""

import importlib

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import (
    AccessAction,
    AccessLog,
    Person,
    PersonRole,
    Referral,
    ReferralShare,
    ShareLevel,
    Status,
    YouthViolenceDetail,
    phone_key,
)
from tests import factories
from tests.helpers import step_url

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    "x" * 10_001,
    "nul\x00byte",
    "\u202eevil",  # a right-to-left override could disguise a name
    "tab\there",
]


def test_start_creates_a_draft_and_goes_to_the_first_question(personas, client_for):
    client = client_for(personas.owner)
    response = client.post(reverse("referrals:start"), {"pathway": "youth_violence"})
    referral = Referral.objects.get(referrer=personas.owner)
    assert referral.status == Status.DRAFT and referral.owner_agency == personas.police
    assert response["Location"] == step_url(referral, "subject")


def test_start_refuses_a_made_up_pathway(personas, client_for):
    response = client_for(personas.owner).post(reverse("referrals:start"), {"pathway": "<script>"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert not Referral.objects.exists()


def test_the_whole_journey_over_http(personas, client_for):
    client = client_for(personas.owner)
    client.post(reverse("referrals:start"), {"pathway": "youth_violence"})
    referral = Referral.objects.get()
    response = client.post(
        step_url(referral, "subject"),
        {
            "first_name": "Ayo",
            "last_name": "Millbeck",
            "date_of_birth_0": "3",
            "date_of_birth_1": "4",
            "date_of_birth_2": "2008",
            "postcode": "zz9 9zz",
            "version": referral.version,
        },
    )
    assert response["Location"] == step_url(referral, "people")
    subject = Person.objects.get(referral=referral, role=PersonRole.SUBJECT)
    assert subject.postcode == "ZZ9 9ZZ" and subject.name_key == "ayo millbeck"
    referral.refresh_from_db()
    client.post(step_url(referral, "concerns"), {"summary": "Concern", "version": referral.version})
    referral.refresh_from_db()
    client.post(
        step_url(referral, "consent"),
        {"subject_aware": "yes", "consent_given": "yes", "version": referral.version},
    )
    referral.refresh_from_db()
    response = client.post(
        step_url(referral, "youth-violence"),
        {
            "role": "victim",
            "age_at_referral": "18",
            "incident_type": "knife_injury",
            "weapon": "knife",
            "injury_severity": "serious",
            "location": "street",
            "engagement": "not_contacted",
            "outcome": "ongoing",
            "version": referral.version,
        },
    )
    assert response["Location"] == reverse("referrals:check", args=[referral.public_id])
    referral.refresh_from_db()
    check = client.get(reverse("referrals:check", args=[referral.public_id]))
    assert b"Ayo" in check.content and b"Knife or sharp object injury" in check.content
    response = client.post(reverse("referrals:check", args=[referral.public_id]), {"version": referral.version})
    assert response["Location"] == reverse("referrals:confirmation", args=[referral.public_id])
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED and referral.reference
    confirmation = client.get(response["Location"])
    assert referral.reference.encode() in confirmation.content


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_names_are_refused_and_typed_values_kept(personas, client_for, value):
    referral = factories.make_draft(personas.owner)
    client = client_for(personas.owner)
    response = client.post(
        step_url(referral, "subject"),
        {"first_name": value, "last_name": "Kept-Lastname", "estimated_age": "16", "version": referral.version},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Kept-Lastname" in body
    assert "<script>alert(1)</script>" not in body


def test_markup_in_a_name_is_stored_and_rendered_escaped(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    response = client.post(
        step_url(referral, "subject"),
        {
            "first_name": "<script>alert(1)</script>",
            "last_name": "B",
            "estimated_age": "16",
            "version": referral.version,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "x" * 9_999])
def test_free_text_is_stored_and_rendered_escaped(personas, client_for, value):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    response = client.post(step_url(referral, "concerns"), {"summary": value, "version": referral.version})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).summary == value
    page = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page


def test_concerns_over_the_limit_and_nul_bytes_are_refused(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    for value in ("x" * 100_000, "a\x00b", "a\u202eb"):
        response = client.post(step_url(referral, "concerns"), {"summary": value, "version": referral.version})
        assert response.status_code == 200 and b"govuk-error-summary" in response.content
    assert Referral.objects.get(pk=referral.pk).summary == "Test concerns"


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2010", "must be a real date"),
        ("1", "1", "3000", "must be today or in the past"),
        ("", "5", "2010", "must include a day"),
        ("aa", "bb", "cccc", "must be a real date"),
    ],
)
def test_impossible_dates_of_birth(personas, client_for, day, month, year, message):
    referral = factories.make_draft(personas.owner)
    response = client_for(personas.owner).post(
        step_url(referral, "subject"),
        {
            "first_name": "A",
            "last_name": "B",
            "date_of_birth_0": day,
            "date_of_birth_1": month,
            "date_of_birth_2": year,
            "version": referral.version,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'value="{year}"'.encode() in response.content  # what was typed is kept


def test_over_25_youth_violence_subject_is_refused_with_a_clear_message(personas, client_for):
    referral = factories.make_draft(personas.owner)
    response = client_for(personas.owner).post(
        step_url(referral, "youth-violence"),
        {
            "role": "victim",
            "age_at_referral": "31",
            "incident_type": "robbery",
            "weapon": "none",
            "injury_severity": "minor",
            "location": "street",
            "engagement": "not_contacted",
            "outcome": "ongoing",
            "version": referral.version,
        },
    )
    assert response.status_code == 200
    assert "The youth violence pathway is for people under 25" in response.content.decode()
    assert not YouthViolenceDetail.objects.exists()


def test_age_must_agree_with_the_date_of_birth(personas, client_for):
    referral = factories.make_draft(personas.owner, date_of_birth=factories.days_ago(30 * 365).date())
    response = client_for(personas.owner).post(
        step_url(referral, "youth-violence"),
        {
            "role": "victim",
            "age_at_referral": "17",
            "incident_type": "robbery",
            "weapon": "none",
            "injury_severity": "minor",
            "location": "street",
            "engagement": "not_contacted",
            "outcome": "ongoing",
            "version": referral.version,
        },
    )
    assert "does not match the date of birth" in response.content.decode()


def test_concurrent_edit_shows_both_versions_and_keeps_both(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    version = referral.version
    first = client_for(personas.owner)
    second = client_for(personas.yv_coordinator)
    first.post(step_url(referral, "concerns"), {"summary": "Owner's words", "version": version})
    response = second.post(step_url(referral, "concerns"), {"summary": "Coordinator's words", "version": version})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Owner&#x27;s words" in body or "Owner's words" in body  # theirs, shown
    assert "Coordinator&#x27;s words" in body or "Coordinator's words" in body  # mine, kept in the form
    assert Referral.objects.get(pk=referral.pk).summary == "Owner's words"  # nothing overwritten silently
    current = Referral.objects.get(pk=referral.pk).version
    assert f'name="version" value="{current}"' in body
    again = second.post(step_url(referral, "concerns"), {"summary": "Coordinator's words", "version": current})
    assert again.status_code == 302
    assert Referral.objects.get(pk=referral.pk).summary == "Coordinator's words"


def test_case_and_history_views_write_the_access_log(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.yv_coordinator)
    client.get(reverse("referrals:detail", args=[referral.public_id]))
    client.get(reverse("referrals:history", args=[referral.public_id]))
    rows = AccessLog.objects.filter(referral=referral, user=personas.yv_coordinator).order_by("at")
    assert [r.action for r in rows] == [AccessAction.VIEW_CASE, AccessAction.VIEW_HISTORY]
    assert rows[0].agency == personas.yjs and rows[0].owner_agency == personas.police
    assert rows[0].ip_address == "127.0.0.1" and rows[0].request_id
    outsider = client_for(personas.outsider)
    assert outsider.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 404
    assert not AccessLog.objects.filter(user=personas.outsider).exists()


def test_access_log_page_shows_only_the_admins_agency(personas, client_for):
    mine = factories.make_submitted(personas.owner)
    fire = factories.make_agency(short_name="F2", kind="fire")
    theirs = factories.make_submitted(factories.make_user(fire, "caseworker"))
    client_for(personas.yv_coordinator).get(reverse("referrals:detail", args=[mine.public_id]))
    client_for(personas.yv_coordinator).get(reverse("referrals:detail", args=[theirs.public_id]))
    page = client_for(personas.owner_admin).get(reverse("referrals:access_log")).content.decode()
    assert mine.reference in page and theirs.reference not in page


def test_history_page_shows_field_changes_and_who(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    client.post(step_url(referral, "concerns"), {"summary": "Revised concerns", "version": referral.version})
    page = client.get(reverse("referrals:history", args=[referral.public_id])).content.decode()
    assert "Revised concerns" in page and "Test concerns" in page and personas.owner.full_name in page


def test_search_is_a_post_and_finds_by_name_or_reference(personas, client_for):
    referral = factories.make_submitted(personas.owner, first_name="Marigold", last_name="Thornbury")
    hidden = factories.make_submitted(
        factories.make_user(personas.housing, "caseworker"), first_name="Marigold", last_name="Thornbury"
    )
    client = client_for(personas.owner)
    assert client.get(reverse("referrals:search")).status_code == 405
    page = client.post(reverse("referrals:search"), {"q": "  THORNBURY   marigold "}).content.decode()
    assert referral.reference in page and hidden.reference not in page
    page = client.post(reverse("referrals:search"), {"q": referral.reference.lower()}).content.decode()
    assert referral.reference in page
    page = client.post(reverse("referrals:search"), {"q": "x" * 500}).content.decode()
    assert "govuk-error-summary" in page


def test_search_finds_a_phone_number_however_it_was_typed(personas, client_for):
    referral = factories.make_submitted(personas.owner, phone="07700 900 123")
    other_person = factories.make_submitted(personas.owner)
    factories.add_person(
        other_person,
        personas.owner,
        PersonRole.PARENT_CARER,
        first_name="Pat",
        last_name="Parent",
        phone="+44 (0)7700 900456",
    )
    hidden = factories.make_submitted(factories.make_user(personas.housing, "caseworker"), phone="07700900123")
    client = client_for(personas.owner)

    def found(q):
        page = client.post(reverse("referrals:search"), {"q": q}).content.decode()
        return {r.reference for r in (referral, other_person, hidden) if r.reference in page}

    assert found("+44 7700 900123") == {referral.reference}  # not the other agency's case with the same number
    assert found("0044 7700 900123") == {referral.reference}
    assert found("07700-900-456") == {other_person.reference}  # anyone on the case, not only its subject
    assert found("07700 900") == set()  # the whole number, not a part of it
    for nonsense in ("(((((((", "-------", "( ) - ( )", "+", "12 34"):  # never "everyone without a number"
        assert found(nonsense) == set(), nonsense
    page = client.post(reverse("referrals:search"), {"q": "07700 900 999"}).content.decode()
    assert "govuk-error-summary" not in page


def test_a_number_found_says_whose_it_is(personas, client_for):
    """A caller giving an alleged perpetrator's number must not be taken for the victim."""
    victim_case = factories.make_submitted(personas.owner, phone="07700 900 777")
    factories.add_person(
        victim_case,
        personas.owner,
        PersonRole.ALLEGED_PERPETRATOR,
        first_name="Al",
        last_name="Leged",
        phone="07700 900 888",
    )
    client = client_for(personas.owner)
    page = client.post(reverse("referrals:search"), {"q": "07700900888"}).content.decode()
    assert victim_case.reference in page
    assert f"This number is recorded for the alleged perpetrator on {victim_case.reference}" in page
    page = client.post(reverse("referrals:search"), {"q": "07700900777"}).content.decode()
    assert f"This number is recorded for the subject or victim on {victim_case.reference}" in page


def test_the_phone_key_is_not_in_the_change_history(personas, client_for):
    referral = factories.make_submitted(personas.owner, phone="07700 900 555")
    page = client_for(personas.owner).get(reverse("referrals:history", args=[referral.public_id])).content.decode()
    assert "07700 900 555" in page and "07700900555" not in page and "Phone key" not in page


def test_a_date_far_in_the_future_is_an_error_not_a_crash(personas, client_for):
    client = client_for(personas.owner)
    far = {"received_to_0": "31", "received_to_1": "12", "received_to_2": "9999"}
    response = client.get(reverse("referrals:list"), far)
    assert response.status_code == 200 and "Received to must be before 2200" in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+44 (0)7700 900123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("(020) 7946 0000", "02079460000"),
        ("+353 1 234 5678", "35312345678"),
        ("447700900123", "07700900123"),  # 44 and ten more digits can only be a UK number written from abroad
        ("07700.900.123", "07700900123"),
        ("4477009001234", "4477009001234"),  # one digit too many for that: kept as typed
        ("", ""),
    ],
)
def test_phone_key(typed, key):
    fill = importlib.import_module("referrals.migrations.0016_person_phone_key_fill")  # keeps its own copy
    assert phone_key(typed) == key == fill._phone_key(typed)


def test_list_filters_and_bad_filter_input(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    page = client.get(reverse("referrals:list"), {"status": "submitted"}).content.decode()
    assert referral.reference in page
    page = client.get(reverse("referrals:list"), {"status": "closed"}).content.decode()
    assert referral.reference not in page
    bad = client.get(
        reverse("referrals:list"),
        {"status": "<script>", "received_from_0": "99", "received_from_1": "99", "received_from_2": "99", "page": "x"},
    )
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content


def test_share_page_validation_and_happy_path(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    url = reverse("referrals:share", args=[referral.public_id])
    response = client.post(
        url, {"agency": personas.police.pk, "level": "view", "lawful_basis": "svd_s16", "reason": "<b>why</b>"}
    )
    assert response.status_code == 200 and b"govuk-error-summary" in response.content  # own agency not offered
    response = client.post(
        url, {"agency": personas.hospital.pk, "level": "view", "lawful_basis": "svd_s16", "reason": "Youth worker"}
    )
    assert response.status_code == 302
    share = ReferralShare.objects.get(referral=referral)
    assert share.agency == personas.hospital and share.shared_by == personas.owner
    revoke = client.post(
        reverse("referrals:share_revoke", args=[referral.public_id, share.public_id]), {"reason": "Done"}
    )
    assert revoke.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None


def test_read_only_roles_get_403_on_writes(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    manager = client_for(personas.owner_manager)
    assert manager.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 200
    assert manager.get(step_url(referral, "concerns")).status_code == 403
    assert manager.post(step_url(referral, "concerns"), {"summary": "x", "version": 1}).status_code == 403
    assert manager.get(reverse("referrals:share", args=[referral.public_id])).status_code == 403
    assert Referral.objects.get(pk=referral.pk).summary == "Test concerns"


def test_decline_through_the_page(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.yv_coordinator)
    url = reverse("referrals:transition", args=[referral.public_id, "decline"])
    response = client.post(url, {"reason": "", "version": referral.version})
    assert response.status_code == 200 and b"Enter the reason" in response.content
    response = client.post(url, {"reason": "Not our service", "version": referral.version})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.DECLINED


def test_case_page_shows_the_youth_violence_section(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    page = client_for(personas.owner).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "Knife or sharp object injury" in page and "Change youth violence intervention" in page


def test_case_list_rows_show_each_subject_escaped_with_the_owner_only_on_the_shared_list(personas, client_for):
    """The rows (referrals.templatetags.cases) are drawn in Python: every value is escaped, several subjects are
    listed apart, the link goes to the case and the owner column is on the shared list alone."""
    referral = factories.make_submitted(personas.owner, first_name="<b>Ivy</b>", last_name="Marsh")
    Person.objects.create(referral=referral, role=PersonRole.SUBJECT, first_name="Wren", last_name="Hollis")
    services.referral_share(
        referral=referral,
        actor=personas.owner,
        request=services.ShareRequest(
            agency=personas.hospital, level=ShareLevel.VIEW, reason="Needs to know", lawful_basis="svd_s16"
        ),
    )
    case_path = reverse("referrals:detail", args=[referral.public_id])

    mine = client_for(personas.owner).get(reverse("referrals:list")).content.decode()
    assert f'<a class="govuk-link" href="{case_path}">{referral.reference}</a>' in mine
    assert "&lt;b&gt;Ivy&lt;/b&gt; Marsh, Wren Hollis" in mine and "<b>Ivy</b>" not in mine
    assert '<strong class="govuk-tag govuk-tag--blue">Submitted</strong>' in mine
    assert ">Owner</th>" not in mine and f">{personas.owner.membership.agency.short_name}</td>" not in mine

    shared = client_for(personas.shared).get(reverse("referrals:list") + "?scope=shared").content.decode()
    assert referral.reference in shared and ">Owner</th>" in shared
    assert f'<td class="govuk-table__cell">{personas.owner.membership.agency.short_name}</td>' in shared


def test_the_migration_fills_the_phone_key_of_people_already_recorded(personas, monkeypatch):
    from django.apps import apps

    fill = importlib.import_module("referrals.migrations.0016_person_phone_key_fill")
    monkeypatch.setattr(fill, "BATCH", 2)  # several batches
    referrals = [factories.make_submitted(personas.owner, phone=f"+44 (0)7700 90032{i}") for i in range(5)]
    Person.objects.update(phone_key="")
    fill.fill_phone_keys(apps, None)
    keys = Person.objects.filter(referral__in=referrals).order_by("referral_id").values_list("phone_key", flat=True)
    assert list(keys) == [f"0770090032{i}" for i in range(5)]
