"""Sign-off services: who may act, in which state, and what each act writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.exchange import agreement_digest
from agreements.lifecycle import ERROR_SUPERSEDED, Act, refusal
from agreements.models import Agreement, AgreementEvent, Comment, Kpi, Signature
from agreements.selectors import agreement_load_sections
from agreements.services import amendments, comments, review, signatures
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add, comment_resolve
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_submit,
    agreement_withdraw,
)
from teams.models import Membership
from tests.agreements.signing import current_digest, sign, sign_both, submit
from tests.factories import MembershipFactory, UserFactory

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
    if state == "in_review":
        return submit(agreement, people["marketing_member"])
    if state == "signed":
        return sign_both(
            agreement,
            marketing_signatory=people["marketing_signatory"],
            sales_signatory=people["sales_signatory"],
        )
    if state == "cancelled":
        return agreement_cancel(
            agreement=agreement, actor=people["marketing_member"], reason="Merged into Q2"
        )
    return agreement


def _written() -> tuple[int, int, int, int]:
    return (
        AgreementEvent.objects.count(),
        Signature.objects.count(),
        Agreement.objects.count(),
        Comment.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("act", list(ACTS))
def test_each_act_is_allowed_only_to_its_roles(
    act: str, role: str, agreement: Agreement, people: dict[str, Any]
) -> None:
    """An entitled role's act succeeds and is audited; anyone else is refused, writing nothing."""
    state, allowed = ROLE_RULES[act]
    subject = in_state(agreement, state, people)
    before = _written()
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
        assert _written() == before
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
        before = _written()
        with pytest.raises(ValidationError) as refused:
            ACTS[act](subject, people[role])
        stored = Agreement.objects.get(pk=subject.pk)
        assert refused.value.messages == [refusal(stored, LIFECYCLE_ACT[act])]
        assert _written() == before
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


def test_submit_records_when_it_was_submitted(agreement: Agreement, marketing_member: Any) -> None:
    """Submitting stamps submitted_at; going back to draft clears it."""
    submitted = submit(agreement, marketing_member)
    assert submitted.submitted_at is not None
    withdrawn = agreement_withdraw(agreement=submitted, actor=marketing_member)
    assert withdrawn.submitted_at is None


def test_submit_refuses_incomplete_content_naming_what_is_missing(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """An empty draft cannot go to review: the funnel inputs, a KPI and a lead type are named."""
    empty = agreement_create(
        actor=marketing_member,
        title="Blank SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    events = AgreementEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=empty, actor=marketing_member)
    message = refused.value.messages[0]
    assert refused.value.code == "incomplete"
    for missing in ("revenue goal", "average deal size", "months in the plan", "KPI", "lead type"):
        assert missing in message
    assert Agreement.objects.get(pk=empty.pk).status == Agreement.Status.DRAFT
    assert AgreementEvent.objects.count() == events


def test_submit_refuses_a_draft_without_kpis(agreement: Agreement, marketing_member: Any) -> None:
    """A draft whose funnel is complete but has no KPI is refused, naming only the KPI."""
    Kpi.objects.filter(agreement=agreement).delete()
    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=agreement, actor=marketing_member)
    message = refused.value.messages[0]
    assert "KPI" in message
    assert "revenue goal" not in message
    assert "lead type" not in message


# Signing


@pytest.fixture
def in_review(agreement: Agreement, marketing_member: Any) -> Agreement:
    return submit(agreement, marketing_member)


def test_signature_records_the_evidence(in_review: Agreement, marketing_signatory: Any) -> None:
    """A signature keeps team, user, typed name, time, IP, user agent, version and digest."""
    digest = current_digest(in_review)
    signature = sign(
        in_review,
        marketing_signatory,
        in_review.marketing_team,
        typed_name="  mark   ETING ",
        ip_address="198.51.100.20",
        user_agent="Mozilla/5.0 (X11) Chromium",
    )
    signature.refresh_from_db()
    assert signature.team == in_review.marketing_team
    assert signature.user == marketing_signatory
    assert signature.typed_name == "mark ETING"
    assert signature.signed_at is not None
    assert signature.ip_address == "198.51.100.20"
    assert signature.user_agent == "Mozilla/5.0 (X11) Chromium"
    assert signature.version == 1
    assert signature.digest == digest
    assert signature.voided_at is None
    event = AgreementEvent.objects.get(agreement=in_review, kind=AgreementEvent.Kind.SIGNED)
    assert event.details["digest"] == digest
    assert event.details["signature"] == signature.pk
    assert event.ip_address == "198.51.100.20"
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW


def test_wrong_password_is_refused_and_writes_nothing(
    in_review: Agreement, marketing_signatory: Any
) -> None:
    """Re-authentication: a wrong or empty password signs nothing."""
    before = _written()
    for password in ("not-my-password", ""):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, marketing_signatory, in_review.marketing_team, password=password)
        assert refused.value.messages == [signatures.ERROR_BAD_PASSWORD]
    assert _written() == before


def test_typed_name_must_match_the_full_name(
    in_review: Agreement, marketing_signatory: Any
) -> None:
    """Another name, or none, is refused and nothing is written."""
    before = _written()
    with pytest.raises(ValidationError) as refused:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name="Sally Seller")
    assert refused.value.code == "name_mismatch"
    assert refused.value.messages == [signatures.ERROR_NAME_MISMATCH]
    with pytest.raises(ValidationError) as blank:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name=" ")
    assert blank.value.messages == [signatures.ERROR_NAME_MISMATCH]
    assert _written() == before


def test_a_user_without_a_full_name_must_type_some_name(
    in_review: Agreement, marketing_team: Any
) -> None:
    """With no name on the account, a blank name is refused and any typed name accepted."""
    nameless = UserFactory.create(username="nameless", first_name="", last_name="")
    MembershipFactory(team=marketing_team, user=nameless, role=Membership.Role.SIGNATORY)
    with pytest.raises(ValidationError) as refused:
        sign(in_review, nameless, marketing_team, typed_name="   ")
    assert refused.value.messages == [signatures.ERROR_NAME_MISMATCH]
    signature = sign(in_review, nameless, marketing_team, typed_name="N. Less")
    assert signature.typed_name == "N. Less"


def test_stale_digest_is_refused_and_writes_nothing(
    agreement: Agreement, marketing_member: Any, marketing_signatory: Any
) -> None:
    """Content that changed after the signer saw it is not signed; no signature, no event."""
    seen = current_digest(submit(agreement, marketing_member))
    agreement_withdraw(agreement=agreement, actor=marketing_member)
    draft = Agreement.objects.get(pk=agreement.pk)
    agreement_section_update(
        agreement=draft,
        actor=marketing_member,
        section="funnel",
        base_revision=draft.revision,
        fields={"revenue_goal": Decimal("650000.00")},
    )
    resubmitted = submit(draft, marketing_member)
    assert current_digest(resubmitted) != seen
    before = _written()
    with pytest.raises(ValidationError) as refused:
        sign(resubmitted, marketing_signatory, resubmitted.marketing_team, seen_digest=seen)
    assert refused.value.messages == [signatures.ERROR_STALE_DIGEST]
    assert refused.value.code == "stale_digest"
    assert _written() == before


def test_one_valid_signature_per_team_per_version(
    in_review: Agreement, marketing_signatory: Any, marketing_team: Any
) -> None:
    """A team that has signed cannot sign again, by the same or another signatory."""
    sign(in_review, marketing_signatory, marketing_team)
    colleague = UserFactory.create(username="mona", first_name="Mona", last_name="Lisa")
    MembershipFactory(team=marketing_team, user=colleague, role=Membership.Role.SIGNATORY)
    before = _written()
    for signer in (marketing_signatory, colleague):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, signer, marketing_team)
        assert refused.value.code == "already_signed"
        assert refused.value.messages == [signatures.ERROR_ALREADY_SIGNED]
    assert _written() == before
    assert Signature.objects.filter(agreement=in_review, voided_at__isnull=True).count() == 1


def test_signing_for_a_team_of_another_agreement_is_refused(
    in_review: Agreement, outsider: Any
) -> None:
    """A signatory of an unrelated team cannot sign for it here."""
    outsider_team = outsider.memberships.get().team
    Membership.objects.filter(user=outsider).update(role=Membership.Role.SIGNATORY)
    with pytest.raises(PermissionDenied):
        sign(in_review, outsider, outsider_team)
    assert not Signature.objects.exists()


def test_second_signature_signs_the_agreement(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """Both teams' signatures make the agreement signed, in the second signature's act."""
    sign(in_review, sales_signatory, in_review.sales_team)
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW
    second = sign(in_review, marketing_signatory, in_review.marketing_team)
    signed = Agreement.objects.get(pk=in_review.pk)
    assert signed.status == Agreement.Status.SIGNED
    assert signed.signed_at == second.signed_at
    assert signed.standing in ("in_force", "expired", "scheduled")
    digests = set(Signature.objects.filter(agreement=signed).values_list("digest", flat=True))
    assert digests == {current_digest(signed)}


def test_withdraw_voids_signatures_and_keeps_them_on_record(
    in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """Voided signatures stay, marked void with who and why; the team may sign again later."""
    signature = sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_withdraw(agreement=in_review, actor=sales_member, reason="Targets are too high")
    signature.refresh_from_db()
    assert signature.voided_at is not None
    assert signature.voided_by == sales_member
    assert signature.void_reason == "Targets are too high"
    voided = AgreementEvent.objects.get(kind=AgreementEvent.Kind.SIGNATURE_VOIDED)
    assert voided.details["signature"] == signature.pk
    withdrawn = AgreementEvent.objects.get(kind=AgreementEvent.Kind.WITHDRAWN)
    assert withdrawn.details == {"reason": "Targets are too high", "voided_signatures": 1}
    resubmitted = submit(Agreement.objects.get(pk=in_review.pk), sales_member)
    again = sign(resubmitted, marketing_signatory, resubmitted.marketing_team)
    assert Signature.objects.filter(agreement=in_review).count() == 2
    assert again.voided_at is None


def test_request_changes_needs_a_comment(in_review: Agreement, sales_signatory: Any) -> None:
    """Without a comment, request changes is refused and the agreement stays in review."""
    before = _written()
    with pytest.raises(ValidationError) as refused:
        agreement_request_changes(agreement=in_review, actor=sales_signatory, comment="  ")
    assert refused.value.messages == [review.ERROR_COMMENT_REQUIRED]
    assert _written() == before
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW


def test_request_changes_stores_the_comment_and_voids_signatures(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """The comment is kept as an open comment and in the event; signatures given are void."""
    signature = sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_request_changes(
        agreement=in_review, actor=sales_signatory, comment="Response time: 2 hours, not 1."
    )
    comment = Comment.objects.get(agreement=in_review)
    assert comment.body == "Response time: 2 hours, not 1."
    assert comment.author == sales_signatory
    assert comment.resolved_at is None
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.CHANGES_REQUESTED)
    assert event.details["comment"] == "Response time: 2 hours, not 1."
    assert not AgreementEvent.objects.filter(kind=AgreementEvent.Kind.COMMENTED).exists()
    signature.refresh_from_db()
    assert signature.voided_by == sales_signatory


def test_cancel_needs_a_reason_and_keeps_it(agreement: Agreement, sales_member: Any) -> None:
    """Cancelling without a reason is refused; with one, it is stored on the agreement."""
    with pytest.raises(ValidationError) as refused:
        agreement_cancel(agreement=agreement, actor=sales_member, reason="")
    assert refused.value.messages == [review.ERROR_REASON_REQUIRED]
    cancelled = agreement_cancel(agreement=agreement, actor=sales_member, reason="Team merged")
    stored = Agreement.objects.get(pk=cancelled.pk)
    assert stored.status == Agreement.Status.CANCELLED
    assert stored.cancel_reason == "Team merged"
    assert stored.cancelled_at is not None


def test_cancel_in_review_voids_signatures(
    in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """A cancelled review leaves no valid signature behind."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_cancel(agreement=in_review, actor=sales_member, reason="Superseded by a new plan")
    assert not Signature.objects.filter(agreement=in_review, voided_at__isnull=True).exists()


# Amendments


@pytest.fixture
def signed(agreement: Agreement, marketing_signatory: Any, sales_signatory: Any) -> Agreement:
    return sign_both(
        agreement, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory
    )


def test_amend_creates_the_next_version_as_a_draft_copy(
    signed: Agreement, sales_member: Any
) -> None:
    """Version 2 is a draft in the same series, amending version 1, with the same content."""
    amendment = agreement_amend(agreement=signed, actor=sales_member, ip_address="192.0.2.1")
    assert amendment.pk != signed.pk
    assert amendment.series_id == signed.series_id
    assert amendment.version == 2
    assert amendment.amends_id == signed.pk
    assert amendment.status == Agreement.Status.DRAFT
    assert current_digest(amendment) == current_digest(signed)
    event = AgreementEvent.objects.get(agreement=amendment)
    assert event.kind == AgreementEvent.Kind.AMENDED
    assert event.details == {"amends": signed.pk, "from_version": 1}
    assert event.ip_address == "192.0.2.1"
    assert amendment.revisions.count() == 1
    original = Agreement.objects.get(pk=signed.pk)
    assert original.status == Agreement.Status.SIGNED
    assert original.superseded_at is None


def test_a_version_is_amended_only_once(signed: Agreement, sales_member: Any) -> None:
    """A second amendment of the same version is refused, naming the existing one."""
    agreement_amend(agreement=signed, actor=sales_member)
    before = _written()
    with pytest.raises(ValidationError) as refused:
        agreement_amend(agreement=signed, actor=sales_member)
    assert refused.value.messages == [amendments.ERROR_ALREADY_AMENDED.format(version=2)]
    assert _written() == before


def test_signing_the_amendment_supersedes_the_earlier_version(
    signed: Agreement, marketing_member: Any, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """The earlier version stays in force until the amendment is signed, then is superseded."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    agreement_section_update(
        agreement=amendment,
        actor=marketing_member,
        section="review",
        base_revision=amendment.revision,
        fields={"meeting_cadence": "quarterly"},
    )
    amendment = submit(Agreement.objects.get(pk=amendment.pk), marketing_member)
    sign(amendment, marketing_signatory, amendment.marketing_team)
    assert Agreement.objects.get(pk=signed.pk).superseded_at is None
    sign(amendment, sales_signatory, amendment.sales_team)
    original = Agreement.objects.get(pk=signed.pk)
    assert original.superseded_at is not None
    assert original.standing == "superseded"
    assert original.status == Agreement.Status.SIGNED
    event = AgreementEvent.objects.get(agreement=original, kind=AgreementEvent.Kind.SUPERSEDED)
    assert event.details == {"superseded_by": amendment.pk, "version": 2}
    assert event.actor == sales_signatory
    with pytest.raises(ValidationError) as refused:
        agreement_amend(agreement=original, actor=marketing_member)
    assert refused.value.messages == [ERROR_SUPERSEDED]
    version_three = agreement_amend(agreement=amendment, actor=marketing_member)
    assert version_three.version == 3


# One audit event per act


def _count_events(agreement: Agreement) -> int:
    return AgreementEvent.objects.filter(agreement__series_id=agreement.series_id).count()


def test_every_act_writes_exactly_its_events(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_member: Any,
    sales_signatory: Any,
) -> None:
    """One event per act, plus one per voided signature and one when a version is superseded."""
    steps: list[tuple[str, Callable[[], Any], list[str]]] = []
    Kind = AgreementEvent.Kind
    a = agreement

    def kinds_of_last(count: int) -> list[str]:
        return list(
            AgreementEvent.objects.filter(agreement__series_id=a.series_id)
            .order_by("-pk")
            .values_list("kind", flat=True)[:count]
        )[::-1]

    steps = [
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
        ("submit", lambda: submit(a, marketing_member), [Kind.SUBMITTED]),
        ("sign", lambda: sign(a, marketing_signatory, a.marketing_team), [Kind.SIGNED]),
        (
            "withdraw",
            lambda: agreement_withdraw(agreement=a, actor=sales_member),
            [Kind.SIGNATURE_VOIDED, Kind.WITHDRAWN],
        ),
        ("resubmit", lambda: submit(a, marketing_member), [Kind.SUBMITTED]),
        ("sign again", lambda: sign(a, sales_signatory, a.sales_team), [Kind.SIGNED]),
        (
            "request changes",
            lambda: agreement_request_changes(agreement=a, actor=marketing_signatory, comment="No"),
            [Kind.SIGNATURE_VOIDED, Kind.CHANGES_REQUESTED],
        ),
        ("submit a third time", lambda: submit(a, marketing_member), [Kind.SUBMITTED]),
        ("first signature", lambda: sign(a, sales_signatory, a.sales_team), [Kind.SIGNED]),
        ("second signature", lambda: sign(a, marketing_signatory, a.marketing_team), [Kind.SIGNED]),
    ]
    for name, act, expected in steps:
        before = _count_events(a)
        act()
        assert _count_events(a) - before == len(expected), name
        assert kinds_of_last(len(expected)) == expected, name

    before = _count_events(a)
    amendment = agreement_amend(agreement=a, actor=sales_member)
    assert _count_events(a) - before == 1
    amendment = submit(amendment, sales_member)
    sign(amendment, marketing_signatory, amendment.marketing_team)
    before = _count_events(a)
    sign(amendment, sales_signatory, amendment.sales_team)
    assert _count_events(a) - before == 2
    assert kinds_of_last(2) == [Kind.SIGNED, Kind.SUPERSEDED]

    other = agreement_amend(agreement=amendment, actor=sales_member)
    other = submit(other, sales_member)
    sign(other, sales_signatory, other.sales_team)
    before = _count_events(a)
    agreement_cancel(agreement=other, actor=sales_member, reason="Not needed")
    assert _count_events(a) - before == 2
    assert kinds_of_last(2) == [Kind.SIGNATURE_VOIDED, Kind.CANCELLED]


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


# Comments


def test_comment_on_a_section_and_resolve_it(agreement: Agreement, sales_member: Any) -> None:
    """A comment may name a section; resolving records who and when, once."""
    comment = comment_add(
        agreement=agreement,
        actor=sales_member,
        body="  Add a webinar lead type.  ",
        section="service_levels",
    )
    assert comment.body == "Add a webinar lead type."
    assert comment.section == "service_levels"
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.COMMENTED)
    assert event.details["comment"] == comment.pk
    resolved = comment_resolve(comment=comment, actor=sales_member)
    assert resolved.resolved_by == sales_member
    assert resolved.resolved_at is not None
    with pytest.raises(ValidationError) as refused:
        comment_resolve(comment=comment, actor=sales_member)
    assert refused.value.messages == [comments.ERROR_ALREADY_RESOLVED]


@pytest.mark.parametrize(
    ("body", "section", "message"),
    [
        ("", "", comments.ERROR_BODY_REQUIRED),
        ("   ", "kpis", comments.ERROR_BODY_REQUIRED),
        ("Fine", "nonsense", comments.ERROR_UNKNOWN_SECTION.format(section="nonsense")),
    ],
)
def test_comment_needs_a_body_and_a_known_section(
    agreement: Agreement, sales_member: Any, body: str, section: str, message: str
) -> None:
    """An empty comment, or one on a section that does not exist, is refused."""
    with pytest.raises(ValidationError) as refused:
        comment_add(agreement=agreement, actor=sales_member, body=body, section=section)
    assert refused.value.messages == [message]
    assert not Comment.objects.exists()


def test_digest_is_unchanged_by_submit_and_sign(
    agreement: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """Status and signatures are a record, not content: the digest does not cover them."""
    before = agreement_digest(agreement_load_sections(agreement.pk))
    signed = sign_both(
        agreement, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory
    )
    assert current_digest(signed) == before
