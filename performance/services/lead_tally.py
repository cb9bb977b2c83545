"""Keeping a series' lead tally: its lead counts per type, MQL month, outcome and flag, and
per month what the KPI measures need besides (``LeadMonth``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from agreements.models import Agreement, AgreementSeries
from performance.dashboard.compliance import local_months, month_bucket
from performance.models import LeadMonth, LeadRecord, LeadTally


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
    """Recount the series' leads and replace its tally rows and lead months: three grouped
    queries (the tally; attempts by month and type; response times by month).

    Runs in the caller's transaction (or its own, when there is none, without a savepoint),
    so the tally changes together with the leads it counts.
    """
    with transaction.atomic(savepoint=False):
        LeadTally.objects.filter(series_id=series_id).delete()
        LeadMonth.objects.filter(series_id=series_id).delete()
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
        _months_refresh(series_id, months, tz, zone)
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


def _months_refresh(series_id: int, months: list[dt.date], tz: ZoneInfo, zone: str) -> None:
    """The series' lead months: attempts by type, the response-time histogram, the last due."""
    leads = (
        LeadRecord.objects.filter(series_id=series_id)
        .annotate(month_index=month_bucket(months, tz))
        .order_by()
    )
    found: dict[int, LeadMonth] = {}

    def month(index: int) -> LeadMonth:
        if index not in found:
            found[index] = LeadMonth(series_id=series_id, month=months[index], zone=zone)
        return found[index]

    attempts = leads.values("month_index", "lead_type", "attempts").annotate(
        leads=Count("pk"), last_due=Max("due_at", filter=Q(first_touch_at__isnull=True))
    )
    for group in attempts:
        row = month(group["month_index"])
        by_type = row.attempts.setdefault(group["lead_type"], {})
        by_type[str(group["attempts"])] = group["leads"]
        last_due = group["last_due"]
        if last_due is not None and (
            row.last_untouched_due is None or last_due > row.last_untouched_due
        ):
            row.last_untouched_due = last_due
    responses = (
        leads.filter(first_touch_at__isnull=False, response_hours__isnull=False)
        .values("month_index", "response_hours")
        .annotate(leads=Count("pk"))
    )
    for times in responses:
        month(times["month_index"]).responses[f"{times['response_hours']:.2f}"] = times["leads"]
    LeadMonth.objects.bulk_create(found.values())
