"""Permission-matrix rows for the retention pages. They belong to system administrators, who are not matrix
personas: every persona gets 403 (tests/retention/test_views.py signs a system administrator in)."""

from tests.matrix import CASE_TARGETS, Spec, case_kwargs, case_write, role_page


def pathway_kwargs(world, target):
    return {"pathway": "marac"}


SPECS = [
    Spec("retention:index", role_page(set())),
    Spec("retention:rule", role_page(set()), pathway_kwargs),
    Spec("retention:rule", role_page(set()), pathway_kwargs, method="post", data=lambda w, t: {"keep_years": "7"}),
]

# Keeping a case from erasure: the owning agency's managers and coordinators and the pathway hub's coordinators
# (the matrix case is a youth violence referral: its hub is the Youth Justice Service).
HOLDERS = {"owner_manager", "yv_coordinator"}
SPECS += [
    Spec("referrals:retention_hold", case_write(HOLDERS), case_kwargs, CASE_TARGETS),
    Spec("referrals:retention_hold", case_write(HOLDERS), case_kwargs, CASE_TARGETS, method="post"),
]
SPECS += [
    Spec("referrals:due_for_erasure", role_page({"owner_manager", "coordinator", "yv_coordinator"})),
]
