"""Leads judged by the version of the agreement in force on the day they became MQLs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agreements.models import Agreement, LeadTypeServiceLevel
from agreements.selectors import version_in_force
from performance.models import LeadRecord
from tests.factories import AgreementFactory, advance_to
from tests.performance.helpers import sign
from tests.performance.test_lead_import import UTC, run


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


def test_version_in_force_gives_each_lead_its_limit(signed):
    """A lead is judged by the version in force when it became an MQL."""
    amendment = AgreementFactory.create(
        amends=signed, start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 6, 30)
    )
    LeadTypeServiceLevel.objects.filter(agreement=amendment, lead_type="Demo request").update(
        first_response_hours=Decimal("2.00")
    )
    advance_to(
        amendment, Agreement.Status.SIGNED, signed_at=dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    )

    result = run(
        signed,
        "JAN,Demo request,2026-01-15T10:00:00,,0,",
        "FEB,Demo request,2026-02-10T10:00:00,,0,",
    )
    assert result.errors == []
    january = LeadRecord.objects.get(lead_id="JAN")
    february = LeadRecord.objects.get(lead_id="FEB")
    assert (january.agreement_id, january.limit_hours) == (signed.pk, Decimal("1.00"))
    assert (february.agreement_id, february.limit_hours) == (amendment.pk, Decimal("2.00"))
    assert february.due_at == dt.datetime(2026, 2, 10, 11, 0, tzinfo=UTC)


def test_version_in_force_selector(signed):
    """Period and supersession choose the version; outside every period the newest applies."""
    assert version_in_force(signed.series_id, dt.date(2026, 1, 15)) == signed
    assert version_in_force(signed.series_id, dt.date(2030, 1, 1)) == signed
    amendment = AgreementFactory.create(
        amends=signed,
        signed=True,
        signed_at=dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC),
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 6, 30),
    )
    assert version_in_force(signed.series_id, dt.date(2026, 1, 31)) == signed
    assert version_in_force(signed.series_id, dt.date(2026, 2, 1)) == amendment
    assert version_in_force(signed.series_id, dt.date(2026, 3, 15)) == amendment
    assert version_in_force(signed.series_id, dt.date(2025, 6, 1)) == amendment
    draft = AgreementFactory.create()
    assert version_in_force(draft.series_id, dt.date(2026, 1, 15)) is None


def test_version_with_another_time_zone_uses_its_own_wall_clock(signed):
    """A lead under a New York version is timed on New York's working hours."""
    amendment = AgreementFactory.create(
        amends=signed,
        signed=True,
        signed_at=dt.datetime(2026, 1, 31, 12, 0, tzinfo=UTC),
        timezone="America/New_York",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 6, 30),
    )
    # 15:00 in Berlin (naive times are in the imported agreement's zone) is 09:00 in New York.
    result = run(signed, "NY,Demo request,2026-02-10T15:00:00,2026-02-10T15:30:00,1,accepted")
    assert result.errors == []
    lead = LeadRecord.objects.get()
    assert lead.agreement_id == amendment.pk
    assert lead.due_at == dt.datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
    assert lead.response_hours == Decimal("0.50")
    assert result.met == 1


def test_a_version_signed_later_does_not_judge_earlier_days(agreement):
    """Days before an amendment was signed keep the version signed for them."""
    first = sign(agreement, when=dt.datetime(2025, 12, 20, 9, 0, tzinfo=UTC))
    amendment = AgreementFactory.create(
        amends=first, signed=True, signed_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    )
    assert version_in_force(first.series_id, dt.date(2026, 2, 15)) == first
    assert version_in_force(first.series_id, dt.date(2026, 3, 1)) == amendment


def test_days_before_anything_was_signed_are_judged_by_the_first_version(agreement):
    """Figures for a day before any version was signed (recorded after the fact)."""
    first = sign(agreement, when=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    AgreementFactory.create(
        amends=first, signed=True, signed_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    )
    assert version_in_force(first.series_id, dt.date(2026, 1, 10)) == first
