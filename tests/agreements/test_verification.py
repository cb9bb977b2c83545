"""Verification: a signed agreement's digest recomputed from stored data, and tamper detection."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agreements.models import (
    Agreement,
    AgreementEvent,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    Signature,
)
from agreements.services.agreements import agreement_copy
from agreements.services.review import agreement_withdraw
from agreements.verification import INTACT, TAMPERED, UNSIGNED, verify_agreement, verify_all
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import text_of, url
from tests.factories import AgreementFactory, advance_to, current_digest
from tests.tampering import database_writer


def test_a_signed_agreement_verifies_intact(signed: Agreement) -> None:
    """Untouched signed content matches both signatures' digest."""
    result = verify_agreement(signed)
    assert result.status == INTACT
    assert result.is_intact
    assert result.current_digest == result.signed_digest == current_digest(signed)
    assert result.signatures_checked == 2
    assert all(check.is_intact for check in result.signatures)
    assert str(result.label) == "Intact"


def test_a_draft_without_signatures_is_unsigned(agreement: Agreement) -> None:
    """Nothing to compare: the result says unsigned and carries the current digest."""
    result = verify_agreement(agreement)
    assert result.status == UNSIGNED
    assert result.signed_digest is None
    assert result.current_digest == current_digest(agreement)
    assert result.signatures_checked == 0


def test_voided_signatures_are_not_checked(
    agreement: Agreement, marketing_member: Any, marketing_signatory: Any
) -> None:
    """After a withdrawal the void signature no longer binds the content."""
    in_review = advance_to(agreement, Agreement.Status.IN_REVIEW)
    sign(in_review, marketing_signatory, in_review.marketing_team)
    assert verify_agreement(in_review).status == INTACT
    agreement_withdraw(agreement=in_review, actor=marketing_member)
    assert verify_agreement(in_review).status == UNSIGNED


def _first(model: Any, agreement: Agreement) -> Any:
    return model.objects.filter(agreement=agreement).order_by("position", "pk")


TAMPERING: dict[str, Callable[[Agreement], Any]] = {
    "kpi target": lambda a: Kpi.objects.filter(pk=_first(Kpi, a)[0].pk).update(
        target=Decimal("1.00")
    ),
    "revenue goal": lambda a: Agreement.objects.filter(pk=a.pk).update(
        revenue_goal=Decimal("1.00")
    ),
    "title": lambda a: Agreement.objects.filter(pk=a.pk).update(title="Something else"),
    "rule points": lambda a: QualificationRule.objects.filter(
        pk=_first(QualificationRule, a)[0].pk
    ).update(points=99),
    "lead type removed": lambda a: LeadTypeServiceLevel.objects.filter(
        pk=_first(LeadTypeServiceLevel, a)[0].pk
    ).delete(),
    "holiday added": lambda a: Holiday.objects.create(agreement=a, date=a.start_date, position=0),
    "deadline done": lambda a: Deadline.objects.filter(agreement=a).update(done=True),
    "signature digest": lambda a: Signature.objects.filter(
        agreement=a, team=a.marketing_team
    ).update(digest="0" * 64),
    "signature removed": lambda a: Signature.objects.filter(
        agreement=a, team=a.sales_team
    ).delete(),
    "all signatures removed": lambda a: Signature.objects.filter(agreement=a).delete(),
}


@pytest.mark.parametrize("alteration", list(TAMPERING))
def test_a_row_altered_in_the_database_is_reported_tampered(
    signed: Agreement, alteration: str
) -> None:
    """Any change to signed data made behind the app's back is caught."""
    with database_writer():
        TAMPERING[alteration](signed)
    result = verify_agreement(signed)
    assert result.status == TAMPERED
    assert result.is_tampered


def test_tampered_content_shows_both_digests(signed: Agreement) -> None:
    """The report names the digest signed and the digest of the content stored now."""
    signed_digest = current_digest(signed)
    with database_writer():
        Kpi.objects.filter(pk=_first(Kpi, signed)[0].pk).update(target=Decimal("5.00"))
    result = verify_agreement(signed)
    assert result.signed_digest == signed_digest
    assert result.current_digest == current_digest(signed) != signed_digest
    assert [check.matches_content for check in result.signatures] == [False, False]


def test_verify_reads_the_database_not_the_instance(signed: Agreement) -> None:
    """An in-memory change that was never saved does not count; a saved one does."""
    signed.revenue_goal = Decimal("1.00")
    assert verify_agreement(signed).status == INTACT


def test_verify_all_covers_every_signed_and_partly_signed_agreement(
    signed: Agreement,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    marketing_signatory: Any,
) -> None:
    """Signed agreements and reviews with a signature are listed; plain drafts are not."""
    half = advance_to(
        agreement_copy(source=signed, actor=marketing_member), Agreement.Status.IN_REVIEW
    )
    sign(half, marketing_signatory, half.marketing_team)
    draft = agreement_copy(source=signed, actor=marketing_member, title="Untouched")
    results = dict(verify_all())
    assert set(results) == {signed, half}
    assert draft not in results
    assert all(result.status == INTACT for result in results.values())


def test_verify_agreement_query_count_does_not_grow_with_rows(
    signed: Agreement, django_assert_num_queries: Any
) -> None:
    """Verification loads the content in a fixed number of queries, however many rows."""
    with django_assert_num_queries(10):
        verify_agreement(signed)
    larger = AgreementFactory.create()
    Kpi.objects.bulk_create(
        Kpi(agreement=larger, position=10 + n, name=f"Extra {n}", owner="shared", target=1)
        for n in range(20)
    )
    larger = advance_to(larger, Agreement.Status.SIGNED)
    with django_assert_num_queries(10):
        verify_agreement(larger)


def test_command_exits_zero_when_everything_is_intact(signed: Agreement) -> None:
    """Each signed version gets a line; the summary says nothing is tampered."""
    out = StringIO()
    call_command("verify_agreements", stdout=out)
    output = out.getvalue()
    assert f"INTACT    #{signed.pk} Q1 pipeline SLA v1 (signed)" in output
    assert "1 checked, 0 tampered." in output


def test_command_exits_one_when_anything_is_tampered(
    signed: Agreement, agreement_factory: Callable[[str], Agreement]
) -> None:
    """A tampered version is reported by name and the command's exit status is 1."""
    intact = agreement_factory("Q2 pipeline SLA")
    with database_writer():
        Agreement.objects.filter(pk=signed.pk).update(revenue_goal=Decimal("900000.00"))
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_agreements", stdout=out)
    assert failed.value.returncode == 1
    assert "2 checked, 1 tampered." in str(failed.value)
    output = out.getvalue()
    assert f"TAMPERED  #{signed.pk} Q1 pipeline SLA v1" in output
    assert f"INTACT    #{intact.pk} Q2 pipeline SLA v1" in output


def test_command_checks_only_the_given_agreements(
    signed: Agreement, agreement_factory: Callable[[str], Agreement]
) -> None:
    """With ids, only those are checked; an unknown id is an error."""
    other = agreement_factory("Q2 pipeline SLA")
    with database_writer():
        Agreement.objects.filter(pk=signed.pk).update(title="Forged")
    out = StringIO()
    call_command("verify_agreements", str(other.pk), stdout=out)
    assert "1 checked, 0 tampered." in out.getvalue()
    with pytest.raises(CommandError) as failed:
        call_command("verify_agreements", str(signed.pk), stdout=StringIO())
    assert failed.value.returncode == 1
    with pytest.raises(CommandError, match="No agreement with id 999999"):
        call_command("verify_agreements", "999999", stdout=StringIO())


@pytest.fixture
def agreement_factory(
    signed: Agreement, marketing_member: Any, marketing_signatory: Any, sales_signatory: Any
) -> Callable[[str], Agreement]:
    """Signed copies of the signed agreement under other titles."""

    def make(title: str) -> Agreement:
        copy = agreement_copy(source=signed, actor=marketing_member, title=title)
        return advance_to(
            copy,
            Agreement.Status.SIGNED,
            marketing_signatory=marketing_signatory,
            sales_signatory=sales_signatory,
        )

    return make


# Each check named: what a database writer did, and the failure the page and the command name.


def _sql(statement: str, *params: Any) -> None:
    """A write past the application (and, on PostgreSQL, its triggers)."""
    with database_writer(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _events(agreement: Agreement) -> list[AgreementEvent]:
    return list(AgreementEvent.objects.filter(agreement__series=agreement.series).order_by("pk"))


def _signatures(agreement: Agreement) -> list[Signature]:
    return list(Signature.objects.filter(agreement=agreement).order_by("pk"))


def _content_rewritten(signed: Agreement) -> list[str]:
    kpi = _first(Kpi, signed)[0]
    _sql("UPDATE agreements_kpi SET target = %s WHERE id = %s", "1.00", kpi.pk)
    return [f"content digest (signature #{signature.pk})" for signature in _signatures(signed)]


def _signature_rewritten(signed: Agreement) -> list[str]:
    signature = _signatures(signed)[0]
    _sql("UPDATE agreements_signature SET typed_name = %s WHERE id = %s", "Forger", signature.pk)
    return [f"signature MAC (signature #{signature.pk})"]


def _event_rewritten(signed: Agreement) -> list[str]:
    event, following = _events(signed)[1:3]
    _sql("UPDATE agreements_agreementevent SET details = %s WHERE id = %s", "{}", event.pk)
    # The event's hash changed too, so the next one no longer links to it.
    return [
        f"event MAC (event #{event.pk})",
        f"chain (event #{following.pk} does not follow #{event.pk})",
    ]


def _event_deleted(signed: Agreement) -> list[str]:
    before, deleted, after = _events(signed)[1:4]
    _sql("DELETE FROM agreements_agreementevent WHERE id = %s", deleted.pk)
    return [
        f"chain (event #{after.pk} does not follow #{before.pk})",
        "chain (the series head does not match its events)",
    ]


def _last_event_deleted(signed: Agreement) -> list[str]:
    _sql("DELETE FROM agreements_agreementevent WHERE id = %s", _events(signed)[-1].pk)
    return ["chain (the series head does not match its events)"]


def _signature_deleted(signed: Agreement) -> list[str]:
    _sql("DELETE FROM agreements_signature WHERE team_id = %s", signed.sales_team_id)
    return ["signatures (no valid signature of Mid-Market Sales)"]


NAMED_TAMPERING: dict[str, Callable[[Agreement], list[str]]] = {
    "content digest": _content_rewritten,
    "signature MAC": _signature_rewritten,
    "event MAC": _event_rewritten,
    "chain link": _event_deleted,
    "chain head": _last_event_deleted,
    "signatures": _signature_deleted,
}


@pytest.mark.parametrize("check", list(NAMED_TAMPERING))
def test_each_failed_check_is_named_on_the_verify_page_and_by_the_command(
    client: Any, signed: Agreement, marketing_member: Any, check: str
) -> None:
    """A database write behind the app's back is reported tampered under the check it fails."""
    expected = NAMED_TAMPERING[check](signed)

    result = verify_agreement(signed)
    assert result.is_tampered
    assert result.failed_checks == expected
    client.force_login(marketing_member)
    page = text_of(client.get(url("verify", signed)))
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_agreements", stdout=out)
    assert failed.value.returncode == 1
    for failure in expected:
        assert f"tampered: {failure}" in page
        assert failure in out.getvalue()


def test_content_signatures_and_events_rewritten_together_are_reported_tampered(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """The reported attack: content, the signatures' digests and the event JSON rewritten in SQL.

    Every digest then agrees with every other, so only the MACs, made under a key the database
    does not hold, can tell: each signature and each rewritten event fails its own.
    """
    _sql("UPDATE agreements_agreement SET revenue_goal = %s WHERE id = %s", "1.00", signed.pk)
    forged = current_digest(signed)
    _sql("UPDATE agreements_signature SET digest = %s WHERE agreement_id = %s", forged, signed.pk)
    signed_events = [event for event in _events(signed) if event.kind == AgreementEvent.Kind.SIGNED]
    for event in signed_events:
        details = json.dumps({**event.details, "digest": forged})
        _sql("UPDATE agreements_agreementevent SET details = %s WHERE id = %s", details, event.pk)

    result = verify_agreement(signed)

    assert result.is_tampered
    assert all(check.matches_content and check.matches_event for check in result.signatures)
    expected = [f"signature MAC (signature #{s.pk})" for s in _signatures(signed)] + [
        f"event MAC (event #{event.pk})" for event in signed_events
    ]
    assert set(expected) <= set(result.failed_checks)
    assert not any(failure.startswith("content digest") for failure in result.failed_checks)
    client.force_login(marketing_member)
    page = text_of(client.get(url("verify", signed)))
    assert "tampered: signature MAC" in page and "tampered: event MAC" in page
    evidence = text_of(client.get(url("evidence", signed)))
    assert "tampered: signature MAC" in evidence
    with pytest.raises(CommandError):
        call_command("verify_agreements", str(signed.pk), stdout=StringIO())
