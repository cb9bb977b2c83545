"""The demo agreements, each made through the services as the demo people would on the site.

Each builder first looks for what it would create, so seeding twice changes nothing. A new
demo agreement is one more function in DEMO_AGREEMENTS.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from agreements.exchange import agreement_digest
from agreements.models import Agreement
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.reminders import ReviewTerms
from agreements.services.review import agreement_submit
from agreements.services.signatures import signature_record
from agreements.standard_template import standard_content
from performance.demo.actuals import demo_actuals, demo_leads_csv
from performance.demo.people import (
    DEMO_PASSWORD,
    MARKETING_TEAM,
    SALES_TEAM,
    DemoWorld,
    demo_signers_ready,
)
from performance.services.leads import leads_import

Q4_TITLE = "Q4 2026 demand-gen SLA"

Q4_FUNNEL: dict[str, Any] = {
    "currency": "USD",
    "revenue_goal": Decimal("450000.00"),
    "marketing_share_pct": Decimal("60.00"),
    "average_deal_size": Decimal("7500.00"),
    "lead_to_mql_pct": Decimal("18.00"),
    "mql_to_sql_pct": Decimal("35.00"),
    "sql_to_won_pct": Decimal("24.00"),
    "months": 3,
}

_AT_LEAST = {"direction": "at_least"}

Q4_KPIS: list[dict[str, Any]] = [
    {
        **_AT_LEAST,
        "name": "MQLs delivered",
        "measure": "mqls",
        "owner": "marketing",
        "target": Decimal("143"),
        "unit": "MQLs",
        "cadence": "monthly",
    },
    {
        **_AT_LEAST,
        "name": "Webinar registrations",
        "owner": "marketing",
        "target": Decimal("600"),
        "unit": "registrations",
        "cadence": "monthly",
    },
    {
        **_AT_LEAST,
        "name": "MQL to SQL conversion",
        "measure": "mql_to_sql_rate",
        "owner": "shared",
        "target": Decimal("35"),
        "unit": "%",
        "cadence": "monthly",
    },
    {
        "name": "Median first response",
        "measure": "median_first_response",
        "owner": "sales",
        "target": Decimal("2"),
        "unit": "business hours",
        "direction": "at_most",
        "cadence": "weekly",
    },
    {
        **_AT_LEAST,
        "name": "Marketing-sourced pipeline",
        "owner": "shared",
        "target": Decimal("1125000"),
        "unit": "USD",
        "cadence": "quarterly",
    },
]

ANNUAL_FUNNEL: dict[str, Any] = {
    "currency": "USD",
    "revenue_goal": Decimal("6000000.00"),
    "marketing_share_pct": Decimal("50.00"),
    "average_deal_size": Decimal("10000.00"),
    "lead_to_mql_pct": Decimal("20.00"),
    "mql_to_sql_pct": Decimal("40.00"),
    "sql_to_won_pct": Decimal("25.00"),
    "months": 13,
}


def _existing(world: DemoWorld, title: str) -> bool:
    return Agreement.objects.filter(
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
    ).exists()


def _create(world: DemoWorld, title: str, start: dt.date, end: dt.date) -> Agreement:
    """A draft from the standard template, drafted by the marketing lead."""
    return agreement_create(
        actor=world.users["maria"],
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
        start_date=start,
        end_date=end,
        from_template=True,
    )


def _edit(
    world: DemoWorld,
    agreement: Agreement,
    username: str,
    section: str,
    fields: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]] | None = None,
) -> Agreement:
    return agreement_section_update(
        agreement=agreement,
        actor=world.users[username],
        section=section,
        base_revision=agreement.revision,
        fields=fields,
        rows=rows,
    )


def _sign(world: DemoWorld, agreement: Agreement, username: str, team: str) -> None:
    """Sign the content as it stands for the team, as its signatory would."""
    user = world.users[username]
    signature_record(
        agreement=agreement,
        actor=user,
        team=world.teams[team],
        typed_name=user.get_full_name(),
        password=DEMO_PASSWORD,
        seen_digest=agreement_digest(agreement_load_sections(agreement.pk)),
        user_agent="slaportal seed_demo",
    )


def _sign_both(world: DemoWorld, agreement: Agreement) -> Agreement:
    """Submit and sign for both teams, as the two leads would on the site."""
    agreement = agreement_submit(agreement=agreement, actor=world.users["maria"])
    _sign(world, agreement, "victor", MARKETING_TEAM)
    _sign(world, agreement, "vera", SALES_TEAM)
    return Agreement.objects.get(pk=agreement.pk)


def demo_fy2027_h1(world: DemoWorld) -> None:
    """The standard template as it comes, for the first half of FY2027."""
    title = "FY2027 H1 marketing–sales SLA"
    if _existing(world, title):
        return
    _create(world, title, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    world.created.append(f"agreement {title}")


def _q4_responsibilities(agreement: Agreement) -> list[dict[str, Any]]:
    """The standard responsibilities with the quarter's own commitments."""
    responsibilities: list[dict[str, Any]] = standard_content(
        title=Q4_TITLE,
        marketing_team=MARKETING_TEAM,
        sales_team=SALES_TEAM,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
    )["responsibilities"]
    responsibilities[0]["commitment"] = "Deliver at least 143 MQLs a month, 40% from webinars."
    responsibilities[3]["commitment"] = (
        "First response within 2 business hours; at least 6 attempts in 10 days."
    )
    return responsibilities


def demo_q4_2026_demand_gen(world: DemoWorld) -> None:
    """A quarter's demand-generation push: the template, then the sales lead's own numbers."""
    if _existing(world, Q4_TITLE):
        return
    agreement = _create(world, Q4_TITLE, dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    agreement = _edit(world, agreement, "sally", "funnel", Q4_FUNNEL)
    agreement = _edit(world, agreement, "maria", "kpis", {}, {"kpis": Q4_KPIS})
    _edit(
        world,
        agreement,
        "sally",
        "responsibilities",
        {},
        {"responsibilities": _q4_responsibilities(agreement)},
    )
    world.created.append(f"agreement {Q4_TITLE}")


def demo_q4_in_review(world: DemoWorld) -> None:
    """The Q4 demand-gen SLA sent for sign-off; marketing has signed, sales has not yet."""
    agreement = Agreement.objects.filter(title=Q4_TITLE, status=Agreement.Status.DRAFT).first()
    if agreement is None or agreement.events.filter(kind="submitted").exists():
        return
    if not demo_signers_ready(world):
        return
    # Signatures due in a week, so the page shows a due date and check_sla reminds Vera.
    terms = ReviewTerms(review_due=timezone.localdate() + dt.timedelta(days=7), reminder_days=3)
    agreement = agreement_submit(agreement=agreement, actor=world.users["maria"], terms=terms)
    _sign(world, agreement, "victor", MARKETING_TEAM)
    world.created.append(f"{Q4_TITLE} submitted; marketing signed")


def demo_2026_pipeline(world: DemoWorld) -> None:
    """A signed SLA amended once: version 1 superseded, version 2 in force, with actuals."""
    title = "2026 pipeline SLA"
    if _existing(world, title) or not demo_signers_ready(world):
        return
    first = _create(world, title, dt.date(2025, 12, 1), dt.date(2026, 12, 31))
    first = _edit(world, first, "maria", "funnel", ANNUAL_FUNNEL)
    first = _sign_both(world, first)
    # In the autumn review sales asked for a higher goal: version 2.
    second = agreement_amend(agreement=first, actor=world.users["sally"])
    second = _edit(
        world,
        second,
        "sally",
        "funnel",
        {**ANNUAL_FUNNEL, "revenue_goal": Decimal("6500000.00")},
    )
    second = _sign_both(world, second)
    demo_actuals(
        second,
        first_month=dt.date(2025, 12, 1),
        recorder=world.users["mike"],
        kpi_recorder=world.users["steve"],
    )
    leads_import(
        agreement=second,
        actor=world.users["steve"],
        file=io.StringIO(demo_leads_csv(second, timezone.now())),
    )
    world.created.append(f"agreement {title} (v1 superseded, v2 signed, actuals and leads)")


DEMO_AGREEMENTS: tuple[Callable[[DemoWorld], None], ...] = (
    demo_fy2027_h1,
    demo_q4_2026_demand_gen,
    demo_q4_in_review,
    demo_2026_pipeline,
)
