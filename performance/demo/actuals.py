"""A year of demo figures and CRM lead hand-offs for the signed demo agreement."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from agreements.models import Agreement, Kpi
from agreements.periods import months_from
from performance.services.actuals import kpi_actuals_save, monthly_actual_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LEAD_COLUMNS = ["lead_id", "lead_type", "mql_at", "first_touch_at", "attempts", "outcome"]


def _monthly_kpi_values(agreement: Agreement, rng: random.Random) -> dict[str, Decimal | None]:
    """Each monthly KPI entered by hand a little above or below its target.

    Computed KPIs are never typed: the dashboard computes them from these actuals and leads.
    """
    values: dict[str, Decimal | None] = {}
    for kpi in Kpi.objects.filter(agreement=agreement, measure=Kpi.Measure.MANUAL):
        if kpi.cadence != "monthly":
            continue
        drift = Decimal(rng.randint(85, 112)) / Decimal(100)
        values[kpi.name] = (kpi.target * drift).quantize(Decimal("0.01"))
    return values


def demo_actuals(
    agreement: Agreement, *, first_month: dt.date, recorder: User, kpi_recorder: User
) -> None:
    """A year of monthly figures near the plan, marketing a little short in the summer."""
    rng = random.Random(2026)
    for index, month in enumerate(months_from(first_month, 12)):
        dip = Decimal("0.82") if 6 <= index <= 8 else Decimal("1.04")
        leads = int(Decimal(1160) * dip) + rng.randint(-60, 60)
        mqls = int(leads * Decimal("0.2")) + rng.randint(-10, 10)
        sqls = int(mqls * Decimal("0.41")) + rng.randint(-5, 5)
        customers = max(1, int(sqls * Decimal("0.25")) + rng.randint(-2, 2))
        monthly_actual_save(
            agreement=agreement,
            actor=recorder,
            month=month,
            leads=leads,
            mqls=mqls,
            sqls=sqls,
            customers=customers,
            revenue=Decimal(customers * rng.randint(9000, 11500)),
        )
        values = _monthly_kpi_values(agreement, rng)
        if values:
            kpi_actuals_save(agreement=agreement, actor=kpi_recorder, day=month, values=values)


def _outcome(rng: random.Random, codes: list[str]) -> str:
    """Mostly accepted or rejected with an agreed reason; a few without a valid one."""
    roll = rng.random()
    if roll < 0.55:
        return "accepted"
    if roll < 0.97:
        return rng.choice(codes)
    if roll < 0.99:
        return "no-reason-given"
    return ""


def _handoff(
    rng: random.Random, mql_at: dt.datetime, now: dt.datetime, codes: list[str]
) -> tuple[str, int, str]:
    """First touch, attempts and outcome of one lead; the newest are often not touched yet."""
    roll = rng.random()
    if mql_at > now - dt.timedelta(hours=30) and roll < 0.6:
        return "", 0, ""
    # Most within an hour or two; a tail of slow follow-ups breaches.
    delay = dt.timedelta(minutes=int(rng.expovariate(1 / 150)))
    if roll < 0.08:
        delay += dt.timedelta(days=rng.randint(1, 4))
    touch = (mql_at + delay).isoformat()
    attempts = rng.randint(1, 8)
    return touch, attempts, _outcome(rng, codes)


def demo_leads_csv(agreement: Agreement, now: dt.datetime, count: int = 3000) -> str:
    """CRM-style MQL hand-offs over the last year; some first responses run late."""
    rng = random.Random(7)
    lead_types = [level.lead_type for level in agreement.service_levels.all()]
    codes = [reason.code for reason in agreement.rejection_reasons.all()]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LEAD_COLUMNS)
    start = now - dt.timedelta(days=360)
    for number in range(1, count + 1):
        mql_at = start + dt.timedelta(minutes=rng.randint(0, 360 * 24 * 60 - 1))
        touch, attempts, outcome = _handoff(rng, mql_at, now, codes)
        writer.writerow(
            [
                f"CRM-{number:06d}",
                rng.choice(lead_types),
                mql_at.isoformat(),
                touch,
                attempts,
                outcome,
            ]
        )
    return buffer.getvalue()
