"""Who may record actuals, KPI values and leads against an agreement, and in which state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from agreements.lifecycle import Act, refusal
from agreements.models import Agreement
from agreements.permissions import ensure_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ensure_may_record(actor: User | None, agreement: Agreement) -> None:
    """PermissionDenied unless the actor is a party; ValidationError unless the state allows it.

    No actor is the command line, run by the operator for any agreement.
    """
    if actor is not None:
        ensure_party(actor, agreement)
    reason = refusal(agreement, Act.RECORD)
    if reason:
        raise ValidationError(reason, code="not_recordable")
