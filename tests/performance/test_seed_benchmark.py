"""The page benchmark's seeding command (benchmarks/pages.py runs it on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, Kpi, Signature
from agreements.periods import month_start
from agreements.verification import verify_agreement
from performance.benchmark_seed.plan import (
    ACTUAL_MONTHS,
    ADMIN_USERNAME,
    MEMBER_USERNAME,
    TARGET_TITLE,
    Calendar,
)
from performance.dashboard.portfolio import agreements_in_force
from performance.models import KpiActual, LeadRecord, MonthlyActual

pytestmark = pytest.mark.django_db


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_benchmark", stdout=out, **options)
    return out.getvalue()


def test_seeds_copies_that_verify_like_the_originals():
    """5 agreements by the services, 2 copied in bulk: every signed version verifies."""
    seed(size="tiny", agreements=7, by_services=5, leads=300)

    assert Agreement.objects.values("series").distinct().count() == 7
    signed = list(Agreement.objects.filter(status=Agreement.Status.SIGNED).order_by("pk"))
    # Kinds in turn: amended, signed, amended, draft, signed; copies of the first two.
    assert len(signed) == 6
    results = {agreement.title: verify_agreement(agreement) for agreement in signed}
    assert all(result.is_intact for result in results.values()), {
        title: result.failed_checks for title, result in results.items()
    }
    copy = Agreement.objects.get(title="Benchmark SLA 00006")
    original = Agreement.objects.get(title="Benchmark SLA 00001")
    assert Kpi.objects.filter(agreement=copy).count() == (
        Kpi.objects.filter(agreement=original).count()
    )
    assert Kpi.objects.filter(agreement=copy).exists()
    # Its own signatures, by its own teams' signatories, and its own chained events.
    assert set(Signature.objects.filter(agreement=copy).values_list("team", flat=True)) == {
        copy.marketing_team_id,
        copy.sales_team_id,
    }
    assert AgreementEvent.objects.filter(agreement=copy).count() == (
        AgreementEvent.objects.filter(agreement=original).count()
    )
    draft = Agreement.objects.get(title="Benchmark SLA 00005", status=Agreement.Status.DRAFT)
    assert draft.amends is not None
    assert draft.amends.status == Agreement.Status.SIGNED
    assert LeadRecord.objects.count() == 300
    assert MonthlyActual.objects.count() == ACTUAL_MONTHS * len(signed)


def test_the_benchmarked_pages_answer_for_the_seeded_users():
    seed(size="tiny", agreements=5, by_services=5, leads=40)
    target = Agreement.objects.get(title=TARGET_TITLE, status=Agreement.Status.SIGNED)
    users = get_user_model().objects
    member, admin = Client(), Client()
    member.force_login(users.get(username=MEMBER_USERNAME))
    admin.force_login(users.get(username=ADMIN_USERNAME))
    draft = Agreement.objects.get(amends=target)
    for url in (
        "/agreements/",
        f"/agreements/{target.pk}/",
        f"/agreements/{draft.pk}/",
        f"/agreements/{target.pk}/dashboard/",
        "/agreements/portfolio/",
        "/agreements/signed/",
    ):
        assert member.get(url).status_code == 200, url
    assert admin.get(f"/admin/agreements/agreement/{target.pk}/change/").status_code == 200


def test_the_calendar_counts_from_the_day_of_seeding():
    calendar = Calendar.of(dt.date(2027, 3, 15))

    assert calendar.start == dt.date(2025, 4, 1)
    assert calendar.end == dt.date(2028, 3, 31)
    assert len(calendar.actual_months) == ACTUAL_MONTHS
    assert calendar.actual_months[0] == calendar.start
    assert calendar.actual_months[-1] == dt.date(2027, 3, 1)
    assert calendar.kpi_period == dt.date(2027, 3, 1)


def test_the_benchmarked_agreement_is_in_force_with_figures_up_to_the_day_of_seeding():
    """A data set seeded any day measures the same pages: its target lit in the portfolio, with
    this month's actuals, KPI value and leads."""
    seed(size="tiny", agreements=3, by_services=3, leads=200)
    target = Agreement.objects.get(title=TARGET_TITLE, status=Agreement.Status.SIGNED)
    now = timezone.now()
    this_month = month_start(timezone.localdate(now))

    assert target in agreements_in_force(now=now)
    actuals = MonthlyActual.objects.filter(series_id=target.series_id)
    assert max(actuals.values_list("month", flat=True)) == this_month
    assert KpiActual.objects.get(series_id=target.series_id).period_start == this_month
    latest_lead = max(LeadRecord.objects.values_list("mql_at", flat=True))
    assert now - latest_lead < dt.timedelta(days=31)


def test_refuses_a_database_that_holds_agreements():
    seed(size="tiny", agreements=1, by_services=1, leads=0)
    with pytest.raises(CommandError, match="already holds agreements"):
        seed(size="tiny")
