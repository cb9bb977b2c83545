"""A NUL character typed into any input of the drafting pages is a field error, never a 500.

PostgreSQL refuses NUL in text; these run on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.sections import SECTIONS
from tests.agreements.drafting import edit_url, preview_url, section_payload

NUL = "\u0000"
# Checkboxes post "on" or nothing: any other value is read as ticked, and no text is stored.
CHECKBOXES = ("done",)


def _with_nul(value: Any) -> Any:
    if isinstance(value, list):
        return [f"{value[0]}{NUL}", *value[1:]]
    return f"{value}{NUL}"


def _field_errors(editor: Any, key: str) -> list[str]:
    """The errors the section page shows for the input named ``key``."""
    for formset in editor.formsets:
        prefix = f"{formset.prefix}-"
        if not key.startswith(prefix):
            continue
        index, _dash, name = key.removeprefix(prefix).partition("-")
        if not index.isdigit():  # the management form: TOTAL_FORMS and the like
            return list(formset.non_form_errors())
        return list(formset.forms[int(index)].errors.get(name, []))
    return list(editor.form.errors.get(key, []))


def _text_keys(payload: dict[str, Any]) -> list[str]:
    return [key for key in payload if key.rpartition("-")[2] not in CHECKBOXES]


@pytest.mark.parametrize("section", [section.key for section in SECTIONS])
def test_nul_in_any_input_of_a_section_is_a_field_error(client, agreement, owner, section):
    """Each input of each section form and row, sent with a NUL, is refused beside itself."""
    client.force_login(owner)
    payload = section_payload(agreement, section)
    before = agreement.revision
    unrefused = []

    for key in _text_keys(payload):
        response = client.post(
            edit_url(agreement, section), {**payload, key: _with_nul(payload[key])}
        )

        assert response.status_code == 200, key
        if not _field_errors(response.context["editor"], key):
            unrefused.append(key)

    assert unrefused == []
    assert Agreement.objects.get(pk=agreement.pk).revision == before


@pytest.fixture
def owner(agreement: Agreement) -> Any:
    return agreement.owner


def _create_payload(agreement: Agreement) -> dict[str, str]:
    return {
        "title": "New SLA",
        "marketing_team": str(agreement.marketing_team_id),
        "sales_team": str(agreement.sales_team_id),
        "start_date": "2027-01-01",
        "end_date": "2027-06-30",
        "start_from": "copy",
        "copy_source": str(agreement.pk),
    }


def test_nul_in_any_input_of_the_create_form_is_a_field_error(client, agreement, owner):
    """Each input of the create form, sent with a NUL, is refused beside itself."""
    client.force_login(owner)
    payload = _create_payload(agreement)
    before = Agreement.objects.count()
    unrefused = []

    for key, value in payload.items():
        response = client.post(reverse("agreements:create"), {**payload, key: _with_nul(value)})

        assert response.status_code == 200, key
        if not response.context["form"].errors.get(key):
            unrefused.append(key)

    assert unrefused == []
    assert Agreement.objects.count() == before


def test_nul_in_the_list_filters_is_ignored(client, agreement, owner):
    """A NUL in the list's search or team filter leaves that filter out, as any invalid one."""
    client.force_login(owner)

    response = client.get(reverse("agreements:list"), {"q": f"Q1{NUL}", "team": f"1{NUL}"})

    assert response.status_code == 200
    assert agreement.title in response.content.decode()


@pytest.mark.parametrize("key", ["currency", "revenue_goal"])
def test_nul_in_the_funnel_preview_is_no_plan(client, agreement, owner, key):
    """The funnel preview of an input holding a NUL computes no plan from it, and answers."""
    client.force_login(owner)
    payload = section_payload(agreement, "funnel")

    response = client.post(preview_url(agreement), {**payload, key: f"{payload[key]}{NUL}"})

    assert response.status_code == 200
