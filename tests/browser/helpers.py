"""Helpers shared by the browser tests."""

from __future__ import annotations

import datetime


def fill_date(scope, legend: str, day: datetime.date) -> None:
    """Type `day` into the GOV.UK date input (Day, Month, Year) grouped under `legend` within `scope`."""
    group = scope.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def h1(page):
    """The page's main heading (its one h1), for `expect(h1(page)).to_have_text(...)`."""
    return page.get_by_role("heading", level=1)
