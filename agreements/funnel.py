"""The reverse funnel: from a revenue goal back to the leads it needs, in exact decimals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from agreements.periods import period_months

HUNDRED = Decimal(100)
# The funnel's stages in order: each is drawn from the one before it.
FUNNEL_STAGES = ("leads", "mqls", "sqls", "customers")


def ceil_count(value: Decimal) -> int:
    """Round a stage count up: a goal is met only by whole leads."""
    return int(value.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class FunnelInputs:
    """What a plan is computed from: each is the agreement's field of the same name."""

    revenue_goal: Decimal
    marketing_share_pct: Decimal
    average_deal_size: Decimal
    lead_to_mql_pct: Decimal
    mql_to_sql_pct: Decimal
    sql_to_won_pct: Decimal
    months: int


# The agreement's funnel inputs, in the order the forms, the export and the admin show them.
FUNNEL_INPUTS: tuple[str, ...] = tuple(field.name for field in fields(FunnelInputs))


@dataclass(frozen=True)
class StageCounts:
    customers: int
    sqls: int
    mqls: int
    leads: int


@dataclass(frozen=True)
class FunnelPlan:
    total: StageCounts
    per_month: StageCounts
    leads_per_customer: Decimal
    marketing_revenue: Decimal

    @property
    def customers(self) -> int:
        return self.total.customers

    @property
    def sqls(self) -> int:
        return self.total.sqls

    @property
    def mqls(self) -> int:
        return self.total.mqls

    @property
    def leads(self) -> int:
        return self.total.leads


def plan_compute(inputs: FunnelInputs) -> FunnelPlan:
    """Work backwards from revenue, rounding every count up (SLA-DOMAIN.md)."""
    marketing_revenue = inputs.revenue_goal * inputs.marketing_share_pct / HUNDRED
    customers = ceil_count(marketing_revenue / inputs.average_deal_size)
    sqls = ceil_count(Decimal(customers) * HUNDRED / inputs.sql_to_won_pct)
    mqls = ceil_count(Decimal(sqls) * HUNDRED / inputs.mql_to_sql_pct)
    leads = ceil_count(Decimal(mqls) * HUNDRED / inputs.lead_to_mql_pct)
    months = Decimal(inputs.months)
    per_month = StageCounts(
        customers=ceil_count(customers / months),
        sqls=ceil_count(sqls / months),
        mqls=ceil_count(mqls / months),
        leads=ceil_count(leads / months),
    )
    leads_per_customer = (
        (Decimal(leads) / Decimal(customers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if customers
        else Decimal("0.00")
    )
    return FunnelPlan(
        total=StageCounts(customers=customers, sqls=sqls, mqls=mqls, leads=leads),
        per_month=per_month,
        leads_per_customer=leads_per_customer,
        marketing_revenue=marketing_revenue.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    )


def _input_values(source: object) -> dict[str, object]:
    if isinstance(source, Mapping):
        return {name: source.get(name) for name in FUNNEL_INPUTS}
    return {name: getattr(source, name, None) for name in FUNNEL_INPUTS}


def inputs_missing(source: object) -> list[str]:
    """The funnel inputs an agreement or a form's cleaned data has no value for yet."""
    return [name for name, value in _input_values(source).items() if value is None]


def inputs_from(source: object) -> FunnelInputs | None:
    """Funnel inputs read off an agreement or a form's cleaned data; None while incomplete."""
    values = _input_values(source)
    if any(value is None for value in values.values()):
        return None
    exact: dict[str, Any] = {name: Decimal(str(value)) for name, value in values.items()}
    exact["months"] = int(str(values["months"]))
    return FunnelInputs(**exact)


def plan_for(source: object) -> FunnelPlan | None:
    """The plan of complete inputs; None while one is missing or a divisor is not positive."""
    inputs = inputs_from(source)
    if inputs is None:
        return None
    if (
        inputs.average_deal_size <= 0
        or min(inputs.lead_to_mql_pct, inputs.mql_to_sql_pct, inputs.sql_to_won_pct) <= 0
        or inputs.months < 1
    ):
        return None
    return plan_compute(inputs)


def months_after_period_change(
    months: int | None,
    *,
    before: tuple[dt.date | None, dt.date | None],
    after: tuple[dt.date, dt.date],
) -> int | None:
    """The plan's months once the period changes from ``before`` to ``after``.

    Months that matched the old period (or were not set) follow the new one; months chosen
    apart from the period stay, and the funnel form says they disagree.
    """
    if before == after:
        return months
    old_start, old_end = before
    followed = old_start is None or old_end is None or months == period_months(old_start, old_end)
    return period_months(*after) if months is None or followed else months


def stages_above_previous(counts: Mapping[str, int]) -> list[tuple[str, str]]:
    """Each (stage, stage before it) whose count exceeds the one before: 300 SQLs of 100 MQLs."""
    return [
        (stage, previous)
        for previous, stage in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:], strict=False)
        if counts[stage] > counts[previous]
    ]
