"""Permission-matrix rows for the retention pages. They belong to system administrators, who are not matrix
personas: every persona gets 403 (tests/retention/test_views.py signs a system administrator in)."""

from tests.matrix import Spec, role_page


def pathway_kwargs(world, target):
    return {"pathway": "marac"}


SPECS = [
    Spec("retention:index", role_page(set())),
    Spec("retention:rule", role_page(set()), pathway_kwargs),
    Spec("retention:rule", role_page(set()), pathway_kwargs, method="post", data=lambda w, t: {"keep_years": "7"}),
]
