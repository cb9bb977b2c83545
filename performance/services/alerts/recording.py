"""Recording alerts once each, resolving the cleared ones, and claiming the unsent for email."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone

from agreements.models import Agreement
from performance.lead_status import overdue_at
from performance.models import Alert, LeadRecord
from performance.services.alerts.finding import BULK_BATCH, LEAD_PREFIX


def alerts_unrecorded(candidates: list[Alert]) -> list[Alert]:
    """The candidates not recorded yet (one query)."""
    if not candidates:
        return []
    existing = set(
        Alert.objects.filter(
            series_id__in={alert.series_id for alert in candidates},
            kind__in={alert.kind for alert in candidates},
        ).values_list("series_id", "kind", "occurrence")
    )
    return [
        alert
        for alert in candidates
        if (alert.series_id, alert.kind, alert.occurrence) not in existing
    ]


def alerts_record(alerts: Iterable[Alert], created: dict[str, int]) -> None:
    """Write the alerts in batches, counting them per kind into ``created``."""
    batch: list[Alert] = []
    for alert in alerts:
        batch.append(alert)
        created[alert.kind] = created.get(alert.kind, 0) + 1
        if len(batch) >= BULK_BATCH:
            Alert.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Alert.objects.bulk_create(batch, ignore_conflicts=True)


def alerts_resolve_out_of_force(*, agreements: dict[int, Agreement], now: dt.datetime) -> int:
    """Close the open alerts of series with no agreement in force: nothing is left to act on."""
    return (
        Alert.objects.filter(resolved_at__isnull=True)
        .exclude(series_id__in=list(agreements))
        .update(resolved_at=now)
    )


def alerts_resolve_cleared(
    *, agreements: dict[int, Agreement], current: set[tuple[int, str, str]], now: dt.datetime
) -> int:
    """Close the open alerts of the agreements in scope whose condition has cleared; how many."""
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    resolved = 0
    # A lead stops needing action once it has been touched (or has gone from the import).
    still_waiting = LeadRecord.objects.filter(
        overdue_at(now),
        series_id=OuterRef("series_id"),
        lead_id=Substr(OuterRef("occurrence"), len(LEAD_PREFIX) + 1),
    )
    resolved += (
        open_alerts.filter(series_id__in=list(agreements), kind=Alert.Kind.LEAD_BREACH)
        .filter(~Exists(still_waiting))
        .update(resolved_at=now)
    )
    stale = [
        pk
        for pk, series_id, kind, occurrence in open_alerts.filter(
            series_id__in=list(agreements),
            kind__in=[
                Alert.Kind.KPI_AT_RISK,
                Alert.Kind.KPI_MISSED,
                Alert.Kind.DEADLINE_OVERDUE,
            ],
        ).values_list("pk", "series_id", "kind", "occurrence")
        if (series_id, kind, occurrence) not in current
    ]
    if stale:
        resolved += Alert.objects.filter(pk__in=stale).update(resolved_at=now)
    return resolved


def alerts_claim_unsent(agreements: dict[int, Agreement]) -> dict[int, list[int]]:
    """Mark the unsent alerts of the agreements in scope as emailed; their ids per agreement."""
    # Marked inside the check's transaction so that an overlapping run cannot send them too; a
    # digest that then fails to go out is released for the next run.
    unsent = (
        Alert.objects.filter(series_id__in=list(agreements), emailed_at__isnull=True)
        .filter(Q(resolved_at__isnull=True) | Q(kind=Alert.Kind.LEAD_BREACH))
        .order_by("series_id", "kind", "created_at", "pk")
        .values_list("series_id", "pk")
    )
    by_agreement: dict[int, list[int]] = {}
    for series_id, pk in unsent:
        by_agreement.setdefault(agreements[series_id].pk, []).append(pk)
    claimed = {}
    for agreement_id, alert_ids in by_agreement.items():
        if Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            claimed[agreement_id] = alert_ids
    return claimed


def alerts_release(alert_ids: list[int]) -> None:
    """Unmark alerts whose email did not go out, so that the next run sends them again."""
    Alert.objects.filter(pk__in=alert_ids).update(emailed_at=None)
