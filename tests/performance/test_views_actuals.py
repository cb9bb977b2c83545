"""Actuals pages: monthly entry, CSV preview and confirm, KPI values, lead import with mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.lifecycle import REFUSALS, Act
from agreements.models import Agreement, AgreementEvent
from agreements.services.agreements import agreement_copy
from performance.models import (
    KpiActual,
    MonthlyActual,
    PendingUpload,
)
from performance.services.pending_uploads import ERROR_UPLOAD_EXPIRED, ERROR_UPLOAD_GONE
from tests.performance.helpers import sign


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """These tests type KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


LEADS_HEADER = "lead_id,lead_type,mql_at,first_touch_at,attempts,outcome"
ACTUALS_HEADER = "month,leads,mqls,sqls,customers,revenue"


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def url(name: str, agreement: Agreement) -> str:
    return reverse(f"performance:{name}", args=[agreement.pk])


def upload(text: str, name: str = "file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def add_months(agreement: Agreement, count: int) -> None:
    MonthlyActual.objects.bulk_create(
        MonthlyActual(
            series_id=agreement.series_id,
            month=dt.date(2020 + index // 12, index % 12 + 1, 1),
            leads=index,
            revenue=Decimal("10.00"),
        )
        for index in range(count)
    )
    KpiActual.objects.bulk_create(
        KpiActual(
            series_id=agreement.series_id,
            kpi_name="MQLs delivered",
            period_start=dt.date(2020 + index // 12, index % 12 + 1, 1),
            value=Decimal(index),
        )
        for index in range(count)
    )


# Overview


@pytest.mark.parametrize("months", [1, 30])
def test_overview_lists_months_in_fixed_queries(
    member_client, signed, months, django_assert_num_queries
):
    """The overview shows every month with an edit link; queries do not grow with months."""
    add_months(signed, months)
    # One lists the recent imports; one reads the signed periods, and one the KPIs' cadences,
    # to mark months and KPI values outside them.
    with django_assert_num_queries(8):
        response = member_client.get(url("actuals", signed))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count(f"{url('actuals_month', signed)}?month=") == months
    assert "Import CSV" in body
    assert reverse("performance:leads_import", args=[signed.pk]) in body


def test_outsider_gets_404_on_every_page(client, outsider, signed):
    """Pages of an agreement outside the user's teams do not exist for them."""
    client.force_login(outsider)
    for name in ("actuals", "actuals_month", "actuals_import", "kpi_actuals", "leads_import"):
        assert client.get(url(name, signed)).status_code == 404
    for name in ("actuals_month", "actuals_import", "kpi_actuals", "leads_import"):
        assert client.post(url(name, signed), {}).status_code == 404


def test_anonymous_is_sent_to_login(client, signed):
    """Pages need a login."""
    response = client.get(url("actuals", signed))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_draft_shows_why_nothing_can_be_entered(member_client, agreement):
    """A draft's pages explain that actuals need a signed agreement, and posts save nothing."""
    response = member_client.get(url("actuals", agreement))
    assert REFUSALS[Act.RECORD].format(status="draft") in response.content.decode()
    assert "Enter a month" not in response.content.decode()
    posted = member_client.post(
        url("actuals_month", agreement),
        {"month": "2026-01", "leads": 1, "mqls": 1, "sqls": 1, "customers": 1, "revenue": "1"},
        follow=True,
    )
    assert "this one is draft" in posted.content.decode()
    assert not MonthlyActual.objects.exists()
    assert client_page_blocked(member_client, url("leads_import", agreement))
    assert client_page_blocked(member_client, url("kpi_actuals", agreement))


def client_page_blocked(client: Client, address: str) -> bool:
    return 'id="actuals-blocked"' in client.get(address).content.decode()


# Monthly entry


def test_month_form_is_prefilled_from_the_recorded_month(
    member_client, signed, django_assert_num_queries
):
    """?month=YYYY-MM opens the month with its figures."""
    MonthlyActual.objects.create(
        series=signed.series, month=dt.date(2026, 2, 1), leads=321, revenue=Decimal("5.00")
    )
    with django_assert_num_queries(4):
        response = member_client.get(url("actuals_month", signed) + "?month=2026-02")
    body = response.content.decode()
    assert 'value="2026-02"' in body
    assert 'value="321"' in body
    assert 'type="month"' in body


def test_month_form_saves_and_records_an_event(member_client, signed, marketing_member):
    """A valid month is saved, with one audit event, and the overview shows it."""
    response = member_client.post(
        url("actuals_month", signed),
        {
            "month": "2026-01",
            "leads": "480",
            "mqls": "96",
            "sqls": "41",
            "customers": "9",
            "revenue": "91000.50",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert response["Location"] == url("actuals", signed)
    actual = MonthlyActual.objects.get()
    assert (actual.month, actual.mqls, actual.revenue) == (
        dt.date(2026, 1, 1),
        96,
        Decimal("91000.50"),
    )
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.ACTUALS_RECORDED)
    assert (event.actor, event.ip_address) == (marketing_member, "10.1.2.3")
    overview = member_client.get(url("actuals", signed)).content.decode()
    assert "91,000.50" in overview
    assert "Saved the figures for 2026-01." in overview


def test_month_form_shows_errors_and_keeps_input(member_client, signed):
    """Negative counts and a bad month are refused field by field; nothing is saved."""
    response = member_client.post(
        url("actuals_month", signed),
        {
            "month": "2026-13",
            "leads": "-1",
            "mqls": "96",
            "sqls": "x",
            "customers": "9",
            "revenue": "10",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["month"] == ["Enter a month as YYYY-MM."]
    assert "leads" in form.errors
    assert "sqls" in form.errors
    assert 'value="96"' in response.content.decode()
    assert not MonthlyActual.objects.exists()
    assert not AgreementEvent.objects.filter(kind="actuals_recorded").exists()


# CSV import of monthly actuals


def test_import_preview_shows_errors_by_line_and_column(
    member_client, signed, django_assert_num_queries
):
    """The preview lists every row with its errors, offers no confirmation and saves nothing."""
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n2026-01,5,-1,4,1,1\n"
    # One of them reads the series' signed periods, which the months must lie in.
    with django_assert_num_queries(5):
        response = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The file has 2 problems" in body
    assert "The month 2026-01 already appears on line 2." in body
    assert "<code>mqls</code>: “-1” is not a whole number, 0 or more." in body
    assert response.context["confirm_form"] is None
    assert not MonthlyActual.objects.exists()


def test_import_preview_reports_missing_headers(member_client, signed):
    """A file without the expected columns is reported on line 1."""
    response = member_client.post(
        url("actuals_import", signed), {"file": upload("month,leads\n2026-01,4\n")}
    )
    body = response.content.decode()
    assert "Line 1, <code>mqls</code>: The file has no column “mqls”." in body


def test_import_preview_then_confirm_applies_the_file(member_client, signed):
    """A clean preview keeps the file under a token; applying it saves every month, once."""
    MonthlyActual.objects.create(series=signed.series, month=dt.date(2026, 1, 1), leads=1)
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n2026-02,510,101,42,11,110000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    body = preview.content.decode()
    assert "updates the month" in body
    assert "new month" in body
    assert not MonthlyActual.objects.filter(month=dt.date(2026, 2, 1)).exists()
    token = preview.context["confirm_form"].initial["token"]
    assert PendingUpload.objects.get(token=token).kind == PendingUpload.Kind.ACTUALS

    confirmed = member_client.post(url("actuals_import", signed), {"token": token})
    assert confirmed.status_code == 302
    assert MonthlyActual.objects.get(month=dt.date(2026, 1, 1)).leads == 500
    assert MonthlyActual.objects.get(month=dt.date(2026, 2, 1)).customers == 11
    assert AgreementEvent.objects.filter(kind="actuals_recorded").count() == 1
    assert not PendingUpload.objects.exists()
    again = member_client.post(url("actuals_import", signed), {"token": token}, follow=True)
    assert ERROR_UPLOAD_GONE in again.content.decode()
    assert AgreementEvent.objects.filter(kind="actuals_recorded").count() == 1


def test_unknown_confirmation_token_is_refused(member_client, signed):
    """A token that names no kept file saves nothing and says to upload again."""
    response = member_client.post(
        url("actuals_import", signed), {"token": "2026-01,1,1,1,1,1"}, follow=True
    )
    assert ERROR_UPLOAD_GONE in response.content.decode()
    assert not MonthlyActual.objects.exists()


def test_confirmation_is_bound_to_its_agreement(member_client, signed, marketing_member):
    """A preview kept for one agreement cannot be applied to another."""
    other = sign(agreement_copy(source=signed, actor=marketing_member))
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    token = preview.context["confirm_form"].initial["token"]
    response = member_client.post(url("actuals_import", other), {"token": token}, follow=True)
    assert ERROR_UPLOAD_GONE in response.content.decode()
    assert not MonthlyActual.objects.exists()
    assert PendingUpload.objects.filter(token=token).exists()


def test_confirmation_is_bound_to_its_uploader(client, member_client, signed, sales_member):
    """Another member of the agreement's teams cannot apply someone else's preview."""
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    token = preview.context["confirm_form"].initial["token"]
    other_client = Client()
    other_client.force_login(sales_member)
    response = other_client.post(url("actuals_import", signed), {"token": token}, follow=True)
    assert ERROR_UPLOAD_GONE in response.content.decode()
    assert not MonthlyActual.objects.exists()


def test_expired_preview_is_refused_with_its_reason(member_client, signed):
    """A preview kept past its hour is not applied, and the page says it expired."""
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    token = preview.context["confirm_form"].initial["token"]
    PendingUpload.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = member_client.post(url("actuals_import", signed), {"token": token}, follow=True)
    assert ERROR_UPLOAD_EXPIRED in response.content.decode()
    assert not MonthlyActual.objects.exists()


def test_discarding_a_preview_deletes_it(member_client, signed):
    """The discard button forgets the kept file and saves nothing."""
    text = f"{ACTUALS_HEADER}\n2026-01,500,100,40,10,100000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    token = preview.context["confirm_form"].initial["token"]
    assert 'name="discard"' in preview.content.decode()
    response = member_client.post(
        url("actuals_import", signed), {"token": token, "discard": "1"}, follow=True
    )
    assert "The file was discarded" in response.content.decode()
    assert not PendingUpload.objects.exists()
    assert not MonthlyActual.objects.exists()


def test_import_page_query_count(member_client, signed, django_assert_num_queries):
    """The upload page takes a fixed number of queries."""
    with django_assert_num_queries(3):
        response = member_client.get(url("actuals_import", signed))
    assert 'enctype="multipart/form-data"' in response.content.decode()


# KPI values


@pytest.mark.parametrize("values", [1, 30])
def test_kpi_page_lists_the_kpis_in_force(member_client, signed, values, django_assert_num_queries):
    """One field per KPI of the version in force, prefilled; queries stay fixed."""
    add_months(signed, values)
    KpiActual.objects.create(
        series=signed.series,
        kpi_name="MQLs delivered",
        period_start=dt.date(2026, 1, 1),
        value=Decimal("77"),
    )
    with django_assert_num_queries(6):
        response = member_client.get(url("kpi_actuals", signed) + "?day=2026-01-14")
    body = response.content.decode()
    assert "MQLs delivered (MQLs)" in body
    assert "Weekly period from 12 Jan 2026" in body
    assert "Monthly period from 1 Jan 2026" in body
    assert 'value="77' in body


def test_kpi_page_saves_values_with_events(member_client, signed):
    """Posted values are stored for the periods of the chosen day, one event each."""
    fields = {kpi.name: f"kpi_{index}" for index, kpi in enumerate(signed.kpis.all())}
    response = member_client.post(
        url("kpi_actuals", signed),
        {
            "day": "2026-01-14",
            fields["MQLs delivered"]: "104",
            fields["Median first response"]: "3.25",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?day=2026-01-14")
    stored = dict(KpiActual.objects.values_list("kpi_name", "period_start"))
    assert stored == {
        "MQLs delivered": dt.date(2026, 1, 1),
        "Median first response": dt.date(2026, 1, 12),
    }
    assert AgreementEvent.objects.filter(kind="actuals_recorded").count() == 2


def test_kpi_page_refuses_bad_values(member_client, signed):
    """A value that is not a number is shown as a field error; nothing is saved."""
    response = member_client.post(
        url("kpi_actuals", signed), {"day": "2026-01-14", "kpi_0": "lots"}
    )
    assert response.status_code == 200
    assert "kpi_0" in response.context["form"].errors
    assert not KpiActual.objects.exists()


# Lead import


# Addresses behind a proxy
