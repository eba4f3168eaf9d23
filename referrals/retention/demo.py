"""Demo retention periods (synthetic: no real agreement is quoted). `make run` has no nightly sweep, so nothing is
erased unless someone runs `manage.py retention_sweep --erase`; the Retention page shows what is due."""

from __future__ import annotations

from referrals.models import Pathway, RetentionRule
from referrals.retention.services import retention_rule_save

DEMO_RULES = {
    Pathway.MARAC: (6, 90, "Demo information sharing agreement, section 9 (synthetic)"),
    Pathway.YOUTH_VIOLENCE: (7, 90, "Demo youth violence protocol, part 4 (synthetic)"),
}


def seed_rules(sysadmin) -> str:
    made = 0
    for pathway, (keep_years, draft_days, basis) in DEMO_RULES.items():
        if not RetentionRule.objects.filter(pathway=pathway).exists():
            retention_rule_save(
                actor=sysadmin, pathway=pathway, keep_years=keep_years, draft_days=draft_days, basis=basis
            )
            made += 1
    return f"{made} retention periods"
