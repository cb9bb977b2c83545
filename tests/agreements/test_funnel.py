"""The reverse funnel: exact decimal arithmetic, every count rounded up."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from agreements.funnel import FUNNEL_INPUTS, FunnelInputs, inputs_missing, plan_compute, plan_for
from agreements.models import Agreement
from agreements.sections import section_get


def inputs(**overrides: object) -> FunnelInputs:
    values: dict[str, object] = {
        "revenue_goal": Decimal("600000"),
        "marketing_share_pct": Decimal("50"),
        "average_deal_size": Decimal("10000"),
        "lead_to_mql_pct": Decimal("20"),
        "mql_to_sql_pct": Decimal("40"),
        "sql_to_won_pct": Decimal("25"),
        "months": 3,
    }
    values.update(overrides)
    return FunnelInputs(**values)  # type: ignore[arg-type]


def test_worked_example_from_the_domain_reference():
    """$600,000 × 50% ÷ $10,000 gives 30 customers, 120 SQLs, 300 MQLs, 1,500 leads."""
    plan = plan_compute(inputs())

    assert (plan.customers, plan.sqls, plan.mqls, plan.leads) == (30, 120, 300, 1500)
    assert plan.per_month.customers == 10
    assert plan.per_month.sqls == 40
    assert plan.per_month.mqls == 100
    assert plan.per_month.leads == 500
    assert plan.leads_per_customer == Decimal("50.00")
    assert plan.marketing_revenue == Decimal("300000.00")


def test_customers_are_exact_where_binary_floats_round_up_one_too_many():
    """$300,000 × 7% ÷ $1,000 is exactly 21 customers; floats make it 21.000…004 and 22."""
    assert math.ceil(300000 * (7 / 100) / 1000) == 22  # the float trap this guards against

    plan = plan_compute(
        inputs(
            revenue_goal=Decimal("300000"),
            marketing_share_pct=Decimal("7"),
            average_deal_size=Decimal("1000"),
        )
    )

    assert plan.customers == 21


def test_sqls_are_exact_where_binary_floats_round_up_one_too_many():
    """7 customers at 5.6% SQL→won need exactly 125 SQLs; floats give 125.000…01 and 126."""
    assert math.ceil(7 / (5.6 / 100)) == 126

    plan = plan_compute(
        inputs(
            revenue_goal=Decimal("70000"),
            marketing_share_pct=Decimal("100"),
            average_deal_size=Decimal("10000"),
            sql_to_won_pct=Decimal("5.6"),
        )
    )

    assert plan.customers == 7
    assert plan.sqls == 125


def test_mqls_and_leads_are_exact_where_binary_floats_round_up():
    """14 SQLs at 11.2% MQL→SQL need exactly 125 MQLs, not the float's 126."""
    assert math.ceil(14 / (11.2 / 100)) == 126

    plan = plan_compute(
        inputs(
            revenue_goal=Decimal("14000"),
            marketing_share_pct=Decimal("100"),
            average_deal_size=Decimal("1000"),
            sql_to_won_pct=Decimal("100"),
            mql_to_sql_pct=Decimal("11.2"),
            lead_to_mql_pct=Decimal("100"),
        )
    )

    assert (plan.customers, plan.sqls, plan.mqls, plan.leads) == (14, 14, 125, 125)


def test_a_fraction_of_a_customer_rounds_up_to_a_whole_one():
    """$10,001 of marketing revenue at $10,000 a deal needs 2 customers, not 1."""
    plan = plan_compute(inputs(revenue_goal=Decimal("10001"), marketing_share_pct=Decimal("100")))

    assert plan.customers == 2


def test_each_stage_rounds_up_from_the_rounded_stage_after_it():
    """1 customer at 30% needs 4 SQLs (3.33 up), 4 SQLs at 30% need 14 MQLs (13.33 up)."""
    plan = plan_compute(
        inputs(
            revenue_goal=Decimal("10000"),
            marketing_share_pct=Decimal("100"),
            sql_to_won_pct=Decimal("30"),
            mql_to_sql_pct=Decimal("30"),
            lead_to_mql_pct=Decimal("30"),
        )
    )

    assert (plan.customers, plan.sqls, plan.mqls, plan.leads) == (1, 4, 14, 47)


def test_per_month_counts_round_up():
    """30 customers, 120 SQLs, 300 MQLs and 1,500 leads over 7 months: 5, 18, 43, 215 a month."""
    plan = plan_compute(inputs(months=7))

    assert plan.per_month.customers == 5
    assert plan.per_month.sqls == 18
    assert plan.per_month.mqls == 43
    assert plan.per_month.leads == 215


def test_leads_per_customer_is_a_two_place_decimal():
    """47 leads for 1 customer is 47.00; 1,500 leads for 7 customers is 214.29."""
    one = plan_compute(
        inputs(
            revenue_goal=Decimal("10000"),
            marketing_share_pct=Decimal("100"),
            sql_to_won_pct=Decimal("30"),
            mql_to_sql_pct=Decimal("30"),
            lead_to_mql_pct=Decimal("30"),
        )
    )
    seven = plan_compute(
        inputs(
            revenue_goal=Decimal("70000"),
            marketing_share_pct=Decimal("100"),
            sql_to_won_pct=Decimal("100"),
            mql_to_sql_pct=Decimal("100"),
            lead_to_mql_pct=Decimal("0.47"),
        )
    )

    assert one.leads_per_customer == Decimal("47.00")
    assert seven.customers == 7
    assert seven.leads == 1490
    assert seven.leads_per_customer == Decimal("212.86")


def test_a_zero_revenue_goal_needs_no_leads():
    """A goal of 0 plans 0 of everything and 0 leads per customer, without dividing by 0."""
    plan = plan_compute(inputs(revenue_goal=Decimal("0")))

    assert (plan.customers, plan.leads, plan.per_month.leads) == (0, 0, 0)
    assert plan.leads_per_customer == Decimal("0.00")


@pytest.mark.parametrize(
    "missing", ["revenue_goal", "marketing_share_pct", "average_deal_size", "months"]
)
def test_plan_for_is_none_while_an_input_is_missing(missing):
    """The plan is incomplete, not guessed, while any input is empty."""
    values = {
        "revenue_goal": "600000",
        "marketing_share_pct": "50",
        "average_deal_size": "10000",
        "lead_to_mql_pct": "20",
        "mql_to_sql_pct": "40",
        "sql_to_won_pct": "25",
        "months": 3,
    }
    values[missing] = None

    assert plan_for(values) is None


def test_plan_for_reads_strings_as_exact_decimals():
    """Form input "1.1" is read as a decimal: $300,000 × 1.1% ÷ $100 is 33 customers, not 34."""
    plan = plan_for(
        {
            "revenue_goal": "300000",
            "marketing_share_pct": "1.1",
            "average_deal_size": "100",
            "lead_to_mql_pct": "10",
            "mql_to_sql_pct": "10",
            "sql_to_won_pct": "10",
            "months": 1,
        }
    )

    assert math.ceil(300000 * (1.1 / 100) / 100) == 34  # 33.00000000000001 in floats
    assert plan is not None
    assert plan.customers == 33
    assert plan.sqls == 330


def test_inputs_missing_names_the_empty_inputs_in_order():
    """The sign-off check lists exactly the inputs still empty, in the order the form shows."""
    values = dict.fromkeys(FUNNEL_INPUTS, "1") | {"months": None, "revenue_goal": None}

    assert inputs_missing(values) == ["revenue_goal", "months"]
    assert inputs_missing(Agreement()) == list(FUNNEL_INPUTS)


def test_every_funnel_input_is_an_agreement_field_of_the_funnel_section():
    """The one list of inputs names fields the funnel section edits, exports and validates."""
    assert FUNNEL_INPUTS == (
        "revenue_goal",
        "marketing_share_pct",
        "average_deal_size",
        "lead_to_mql_pct",
        "mql_to_sql_pct",
        "sql_to_won_pct",
        "months",
    )
    for name in FUNNEL_INPUTS:
        assert Agreement._meta.get_field(name).null
    assert section_get("funnel").fields == ("currency", *FUNNEL_INPUTS)
