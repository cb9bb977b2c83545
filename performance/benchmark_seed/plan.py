"""What the page benchmark's data set holds: its sizes, names, periods and kinds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from agreements.models import (
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.periods import add_months, month_start

# Titles the benchmark finds its pages by.
TARGET_TITLE = "Benchmark SLA 00000"
PASSWORD = "benchmark-signing-password"
ADMIN_USERNAME = "bench-admin"
MEMBER_USERNAME = "bench-member"
ACTUAL_MONTHS = 24
# Months the agreements run on after the month of seeding, so that a data set seeded today
# still has its agreements in force, and the same pages to measure, a year from now.
MONTHS_AHEAD = 12
LEAD_TYPES = ["Demo request", "Contact us", "Content download", "Event lead"]
OUTCOMES = ["accepted"] * 6 + ["no-budget", "duplicate", "bad-timing"] + [""] * 4
SECTION_MODELS = (
    Kpi,
    Responsibility,
    QualificationRule,
    LeadTypeServiceLevel,
    Holiday,
    RejectionReason,
    Deadline,
)
# Kinds of series, in turn: two signed, one signed with a draft amendment, one draft.
KINDS = ("signed", "signed", "amended", "draft", "signed")
BATCH = 200


@dataclass(frozen=True)
class Calendar:
    """The data set's dates, counted from the day it is seeded."""

    # The agreements' period: ACTUAL_MONTHS months up to and including the month of seeding,
    # then MONTHS_AHEAD more.
    start: dt.date
    end: dt.date
    # Monthly actuals for each month from ``start`` to the month of seeding.
    actual_months: list[dt.date]
    # The month of seeding: the period of the KPI value every signed series holds (its KPI,
    # the standard template's "Marketing-sourced revenue", is monthly).
    kpi_period: dt.date

    @classmethod
    def of(cls, today: dt.date) -> Calendar:
        start = add_months(month_start(today), 1 - ACTUAL_MONTHS)
        end = add_months(month_start(today), MONTHS_AHEAD + 1) - dt.timedelta(days=1)
        return cls(
            start=start,
            end=end,
            actual_months=[add_months(start, offset) for offset in range(ACTUAL_MONTHS)],
            kpi_period=month_start(today),
        )


@dataclass(frozen=True)
class Size:
    teams: int
    agreements: int
    by_services: int
    leads: int
    target_leads: int
    member_teams: int


SIZES = {
    "full": Size(
        teams=100,
        agreements=2_000,
        by_services=15,
        leads=200_000,
        target_leads=50_000,
        member_teams=4,
    ),
    "tiny": Size(
        teams=4, agreements=10, by_services=10, leads=2_000, target_leads=1_000, member_teams=4
    ),
}
