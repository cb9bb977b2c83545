"""The export.json download, the import page and the export → import → export round trip."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.document_reader import DOCUMENT_MAX_BYTES
from agreements.exchange import agreement_export, content_digest, content_of
from agreements.models import Agreement, AgreementEvent, Holiday, Kpi
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import (
    agreement_create,
    agreement_import,
    agreement_section_update,
)


def _export(agreement: Agreement) -> dict[str, Any]:
    return agreement_export(agreement_load_sections(agreement.pk))


def _upload(content: bytes, name: str = "agreement.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def _fill_every_section(agreement: Agreement, actor: Any) -> Agreement:
    """Holidays, a review date and non-ASCII text, so the round trip covers every key."""
    agreement = agreement_section_update(
        agreement=agreement,
        actor=actor,
        section="service_levels",
        base_revision=agreement.revision,
        fields={
            "timezone": "Europe/Berlin",
            "workdays": [1, 2, 3, 4],
            "day_start": dt.time(8, 30),
            "day_end": dt.time(16, 45),
        },
        rows={
            "service_levels": [
                {
                    "lead_type": "Démo request",
                    "first_response_hours": Decimal("0.5"),
                    "min_attempts": 5,
                    "attempt_window_days": 7,
                    "escalation": "Rep → manager → VP",
                }
            ],
            "holidays": [{"date": dt.date(2026, 1, 6)}, {"date": dt.date(2026, 3, 1)}],
        },
    )
    return agreement_section_update(
        agreement=agreement,
        actor=actor,
        section="review",
        base_revision=agreement.revision,
        fields={
            "report_cadence": "biweekly",
            "meeting_cadence": "quarterly",
            "next_review": dt.date(2026, 2, 15),
        },
    )


def _add_kpis(agreement: Agreement, count: int) -> None:
    Kpi.objects.bulk_create(
        Kpi(
            agreement=agreement,
            position=100 + index,
            name=f"Extra KPI {index}",
            owner="shared",
            target=Decimal(index),
            unit="units",
        )
        for index in range(count)
    )
    Holiday.objects.bulk_create(
        Holiday(agreement=agreement, date=dt.date(2026, 1, 1) + dt.timedelta(days=index))
        for index in range(count)
    )


# The download


def test_export_json_is_the_agreement_export(client, marketing_member, agreement):
    """A party downloads the agreement as pretty-printed UTF-8 JSON in schema /1."""
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="q1-pipeline-sla-v1.json"'
    text = response.content.decode("utf-8")
    assert text.startswith('{\n  "schema": "slaportal.agreement/2",\n  "title"')
    assert json.loads(text) == _export(agreement)


def test_export_keeps_non_ascii_text_and_key_order(client, marketing_member, agreement):
    """Titles with accents and dashes travel as UTF-8 text; keys keep the schema's order."""
    Agreement.objects.filter(pk=agreement.pk).update(title="Pipeline – Q1 für Vertrieb")
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))

    assert "Pipeline – Q1 für Vertrieb".encode() in response.content
    assert list(json.loads(response.content))[:5] == [
        "schema",
        "title",
        "marketing_team",
        "sales_team",
        "period",
    ]
    assert 'filename="pipeline-q1-fur-vertrieb-v1.json"' in response["Content-Disposition"]


def test_staff_may_export_any_agreement(client, staff_user, agreement):
    """Staff see every agreement, so they may download it."""
    client.force_login(staff_user)
    response = client.get(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))
    assert response.status_code == 200


def test_outsider_gets_404_for_the_export(client, outsider, agreement):
    """Someone outside both teams gets 404, with no hint that the agreement exists."""
    client.force_login(outsider)
    response = client.get(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))
    assert response.status_code == 404


def test_export_of_a_missing_agreement_is_404(client, staff_user):
    """An unknown id is 404."""
    client.force_login(staff_user)
    response = client.get(reverse("agreements:export_json", kwargs={"pk": 987654}))
    assert response.status_code == 404


def test_export_needs_a_signed_in_user(client, agreement):
    """Anonymous requests are sent to the login page."""
    response = client.get(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


EXPORT_QUERIES = 11  # session, user, agreement, seven section relations, signatures


@pytest.mark.parametrize("extra_rows", [0, 49])
def test_export_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, marketing_member, agreement, extra_rows
):
    """The download costs the same number of queries with 1 or 50 rows in a section."""
    Kpi.objects.filter(agreement=agreement).exclude(
        pk=Kpi.objects.filter(agreement=agreement).order_by("position").values("pk")[:1]
    ).delete()
    _add_kpis(agreement, extra_rows)
    client.force_login(marketing_member)
    url = reverse("agreements:export_json", kwargs={"pk": agreement.pk})

    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(url)

    document = json.loads(response.content)
    assert len(document["kpis"]) == 1 + extra_rows


# The import page

IMPORT_PAGE_QUERIES = 2  # session, user


def test_import_page_shows_the_upload_form(client, django_assert_num_queries, marketing_member):
    """The page offers a file upload in a multipart form."""
    client.force_login(marketing_member)
    with django_assert_num_queries(IMPORT_PAGE_QUERIES):
        response = client.get(reverse("agreements:import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert 'name="file"' in html


def test_import_page_needs_a_signed_in_user(client, db):
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("agreements:import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_upload_creates_a_draft_and_redirects_to_it(client, marketing_member, agreement):
    """A valid file becomes a new draft owned by the uploader, who lands on its page."""
    document = _export(agreement)
    document["title"] = "Uploaded SLA"
    client.force_login(marketing_member)

    response = client.post(
        reverse("agreements:import"),
        {"file": _upload(json.dumps(document).encode())},
        follow=True,
    )

    created = Agreement.objects.get(title="Uploaded SLA")
    assert response.redirect_chain[0] == (created.get_absolute_url(), 302)
    assert created.owner == marketing_member
    assert created.status == Agreement.Status.DRAFT
    assert created.events.get().kind == AgreementEvent.Kind.IMPORTED
    assert [str(message) for message in response.context["messages"]]


def test_upload_with_content_errors_lists_each_path_and_creates_nothing(
    client, marketing_member, agreement
):
    """Every content error is shown with its JSON path; no agreement is created."""
    document = _export(agreement)
    document["funnel"]["lead_to_mql_pct"] = "0"
    document["kpis"][1]["name"] = document["kpis"][0]["name"]
    document["deadlines"][2]["due"] = "2026-02-30"
    client.force_login(marketing_member)
    before = Agreement.objects.count()

    response = client.post(
        reverse("agreements:import"), {"file": _upload(json.dumps(document).encode())}
    )

    assert response.status_code == 200
    paths = [path for path, _message in response.context["content_errors"]]
    assert paths == ["funnel.lead_to_mql_pct", "kpis[1].name", "deadlines[2].due"]
    html = response.content.decode()
    for path in paths:
        assert f"<code>{path}</code>" in html
    assert Agreement.objects.count() == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(b"{not json", "not_json", id="not JSON"),
        pytest.param('{"title": "Café"}'.encode("latin-1"), "not_utf8", id="not UTF-8"),
        pytest.param(b"   \n", "empty", id="blank"),
    ],
)
def test_unreadable_upload_is_refused_beside_the_field(client, marketing_member, content, code):
    """Files that are not UTF-8 JSON get an error on the file field; nothing is created."""
    client.force_login(marketing_member)

    response = client.post(reverse("agreements:import"), {"file": _upload(content)})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("file", code)
    assert Agreement.objects.count() == 0


def test_upload_over_2_mb_is_refused(client, marketing_member):
    """A file over the limit is refused without being parsed."""
    client.force_login(marketing_member)
    content = b'{"padding": "' + b"x" * DOCUMENT_MAX_BYTES + b'"}'

    response = client.post(reverse("agreements:import"), {"file": _upload(content)})

    assert response.context["form"].has_error("file", "too_big")
    assert Agreement.objects.count() == 0


def test_upload_with_a_byte_order_mark_is_accepted(client, marketing_member, agreement):
    """A UTF-8 file saved with a BOM (as some editors do) imports fine."""
    document = _export(agreement)
    client.force_login(marketing_member)
    before = Agreement.objects.count()

    response = client.post(
        reverse("agreements:import"),
        {"file": _upload(b"\xef\xbb\xbf" + json.dumps(document).encode())},
    )

    assert response.status_code == 302
    assert Agreement.objects.count() == before + 1


def test_upload_for_teams_the_user_is_not_in_is_refused(client, outsider, agreement):
    """Someone outside both teams of the document cannot import it; nothing is created."""
    document = _export(agreement)
    client.force_login(outsider)
    before = Agreement.objects.count()

    response = client.post(
        reverse("agreements:import"), {"file": _upload(json.dumps(document).encode())}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Agreement.objects.count() == before


# The round trip


def test_round_trip_export_import_export_is_unchanged(marketing_member, agreement):
    """Export A, import it as B, export B: every key is equal, the digest included."""
    source = _fill_every_section(agreement, marketing_member)
    exported = _export(source)

    copy = agreement_import(document=json.loads(json.dumps(exported)), actor=marketing_member)
    again = _export(copy)

    assert copy.pk != source.pk
    assert again == exported
    assert again["status"] == "draft"
    assert again["version"] == 1
    assert again["signatures"] == []
    assert again["digest"] == exported["digest"] == content_digest(content_of(source))
    assert again["service_levels"]["calendar"]["holidays"] == ["2026-01-06", "2026-03-01"]


def test_round_trip_through_the_pages(client, marketing_member, agreement):
    """Downloading export.json and uploading the file gives an agreement that exports the same."""
    client.force_login(marketing_member)
    source = _fill_every_section(agreement, marketing_member)
    downloaded = client.get(reverse("agreements:export_json", kwargs={"pk": source.pk}))

    response = client.post(
        reverse("agreements:import"), {"file": _upload(downloaded.content, "a.json")}
    )

    copy = Agreement.objects.exclude(pk=source.pk).get()
    assert response["Location"] == copy.get_absolute_url()
    exported_again = client.get(reverse("agreements:export_json", kwargs={"pk": copy.pk}))
    assert exported_again.content == downloaded.content


def test_round_trip_of_an_empty_agreement(marketing_member, marketing_team, sales_team):
    """An empty draft (no funnel, no rows, plan null) also survives the round trip."""
    empty = agreement_create(
        actor=marketing_member,
        title="Blank",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 6, 30),
    )
    exported = _export(empty)
    assert exported["funnel"]["plan"] is None

    copy = agreement_import(document=json.loads(json.dumps(exported)), actor=marketing_member)

    assert _export(copy) == exported


def test_export_refuses_other_methods(client, marketing_member, agreement):
    """The download is read-only: a POST is 405."""
    client.force_login(marketing_member)
    response = client.post(reverse("agreements:export_json", kwargs={"pk": agreement.pk}))
    assert response.status_code == 405
