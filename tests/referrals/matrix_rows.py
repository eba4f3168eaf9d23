from tests.matrix import (
    CASE_TARGETS,
    NOT_FOUND,
    OK,
    REDIRECT,
    Spec,
    case_kwargs,
    case_page,
    case_write,
    role_page,
)

CASE_ROLES = {"owner", "owner_manager", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}
WRITERS = {"owner", "outsider", "shared", "coordinator", "yv_coordinator", "idva"}


def share_kwargs(world, target):
    share = world.extra.get("share") if target == "own" else None
    from tests.matrix import MISSING

    return {"public_id": world.case_id(target), "share_id": share.public_id if share else MISSING}


def person_kwargs(world, target):
    from tests.matrix import MISSING

    person = world.extra.get("person") if target == "own" else world.extra.get("other_person")
    return {
        "public_id": world.case_id(target),
        "person_id": person.public_id if person and target != "missing" else MISSING,
    }


def owner_only(ok=OK):
    """Only the owning agency's caseworkers may do this (sharing); others who see the case get 403."""
    return case_write({"owner"}, ok)


def transition_expect(persona, target):
    # "accept" on a submitted youth violence case is the YV hub coordinator's decision
    return case_write({"yv_coordinator"})(persona, target)


def hub_or_owner_writers(persona, target):
    # The case page's edit pages: owning agency caseworker and the hub coordinator (change permission).
    return case_write({"owner", "yv_coordinator"})(persona, target)


def check_expect(persona, target):
    # "Check your answers" of a submitted case sends writers back to the case page.
    return case_write({"owner", "yv_coordinator"}, REDIRECT)(persona, target)


def confirmation_expect(persona, target):
    return case_page(persona, target)


def person_edit_expect(persona, target):
    result = hub_or_owner_writers(persona, target)
    return result


SPECS = [
    Spec("referrals:list", role_page(CASE_ROLES)),
    Spec("referrals:search", role_page(CASE_ROLES), method="post", data=lambda w, t: {"q": "Subjectson"}),
    Spec("referrals:start", role_page(WRITERS)),
    Spec("referrals:access_log", role_page({"owner_admin"})),
    Spec("referrals:access_log_csv", role_page({"owner_admin"})),
    # Reminder timings belong to system administrators, who are not matrix personas: every persona gets 403
    # (tests/referrals/test_reminder_rules.py signs a system administrator in)
    Spec("referrals:reminder_rules", role_page(set())),
    Spec("referrals:reminder_rule", role_page(set()), lambda w, t: {"kind": "referral_decision"}),
    Spec(
        "referrals:reminder_rule",
        role_page(set()),
        lambda w, t: {"kind": "referral_decision"},
        method="post",
        data=lambda w, t: {"working_days": "3"},
    ),
    Spec("referrals:detail", case_page, case_kwargs, CASE_TARGETS),
    Spec("referrals:history", case_page, case_kwargs, CASE_TARGETS),
    Spec("referrals:confirmation", confirmation_expect, case_kwargs, CASE_TARGETS),
    Spec("referrals:step", hub_or_owner_writers, lambda w, t: {**case_kwargs(w, t), "slug": "concerns"}, CASE_TARGETS),
    Spec("referrals:person_add", hub_or_owner_writers, case_kwargs, CASE_TARGETS),
    Spec("referrals:person_edit", person_edit_expect, person_kwargs, CASE_TARGETS),
    Spec(
        "referrals:person_remove",
        case_write({"owner", "yv_coordinator"}, REDIRECT),
        person_kwargs,
        CASE_TARGETS,
        method="post",
    ),
    Spec("referrals:check", check_expect, case_kwargs, CASE_TARGETS),
    Spec("referrals:transition", transition_expect, lambda w, t: {**case_kwargs(w, t), "name": "accept"}, CASE_TARGETS),
    Spec("referrals:share", owner_only(), case_kwargs, CASE_TARGETS),
    Spec("referrals:share_revoke", owner_only(), share_kwargs, CASE_TARGETS),
]

_ = NOT_FOUND


# --- Reminders and notifications (issue 6) ---------------------------------------------------------


def setup_world(world) -> None:
    """A notification for `owner`, and a failed reminder and a failed email addressed to the owner's agency."""
    from referrals.models import EmailState, ReminderState
    from tests import factories

    p = world.personas
    world.extra["notification"] = factories.make_notification(p.owner, world.own)
    failed = factories.make_reminder(world.own, agency=p.police, role="manager", key="matrix-failed")
    failed.state, failed.last_error = ReminderState.FAILED, "Nobody to send it to"
    failed.save()
    world.extra["failed_reminder"] = failed
    world.extra["failed_email"] = factories.make_notification(
        p.owner, world.own, email_state=EmailState.FAILED, email_error="Could not send the email"
    )


def _extra_kwargs(name):
    from tests.matrix import MISSING

    def kwargs(world, target):
        row = world.extra.get(name) if target == "own" else None
        return {"public_id": row.public_id if row is not None else MISSING}

    return kwargs


def own_notification(persona, target):
    """Only the person a notification is for may touch it; for anyone else it does not exist."""
    from tests.matrix import LOGIN

    if persona == "anonymous":
        return LOGIN
    return REDIRECT if persona == "owner" and target == "own" else NOT_FOUND


def reminder_admin(persona, target):
    """Agency administrators (and system administrators) retry their agency's failed reminders."""
    from tests.matrix import FORBIDDEN, LOGIN

    if persona == "anonymous":
        return LOGIN
    if persona != "owner_admin":
        return FORBIDDEN
    return REDIRECT if target == "own" else NOT_FOUND


def _everyone(ok):
    from tests.matrix import everyone

    return everyone(ok)


SPECS += [
    Spec("referrals:notifications", _everyone(OK)),
    Spec("referrals:notifications_read_all", _everyone(REDIRECT), method="post"),
    Spec(
        "referrals:notification_read",
        own_notification,
        _extra_kwargs("notification"),
        ("own", "missing"),
        method="post",
    ),
    Spec("referrals:reminder_failures", role_page({"owner_admin"})),
    Spec(
        "referrals:reminder_retry", reminder_admin, _extra_kwargs("failed_reminder"), ("own", "missing"), method="post"
    ),
    Spec("referrals:email_retry", reminder_admin, _extra_kwargs("failed_email"), ("own", "missing"), method="post"),
]
