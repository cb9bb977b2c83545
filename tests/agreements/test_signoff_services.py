"""Sign-off services together: who may take each act, in which state, and what it audits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.lifecycle import Act, refusal
from agreements.models import Agreement, AgreementEvent, Comment
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add, comment_resolve
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_submit,
    agreement_withdraw,
)
from tests.agreements.signing import rows_written, sign
from tests.factories import advance_to

ROLES = (
    "marketing_member",
    "marketing_signatory",
    "sales_member",
    "sales_signatory",
    "outsider",
    "staff_user",
)
PARTY = frozenset(ROLES) - {"outsider"}
SIGNATORIES = frozenset({"marketing_signatory", "sales_signatory"})
STATES = ("draft", "in_review", "signed", "cancelled")


@pytest.fixture
def people(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {role: request.getfixturevalue(role) for role in ROLES}


def _first_comment(agreement: Agreement) -> Comment:
    return Comment.objects.filter(agreement_id=agreement.pk).order_by("pk").first()  # type: ignore[return-value]


ACTS: dict[str, Callable[[Agreement, Any], Any]] = {
    "submit": lambda a, u: agreement_submit(agreement=a, actor=u),
    "withdraw": lambda a, u: agreement_withdraw(agreement=a, actor=u, reason="Check the rates"),
    "request_changes": lambda a, u: agreement_request_changes(
        agreement=a, actor=u, comment="Lower the MQL target to 80 a month."
    ),
    "cancel": lambda a, u: agreement_cancel(agreement=a, actor=u, reason="Plan dropped"),
    "sign_marketing": lambda a, u: sign(a, u, a.marketing_team),
    "sign_sales": lambda a, u: sign(a, u, a.sales_team),
    "amend": lambda a, u: agreement_amend(agreement=a, actor=u),
    "comment": lambda a, u: comment_add(agreement=a, actor=u, body="Looks right.", section="kpis"),
    "resolve_comment": lambda a, u: comment_resolve(comment=_first_comment(a), actor=u),
}

EVENT_OF_ACT = {
    "submit": AgreementEvent.Kind.SUBMITTED,
    "withdraw": AgreementEvent.Kind.WITHDRAWN,
    "request_changes": AgreementEvent.Kind.CHANGES_REQUESTED,
    "cancel": AgreementEvent.Kind.CANCELLED,
    "sign_marketing": AgreementEvent.Kind.SIGNED,
    "sign_sales": AgreementEvent.Kind.SIGNED,
    "amend": AgreementEvent.Kind.AMENDED,
    "comment": AgreementEvent.Kind.COMMENTED,
    "resolve_comment": AgreementEvent.Kind.COMMENT_RESOLVED,
}

# act -> (the state it starts from, the roles allowed to take it)
ROLE_RULES: dict[str, tuple[str, frozenset[str]]] = {
    "submit": ("draft", PARTY),
    "withdraw": ("in_review", PARTY),
    "request_changes": ("in_review", SIGNATORIES),
    "cancel": ("draft", PARTY),
    "sign_marketing": ("in_review", frozenset({"marketing_signatory"})),
    "sign_sales": ("in_review", frozenset({"sales_signatory"})),
    "amend": ("signed", PARTY),
    "comment": ("draft", PARTY),
    "resolve_comment": ("draft", PARTY),
}

# The life-cycle act each service act is; resolving a comment is allowed in every state.
LIFECYCLE_ACT = {
    "submit": Act.SUBMIT,
    "withdraw": Act.WITHDRAW,
    "request_changes": Act.REQUEST_CHANGES,
    "cancel": Act.CANCEL,
    "sign_marketing": Act.SIGN,
    "sign_sales": Act.SIGN,
    "amend": Act.AMEND,
    "comment": Act.COMMENT,
}

# act -> (an entitled actor, the states it may be taken in)
STATE_RULES: dict[str, tuple[str, frozenset[str]]] = {
    "submit": ("marketing_member", frozenset({"draft"})),
    "withdraw": ("sales_member", frozenset({"in_review"})),
    "request_changes": ("sales_signatory", frozenset({"in_review"})),
    "cancel": ("marketing_member", frozenset({"draft", "in_review"})),
    "sign_marketing": ("marketing_signatory", frozenset({"in_review"})),
    "sign_sales": ("sales_signatory", frozenset({"in_review"})),
    "amend": ("sales_member", frozenset({"signed"})),
    "comment": ("sales_member", frozenset({"draft", "in_review", "signed"})),
    "resolve_comment": ("marketing_signatory", frozenset(STATES)),
}


def in_state(agreement: Agreement, state: str, people: dict[str, Any]) -> Agreement:
    """The agreement taken to ``state`` by its parties, with one open comment on it."""
    comment_add(agreement=agreement, actor=people["marketing_member"], body="Check the KPIs.")
    return advance_to(
        agreement,
        state,
        marketing_signatory=people["marketing_signatory"],
        sales_signatory=people["sales_signatory"],
        cancel_reason="Merged into Q2",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("act", list(ACTS))
def test_each_act_is_allowed_only_to_its_roles(
    act: str, role: str, agreement: Agreement, people: dict[str, Any]
) -> None:
    """An entitled role's act succeeds and is audited; anyone else is refused, writing nothing."""
    state, allowed = ROLE_RULES[act]
    subject = in_state(agreement, state, people)
    before = rows_written()
    status_before = Agreement.objects.get(pk=subject.pk).status
    if role in allowed:
        ACTS[act](subject, people[role])
        latest = AgreementEvent.objects.order_by("-pk").first()
        assert latest is not None
        assert latest.kind == EVENT_OF_ACT[act]
        assert latest.actor == people[role]
    else:
        with pytest.raises(PermissionDenied):
            ACTS[act](subject, people[role])
        assert rows_written() == before
        assert Agreement.objects.get(pk=subject.pk).status == status_before


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("act", list(ACTS))
def test_each_act_is_allowed_only_in_its_states(
    act: str, state: str, agreement: Agreement, people: dict[str, Any]
) -> None:
    """In a state it does not apply to, an act is refused with the life cycle's message."""
    role, allowed_states = STATE_RULES[act]
    subject = in_state(agreement, state, people)
    if state in allowed_states:
        ACTS[act](subject, people[role])
        latest = AgreementEvent.objects.order_by("-pk").first()
        assert latest is not None
        assert latest.kind == EVENT_OF_ACT[act]
    else:
        before = rows_written()
        with pytest.raises(ValidationError) as refused:
            ACTS[act](subject, people[role])
        stored = Agreement.objects.get(pk=subject.pk)
        assert refused.value.messages == [refusal(stored, LIFECYCLE_ACT[act])]
        assert rows_written() == before
        assert Agreement.objects.get(pk=subject.pk).status == state


@pytest.mark.parametrize(
    ("act", "status"),
    [
        ("submit", Agreement.Status.IN_REVIEW),
        ("withdraw", Agreement.Status.DRAFT),
        ("request_changes", Agreement.Status.DRAFT),
        ("cancel", Agreement.Status.CANCELLED),
    ],
)
def test_transitions_move_the_status(
    act: str, status: str, agreement: Agreement, people: dict[str, Any]
) -> None:
    """Submit freezes for review; withdraw and request changes return to draft; cancel ends it."""
    state, _roles = ROLE_RULES[act]
    subject = in_state(agreement, state, people)
    returned = ACTS[act](subject, people[STATE_RULES[act][0]])
    stored = Agreement.objects.get(pk=subject.pk)
    assert returned.status == stored.status == status


# One audit event per act


def _count_events(agreement: Agreement) -> int:
    return AgreementEvent.objects.filter(agreement__series_id=agreement.series_id).count()


def _kinds_of_last(agreement: Agreement, count: int) -> list[str]:
    """The kinds of the series' latest ``count`` events, oldest first."""
    return list(
        AgreementEvent.objects.filter(agreement__series_id=agreement.series_id)
        .order_by("-pk")
        .values_list("kind", flat=True)[:count]
    )[::-1]


def test_every_act_writes_exactly_its_events(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_member: Any,
    sales_signatory: Any,
) -> None:
    """One event per act, plus one per voided signature."""
    Kind = AgreementEvent.Kind
    a = agreement
    steps: list[tuple[str, Callable[[], Any], list[str]]] = [
        (
            "comment",
            lambda: comment_add(agreement=a, actor=sales_member, body="Hi"),
            [Kind.COMMENTED],
        ),
        (
            "resolve",
            lambda: comment_resolve(comment=_first_comment(a), actor=marketing_member),
            [Kind.COMMENT_RESOLVED],
        ),
        ("submit", lambda: agreement_submit(agreement=a, actor=marketing_member), [Kind.SUBMITTED]),
        ("sign", lambda: sign(a, marketing_signatory, a.marketing_team), [Kind.SIGNED]),
        (
            "withdraw",
            lambda: agreement_withdraw(agreement=a, actor=sales_member),
            [Kind.SIGNATURE_VOIDED, Kind.WITHDRAWN],
        ),
        (
            "resubmit",
            lambda: agreement_submit(agreement=a, actor=marketing_member),
            [Kind.SUBMITTED],
        ),
        ("sign again", lambda: sign(a, sales_signatory, a.sales_team), [Kind.SIGNED]),
        (
            "request changes",
            lambda: agreement_request_changes(agreement=a, actor=marketing_signatory, comment="No"),
            [Kind.SIGNATURE_VOIDED, Kind.CHANGES_REQUESTED],
        ),
        (
            "submit a third time",
            lambda: agreement_submit(agreement=a, actor=marketing_member),
            [Kind.SUBMITTED],
        ),
        ("first signature", lambda: sign(a, sales_signatory, a.sales_team), [Kind.SIGNED]),
        ("second signature", lambda: sign(a, marketing_signatory, a.marketing_team), [Kind.SIGNED]),
    ]
    for name, act, expected in steps:
        before = _count_events(a)
        act()
        assert _count_events(a) - before == len(expected), name
        assert _kinds_of_last(a, len(expected)) == expected, name


def test_amending_superseding_and_cancelling_write_their_events(
    agreement: Agreement,
    marketing_signatory: Any,
    sales_member: Any,
    sales_signatory: Any,
) -> None:
    """Amending writes one event; the amendment's signing supersedes; cancelling voids."""
    Kind = AgreementEvent.Kind
    signed = advance_to(
        agreement,
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    before = _count_events(signed)
    amendment = agreement_amend(agreement=signed, actor=sales_member)
    assert _count_events(signed) - before == 1
    amendment = agreement_submit(agreement=amendment, actor=sales_member)
    sign(amendment, marketing_signatory, amendment.marketing_team)
    before = _count_events(signed)
    sign(amendment, sales_signatory, amendment.sales_team)
    assert _count_events(signed) - before == 2
    assert _kinds_of_last(signed, 2) == [Kind.SIGNED, Kind.SUPERSEDED]

    other = agreement_amend(agreement=amendment, actor=sales_member)
    other = agreement_submit(agreement=other, actor=sales_member)
    sign(other, sales_signatory, other.sales_team)
    before = _count_events(signed)
    agreement_cancel(agreement=other, actor=sales_member, reason="Not needed")
    assert _count_events(signed) - before == 2
    assert _kinds_of_last(signed, 2) == [Kind.SIGNATURE_VOIDED, Kind.CANCELLED]


def test_audit_events_can_be_neither_updated_nor_deleted(agreement: Agreement) -> None:
    """The app has no way to change or remove an event, one by one or in bulk."""
    event = AgreementEvent.objects.filter(agreement=agreement).first()
    assert event is not None
    event.details = {"forged": True}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AgreementEvent.objects.filter(pk=event.pk).update(details={})
    with pytest.raises(TypeError):
        AgreementEvent.objects.filter(pk=event.pk).delete()
    stored = AgreementEvent.objects.get(pk=event.pk)
    assert stored.details == {"source": "template"}
