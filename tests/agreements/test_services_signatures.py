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
from teams.models import Membership
from tests.agreements.signing import rows_written, sign
from tests.factories import MembershipFactory, UserFactory, advance_to, current_digest


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
    before = rows_written()
    for password in ("not-my-password", ""):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, marketing_signatory, in_review.marketing_team, password=password)
        assert refused.value.messages == [signatures.ERROR_BAD_PASSWORD]
    assert rows_written() == before


def test_typed_name_must_match_the_full_name(
    in_review: Agreement, marketing_signatory: Any
) -> None:
    """Another name, or none, is refused and nothing is written."""
    before = rows_written()
    with pytest.raises(ValidationError) as refused:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name="Sally Seller")
    assert refused.value.code == "name_mismatch"
    assert refused.value.messages == [signatures.ERROR_NAME_MISMATCH]
    with pytest.raises(ValidationError) as blank:
        sign(in_review, marketing_signatory, in_review.marketing_team, typed_name=" ")
    assert blank.value.messages == [signatures.ERROR_NAME_MISMATCH]
    assert rows_written() == before


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
    before = rows_written()
    with pytest.raises(ValidationError) as refused:
        sign(resubmitted, marketing_signatory, resubmitted.marketing_team, seen_digest=seen)
    assert refused.value.messages == [signatures.ERROR_STALE_DIGEST]
    assert refused.value.code == "stale_digest"
    assert rows_written() == before


def test_one_valid_signature_per_team_per_version(
    in_review: Agreement, marketing_signatory: Any, marketing_team: Any
) -> None:
    """A team that has signed cannot sign again, by the same or another signatory."""
    sign(in_review, marketing_signatory, marketing_team)
    colleague = UserFactory.create(username="mona", first_name="Mona", last_name="Lisa")
    MembershipFactory(team=marketing_team, user=colleague, role=Membership.Role.SIGNATORY)
    before = rows_written()
    for signer in (marketing_signatory, colleague):
        with pytest.raises(ValidationError) as refused:
            sign(in_review, signer, marketing_team)
        assert refused.value.code == "already_signed"
        assert refused.value.messages == [signatures.ERROR_ALREADY_SIGNED]
    assert rows_written() == before
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
