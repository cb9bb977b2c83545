"""Keeping a series' lead tally: its lead counts per type, MQL month, outcome and flag."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When

from agreements.models import Agreement, AgreementSeries
from performance.dashboard.compliance import local_months, month_bucket
from performance.models import LeadRecord, LeadTally


def _span_and_zone(series_id: int) -> tuple[dt.datetime | None, dt.datetime | None, str]:
    """First and last MQL instants, and the months' zone (newest signed version's), in one query."""
    leads = LeadRecord.objects.filter(series_id=OuterRef("pk"))
    versions = Agreement.objects.filter(series_id=OuterRef("pk")).order_by(
        Case(
            When(status=Agreement.Status.SIGNED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-version",
    )
    row = (
        AgreementSeries.objects.filter(pk=series_id)
        .annotate(
            first=Subquery(leads.order_by("mql_at").values("mql_at")[:1]),
            last=Subquery(leads.order_by("-mql_at").values("mql_at")[:1]),
            zone=Subquery(versions.values("timezone")[:1]),
        )
        .values_list("first", "last", "zone")
        .first()
    )
    if row is None:
        return None, None, "UTC"
    return row[0], row[1], row[2] or "UTC"


def lead_tally_refresh(*, series_id: int) -> list[LeadTally]:
    """Recount the series' leads in one grouped query and replace its tally rows.

    Runs in the caller's transaction (or its own, when there is none, without a savepoint),
    so the tally changes together with the leads it counts.
    """
    with transaction.atomic(savepoint=False):
        LeadTally.objects.filter(series_id=series_id).delete()
        first, last, zone = _span_and_zone(series_id)
        if first is None or last is None:
            return []
        tz = ZoneInfo(zone)
        months = local_months(first, last, tz)
        groups = (
            LeadRecord.objects.filter(series_id=series_id)
            .annotate(month_index=month_bucket(months, tz))
            .order_by()
            .values("lead_type", "month_index", "outcome", "invalid_rejection")
            # One filtered count: the others follow from the plain counts of rows and touches.
            .annotate(
                leads=Count("pk"),
                touched=Count("first_touch_at"),
                touched_met=Count("pk", filter=Q(first_touch_at__lte=F("due_at"))),
            )
        )
        return LeadTally.objects.bulk_create(
            [
                LeadTally(
                    series_id=series_id,
                    lead_type=group["lead_type"],
                    month=months[group["month_index"]],
                    zone=zone,
                    outcome=group["outcome"],
                    invalid_rejection=group["invalid_rejection"],
                    touched_met=group["touched_met"],
                    touched_breached=group["touched"] - group["touched_met"],
                    untouched=group["leads"] - group["touched"],
                )
                for group in groups
            ]
        )
