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

# Titles the benchmark finds its pages by.
TARGET_TITLE = "Benchmark SLA 00000"
PASSWORD = "benchmark-signing-password"
ADMIN_USERNAME = "bench-admin"
MEMBER_USERNAME = "bench-member"
START = dt.date(2024, 12, 1)
END = dt.date(2026, 12, 31)
ACTUAL_MONTHS = 24
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
