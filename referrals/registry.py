"""How pathway apps plug into the core without the core importing them (ARCHITECTURE.md).

A pathway app registers, from its AppConfig.ready():
- the journey pages it adds to the filing journey (`JourneyStep`),
- sections it adds to the case page (`CaseSection`),
- access providers: extra agencies that should see a referral (for example MARAC meeting attendees),
- a share rule: a check run before a referral on its pathway is shared,
- navigation items, and lifecycle hooks called by core services after a workflow move or after a row that
  belongs to a referral is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

_steps: dict[str, list[JourneyStep]] = {}
_sections: dict[str, list[CaseSection]] = {}
_access_providers: list[Callable[[list[Any]], dict[int, dict[int, str]]]] = []
_share_rules: dict[str, Callable[..., str | None]] = {}
_navigation: list[tuple[str, Callable[[], str], Callable[[Any], bool]]] = []
_badges: list[Callable[[Any, list[dict]], None]] = []
_transition_hooks: list[Callable[..., None]] = []
_case_prefetch: dict[str, list[str | Prefetch]] = {}
_restricted: dict[str, set[str]] = {}


@dataclass
class JourneyStep:
    """One question page of the filing journey.

    form_kwargs(referral) -> kwargs for the form (instance=..., initial=...);
    save(referral=, form=, actor=, expected_version=) -> None, calling a service;
    summary(referral) -> [(label, value)] rows for "Check your answers";
    is_complete(referral) -> bool.
    """

    slug: str
    title: str
    form_class: type
    form_kwargs: Callable[[Any], dict]
    save: Callable[..., None]
    summary: Callable[[Any], list[tuple[str, str]]]
    is_complete: Callable[[Any], bool]
    applies: Callable[[Any], bool] = lambda referral: True
    template: str = "referrals/journey/step.html"
    hint: str = ""
    editable_after_submit: bool = True


@dataclass
class CaseSection:
    """A block on the case page: template rendered with context(referral, user)."""

    slug: str
    title: str
    template: str
    context: Callable[[Any, Any], dict] = field(default=lambda referral, user: {})


def register_steps(pathway: str, steps: list[JourneyStep]) -> None:
    _steps[pathway] = list(steps)


def pathway_steps(pathway: str) -> list[JourneyStep]:
    return list(_steps.get(pathway, []))


def register_sections(pathway: str, sections: list[CaseSection], prefetch: list[str | Prefetch] | None = None) -> None:
    """The pathway's sections of the case page, and what to prefetch with the referral for them and for the
    journey pages (names or Prefetch objects, as prefetch_related_objects takes)."""
    _sections[pathway] = list(sections)
    _case_prefetch[pathway] = list(prefetch or [])


def case_sections(pathway: str) -> list[CaseSection]:
    return list(_sections.get(pathway, []))


def case_prefetch(pathway: str) -> list[str | Prefetch]:
    return list(_case_prefetch.get(pathway, []))


def register_access_provider(provider: Callable[[list[Any]], dict[int, dict[int, str]]]) -> None:
    """provider(referrals) -> {referral id: {agency id: "view" or "change"}}: access a pathway app grants to
    submitted referrals (permissions.referrals_access_wanted unions it with the owner, the hub and the shares).
    It is asked about many referrals at once and must answer in a fixed number of queries."""
    if provider not in _access_providers:
        _access_providers.append(provider)


def access_providers() -> list[Callable[[list[Any]], dict[int, dict[int, str]]]]:
    return list(_access_providers)


def register_share_rule(pathway: str, rule: Callable[..., str | None]) -> None:
    _share_rules[pathway] = rule


def share_rule(pathway: str) -> Callable[..., str | None] | None:
    return _share_rules.get(pathway)


def register_navigation(label: str, url: Callable[[], str], check: Callable[[Any], bool]) -> None:
    if all(existing[0] != label for existing in _navigation):
        _navigation.append((label, url, check))


def navigation_items() -> list[tuple[str, str, Callable[[Any], bool]]]:
    return [(label, url(), check) for label, url, check in _navigation]


def register_navigation_badge(badge: Callable[[Any, list[dict]], None]) -> None:
    if badge not in _badges:
        _badges.append(badge)


def navigation_badges() -> list[Callable[[Any, list[dict]], None]]:
    return list(_badges)


def register_transition_hook(hook: Callable[..., None]) -> None:
    """hook(referral=, transition=, actor=) runs inside the service's transaction after a workflow move."""
    if hook not in _transition_hooks:
        _transition_hooks.append(hook)


def transition_hooks() -> list[Callable[..., None]]:
    return list(_transition_hooks)


_part_saved_hooks: list[Callable[..., None]] = []


def register_part_saved_hook(hook: Callable[..., None]) -> None:
    """hook(referral=, instance=, actor=, is_new=) runs inside referral_part_save's transaction after a row that
    belongs to the referral (a person, pathway details) is saved: for example to keep a review reminder in step
    with a review date."""
    if hook not in _part_saved_hooks:
        _part_saved_hooks.append(hook)


def part_saved_hooks() -> list[Callable[..., None]]:
    return list(_part_saved_hooks)


def register_restricted_fields(model_label: str, fields: list[str]) -> None:
    """Fields only the owning agency, the IDVA service and coordinators may see (accounts.permissions
    .can_view_restricted). The history page leaves them out for everyone else."""
    _restricted.setdefault(model_label, set()).update(fields)


def restricted_fields(model_label: str) -> set[str]:
    return set(_restricted.get(model_label, set()))


# --- Reports (issue 7): measures a pathway app counts for the report pages ---------------------------


@dataclass
class ReportMeasureProvider:
    """How a pathway app counts a report measure it owns (for example MARAC's repeat rate, HSB orders).

    totals(referrals, ranges) -> {name: value} for each named (start, end) range of aware datetimes;
    monthly(referrals, start, end) -> {first day of month (date): value}.
    `referrals` is the Referral queryset the user's report may count (already scoped and filtered). A value
    is an int for a count, or referrals.reporting.measures.Rate for a rate. Both must be SQL aggregates:
    a fixed number of queries whatever the number of cases.

    rate_facts: (numerator, denominator), optional: for a rate of referrals, the facts
    (referrals.reporting.tally.FACTS, such as {"pathway": "marac", "repeat": True}) of the referrals each counts.
    With them the target page counts the rate with the case measures, from the report tally; `totals` must give
    the same figures.
    """

    totals: Callable[..., dict[str, Any]]
    monthly: Callable[..., dict[Any, Any]]
    rate_facts: tuple[dict[str, Any], dict[str, Any]] | None = None


_report_measures: dict[str, ReportMeasureProvider] = {}


def register_report_measure(key: str, provider: ReportMeasureProvider) -> None:
    """key: a referrals.reporting.models.ReportMeasure value such as "marac_repeat_rate" or "hsb_orders"."""
    _report_measures[key] = provider


def report_measure_provider(key: str) -> ReportMeasureProvider | None:
    return _report_measures.get(key)


_report_repeats: list[Callable[[], Any]] = []


def register_report_repeat(repeats: Callable[[], Any]) -> None:
    """repeats() -> a `Q` over Referral matching the referrals a pathway app counts as repeats (MARAC: a
    further incident within 12 months). The report tally keeps this as its `repeat` fact."""
    _report_repeats.append(repeats)


def report_repeat_filters() -> list[Callable[[], Any]]:
    return list(_report_repeats)


# --- Retention (referrals.retention) ------------------------------------------------------------------

_retention_keeps: dict[str, list[Callable[[Any], Any]]] = {}


def register_retention_keep(pathway: str, keep: Callable[[Any], Any]) -> None:
    """keep(cutoff) -> a `Q` over Referral matching this pathway's ended cases that must still be kept although they
    ended before `cutoff` (a date: the start of their retention period's window). HSB: an order in force, or one
    that ended on or after the cutoff, so the period runs from the later of the case's end and its orders'."""
    keeps = _retention_keeps.setdefault(pathway, [])
    if keep not in keeps:
        keeps.append(keep)


def retention_keeps(pathway: str) -> list[Callable[[Any], Any]]:
    return list(_retention_keeps.get(pathway, []))


# --- Reminders a pathway or module can call off (referrals.reminders._deliver) ------------------------------------

_reminder_stale: dict[str, Callable[[Any], bool]] = {}


def register_reminder_stale(kind: str, stale: Callable[[Any], bool]) -> None:
    """stale(reminder) -> True when a due reminder of `kind` no longer holds and should be cancelled, not sent (the
    draft a deletion warning was about has changed since). Checked at delivery, with the reminder locked."""
    _reminder_stale[kind] = stale


def reminder_stale(kind: str) -> Callable[[Any], bool] | None:
    return _reminder_stale.get(kind)
