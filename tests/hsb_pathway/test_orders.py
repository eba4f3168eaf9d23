"""Issue 5: orders and their variations, renewals, breaches and discharge; the SHPO five-year discharge rule
exactly at its boundary."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from hsb_pathway import services
from hsb_pathway.models import Order, OrderEvent, OrderEventKind, OrderKind
from referrals.models import EventKind, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db

MADE = datetime.date(2020, 3, 10)


@pytest.fixture
def case(personas):
    return factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)


def record(referral, actor, order, **fields):
    data = {"kind": OrderEventKind.DISCHARGE, "happened_on": datetime.date(2025, 3, 10)}
    data.update(fields)
    return services.order_event_add(
        referral=referral,
        actor=actor,
        event=OrderEvent(referral=referral, order=order, **data),
        expected_version=None,
    )


@pytest.mark.parametrize(
    ("on", "person", "police", "allowed"),
    [
        # The last day of the five years beginning with the day it was made: consent of both needed.
        (datetime.date(2025, 3, 9), False, False, False),
        (datetime.date(2025, 3, 9), True, False, False),
        (datetime.date(2025, 3, 9), False, True, False),
        (datetime.date(2025, 3, 9), True, True, True),
        # The fifth anniversary: the five years are over, no consent needed.
        (datetime.date(2025, 3, 10), False, False, True),
        # Well inside the period, with both consents.
        (datetime.date(2021, 1, 4), True, True, True),
    ],
)
def test_shpo_discharge_within_five_years_needs_both_consents(personas, case, on, person, police, allowed):
    order = factories.hsb_order(case, personas.owner, made_on=MADE)
    if allowed:
        record(case, personas.owner, order, happened_on=on, person_consented=person, police_consented=police)
        order.refresh_from_db()
        assert order.discharged_on == on
        assert order.status_on(on) == "Discharged"
    else:
        with pytest.raises(services.HsbRefused) as refused:
            record(case, personas.owner, order, happened_on=on, person_consented=person, police_consented=police)
        message = refused.value.messages[0]
        assert "cannot be discharged within five years" in message
        assert "10 March 2025" in message
        order.refresh_from_db()
        assert order.discharged_on is None
        assert not OrderEvent.objects.filter(order=order).exists()


def test_the_refusal_names_whose_consent_is_missing(personas, case):
    order = factories.hsb_order(case, personas.owner, made_on=MADE)
    with pytest.raises(services.HsbRefused, match="Record the consent of the police,"):
        record(case, personas.owner, order, happened_on=datetime.date(2024, 1, 1), person_consented=True)
    with pytest.raises(services.HsbRefused, match="Record the consent of the person and the police"):
        record(case, personas.owner, order, happened_on=datetime.date(2024, 1, 1))


def test_a_leap_day_order_runs_to_the_end_of_february(personas, case):
    order = factories.hsb_order(case, personas.owner, made_on=datetime.date(2020, 2, 29))
    assert order.consent_period_end() == datetime.date(2025, 3, 1)
    with pytest.raises(services.HsbRefused):
        record(case, personas.owner, order, happened_on=datetime.date(2025, 2, 28))
    record(case, personas.owner, order, happened_on=datetime.date(2025, 3, 1))


@pytest.mark.parametrize(
    ("kind", "foreign_travel_only"),
    [
        (OrderKind.INTERIM_SHPO, False),
        (OrderKind.SRO, False),
        (OrderKind.INTERIM_SRO, False),
        (OrderKind.SHPO, True),  # an SHPO that only prohibits foreign travel is outside the rule
    ],
)
def test_the_rule_applies_only_to_full_shpos(personas, case, kind, foreign_travel_only):
    order = factories.hsb_order(case, personas.owner, made_on=MADE, kind=kind, foreign_travel_only=foreign_travel_only)
    record(case, personas.owner, order, happened_on=datetime.date(2021, 1, 4))
    order.refresh_from_db()
    assert order.discharged_on == datetime.date(2021, 1, 4)


def test_nothing_is_recorded_after_a_discharge(personas, case):
    order = factories.hsb_order(case, personas.owner, made_on=MADE)
    record(case, personas.owner, order, happened_on=datetime.date(2025, 6, 1))
    with pytest.raises(services.HsbRefused, match="was discharged on 1 June 2025"):
        record(case, personas.owner, order, kind=OrderEventKind.BREACH, happened_on=datetime.date(2025, 6, 2))
    order.refresh_from_db()
    order.court = "Another court"
    with pytest.raises(services.HsbRefused, match="discharged"):
        services.order_save(referral=case, actor=personas.owner, order=order, expected_version=None)


def test_renewal_moves_the_end_date_and_breach_needs_details(personas, case):
    order = factories.hsb_order(
        case, personas.owner, kind=OrderKind.SRO, made_on=MADE, indefinite=False, end_on=datetime.date(2022, 3, 10)
    )
    record(
        case,
        personas.owner,
        order,
        kind=OrderEventKind.RENEWAL,
        happened_on=datetime.date(2022, 3, 1),
        new_end_on=datetime.date(2024, 3, 1),
    )
    order.refresh_from_db()
    assert order.end_on == datetime.date(2024, 3, 1)
    assert order.history.first().history_user == personas.owner
    with pytest.raises(ValidationError) as error:
        record(case, personas.owner, order, kind=OrderEventKind.BREACH, happened_on=datetime.date(2023, 1, 1))
    assert "details" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        record(case, personas.owner, order, kind=OrderEventKind.RENEWAL, happened_on=datetime.date(2023, 1, 1))
    assert "new_end_on" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        record(
            case,
            personas.owner,
            order,
            kind=OrderEventKind.BREACH,
            happened_on=datetime.date(2023, 1, 1),
            details="Contact with a child",
            person_consented=True,
        )
    assert "person_consented" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        record(case, personas.owner, order, kind=OrderEventKind.BREACH, happened_on=datetime.date(2019, 1, 1))
    assert "happened_on" in error.value.error_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"indefinite": False, "end_on": None}, "end_on"),
        ({"indefinite": True, "end_on": datetime.date(2030, 1, 1)}, "end_on"),
        ({"indefinite": False, "end_on": MADE}, "end_on"),
        ({"kind": OrderKind.OTHER, "other_kind": ""}, "other_kind"),
        ({"kind": OrderKind.SRO, "foreign_travel_only": True}, "foreign_travel_only"),
    ],
)
def test_order_validation(personas, case, fields, field):
    with pytest.raises(ValidationError) as error:
        factories.hsb_order(case, personas.owner, made_on=MADE, **fields)
    assert field in error.value.error_dict
    assert not Order.objects.filter(referral=case).exists()


def test_orders_write_history_and_timeline(personas, case):
    order = factories.hsb_order(case, personas.owner, made_on=MADE)
    record(case, personas.owner, order, kind=OrderEventKind.BREACH, details="Synthetic breach")
    summaries = list(
        ReferralEvent.objects.filter(referral=case, kind=EventKind.PATHWAY).values_list("summary", flat=True)
    )
    assert "Sexual Harm Prevention Order: breach recorded" in summaries
    assert "Sexual Harm Prevention Order recorded" in summaries
    assert order.history.count() == 1
    assert OrderEvent.history.filter(order_id=order.pk).first().history_user == personas.owner


def test_orders_can_be_recorded_after_the_case_closes(personas, case):
    hub = personas.hsb_coordinator
    factories.hsb_strategy(case, hub)
    factories.hsb_move(case, hub, "close", reason="Done", closure_reason="completed")
    case.refresh_from_db()
    order = factories.hsb_order(case, personas.owner, made_on=MADE)
    record(case, personas.owner, order, kind=OrderEventKind.BREACH, details="Synthetic breach")
    with pytest.raises(services.HsbRefused):
        factories.hsb_order(case, personas.owner_manager, made_on=MADE)  # a manager's role is read-only
    with pytest.raises(services.HsbRefused):
        factories.hsb_order(case, personas.outsider, made_on=MADE)


def test_order_end_obligation(personas, case):
    order = factories.hsb_order(
        case, personas.owner, kind=OrderKind.SRO, made_on=MADE, indefinite=False, end_on=datetime.date(2027, 3, 10)
    )
    owed = services.hsb_obligation_order_end(order=order)
    assert owed.due_at.date() == datetime.date(2026, 12, 10)
    assert owed.agency_ids == (personas.police.pk,)
    indefinite = factories.hsb_order(case, personas.owner, made_on=MADE)
    assert services.hsb_obligation_order_end(order=indefinite).due_at is None
