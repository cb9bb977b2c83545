"""Actuals and KPI forms take any input: never a server error, and nothing saved if rejected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.models import Agreement
from agreements.periods import period_start
from agreements.selectors import kpis_in_force
from performance.forms import KpiActualsForm, MonthlyActualForm, PeriodPickForm
from performance.models import KpiActual, MonthlyActual
from tests.properties.checks import (
    Visitor,
    assert_pages_answer,
    assert_unchanged,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
)
from tests.properties.strategies import dates, form_posts, near


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """The KPI form takes only KPIs entered by hand: the template's are made so here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


MONTH_POST = {
    "month": "2026-02",
    "leads": "500",
    "mqls": "100",
    "sqls": "40",
    "customers": "10",
    "revenue": "100000.50",
}
# A day inside the signed fixture agreement's period.
KPI_DAY = dt.date(2026, 2, 16)
# Days up to the last the calendar holds: the KPI form must refuse those outside the period.
KPI_LAST_YEAR = 9999


def url_of(name: str, agreement: Agreement) -> str:
    return reverse(f"performance:{name}", args=[agreement.pk])


def showing_pages(agreement: Agreement) -> list[str]:
    """The pages that show what the actuals and KPI forms save."""
    names = ("dashboard", "actuals", "actuals_csv", "kpi_actuals")
    return [url_of(name, agreement) for name in names]


def test_the_month_baseline_saves(member: Visitor, signed: Agreement) -> None:
    """The post the property changes is valid: sent as it is, the month is saved."""
    response = member.post(url_of("actuals_month", signed), MONTH_POST)
    assert response.status_code == 302
    assert MonthlyActual.objects.get().revenue == Decimal(MONTH_POST["revenue"])


@form_examples
@given(data=st.data())
def test_month_figures_are_saved_only_when_valid(
    data: st.DataObject, member: Visitor, signed: Agreement
) -> None:
    """Any month and figures answer below 500; only a redirect saves, and what it saves is
    a valid row."""
    fields = dict(MonthlyActualForm().fields)
    post = data.draw(near(MONTH_POST, fields, max_changes=4) | form_posts(MonthlyActualForm))
    with example_rolled_back():
        before = db_state()
        response = member.post(url_of("actuals_month", signed), post)
        check_answer(response, before, saved=response.status_code == 302)
        for actual in MonthlyActual.objects.all():
            actual.full_clean()
        if response.status_code == 302:
            assert_pages_answer(member, showing_pages(signed))


@pytest.fixture
def kpi_page(signed: Agreement) -> tuple[dict[str, Any], dict[str, Any]]:
    """The KPI form's valid post for KPI_DAY, and its fields."""
    _version, kpis = kpis_in_force(signed, KPI_DAY)
    assert kpis
    starts = {kpi.name: period_start(kpi.cadence, KPI_DAY) for kpi in kpis}
    form = KpiActualsForm(kpis=kpis, starts=starts, recorded={})
    baseline = {"day": KPI_DAY.isoformat(), **dict.fromkeys(form.kpi_fields, "12.5")}
    return baseline, dict(form.fields)


def test_the_kpi_baseline_saves(
    member: Visitor, signed: Agreement, kpi_page: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """The post the property changes is valid: sent as it is, every KPI's value is saved."""
    baseline, fields = kpi_page
    response = member.post(url_of("kpi_actuals", signed), baseline)
    assert response.status_code == 302
    assert KpiActual.objects.count() == len(fields) - 1


@form_examples
@given(data=st.data())
def test_kpi_values_are_saved_only_when_valid(
    data: st.DataObject,
    member: Visitor,
    signed: Agreement,
    kpi_page: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Any day and values answer below 500; only a redirect saves, and only valid rows."""
    baseline, fields = kpi_page
    post = data.draw(
        near(baseline, fields, extra={"day": dates(last_year=KPI_LAST_YEAR)}, max_changes=4)
    )
    with example_rolled_back():
        before = db_state()
        response = member.post(url_of("kpi_actuals", signed), post)
        check_answer(response, before, saved=response.status_code == 302)
        for actual in KpiActual.objects.all():
            actual.full_clean()
        if response.status_code == 302:
            assert_pages_answer(member, showing_pages(signed))


@form_examples
@given(data=st.data())
def test_picking_any_period_never_fails(
    data: st.DataObject, member: Visitor, signed: Agreement
) -> None:
    """Any day asked for on the KPI page (0001-01-01 and 9999-12-31 too) answers below 500."""
    query = data.draw(form_posts(PeriodPickForm, day=dates()))
    with example_rolled_back():
        before = db_state()
        response = member.get(url_of("kpi_actuals", signed), query)
        assert response.status_code < 500
        assert_unchanged(before, "Showing a period")
