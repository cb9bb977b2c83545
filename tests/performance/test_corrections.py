"""Fixing mistakes: delete a month, undo an actuals or a leads import, download the templates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from agreements.models import Agreement, AgreementEvent
from performance.models import ImportBatch, LeadRecord, LeadTally, MonthlyActual
from performance.services.actuals_csv import ACTUALS_COLUMNS, actuals_import
from performance.services.corrections import (
    ERROR_ALREADY_UNDONE,
    ERROR_CHANGED_SINCE,
    import_undo,
)
from performance.services.leads import leads_import
from performance.services.leads.columns import LEAD_FIELDS, lead_mapping_suggested
from tests.performance.helpers import sign
from tests.performance.test_views_actuals import ACTUALS_HEADER, LEADS_HEADER, upload, url


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def month_of(agreement: Agreement, month: dt.date, **figures: object) -> MonthlyActual:
    return MonthlyActual.objects.create(series_id=agreement.series_id, month=month, **figures)


def import_actuals(agreement: Agreement, actor: User, *lines: str, name: str = "a.csv") -> None:
    text = "\n".join([ACTUALS_HEADER, *lines]) + "\n"
    result = actuals_import(agreement=agreement, actor=actor, file=text, file_name=name)
    assert result.ok, result.errors


def import_leads(agreement: Agreement, actor: User, *lines: str) -> None:
    text = "\n".join([LEADS_HEADER, *lines]) + "\n"
    result = leads_import(agreement=agreement, actor=actor, file=io.StringIO(text))
    assert result.ok, result.errors


def figures(agreement: Agreement) -> dict[str, tuple[int, Decimal]]:
    return {
        f"{actual.month:%Y-%m}": (actual.leads, actual.revenue)
        for actual in MonthlyActual.objects.filter(series_id=agreement.series_id)
    }


def events(kind: str) -> list[AgreementEvent]:
    return list(AgreementEvent.objects.filter(kind=kind).order_by("pk"))


# Deleting a month.


def test_delete_month_asks_first_then_deletes_with_an_audit_event(member_client, signed):
    """GET shows the month's figures and changes nothing; POST deletes it and records them."""
    month_of(signed, dt.date(2026, 2, 1), leads=480, revenue=Decimal("1200.50"))
    address = url("actuals_month_delete", signed)

    page = member_client.get(address, {"month": "2026-02"})

    assert page.status_code == 200
    assert "Delete the figures for 2026-02?" in page.content.decode()
    assert "1,200.50 USD" in page.content.decode()
    assert MonthlyActual.objects.count() == 1

    response = member_client.post(address, {"month": "2026-02"})

    assert response.status_code == 302
    assert MonthlyActual.objects.count() == 0
    [event] = events(AgreementEvent.Kind.ACTUALS_DELETED)
    assert event.details == {
        "month": "2026-02",
        "figures": {
            "leads": "480",
            "mqls": "0",
            "sqls": "0",
            "customers": "0",
            "revenue": "1200.50",
        },
    }
    assert "Deleted the figures for 2026-02." in member_client.get(url("actuals", signed)).text


def test_month_outside_the_period_can_be_deleted(member_client, signed):
    """A month an older version stored outside the period (2028-06) is listed and deletable."""
    month_of(signed, dt.date(2028, 6, 1), leads=5)

    overview = member_client.get(url("actuals", signed)).content.decode()
    assert f"{url('actuals_month_delete', signed)}?month=2028-06" in overview

    member_client.post(url("actuals_month_delete", signed), {"month": "2028-06"})

    assert not MonthlyActual.objects.exists()


def test_delete_month_refused_to_outsiders_and_when_recording_is_blocked(
    client, signed, outsider, marketing_member
):
    """Outsiders get 404; once the agreement is cancelled, the month stays."""
    month_of(signed, dt.date(2026, 1, 1), leads=1)
    client.force_login(outsider)
    assert client.post(url("actuals_month_delete", signed), {"month": "2026-01"}).status_code == 404
    Agreement.objects.filter(pk=signed.pk).update(status=Agreement.Status.CANCELLED)
    client.force_login(marketing_member)

    response = client.post(url("actuals_month_delete", signed), {"month": "2026-01"})

    assert response.status_code == 302
    assert MonthlyActual.objects.count() == 1
    assert not events(AgreementEvent.Kind.ACTUALS_DELETED)


def test_delete_month_of_a_month_without_figures_is_404(member_client, signed):
    assert (
        member_client.get(url("actuals_month_delete", signed), {"month": "2026-03"}).status_code
        == 404
    )
    assert (
        member_client.get(url("actuals_month_delete", signed), {"month": "junk"}).status_code == 404
    )


def test_delete_month_page_query_count(member_client, signed, django_assert_num_queries):
    month_of(signed, dt.date(2026, 1, 1), leads=1)
    with django_assert_num_queries(4):
        member_client.get(url("actuals_month_delete", signed), {"month": "2026-01"})


# Undoing an actuals import.


def test_undo_actuals_import_restores_the_months_it_overwrote(
    member_client, signed, marketing_member
):
    """January had 100 leads before the import wrote 200; February was new: undo puts 100 back
    and deletes February."""
    month_of(signed, dt.date(2026, 1, 1), leads=100, revenue=Decimal("10.00"))
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00", "2026-02,50,1,1,1,5.00")
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.updated, batch.file_name) == (1, 1, "a.csv")

    page = member_client.get(url("import_undo", signed), {"batch": batch.pk}).content.decode()
    assert "Restored: 100 leads" in page
    assert "Deleted (the import created it)" in page

    response = member_client.post(url("import_undo", signed), {"batch": batch.pk})

    assert response.status_code == 302
    assert figures(signed) == {"2026-01": (100, Decimal("10.00"))}
    batch.refresh_from_db()
    assert batch.undone_at is not None
    assert batch.undone_by == marketing_member
    [event] = events(AgreementEvent.Kind.IMPORT_UNDONE)
    assert event.details["deleted"] == ["2026-02"]
    assert event.details["restored"] == ["2026-01"]
    assert event.details["file"] == "a.csv"


def test_undo_refused_when_a_month_changed_since(signed, marketing_member):
    """A month edited after the import is not overwritten: nothing is undone."""
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00", "2026-02,50,1,1,1,5.00")
    MonthlyActual.objects.filter(month=dt.date(2026, 2, 1)).update(leads=51)
    batch = ImportBatch.objects.get()

    with pytest.raises(ValidationError) as refused:
        import_undo(agreement=signed, actor=marketing_member, batch_id=batch.pk)

    assert refused.value.messages == [ERROR_CHANGED_SINCE.format(months="2026-02")]
    assert figures(signed) == {
        "2026-01": (200, Decimal("20.00")),
        "2026-02": (51, Decimal("5.00")),
    }
    assert ImportBatch.objects.get().undone_at is None


def test_undo_twice_is_refused_on_the_page(member_client, signed, marketing_member):
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00")
    batch = ImportBatch.objects.get()
    import_undo(agreement=signed, actor=marketing_member, batch_id=batch.pk)

    with pytest.raises(ValidationError) as refused:
        import_undo(agreement=signed, actor=marketing_member, batch_id=batch.pk)
    assert refused.value.messages == [ERROR_ALREADY_UNDONE]
    page = member_client.get(url("import_undo", signed), {"batch": batch.pk}).content.decode()
    assert 'id="already-undone"' in page
    assert "Undo the import" not in page


def test_undo_page_of_another_series_import_is_404(member_client, signed, marketing_member):
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00")
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(series=signed.series.__class__.objects.create())

    assert member_client.get(url("import_undo", signed), {"batch": batch.pk}).status_code == 404
    assert member_client.post(url("import_undo", signed), {"batch": batch.pk}).status_code == 404


# Undoing a leads import.


def test_undo_leads_import_removes_its_new_leads_and_recounts(
    member_client, signed, marketing_member
):
    """Undoing the second file removes L3, which it added; L2, which it updated, stays updated,
    as the confirmation page says; the tally counts L1 and L2 only."""
    import_leads(
        signed,
        marketing_member,
        "L1,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,accepted",
        "L2,Demo request,2026-01-07T10:00:00,,0,",
    )
    import_leads(
        signed,
        marketing_member,
        "L2,Demo request,2026-01-07T10:00:00,2026-01-07T10:20:00,1,accepted",
        "L3,Contact us,2026-01-08T10:00:00,,0,",
    )
    second = ImportBatch.objects.order_by("-pk").first()
    assert second is not None
    assert (second.kind, second.created, second.updated) == (ImportBatch.Kind.LEADS, 1, 1)

    page = member_client.get(url("import_undo", signed), {"batch": second.pk}).content.decode()
    assert "The 1 lead this import added is deleted" in page
    assert "1 lead that was already imported was updated by this file" in page

    member_client.post(url("import_undo", signed), {"batch": second.pk})

    assert sorted(LeadRecord.objects.values_list("lead_id", flat=True)) == ["L1", "L2"]
    assert LeadRecord.objects.get(lead_id="L2").first_touch_at is not None
    tallies = LeadTally.objects.filter(series_id=signed.series_id)
    assert {tally.lead_type for tally in tallies} == {"Demo request"}
    assert (
        sum(tally.touched_met + tally.touched_breached + tally.untouched for tally in tallies) == 2
    )
    [event] = events(AgreementEvent.Kind.IMPORT_UNDONE)
    assert (event.details["removed"], event.details["kept_updated"]) == (1, 1)


# The actuals page lists the imports.


def test_actuals_page_lists_recent_imports_with_undo(member_client, signed, marketing_member):
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00", name="january.csv")

    page = member_client.get(url("actuals", signed)).content.decode()

    batch = ImportBatch.objects.get()
    assert "january.csv" in page
    assert f"{url('import_undo', signed)}?batch={batch.pk}" in page


@pytest.mark.parametrize("imports", [1, 12])
def test_actuals_page_query_count_does_not_grow_with_imports(
    member_client, signed, marketing_member, imports, django_assert_num_queries
):
    for number in range(imports):
        import_actuals(signed, marketing_member, f"2026-01,{number + 1},1,1,1,20.00")
    # The months, the KPI values, the recent imports, the signed periods and the KPIs'
    # cadences (to mark months and values outside them), besides the session, the user and
    # the agreement.
    with django_assert_num_queries(8):
        member_client.get(url("actuals", signed))


def test_undo_page_query_count(member_client, signed, marketing_member, django_assert_num_queries):
    import_actuals(signed, marketing_member, "2026-01,200,1,1,1,20.00")
    batch = ImportBatch.objects.get()
    with django_assert_num_queries(4):
        member_client.get(url("import_undo", signed), {"batch": batch.pk})


# Templates.


def test_actuals_template_is_an_importable_csv_attachment(member_client, signed, marketing_member):
    """The header is exactly the importer's columns; the file imports as it is."""
    response = member_client.get(url("actuals_template_csv", signed))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = response.content.decode()
    header, example = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == ACTUALS_COLUMNS
    assert example[0] == "2026-01"
    assert actuals_import(agreement=signed, actor=marketing_member, file=text).created == 1


def test_leads_template_is_an_importable_csv_attachment(member_client, signed, marketing_member):
    """The header is exactly the lead fields; the example uses the agreement's first lead type."""
    response = member_client.get(url("leads_template_csv", signed))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    header, example = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == LEAD_FIELDS
    assert example[1] == signed.service_levels.first().lead_type
    result = leads_import(agreement=signed, actor=marketing_member, file=io.StringIO(text))
    assert (result.ok, result.imported) == (True, 1)


# The column mapping suggests columns and shows sample values.


def test_mapping_suggests_columns_by_name_and_synonym() -> None:
    """Case, spaces and underscores do not matter; synonyms count; a column is chosen once."""
    header = ["Lead ID", "ID", "Type", "MQL Date", "First Contact", "contact-attempts", "Status"]

    assert lead_mapping_suggested(header, None) == {
        "lead_id": "Lead ID",
        "lead_type": "Type",
        "mql_at": "MQL Date",
        "first_touch_at": "First Contact",
        "attempts": "contact-attempts",
        "outcome": "Status",
    }


def test_mapping_prefers_the_remembered_column() -> None:
    header = ["Lead_Id", "Source", "Type", "mql"]

    suggested = lead_mapping_suggested(header, {"lead_type": "source"})

    assert suggested == {"lead_id": "Lead_Id", "lead_type": "Source", "mql_at": "mql"}


def test_mapping_page_preselects_suggestions_and_shows_sample_values(member_client, signed):
    """An export with its own names is kept for mapping: each field has its column chosen,
    and each file column shows its values from the first rows."""
    text = (
        "Record ID,Lead Source,MQL Timestamp,Notes\n"
        "R1,Demo request,2026-01-06T10:00:00,call back\n"
        "R2,Contact us,2026-01-06T11:00:00,\n"
        "R3,Demo request,2026-01-06T12:00:00,x\n"
        "R4,Hidden,2026-01-06T13:00:00,not shown\n"
    )

    response = member_client.post(url("leads_import", signed), {"file": upload(text)})

    page = response.content.decode()
    assert '<option value="Record ID" selected>' in page
    assert '<option value="Lead Source" selected>' in page
    assert '<option value="MQL Timestamp" selected>' in page
    samples = dict(response.context["samples"])
    assert samples["Record ID"] == ["R1", "R2", "R3"]
    assert samples["Notes"] == ["call back", "x"]
    assert "not shown" not in page
    assert 'id="column-samples"' in page


@pytest.mark.parametrize(
    ("name", "queries"), [("actuals_template_csv", 3), ("leads_template_csv", 4)]
)
def test_template_downloads_take_fixed_queries(
    member_client, signed, name, queries, django_assert_num_queries
):
    """The session, the user and the agreement (and, for leads, its first lead type)."""
    with django_assert_num_queries(queries):
        assert member_client.get(url(name, signed)).status_code == 200
