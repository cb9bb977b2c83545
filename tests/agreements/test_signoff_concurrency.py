"""Concurrent signing: real threads, each with its own database connection and transaction."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from agreements.models import Agreement, AgreementEvent, Signature
from agreements.services.review import agreement_submit
from agreements.services.signatures import ERROR_ALREADY_SIGNED
from agreements.verification import verify_agreement
from teams.models import Membership
from tests.agreements.signing import sign
from tests.factories import MembershipFactory, UserFactory, current_digest

# SQLite's in-memory test database runs in shared-cache mode, where a writer that meets
# another connection's lock is told "database table is locked" at once instead of waiting
# out the busy timeout as a database file does (the development and production set-up).
# Such an attempt is repeated, as the waiting would; PostgreSQL never takes this path: there
# the second transaction blocks on the row lock and then sees the first one's signature.
LOCKED_RETRIES = 200
LOCKED_PAUSE_SECONDS = 0.01


def _sign_waiting_for_locks(*args: Any, **kwargs: Any) -> Signature:
    for _attempt in range(LOCKED_RETRIES):
        try:
            return sign(*args, **kwargs)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(LOCKED_PAUSE_SECONDS)
    raise AssertionError("The database stayed locked.")


def _race(agreement: Agreement, signers: list[Any]) -> list[object]:
    """Every signer signs for the marketing team at the same moment; returns each outcome."""
    barrier = threading.Barrier(len(signers))
    digest = current_digest(agreement)
    outcomes: list[object] = [None] * len(signers)

    def attempt(index: int, signer: Any) -> None:
        try:
            mine = Agreement.objects.select_related("marketing_team").get(pk=agreement.pk)
            barrier.wait(timeout=30)
            outcomes[index] = _sign_waiting_for_locks(
                mine, signer, mine.marketing_team, seen_digest=digest
            )
        except BaseException as error:  # recorded for the assertions in the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(index, signer))
        for index, signer in enumerate(signers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_signer", [False, True], ids=["two-signatories", "same-signatory"])
def test_concurrent_signatures_for_one_team_leave_exactly_one(
    same_signer: bool,
    agreement: Agreement,
    marketing_team: Any,
    marketing_member: Any,
    marketing_signatory: Any,
) -> None:
    """Two simultaneous signatures for the same team: one is recorded, the other is refused."""
    colleague = (
        marketing_signatory
        if same_signer
        else MembershipFactory(
            team=marketing_team,
            user=UserFactory(username="mona", first_name="Mona", last_name="Lisa"),
            role=Membership.Role.SIGNATORY,
        ).user
    )
    in_review = agreement_submit(agreement=agreement, actor=marketing_member)
    events_before = AgreementEvent.objects.count()

    outcomes = _race(in_review, [marketing_signatory, colleague])

    signatures = [outcome for outcome in outcomes if isinstance(outcome, Signature)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(signatures) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert refusals[0].code == "already_signed"
    assert refusals[0].messages == [ERROR_ALREADY_SIGNED]
    assert (
        Signature.objects.filter(
            agreement=in_review, team=marketing_team, voided_at__isnull=True
        ).count()
        == 1
    )
    # The signature's event, and the refused attempt's, recorded after its act rolled back.
    kinds = AgreementEvent.objects.order_by("pk").values_list("kind", flat=True)[events_before:]
    assert sorted(kinds) == [AgreementEvent.Kind.SIGNED, AgreementEvent.Kind.SIGNING_FAILED]
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW
    assert verify_agreement(in_review).is_intact


@pytest.mark.django_db(transaction=True)
def test_concurrent_last_signatures_sign_the_agreement_once(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Both teams signing at once: both signatures count and the agreement is signed once."""
    in_review = agreement_submit(agreement=agreement, actor=marketing_member)
    digest = current_digest(in_review)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(signer: Any, side: str) -> None:
        try:
            mine = Agreement.objects.select_related("marketing_team", "sales_team").get(
                pk=in_review.pk
            )
            team = mine.marketing_team if side == "marketing" else mine.sales_team
            barrier.wait(timeout=30)
            outcomes[side] = _sign_waiting_for_locks(mine, signer, team, seen_digest=digest)
        except BaseException as error:  # recorded for the assertions in the main thread
            outcomes[side] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(marketing_signatory, "marketing")),
        threading.Thread(target=attempt, args=(sales_signatory, "sales")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(outcome, Signature) for outcome in outcomes.values()), outcomes
    signed = Agreement.objects.get(pk=in_review.pk)
    assert signed.status == Agreement.Status.SIGNED
    assert signed.signed_at is not None
    assert Signature.objects.filter(agreement=signed, voided_at__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_person_signing_both_sides_at_once_gets_one_signature(
    agreement: Agreement, marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """A signatory of both teams in two tabs at once: one side signs, the other is refused."""
    both = UserFactory(username="bo", first_name="Bo", last_name="Both")
    MembershipFactory(team=marketing_team, user=both, role=Membership.Role.SIGNATORY)
    MembershipFactory(team=sales_team, user=both, role=Membership.Role.SIGNATORY)
    in_review = agreement_submit(agreement=agreement, actor=marketing_member)
    digest = current_digest(in_review)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(side: str) -> None:
        try:
            mine = Agreement.objects.select_related("marketing_team", "sales_team").get(
                pk=in_review.pk
            )
            team = mine.marketing_team if side == "marketing" else mine.sales_team
            barrier.wait(timeout=30)
            outcomes[side] = _sign_waiting_for_locks(mine, both, team, seen_digest=digest)
        except BaseException as error:  # recorded for the assertions in the main thread
            outcomes[side] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(side,)) for side in ("marketing", "sales")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    refusals = [outcome for outcome in outcomes.values() if isinstance(outcome, ValidationError)]
    assert [refusal.code for refusal in refusals] == ["same_signer"], outcomes
    assert Signature.objects.filter(agreement=in_review, voided_at__isnull=True).count() == 1
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW
    assert verify_agreement(in_review).is_intact
