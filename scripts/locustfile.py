"""Load test for SVD Portal (make loadtest): signed-in users following a realistic mix for a minute.

Each simulated user takes one of the sessions `manage.py bench_sessions` wrote (LOCUST_SESSIONS, a JSON file):
seed_bench's synthetic users, signed in with both factors. The mix, per user and by weight:
- their agency's case list (first page, sometimes a later page) and the cases shared with them;
- a case page, opened from a link on the list just shown (as a person would);
- the history of a case;
- filing a referral: the youth violence journey from the pathway question to "Submit" (every question page);
- the reports, mostly by managers (partnership-wide); others now and then (what their agency can see);
- MARAC hub coordinators also open the meetings page and a draft meeting's case list with its candidates.
Requests are grouped by page in the statistics (name=...), not by URL.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

SESSIONS = json.loads(open(os.environ.get("LOCUST_SESSIONS", "bench-results/sessions.json")).read())  # noqa: SIM115
_next = itertools.count()
LONDON = ZoneInfo("Europe/London")
CASE_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36}/)"')
MEETING_LINK = re.compile(r'href="(/marac/meetings/[0-9a-f-]{36}/)"')


class _Form(HTMLParser):
    """The fields of the main form on a page, with their default values (checked, selected, or typed)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.choices: dict[str, list[str]] = {}
        self._select: str | None = None
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and "search" not in (a.get("action") or ""):
            self.in_form = True
        if not self.in_form or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind == "radio":
                self.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind != "submit":
                self.fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            self.choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.in_form:
            self.in_form = False


def form_of(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


ANSWERS = {
    "first_name": "Bench",
    "last_name": "Loadtest",
    "gender": "male",
    "summary": "Load test: synthetic referral, no real person",
    "subject_aware": "yes",
    "consent_given": "yes",
    "role": "victim",
    "age_at_referral": "17",
    "incident_type": "knife_injury",
    "weapon": "knife",
    "injury_severity": "minor",
    "location": "street",
    "engagement": "engaged",
    "outcome": "ongoing",
}


def answers(form: _Form) -> dict[str, str]:
    """Fill a question page: the answers above where the page asks them, a date of birth seventeen years ago,
    the incident today (other dates left blank), and the first choice of any other radio or select."""
    data = dict(form.fields)
    today = datetime.datetime.now(tz=LONDON).date()
    for name in list(data) + list(form.choices):
        if name in ANSWERS:
            data[name] = ANSWERS[name]
        elif "date" in name and name.endswith(("_0", "_1", "_2")):  # GOV.UK date input: day, month, year
            base, part = name.rsplit("_", 1)
            if "birth" in base or "incident" in base:
                day = today.replace(year=today.year - 17) if "birth" in base else today
                data[name] = str((day.day, day.month, day.year)[int(part)])
        elif name in form.choices and not data.get(name):
            options = [v for v in form.choices[name] if v]
            if options:
                data[name] = options[0]
    return data


WAIT = [float(x) for x in os.environ.get("LOCUST_WAIT", "2,8").split(",")]


class Worker(HttpUser):
    # A person reading the page they just opened before the next click: 2 to 8 seconds by default
    # (LOCUST_WAIT="1,3" for a harsher run). 50 such users make about 10 page requests a second.
    wait_time = between(WAIT[0], WAIT[1])

    def on_start(self):
        session = SESSIONS[next(_next) % len(SESSIONS)]
        self.role = session["role"]
        self.client.cookies.set(session["cookie"], session["session"])
        self.cases: list[str] = []

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {name}")
            return response

    def _remember_cases(self, html: str):
        found = CASE_LINK.findall(html)
        if found:
            self.cases = found[:25]

    @task(30)
    def my_cases(self):
        response = self._get("/cases/", "case list: mine")
        self._remember_cases(response.text)
        if random.random() < 0.2:
            self._get(f"/cases/?page={random.randint(2, 8)}", "case list: mine, later page")

    @task(15)
    def shared_cases(self):
        response = self._get("/cases/?scope=shared", "case list: shared")
        self._remember_cases(response.text)

    @task(30)
    def case_page(self):
        if not self.cases:
            self.my_cases()
        if self.cases:
            self._get(random.choice(self.cases), "case page")

    @task(3)
    def case_history(self):
        if self.cases:
            self._get(random.choice(self.cases) + "history/", "case history")

    @task(5)
    def file_a_referral(self):
        if self.role == "manager":
            return
        response = self.client.get("/cases/new/", name="filing: start")
        token = form_of(response.text).fields.get("csrfmiddlewaretoken", "")
        response = self.client.post(
            "/cases/new/", {"csrfmiddlewaretoken": token, "pathway": "youth_violence"}, name="filing: choose pathway"
        )
        for _ in range(10):  # every question page, then "Check your answers" and submit
            path = urlsplit(response.url).path
            last = path.endswith("/check/")
            name = "filing: check and submit" if last else "filing: question page"
            with self.client.post(path, answers(form_of(response.text)), name=name, catch_response=True) as posted:
                moved_on = posted.status_code == 200 and urlsplit(posted.url).path != path
                if not moved_on:
                    posted.failure(f"the journey stopped at {path.rsplit('/', 2)[-2]} ({posted.status_code})")
                    return
                if last:
                    if "/confirmation/" not in posted.url:
                        posted.failure("the referral was not submitted")
                    return
                response = posted

    @task(5)
    def reports(self):
        if self.role != "manager" and random.random() < 0.8:  # managers read the reports; others seldom
            return
        page = random.choice(["targets-and-actuals/", "year-on-year/", "breakdowns/", "marac-benchmarks/"])
        self._get(f"/reports/{page}", f"report: {page.strip('/')}")

    @task(4)
    def marac(self):
        if self.role != "marac":
            return
        response = self._get("/marac/meetings/", "MARAC: meetings")
        links = MEETING_LINK.findall(response.text)
        if links:
            self._get(links[0] + "cases/", "MARAC: case list and candidates")
