"""SafeLives' MARAC figures (domain.md section 1.9): recommended levels and the latest national dataset.

Only levels SafeLives publishes as recommendations are given as such: 40 cases per 10,000 adult women a
year, and at least 16% disabled victims. Ranges that are "commonly cited" but not confirmed from a SafeLives
source (repeat rate, police share, LGBT+ and male victims) are deliberately left out.
"""

from __future__ import annotations

NO_RECOMMENDATION = "No recommended level published"
RECOMMENDED_PER_10000 = "40 a year"
RECOMMENDED_DISABLED = "16% or more"

NATIONAL_PERIOD = "12 months to 30 September 2024"
NATIONAL_SOURCE = "SafeLives UK MARAC dataset"
NATIONAL_SOURCE_URL = "https://safelives.org.uk/research-policy/practitioner-datasets/marac-data"
RECOMMENDED_SOURCE_URL = (
    "https://safelives.org.uk/resources-for-professionals/marac-resources/reviewing-your-marac-data/"
)

NATIONAL = {
    "per_10000": "47",
    "repeat": "31%",
    "non_police": "36.1%",
    "minoritised": "14.1%",
    "lgbt": "1.6%",
    "disabled": "10.1%",
    "male": "6.4%",
}

# The same national figures as numbers, for the chart.
NATIONAL_PERCENT = {
    "repeat": 31.0,
    "non_police": 36.1,
    "minoritised": 14.1,
    "lgbt": 1.6,
    "disabled": 10.1,
    "male": 6.4,
}
