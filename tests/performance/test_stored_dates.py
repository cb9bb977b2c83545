"""One agreement's stored figures never take down another's pages or alerts.

The report: a KPI value saved for 9999-12-31 (and a month 9999-12) made the agreement's
dashboard and actuals.csv answer 500, the portfolio 500 for every user, and check_sla stop
for every agreement (year 10000 is out of range). Rows like that, stored by an older version,
are now skipped by every read, and check_sla checks each agreement on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Deadline, Kpi
from agreements.periods import month_start
from performance.models import Alert, KpiActual, MonthlyActual
from performance.services import alerts
from performance.services.alerts import alerts_check
from tests.factories import AgreementFactory
from tests.performance.helpers import lead, sign


def in_force(title: str, *, actor: Any, marketing_team: Any, sales_team: Any) -> Agreement:
    """A signed standard agreement whose period runs around today, without deadlines.

    Its KPIs are entered by hand: these tests store KPI values.
    """
    today = timezone.localdate()
    draft = AgreementFactory.create(
        owner=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=month_start(today) - dt.timedelta(days=59),
        end_date=today + dt.timedelta(days=120),
    )
    Kpi.objects.filter(agreement=draft).update(measure=Kpi.Measure.MANUAL)
    agreement = sign(draft)
    Deadline.objects.filter(agreement=agreement).delete()
    return agreement


@pytest.fixture
def poisoned(marketing_team: Any, sales_team: Any, marketing_member: Any) -> Agreement:
    """An agreement with a KPI value for 9999-12-31 and a month 9999-12, written to the table."""
    agreement = in_force(
        "Poisoned SLA", actor=marketing_member, marketing_team=marketing_team, sales_team=sales_team
    )
    KpiActual.objects.create(
        series_id=agreement.series_id,
        kpi_name="MQLs delivered",
        period_start=dt.date(9999, 12, 31),
        value=Decimal("5"),
    )
    MonthlyActual.objects.create(
        series_id=agreement.series_id, month=dt.date(9999, 12, 1), leads=1, revenue=Decimal("1")
    )
    return agreement


@pytest.fixture
def other(marketing_team: Any, sales_team: Any, marketing_member: Any) -> Agreement:
    """Another agreement in force, with one lead past its hand-off limit."""
    agreement = in_force(
        "Healthy SLA", actor=marketing_member, marketing_team=marketing_team, sales_team=sales_team
    )
    now = timezone.now()
    lead(
        agreement,
        "B-1",
        mql_at=now - dt.timedelta(hours=3),
        due_at=now - dt.timedelta(hours=2),
    )
    return agreement


def test_far_future_figures_leave_every_page_up(
    client: Client, poisoned: Agreement, other: Agreement, marketing_member: Any, staff_user: Any
) -> None:
    """The agreement's dashboard, actuals.csv and overview, and the portfolio, answer 200."""
    client.force_login(marketing_member)
    dashboard = client.get(reverse("performance:dashboard", args=[poisoned.pk]))
    assert dashboard.status_code == 200
    export = client.get(reverse("performance:actuals_csv", args=[poisoned.pk]))
    assert export.status_code == 200
    assert "9999" not in export.getvalue().decode()
    overview = client.get(reverse("performance:actuals", args=[poisoned.pk]))
    assert overview.status_code == 200
    assert "9999-12" in overview.content.decode()
    for user in (marketing_member, staff_user):
        client.force_login(user)
        portfolio = client.get(reverse("performance:portfolio"))
        assert portfolio.status_code == 200
        body = portfolio.content.decode()
        assert f'data-agreement="{poisoned.pk}"' in body
        assert f'data-agreement="{other.pk}"' in body


def test_check_sla_alerts_the_other_agreement_and_exits_1(
    poisoned: Agreement,
    other: Agreement,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The other agreement's breach is alerted; the skipped figures are logged and exit 1."""
    with (
        caplog.at_level(logging.ERROR, logger="performance.alerts"),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CommandError) as failure,
    ):
        call_command("check_sla")
    assert failure.value.returncode == 1
    assert str(failure.value) == (
        f"The check failed for 1 of 2 agreements ({poisoned.pk}); the log says why."
    )
    assert Alert.objects.filter(series_id=other.series_id, kind=Alert.Kind.LEAD_BREACH).exists()
    logged = caplog.text
    assert f"Agreement {poisoned.pk} has figures dated outside the years 1900 to 2100" in logged
    assert "month 9999-12, KPI “MQLs delivered” 9999-12-31" in logged


def test_check_sla_goes_on_after_an_agreement_whose_check_fails(
    poisoned: Agreement,
    other: Agreement,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A check that raises is rolled back and logged with the agreement's id; the rest go on."""
    MonthlyActual.objects.filter(series_id=poisoned.series_id).delete()
    KpiActual.objects.filter(series_id=poisoned.series_id).delete()
    now = timezone.now()
    lead(poisoned, "A-1", mql_at=now - dt.timedelta(hours=3), due_at=now - dt.timedelta(hours=2))
    real = alerts.deadline_alerts

    def failing(agreements: dict[int, Agreement], now: dt.datetime) -> list[Alert]:
        if poisoned.series_id in agreements:
            raise ValueError("year 10000 is out of range")
        return real(agreements, now)

    monkeypatch.setattr(alerts, "deadline_alerts", failing)
    with caplog.at_level(logging.ERROR, logger="performance.alerts"):
        summary = _run(django_capture_on_commit_callbacks)
    assert summary.failed_checks == [poisoned.pk]
    assert f"The SLA check of agreement {poisoned.pk} failed" in caplog.text
    assert list(Alert.objects.values_list("series_id", flat=True)) == [other.series_id]
    assert summary.created == {Alert.Kind.LEAD_BREACH: 1}
    assert summary.digests == 1


def test_alerts_skip_far_future_kpi_values_and_judge_the_rest(
    poisoned: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """The KPI's last value within the calendar is still judged; the far one is left out."""
    KpiActual.objects.create(
        series_id=poisoned.series_id,
        kpi_name="MQLs delivered",
        period_start=month_start(timezone.localdate()) - dt.timedelta(days=59),
        value=Decimal("1"),
    )
    summary = _run(django_capture_on_commit_callbacks)
    assert summary.failed_checks == [poisoned.pk]
    assert Alert.objects.filter(
        series_id=poisoned.series_id, kind=Alert.Kind.KPI_MISSED, details__kpi="MQLs delivered"
    ).exists()


def _run(capture: Any) -> alerts.AlertSummary:
    with capture(execute=True):
        return alerts_check()
