"""Actuals within the signed period: the error names it, the month field defaults inside it,
and a funnel with a stage above the one before asks for confirmation.

Seen on a January–March 2027 SLA: 2028-06 was saved and charted against version 1's plan, the
month field defaulted to today's month (outside the period), and 300 SQLs against 100 MQLs
passed without a word.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from agreements.models import Agreement, AgreementEvent, Cadence
from performance.models import KpiActual, MonthlyActual
from performance.services.actuals import FunnelNotConfirmed, monthly_actual_save
from performance.services.actuals_csv import actuals_import
from performance.services.recording import RecordablePeriod, span_text
from tests.factories import AgreementFactory
from tests.performance.helpers import at, monthly, sign
from tests.performance.test_views_actuals import ACTUALS_HEADER, upload, url

INVERTED = {
    "month": "2027-02",
    "leads": "500",
    "mqls": "100",
    "sqls": "300",
    "customers": "10",
    "revenue": "120000",
}


@pytest.fixture
def q1_2027(marketing_team, sales_team, marketing_member: User) -> Agreement:
    """January–March 2027, signed on 2026-11-29."""
    draft = AgreementFactory.create(
        owner=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2027, 3, 31),
    )
    return sign(draft, when=at(2026, 11, 29, 9))


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def _at(moment: dt.datetime, patch: pytest.MonkeyPatch) -> None:
    patch.setattr("django.utils.timezone.now", lambda: moment)


def test_the_exact_bug_2028_06_on_a_q1_2027_agreement(member_client, q1_2027) -> None:
    """The month is refused with the period named; nothing is saved."""
    response = member_client.post(url("actuals_month", q1_2027), dict(INVERTED, month="2028-06"))

    assert response.context["form"].errors["month"] == [
        "2028-06 is outside the agreement's period, January–March 2027."
    ]
    assert not MonthlyActual.objects.exists()


def test_month_field_defaults_to_the_latest_month_without_figures(
    member_client, q1_2027, monkeypatch
) -> None:
    """Before the period, its first month; on 10 March 2027 with January and March recorded,
    February, the latest month so far without figures."""
    _at(at(2026, 11, 29, 12), monkeypatch)
    page = member_client.get(url("actuals_month", q1_2027)).content.decode()
    assert 'value="2027-01"' in page

    monthly(q1_2027, dt.date(2027, 1, 1), leads=1, mqls=1, sqls=1, customers=1, revenue="1")
    monthly(q1_2027, dt.date(2027, 3, 1), leads=1, mqls=1, sqls=1, customers=1, revenue="1")
    _at(at(2027, 3, 10, 12), monkeypatch)
    member_client.force_login(q1_2027.owner)  # the session timed out over four months
    page = member_client.get(url("actuals_month", q1_2027)).content.decode()
    assert 'value="2027-02"' in page


def test_month_to_enter_rule() -> None:
    """The latest month so far without figures; else the next one; past the end, the last."""
    day = dt.date
    period = RecordablePeriod([(day(2027, 1, 1), day(2027, 3, 31))])
    jan, feb, mar = day(2027, 1, 1), day(2027, 2, 1), day(2027, 3, 1)
    assert period.month_to_enter(set(), day(2026, 11, 29)) == jan
    assert period.month_to_enter({jan}, day(2027, 2, 10)) == feb
    assert period.month_to_enter({jan, feb}, day(2027, 2, 10)) == mar
    assert period.month_to_enter(set(), day(2027, 6, 1)) == mar
    assert period.month_to_enter({jan, feb, mar}, day(2027, 6, 1)) == mar
    assert period.day_to_enter(day(2026, 11, 29)) == jan
    assert period.day_to_enter(day(2027, 6, 1)) == day(2027, 3, 31)


def test_kpi_form_opens_on_a_day_of_the_period(member_client, q1_2027, monkeypatch) -> None:
    """Signed in November for Q1 2027, the KPI form opens on 1 January 2027, not today."""
    _at(at(2026, 11, 29, 12), monkeypatch)
    response = member_client.get(url("kpi_actuals", q1_2027))
    assert response.context["day"] == dt.date(2027, 1, 1)


def test_spans_across_years_read_as_months() -> None:
    """One month, months of one year, and months across a new year."""
    day = dt.date
    assert span_text(day(2027, 3, 1), day(2027, 3, 31)) == "March 2027"
    assert span_text(day(2027, 1, 1), day(2027, 3, 31)) == "January–March 2027"
    assert span_text(day(2026, 11, 1), day(2027, 2, 28)) == "November 2026–February 2027"


def test_300_sqls_against_100_mqls_asks_for_confirmation(member_client, q1_2027) -> None:
    """The form warns, keeps every value typed, saves nothing; "Save anyway" saves it."""
    response = member_client.post(url("actuals_month", q1_2027), INVERTED)

    assert response.status_code == 200
    assert response.context["form"].funnel_warnings == [
        "300 SQLs against 100 MQLs: more than the stage before."
    ]
    page = response.content.decode()
    assert 'id="save-anyway"' in page
    assert 'value="300"' in page and 'value="120000"' in page
    assert not MonthlyActual.objects.exists()

    response = member_client.post(url("actuals_month", q1_2027), dict(INVERTED, confirm_funnel="1"))

    assert response.status_code == 302
    saved = MonthlyActual.objects.get()
    assert (saved.mqls, saved.sqls) == (100, 300)
    event = AgreementEvent.objects.filter(kind=AgreementEvent.Kind.ACTUALS_RECORDED).last()
    assert event is not None
    assert event.details["confirmed_warnings"] == [
        "300 SQLs against 100 MQLs: more than the stage before."
    ]


def test_every_stage_above_the_one_before_is_named(q1_2027) -> None:
    """Customers above SQLs and MQLs above leads are named too, in funnel order."""
    with pytest.raises(FunnelNotConfirmed) as warned:
        monthly_actual_save(
            agreement=q1_2027,
            actor=None,
            month=dt.date(2027, 1, 1),
            leads=50,
            mqls=100,
            sqls=40,
            customers=41,
            revenue=Decimal("1"),
        )
    assert warned.value.warnings == [
        "100 MQLs against 50 leads: more than the stage before.",
        "41 customers against 40 SQLs: more than the stage before.",
    ]


def test_csv_import_asks_for_confirmation_by_line(member_client, q1_2027, tmp_path) -> None:
    """The preview marks the row and still offers to apply; the command needs --confirm-funnel."""
    text = f"{ACTUALS_HEADER}\n2027-01,500,100,40,10,100000\n2027-02,500,100,300,10,100000\n"
    response = member_client.post(url("actuals_import", q1_2027), {"file": upload(text)})
    assert response.context["parsed"].warnings == [
        (3, "300 SQLs against 100 MQLs: more than the stage before.")
    ]
    assert response.context["confirm_form"] is not None
    assert 'id="import-warnings"' in response.content.decode()

    assert actuals_import(agreement=q1_2027, actor=None, file=text).errors == [
        (
            3,
            "",
            "300 SQLs against 100 MQLs: more than the stage before. "
            "Confirm the funnel to import it as it is.",
        )
    ]
    path = tmp_path / "actuals.csv"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error found"):
        call_command("import_actuals", str(q1_2027.pk), str(path), stderr=err)
    assert "line 3: 300 SQLs against 100 MQLs" in err.getvalue()
    assert "--confirm-funnel" in err.getvalue()
    assert not MonthlyActual.objects.exists()

    out = io.StringIO()
    call_command("import_actuals", str(q1_2027.pk), str(path), "--confirm-funnel", stdout=out)
    assert MonthlyActual.objects.count() == 2


def test_a_month_stored_outside_the_period_is_marked_on_the_actuals_page(
    member_client, q1_2027
) -> None:
    """2028-06, let in by an older version, shows marked instead of breaking the page."""
    monthly(q1_2027, dt.date(2028, 6, 1), leads=1, mqls=1, sqls=1, customers=1, revenue="1")

    response = member_client.get(url("actuals", q1_2027))

    assert response.status_code == 200
    assert response.context["outside"] == {dt.date(2028, 6, 1)}
    assert "outside the period" in response.content.decode()


def test_a_kpi_value_outside_the_period_is_marked_by_its_kpis_cadence() -> None:
    """A quarter starting in January touches a February–April period; its January does not."""
    day = dt.date
    period = RecordablePeriod([(day(2027, 2, 1), day(2027, 4, 30))])

    assert period.covers_kpi_value(day(2027, 1, 1), {Cadence.QUARTERLY})
    assert not period.covers_kpi_value(day(2027, 1, 1), {Cadence.MONTHLY})
    assert period.covers_kpi_value(day(2027, 1, 1), {Cadence.MONTHLY, Cadence.QUARTERLY})
    # Weeks from Monday: 26 April to 2 May touches April; from 3 May, no day of the period.
    assert period.covers_kpi_value(day(2027, 4, 26), {Cadence.WEEKLY})
    assert not period.covers_kpi_value(day(2027, 5, 3), {Cadence.WEEKLY})
    # A name no signed version has: its first day decides.
    assert not period.covers_kpi_value(day(2027, 1, 1), ())
    assert period.covers_kpi_value(day(2027, 2, 1), ())


def test_a_kpi_value_stored_outside_the_period_is_marked_on_the_actuals_page(
    member_client, q1_2027
) -> None:
    """Like a month outside it: shown, marked, and the page still answers."""
    kpi = q1_2027.kpis.filter(cadence=Cadence.MONTHLY).first()
    assert kpi is not None
    inside = KpiActual.objects.create(
        series_id=q1_2027.series_id, kpi_name=kpi.name, period_start=dt.date(2027, 2, 1), value=5
    )
    outside = KpiActual.objects.create(
        series_id=q1_2027.series_id, kpi_name=kpi.name, period_start=dt.date(2028, 6, 1), value=7
    )

    response = member_client.get(url("actuals", q1_2027))

    assert response.status_code == 200
    assert response.context["kpi_outside"] == {outside.pk}
    kpi_table = response.content.decode().split('id="kpi-actuals"')[1]
    rows = kpi_table.split("</tr>")
    marked = [row for row in rows if "outside the period" in row]
    assert len(marked) == 1
    assert "2028" in marked[0]
    assert inside.pk not in response.context["kpi_outside"]
