"""Amendments: the next version as a draft copy, made once, superseding the signed one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agreements.lifecycle import ERROR_SUPERSEDED
from agreements.models import Agreement, AgreementEvent
from agreements.services import amendments
from agreements.services.agreements import agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from tests.agreements.signing import rows_written, sign
from tests.factories import current_digest


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
    before = rows_written()
    with pytest.raises(ValidationError) as refused:
        agreement_amend(agreement=signed, actor=sales_member)
    assert refused.value.messages == [amendments.ERROR_ALREADY_AMENDED.format(version=2)]
    assert rows_written() == before


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
    amendment = agreement_submit(
        agreement=Agreement.objects.get(pk=amendment.pk), actor=marketing_member
    )
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
