"""The audit trail and revision history: written in the same transaction as each act."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from agreements import integrity
from agreements.exchange import content_digest, content_of
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Revision
from agreements.selectors import agreement_load_sections

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Commands act as no one; an anonymous actor is recorded as no one too.
    Actor = User | AnonymousUser | None


def _recorded(actor: Actor) -> User | None:
    """The actor as the audit trail records them: a signed-in user, else no one."""
    return actor if actor is not None and actor.is_authenticated else None


def event_record(
    *,
    agreement: Agreement,
    actor: Actor,
    kind: str,
    details: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AgreementEvent:
    """Append the act's event to the series' chain, sealed with its MAC; only in a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the act's transaction.")
    # The series row is the chain's lock: events of all its versions are appended one at a time.
    series = AgreementSeries.objects.select_for_update().get(pk=agreement.series_id)
    event = AgreementEvent(
        agreement=agreement,
        actor=_recorded(actor),
        created_at=timezone.now(),
        kind=kind,
        details=details or {},
        ip_address=ip_address,
    )
    integrity.event_seal(event, series)
    event.save(force_insert=True)
    series.save(update_fields=["event_head", "event_count", "event_head_key_id", "event_head_mac"])
    return event


def revision_record(*, agreement: Agreement, actor: Actor, section: str = "") -> Revision:
    """Snapshot the saved content under the agreement's current revision number."""
    fresh = agreement_load_sections(agreement.pk)
    content = content_of(fresh)
    return Revision.objects.create(
        agreement=agreement,
        number=agreement.revision,
        author=_recorded(actor),
        section=section,
        digest=content_digest(content),
        snapshot=content,
    )
