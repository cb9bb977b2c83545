"""Demo data for a fresh installation: two teams, their people and two realistic agreements.

Everything is created through the services, so the demo agreements carry the same revisions
and audit events as ones made on the site. Each step first looks for what it would create, so
seeding twice changes nothing. A new demo agreement is one more function in DEMO_AGREEMENTS.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, Kpi
from agreements.periods import months_from
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from agreements.services.signatures import signature_record
from agreements.standard_template import standard_content
from performance.services.actuals import kpi_actuals_save, monthly_actual_save
from performance.services.leads import leads_import
from teams.models import Membership, Side, Team

DEMO_PASSWORD = "slaportal-demo"
MARKETING_TEAM = "Growth Marketing"
SALES_TEAM = "Mid-Market Sales"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None
    membership: str = Membership.Role.MEMBER
    is_superuser: bool = False


# Each team has a lead who drafts, a signatory who signs for the team, and a member.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("maria", "Maria", "Marketing", "Marketing lead (drafts)", MARKETING_TEAM),
    DemoPerson(
        "victor",
        "Victor",
        "Vance",
        "VP Marketing, signs for Growth Marketing",
        MARKETING_TEAM,
        Membership.Role.SIGNATORY,
    ),
    DemoPerson("mike", "Mike", "Campaigns", "Marketing member", MARKETING_TEAM),
    DemoPerson("sally", "Sally", "Sales", "Sales lead (drafts)", SALES_TEAM),
    DemoPerson(
        "vera",
        "Vera",
        "Vogel",
        "VP Sales, signs for Mid-Market Sales",
        SALES_TEAM,
        Membership.Role.SIGNATORY,
    ),
    DemoPerson("steve", "Steve", "Closer", "Sales member", SALES_TEAM),
    DemoPerson("admin", "Ada", "Admin", "Staff administrator (Django admin)", is_superuser=True),
)


@dataclass
class DemoWorld:
    """What the seed found or made, by name."""

    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    created: list[str]
    logins: list[tuple[str, str, str]]


def _teams(world: DemoWorld) -> None:
    for name, side in ((MARKETING_TEAM, Side.MARKETING), (SALES_TEAM, Side.SALES)):
        team, made = Team.objects.get_or_create(name=name, defaults={"side": side})
        world.teams[name] = team
        if made:
            world.created.append(f"team {name}")


def _people(world: DemoWorld) -> None:
    users = get_user_model()._default_manager
    for person in DEMO_PEOPLE:
        user = users.filter(username=person.username).first()
        if user is None:
            user = users.create_user(
                username=person.username,
                password=DEMO_PASSWORD,
                email=f"{person.username}@example.com",
                first_name=person.first_name,
                last_name=person.last_name,
                is_staff=person.is_superuser,
                is_superuser=person.is_superuser,
            )
            world.created.append(f"user {person.username}")
        world.users[person.username] = user
        if person.team is not None:
            _membership, made = Membership.objects.get_or_create(
                user=user, team=world.teams[person.team], defaults={"role": person.membership}
            )
            if made:
                world.created.append(f"membership {person.username} in {person.team}")


def _existing(world: DemoWorld, title: str) -> bool:
    return Agreement.objects.filter(
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
    ).exists()


def demo_fy2027_h1(world: DemoWorld) -> None:
    """The standard template as it comes, for the first half of FY2027."""
    title = "FY2027 H1 marketing–sales SLA"
    if _existing(world, title):
        return
    agreement_create(
        actor=world.users["maria"],
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2027, 6, 30),
        from_template=True,
    )
    world.created.append(f"agreement {title}")


def demo_q4_2026_demand_gen(world: DemoWorld) -> None:
    """A quarter's demand-generation push: the template, then the sales lead's own numbers."""
    title = "Q4 2026 demand-gen SLA"
    if _existing(world, title):
        return
    agreement = agreement_create(
        actor=world.users["maria"],
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 12, 31),
        from_template=True,
    )
    agreement = agreement_section_update(
        agreement=agreement,
        actor=world.users["sally"],
        section="funnel",
        base_revision=agreement.revision,
        fields={
            "currency": "USD",
            "revenue_goal": Decimal("450000.00"),
            "marketing_share_pct": Decimal("60.00"),
            "average_deal_size": Decimal("7500.00"),
            "lead_to_mql_pct": Decimal("18.00"),
            "mql_to_sql_pct": Decimal("35.00"),
            "sql_to_won_pct": Decimal("24.00"),
            "months": 3,
        },
    )
    kpi = {"direction": "at_least"}
    agreement = agreement_section_update(
        agreement=agreement,
        actor=world.users["maria"],
        section="kpis",
        base_revision=agreement.revision,
        fields={},
        rows={
            "kpis": [
                {
                    **kpi,
                    "name": "MQLs delivered",
                    "owner": "marketing",
                    "target": Decimal("143"),
                    "unit": "MQLs",
                    "cadence": "monthly",
                },
                {
                    **kpi,
                    "name": "Webinar registrations",
                    "owner": "marketing",
                    "target": Decimal("600"),
                    "unit": "registrations",
                    "cadence": "monthly",
                },
                {
                    **kpi,
                    "name": "MQL to SQL conversion",
                    "owner": "shared",
                    "target": Decimal("35"),
                    "unit": "%",
                    "cadence": "monthly",
                },
                {
                    "name": "Median first response",
                    "owner": "sales",
                    "target": Decimal("2"),
                    "unit": "business hours",
                    "direction": "at_most",
                    "cadence": "weekly",
                },
                {
                    **kpi,
                    "name": "Marketing-sourced pipeline",
                    "owner": "shared",
                    "target": Decimal("1125000"),
                    "unit": "USD",
                    "cadence": "quarterly",
                },
            ]
        },
    )
    responsibilities = standard_content(
        title=title,
        marketing_team=MARKETING_TEAM,
        sales_team=SALES_TEAM,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
    )["responsibilities"]
    responsibilities[0]["commitment"] = "Deliver at least 143 MQLs a month, 40% from webinars."
    responsibilities[3]["commitment"] = (
        "First response within 2 business hours; at least 6 attempts in 10 days."
    )
    agreement_section_update(
        agreement=agreement,
        actor=world.users["sally"],
        section="responsibilities",
        base_revision=agreement.revision,
        fields={},
        rows={"responsibilities": responsibilities},
    )
    world.created.append(f"agreement {title}")


def _signers_ready(world: DemoWorld) -> bool:
    """Signing re-checks passwords: a demo signer whose password was changed can't sign."""
    ready = all(world.users[name].check_password(DEMO_PASSWORD) for name in ("victor", "vera"))
    if not ready:
        world.created.append(
            "skipped the signed demo agreements: victor or vera has another password"
        )
    return ready


def _sign_both(world: DemoWorld, agreement: Agreement) -> Agreement:
    """Submit and sign for both teams, as the two leads would on the site."""
    from agreements.exchange import agreement_digest
    from agreements.selectors import agreement_load_sections

    agreement = agreement_submit(agreement=agreement, actor=world.users["maria"])
    for username, team in (("victor", MARKETING_TEAM), ("vera", SALES_TEAM)):
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
    return Agreement.objects.get(pk=agreement.pk)


def _demo_actuals(world: DemoWorld, agreement: Agreement, first_month: dt.date) -> None:
    """A year of monthly figures near the plan, marketing a little short in the summer."""
    rng = random.Random(2026)
    for index, month in enumerate(months_from(first_month, 12)):
        dip = Decimal("0.82") if 6 <= index <= 8 else Decimal("1.04")
        leads = int(Decimal(1160) * dip) + rng.randint(-60, 60)
        mqls = int(leads * Decimal("0.2")) + rng.randint(-10, 10)
        sqls = int(mqls * Decimal("0.41")) + rng.randint(-5, 5)
        customers = max(1, int(sqls * Decimal("0.25")) + rng.randint(-2, 2))
        monthly_actual_save(
            agreement=agreement,
            actor=world.users["mike"],
            month=month,
            leads=leads,
            mqls=mqls,
            sqls=sqls,
            customers=customers,
            revenue=Decimal(customers * rng.randint(9000, 11500)),
        )
        values: dict[str, Decimal | None] = {}
        for kpi in Kpi.objects.filter(agreement=agreement):
            if kpi.cadence != "monthly":
                continue
            drift = Decimal(rng.randint(85, 112)) / Decimal(100)
            values[kpi.name] = (kpi.target * drift).quantize(Decimal("0.01"))
        if values:
            kpi_actuals_save(
                agreement=agreement, actor=world.users["steve"], day=month, values=values
            )


def _demo_leads_csv(agreement: Agreement, now: dt.datetime, count: int = 3000) -> str:
    """CRM-style MQL hand-offs over the last year; some first responses run late."""
    rng = random.Random(7)
    lead_types = [level.lead_type for level in agreement.service_levels.all()]
    codes = [reason.code for reason in agreement.rejection_reasons.all()]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["lead_id", "lead_type", "mql_at", "first_touch_at", "attempts", "outcome"])
    start = now - dt.timedelta(days=360)
    for number in range(1, count + 1):
        mql_at = start + dt.timedelta(minutes=rng.randint(0, 360 * 24 * 60 - 1))
        roll = rng.random()
        if mql_at > now - dt.timedelta(hours=30) and roll < 0.6:
            touch, attempts, outcome = "", 0, ""
        else:
            # Most within an hour or two; a tail of slow follow-ups breaches.
            delay = dt.timedelta(minutes=int(rng.expovariate(1 / 150)))
            if roll < 0.08:
                delay += dt.timedelta(days=rng.randint(1, 4))
            touch = (mql_at + delay).isoformat()
            attempts = rng.randint(1, 8)
            outcome_roll = rng.random()
            if outcome_roll < 0.55:
                outcome = "accepted"
            elif outcome_roll < 0.97:
                outcome = rng.choice(codes)
            elif outcome_roll < 0.99:
                outcome = "no-reason-given"
            else:
                outcome = ""
        writer.writerow(
            [
                f"CRM-{number:06d}",
                rng.choice(lead_types),
                mql_at.isoformat(),
                touch,
                attempts,
                outcome,
            ]
        )
    return buffer.getvalue()


def demo_2026_pipeline(world: DemoWorld) -> None:
    """A signed SLA amended once: version 1 superseded, version 2 in force, with actuals."""
    title = "2026 pipeline SLA"
    if _existing(world, title) or not _signers_ready(world):
        return
    first = agreement_create(
        actor=world.users["maria"],
        title=title,
        marketing_team=world.teams[MARKETING_TEAM],
        sales_team=world.teams[SALES_TEAM],
        start_date=dt.date(2025, 12, 1),
        end_date=dt.date(2026, 12, 31),
        from_template=True,
    )
    annual_funnel = {
        "currency": "USD",
        "revenue_goal": Decimal("6000000.00"),
        "marketing_share_pct": Decimal("50.00"),
        "average_deal_size": Decimal("10000.00"),
        "lead_to_mql_pct": Decimal("20.00"),
        "mql_to_sql_pct": Decimal("40.00"),
        "sql_to_won_pct": Decimal("25.00"),
        "months": 13,
    }
    first = agreement_section_update(
        agreement=first,
        actor=world.users["maria"],
        section="funnel",
        base_revision=first.revision,
        fields=annual_funnel,
    )
    first = _sign_both(world, first)
    # In the autumn review sales asked for a higher goal: version 2.
    second = agreement_amend(agreement=first, actor=world.users["sally"])
    second = agreement_section_update(
        agreement=second,
        actor=world.users["sally"],
        section="funnel",
        base_revision=second.revision,
        fields={
            **annual_funnel,
            "revenue_goal": Decimal("6500000.00"),
        },
    )
    second = _sign_both(world, second)
    _demo_actuals(world, second, dt.date(2025, 12, 1))
    leads_import(
        agreement=second,
        actor=world.users["steve"],
        file=io.StringIO(_demo_leads_csv(second, timezone.now())),
    )
    world.created.append(f"agreement {title} (v1 superseded, v2 signed, actuals and leads)")


def demo_q4_in_review(world: DemoWorld) -> None:
    """The Q4 demand-gen SLA sent for sign-off; marketing has signed, sales has not yet."""
    agreement = Agreement.objects.filter(
        title="Q4 2026 demand-gen SLA", status=Agreement.Status.DRAFT
    ).first()
    if agreement is None or agreement.events.filter(kind="submitted").exists():
        return
    if not _signers_ready(world):
        return
    from agreements.exchange import agreement_digest
    from agreements.selectors import agreement_load_sections

    agreement = agreement_submit(agreement=agreement, actor=world.users["maria"])
    signature_record(
        agreement=agreement,
        actor=world.users["victor"],
        team=world.teams[MARKETING_TEAM],
        typed_name=world.users["victor"].get_full_name(),
        password=DEMO_PASSWORD,
        seen_digest=agreement_digest(agreement_load_sections(agreement.pk)),
        user_agent="slaportal seed_demo",
    )
    world.created.append("Q4 2026 demand-gen SLA submitted; marketing signed")


DEMO_AGREEMENTS: tuple[Callable[[DemoWorld], None], ...] = (
    demo_fy2027_h1,
    demo_q4_2026_demand_gen,
    demo_q4_in_review,
    demo_2026_pipeline,
)


def demo_logins() -> list[tuple[str, str, str]]:
    return [(person.username, DEMO_PASSWORD, person.role) for person in DEMO_PEOPLE]


def demo_seed() -> DemoResult:
    """Create whatever of the demo data is missing; return what was made and the logins."""
    world = DemoWorld()
    with transaction.atomic():
        _teams(world)
        _people(world)
        for build in DEMO_AGREEMENTS:
            build(world)
    return DemoResult(created=world.created, logins=demo_logins())
