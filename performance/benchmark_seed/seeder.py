"""Seeding the page benchmark's data set: sizes, people, agreements by the services,
actuals and leads; the bulk copies come from performance.benchmark_seed.copies."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from agreements.exchange import agreement_digest
from agreements.models import (
    Agreement,
)
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from agreements.services.signatures import signature_record
from performance.benchmark_seed.copies import BulkCopies
from performance.benchmark_seed.plan import (
    ADMIN_USERNAME,
    BATCH,
    KINDS,
    LEAD_TYPES,
    MEMBER_USERNAME,
    OUTCOMES,
    PASSWORD,
    TARGET_TITLE,
    Calendar,
    Size,
)
from performance.models import KpiActual, LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from teams.models import Membership, Side, Team


class Seeder(BulkCopies):
    def __init__(self, size: Size, calendar: Calendar, rng: random.Random, write: Any) -> None:
        self.size = size
        self.calendar = calendar
        self.rng = rng
        self.write = write
        self.started = time.perf_counter()
        self.marketing: list[Team] = []
        self.sales: list[Team] = []
        self.owners: dict[int, Any] = {}
        self.signers: dict[int, Any] = {}
        self.team_names: dict[int, str] = {}

    def log(self, message: str) -> None:
        self.write(f"[{time.perf_counter() - self.started:6.1f} s] {message}")

    def run(self) -> None:
        self.people()
        templates = self.by_services()
        self.log(f"{len(templates)} agreements made through the services")
        copies = self.size.agreements - len(templates)
        for first in range(0, copies, BATCH):
            count = min(BATCH, copies - first)
            self.copies(templates, first=len(templates) + first, count=count)
        self.log(f"{copies} agreements copied in bulk")
        self.actuals()
        self.leads()
        if connection.vendor == "postgresql":
            # VACUUM refuses to run in a transaction (a test's); ANALYZE alone gives the
            # planner its statistics there too.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.log(
            f"done: {Team.objects.count()} teams, "
            f"{Agreement.objects.values('series').distinct().count()} agreements "
            f"({Agreement.objects.count()} versions, "
            f"{Agreement.objects.filter(status=Agreement.Status.SIGNED).count()} signed), "
            f"{MonthlyActual.objects.count()} monthly actuals, "
            f"{LeadRecord.objects.count()} leads"
        )

    # People ------------------------------------------------------------------------------

    def people(self) -> None:
        users = get_user_model()
        admin = users.objects.create_superuser(
            username=ADMIN_USERNAME, email="bench-admin@example.com", password=PASSWORD
        )
        admin.save()
        member = users.objects.create_user(
            username=MEMBER_USERNAME,
            first_name="Bench",
            last_name="Member",
            email="bench-member@example.com",
            password=PASSWORD,
        )
        half = self.size.teams // 2
        for side, teams in ((Side.MARKETING, self.marketing), (Side.SALES, self.sales)):
            for number in range(half):
                teams.append(
                    Team.objects.create(name=f"Bench {side.label} {number:03d}", side=side)
                )
        for team in [*self.marketing, *self.sales]:
            owner = users.objects.create_user(
                username=f"owner-{team.pk}",
                first_name="Owner",
                last_name=f"T{team.pk}",
                password=PASSWORD,
            )
            signer = users.objects.create_user(
                username=f"signer-{team.pk}",
                first_name="Signer",
                last_name=f"T{team.pk}",
                password=PASSWORD,
            )
            Membership.objects.create(user=owner, team=team, role=Membership.Role.MEMBER)
            Membership.objects.create(user=signer, team=team, role=Membership.Role.SIGNATORY)
            self.owners[team.pk] = owner
            self.team_names[team.pk] = team.name
            self.signers[team.pk] = signer
        # The member reads the pages: in 2 marketing and 2 sales teams in either size.
        shown = self.size.member_teams // 2
        for team in [*self.marketing[:shown], *self.sales[:shown]]:
            Membership.objects.create(user=member, team=team, role=Membership.Role.MEMBER)
        self.log(f"{self.size.teams} teams, {len(self.owners) * 2 + 2} users")

    def pair(self, index: int) -> tuple[Team, Team]:
        """Agreement ``index``'s teams: every marketing team works with several sales teams."""
        half = len(self.marketing)
        return self.marketing[index % half], self.sales[(index // half + index) % half]

    # Agreements made through the services -----------------------------------------------

    def sign(self, agreement: Agreement) -> Agreement:
        owner = self.owners[agreement.marketing_team_id]
        agreement = agreement_submit(agreement=agreement, actor=owner)
        for team in (agreement.marketing_team, agreement.sales_team):
            signer = self.signers[team.pk]
            signature_record(
                agreement=agreement,
                actor=signer,
                team=team,
                typed_name=signer.get_full_name(),
                password=PASSWORD,
                seen_digest=agreement_digest(agreement_load_sections(agreement.pk)),
                user_agent="slaportal seed_benchmark",
            )
        return Agreement.objects.get(pk=agreement.pk)

    def by_services(self) -> list[list[int]]:
        """Each template is the list of its series' version pks, oldest first."""
        templates = []
        for index in range(self.size.by_services):
            kind = KINDS[index % len(KINDS)]
            if index == 0:
                kind = "amended"  # the target: a signed version and a draft amendment
            marketing, sales = self.pair(index)
            owner = self.owners[marketing.pk]
            agreement = agreement_create(
                actor=owner,
                title=f"Benchmark SLA {index:05d}",
                marketing_team=marketing,
                sales_team=sales,
                start_date=self.calendar.start,
                end_date=self.calendar.end,
                from_template=True,
            )
            versions = [agreement.pk]
            if kind in ("signed", "amended"):
                agreement = self.sign(agreement)
            if kind == "amended":
                draft = agreement_amend(agreement=agreement, actor=owner)
                goal = (draft.revenue_goal or Decimal("1000000")) + Decimal("250000")
                funnel = {
                    name: getattr(draft, name)
                    for name in (
                        "currency",
                        "marketing_share_pct",
                        "average_deal_size",
                        "lead_to_mql_pct",
                        "mql_to_sql_pct",
                        "sql_to_won_pct",
                        "months",
                    )
                }
                draft = agreement_section_update(
                    agreement=draft,
                    actor=owner,
                    section="funnel",
                    base_revision=draft.revision,
                    fields={**funnel, "revenue_goal": goal},
                )
                versions.append(draft.pk)
            templates.append(versions)
        return templates

    # Actuals and leads -------------------------------------------------------------------

    def signed_series(self) -> list[Agreement]:
        return list(Agreement.objects.filter(status=Agreement.Status.SIGNED).order_by("series_id"))

    def actuals(self) -> None:
        monthly, kpis = [], []
        for agreement in self.signed_series():
            for month in self.calendar.actual_months:
                monthly.append(
                    MonthlyActual(
                        series_id=agreement.series_id,
                        month=month,
                        leads=self.rng.randrange(300, 700),
                        mqls=self.rng.randrange(60, 140),
                        sqls=self.rng.randrange(20, 60),
                        customers=self.rng.randrange(4, 16),
                        revenue=Decimal(self.rng.randrange(40_000, 160_000)),
                    )
                )
            kpis.append(
                KpiActual(
                    series_id=agreement.series_id,
                    kpi_name="Marketing-sourced revenue",
                    period_start=self.calendar.kpi_period,
                    value=Decimal(self.rng.randrange(40_000, 160_000)),
                )
            )
        MonthlyActual.objects.bulk_create(monthly, batch_size=5_000)
        KpiActual.objects.bulk_create(kpis, batch_size=5_000)
        self.log(f"{len(monthly)} monthly actuals")

    def leads(self) -> None:
        """``target_leads`` on the target's series, the rest spread over the other signed ones."""
        signed = self.signed_series()
        target = next(a for a in signed if a.title == TARGET_TITLE)
        others = [a for a in signed if a.pk != target.pk]
        rest = self.size.leads - self.size.target_leads if others else 0
        plan = [(target, self.size.leads - rest)] + [
            (agreement, rest // len(others) + (1 if n < rest % len(others) else 0))
            for n, agreement in enumerate(others)
        ]
        number = 0
        batch: list[LeadRecord] = []
        for agreement, count in plan:
            for record in self.lead_rows(agreement, number, count):
                batch.append(record)
                if len(batch) == 5_000:
                    LeadRecord.objects.bulk_create(batch)
                    batch = []
            number += count
        LeadRecord.objects.bulk_create(batch)
        for agreement, count in plan:
            if count:
                lead_tally_refresh(series_id=agreement.series_id)
        self.log(f"{number} leads over {len(plan)} series")

    def lead_rows(self, agreement: Agreement, first: int, count: int) -> Iterator[LeadRecord]:
        start = dt.datetime.combine(self.calendar.start, dt.time(), tzinfo=dt.UTC)
        span = int((min(timezone.now(), start + dt.timedelta(days=730)) - start).total_seconds())
        for number in range(first, first + count):
            mql_at = start + dt.timedelta(seconds=self.rng.randrange(span))
            limit = (1, 4, 8, 24)[number % 4]
            touched = self.rng.random() < 0.85
            yield LeadRecord(
                series_id=agreement.series_id,
                agreement_id=agreement.pk,
                lead_id=f"L{number:07d}",
                lead_type=LEAD_TYPES[number % 4],
                mql_at=mql_at,
                first_touch_at=(
                    mql_at + dt.timedelta(minutes=self.rng.randrange(5, 3 * 24 * 60))
                    if touched
                    else None
                ),
                attempts=self.rng.randrange(0, 9),
                outcome=self.rng.choice(OUTCOMES) if touched else "",
                limit_hours=Decimal(limit),
                due_at=mql_at + dt.timedelta(hours=limit * 2),
                response_hours=(Decimal(self.rng.randrange(1, 4000)) / 100 if touched else None),
                invalid_rejection=False,
            )
