"""Lead import page: upload, column mapping kept in the database, addresses behind a proxy."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent
from agreements.services.agreements import agreement_copy
from performance.models import LeadColumnMapping, LeadRecord, PendingUpload
from performance.services.pending_uploads import ERROR_UPLOAD_EXPIRED, ERROR_UPLOAD_GONE
from tests.performance.helpers import sign
from tests.performance.test_views_actuals import ACTUALS_HEADER, LEADS_HEADER, upload, url


@pytest.fixture(autouse=True)
def manual_kpis(agreement: Any) -> None:
    """A test types KPI values: the template's KPIs are entered by hand here."""
    from agreements.models import Kpi

    Kpi.objects.filter(agreement=agreement).update(measure=Kpi.Measure.MANUAL)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


SAMPLE_LEADS = (
    f"{LEADS_HEADER}\n"
    "L1,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,2,accepted\n"
    "L2,Contact us,2026-01-06T10:00:00,2026-01-06T15:00:00,1,not-a-code\n"
)


def test_lead_upload_with_default_columns_imports_at_once(member_client, signed):
    """A file with the default columns is imported and the counts are shown."""
    response = member_client.post(url("leads_import", signed), {"file": upload(SAMPLE_LEADS)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported 2 leads (2 new, 0 updated)." in body
    assert '<dd class="col-sm-8" id="result-met">1</dd>' in body
    assert '<dd class="col-sm-8" id="result-breached">1</dd>' in body
    assert '<dd class="col-sm-8" id="result-invalid-rejections">1</dd>' in body
    assert LeadRecord.objects.count() == 2


def test_lead_upload_errors_are_listed_by_line(member_client, signed):
    """Errors are shown with their line and column, and nothing is imported."""
    text = f"{LEADS_HEADER}\nL1,Webinar,2026-01-06T10:00:00,,0,\nL2,Demo request,soon,,0,\n"
    response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    body = response.content.decode()
    assert "The file has 2 problems; nothing was imported." in body
    assert "<td>2</td><td><code>lead_type</code></td>" in body
    assert "<td>3</td><td><code>mql_at</code></td>" in body
    assert not LeadRecord.objects.exists()


def test_lead_upload_with_other_columns_asks_for_a_mapping(member_client, signed):
    """Unknown column names lead to a mapping form; the mapping imports and is remembered."""
    text = (
        "Lead ID,Kind,MQL date,Touched,Tries,Outcome\n"
        "C1,Demo request,2026-01-06T10:00:00,2026-01-06T10:20:00,1,accepted\n"
    )
    response = member_client.post(url("leads_import", signed), {"file": upload(text, "crm.csv")})
    form = response.context["mapping_form"]
    assert form is not None
    assert not LeadRecord.objects.exists()
    # Same-named columns are suggested (case aside); the rest are chosen by the user.
    assert form.fields["outcome"].initial == "Outcome"
    assert "crm.csv" in response.content.decode()
    token = form.initial["token"]

    mapped = member_client.post(
        url("leads_import", signed),
        {
            "token": token,
            "lead_id": "Lead ID",
            "lead_type": "Kind",
            "mql_at": "MQL date",
            "first_touch_at": "Touched",
            "attempts": "Tries",
            "outcome": "Outcome",
        },
    )
    assert "Imported 1 lead (1 new, 0 updated)." in mapped.content.decode()
    assert LeadRecord.objects.get().lead_id == "C1"
    assert LeadColumnMapping.objects.get(series=signed.series).mapping["mql_at"] == "MQL date"

    # The next export with the same columns is imported without asking.
    again = member_client.post(
        url("leads_import", signed), {"file": upload(text.replace("C1", "C2"))}
    )
    assert again.context["mapping_form"] is None
    assert "Imported 1 lead (1 new, 0 updated)." in again.content.decode()


def test_mapping_form_refuses_a_column_chosen_twice(member_client, signed):
    """Two fields cannot read the same column."""
    text = "A,B,C\nC1,Demo request,2026-01-06T10:00:00\n"
    response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    token = response.context["mapping_form"].initial["token"]
    mapped = member_client.post(
        url("leads_import", signed),
        {"token": token, "lead_id": "A", "lead_type": "A", "mql_at": "C"},
    )
    assert "is chosen for more than one field" in mapped.content.decode()
    assert not LeadRecord.objects.exists()


def test_unknown_mapping_token_is_refused(member_client, signed):
    """A token that names no kept file leads back to the upload with a message."""
    response = member_client.post(
        url("leads_import", signed),
        {"token": "0" * 32, "lead_id": "A", "lead_type": "B", "mql_at": "C"},
        follow=True,
    )
    assert ERROR_UPLOAD_GONE in response.content.decode()


def test_lead_import_page_query_count(member_client, signed, django_assert_num_queries):
    """The upload page takes a fixed number of queries."""
    with django_assert_num_queries(3):
        response = member_client.get(url("leads_import", signed))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 300])
def test_lead_upload_query_count_is_fixed(member_client, signed, rows, django_assert_num_queries):
    """Uploading 10 or 300 leads takes the same number of queries."""
    lines = [
        f"R{number},Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,accepted"
        for number in range(rows)
    ]
    text = "\n".join([LEADS_HEADER, *lines]) + "\n"
    # Two of them lock and move the head of the series' audit-event chain; two open and close
    # the import batch that makes the import undoable; nine recount the lead tally and lead
    # days (performance.services.lead_tally), and two compact the series' change log there
    # (performance.series_changes).
    with django_assert_num_queries(32):
        response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    assert response.context["result"].imported == rows


def test_large_upload_streams_from_a_temporary_file(member_client, signed, settings):
    """An upload kept on disk rather than in memory imports the same way."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    response = member_client.post(url("leads_import", signed), {"file": upload(SAMPLE_LEADS)})
    assert "Imported 2 leads (2 new, 0 updated)." in response.content.decode()
    text = "Id,Kind,When\nC1,Demo request,2026-01-06T10:00:00\n"
    mapping = member_client.post(url("leads_import", signed), {"file": upload(text)})
    assert mapping.context["mapping_form"] is not None


CRM_EXPORT = "Lead ID,Kind,MQL date\nC1,Demo request,2026-01-06T10:00:00\n"


CRM_MAPPING = {"lead_id": "Lead ID", "lead_type": "Kind", "mql_at": "MQL date"}


def upload_for_mapping(client: Client, agreement: Agreement) -> str:
    """Upload an export whose columns need a mapping; the token of the kept file."""
    response = client.post(url("leads_import", agreement), {"file": upload(CRM_EXPORT, "crm.csv")})
    assert response.context["mapping_form"] is not None
    return response.context["mapping_form"].initial["token"]


def test_mapping_step_needs_neither_local_files_nor_the_session(
    member_client, signed, marketing_member, settings, tmp_path, monkeypatch
):
    """Another server, with no temporary folder and a new session, finishes the mapping step.

    The upload goes through a temporary file that is gone before the second step, and the
    temporary folder itself no longer exists; the session holds nothing of the file.
    """
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    token = upload_for_mapping(member_client, signed)
    assert "MQL date" not in repr(dict(member_client.session.items()))
    assert "crm.csv" not in repr(dict(member_client.session.items()))
    shutil.rmtree(tmp_path / "uploads")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))

    other_server = Client()
    other_server.force_login(marketing_member)
    mapped = other_server.post(url("leads_import", signed), {"token": token, **CRM_MAPPING})
    assert "Imported 1 lead (1 new, 0 updated)." in mapped.content.decode()
    assert LeadRecord.objects.get().lead_id == "C1"


def test_applying_a_mapping_deletes_the_kept_file(member_client, signed):
    """The kept file stays while its mapping fails, and goes once it is imported."""
    token = upload_for_mapping(member_client, signed)
    swapped = {**CRM_MAPPING, "lead_id": "MQL date", "mql_at": "Lead ID"}
    wrong = member_client.post(url("leads_import", signed), {"token": token, **swapped})
    assert "The file has 1 problem; nothing was imported." in wrong.content.decode()
    assert PendingUpload.objects.filter(token=token).exists()
    member_client.post(url("leads_import", signed), {"token": token, **CRM_MAPPING})
    assert LeadRecord.objects.count() == 1
    assert not PendingUpload.objects.exists()


def test_mapping_token_of_another_user_is_refused(member_client, signed, sales_member):
    """A member of the other team cannot map and import a file someone else uploaded."""
    token = upload_for_mapping(member_client, signed)
    other_client = Client()
    other_client.force_login(sales_member)
    response = other_client.post(
        url("leads_import", signed), {"token": token, **CRM_MAPPING}, follow=True
    )
    assert ERROR_UPLOAD_GONE in response.content.decode()
    assert not LeadRecord.objects.exists()
    assert PendingUpload.objects.filter(token=token).exists()


def test_mapping_token_of_another_agreement_is_refused(member_client, signed, marketing_member):
    """A file kept for one agreement cannot be imported into another."""
    other = sign(agreement_copy(source=signed, actor=marketing_member))
    token = upload_for_mapping(member_client, signed)
    response = member_client.post(
        url("leads_import", other), {"token": token, **CRM_MAPPING}, follow=True
    )
    assert ERROR_UPLOAD_GONE in response.content.decode()
    assert not LeadRecord.objects.exists()


def test_expired_mapping_token_is_refused_with_its_reason(member_client, signed):
    """After its hour the kept file is refused, and the page says it expired."""
    token = upload_for_mapping(member_client, signed)
    PendingUpload.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = member_client.post(
        url("leads_import", signed), {"token": token, **CRM_MAPPING}, follow=True
    )
    assert ERROR_UPLOAD_EXPIRED in response.content.decode()
    assert not LeadRecord.objects.exists()


def test_discarding_the_mapping_step_deletes_the_file(member_client, signed):
    """The discard button forgets the kept file and imports nothing."""
    token = upload_for_mapping(member_client, signed)
    response = member_client.post(
        url("leads_import", signed), {"token": token, "discard": "1"}, follow=True
    )
    assert "The file was discarded" in response.content.decode()
    assert not PendingUpload.objects.exists()
    assert not LeadRecord.objects.exists()


def test_events_record_the_address_the_trusted_proxy_saw(
    member_client, signed, marketing_member, settings
):
    """Behind a trusted proxy, figures, KPI values and imports record the client's address."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    member_client.post(
        url("actuals_month", signed),
        {"month": "2026-01", "leads": 1, "mqls": 1, "sqls": 1, "customers": 1, "revenue": "1"},
        **proxied,
    )
    member_client.post(url("kpi_actuals", signed), {"day": "2026-01-14", "kpi_0": "3"}, **proxied)
    text = f"{ACTUALS_HEADER}\n2026-02,500,100,40,10,100000\n"
    preview = member_client.post(url("actuals_import", signed), {"file": upload(text)})
    token = preview.context["confirm_form"].initial["token"]
    member_client.post(url("actuals_import", signed), {"token": token}, **proxied)
    member_client.post(url("leads_import", signed), {"file": upload(SAMPLE_LEADS)}, **proxied)
    token = upload_for_mapping(member_client, signed)
    member_client.post(url("leads_import", signed), {"token": token, **CRM_MAPPING}, **proxied)

    events = AgreementEvent.objects.filter(
        kind__in=[AgreementEvent.Kind.ACTUALS_RECORDED, AgreementEvent.Kind.LEADS_IMPORTED]
    )
    assert [(event.kind, event.details.get("source")) for event in events.order_by("pk")] == [
        ("actuals_recorded", "form"),
        ("actuals_recorded", "form"),
        ("actuals_recorded", "csv"),
        ("leads_imported", None),
        ("leads_imported", None),
    ]
    assert {event.ip_address for event in events} == {"203.0.113.7"}
    assert {event.actor for event in events} == {marketing_member}
