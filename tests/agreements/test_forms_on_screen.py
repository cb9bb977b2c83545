"""Forms on screen: the error summary, rows added in place, the sign page's errors, the list."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from agreements.models import Agreement, Signature
from agreements.services.signatures import ERROR_BAD_PASSWORD, ERROR_NAME_MISMATCH
from tests.agreements.drafting import edit_url, section_payload
from tests.agreements.signoff_pages import url
from tests.factories import current_digest

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return unescape(response.content.decode())


def error_summary(page: str) -> str:
    match = re.search(
        r'<div class="alert alert-danger error-summary" role="alert".*?</div>', page, re.S
    )
    assert match, "no error summary on the page"
    return match.group(0)


# Rows added in place.


def test_add_row_without_javascript_anchors_and_focuses_the_new_row(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The button's action names the new row's anchor; the answer focuses that row only."""
    client.force_login(marketing_member)
    page = html(client.get(edit_url(agreement, "kpis")))
    anchor = re.search(r'formaction="[^"]*#kpis-row-(\d+)"', page)
    assert anchor, "the Add a KPI button carries no anchor"
    new_index = int(anchor.group(1))
    data = section_payload(agreement, "kpis")
    data["kpis-TOTAL_FORMS"] = str(new_index)
    data["add_row"] = "kpis"

    page = html(client.post(edit_url(agreement, "kpis"), data))

    assert f'id="kpis-row-{new_index}"' in page
    assert page.count("autofocus") == 1
    assert re.search(rf'<input[^>]*name="kpis-{new_index}-name"[^>]*autofocus', page)


def test_add_row_with_htmx_answers_only_the_rows_of_that_relation(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """An htmx request gets the KPI fieldset alone, one row more, the new row focused."""
    client.force_login(marketing_member)
    data = section_payload(agreement, "kpis")
    data["add_row"] = "kpis"

    response = client.post(edit_url(agreement, "kpis"), data, headers={"HX-Request": "true"})

    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<fieldset class="formset mb-4" id="formset-kpis">')
    assert "<html" not in page
    assert 'name="kpis-TOTAL_FORMS" value="3"' in page
    assert re.search(r'<input[^>]*name="kpis-2-name"[^>]*autofocus', page)
    assert 'hx-post="' in page


# The error summary.


def test_section_errors_are_summarised_at_the_top_with_links_to_each_field(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """Every error of the form and its rows is listed once above it, linked to its field."""
    client.force_login(marketing_member)
    data = section_payload(agreement, "kpis")
    data["kpis-0-name"] = ""
    data["kpis-1-target"] = "-3"

    page = html(client.post(edit_url(agreement, "kpis"), data))

    summary = error_summary(page)
    assert "There are 2 problems with this form." in summary
    assert 'href="#id_kpis-0-name"' in summary
    assert 'href="#id_kpis-1-target"' in summary
    assert "KPI 2 · Target" in summary
    assert page.count('data-testid="error-summary"') == 1
    assert page.index("error-summary") < page.index('id="formset-kpis"')


def test_a_crispy_form_elsewhere_gets_the_same_summary(client: Any, marketing_member: Any) -> None:
    """The create page's errors are summarised too, by the same include (one error: one line)."""
    client.force_login(marketing_member)

    page = html(client.post(reverse("agreements:create"), {"title": ""}))

    summary = error_summary(page)
    assert 'href="#id_title"' in summary
    assert re.search(r"There (is a problem|are \d+ problems) with this form\.", summary)


def test_a_valid_page_shows_no_summary(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    client.force_login(marketing_member)
    assert "error-summary" not in html(client.get(edit_url(agreement, "kpis")))


# The sign page.


def test_sign_page_shows_a_wrong_name_and_a_wrong_password_together_at_their_fields(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """Both mistakes are told at once, each beside its own field; nothing is signed."""
    client.force_login(sales_signatory)

    response = client.post(
        url("sign", in_review),
        {
            "team": in_review.sales_team_id,
            "typed_name": "Someone Else",
            "password": "not-my-password",
            "digest": current_digest(in_review),
        },
    )

    page = html(response)
    assert re.search(
        r'id="error_1_id_typed_name"[^>]*>\s*<strong>' + re.escape(ERROR_NAME_MISMATCH), page
    )
    assert re.search(
        r'id="error_1_id_password"[^>]*>\s*<strong>' + re.escape(ERROR_BAD_PASSWORD), page
    )
    summary = error_summary(page)
    assert 'href="#id_typed_name"' in summary
    assert 'href="#id_password"' in summary
    assert not Signature.objects.filter(agreement=in_review).exists()


def test_sign_page_with_the_right_password_and_a_wrong_name_says_only_the_name(
    client: Any, in_review: Agreement, sales_signatory: Any, password: str
) -> None:
    client.force_login(sales_signatory)

    page = html(
        client.post(
            url("sign", in_review),
            {
                "team": in_review.sales_team_id,
                "typed_name": "Someone Else",
                "password": password,
                "digest": current_digest(in_review),
            },
        )
    )

    assert page.count(ERROR_NAME_MISMATCH) == 2  # at the field and in the summary
    assert ERROR_BAD_PASSWORD not in page
    assert not Signature.objects.filter(agreement=in_review).exists()


# The list.


def test_list_search_input_has_one_type(client: Any, marketing_member: Any) -> None:
    """The search field is type="search", and says so once (valid HTML)."""
    client.force_login(marketing_member)

    page = client.get(reverse("agreements:list")).content.decode()

    tag = re.search(r'<input[^>]*name="q"[^>]*>', page)
    assert tag
    assert tag.group(0).count("type=") == 1
    assert 'type="search"' in tag.group(0)
