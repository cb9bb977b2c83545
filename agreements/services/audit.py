"""The audit trail and revision history: written in the same transaction as each act."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agreements.exchange import content_digest, content_of
from agreements.models import Agreement, AgreementEvent, Revision
from agreements.selectors import agreement_load_sections


def event_record(
    *,
    agreement: Agreement,
    actor: Any,
    kind: str,
    details: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AgreementEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the act's transaction.")
    return AgreementEvent.objects.create(
        agreement=agreement,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        details=details or {},
        ip_address=ip_address,
    )


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
