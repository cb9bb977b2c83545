"""Saving an agreement edited in the Django admin: one transaction with its revision and event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements.exchange import LATEST_SCHEMA
from agreements.lifecycle import Act, allows, refusal
from agreements.models import Agreement, AgreementEvent
from agreements.services.agreements import ensure_amendment_keeps_parties
from agreements.services.audit import event_record, revision_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ADMIN_SECTION = "admin"

ERROR_ADMIN_CHANGED = (
    "Someone saved this agreement after you opened it (revision {current}, you opened "
    "revision {base}). Reload the page and make the change again."
)


def agreement_admin_save(
    *,
    agreement: Agreement,
    actor: User,
    write: Callable[[], None],
    base_revision: int | None = None,
    changed: Sequence[str] = (),
    ip_address: str | None = None,
) -> Agreement:
    """Run the admin's own save of a draft's fields and inline rows as one audited change.

    ``write`` saves what the admin form and its inline formsets validated. Under a row lock
    the agreement must still be a draft at ``base_revision``; the revision counter is then
    bumped and a Revision and a section_edited event are written in the same transaction.
    """
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if not allows(locked, Act.EDIT):
            raise ValidationError(refusal(locked, Act.EDIT))
        if base_revision is not None and locked.revision != base_revision:
            raise ValidationError(
                _(ERROR_ADMIN_CHANGED).format(current=locked.revision, base=base_revision)
            )
        ensure_amendment_keeps_parties(
            locked,
            {"marketing_team": agreement.marketing_team_id, "sales_team": agreement.sales_team_id},
        )
        # The status is not the admin's to change; keep the locked row's.
        agreement.status = locked.status
        agreement.revision = locked.revision
        write()
        agreement.revision = locked.revision + 1
        # A draft moves to the latest content schema when next edited (KPI measures).
        agreement.content_schema = LATEST_SCHEMA
        agreement.save(update_fields=["revision", "content_schema", "updated_at"])
        revision = revision_record(agreement=agreement, actor=actor, section=ADMIN_SECTION)
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.SECTION_EDITED,
            details={
                "section": ADMIN_SECTION,
                "revision": agreement.revision,
                "digest": revision.digest,
                "changed": list(changed),
            },
            ip_address=ip_address,
        )
    return agreement
