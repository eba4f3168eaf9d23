"""Walk every URL in the URL conf with every persona against every kind of case (tests/matrix.py).

Zero leaks: a case the persona may not see answers exactly as a case that does not exist."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from referrals import services
from referrals.models import Person, PersonRole, ShareLevel
from tests import factories
from tests.helpers import sign_in
from tests.matrix import LOGIN, PERSONAS, World

pytestmark = pytest.mark.django_db

# The Django admin is for system administrators only (agencies and hubs); every admin URL sits behind the
# same staff check as its index, which the matrix covers.
EXCLUDED_NAMESPACES = {"admin"}


def all_specs():
    specs = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.matrix_rows")
        except ModuleNotFoundError:
            continue
        specs.extend(module.SPECS)
    return specs


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            if namespace in EXCLUDED_NAMESPACES:
                continue
            names |= url_names(pattern, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{prefix}{pattern.name}")
    return names


def test_every_url_has_a_matrix_row():
    covered = {spec.name for spec in all_specs()}
    missing = sorted(url_names() - covered)
    assert not missing, f"URLs with no permission-matrix row: {missing}"


def normalised(body: bytes) -> bytes:
    """The page without what differs on every response anyway (CSP nonce, CSRF token)."""
    body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)


class Rollback(Exception):
    pass


@pytest.fixture
def world(personas, client_for):
    p = personas
    own = factories.make_submitted(p.owner)
    person = Person(referral=own, role=PersonRole.OTHER, first_name="Pat", last_name="Otherperson")
    services.referral_part_save(referral=own, actor=p.owner, instance=person, expected_version=None, section="people")
    share = services.referral_share(
        referral=own,
        actor=p.owner,
        request=services.ShareRequest(
            agency=p.hospital, level=ShareLevel.VIEW, reason="Matrix", lawful_basis="svd_s16"
        ),
    )
    fire = factories.make_agency(short_name="FIRE", kind="fire", name="Test Fire")
    firefighter = factories.make_user(fire, "caseworker")
    other = factories.make_draft(firefighter)  # a draft: visible to nobody outside its own agency
    other_person = other.people.first()
    member = factories.make_user(p.police, "caseworker", full_name="Mem Ber")
    w = World(
        personas=p,
        own=own,
        other=other,
        extra={"share": share, "person": person, "other_person": other_person, "member": member},
    )
    for module_info in pkgutil.iter_modules(tests.__path__):
        try:
            module = importlib.import_module(f"tests.{module_info.name}.matrix_rows")
        except ModuleNotFoundError:
            continue
        setup = getattr(module, "setup_world", None)
        if setup is not None:
            setup(w)
    return w


def test_permission_matrix(world):
    failures = []
    bodies_404 = {}
    clients = {"anonymous": Client()}
    for persona in PERSONAS[1:]:
        client = Client()
        sign_in(client, getattr(world.personas, persona))
        clients[persona] = client
    for spec in all_specs():
        for target in spec.targets:
            url = reverse(spec.name, kwargs=spec.kwargs(world, target))
            for persona in PERSONAS:
                expected = spec.expect(persona, target)
                client = clients[persona]
                if spec.isolated and persona != "anonymous":
                    client = Client()
                    sign_in(client, getattr(world.personas, persona))
                try:
                    with transaction.atomic():
                        if spec.method == "post":
                            response = client.post(url, spec.data(world, target))
                        else:
                            response = client.get(url)
                        raise Rollback(response)
                except Rollback as rollback:
                    response = rollback.args[0]
                got = response.status_code
                if expected == LOGIN:
                    ok = got == 302 and response["Location"].startswith(reverse("accounts:login"))
                else:
                    ok = got == expected
                if not ok:
                    failures.append(
                        f"{spec.method.upper()} {spec.name} [{target}] as {persona}: expected {expected}, got {got}"
                    )
                if got == 404:
                    bodies_404.setdefault((persona, spec.name), set()).add(normalised(response.content))
    assert not failures, "\n".join(failures)
    for (persona, name), bodies in bodies_404.items():
        assert len(bodies) == 1, f"{persona} can tell 'not yours' from 'does not exist' on {name}"
