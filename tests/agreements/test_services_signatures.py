"""Signing: the evidence a signature keeps, and every way a signature is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent, Signature
from agreements.selectors import agreement_load_sections
from agreements.services import signatures
from agreements.services.agreements import agreement_section_update
from agreements.services.review import (
    agreement_withdraw,
)
from agreements.verification import verify_agreement
from teams.models import Membership
from tests.agreements.signing import rows_written, sign
from tests.factories import MembershipFactory, UserFactory, advance_to, current_digest


def _rows_besides_failures() -> tuple[int, ...]:
    """rows_written(), leaving out the signing_failed events that refusals record."""
    events, *others = rows_written()
    failures = AgreementEvent.objects.filter(kind=AgreementEvent.Kind.SIGNING_FAILED).count()
    return (events - failures, *others)


def _failures(agreement: Agreement) -> list[dict[str, Any]]:
    """The details of each signing_failed event of the agreement, oldest first."""
    return list(
        AgreementEvent.objects.filter(agreement=agreement, kind=AgreementEvent.Kind.SIGNING_FAILED)
        .order_by("pk")
        .values_list("details", flat=True)
    )


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


def test_wrong_password_is_refused_and_writes_only_its_failure_event(
    in_review: Agreement, marketing_signatory: Any
) -> None:
    """Re-authentication: a wrong or empty password signs nothing; each attempt is on record."""
    before = _rows_besides_failures()
    for password in ("not-my-password", ""):
        with pytest.raises(ValidationError) as refused:
            sign(
                in_review,
                marketing_signatory,
                in_review.marketing_team,
                password=password,
                ip_address="198.51.100.9",
            )
        assert refused.value.messages == [signatures.ERROR_BAD_PASSWORD]
    assert _rows_besides_failures() == before
    failure = {"team": "Growth Marketing", "version": 1, "reason": "wrong password"}
    assert _failures(in_review) == [failure, failure]
    event = AgreementEvent.objects.filter(kind=AgreementEvent.Kind.SIGNING_FAILED).last()
    assert event is not None
    assert event.actor == marketing_signatory
    assert event.ip_address == "198.51.100.9"
    assert event.get_kind_display() == "Signing attempt failed"
    assert "not-my-password" not in str(event.details)


def test_typed_name_must_match_the_full_name(
    in_review: Agreement, marketing_signatory: Any
) -> None:
    """Another name, or none, is refused; only the failed attempts are written."""
    before = _rows_besides_failures()
    with pytest.raises(ValidationError) as refused:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name="Sally Seller")
    assert refused.value.code == "name_mismatch"
    assert refused.value.messages == [signatures.ERROR_NAME_MISMATCH]
    with pytest.raises(ValidationError) as blank:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name=" ")
    assert blank.value.messages == [signatures.ERROR_NAME_MISMATCH]
    assert _rows_besides_failures() == before
    assert [failure["reason"] for failure in _failures(in_review)] == [
        "typed name does not match the account"
    ] * 2
    assert "Sally Seller" not in str(_failures(in_review))


def test_signer_without_a_full_name_is_refused_and_told_where_to_set_it(
    in_review: Agreement, marketing_team: Any
) -> None:
    """No name on the account, no signature: the refusal says who sets the name, and where."""
    nameless = UserFactory.create(username="nameless", first_name="", last_name="")
    MembershipFactory(team=marketing_team, user=nameless, role=Membership.Role.SIGNATORY)
    for typed_name in ("N. Less", "nameless", "   "):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, nameless, marketing_team, typed_name=typed_name)
        assert refused.value.code == "no_full_name"
        assert refused.value.messages == [signatures.ERROR_NO_FULL_NAME]
    assert [failure["reason"] for failure in _failures(in_review)] == [
        "no full name on the account"
    ] * 3
    assert "administrator" in signatures.ERROR_NO_FULL_NAME
    assert "Users" in signatures.ERROR_NO_FULL_NAME
    assert not Signature.objects.filter(agreement=in_review).exists()


def test_one_person_signs_for_one_side_only(
    in_review: Agreement, marketing_team: Any, sales_team: Any
) -> None:
    """A signatory of both teams signs one side; their second signature is refused, clearly."""
    both = UserFactory.create(username="bo", first_name="Bo", last_name="Both")
    MembershipFactory(team=marketing_team, user=both, role=Membership.Role.SIGNATORY)
    MembershipFactory(team=sales_team, user=both, role=Membership.Role.SIGNATORY)
    sign(in_review, both, marketing_team)

    with pytest.raises(ValidationError) as refused:
        sign(in_review, both, sales_team)

    assert refused.value.code == "same_signer"
    assert refused.value.messages == [signatures.ERROR_SAME_SIGNER.format(team=marketing_team.name)]
    assert not Signature.objects.filter(agreement=in_review, team=sales_team).exists()
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW


def test_signing_refusal_names_what_stops_a_signer_before_they_type(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """Nothing stops a named signatory; a signer of one side is told about the other."""
    assert signatures.signing_refusal(actor=sales_signatory, signatures=[]) == ""
    signature = sign(in_review, marketing_signatory, in_review.marketing_team)

    refusal = signatures.signing_refusal(actor=marketing_signatory, signatures=[signature])

    assert refusal == signatures.ERROR_SAME_SIGNER.format(team="Growth Marketing")
    assert signatures.signing_refusal(actor=sales_signatory, signatures=[signature]) == ""


def test_stale_digest_is_refused_and_writes_only_its_failure_event(
    agreement: Agreement, marketing_member: Any, marketing_signatory: Any
) -> None:
    """Content that changed after the signer saw it is not signed: no signature, no act."""
    seen = current_digest(advance_to(agreement, Agreement.Status.IN_REVIEW))
    agreement_withdraw(agreement=agreement, actor=marketing_member)
    draft = Agreement.objects.get(pk=agreement.pk)
    agreement_section_update(
        agreement=draft,
        actor=marketing_member,
        section="funnel",
        base_revision=draft.revision,
        fields={"revenue_goal": Decimal("650000.00")},
    )
    resubmitted = advance_to(draft, Agreement.Status.IN_REVIEW)
    assert current_digest(resubmitted) != seen
    before = _rows_besides_failures()
    with pytest.raises(ValidationError) as refused:
        sign(resubmitted, marketing_signatory, resubmitted.marketing_team, seen_digest=seen)
    assert refused.value.messages == [signatures.ERROR_STALE_DIGEST]
    assert refused.value.code == "stale_digest"
    assert _rows_besides_failures() == before
    assert _failures(resubmitted)[-1]["reason"] == "content changed after it was shown"


def test_one_valid_signature_per_team_per_version(
    in_review: Agreement, marketing_signatory: Any, marketing_team: Any
) -> None:
    """A team that has signed cannot sign again, by the same or another signatory."""
    sign(in_review, marketing_signatory, marketing_team)
    colleague = UserFactory.create(username="mona", first_name="Mona", last_name="Lisa")
    MembershipFactory(team=marketing_team, user=colleague, role=Membership.Role.SIGNATORY)
    before = _rows_besides_failures()
    for signer in (marketing_signatory, colleague):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, signer, marketing_team)
        assert refused.value.code == "already_signed"
        assert refused.value.messages == [signatures.ERROR_ALREADY_SIGNED]
    assert _rows_besides_failures() == before
    assert [failure["reason"] for failure in _failures(in_review)] == ["team already signed"] * 2
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


def test_digest_is_unchanged_by_submit_and_sign(
    agreement: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """Status and signatures are a record, not content: the digest does not cover them."""
    before = agreement_digest(agreement_load_sections(agreement.pk))
    signed = advance_to(
        agreement,
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    assert current_digest(signed) == before


def test_failed_attempts_stay_on_record_and_keep_the_chain_intact(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """A refusal inside the act's rolled-back transaction is still recorded, chained and sealed."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    with pytest.raises(ValidationError):
        sign(in_review, marketing_signatory, in_review.marketing_team)
    with pytest.raises(ValidationError):
        sign(in_review, sales_signatory, in_review.sales_team, password="wrong")
    sign(in_review, sales_signatory, in_review.sales_team)

    assert [failure["reason"] for failure in _failures(in_review)] == [
        "team already signed",
        "wrong password",
    ]
    assert verify_agreement(in_review).is_intact


def test_refusals_of_the_life_cycle_or_of_a_stranger_are_not_signing_attempts(
    agreement: Agreement, marketing_signatory: Any, outsider: Any
) -> None:
    """Nothing to sign (a draft) or no team to sign for: refused, and nothing recorded."""
    with pytest.raises(ValidationError):
        sign(agreement, marketing_signatory, agreement.marketing_team)
    with pytest.raises(PermissionDenied):
        sign(agreement, outsider, agreement.sales_team)

    assert _failures(agreement) == []
