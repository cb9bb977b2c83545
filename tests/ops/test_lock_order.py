"""Lock order: a refused signing's audit event waits for a signature instead of deadlocking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from agreements.models import Agreement, AgreementEvent
from agreements.services.audit import event_record
from agreements.services.locking import agreement_lock
from agreements.services.signatures import signing_failure_record
from tests.ops.conftest import needs_postgresql

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def in_thread(act: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            act()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_refused_signing_waits_for_a_signature_in_progress(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any, marketing_team: Any
) -> None:
    """A signature holds the agreement's row, then appends to the chain; a refusal meanwhile.

    The refusal used to lock the chain first and then wait on the agreement's row (its event's
    foreign key) while the signature waited on the chain: PostgreSQL's "deadlock detected".
    """
    holding = threading.Event()
    errors: list[BaseException] = []

    def signature() -> None:
        with transaction.atomic():
            agreement_lock(in_review)
            holding.set()
            time.sleep(0.5)  # the refusal starts meanwhile
            event_record(
                agreement=in_review, actor=sales_signatory, kind=AgreementEvent.Kind.SIGNED
            )

    def refusal() -> None:
        assert holding.wait(timeout=10)
        signing_failure_record(
            agreement=in_review, actor=marketing_signatory, team=marketing_team, reason="test"
        )

    threads = [in_thread(signature, errors), in_thread(refusal, errors)]
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    kinds = AgreementEvent.objects.filter(agreement=in_review).values_list("kind", flat=True)
    assert list(kinds.order_by("pk"))[-2:] == [
        AgreementEvent.Kind.SIGNED,
        AgreementEvent.Kind.SIGNING_FAILED,
    ]
