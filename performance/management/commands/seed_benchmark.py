"""Seed the page benchmark's data set (benchmarks/pages.py) into an empty scratch database.

``--size full``: 100 teams, 2,000 agreements (every section filled from the standard template;
signed, signed with a draft amendment, and drafts), 24 months of actuals per signed series and
200,000 lead records. ``--size tiny``: the same shape with 10 agreements. A few agreements of
each kind are made through the real services (create, submit, both signatures, amend); the
rest are copies of those written in bulk, each with its own series, section rows, signatures
and audit trail, sealed with the signing key like the originals (agreements.integrity), so
every signed version verifies. The command refuses a database that already holds agreements.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from agreements import integrity
from agreements.exchange import agreement_digest
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementSeries,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
    Revision,
    Signature,
)
from agreements.selectors import agreement_load_sections, agreements_load_sections
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from agreements.services.signatures import signature_record
from performance.models import KpiActual, LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from teams.models import Membership, Side, Team

# Titles the benchmark finds its pages by.
TARGET_TITLE = "Benchmark SLA 00000"
PASSWORD = "benchmark-signing-password"
ADMIN_USERNAME = "bench-admin"
MEMBER_USERNAME = "bench-member"
START = dt.date(2024, 12, 1)
END = dt.date(2026, 12, 31)
ACTUAL_MONTHS = 24
LEAD_TYPES = ["Demo request", "Contact us", "Content download", "Event lead"]
OUTCOMES = ["accepted"] * 6 + ["no-budget", "duplicate", "bad-timing"] + [""] * 4
SECTION_MODELS = (
    Kpi,
    Responsibility,
    QualificationRule,
    LeadTypeServiceLevel,
    Holiday,
    RejectionReason,
    Deadline,
)
# Kinds of series, in turn: two signed, one signed with a draft amendment, one draft.
KINDS = ("signed", "signed", "amended", "draft", "signed")
BATCH = 200


@dataclass(frozen=True)
class Size:
    teams: int
    agreements: int
    by_services: int
    leads: int
    target_leads: int
    member_teams: int


SIZES = {
    "full": Size(
        teams=100,
        agreements=2_000,
        by_services=15,
        leads=200_000,
        target_leads=50_000,
        member_teams=4,
    ),
    "tiny": Size(
        teams=4, agreements=10, by_services=10, leads=2_000, target_leads=1_000, member_teams=4
    ),
}


class Command(BaseCommand):
    help = "Seed the page benchmark's data set (tiny: 10 agreements; full: 2,000) into an empty DB."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
        parser.add_argument("--seed", type=int, default=20261129)
        # Overrides of the size's figures, for trying the seeding at other scales.
        parser.add_argument("--agreements", type=int, help="agreements (series) in all")
        parser.add_argument("--by-services", type=int, help="of which made by the services")
        parser.add_argument("--leads", type=int, help="lead records in all")

    def handle(self, *args: Any, **options: Any) -> None:
        if Agreement.objects.exists():
            raise CommandError("The database already holds agreements; seed an empty one.")
        size = SIZES[options["size"]]
        overrides = {
            name: options[name]
            for name in ("agreements", "by_services", "leads")
            if options[name] is not None
        }
        size = dataclasses.replace(size, **overrides)
        if not 1 <= size.by_services <= size.agreements:
            raise CommandError("--by-services must be between 1 and --agreements.")
        size = dataclasses.replace(size, target_leads=min(size.target_leads, size.leads))
        seeder = Seeder(size, random.Random(options["seed"]), self.stdout.write)
        # Signing checks the signer's password: a fast hash keeps 2 x 15 signatures quick,
        # and nobody signs in with these passwords (the benchmark opens sessions itself).
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}},
        ):
            seeder.run()


class Seeder:
    def __init__(self, size: Size, rng: random.Random, write: Any) -> None:
        self.size = size
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
                start_date=START,
                end_date=END,
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

    # Copies written in bulk --------------------------------------------------------------

    def copies(self, templates: Sequence[list[int]], *, first: int, count: int) -> None:
        """``count`` copies of the templates in turn, numbered from ``first``, in one go."""
        with transaction.atomic():
            plans = [
                (first + offset, templates[(first + offset) % len(templates)])
                for offset in range(count)
            ]
            series = AgreementSeries.objects.bulk_create(AgreementSeries() for _ in plans)
            copied: dict[int, dict[int, Agreement]] = {}  # series pk -> template pk -> copy
            sources = {
                agreement.pk: agreement
                for agreement in Agreement.objects.filter(
                    pk__in={pk for _index, versions in plans for pk in versions}
                )
            }
            # Version by version, so an amendment can point at its copied predecessor.
            for position in range(max(len(versions) for _index, versions in plans)):
                rows = []
                for (index, versions), new_series in zip(plans, series, strict=True):
                    if position >= len(versions):
                        continue
                    rows.append(
                        (
                            new_series.pk,
                            versions[position],
                            self.copy_row(
                                sources[versions[position]],
                                index,
                                new_series,
                                copied.get(new_series.pk, {}),
                            ),
                        )
                    )
                created = Agreement.objects.bulk_create([row for _s, _t, row in rows])
                for (series_pk, template_pk, _row), agreement in zip(rows, created, strict=True):
                    copied.setdefault(series_pk, {})[template_pk] = agreement
            self.copy_sections(copied)
            digests = {
                pk: agreement_digest(loaded)
                for pk, loaded in agreements_load_sections(
                    [a.pk for by_template in copied.values() for a in by_template.values()]
                ).items()
            }
            self.copy_trail(series, copied, digests)

    def copy_row(
        self, source: Agreement, index: int, series: AgreementSeries, earlier: dict[int, Agreement]
    ) -> Agreement:
        marketing, sales = self.pair(index)
        values = {
            field.attname: getattr(source, field.attname)
            for field in Agreement._meta.concrete_fields
            if not field.primary_key
        }
        values.update(
            series_id=series.pk,
            title=f"Benchmark SLA {index:05d}",
            marketing_team_id=marketing.pk,
            sales_team_id=sales.pk,
            owner_id=self.owners[marketing.pk].pk,
            amends_id=earlier[source.amends_id].pk if source.amends_id else None,
        )
        return Agreement(**values)

    def copy_sections(self, copied: dict[int, dict[int, Agreement]]) -> None:
        targets: dict[int, list[int]] = {}
        for by_template in copied.values():
            for template_pk, agreement in by_template.items():
                targets.setdefault(template_pk, []).append(agreement.pk)
        for model in SECTION_MODELS:
            fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            rows: list[Any] = []
            for row in model.objects.filter(agreement_id__in=targets).order_by("pk"):
                values = {name: getattr(row, name) for name in fields}
                for pk in targets[row.agreement_id]:
                    rows.append(model(**{**values, "agreement_id": pk}))
            model.objects.bulk_create(rows, batch_size=2_000)
        revisions = []
        for revision in Revision.objects.filter(agreement_id__in=targets).order_by("pk"):
            for pk in targets[revision.agreement_id]:
                revisions.append(
                    Revision(
                        agreement_id=pk,
                        number=revision.number,
                        author_id=None,
                        section=revision.section,
                        digest=revision.digest,
                        snapshot=revision.snapshot,
                    )
                )
        Revision.objects.bulk_create(revisions, batch_size=2_000)

    def copy_trail(
        self,
        series: Sequence[AgreementSeries],
        copied: dict[int, dict[int, Agreement]],
        digests: dict[int, str],
    ) -> None:
        """Signatures over each copy's own content, and its series' chained, MAC'd events."""
        template_pks = {pk for by_template in copied.values() for pk in by_template}
        signatures_by_template: dict[int, list[Signature]] = {}
        for signature in Signature.objects.filter(agreement_id__in=template_pks).order_by("pk"):
            signatures_by_template.setdefault(signature.agreement_id, []).append(signature)
        events_by_template: dict[int, list[AgreementEvent]] = {}
        template_series = set(
            Agreement.objects.filter(pk__in=template_pks).values_list("series_id", flat=True)
        )
        for event in AgreementEvent.objects.filter(
            agreement__series_id__in=template_series
        ).order_by("created_at", "pk"):
            events_by_template.setdefault(event.agreement_id, []).append(event)

        template_marketing = dict(
            Agreement.objects.filter(pk__in=template_pks).values_list("pk", "marketing_team_id")
        )
        new_signatures: list[Signature] = []
        signature_sources: list[tuple[int, int]] = []  # (series pk, template signature pk)
        for series_pk, by_template in copied.items():
            for template_pk, agreement in by_template.items():
                for original in signatures_by_template.get(template_pk, []):
                    team_pk = (
                        agreement.marketing_team_id
                        if original.team_id == template_marketing[template_pk]
                        else agreement.sales_team_id
                    )
                    signer = self.signers[team_pk]
                    signature = Signature(
                        agreement_id=agreement.pk,
                        team_id=team_pk,
                        user_id=signer.pk,
                        typed_name=signer.get_full_name(),
                        signed_at=original.signed_at,
                        ip_address=original.ip_address,
                        user_agent=original.user_agent,
                        version=agreement.version,
                        digest=digests[agreement.pk],
                    )
                    new_signatures.append(signature)
                    signature_sources.append((series_pk, original.pk))
        # The MAC covers the signature's pk-free facts only, so sealing before the insert works.
        for signature in new_signatures:
            integrity.signature_seal(signature)
        created = Signature.objects.bulk_create(new_signatures)
        signature_map = dict(zip(signature_sources, created, strict=True))

        events = []
        for new_series in series:
            by_template = copied[new_series.pk]
            template_events = sorted(
                (event for pk in by_template for event in events_by_template.get(pk, [])),
                key=lambda event: (event.created_at, event.pk),
            )
            for recorded in template_events:
                agreement = by_template[recorded.agreement_id]
                details = dict(recorded.details)
                actor_id = self.owners[agreement.marketing_team_id].pk
                if "signature" in details:
                    signature = signature_map[(new_series.pk, details["signature"])]
                    actor_id = signature.user_id
                    details.update(
                        signature=signature.pk,
                        team=self.team_names[signature.team_id],
                        typed_name=signature.typed_name,
                        digest=signature.digest,
                    )
                event = AgreementEvent(
                    agreement_id=agreement.pk,
                    actor_id=actor_id if recorded.actor_id is not None else None,
                    created_at=recorded.created_at,
                    kind=recorded.kind,
                    details=details,
                    ip_address=recorded.ip_address,
                )
                integrity.event_seal(event, new_series)
                events.append(event)
        AgreementEvent.objects.bulk_create(events, batch_size=2_000)
        AgreementSeries.objects.bulk_update(
            series, ["event_count", "event_head", "event_head_key_id", "event_head_mac"]
        )

    # Actuals and leads -------------------------------------------------------------------

    def signed_series(self) -> list[Agreement]:
        return list(Agreement.objects.filter(status=Agreement.Status.SIGNED).order_by("series_id"))

    def actuals(self) -> None:
        monthly, kpis = [], []
        for agreement in self.signed_series():
            for offset in range(ACTUAL_MONTHS):
                year, month = divmod(START.month - 1 + offset, 12)
                monthly.append(
                    MonthlyActual(
                        series_id=agreement.series_id,
                        month=dt.date(START.year + year, month + 1, 1),
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
                    period_start=dt.date(2026, 10, 1),
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
        start = dt.datetime.combine(START, dt.time(), tzinfo=dt.UTC)
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
