"""How report numbers read, the same on the page, in the chart summaries and in the CSV files."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from referrals.reporting.measures import Rate

MINUS = "\u2212"  # a real minus sign reads better than a hyphen, and screen readers say "minus"
SMALL_NUMBER = 5
SUPPRESSED = "fewer than 5"
NOT_SHOWN = "not shown (small numbers)"


def rounded(value: Fraction | int | float, places: int = 1) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def fmt_count(value) -> str:
    if value is None:
        return "No data"
    if isinstance(value, Fraction):
        value = int(rounded(value, 0))
    return f"{int(value):,}"


def fmt_decimal(value, places: int = 1) -> str:
    if value is None:
        return "No data"
    number = rounded(value, places)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    text = f"{number:,}"
    return text.replace("-", MINUS)


def fmt_percent(value) -> str:
    if value is None:
        return "No data"
    return f"{fmt_decimal(value)}%"


def fmt_value(value, *, rate: bool = False) -> str:
    """A measure's value: a count, or a rate as a percentage."""
    if value is None:
        return "No data"
    if isinstance(value, Rate):
        return fmt_percent(value.percent) if value.denominator else "No cases"
    if rate:
        return fmt_percent(value)
    return fmt_count(value)


def signed(text: str, value) -> str:
    if value is None:
        return text
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"{MINUS}{text.lstrip(MINUS)}"
    return text


def fmt_change(value, *, rate: bool = False) -> str:
    """A change in a count (+12), or in a rate, in percentage points (+2.5 points)."""
    if value is None:
        return "Not applicable"
    if rate:
        return signed(f"{fmt_decimal(abs(value))} points", value)
    return signed(fmt_count(abs(value)), value)


def fmt_percent_change(value) -> str:
    if value is None:
        return "Not applicable"
    return signed(f"{fmt_decimal(abs(value))}%", value)


def chart_number(value) -> float | None:
    """A value as a plain number for a chart (rates as percentages)."""
    if value is None:
        return None
    if isinstance(value, Rate):
        return None if value.percent is None else float(rounded(value.percent))
    if isinstance(value, Fraction):
        return float(rounded(value))
    return float(value)


# --- Small-number suppression for exports ---------------------------------------------------------


def is_small(value) -> bool:
    """A count below 5 (zero included) could identify someone once it leaves the service."""
    if value is None:
        return False
    if isinstance(value, Rate):
        return value.numerator < SMALL_NUMBER or value.denominator < SMALL_NUMBER
    return value < SMALL_NUMBER


def export_count(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, Fraction):
        value = int(rounded(value, 0))
    return SUPPRESSED if is_small(value) else int(value)


def suppressed_column(values: list) -> list:
    """A column of counts for a CSV when its total is published too (a breakdown's rows add up to the referrals
    in the period; a period's months to its total): counts below 5 as "fewer than 5" and, where only one is,
    the smallest of the others "not shown" as well, so that the one cannot be worked out by taking the rest
    from the total (secondary suppression)."""
    cells = [export_count(value) for value in values]
    small = [i for i, cell in enumerate(cells) if cell == SUPPRESSED]
    if len(small) == 1:
        others = [(values[i], i) for i, cell in enumerate(cells) if isinstance(cell, int)]
        if others:
            cells[min(others)[1]] = NOT_SHOWN
    return cells


def export_value(value, *, rate: bool = False):
    """A measure's value for a CSV: counts below 5 as "fewer than 5"; a rate built on fewer than 5 cases is
    not shown, since its numerator could be worked out."""
    if value is None:
        return ""
    if isinstance(value, Rate):
        if is_small(value):
            return NOT_SHOWN
        return "" if value.percent is None else float(rounded(value.percent))
    if rate:
        return float(rounded(value))
    return export_count(value)
