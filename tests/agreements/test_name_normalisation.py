"""Look-alike names and codes: normalised on input, so they are duplicates; never on export."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from django.urls import reverse

from agreements.exchange import agreement_digest, agreement_export
from agreements.forms.drafting.rows import ERROR_DUPLICATE
from agreements.models import Agreement, Kpi
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import ContentErrors, agreement_copy, agreement_import
from agreements.standard_template import standard_content
from tests.agreements.drafting import edit_url, formset_data
from tests.agreements.test_admin import _post_data
from tests.factories import advance_to

NAME = "Démo SQLs"
# The same name as a reader sees it, spelled another way.
LOOK_ALIKES = [
    pytest.param("Dé\u200bmo SQLs", id="zero-width space"),
    pytest.param("Démo\u200c SQLs", id="zero-width non-joiner"),
    pytest.param("Dé\u200dmo SQLs", id="zero-width joiner"),
    pytest.param("Démo \u2060SQLs", id="word joiner"),
    pytest.param("\ufeffDémo SQLs", id="byte order mark"),
    pytest.param(unicodedata.normalize("NFD", NAME), id="decomposed é"),
    pytest.param("  Démo \u00a0  SQLs ", id="whitespace runs"),
]


def _kpi(name: str) -> dict[str, str]:
    return {
        "name": name,
        "owner": "sales",
        "target": "45",
        "unit": "SQLs",
        "direction": "at_least",
        "cadence": "weekly",
    }


def _row_errors(response: Any, relation: str, index: int, field: str) -> list[str]:
    [formset] = [fs for fs in response.context["editor"].formsets if fs.prefix == relation]
    return list(formset.forms[index].errors.get(field, []))


# The drafting forms


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_look_alike_kpi_names_are_duplicates_in_the_form(client, agreement, look_alike):
    """A KPI name spelled with invisible characters or a decomposed é repeats the first."""
    client.force_login(agreement.owner)
    data = {"base_revision": str(agreement.revision)}
    data.update(formset_data("kpis", [_kpi(NAME), _kpi(look_alike)]))

    response = client.post(edit_url(agreement, "kpis"), data)

    assert response.status_code == 200
    assert _row_errors(response, "kpis", 1, "name") == [ERROR_DUPLICATE % {"value": NAME}]
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


def test_look_alike_lead_types_are_duplicates_in_the_form(client, agreement):
    """Lead types are compared after normalising, as KPI names are."""
    client.force_login(agreement.owner)
    row = {"first_response_hours": "2", "min_attempts": "1", "attempt_window_days": "1"}
    data = {
        "base_revision": str(agreement.revision),
        "timezone": "UTC",
        "hours_1": "09:00-17:00",
        **formset_data("holidays", []),
        **formset_data(
            "service_levels",
            [{**row, "lead_type": "Démo"}, {**row, "lead_type": "De\u0301mo\u200b"}],
        ),
    }

    response = client.post(edit_url(agreement, "service_levels"), data)

    assert _row_errors(response, "service_levels", 1, "lead_type") == [
        ERROR_DUPLICATE % {"value": "Démo"}
    ]


def test_look_alike_rejection_codes_are_duplicates_in_the_form(client, agreement):
    """A rejection code with a zero-width space repeats the plain one."""
    client.force_login(agreement.owner)
    data = {"base_revision": str(agreement.revision)}
    data.update(
        formset_data(
            "rejection_reasons",
            [
                {"code": "no-budget", "label": "No budget", "next_step": "nurture"},
                {"code": "no-\u200bbudget", "label": "No money", "next_step": "disqualify"},
            ],
        )
    )

    response = client.post(edit_url(agreement, "rejection_reasons"), data)

    assert _row_errors(response, "rejection_reasons", 1, "code") == [
        ERROR_DUPLICATE % {"value": "no-budget"}
    ]


ROW_NAMES = [
    pytest.param("kpis", "name", _kpi(""), id="KPI name"),
    pytest.param(
        "responsibilities",
        "activity",
        {"owner": "sales", "description": "", "commitment": ""},
        id="responsibility activity",
    ),
    pytest.param(
        "criteria_rules",
        "rule",
        {"stage": "MQL", "category": "fit", "points": "5"},
        id="qualification rule",
    ),
    pytest.param(
        "rejection_reasons", "label", {"code": "late", "next_step": "nurture"}, id="reason label"
    ),
    pytest.param(
        "deadlines", "title", {"due": "2026-02-01", "owner": "shared"}, id="deadline title"
    ),
]
SECTION_OF = {
    "kpis": "kpis",
    "responsibilities": "responsibilities",
    "criteria_rules": "criteria",
    "rejection_reasons": "rejection_reasons",
    "deadlines": "deadlines",
}


@pytest.mark.parametrize(("relation", "field", "row"), ROW_NAMES)
def test_row_names_are_saved_normalised(client, agreement, relation, field, row):
    """What the form saves is the one spelling: NFC, no invisible characters, single spaces."""
    client.force_login(agreement.owner)
    data: dict[str, Any] = {"base_revision": str(agreement.revision)}
    if relation == "criteria_rules":
        data["mql_score_threshold"] = "50"
    data.update(formset_data(relation, [{**row, field: " Cafe\u0301\u200b  to\u00a0go "}]))

    response = client.post(edit_url(agreement, SECTION_OF[relation]), data)

    assert response.status_code == 302
    assert list(getattr(agreement, relation).values_list(field, flat=True)) == ["Café to go"]


def test_header_title_is_saved_normalised(client, agreement):
    """The agreement's title is normalised like the names of its rows."""
    client.force_login(agreement.owner)
    data = {
        "base_revision": str(agreement.revision),
        "title": "\ufeffQ1\u200b  pipeline SLA ",
        "marketing_team": str(agreement.marketing_team_id),
        "sales_team": str(agreement.sales_team_id),
        "start_date": "2026-01-01",
        "end_date": "2026-03-31",
    }

    response = client.post(edit_url(agreement, "header"), data)

    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).title == "Q1 pipeline SLA"


def test_title_of_only_invisible_characters_is_missing(client, agreement):
    """A title of nothing but zero-width characters is no title: an error on the create form."""
    client.force_login(agreement.owner)
    before = Agreement.objects.count()

    response = client.post(
        reverse("agreements:create"),
        {
            "title": "\u200b\u2060",
            "marketing_team": str(agreement.marketing_team_id),
            "sales_team": str(agreement.sales_team_id),
            "start_date": "2027-01-01",
            "end_date": "2027-06-30",
            "start_from": "empty",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert Agreement.objects.count() == before


# The import


@pytest.fixture
def document(marketing_team: Any, sales_team: Any) -> dict[str, Any]:
    return standard_content(
        title="Imported SLA",
        marketing_team=marketing_team.name,
        sales_team=sales_team.name,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_look_alike_kpi_names_are_duplicates_in_the_import(document, marketing_member, look_alike):
    """The import reports a look-alike KPI name as a repeat, at its path."""
    document["kpis"][0]["name"] = NAME
    document["kpis"][1]["name"] = look_alike

    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=marketing_member)

    assert raised.value.errors == [
        ("kpis[1].name", f"“{NAME}” repeats item 0; each must be unique.")
    ]
    assert Agreement.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "first", "second"),
    [
        pytest.param(("service_levels", "lead_types"), "lead_type", "Démo", id="lead type"),
        pytest.param(("rejection_reasons",), "code", "no-budget", id="rejection code"),
    ],
)
def test_look_alike_keys_are_duplicates_in_the_import(
    document, marketing_member, path, first, second
):
    """Lead types and rejection codes are compared after normalising too."""
    rows: Any = document
    for key in path:
        rows = rows[key]
    rows[0][first] = second
    rows[1][first] = unicodedata.normalize("NFD", second) + "\u200b"

    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=marketing_member)

    json_path = ".".join(path)
    assert raised.value.errors == [
        (f"{json_path}[1].{first}", f"“{second}” repeats item 0; each must be unique.")
    ]


def test_imported_names_are_saved_normalised(document, marketing_member):
    """The import stores each name and the title in the one spelling."""
    document["title"] = " Impo\u200brted  SLA"
    document["kpis"][0]["name"] = unicodedata.normalize("NFD", "Démo\u2060 SQLs ")
    document["responsibilities"][0]["activity"] = "Score\u00a0 leads\ufeff"
    document["deadlines"][0]["title"] = "Kick\u200d-off"

    created = agreement_import(document=document, actor=marketing_member)

    assert created.title == "Imported SLA"
    assert created.kpis.all()[0].name == "Démo SQLs"
    assert created.responsibilities.all()[0].activity == "Score leads"
    assert created.deadlines.filter(title="Kick-off").exists()


# The admin


def test_look_alike_kpi_names_are_duplicates_in_the_admin(client, staff_user, agreement):
    """The admin's inline rows normalise names before their uniqueness check."""
    client.force_login(staff_user)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = _post_data(client.get(url))
    data["kpis-1-name"] = unicodedata.normalize("NFD", data["kpis-0-name"]) + "\u200b"

    response = client.post(url, data)

    assert response.status_code == 200
    assert any(errors for errors in response.context["inline_admin_formsets"][0].formset.errors)
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


def test_admin_title_of_only_invisible_characters_is_an_error(
    client, staff_user, marketing_team, sales_team
):
    """Adding a draft in the admin with an invisible title is a form error, not a failure."""
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:agreements_agreement_add"),
        {
            "title": "\u200b",
            "marketing_team": marketing_team.pk,
            "sales_team": sales_team.pk,
            "start_date": "2026-04-01",
            "end_date": "2026-06-30",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"]
    assert Agreement.objects.count() == 0


# What was signed stays as it was signed


def test_signed_names_are_exported_and_digested_as_stored(agreement, marketing_member):
    """Rows stored before normalising keep their spelling in the export and the digest."""
    legacy = "Pipe\u200bline SQLs"
    Kpi.objects.filter(pk=agreement.kpis.all()[0].pk).update(name=legacy)
    signed = advance_to(agreement, Agreement.Status.SIGNED)
    signatures = list(signed.signatures.values_list("digest", flat=True))

    export = agreement_export(agreement_load_sections(signed.pk))
    agreement_copy(source=signed, actor=marketing_member, title="Next year")

    assert export["kpis"][0]["name"] == legacy
    assert signatures == [export["digest"], export["digest"]]
    assert agreement_digest(agreement_load_sections(signed.pk)) == export["digest"]
    assert Kpi.objects.get(agreement=signed, position=0).name == legacy
