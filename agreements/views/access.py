"""How views answer for objects a user may not see: 404, with no hint that they exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from agreements.permissions import can_view_series
from agreements.selectors import agreement_for_series

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from agreements.models import Agreement


def found[T](value: T | None) -> T:
    """The object a selector found for this user, or 404."""
    if value is None:
        raise Http404
    return value


def series_agreement_or_404(user: User | AnonymousUser, pk: int) -> Agreement:
    """The agreement of a page of what its series holds across versions (actuals, KPI values,
    leads, the dashboard), loaded lean (``agreement_for_series``); 404 unless the user may
    see it and is a party of its series."""
    agreement = found(agreement_for_series(user=user, pk=pk))
    # The selector let through only staff or a party of this version; the parties of a first
    # version are the series' own, so only a later version needs asking.
    if agreement.version > 1 and not can_view_series(user, agreement):
        raise Http404
    return agreement
