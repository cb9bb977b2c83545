"""check_sla: one alert per occurrence, digests to the right people, retries after failures."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import Task
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone

from agreements.models import Agreement, Deadline, EmailDelivery
from agreements.tasks import outbox_sweep
from performance.models import Alert, KpiActual, LeadRecord
from performance.services.alerts import alerts_check
from performance.services.alerts.finding import deadline_occurrence, kpi_occurrence
from performance.services.alerts.tasks import alert_digest_send
from performance.services.lead_tally import lead_tally_refresh
from tests.performance.helpers import at, lead, sign


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """These tests type KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


NOW = at(2026, 2, 15, 12)


@pytest.fixture
def team_people(
    marketing_member: Any, marketing_signatory: Any, sales_member: Any, sales_signatory: Any
) -> dict[str, str]:
    return {
        "marketing_member": marketing_member.email,
        "marketing_signatory": marketing_signatory.email,
        "sales_member": sales_member.email,
        "sales_signatory": sales_signatory.email,
    }


@pytest.fixture
def signed(agreement: Agreement, team_people: dict[str, str]) -> Agreement:
    """The Q1 2026 agreement signed, without deadlines (tests add their own)."""
    Deadline.objects.filter(agreement=agreement).delete()
    return sign(agreement)


def run(capture: Any, now: dt.datetime = NOW) -> Any:
    with capture(execute=True):
        return alerts_check(now=now)


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def breached_lead(agreement: Agreement, lead_id: str, *, hour: int = 9) -> LeadRecord:
    return lead(agreement, lead_id, mql_at=at(2026, 2, 10, hour), due_at=at(2026, 2, 10, hour + 1))


def test_a_breach_is_alerted_once(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """Running the check twice records one alert and sends its emails once."""
    breached_lead(signed, "L1")

    first = run(django_capture_on_commit_callbacks)
    sent_first = len(mail.outbox)
    second = run(django_capture_on_commit_callbacks)

    assert first.created == {Alert.Kind.LEAD_BREACH: 1}
    assert second.created_total == 0
    assert sent_first == 3
    assert len(mail.outbox) == sent_first
    alert = Alert.objects.get()
    assert (alert.kind, alert.occurrence, alert.agreement_id) == (
        "lead_breach",
        "lead:L1",
        signed.pk,
    )
    assert alert.emailed_at is not None
    assert alert.resolved_at is None


def test_breach_emails_go_to_sales_members_and_marketing_signatories(
    signed: Agreement, team_people: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    """A hand-off breach is sales's: its members and marketing's signatories hear of it."""
    breached_lead(signed, "L1")

    run(django_capture_on_commit_callbacks)

    assert recipients() == {
        team_people["sales_member"],
        team_people["sales_signatory"],
        team_people["marketing_signatory"],
    }
    message = mail.outbox[0]
    assert "Lead L1 (Demo request) is untouched past its 1-hour limit" in message.body
    assert f"/agreements/{signed.pk}/dashboard/" in message.body
    assert "Q1 pipeline SLA" in message.subject


def test_a_new_breach_later_sends_only_the_new_one(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """The second run's digest lists the new breach and not the one already reported."""
    breached_lead(signed, "L1")
    run(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    breached_lead(signed, "L2", hour=11)

    summary = run(django_capture_on_commit_callbacks)

    assert summary.created == {Alert.Kind.LEAD_BREACH: 1}
    assert len(mail.outbox) == 3
    assert all("L2" in message.body and "L1" not in message.body for message in mail.outbox)


def test_many_breaches_make_one_digest_per_recipient(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """2,100 breaches (over one write batch): one alert row each, one email per recipient."""
    LeadRecord.objects.bulk_create(
        [
            lead(
                signed,
                f"B{index:04d}",
                mql_at=at(2026, 2, 10, 9),
                due_at=at(2026, 2, 10, 10),
                save=False,
            )
            for index in range(2_100)
        ]
    )
    lead_tally_refresh(series_id=signed.series_id)

    run(django_capture_on_commit_callbacks)

    assert Alert.objects.filter(kind=Alert.Kind.LEAD_BREACH).count() == 2_100
    assert len(mail.outbox) == 3
    body = mail.outbox[0].body
    assert "Hand-off breach (2100):" in body
    assert "… and 2050 more." in body


def test_pending_and_met_leads_raise_no_alert(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """Only breaches count: a lead touched in time, or still inside its limit, is fine."""
    lead(
        signed,
        "MET",
        mql_at=at(2026, 2, 10, 9),
        due_at=at(2026, 2, 10, 10),
        first_touch_at=at(2026, 2, 10, 9, 30),
    )
    lead(signed, "WAIT", mql_at=at(2026, 2, 15, 11), due_at=at(2026, 2, 15, 13))  # fmt: skip

    summary = run(django_capture_on_commit_callbacks)

    assert summary.created_total == 0
    assert mail.outbox == []


def test_kpi_at_risk_goes_to_marketing_members_and_sales_signatories(
    signed: Agreement, team_people: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    """MQLs delivered (a marketing KPI) at 10 by mid-February is at risk of missing 100."""
    KpiActual.objects.create(
        series_id=signed.series_id,
        kpi_name="MQLs delivered",
        period_start=dt.date(2026, 2, 1),
        value=Decimal("10"),
    )

    run(django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.KPI_AT_RISK
    assert alert.occurrence == kpi_occurrence("MQLs delivered", dt.date(2026, 2, 1), "at_risk")
    assert alert.occurrence == "kpi:MQLs delivered:2026-02-01:at_risk"
    assert recipients() == {
        team_people["marketing_member"],
        team_people["marketing_signatory"],
        team_people["sales_signatory"],
    }


def test_kpi_missed_is_a_new_occurrence_after_at_risk(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """At risk mid-month, missed once the month ends: two alerts; the first resolves."""
    KpiActual.objects.create(
        series_id=signed.series_id,
        kpi_name="MQLs delivered",
        period_start=dt.date(2026, 2, 1),
        value=Decimal("10"),
    )
    run(django_capture_on_commit_callbacks)

    run(django_capture_on_commit_callbacks, now=at(2026, 3, 2, 12))

    alerts = {alert.kind: alert for alert in Alert.objects.all()}
    assert set(alerts) == {Alert.Kind.KPI_AT_RISK, Alert.Kind.KPI_MISSED}
    assert alerts[Alert.Kind.KPI_AT_RISK].resolved_at is not None
    assert alerts[Alert.Kind.KPI_MISSED].resolved_at is None
    assert alerts[Alert.Kind.KPI_MISSED].occurrence == "kpi:MQLs delivered:2026-02-01:missed"


def test_overdue_shared_deadline_goes_to_both_teams(
    agreement: Agreement, team_people: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    """A shared deadline past due and not done alerts every member of both teams."""
    Deadline.objects.filter(agreement=agreement).delete()
    Deadline.objects.create(
        agreement=agreement, title="First review", due=dt.date(2026, 2, 1), owner="shared"
    )
    Deadline.objects.create(
        agreement=agreement,
        title="Done already",
        due=dt.date(2026, 2, 1),
        owner="shared",
        done=True,
    )
    Deadline.objects.create(
        agreement=agreement, title="Not yet", due=dt.date(2026, 2, 20), owner="shared"
    )
    sign(agreement)

    run(django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert alert.occurrence == deadline_occurrence("First review", dt.date(2026, 2, 1))
    assert alert.occurrence == "deadline:First review:2026-02-01"
    assert recipients() == set(team_people.values())


def test_one_digest_per_recipient_combines_kinds(
    signed: Agreement, team_people: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    """A breach and an at-risk marketing KPI: each person gets one email with what is theirs."""
    breached_lead(signed, "L1")
    KpiActual.objects.create(
        series_id=signed.series_id,
        kpi_name="MQLs delivered",
        period_start=dt.date(2026, 2, 1),
        value=Decimal("10"),
    )

    run(django_capture_on_commit_callbacks)

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 4
    assert "L1" in bodies[team_people["marketing_signatory"]]
    assert "MQLs delivered" in bodies[team_people["marketing_signatory"]]
    assert "L1" not in bodies[team_people["marketing_member"]]
    assert "MQLs delivered" not in bodies[team_people["sales_member"]]


def test_failed_email_is_retried_next_run(
    signed: Agreement, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A digest that fails to send stays in the outbox, is retried once due, and goes out once."""
    breached_lead(signed, "L1")
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=ConnectionRefusedError("SMTP down"),
        ),
        caplog.at_level(logging.WARNING, logger="agreements.outbox"),
    ):
        failed = run(django_capture_on_commit_callbacks)

    assert failed.failed_agreements == [signed.pk]
    warnings = [r for r in caplog.records if r.name == "agreements.outbox"]
    assert len(warnings) == 3
    assert f"agreement {signed.pk}" in warnings[0].getMessage()
    assert warnings[0].exc_info is not None
    # The alert is the outbox's now: the check does not make a second digest of it.
    assert Alert.objects.get().emailed_at is not None
    assert mail.outbox == []
    assert run(django_capture_on_commit_callbacks).digests == 0

    # The next check_sla once the retry is due sends each email once; later ones nothing.
    assert outbox_sweep().retried == 0  # Not due yet: the first retry waits a minute.
    EmailDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox_sweep().retried == 3
    assert outbox_sweep().retried == 0

    assert len(mail.outbox) == 3
    assert set(EmailDelivery.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_a_worker_backend_sends_the_digest_when_it_runs_the_task(
    signed: Agreement, task_queue: DummyBackend, django_capture_on_commit_callbacks: Any
) -> None:
    """The check enqueues one task per agreement with ids; the alerts are sent when it runs."""
    breached_lead(signed, "L1")

    summary = run(django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert (summary.digests_queued, summary.emails_sent, mail.outbox) == (1, 0, [])
    assert alert.emailed_at is not None
    (queued,) = task_queue.results
    assert queued.task.func is alert_digest_send.func
    assert queued.kwargs == {"agreement_id": signed.pk, "alert_ids": [alert.pk]}

    assert queued.task.call(*queued.args, **queued.kwargs) == {"sent": 3, "failed": 0}
    assert len(mail.outbox) == 3
    assert run(django_capture_on_commit_callbacks).digests == 0


def test_a_queue_that_refuses_the_digest_leaves_it_for_the_next_run(
    signed: Agreement,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A digest the task backend cannot take is logged and its alerts stay unsent."""
    breached_lead(signed, "L1")

    def refuse(self: Task, *args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("task queue unreachable")

    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, "performance.alerts"):
        patch.setattr(Task, "enqueue", refuse)
        failed = run(django_capture_on_commit_callbacks)

    assert failed.failed_agreements == [signed.pk]
    assert Alert.objects.get().emailed_at is None
    (error,) = [r for r in caplog.records if r.name == "performance.alerts"]
    assert f"agreement {signed.pk} could not be queued" in error.getMessage()
    run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3


def test_breach_alert_resolves_once_the_lead_is_touched(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """An untouched breach stays open until a re-import shows the first touch."""
    record = breached_lead(signed, "L1")
    run(django_capture_on_commit_callbacks)
    assert Alert.objects.get().resolved_at is None

    LeadRecord.objects.filter(pk=record.pk).update(first_touch_at=at(2026, 2, 12, 9))
    summary = run(django_capture_on_commit_callbacks)

    assert summary.resolved == 1
    assert Alert.objects.get().resolved_at is not None
    assert len(mail.outbox) == 3


def test_agreements_not_in_force_are_not_checked(
    agreement: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """A draft, or a signed agreement outside its period, raises nothing."""
    breached_lead(agreement, "L1")

    draft = run(django_capture_on_commit_callbacks)
    sign(agreement)
    expired = run(django_capture_on_commit_callbacks, now=at(2026, 5, 1))

    assert draft.agreements == expired.agreements == 0
    assert not Alert.objects.exists()


def test_check_sla_command_is_idempotent(
    signed: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """manage.py check_sla --as-of reports what it found; a second run finds nothing new."""
    breached_lead(signed, "L1")
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_sla", "--as-of", "2026-02-15T12:00:00+00:00", stdout=out)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_sla", "--as-of", "2026-02-15T12:00:00", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Checked 1 agreements in force as of 2026-02-15T12:00:00+00:00")
    assert "1 new alerts (lead_breach=1)" in lines[0]
    assert "0 new alerts" in lines[1]
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_check_sla_reports_the_emails_it_sent(signed: Agreement) -> None:
    """Outside a test transaction the command commits, and the digest has gone out by its report."""
    breached_lead(signed, "L1")
    mail.outbox.clear()  # The sign-off emails of the committed signing are not the command's.
    out = StringIO()

    call_command("check_sla", "--as-of", "2026-02-15T12:00:00+00:00", stdout=out)

    assert (
        out.getvalue().rstrip().endswith("1 new alerts (lead_breach=1), 0 resolved, 3 emails sent.")
    )
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_check_sla_reports_digests_left_to_a_worker(
    signed: Agreement, task_queue: DummyBackend
) -> None:
    """With a worker backend the command commits, queues the digest and says so."""
    breached_lead(signed, "L1")
    out = StringIO()

    call_command("check_sla", "--as-of", "2026-02-15T12:00:00+00:00", stdout=out)

    assert out.getvalue().rstrip().endswith("0 emails sent, 1 digests queued.")
    assert len(task_queue.results) == 1


def test_check_sla_rejects_a_bad_timestamp() -> None:
    """--as-of must be ISO 8601."""
    with pytest.raises(CommandError, match="not an ISO 8601 timestamp"):
        call_command("check_sla", "--as-of", "yesterday")
