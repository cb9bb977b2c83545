"""The import form takes any file: never a server error, and no draft from a rejected one."""

from __future__ import annotations

import json

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.exchange import agreement_export
from agreements.models import Agreement
from agreements.selectors import agreement_load_sections
from tests.properties.checks import (
    Visitor,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
)
from tests.properties.files import file_names, json_files, upload


def test_an_export_imported_as_it_is_makes_a_draft(member: Visitor, agreement: Agreement) -> None:
    """The document the property changes is valid: imported unchanged, it makes a draft."""
    document = agreement_export(agreement_load_sections(agreement.pk))
    response = member.post(
        reverse("agreements:import"), {"file": upload(json.dumps(document).encode(), "a.json")}
    )
    assert response.status_code == 302
    assert Agreement.objects.count() == 2


@form_examples
@given(data=st.data())
def test_import_makes_a_draft_only_of_a_valid_file(
    data: st.DataObject, member: Visitor, agreement: Agreement
) -> None:
    """Any upload answers below 500; unless it redirects to a new draft, nothing is written."""
    document = agreement_export(agreement_load_sections(agreement.pk))
    content = data.draw(json_files(document))
    post = {"file": upload(content, data.draw(file_names()))}
    with example_rolled_back():
        before = db_state()
        response = member.post(reverse("agreements:import"), post)
        check_answer(response, before, saved=response.status_code == 302)
