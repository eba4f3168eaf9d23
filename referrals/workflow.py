"""The referral lifecycle as data. Who may make a move is decided in accounts.permissions."""

from __future__ import annotations

from dataclasses import dataclass

from referrals.models import EventKind, Status


class InvalidTransition(Exception):
    """The referral is not in a state from which this move is allowed."""


@dataclass(frozen=True)
class Transition:
    name: str
    source: frozenset[str]
    target: str
    label: str
    actor: str  # "owner": the referring agency; "hub": the pathway's receiving agency
    event: str
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit", frozenset({Status.DRAFT}), Status.SUBMITTED, "Submit referral", "owner", EventKind.SUBMITTED
        ),
        Transition(
            "accept", frozenset({Status.SUBMITTED}), Status.ACCEPTED, "Accept referral", "hub", EventKind.ACCEPTED
        ),
        Transition(
            "decline",
            frozenset({Status.SUBMITTED}),
            Status.DECLINED,
            "Decline referral",
            "hub",
            EventKind.DECLINED,
            needs_reason=True,
        ),
        Transition("open", frozenset({Status.ACCEPTED}), Status.OPEN, "Open case", "hub", EventKind.OPENED),
        Transition(
            "close",
            frozenset({Status.ACCEPTED, Status.OPEN}),
            Status.CLOSED,
            "Close case",
            "hub",
            EventKind.CLOSED,
            needs_reason=True,
        ),
        Transition(
            "reopen",
            frozenset({Status.CLOSED}),
            Status.OPEN,
            "Reopen case",
            "hub",
            EventKind.REOPENED,
            needs_reason=True,
        ),
    )
}


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.source]


def check_transition(status: str, name: str) -> Transition:
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise InvalidTransition(f"There is no action called {name!r}")
    if status not in transition.source:
        raise InvalidTransition(
            f"A referral that is {Status(status).label.lower()} cannot be moved by '{transition.label}'"
        )
    return transition
