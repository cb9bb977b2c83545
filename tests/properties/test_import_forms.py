"""The actuals and lead import forms take any file, token and mapping: never a server error,
and nothing written from a file, token or mapping they refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.models import Agreement
from performance.forms import LeadMappingForm
from performance.services.actuals_csv import ACTUALS_COLUMNS, actuals_preview
from performance.services.leads import LeadMappingNeeded, leads_upload
from performance.services.leads.columns import LEAD_FIELDS
from tests.properties.checks import (
    Visitor,
    assert_pages_answer,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
)
from tests.properties.files import csv_files, file_names, upload
from tests.properties.strategies import form_posts, near, texts

ACTUALS_ROWS = [["2026-01", "500", "100", "40", "10", "100000"]]
LEAD_ROWS = [
    ["L1", "Demo request", "2026-01-06T10:00:00", "2026-01-06T10:30:00", "2", "accepted"],
    ["L2", "Contact us", "2026-01-07 09:00", "", "0", ""],
]
# Column names no remembered mapping fits, so the upload waits for its mapping.
CRM_HEADER = ("Id", "Type", "MQL at", "Touched", "Tries", "Result")
CRM_MAPPING = dict(zip(LEAD_FIELDS, CRM_HEADER, strict=True))
# Stands in the drawn posts for the token of the upload each example makes.
TOKEN = "<token of the kept upload>"
DISCARD = {"discard": st.just("discard")}


def url_of(name: str, agreement: Agreement) -> str:
    return reverse(f"performance:{name}", args=[agreement.pk])


def with_token(post: dict[str, Any], token: str) -> dict[str, Any]:
    return {key: token if value == TOKEN else value for key, value in post.items()}


@form_examples
@given(data=st.data())
def test_an_actuals_file_is_kept_only_when_valid(
    data: st.DataObject, member: Visitor, signed: Agreement
) -> None:
    """Any upload answers below 500; only a file without errors is kept for its preview."""
    content = data.draw(csv_files(ACTUALS_COLUMNS, ACTUALS_ROWS))
    post = {"file": upload(content, data.draw(file_names()))}
    with example_rolled_back():
        before = db_state()
        response = member.post(url_of("actuals_import", signed), post)
        kept = response.context is not None and response.context["confirm_form"] is not None
        check_answer(response, before, saved=kept)


@form_examples
@given(data=st.data())
def test_a_kept_actuals_file_is_applied_only_by_a_valid_token(
    data: st.DataObject, member: Visitor, signed: Agreement, marketing_member: User
) -> None:
    """Any token, with or without "discard", answers below 500; only a redirect writes."""
    fields = {"token": forms.CharField()}
    post = data.draw(near({"token": TOKEN}, fields, extra=DISCARD))
    with example_rolled_back():
        kept = actuals_preview(
            agreement=signed,
            actor=marketing_member,
            text=f"{','.join(ACTUALS_COLUMNS)}\n2026-02,1,1,1,1,1\n",
            file_name="a.csv",
        ).upload
        assert kept is not None
        before = db_state()
        response = member.post(url_of("actuals_import", signed), with_token(post, str(kept.token)))
        check_answer(response, before, saved=response.status_code == 302)
        if response.status_code == 302:
            assert_pages_answer(member, [url_of("dashboard", signed), url_of("actuals", signed)])


def leads_imported(response: Any) -> bool:
    result = response.context["result"] if response.context is not None else None
    return result is not None and result.ok


def lead_file_kept(response: Any) -> bool:
    return response.context is not None and response.context["mapping_form"] is not None


@form_examples
@given(data=st.data())
def test_leads_are_imported_only_from_a_valid_file(
    data: st.DataObject, member: Visitor, signed: Agreement
) -> None:
    """Any upload answers below 500; a file with errors writes nothing at all."""
    content = data.draw(csv_files(LEAD_FIELDS, LEAD_ROWS) | csv_files(CRM_HEADER, LEAD_ROWS))
    post = {"file": upload(content, data.draw(file_names()))}
    with example_rolled_back():
        before = db_state()
        response = member.post(url_of("leads_import", signed), post)
        saved = leads_imported(response) or lead_file_kept(response)
        check_answer(response, before, saved=saved)
        if saved:
            assert_pages_answer(member, [url_of("dashboard", signed), url_of("leads_csv", signed)])


@form_examples
@given(data=st.data())
def test_a_kept_lead_file_is_imported_only_with_a_valid_mapping(
    data: st.DataObject, member: Visitor, signed: Agreement, marketing_member: User
) -> None:
    """Any mapping and token answer below 500; a refused one writes nothing."""
    content = data.draw(csv_files(CRM_HEADER, LEAD_ROWS, kinds=("near",)))
    with example_rolled_back():
        outcome = leads_upload(
            agreement=signed, actor=marketing_member, file=upload(content), file_name="crm.csv"
        )
        if not isinstance(outcome, LeadMappingNeeded):
            return  # The file was refused or imported at once; the upload property covers it.
        form_kwargs: dict[str, Any] = {"header": outcome.header, "suggested": {}}
        fields = dict(LeadMappingForm(**form_kwargs).fields)
        posts = near({"token": TOKEN, **CRM_MAPPING}, fields, extra=DISCARD) | form_posts(
            LeadMappingForm, form_kwargs, token=st.just(TOKEN) | texts(long=False)
        )
        post = with_token(data.draw(posts), str(outcome.upload.token))
        before = db_state()
        response = member.post(url_of("leads_import", signed), post)
        # A redirect discards the file (or finds it gone, with an error shown).
        saved = leads_imported(response)
        check_answer(response, before, saved=saved or response.status_code == 302)
        if saved:
            assert_pages_answer(member, [url_of("dashboard", signed), url_of("leads_csv", signed)])
