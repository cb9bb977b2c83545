"""What the comparison calls each value, and the kinds of repeating rows it matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements.comparison.values import date_text

FIELD_LABELS: dict[str, str | Promise] = {
    "title": _("Title"),
    "marketing_team": _("Marketing team"),
    "sales_team": _("Sales team"),
    "start": _("Start date"),
    "end": _("End date"),
    "currency": _("Currency"),
    "revenue_goal": _("Revenue goal"),
    "marketing_share_pct": _("Share from marketing-sourced leads"),
    "average_deal_size": _("Average deal size"),
    "lead_to_mql_pct": _("Lead → MQL"),
    "mql_to_sql_pct": _("MQL → SQL"),
    "sql_to_won_pct": _("SQL → won"),
    "months": _("Months in the plan"),
    "plan": _("Plan"),
    "customers": _("Customers"),
    "sqls": _("SQLs"),
    "mqls": _("MQLs"),
    "leads": _("Leads"),
    "leads_per_customer": _("Leads per customer"),
    "per_month": _("Per month"),
    "name": _("Name"),
    "owner": _("Owner"),
    "target": _("Target"),
    "unit": _("Unit"),
    "direction": _("Direction"),
    "cadence": _("Cadence"),
    "measure": _("Measure"),
    "activity": _("Activity"),
    "description": _("Description"),
    "commitment": _("Commitment"),
    "mql_score_threshold": _("MQL score threshold"),
    "stage": _("Stage"),
    "category": _("Category"),
    "rule": _("Rule"),
    "points": _("Points"),
    "timezone": _("Time zone"),
    "workdays": _("Working days"),
    "day_start": _("Working day starts"),
    "day_end": _("Working day ends"),
    "hours": _("Working hours"),
    "lead_type": _("Lead type"),
    "first_response_hours": _("First response within"),
    "min_attempts": _("Contact attempts"),
    "attempt_window_days": _("Within"),
    "escalation": _("Escalation path"),
    "code": _("Code"),
    "label": _("Reason"),
    "next_step": _("Next step"),
    "due": _("Due"),
    "done": _("Done"),
    "report_cadence": _("Report cadence"),
    "meeting_cadence": _("Review meeting"),
    "next_review": _("Next review"),
}
# Keys that group values without adding words to their labels.
SILENT_KEYS = frozenset({"period", "funnel", "criteria", "service_levels", "calendar", "review"})


@dataclass(frozen=True)
class ItemKind:
    """A kind of repeating row: where it lives, how it is named and counted."""

    path: str
    title: str | Promise
    # The column that names an item, and the keys of the row that make its identity.
    identity_label: str | Promise
    identity_keys: tuple[str, ...]
    # "%(count)s KPIs" for a count of these items, in the section's summary.
    noun: Callable[[int], str]
    show_identity: Callable[[Any], str] = field(default=str)


ITEM_KINDS: dict[str, ItemKind] = {
    kind.path: kind
    for kind in (
        ItemKind(
            "kpis",
            _("KPIs"),
            _("KPI"),
            ("name",),
            lambda n: ngettext("%(count)s KPI", "%(count)s KPIs", n),
        ),
        ItemKind(
            "responsibilities",
            _("Responsibilities"),
            _("Activity"),
            ("activity",),
            lambda n: ngettext("%(count)s responsibility", "%(count)s responsibilities", n),
        ),
        ItemKind(
            "criteria.rules",
            _("Qualification rules"),
            _("Rule"),
            ("stage", "rule"),
            lambda n: ngettext("%(count)s rule", "%(count)s rules", n),
        ),
        ItemKind(
            "service_levels.calendar.holidays",
            _("Holidays"),
            _("Holiday"),
            (),
            lambda n: ngettext("%(count)s holiday", "%(count)s holidays", n),
            show_identity=date_text,
        ),
        ItemKind(
            "service_levels.lead_types",
            _("Service levels by lead type"),
            _("Lead type"),
            ("lead_type",),
            lambda n: ngettext("%(count)s lead type", "%(count)s lead types", n),
        ),
        ItemKind(
            "rejection_reasons",
            _("Rejection reasons"),
            _("Code"),
            ("code",),
            lambda n: ngettext("%(count)s reason", "%(count)s reasons", n),
        ),
        ItemKind(
            "deadlines",
            _("Deadlines"),
            _("Deadline"),
            ("title",),
            lambda n: ngettext("%(count)s deadline", "%(count)s deadlines", n),
        ),
    )
}
