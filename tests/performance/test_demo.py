"""seed_demo: the demo world it makes once and the logins it prints, and the seed's parts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F

from agreements.exchange import agreement_export
from agreements.models import Agreement, AgreementEvent, Revision, Signature
from agreements.selectors import agreement_load_sections
from agreements.verification import verify_agreement
from performance.demo.actuals import LEAD_COLUMNS, demo_leads_csv
from performance.demo.people import DEMO_PASSWORD, DEMO_PEOPLE
from performance.demo.seed import demo_seed
from performance.models import KpiActual, LeadRecord, MonthlyActual
from teams.models import Membership, Team
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.django_db

SKIPPED = "skipped the signed demo agreements: victor or vera has another password"
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DEMO_LOGINS_OUTPUT = """\
Demo data already present; nothing changed.

Demo logins for {site_url}:
  Username  Password        Role
  --------  --------------  ----------------------------------------
  maria     slaportal-demo  Marketing lead (drafts)
  victor    slaportal-demo  VP Marketing, signs for Growth Marketing
  mike      slaportal-demo  Marketing member
  sally     slaportal-demo  Sales lead (drafts)
  vera      slaportal-demo  VP Sales, signs for Mid-Market Sales
  steve     slaportal-demo  Sales member
  admin     slaportal-demo  Staff administrator (Django admin)
"""


def _run(*args: Any) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def _export(agreement: Agreement) -> dict[str, Any]:
    return agreement_export(agreement_load_sections(agreement.pk))


def _demo_counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "teams": Team.objects.count(),
        "memberships": Membership.objects.count(),
        "agreements": Agreement.objects.count(),
        "revisions": Revision.objects.count(),
        "events": AgreementEvent.objects.count(),
        "signatures": Signature.objects.count(),
        "monthly actuals": MonthlyActual.objects.count(),
        "KPI actuals": KpiActual.objects.count(),
        "leads": LeadRecord.objects.count(),
    }


def test_seed_demo_creates_the_demo_world(db):
    """Two teams with a lead, a signatory and a member each, an admin, and the logins printed."""
    stdout, _stderr = _run("seed_demo")

    assert set(Team.objects.values_list("name", "side")) == {
        ("Growth Marketing", "marketing"),
        ("Mid-Market Sales", "sales"),
    }
    assert set(Membership.objects.values_list("user__username", "role")) == {
        ("maria", "member"),
        ("victor", "signatory"),
        ("mike", "member"),
        ("sally", "member"),
        ("vera", "signatory"),
        ("steve", "member"),
    }
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    titles = set(Agreement.objects.values_list("title", flat=True))
    assert titles == {
        "FY2027 H1 marketing–sales SLA",
        "Q4 2026 demand-gen SLA",
        "2026 pipeline SLA",
    }
    assert AgreementEvent.objects.filter(kind="section_edited").exists()
    for person in DEMO_PEOPLE:
        assert person.username in stdout
    assert DEMO_PASSWORD in stdout


def test_seed_demo_agreements_are_realistic(db):
    """The first is the standard template; the Q4 one has its own funnel and KPIs."""
    _run("seed_demo")

    h1 = Agreement.objects.get(title="FY2027 H1 marketing–sales SLA")
    assert (h1.start_date.isoformat(), h1.end_date.isoformat()) == ("2027-01-01", "2027-06-30")
    assert _export(h1)["funnel"]["plan"]["customers"] == 30

    q4 = Agreement.objects.get(title="Q4 2026 demand-gen SLA")
    assert (q4.start_date.isoformat(), q4.end_date.isoformat()) == ("2026-10-01", "2026-12-31")
    assert q4.revenue_goal == Decimal("450000.00")
    assert q4.marketing_share_pct == Decimal("60.00")
    plan = _export(q4)["funnel"]["plan"]
    assert plan["customers"] == 36
    assert plan["per_month"]["mqls"] == 143
    assert q4.kpis.filter(name="MQLs delivered", target=Decimal("143")).exists()
    assert q4.status == Agreement.Status.IN_REVIEW
    assert list(q4.signatures.values_list("team__side", flat=True)) == ["marketing"]
    assert h1.status == Agreement.Status.DRAFT


def test_seed_demo_has_a_superseded_version_and_one_in_force_with_actuals(db):
    """Version 1 of the 2026 SLA is superseded by a signed version 2 in force with its actuals."""
    _run("seed_demo")

    first, second = Agreement.objects.filter(title="2026 pipeline SLA").order_by("version")
    assert first.standing == "superseded"
    assert second.standing == "in_force"
    assert second.signatures.filter(voided_at__isnull=True).count() == 2
    series = second.series
    assert series.monthly_actuals.count() == 12
    # Its KPIs are all computed (the standard template's): nothing is typed in.
    assert not series.kpi_actuals.exists()
    assert all(kpi.is_computed for kpi in second.kpis.all())
    assert series.leads.count() == 3000
    assert series.leads.filter(first_touch_at__gt=F("due_at")).exists()
    assert verify_agreement(first).is_intact
    assert verify_agreement(second).is_intact


def test_seed_demo_twice_changes_nothing(db):
    """A second run creates nothing, fails on nothing and prints the same login table."""
    _run("seed_demo")
    first = _demo_counts()

    stdout, _stderr = _run("seed_demo")

    assert _demo_counts() == first
    assert stdout == DEMO_LOGINS_OUTPUT.format(site_url=settings.SITE_URL)


def test_demo_users_can_sign_in(client, db):
    """Every printed login works with the printed password."""
    _run("seed_demo")
    for person in DEMO_PEOPLE:
        client.post("/accounts/login/", {"username": person.username, "password": DEMO_PASSWORD})
        assert "_auth_user_id" in client.session, person.username
        client.logout()


def test_seed_demo_keeps_existing_users_and_teams(db, marketing_team):
    """A team or user that already exists is reused, not duplicated or changed."""
    UserFactory(username="maria", first_name="Mari")
    _run("seed_demo")

    assert get_user_model().objects.get(username="maria").first_name == "Mari"
    assert Team.objects.filter(name="Growth Marketing").count() == 1
    # The two drafts, and the amended SLA's two versions.
    assert Agreement.objects.filter(marketing_team=marketing_team).count() == 4


def test_a_signer_with_another_password_gets_no_signed_agreements():
    """The drafts are made; the agreements that need vera's signature are skipped, and said so."""
    UserFactory.create(username="vera", first_name="Vera", last_name="Vogel")

    result = demo_seed()

    assert SKIPPED in result.created
    assert set(Agreement.objects.values_list("title", "status")) == {
        ("FY2027 H1 marketing–sales SLA", "draft"),
        ("Q4 2026 demand-gen SLA", "draft"),
    }
    assert not Signature.objects.exists()
    assert ("vera", DEMO_PASSWORD, "VP Sales, signs for Mid-Market Sales") in result.logins


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_lead_export_is_the_same_for_the_same_moment():
    agreement = AgreementFactory.create()

    first = demo_leads_csv(agreement, NOW, count=200)

    assert demo_leads_csv(agreement, NOW, count=200) == first
    assert first.splitlines()[0] == ",".join(LEAD_COLUMNS)
    assert len(_rows(first)) == 200


def test_the_lead_export_uses_the_agreements_lead_types_and_reasons():
    agreement = AgreementFactory.create()
    lead_types = set(agreement.service_levels.values_list("lead_type", flat=True))
    codes = set(agreement.rejection_reasons.values_list("code", flat=True))

    rows = _rows(demo_leads_csv(agreement, NOW, count=500))

    assert {row["lead_type"] for row in rows} == lead_types
    outcomes = {row["outcome"] for row in rows}
    assert {"accepted", "no-reason-given"} <= outcomes
    assert outcomes - {"accepted", "no-reason-given", ""} <= codes


def test_only_recent_leads_are_left_untouched():
    """A lead untouched after 30 hours would be a demo full of breaches; touches follow MQLs."""
    agreement = AgreementFactory.create()

    rows = _rows(demo_leads_csv(agreement, NOW, count=3000))

    untouched = [row for row in rows if not row["first_touch_at"]]
    assert untouched
    for row in untouched:
        assert dt.datetime.fromisoformat(row["mql_at"]) > NOW - dt.timedelta(hours=30)
        assert (row["attempts"], row["outcome"]) == ("0", "")
    for row in rows:
        if row["first_touch_at"]:
            assert row["first_touch_at"] >= row["mql_at"]
            assert 1 <= int(row["attempts"]) <= 8
