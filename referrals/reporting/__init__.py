"""Reports (issue 7): year-on-year referral growth against targets, MARAC benchmarks and the Serious Violence
Duty outcome measures.

- models.py: Target (with history), OutcomeMeasureEntry (monthly figures from outside data) and
  PartnershipSetting (the adult female population); imported by referrals.models so they belong to `referrals`.
- periods.py: financial year, calendar year and rolling 12 months.
- measures.py: the measure registry; each measure is an SQL aggregate over a scoped queryset.
- selectors.py: every number the pages show, scoped through accounts.permissions.referrals_reportable_to.
- services.py: every write (targets, outcome entries, CSV import, the population setting).
- charts.py: accessible SVG charts rendered on the server with Altair and vl-convert.
- exports.py: CSV downloads with small-number suppression.
"""
