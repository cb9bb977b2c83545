"""Monthly and KPI actuals: CSV parsing by line and column, all-or-nothing import, audit events."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from agreements.lifecycle import REFUSALS, Act
from agreements.models import AgreementEvent
from agreements.periods import period_start
from agreements.permissions import ERROR_NOT_PARTY
from performance.models import KpiActual, MonthlyActual
from performance.services.actuals import kpi_actuals_save, monthly_actual_save
from performance.services.actuals_csv import actuals_csv_parse, actuals_import
from performance.services.csv_files import ERROR_NOT_UTF8


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """These tests type KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


HEADER = "month,leads,mqls,sqls,customers,revenue"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def events(kind: str = AgreementEvent.Kind.ACTUALS_RECORDED) -> list[AgreementEvent]:
    return list(AgreementEvent.objects.filter(kind=kind).order_by("pk"))


def figures(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "month": dt.date(2026, 1, 1),
        "leads": 480,
        "mqls": 96,
        "sqls": 41,
        "customers": 9,
        "revenue": Decimal("91000.00"),
    }
    values.update(overrides)
    return values


def test_parse_reads_valid_rows():
    """Valid rows give months and figures, with no errors."""
    parsed = actuals_csv_parse(csv_text("2026-01,500,100,40,10,100000.00", "2026-02,1,2,3,4,5.5"))
    assert parsed.ok
    assert [row.month for row in parsed.rows] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert parsed.rows[1].figures == {
        "leads": 1,
        "mqls": 2,
        "sqls": 3,
        "customers": 4,
        "revenue": Decimal("5.50"),
    }


def test_parse_reports_errors_by_line_and_column():
    """Bad months, negative or fractional counts, bad amounts and repeated months are named."""
    parsed = actuals_csv_parse(
        csv_text(
            "2026-13,500,100,40,10,100000",
            "2026-01,-5,100,40,10,100000",
            "2026-02,500,1.5,40,10,100000",
            "2026-03,500,100,40,10,12.345",
            "2026-04,500,100,40,10,lots",
            "2026-04,500,100,,10,100",
            "Jan 2026,500,100,40,10,100",
        )
    )
    assert not parsed.ok
    assert [(line, column) for line, column, _message in parsed.errors] == [
        (2, "month"),
        (3, "leads"),
        (4, "mqls"),
        (5, "revenue"),
        (6, "revenue"),
        (7, "month"),
        (7, "sqls"),
        (8, "month"),
    ]
    messages = [message for _line, _column, message in parsed.errors]
    assert messages[0] == "“2026-13” is not a month written as YYYY-MM."
    assert messages[1] == "“-5” is not a whole number, 0 or more."
    assert messages[5] == "The month 2026-04 already appears on line 6."
    assert messages[6] == "A value is required."
    assert parsed.rows[5].errors == [
        ("month", "The month 2026-04 already appears on line 6."),
        ("sqls", "A value is required."),
    ]


def test_parse_reports_missing_columns_on_the_header_line():
    """Missing column headers are reported on line 1, one per column."""
    parsed = actuals_csv_parse(csv_text("2026-01,500,100", header="month,leads,customers"))
    assert parsed.errors == [
        (1, "mqls", "The file has no column “mqls”."),
        (1, "sqls", "The file has no column “sqls”."),
        (1, "revenue", "The file has no column “revenue”."),
    ]


def test_parse_accepts_other_column_order_and_case():
    """Columns are found by name, in any order and case."""
    parsed = actuals_csv_parse("Revenue,Month,Customers,SQLs,MQLs,Leads\n10.00,2026-05,1,2,3,4\n")
    assert parsed.ok
    assert parsed.rows[0].figures["leads"] == 4
    assert parsed.rows[0].month == dt.date(2026, 5, 1)


def test_parse_of_an_empty_file():
    """An empty file and a header without rows are errors."""
    assert actuals_csv_parse("").errors == [(1, "", "The file is empty.")]
    assert actuals_csv_parse(csv_text()).errors == [(2, "", "The file has no rows of figures.")]


def test_parse_stops_at_a_line_that_is_not_utf8():
    """Text that is not UTF-8 past the first lines ends the rows with an error on the line."""
    rows = [f"{2001 + index // 12}-{index % 12 + 1:02d},1,1,1,1,1" for index in range(700)]
    data = csv_text(*rows).encode() + b"2099-01,\xff,1,1,1,1\n"
    parsed = actuals_csv_parse(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    line, column, message = parsed.errors[-1]
    assert (column, message) == ("", ERROR_NOT_UTF8)
    assert 1 < line <= 702
    assert not parsed.ok


def test_import_is_all_or_nothing(signed):
    """One bad row and nothing is written, no event either."""
    result = actuals_import(
        agreement=signed,
        actor=None,
        file=csv_text("2026-01,500,100,40,10,100000", "2026-02,500,100,40,x,100000"),
    )
    assert result.errors == [(3, "customers", "“x” is not a whole number, 0 or more.")]
    assert not MonthlyActual.objects.exists()
    assert events() == []


def test_reimport_updates_a_month(signed, marketing_member):
    """Importing a month again replaces its figures; new months are added."""
    first = actuals_import(
        agreement=signed, actor=marketing_member, file=csv_text("2026-01,500,100,40,10,100000")
    )
    assert (first.created, first.updated) == (1, 0)
    second = actuals_import(
        agreement=signed,
        actor=marketing_member,
        file=io.StringIO(csv_text("2026-01,510,101,41,11,110000.50", "2026-02,1,1,1,1,1")),
    )
    assert (second.created, second.updated) == (1, 1)
    january = MonthlyActual.objects.get(month=dt.date(2026, 1, 1))
    assert (january.leads, january.revenue) == (510, Decimal("110000.50"))
    assert january.updated_by == marketing_member
    assert MonthlyActual.objects.count() == 2
    recorded = events()
    assert len(recorded) == 2
    assert recorded[1].details == {
        "source": "csv",
        "months": ["2026-01", "2026-02"],
        "created": 1,
        "updated": 1,
    }


def test_monthly_actual_save_records_an_event_per_change(signed, sales_member):
    """Saving a month creates it, saving again updates it; each save is one audit event."""
    monthly_actual_save(agreement=signed, actor=sales_member, **figures())
    actual = monthly_actual_save(
        agreement=signed, actor=sales_member, ip_address="10.0.0.5", **figures(mqls=99)
    )
    assert MonthlyActual.objects.get().mqls == 99
    assert actual.series_id == signed.series_id
    recorded = events()
    assert len(recorded) == 2
    assert recorded[0].details["previous"] is None
    assert recorded[1].details["previous"]["mqls"] == "96"
    assert recorded[1].details["figures"]["mqls"] == "99"
    assert recorded[1].details["month"] == "2026-01"
    assert recorded[1].actor == sales_member
    assert recorded[1].ip_address == "10.0.0.5"


def test_monthly_actual_save_normalises_the_month(signed):
    """Any day of the month is stored as its first day."""
    monthly_actual_save(agreement=signed, actor=None, **figures(month=dt.date(2026, 2, 17)))
    assert MonthlyActual.objects.get().month == dt.date(2026, 2, 1)


def test_negative_figures_are_refused(signed):
    """A negative revenue fails validation and writes nothing."""
    with pytest.raises(ValidationError):
        monthly_actual_save(agreement=signed, actor=None, **figures(revenue=Decimal("-1")))
    assert not MonthlyActual.objects.exists()
    assert events() == []


def test_draft_agreement_refuses_actuals(agreement):
    """Actuals need a signed agreement."""
    refused = re.escape(REFUSALS[Act.RECORD].format(status="draft"))
    with pytest.raises(ValidationError, match=refused):
        monthly_actual_save(agreement=agreement, actor=None, **figures())
    with pytest.raises(ValidationError, match=refused):
        actuals_import(agreement=agreement, actor=None, file=csv_text("2026-01,1,1,1,1,1"))


def test_outsiders_may_not_record(signed, outsider):
    """Only party members and staff record actuals."""
    with pytest.raises(PermissionDenied, match=ERROR_NOT_PARTY):
        monthly_actual_save(agreement=signed, actor=outsider, **figures())
    with pytest.raises(PermissionDenied, match=ERROR_NOT_PARTY):
        kpi_actuals_save(
            agreement=signed,
            actor=outsider,
            day=dt.date(2026, 1, 1),
            values={"MQLs delivered": Decimal("1")},
        )


def test_staff_may_record(signed, staff_user):
    """Staff record actuals for any agreement."""
    monthly_actual_save(agreement=signed, actor=staff_user, **figures())
    assert MonthlyActual.objects.count() == 1


def test_period_start_per_cadence():
    """Weeks start on Monday, months on the 1st, quarters on 1 January, April, July, October."""
    day = dt.date(2026, 5, 14)  # A Thursday.
    assert period_start("weekly", day) == dt.date(2026, 5, 11)
    assert period_start("monthly", day) == dt.date(2026, 5, 1)
    assert period_start("quarterly", day) == dt.date(2026, 4, 1)
    assert period_start("quarterly", dt.date(2026, 12, 31)) == dt.date(2026, 10, 1)


def test_kpi_actuals_save_uses_the_kpi_cadence(signed, marketing_member):
    """A weekly KPI's value is stored for its Monday, a monthly one for the 1st."""
    weekly, monthly = kpi_actuals_save(
        agreement=signed,
        actor=marketing_member,
        day=dt.date(2026, 1, 15),
        values={"Median first response": Decimal("3.5"), "MQLs delivered": Decimal("104")},
    )
    assert weekly.period_start == dt.date(2026, 1, 12)
    assert monthly.period_start == dt.date(2026, 1, 1)
    recorded = events()
    assert [event.details["kpi"] for event in recorded] == [
        "Median first response",
        "MQLs delivered",
    ]
    assert recorded[0].details["period_start"] == "2026-01-12"


def test_kpi_actuals_save_refuses_an_unknown_kpi(signed):
    """A KPI name the version in force does not define is refused."""
    with pytest.raises(ValidationError, match="no KPI “Happiness”"):
        kpi_actuals_save(
            agreement=signed,
            actor=None,
            day=dt.date(2026, 1, 1),
            values={"Happiness": Decimal("1")},
        )


def test_kpi_actuals_save_writes_only_changes(signed, sales_member):
    """A period's form saves the values given; unchanged and empty values write no event."""
    day = dt.date(2026, 2, 4)
    saved = kpi_actuals_save(
        agreement=signed,
        actor=sales_member,
        day=day,
        values={"MQLs delivered": Decimal("98"), "Median first response": None},
    )
    assert len(saved) == 1
    again = kpi_actuals_save(
        agreement=signed,
        actor=sales_member,
        day=day,
        values={"MQLs delivered": Decimal("98"), "Median first response": Decimal("4.2")},
    )
    assert [actual.kpi_name for actual in again] == ["Median first response"]
    assert KpiActual.objects.count() == 2
    assert len(events()) == 2


def test_import_actuals_command(signed, tmp_path):
    """The command imports a file and reports the months."""
    path = tmp_path / "actuals.csv"
    path.write_text(csv_text("2026-01,500,100,40,10,100000", "2026-02,1,1,1,1,1"))
    out = io.StringIO()
    call_command("import_actuals", str(signed.pk), str(path), stdout=out)
    assert out.getvalue().strip() == "Imported 2 months (2 new, 0 updated)."
    assert MonthlyActual.objects.count() == 2


def test_import_actuals_command_reports_errors(signed, tmp_path):
    """Errors are printed by line and column; nothing is written and the command fails."""
    path = tmp_path / "actuals.csv"
    path.write_text(csv_text("2026-01,500,100,40,10,100000", "2026-1,1,1,1,1,1"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error found"):
        call_command("import_actuals", str(signed.pk), str(path), stderr=err)
    assert "line 3, column month: “2026-1” is not a month written as YYYY-MM." in err.getvalue()
    assert not MonthlyActual.objects.exists()
