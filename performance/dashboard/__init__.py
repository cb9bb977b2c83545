"""The performance dashboard: an agreement's figures against its SLA, and the portfolio.

The reads here cost a fixed number of queries however many leads, months or agreements there
are: lead counts come from the tally and the lead days the import keeps (``LeadTally``,
``LeadDay``) plus the few leads still pending, never from every lead row.

- ``standing``: met, on track, at risk, missed or no data, and how bad each is.
- ``versions``: which signed version's terms stand on a day or in a month.
- ``figures``: the funnel planned against actual per month, and totals to date; ``percent``.
- ``kpis``: each KPI's latest value, its projection and its standing.
- ``compliance``: hand-off counts (met, breached, pending) and their SQL pieces.
- ``lead_figures``: compliance by lead type and month, and rejections, from the tally.
- ``deadlines``: open deadlines overdue or due soon.
- ``agreement``: everything one agreement's dashboard shows (``dashboard_for``).
- ``charts``: the dashboard's SVG charts, drawn with ``performance.charts``.
- ``portfolio``: one traffic-light row per agreement in force.
- ``exports``: the rows of the dashboard's CSV exports.
"""
