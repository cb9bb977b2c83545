"""The audit trail and revision history: written in the same transaction as each act."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agreements import integrity
from agreements.exchange import content_digest, content_of
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Revision
from agreements.selectors import agreement_load_sections


def event_record(
    *,
    agreement: Agreement,
    actor: Any,
    kind: str,
    details: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AgreementEvent:
    """Append an event to the series' chain, sealed with its MAC, in the act's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the act's transaction.")
    # The series row is the chain's lock: events of all its versions are appended one at a time.
    series = AgreementSeries.objects.select_for_update().get(pk=agreement.series_id)
    event = AgreementEvent(
        agreement=agreement,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
        kind=kind,
        details=details or {},
        ip_address=ip_address,
    )
    integrity.event_seal(event, series)
    event.save(force_insert=True)
    series.save(update_fields=["event_head", "event_count", "event_head_key_id", "event_head_mac"])
    return event


def revision_record(*, agreement: Agreement, actor: Any, section: str = "") -> Revision:
    """Snapshot the saved content under the agreement's current revision number."""
    fresh = agreement_load_sections(agreement.pk)
    content = content_of(fresh)
    return Revision.objects.create(
        agreement=agreement,
        number=agreement.revision,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        section=section,
        digest=content_digest(content),
        snapshot=content,
    )
