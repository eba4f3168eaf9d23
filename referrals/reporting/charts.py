"""Accessible charts rendered on the server as SVG with Altair (Vega-Lite) and vl-convert.

Vega's SVG uses presentation attributes only (no style attribute, no <style> element), so it can be put
inline under the strict Content Security Policy. Each chart gets role="img" and is labelled by the heading
and the text summary beside it; the same numbers are in a table under it and in a CSV download. Colours are
from the GOV.UK palette and the two periods also differ by line style, so colour is never the only cue.

Rendering takes about 0.1 s, so finished SVG is cached by a hash of the chart's specification (which holds
only counts and labels, never personal data).
"""

from __future__ import annotations

import hashlib
import re

import altair as alt
import vl_convert
from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE = "#1d70b8"
DARK_GREY = "#505a5f"
BLACK = "#0b0c0c"
GREEN = "#00703c"
ORANGE = "#f47738"
RED = "#d4351c"
FONT = "arial, sans-serif"
WIDTH = 620
CACHE_SECONDS = 60 * 60

# Altair checks every object against the Vega-Lite JSON schema as it is built, and the whole specification again
# in to_json: with a bar per agency that took about a second a page at London scale (docs/performance.md, issue
# 8). The charts are built by this module's code and rendered by vl-convert, which rejects a malformed
# specification, so the schema checks run under the tests only.
VALIDATE = settings.DJANGO_ENV == "test"
if not VALIDATE:
    alt.utils.schemapi.disable_debug_mode()

_ROOT_SVG = re.compile(r"<svg\b([^>]*)>")
_SIZE_ATTRS = re.compile(r'\s(width|height)="[^"]*"')


def _configured(chart: alt.Chart, description: str) -> alt.Chart:
    return (
        chart.properties(description=description)
        .configure(font=FONT, background="white")
        .configure_axis(labelFontSize=14, titleFontSize=14, labelColor=BLACK, titleColor=BLACK, gridColor="#d9d9d9")
        .configure_legend(
            labelFontSize=14, titleFontSize=14, labelColor=BLACK, titleColor=BLACK, orient="top", labelLimit=400
        )
        .configure_view(stroke=None)
    )


def render(chart: alt.Chart, *, labelledby: str, description: str) -> SafeString:
    """The chart as inline SVG, labelled by the element ids in `labelledby`."""
    spec = _configured(chart, description).to_json(indent=None, validate=VALIDATE)
    key = "svd-chart:" + hashlib.sha256(spec.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = vl_convert.vegalite_to_svg(spec)
        cache.set(key, svg, CACHE_SECONDS)
    return mark_safe(_accessible(svg, labelledby))  # noqa: S308 - Vega escapes every label and value


def _accessible(svg: str, labelledby: str) -> str:
    """Label the root element and let it scale to its container (the viewBox keeps its shape)."""
    match = _ROOT_SVG.search(svg)
    if match is None:
        return ""
    attrs = _SIZE_ATTRS.sub("", match.group(1))
    root = (
        f'<svg{attrs} width="100%" role="img" aria-labelledby="{escape(labelledby)}" focusable="false"'
        ' preserveAspectRatio="xMinYMin meet">'
    )
    return svg[: match.start()] + root + svg[match.end() :]


def month_comparison(
    rows: list[dict],
    *,
    this_label: str,
    previous_label: str,
    value_title: str,
    months: list[str],
    whole_numbers: bool = True,
) -> alt.Chart:
    """Two lines by month: this period (solid blue) and the previous one (dashed grey).
    rows: {"month": "Apr", "series": label, "value": number or None}."""
    data = [r for r in rows if r["value"] is not None]
    return (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), strokeWidth=3)
        .encode(
            x=alt.X("month:N", sort=months, title="Month", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title=value_title,
                scale=alt.Scale(zero=True),
                axis=alt.Axis(tickMinStep=1, format="d") if whole_numbers else alt.Axis(format=".0f"),
            ),
            color=alt.Color(
                "series:N",
                title="Period",
                scale=alt.Scale(domain=[previous_label, this_label], range=[DARK_GREY, BLUE]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolSize=400),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title="Period",
                scale=alt.Scale(domain=[previous_label, this_label], range=[[6, 4], [1, 0]]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolSize=400),
            ),
        )
        .properties(width=WIDTH, height=280)
    )


def grouped_bars(
    rows: list[dict],
    *,
    this_label: str,
    previous_label: str,
    category_title: str,
    value_title: str,
    whole_numbers: bool = True,
) -> alt.Chart:
    """Horizontal bars, two per category: this period (blue) above the previous one (grey).
    rows: {"category": label, "series": label, "value": number}."""
    order = []
    for row in rows:
        if row["category"] not in order:
            order.append(row["category"])
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("value:Q", title=value_title, axis=alt.Axis(tickMinStep=1) if whole_numbers else alt.Axis()),
            yOffset=alt.YOffset("series:N", sort=[this_label, previous_label]),
            color=alt.Color(
                "series:N",
                title="Period",
                scale=alt.Scale(domain=[this_label, previous_label], range=[BLUE, DARK_GREY]),
            ),
        )
        .properties(width=WIDTH - 220, height=alt.Step(14))
    )


def target_progress(rows: list[dict]) -> alt.Chart:
    """Each measure's projection as a percentage of its target, with a line at 100%.
    rows: {"measure": label, "percent": number, "status": label}."""
    order = [r["measure"] for r in rows]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color=BLUE).encode(
        y=alt.Y("measure:N", sort=order, title=None, axis=alt.Axis(labelLimit=330)),
        x=alt.X("percent:Q", title="Projected for the whole period, as a percentage of the target"),
    )
    labels = base.mark_text(align="left", dx=4, color=BLACK, fontSize=13).encode(
        y=alt.Y("measure:N", sort=order), x="percent:Q", text="status:N"
    )
    line = (
        alt.Chart(alt.Data(values=[{"x": 100}]))
        .mark_rule(color=BLACK, strokeDash=[4, 3], strokeWidth=2)
        .encode(x="x:Q")
    )
    return alt.layer(bars, labels, line).properties(width=WIDTH - 300, height=alt.Step(26))


def benchmark_bars(rows: list[dict], *, local_label: str, national_label: str) -> alt.Chart:
    """Shares of MARAC cases: this partnership (blue) beside the national figure (grey).
    rows: {"measure": label, "series": label, "value": percent}."""
    return grouped_bars(
        rows,
        this_label=local_label,
        previous_label=national_label,
        category_title="Measure",
        value_title="Share of MARAC cases (%)",
        whole_numbers=False,
    )
