"""First saves of the same month or KPI period at the same moment: every one answers, none 500s.

Twenty concurrent first saves of one month once gave five IntegrityError pages: each found no
row, each inserted, and the unique constraint refused all but the first.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from agreements.models import Agreement, AgreementEvent
from performance.models import KpiActual, MonthlyActual
from performance.services import actuals
from performance.services.actuals import ERROR_CONFLICT
from tests.performance.test_views_actuals import sign, url


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """These tests type KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


RACERS = 20
MONTH = dt.date(2026, 1, 1)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement)


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def month_post(leads: int) -> dict[str, str]:
    return {
        "month": f"{MONTH:%Y-%m}",
        "leads": str(leads),
        "mqls": "1",
        "sqls": "1",
        "customers": "1",
        "revenue": "1",
    }


def kpi_post(agreement: Agreement, value: str) -> dict[str, str]:
    """The KPI form's fields for the monthly KPI “MQLs delivered” in January 2026."""
    names = [kpi.name for kpi in agreement.kpis.all()]
    return {"day": "2026-01-14", f"kpi_{names.index('MQLs delivered')}": value}


def found_late(real: Any) -> Any:
    """The row lookup as a loser of the race sees it: nothing the first time, then the row."""
    calls = []

    def lookup(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    return lookup


def events() -> list[AgreementEvent]:
    return list(AgreementEvent.objects.filter(kind="actuals_recorded").order_by("pk"))


# The losing path, made to happen on any database


def test_month_save_that_loses_the_race_updates_the_winners_row(member_client, signed, monkeypatch):
    """The loser's insert breaks the constraint; saved again, it updates the month and redirects."""
    MonthlyActual.objects.create(series_id=signed.series_id, month=MONTH, leads=7, mqls=7)
    monkeypatch.setattr(actuals, "month_locked", found_late(actuals.month_locked))
    response = member_client.post(url("actuals_month", signed), month_post(480))
    assert response.status_code == 302
    assert MonthlyActual.objects.get().leads == 480
    [event] = events()
    assert event.details["previous"]["leads"] == "7"


def test_kpi_save_that_loses_the_race_updates_the_winners_row(member_client, signed, monkeypatch):
    """The same for a KPI period: the loser's value is saved over the winner's."""
    KpiActual.objects.create(
        series_id=signed.series_id, kpi_name="MQLs delivered", period_start=MONTH, value=7
    )
    monkeypatch.setattr(actuals, "kpi_value_locked", found_late(actuals.kpi_value_locked))
    response = member_client.post(url("kpi_actuals", signed), kpi_post(signed, "104"))
    assert response.status_code == 302
    assert KpiActual.objects.get().value == Decimal("104")
    assert events()[0].details["previous"] == "7.00"


def test_a_save_that_loses_twice_says_so(member_client, signed, monkeypatch):
    """Should the row stay out of sight, the form says the figures clashed; no server error."""
    MonthlyActual.objects.create(series_id=signed.series_id, month=MONTH, leads=7)
    monkeypatch.setattr(actuals, "month_locked", lambda *args: None)
    response = member_client.post(url("actuals_month", signed), month_post(480))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [ERROR_CONFLICT]
    assert MonthlyActual.objects.get().leads == 7
    assert events() == []


# Real threads on PostgreSQL


def race(clients: list[Client], address: str, posts: list[dict[str, str]]) -> list[int]:
    """Post from every client at once, each in its own thread (and database connection)."""
    statuses: list[int] = []
    start = threading.Barrier(len(clients))

    def save(client: Client, data: dict[str, str]) -> None:
        try:
            start.wait()
            statuses.append(client.post(address, data).status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(client, data))
        for client, data in zip(clients, posts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def racers(marketing_member: User) -> list[Client]:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write at a time, so first saves cannot race there")
    clients = [Client() for _index in range(RACERS)]
    for client in clients:
        client.force_login(marketing_member)
    return clients


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_saves_of_a_month_all_succeed(signed, racers):
    """Twenty first saves of one month: all redirect, one row, one event each."""
    posts = [month_post(index + 1) for index in range(RACERS)]
    statuses = race(racers, url("actuals_month", signed), posts)
    assert statuses == [302] * RACERS
    assert MonthlyActual.objects.count() == 1
    assert len(events()) == RACERS


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_saves_of_a_kpi_period_all_succeed(signed, racers):
    """Twenty first saves of one KPI period: all redirect, one row, one event each."""
    posts = [kpi_post(signed, str(100 + index)) for index in range(RACERS)]
    statuses = race(racers, url("kpi_actuals", signed), posts)
    assert statuses == [302] * RACERS
    assert KpiActual.objects.count() == 1
    assert len(events()) == RACERS
