"""The admin's agreement forms and row inlines take any input: never a server error, and
nothing saved from input they refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.admin.agreement_forms import AgreementAddForm
from agreements.models import Agreement
from tests.properties.checks import (
    Visitor,
    assert_pages_answer,
    assert_unchanged,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
    reported_errors,
    slow_page_examples,
)
from tests.properties.strategies import formset_forms, near, page_post


@pytest.fixture
def staff(sign_in: Callable[[User], Visitor], staff_user: User) -> Visitor:
    return sign_in(staff_user)


def change_url(agreement: Agreement) -> str:
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def shown_pages(agreement: Agreement) -> list[str]:
    return [reverse("agreements:detail", args=[agreement.pk])]


@pytest.fixture
def change_page(staff: Visitor, agreement: Agreement) -> tuple[dict[str, Any], dict[str, Any]]:
    """The change page's post as shown (the agreement and every inline row), and its fields."""
    context = staff.get(change_url(agreement)).context
    assert context is not None
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        forms += formset_forms(inline.formset)
    baseline, fields = page_post(forms)
    return {**baseline, "_save": "Save"}, fields


def test_the_change_page_posted_as_shown_is_accepted(
    staff: Visitor, agreement: Agreement, change_page: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """The post the property changes is valid: sent as it is, the admin accepts it."""
    baseline, _fields = change_page
    response = staff.post(change_url(agreement), baseline)
    assert response.status_code == 302


def test_a_signalling_nan_in_a_row_is_refused_as_not_a_number(
    staff: Visitor,
    agreement: Agreement,
    change_page: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """ "sNaN" as a KPI's target is "Enter a number.", not the InvalidOperation Django's field
    raised when the inline formset compared it with the saved target."""
    baseline, _fields = change_page
    before = db_state()
    response = staff.post(change_url(agreement), {**baseline, "kpis-0-target": "sNaN"})
    assert response.status_code == 200
    assert "Enter a number." in reported_errors(response)
    assert_unchanged(before, "sNaN was refused")


@slow_page_examples
@given(data=st.data())
def test_the_change_form_saves_only_valid_input(
    data: st.DataObject,
    staff: Visitor,
    agreement: Agreement,
    change_page: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Any change to the agreement or its inline rows (management data included) answers
    below 500; unless it redirects, the agreement, its rows, revisions and events stay."""
    baseline, fields = change_page
    post = data.draw(near(baseline, fields, max_changes=4))
    with example_rolled_back():
        before = db_state()
        response = staff.post(change_url(agreement), post)
        check_answer(response, before, saved=response.status_code == 302)
        if response.status_code == 302:
            assert_pages_answer(staff, shown_pages(agreement))


@form_examples
@given(data=st.data())
def test_the_add_form_creates_only_from_valid_input(
    data: st.DataObject, staff: Visitor, agreement: Agreement
) -> None:
    """Any title, teams, period and template choice answer below 500; only a redirect
    creates an agreement."""
    baseline = {
        "title": "Made in the admin",
        "marketing_team": str(agreement.marketing_team_id),
        "sales_team": str(agreement.sales_team_id),
        "start_date": "2026-04-01",
        "end_date": "2026-06-30",
        "from_template": "on",
        "_save": "Save",
    }
    post = data.draw(near(baseline, dict(AgreementAddForm().fields), max_changes=4))
    with example_rolled_back():
        before = db_state()
        known = set(Agreement.objects.values_list("pk", flat=True))
        response = staff.post(reverse("admin:agreements_agreement_add"), post)
        check_answer(response, before, saved=response.status_code == 302)
        if response.status_code == 302:
            (created,) = Agreement.objects.exclude(pk__in=known)
            assert_pages_answer(staff, shown_pages(created))
