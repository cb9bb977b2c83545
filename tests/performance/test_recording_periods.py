"""Months and KPI periods are recorded only within the series' signed periods.

A member once saved a KPI value for 9999-12-31, which took down the agreement's pages, the
portfolio and every agreement's alerts; entry now refuses any period outside the agreement's.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from agreements.models import Agreement
from agreements.periods import spans_merged, spans_overlap, within_calendar
from performance.models import KpiActual, MonthlyActual
from performance.services.actuals import kpi_actuals_save, monthly_actual_save
from performance.services.actuals_csv import actuals_import
from performance.services.recording import recordable_period
from tests.performance.helpers import amend
from tests.performance.test_views_actuals import ACTUALS_HEADER, sign, upload, url


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """These tests type KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


# The fixture agreement runs from 2026-01-01 to 2026-03-31.
OUTSIDE_JUNE = "2028-06 is outside the agreement's period, January–March 2026."
FIGURES: dict[str, Any] = {
    "leads": 480,
    "mqls": 96,
    "sqls": 41,
    "customers": 9,
    "revenue": Decimal("91000"),
}


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement)


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def month_post(month: str) -> dict[str, str]:
    return {
        "month": month,
        "leads": "1",
        "mqls": "1",
        "sqls": "1",
        "customers": "1",
        "revenue": "1",
    }


def test_month_form_refuses_a_month_outside_the_period(member_client, signed):
    """The month field names the period; nothing is saved."""
    response = member_client.post(url("actuals_month", signed), month_post("2028-06"))
    assert response.status_code == 200
    assert response.context["form"].errors["month"] == [OUTSIDE_JUNE]
    assert OUTSIDE_JUNE.replace("'", "&#x27;") in response.content.decode()
    assert not MonthlyActual.objects.exists()


def test_month_form_takes_the_months_of_the_period(member_client, signed):
    """The first and the last month of the period are saved."""
    for month in ("2026-01", "2026-03"):
        response = member_client.post(url("actuals_month", signed), month_post(month))
        assert response.status_code == 302
    assert MonthlyActual.objects.count() == 2


def test_month_far_in_the_future_is_refused(member_client, signed):
    """9999-12 is not even a month the form accepts, and the service refuses it too."""
    response = member_client.post(url("actuals_month", signed), month_post("9999-12"))
    assert response.context["form"].errors["month"] == ["Enter a month as YYYY-MM."]
    with pytest.raises(ValidationError) as refused:
        monthly_actual_save(agreement=signed, actor=None, month=dt.date(9999, 12, 1), **FIGURES)
    assert refused.value.message_dict["month"] == [
        "9999-12 is outside the agreement's period, January–March 2026."
    ]
    assert not MonthlyActual.objects.exists()


def test_kpi_form_refuses_a_day_outside_the_period(member_client, signed):
    """The KPI form names the day and the period; nothing is saved. The page itself shows."""
    assert member_client.get(url("kpi_actuals", signed) + "?day=9999-12-31").status_code == 200
    response = member_client.post(
        url("kpi_actuals", signed), {"day": "9999-12-31", "kpi_0": "5", "kpi_1": "5"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "9999-12-31 is outside the agreement's period, January–March 2026."
    ]
    assert not KpiActual.objects.exists()


def test_kpi_service_refuses_a_period_outside_the_period(signed):
    """A value for a day after the period is refused; an empty one alone changes nothing."""
    with pytest.raises(ValidationError, match="2026-04-06 is outside the agreement's period"):
        kpi_actuals_save(
            agreement=signed,
            actor=None,
            day=dt.date(2026, 4, 6),
            values={"MQLs delivered": Decimal("5")},
        )
    assert not KpiActual.objects.exists()


def test_kpi_period_touching_the_period_is_taken(signed):
    """A week that starts before the period's first day still holds days of it."""
    Agreement.objects.filter(pk=signed.pk).update(start_date=dt.date(2026, 1, 7))
    signed.refresh_from_db()
    [saved] = kpi_actuals_save(
        agreement=signed,
        actor=None,
        day=dt.date(2026, 1, 7),
        values={"Median first response": Decimal("3")},
    )
    assert saved.period_start == dt.date(2026, 1, 5)


def test_csv_import_refuses_months_outside_the_period(member_client, signed):
    """The preview reports the month's row and column, with the period named."""
    text = f"{ACTUALS_HEADER}\n2026-01,5,1,1,1,1\n2028-06,5,1,1,1,1\n"
    response = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    assert response.context["parsed"].errors == [(3, "month", OUTSIDE_JUNE)]
    assert response.context["confirm_form"] is None
    result = actuals_import(agreement=signed, actor=None, file=text)
    assert result.errors == [(3, "month", OUTSIDE_JUNE)]
    assert not MonthlyActual.objects.exists()


def test_import_actuals_command_refuses_months_outside_the_period(signed, tmp_path):
    """The command prints the month's line and writes nothing."""
    path = tmp_path / "actuals.csv"
    path.write_text(f"{ACTUALS_HEADER}\n2028-06,5,1,1,1,1\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error found"):
        call_command("import_actuals", str(signed.pk), str(path), stderr=err)
    assert f"line 2, column month: {OUTSIDE_JUNE}" in err.getvalue()
    assert not MonthlyActual.objects.exists()


def test_period_is_the_union_of_the_signed_versions(signed):
    """An amendment's months are recordable, from either version; a gap between them is not."""
    amendment = amend(
        signed,
        start=dt.date(2026, 3, 1),
        superseded_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )
    Agreement.objects.filter(pk=amendment.pk).update(
        start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 9, 30)
    )
    period = recordable_period(signed)
    assert period.text == "January–March 2026 and July–September 2026"
    assert period.refusal("2026-05") == (
        "2026-05 is outside the agreement's period, January–March 2026 and July–September 2026."
    )
    monthly_actual_save(agreement=signed, actor=None, month=dt.date(2026, 8, 1), **FIGURES)
    with pytest.raises(ValidationError, match="2026-05 is outside"):
        monthly_actual_save(agreement=amendment, actor=None, month=dt.date(2026, 5, 1), **FIGURES)
    Agreement.objects.filter(pk=amendment.pk).update(start_date=dt.date(2026, 4, 1))
    assert recordable_period(signed).text == "January–September 2026"


def test_spans_merge_when_they_touch_or_overlap():
    """Touching and overlapping spans become one; a gap keeps them apart."""
    day = dt.date
    assert spans_merged(
        [
            (day(2026, 7, 1), day(2026, 9, 30)),
            (day(2026, 1, 1), day(2026, 3, 31)),
            (day(2026, 4, 1), day(2026, 4, 30)),
            (day(2026, 2, 1), day(2026, 2, 28)),
        ]
    ) == [(day(2026, 1, 1), day(2026, 4, 30)), (day(2026, 7, 1), day(2026, 9, 30))]
    spans = [(day(2026, 1, 1), day(2026, 3, 31))]
    assert spans_overlap(spans, day(2025, 12, 29), day(2026, 1, 4))
    assert not spans_overlap(spans, day(2026, 4, 1), day(2026, 4, 30))
    assert within_calendar(day(2100, 12, 31))
    assert not within_calendar(day(9999, 12, 31))
