"""The permission matrix: every URL in the URL conf, with every persona, against every kind of case.

Each app lists its URLs in `tests/<app>/matrix_rows.py` as `SPECS`. A Spec says how to build the URL's
arguments for a target ("own": a case the owning agency filed; "shared": the same case seen by the agency
it was shared with; "other": a case of an unrelated agency; "missing": a UUID that exists nowhere; "none":
a URL with no case in it) and what each persona should get. The census test fails when a URL has no Spec.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = "login"  # expected: a redirect to the sign-in page
OK = 200
REDIRECT = 302
FORBIDDEN = 403
NOT_FOUND = 404

PERSONAS = (
    "anonymous",
    "owner",
    "owner_manager",
    "owner_admin",
    "outsider",
    "shared",
    "coordinator",
    "yv_coordinator",
    "idva",
)
CASE_TARGETS = ("own", "other", "missing")
MISSING = uuid.UUID("00000000-0000-4000-8000-000000000000")


@dataclass
class World:
    personas: object
    own: object  # referral filed by personas.owner, shared (view) with personas.shared's agency
    other: object  # referral filed by an unrelated agency
    extra: dict = field(default_factory=dict)  # anything an app's specs need (meetings, shares, people...)

    def case(self, target: str):
        return {"own": self.own, "other": self.other}.get(target)

    def case_id(self, target: str):
        case = self.case(target)
        return case.public_id if case is not None else MISSING


@dataclass
class Spec:
    name: str
    expect: Callable[[str, str], object]  # (persona, target) -> OK / REDIRECT / FORBIDDEN / NOT_FOUND / LOGIN
    kwargs: Callable[[World, str], dict] = lambda world, target: {}
    targets: tuple[str, ...] = ("none",)
    method: str = "get"
    data: Callable[[World, str], dict] = lambda world, target: {}
    isolated: bool = False  # use a fresh signed-in client (for requests that end the session)


def case_kwargs(world: World, target: str) -> dict:
    return {"public_id": world.case_id(target)}


def case_visibility(persona: str, target: str) -> bool:
    """Who can see the standard matrix cases: the owning agency's case roles, the shared agency, the YV hub."""
    if target != "own":
        return False
    return persona in {"owner", "owner_manager", "shared", "yv_coordinator"}


def case_page(persona: str, target: str):
    """A read-only case page: anyone who can see the case gets it; everyone else the same 404."""
    if persona == "anonymous":
        return LOGIN
    return OK if case_visibility(persona, target) else NOT_FOUND


def case_write(writers: set[str], ok=OK):
    """A page that changes a case: writers get `ok`; others who can see it 403; the rest 404."""

    def expect(persona: str, target: str):
        if persona == "anonymous":
            return LOGIN
        if not case_visibility(persona, target):
            return NOT_FOUND
        return ok if persona in writers else FORBIDDEN

    return expect


def role_page(allowed: set[str], ok=OK):
    """A page that is not about one case: allowed personas get `ok`, other signed-in people 403."""

    def expect(persona: str, target: str):
        if persona == "anonymous":
            return LOGIN
        return ok if persona in allowed else FORBIDDEN

    return expect


def everyone(ok=OK):
    def expect(persona: str, target: str):
        return LOGIN if persona == "anonymous" else ok

    return expect


def public(ok=OK):
    return lambda persona, target: ok
