"""Signatures and audit events carry MACs under a key outside the database; events chain."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from agreements import integrity
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Signature
from agreements.services.audit import event_record
from tests.tampering import database_writer

pytestmark = pytest.mark.django_db


def _events(agreement: Agreement) -> list[AgreementEvent]:
    return list(AgreementEvent.objects.filter(agreement__series=agreement.series).order_by("pk"))


def _check(agreement: Agreement) -> integrity.ChainReport:
    series = AgreementSeries.objects.get(pk=agreement.series_id)
    return integrity.chain_check(series, _events(agreement))


def _raw(sql: str, *params: Any) -> None:
    """What a database writer could do, past the application and (on PostgreSQL) its triggers."""
    with database_writer(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_of_a_series_form_an_intact_chain(signed: Agreement) -> None:
    events = _events(signed)

    assert len(events) >= 4
    assert events[0].previous_hash == integrity.GENESIS
    assert all(event.mac and event.mac_key_id == "dev" for event in events)
    assert _check(signed).intact


def test_rewritten_event_details_fail_its_mac(signed: Agreement) -> None:
    target = _events(signed)[1]
    with transaction.atomic():
        _raw(
            "UPDATE agreements_agreementevent SET details = %s WHERE id = %s",
            '{"forged": true}',
            target.pk,
        )

    report = _check(signed)

    assert report.bad_event_macs == [target.pk]
    assert not report.intact


def test_a_deleted_event_breaks_the_chain(signed: Agreement) -> None:
    events = _events(signed)
    with transaction.atomic():
        _raw("DELETE FROM agreements_agreementevent WHERE id = %s", events[1].pk)

    report = _check(signed)

    assert report.broken_links == [events[2].pk]
    assert not report.head_ok


def test_deleting_the_latest_event_is_found_at_the_head(signed: Agreement) -> None:
    with transaction.atomic():
        _raw("DELETE FROM agreements_agreementevent WHERE id = %s", _events(signed)[-1].pk)

    report = _check(signed)

    assert report.broken_links == []
    assert not report.head_ok


def test_an_inserted_event_fails_its_mac(signed: Agreement) -> None:
    """Without the key, a writer can copy a hash into the chain but not make a MAC for it."""
    last = _events(signed)[-1]
    forged = AgreementEvent(
        agreement=signed,
        kind=AgreementEvent.Kind.COMMENTED,
        created_at=last.created_at,
        previous_hash=integrity.event_hash(last),
        mac_key_id="dev",
        mac="0" * 64,
    )
    with database_writer():
        forged.save()

    report = _check(signed)

    assert report.bad_event_macs == [forged.pk]
    assert not report.head_ok


def test_reordered_events_break_the_chain(signed: Agreement) -> None:
    events = _events(signed)
    first, second = events[1], events[2]
    with transaction.atomic():
        for source, target in ((first, second), (second, first)):
            _raw(
                "UPDATE agreements_agreementevent SET kind = %s, details = %s WHERE id = %s",
                source.kind,
                '{"swapped": 1}',
                target.pk,
            )

    assert not _check(signed).intact


def test_a_rewritten_signature_fails_its_mac(signed: Agreement) -> None:
    signature = Signature.objects.filter(agreement=signed).first()
    assert signature is not None
    assert integrity.mac_matches(
        integrity.signature_payload(signature), signature.mac_key_id, signature.mac
    )
    with transaction.atomic():
        _raw("UPDATE agreements_signature SET digest = %s WHERE id = %s", "f" * 64, signature.pk)

    signature.refresh_from_db()

    assert not integrity.mac_matches(
        integrity.signature_payload(signature), signature.mac_key_id, signature.mac
    )


def test_old_keys_still_verify_after_rotation(signed: Agreement, settings: Any) -> None:
    old = dict(settings.AUDIT_SIGNING_KEYS)
    settings.AUDIT_SIGNING_KEYS = {"2027": "a-new-secret", **old}

    with transaction.atomic():
        event = event_record(agreement=signed, actor=None, kind=AgreementEvent.Kind.COMMENTED)

    assert event.mac_key_id == "2027"
    assert _check(signed).intact
    settings.AUDIT_SIGNING_KEYS = {"2027": "a-new-secret"}
    assert not _check(signed).intact


def test_a_different_key_does_not_verify(signed: Agreement, settings: Any) -> None:
    settings.AUDIT_SIGNING_KEYS = {"dev": "another-secret-with-the-same-id"}

    assert _check(signed).bad_event_macs == [event.pk for event in _events(signed)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL's")
def test_the_database_refuses_to_change_events_and_signatures(signed: Agreement) -> None:
    signature = Signature.objects.filter(agreement=signed).first()
    assert signature is not None
    statements = [
        ("UPDATE agreements_agreementevent SET kind = 'signed'", ()),
        ("DELETE FROM agreements_agreementevent", ()),
        ("UPDATE agreements_signature SET digest = %s WHERE id = %s", ("f" * 64, signature.pk)),
        ("DELETE FROM agreements_signature WHERE id = %s", (signature.pk,)),
    ]
    for sql, params in statements:
        with (
            pytest.raises(DatabaseError, match="Cannot"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL's")
def test_a_signature_is_voided_once_and_only_its_void_columns_change(signed: Agreement) -> None:
    signature = Signature.objects.filter(agreement=signed).first()
    assert signature is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agreements_signature SET voided_at = now(), void_reason = 'x' WHERE id = %s",
            [signature.pk],
        )
    with (
        pytest.raises(DatabaseError, match="Cannot"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE agreements_signature SET voided_at = NULL WHERE id = %s", [signature.pk]
        )
