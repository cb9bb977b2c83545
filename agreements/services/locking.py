"""The start of every sign-off act: the agreement's row locked, then who acts and the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agreements.lifecycle import Act, ensure_allows
from agreements.models import Agreement
from agreements.permissions import ensure_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def agreement_lock(agreement: Agreement) -> Agreement:
    """The agreement's row, locked until the transaction ends: acts on it run one at a time."""
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def agreement_lock_for_act(*, agreement: Agreement, actor: User, act: Act) -> Agreement:
    """The locked row, once a party acts (else PermissionDenied) in a state allowing the act."""
    locked = agreement_lock(agreement)
    ensure_party(actor, locked)
    ensure_allows(locked, act)
    return locked
