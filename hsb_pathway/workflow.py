"""The HSB pathway's stages and the moves allowed between them, as data (like referrals/workflow.py).

strategy discussion -> assessment -> intervention -> reviews -> closure (NICE NG55 order, domain.md 2.5).
A review may send the case back to intervention; a case may close from any open stage once the strategy
discussion has been held. Who may make a move is decided in accounts.permissions; what must be recorded
first is each move's `requires`, checked by hsb_pathway.services.
"""

from __future__ import annotations

from dataclasses import dataclass

from hsb_pathway.models import Stage


class StageMoveRefused(Exception):
    """The move is not allowed from the case's stage, or something it needs is not recorded yet."""


@dataclass(frozen=True)
class StageMove:
    name: str
    source: frozenset[str]
    target: str
    label: str
    requires: tuple[str, ...] = ()  # names in REQUIREMENTS, checked in order
    needs_reason: bool = False

    @property
    def target_label(self) -> str:
        return Stage(self.target).label


# What a move needs recorded first: name -> (check on the HsbDetail's referral, message when missing).
REQUIREMENTS = {
    "strategy": "Record the strategy discussion before moving the case on",
    "assessment": "Record an assessment before moving to intervention",
    "intervention": "Record the intervention (the safety or care plan) before moving to reviews",
}

OPEN_STAGES = frozenset({Stage.STRATEGY, Stage.ASSESSMENT, Stage.INTERVENTION, Stage.REVIEW})

MOVES: dict[str, StageMove] = {
    m.name: m
    for m in (
        StageMove(
            "assessment",
            frozenset({Stage.STRATEGY}),
            Stage.ASSESSMENT,
            "Move to assessment",
            requires=("strategy",),
        ),
        StageMove(
            "intervention",
            frozenset({Stage.ASSESSMENT}),
            Stage.INTERVENTION,
            "Move to intervention",
            requires=("assessment",),
        ),
        StageMove(
            "review",
            frozenset({Stage.INTERVENTION}),
            Stage.REVIEW,
            "Move to reviews",
            requires=("intervention",),
        ),
        StageMove(
            "back-to-intervention",
            frozenset({Stage.REVIEW}),
            Stage.INTERVENTION,
            "Return to intervention",
        ),
        StageMove(
            "close",
            OPEN_STAGES,
            Stage.CLOSED,
            "Close the HSB case",
            requires=("strategy",),
            needs_reason=True,
        ),
    )
}


def moves_from(stage: str) -> list[StageMove]:
    return [m for m in MOVES.values() if stage in m.source]


def check_move(stage: str, name: str) -> StageMove:
    move = MOVES.get(name)
    if move is None:
        raise StageMoveRefused(f"There is no stage move called {name!r}")
    if stage not in move.source:
        allowed = ", ".join(f"'{m.label.lower()}'" for m in moves_from(stage)) or "none"
        raise StageMoveRefused(
            f"A case at the {Stage(stage).label.lower()} stage cannot '{move.label.lower()}'. "
            f"Moves allowed from here: {allowed}"
        )
    return move
