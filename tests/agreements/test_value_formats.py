"""One format per kind of value: dates, times with their zone, money, percentages, plurals."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from agreements.templatetags.agreement_format import machine_time, money, percent, quantity
from tests.agreements.signoff_pages import url

# A valid HTML date or global date and time: whole seconds, "Z" for UTC.
HTML_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


def render(source: str, **context: Any) -> str:
    return Template("{% load agreement_format %}" + source).render(Context(context))


def test_machine_time_drops_microseconds_and_names_utc() -> None:
    moment = dt.datetime(2026, 11, 29, 12, 25, 3, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))

    assert machine_time(moment) == "2026-11-29T11:25:03Z"
    assert machine_time(dt.date(2027, 1, 1)) == "2027-01-01"
    assert machine_time(None) == ""


def test_dates_and_times_have_one_format_each_and_a_time_names_its_zone() -> None:
    moment = dt.datetime(2026, 11, 29, 12, 25, tzinfo=dt.UTC)

    assert render('{{ day|date:"DATE_FORMAT" }}', day=dt.date(2027, 1, 1)) == "1 Jan 2027"
    assert render("{{ day|date }}", day=dt.date(2027, 1, 1)) == "1 Jan 2027"
    assert render('{{ day|date:"SHORT_DATE_FORMAT" }}', day=dt.date(2027, 1, 1)) == "1 Jan 2027"
    with timezone.override("UTC"):
        assert render('{{ t|date:"DATETIME_FORMAT" }}', t=moment) == "29 Nov 2026, 12:25 UTC"
        assert render('{{ t|date:"SHORT_DATETIME_FORMAT" }}', t=moment) == "29 Nov 2026, 12:25 UTC"


def test_money_and_percent() -> None:
    assert money(Decimal("1200000"), "USD") == "1,200,000.00 USD"
    assert money(Decimal("7500.5"), "EUR") == "7,500.50 EUR"
    assert money(None, "USD") == "—"
    assert percent(Decimal("12.50")) == "12.5%"
    assert percent(Decimal("60.00")) == "60%"


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (Decimal("1"), "business hours", "1 business hour"),
        (Decimal("1.00"), "business hours", "1 business hour"),
        (Decimal("0.25"), "business hours", "0.25 business hours"),
        (Decimal("2"), "business hours", "2 business hours"),
        (Decimal("1"), "days", "1 day"),
        (Decimal("1500"), "MQLs", "1,500 MQLs"),
        (Decimal("15.5"), "%", "15.5%"),
    ],
)
def test_quantities_take_the_unit_in_singular_or_plural(
    value: Decimal, unit: str, shown: str
) -> None:
    assert quantity(value, unit) == shown


@pytest.mark.django_db
def test_one_business_hour_reads_in_the_singular(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A lead type with a 1-hour limit reads "1 business hour", never "1 business hours"."""
    level = agreement.service_levels.first()
    assert level is not None
    level.first_response_hours = Decimal("1")
    level.save()
    client.force_login(marketing_member)

    page = client.get(agreement.get_absolute_url()).content.decode()

    assert "1 business hour<" in page
    assert "1 business hours" not in page


@pytest.mark.django_db
def test_pages_show_dates_in_the_one_format_and_valid_time_values(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """The period reads "1 Jan 2026"; every <time datetime> is a valid HTML value."""
    client.force_login(marketing_member)

    for page_url in (
        signed.get_absolute_url(),
        url("evidence", signed),
        url("revisions", signed),
        reverse("agreements:signed_list"),
    ):
        page = client.get(page_url).content.decode()
        assert "Jan. 1" not in page
        assert "2026-01-01<" not in page
        values = re.findall(r'<time datetime="([^"]*)"', page)
        assert all(HTML_DATETIME.match(value) for value in values), (page_url, values)
    detail = client.get(signed.get_absolute_url()).content.decode()
    assert "1 Jan 2026" in detail
    evidence = client.get(url("evidence", signed)).content.decode()
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC", evidence)
