"""The DASH risk checklist: 24 questions answered yes / no / don't know; score = number of "yes".

SafeLives' question wording is copyright, so the app stores stable question keys and short paraphrased labels
of the 24 topics (domain.md 1.3). A partnership that holds a licence can supply the exact wording in a JSON file
named by the setting SVD_DASH_WORDING_FILE:

    {"q01_injury": "…", "q02_frightened": "…", …}

or {"questions": {…}} with the same keys. Keys it does not name keep the paraphrase; a missing or unreadable file
leaves every paraphrase in place (and is logged), so a bad file never stops a referral being filed.

Forms are versioned: every checklist stores the `form_version` it was answered on, and FORMS keeps the keys of
every version ever used, so an old checklist can always be read back.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

FORM_VERSION = "safelives-dash-24-v1"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    DONT_KNOW = "dont_know", "Don't know"


class RiskBand(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


BAND_RANK = {RiskBand.STANDARD: 0, RiskBand.MEDIUM: 1, RiskBand.HIGH: 2}
MEDIUM_FROM = 10  # 10-13 medium
HIGH_FROM = 14  # 14+ high: "visible high risk", a MARAC criterion

# (key, short paraphrase of the topic). Never SafeLives' wording: see the module docstring.
QUESTIONS: list[tuple[str, str]] = [
    ("q01_injury", "The current incident left the victim injured"),
    ("q02_frightened", "The victim is very frightened"),
    ("q03_afraid_of_what", "The victim fears what may happen next (more violence, being killed, harm to children)"),
    ("q04_isolated", "The victim feels cut off from family or friends"),
    ("q05_depressed", "The victim feels depressed or has thought about suicide"),
    ("q06_separation", "The victim has separated, or tried to, in the past year"),
    ("q07_child_contact", "There is conflict over contact with children"),
    ("q08_stalking", "The alleged perpetrator keeps contacting, following, stalking or harassing the victim"),
    ("q09_pregnancy", "The victim is pregnant or has recently had a baby"),
    ("q10_frequency", "The abuse is happening more often"),
    ("q11_severity", "The abuse is getting worse"),
    ("q12_control", "The alleged perpetrator tries to control everything or is extremely jealous"),
    ("q13_weapons", "The alleged perpetrator has used a weapon or object to hurt the victim"),
    ("q14_threats_to_kill", "The alleged perpetrator has threatened to kill someone and the victim believed it"),
    ("q15_strangulation", "The alleged perpetrator has tried to strangle, choke, suffocate or drown the victim"),
    ("q16_sexual_abuse", "The alleged perpetrator does or says sexual things that upset or hurt the victim"),
    ("q17_other_threats", "Someone else has threatened the victim, or the victim is afraid of someone else"),
    ("q18_hurt_others", "The alleged perpetrator is known to have hurt someone else"),
    ("q19_animals", "The alleged perpetrator has hurt or mistreated an animal or pet"),
    ("q20_finances", "Money problems, financial dependence on them, or they recently lost their job"),
    ("q21_substances", "The alleged perpetrator has had drug, alcohol or mental health problems this past year"),
    ("q22_perpetrator_suicide", "The alleged perpetrator has threatened or attempted suicide"),
    ("q23_breaches", "The alleged perpetrator has broken bail, an injunction or a contact agreement"),
    ("q24_criminal_history", "The alleged perpetrator has been in trouble with the police or has a criminal record"),
]

FORMS: dict[str, list[str]] = {FORM_VERSION: [key for key, _ in QUESTIONS]}
PARAPHRASES: dict[str, str] = dict(QUESTIONS)
QUESTION_COUNT = len(QUESTIONS)


def keys_for(version: str = FORM_VERSION) -> list[str]:
    return list(FORMS.get(version, []))


@cache
def _wording_from_file(path: str) -> dict[str, str]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("DASH wording file %s could not be read (%s); using the paraphrases", path, type(exc).__name__)
        return {}
    if isinstance(raw, dict) and isinstance(raw.get("questions"), dict):
        raw = raw["questions"]
    if not isinstance(raw, dict):
        logger.warning("DASH wording file %s is not a JSON object; using the paraphrases", path)
        return {}
    return {
        key: " ".join(text.split())[:500]
        for key, text in raw.items()
        if key in PARAPHRASES and isinstance(text, str) and text.strip()
    }


def wording() -> dict[str, str]:
    """key -> the text shown for each question: the partnership's licensed wording where supplied."""
    path = getattr(settings, "SVD_DASH_WORDING_FILE", "") or ""
    supplied = _wording_from_file(str(path)) if path else {}
    return {key: supplied.get(key, label) for key, label in QUESTIONS}


def score_of(answers: dict[str, str]) -> int:
    """The DASH score: how many questions were answered "yes"."""
    return sum(1 for value in answers.values() if value == Answer.YES)


def band_for_score(score: int) -> str:
    if score >= HIGH_FROM:
        return RiskBand.HIGH
    if score >= MEDIUM_FROM:
        return RiskBand.MEDIUM
    return RiskBand.STANDARD


def higher_band(*bands: str) -> str:
    """The highest of the bands given (blank ones ignored): other factors can raise a band, never lower it."""
    present = [b for b in bands if b]
    if not present:
        return ""
    return max(present, key=lambda b: BAND_RANK[RiskBand(b)])


def is_lower(band: str, than: str) -> bool:
    return bool(band and than) and BAND_RANK[RiskBand(band)] < BAND_RANK[RiskBand(than)]


def judgement_problem(judged_band: str, band: str, score: int | None) -> str | None:
    """Professional judgement can raise the band the DASH score gives, never lower it: why not, or None."""
    if not is_lower(judged_band, band):
        return None
    return (
        f"Professional judgement cannot lower the risk level. The DASH score of {score} puts this case at "
        f"{RiskBand(band).label.lower()} risk: choose that level or higher, or leave it blank"
    )
