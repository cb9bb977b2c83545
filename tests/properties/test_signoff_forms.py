"""Sign-off forms take any input: never a server error, and no act on rejected input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.comparison import compare_refs
from agreements.exchange import agreement_digest
from agreements.forms.signoff import (
    CancelForm,
    CommentForm,
    CompareForm,
    RequestChangesForm,
    SignedFilterForm,
    SignForm,
    WithdrawForm,
)
from agreements.models import Agreement
from agreements.selectors import (
    agreement_load_sections,
    agreement_revisions,
    agreement_version_chain,
    signed_agreement_teams,
)
from tests.factories import DEFAULT_PASSWORD
from tests.properties.checks import (
    Visitor,
    assert_unchanged,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
)
from tests.properties.strategies import form_posts, near, texts


def post_examples(
    data: st.DataObject,
    visitor: Visitor,
    url: str,
    posts: st.SearchStrategy[dict[str, Any]],
) -> None:
    """Post one drawn example; unless it redirects (the act done), nothing may change."""
    post = data.draw(posts)
    with example_rolled_back():
        before = db_state()
        response = visitor.post(url, post)
        check_answer(response, before, saved=response.status_code == 302)


def url_of(name: str, agreement: Agreement) -> str:
    return reverse(f"agreements:{name}", args=[agreement.pk])


def signing_post(agreement: Agreement, signatory: User) -> dict[str, str]:
    return {
        "team": str(agreement.marketing_team_id),
        "typed_name": signatory.get_full_name(),
        "password": DEFAULT_PASSWORD,
        "digest": agreement_digest(agreement_load_sections(agreement.pk)),
    }


def test_the_signing_baseline_signs(
    sign_in: Callable[[User], Visitor], in_review: Agreement, marketing_signatory: User
) -> None:
    """The post the property changes is valid: sent as it is, it signs."""
    visitor = sign_in(marketing_signatory)
    response = visitor.post(url_of("sign", in_review), signing_post(in_review, marketing_signatory))
    assert response.status_code == 302
    assert in_review.signatures.count() == 1


@form_examples
@given(data=st.data())
def test_signing_records_only_a_valid_signature(
    data: st.DataObject,
    sign_in: Callable[[User], Visitor],
    in_review: Agreement,
    marketing_signatory: User,
) -> None:
    """Any team, typed name, password and digest answer below 500; only a redirect signs."""
    teams = [in_review.marketing_team]
    baseline = signing_post(in_review, marketing_signatory)
    fields = dict(SignForm(teams=teams).fields)
    posts = near(baseline, fields) | form_posts(SignForm, {"teams": teams})
    post_examples(data, sign_in(marketing_signatory), url_of("sign", in_review), posts)


REASONED_ACTS = {
    # view name: (form, its field, the agreement's fixture, who acts)
    "request_changes": (RequestChangesForm, "comment", "in_review", "sales_signatory"),
    "withdraw": (WithdrawForm, "reason", "in_review", "marketing_member"),
    "cancel": (CancelForm, "reason", "agreement", "marketing_member"),
}


REASONED_BASELINE = "Please look again."


@pytest.mark.parametrize("act", list(REASONED_ACTS))
def test_the_reasoned_baselines_act(
    act: str, request: pytest.FixtureRequest, sign_in: Callable[[User], Visitor], db: None
) -> None:
    """The posts the property changes are valid: sent as they are, the act is done."""
    _form_class, field, agreement_fixture, user_fixture = REASONED_ACTS[act]
    agreement = request.getfixturevalue(agreement_fixture)
    visitor = sign_in(request.getfixturevalue(user_fixture))
    before = agreement.events.count()
    response = visitor.post(url_of(act, agreement), {field: REASONED_BASELINE})
    assert response.status_code == 302
    assert agreement.events.count() == before + 1


@pytest.mark.parametrize("act", list(REASONED_ACTS))
@form_examples
@given(data=st.data())
def test_reasoned_acts_happen_only_with_valid_input(
    data: st.DataObject,
    act: str,
    request: pytest.FixtureRequest,
    sign_in: Callable[[User], Visitor],
    db: None,
) -> None:
    """Any comment or reason answers below 500; only a redirect changes the agreement."""
    form_class, field, agreement_fixture, user_fixture = REASONED_ACTS[act]
    agreement = request.getfixturevalue(agreement_fixture)
    visitor = sign_in(request.getfixturevalue(user_fixture))
    fields = dict(form_class().fields)
    posts = near({field: REASONED_BASELINE}, fields) | form_posts(form_class)
    post_examples(data, visitor, url_of(act, agreement), posts)


@form_examples
@given(data=st.data())
def test_comments_are_added_only_from_valid_input(
    data: st.DataObject, member: Visitor, agreement: Agreement
) -> None:
    """Any comment and section answer below 500; only a redirect adds the comment."""
    fields = dict(CommentForm().fields)
    posts = near({"body": "Looks good.", "section": "kpis"}, fields) | form_posts(CommentForm)
    post_examples(data, member, url_of("comment_add", agreement), posts)


@form_examples
@given(data=st.data())
def test_comparing_any_references_never_fails(
    data: st.DataObject, member: Visitor, agreement: Agreement, marketing_member: User
) -> None:
    """Any pair of references, and any "all", answers below 500 and writes nothing."""
    refs = compare_refs(
        list(agreement_revisions(agreement=agreement)),
        agreement_version_chain(user=marketing_member, agreement=agreement),
    )
    query = data.draw(form_posts(CompareForm, {"refs": refs}))
    query["all"] = data.draw(st.sampled_from(["1", "0"]) | texts(long=False))
    with example_rolled_back():
        before = db_state()
        response = member.get(url_of("compare", agreement), query)
        assert response.status_code < 500
        assert_unchanged(before, "A comparison")


@form_examples
@given(data=st.data())
def test_signed_list_filters_never_fail(
    data: st.DataObject, member: Visitor, signed: Agreement, marketing_member: User
) -> None:
    """Any team and period (0001-01-01 to 9999-12-31 included) answer below 500."""
    teams = signed_agreement_teams(user=marketing_member)
    query = data.draw(form_posts(SignedFilterForm, {"teams": teams}))
    query["page"] = data.draw(texts(long=False))
    with example_rolled_back():
        before = db_state()
        response = member.get(reverse("agreements:signed_list"), query)
        assert response.status_code < 500
        assert_unchanged(before, "A list")
