"""Dates entered on an agreement lie from 2000-01-01 to 2100-12-31: in forms, import and admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.models.agreement import ERROR_DATE_WINDOW
from agreements.periods import EARLIEST_DATE, LATEST_DATE
from agreements.services.agreements import ContentErrors, agreement_import
from agreements.standard_template import standard_content
from tests.agreements.drafting import edit_url, formset_data, section_payload
from tests.agreements.test_admin import _post_data

MESSAGE = str(ERROR_DATE_WINDOW) % {"first": "2000-01-01", "last": "2100-12-31"}
# The day before and after the window, and the first and last dates Python knows.
BEFORE = ["1999-12-31", "0001-01-01"]
AFTER = ["2101-01-01", "9999-12-31"]
OUTSIDE = BEFORE + AFTER


def test_the_window_is_2000_to_2100():
    assert (dt.date(2000, 1, 1), dt.date(2100, 12, 31)) == (EARLIEST_DATE, LATEST_DATE)


# The drafting forms


@pytest.mark.parametrize(
    ("section", "key", "day"),
    [
        *(pytest.param("header", "start_date", day, id=f"start, {day}") for day in BEFORE),
        *(pytest.param("header", "end_date", day, id=f"end, {day}") for day in AFTER),
        *(pytest.param("review", "next_review", day, id=f"review, {day}") for day in OUTSIDE),
    ],
)
def test_agreement_date_outside_the_window_is_a_field_error(client, agreement, section, key, day):
    """The period and the next review must lie in the window; nothing is saved otherwise."""
    client.force_login(agreement.owner)
    data = section_payload(agreement, section)
    data[key] = day

    response = client.post(edit_url(agreement, section), data)

    assert response.status_code == 200
    assert response.context["form"].errors[key] == [MESSAGE]
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


@pytest.mark.parametrize("day", OUTSIDE)
@pytest.mark.parametrize(
    ("section", "relation", "key"),
    [
        pytest.param("service_levels", "holidays", "date", id="holiday"),
        pytest.param("deadlines", "deadlines", "due", id="deadline"),
    ],
)
def test_row_date_outside_the_window_is_a_field_error(
    client, agreement, section, relation, key, day
):
    """Holidays and deadlines must lie in the window too."""
    client.force_login(agreement.owner)
    data = section_payload(agreement, section)
    data[f"{relation}-0-{key}"] = day

    response = client.post(edit_url(agreement, section), data)

    [formset] = [fs for fs in response.context["editor"].formsets if fs.prefix == relation]
    assert formset.forms[0].errors[key] == [MESSAGE]
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


def test_the_window_edges_are_accepted(client, agreement):
    """The first and the last day of the window are valid dates."""
    client.force_login(agreement.owner)
    data = section_payload(agreement, "header")
    data.update({"start_date": "2000-01-01", "end_date": "2100-12-31"})

    response = client.post(edit_url(agreement, "header"), data)

    assert response.status_code == 302
    saved = Agreement.objects.get(pk=agreement.pk)
    assert (saved.start_date, saved.end_date) == (EARLIEST_DATE, LATEST_DATE)


def test_create_form_refuses_a_period_outside_the_window(client, agreement):
    """The create form checks the window before anything is made."""
    client.force_login(agreement.owner)
    before = Agreement.objects.count()

    response = client.post(
        reverse("agreements:create"),
        {
            "title": "Old SLA",
            "marketing_team": str(agreement.marketing_team_id),
            "sales_team": str(agreement.sales_team_id),
            "start_date": "1999-01-01",
            "end_date": "1999-06-30",
            "start_from": "template",
        },
    )

    assert response.context["form"].errors["start_date"] == [MESSAGE]
    assert response.context["form"].errors["end_date"] == [MESSAGE]
    assert Agreement.objects.count() == before


def test_date_pickers_offer_only_the_window(client, agreement):
    """The date inputs carry the window as min and max, so the browser offers only those."""
    client.force_login(agreement.owner)

    page = client.get(edit_url(agreement, "header")).content.decode()

    assert page.count('min="2000-01-01"') == 2
    assert page.count('max="2100-12-31"') == 2


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


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "json_path", "day"),
    [
        *(pytest.param(("period", "start"), "period.start", d, id=f"start, {d}") for d in BEFORE),
        *(pytest.param(("period", "end"), "period.end", d, id=f"end, {d}") for d in AFTER),
        *(
            pytest.param(("review", "next_review"), "review.next_review", d, id=f"review, {d}")
            for d in OUTSIDE
        ),
        *(
            pytest.param(
                ("service_levels", "calendar", "holidays", 0),
                "service_levels.calendar.holidays[0]",
                d,
                id=f"holiday, {d}",
            )
            for d in OUTSIDE
        ),
        *(
            pytest.param(("deadlines", 0, "due"), "deadlines[0].due", d, id=f"deadline, {d}")
            for d in OUTSIDE
        ),
    ],
)
def test_imported_date_outside_the_window_is_an_error_by_path(
    document, marketing_member, path, json_path, day
):
    """The import reports a date outside the window at its path; nothing is created."""
    document["service_levels"]["calendar"]["holidays"] = ["2026-01-06"]
    _set(document, path, day)

    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=marketing_member)

    assert raised.value.errors == [(json_path, MESSAGE)]
    assert Agreement.objects.count() == 0


# The admin


def test_admin_add_refuses_a_period_outside_the_window(
    client, staff_user, marketing_team, sales_team
):
    """A draft added in the admin keeps to the window too."""
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:agreements_agreement_add"),
        {
            "title": "Far future SLA",
            "marketing_team": marketing_team.pk,
            "sales_team": sales_team.pk,
            "start_date": "2101-01-01",
            "end_date": "2101-06-30",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [MESSAGE]
    assert Agreement.objects.count() == 0


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("next_review", id="next review"),
        pytest.param("holidays-0-date", id="inline holiday"),
        pytest.param("deadlines-0-due", id="inline deadline"),
    ],
)
def test_admin_change_refuses_a_date_outside_the_window(client, staff_user, agreement, key):
    """The admin's change form and its inline rows keep to the window."""
    client.force_login(staff_user)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = _post_data(client.get(url))
    if key.startswith("holidays-"):
        data.update(formset_data("holidays", [{"date": "", "position": "0"}]))
    data[key] = "1999-12-31"

    response = client.post(url, data)

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision
