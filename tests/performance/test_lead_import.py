"""Lead hand-off import: business-hour limits, status, validation by line, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.lifecycle import REFUSALS, Act
from agreements.models import Agreement, AgreementEvent
from agreements.permissions import ERROR_NOT_PARTY
from performance.lead_status import lead_status, lead_status_annotation, overdue_at, pending_at
from performance.models import LeadColumnMapping, LeadRecord
from performance.services.csv_files import ERROR_NOT_UTF8
from performance.services.leads import LeadImportResult, leads_import
from tests.performance.helpers import sign

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
HEADER = "lead_id,lead_type,mql_at,first_touch_at,attempts,outcome"
AS_OF = dt.datetime(2026, 1, 7, 12, 0, tzinfo=BERLIN)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    """The standard agreement, signed, on a Europe/Berlin calendar."""
    return sign(agreement, timezone="Europe/Berlin")


def csv_file(*rows: str, header: str = HEADER) -> io.StringIO:
    return io.StringIO("\n".join([header, *rows]) + "\n")


def run(agreement: Agreement, *rows: str, **kwargs: Any) -> LeadImportResult:
    kwargs.setdefault("as_of", AS_OF)
    header = kwargs.pop("header", HEADER)
    return leads_import(
        agreement=agreement,
        actor=kwargs.pop("actor", None),
        file=csv_file(*rows, header=header),
        **kwargs,
    )


SAMPLE = (
    # Met: half an hour into a one-hour limit (naive times are Berlin time).
    "L1,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,2,accepted",
    # Breached: five business hours against four.
    "L2,Contact us,2026-01-06T10:00:00,2026-01-06T15:00:00,1,",
    # Pending as of Wednesday noon: eight hours from Tuesday 16:00 run out Wednesday 16:00.
    "L3,Content download,2026-01-06T16:00:00+01:00,,0,",
    # Breached untouched: 24 hours from Friday 09:00 ran out by Wednesday 09:00.
    "L4,Event lead,2026-01-02T09:00:00,,3,",
    # Met, lower-case type, UTC offset, a valid rejection code.
    "L5,demo request,2026-01-06T09:00:00Z,2026-01-06T09:59:59Z,1,no-budget",
    # Met, a rejection without a valid code.
    "L6,Demo request,2026-01-06T11:00:00,2026-01-06T11:05:00,1,too-expensive",
    # Met, outcome in another case.
    "L7,Demo request,2026-01-06T12:00:00,2026-01-06T12:10:00,1,Accepted",
)


def test_import_computes_limits_due_times_and_status(signed):
    """Each lead gets its type's limit, its due time in business hours and its status."""
    result = run(signed, *SAMPLE)
    assert result.errors == []
    assert (result.imported, result.created, result.updated) == (7, 7, 0)
    assert (result.met, result.breached, result.pending) == (4, 2, 1)
    assert result.invalid_rejections == 1

    leads = {lead.lead_id: lead for lead in LeadRecord.objects.all()}
    first = leads["L1"]
    assert first.agreement_id == signed.pk
    assert first.series_id == signed.series_id
    assert first.limit_hours == Decimal("1.00")
    assert first.mql_at == dt.datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
    assert first.due_at == dt.datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
    assert first.response_hours == Decimal("0.50")
    assert first.attempts == 2
    assert leads["L2"].response_hours == Decimal("5.00")
    assert leads["L3"].first_touch_at is None
    assert leads["L3"].response_hours is None
    assert leads["L3"].due_at == dt.datetime(2026, 1, 7, 15, 0, tzinfo=UTC)
    assert leads["L4"].due_at == dt.datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
    assert leads["L5"].lead_type == "Demo request"
    assert leads["L5"].invalid_rejection is False
    assert leads["L6"].invalid_rejection is True
    assert leads["L7"].invalid_rejection is False


def test_sql_status_matches_the_import_counts(signed):
    """The annotation the dashboard uses agrees with the import's counts."""
    result = run(signed, *SAMPLE)
    statuses = dict(
        LeadRecord.objects.annotate(status=lead_status_annotation(AS_OF)).values_list(
            "lead_id", "status"
        )
    )
    assert statuses == {
        "L1": "met",
        "L2": "breached",
        "L3": "pending",
        "L4": "breached",
        "L5": "met",
        "L6": "met",
        "L7": "met",
    }
    assert list(statuses.values()).count("met") == result.met


def test_status_at_the_exact_limit(signed):
    """A touch exactly at the due time is met; untouched at the due time is still pending."""
    due = "2026-01-06T11:00:00"
    run(
        signed,
        f"ON-TIME,Demo request,2026-01-06T10:00:00,{due},1,accepted",
        "ONE-SECOND-LATE,Demo request,2026-01-06T10:00:00,2026-01-06T11:00:01,1,accepted",
        "UNTOUCHED,Demo request,2026-01-06T10:00:00,,0,",
    )
    due_at = dt.datetime(2026, 1, 6, 11, 0, tzinfo=BERLIN)

    def statuses(as_of: dt.datetime) -> dict[str, str]:
        return dict(
            LeadRecord.objects.annotate(status=lead_status_annotation(as_of)).values_list(
                "lead_id", "status"
            )
        )

    assert statuses(due_at) == {
        "ON-TIME": "met",
        "ONE-SECOND-LATE": "breached",
        "UNTOUCHED": "pending",
    }
    assert statuses(due_at + dt.timedelta(microseconds=1))["UNTOUCHED"] == "breached"
    on_time = LeadRecord.objects.get(lead_id="ON-TIME")
    assert on_time.response_hours == on_time.limit_hours == Decimal("1.00")
    assert LeadRecord.objects.get(lead_id="ONE-SECOND-LATE").response_hours == Decimal("1.01")
    # The Python rule used for the import summary says the same.
    assert lead_status(None, due_at, due_at) == "pending"
    assert lead_status(due_at, due_at, due_at) == "met"
    assert lead_status(None, due_at, due_at + dt.timedelta(microseconds=1)) == "breached"
    # And so do the filters the pending and overdue reads use, on either side of the limit.
    for as_of in (due_at, due_at + dt.timedelta(microseconds=1)):
        by_rule = statuses(as_of)
        pending = set(
            LeadRecord.objects.filter(pending_at(as_of)).values_list("lead_id", flat=True)
        )
        overdue = set(
            LeadRecord.objects.filter(overdue_at(as_of)).values_list("lead_id", flat=True)
        )
        assert pending == {lead for lead, status in by_rule.items() if status == "pending"}
        assert overdue == {lead for lead, status in by_rule.items() if status == "breached"} - {
            "ONE-SECOND-LATE"
        }  # touched late: breached, but not waiting


def test_limit_running_out_at_closing_time_is_met_by_an_evening_touch(signed):
    """An hour from 16:00 runs out at 17:00; a touch at 18:00 is still within one business hour."""
    result = run(signed, "EVE,Demo request,2026-01-06T16:00:00,2026-01-06T18:00:00,1,accepted")
    assert result.met == 1
    lead = LeadRecord.objects.get()
    assert lead.response_hours == Decimal("1.00")
    assert lead.due_at == dt.datetime(2026, 1, 7, 8, 0, tzinfo=UTC)


def test_validation_errors_by_line_and_column(signed):
    """Every bad cell is reported with its file line (header = 1) and column; nothing is saved."""
    result = run(
        signed,
        ",Demo request,2026-01-06T10:00,,0,",
        "E3,Webinar,2026-01-06T10:00,,0,",
        "E4,Demo request,06/01/2026 10:00,,0,",
        "E5,Demo request,2026-01-06T10:00,2026-01-06T09:00,0,",
        "E6,Demo request,2026-01-06T10:00,,-1,",
        "E7,Demo request,2026-01-06T10:00,,two,",
        "E8,Demo request,2026-01-06T10:00,,1,",
        "",
        "E8,Demo request,2026-01-06T10:00,,1,",
        "E11,Demo request,2026-01-06T10:00,yesterday,1,",
    )
    assert [(error.line, error.column) for error in result.errors] == [
        (2, "lead_id"),
        (3, "lead_type"),
        (4, "mql_at"),
        (5, "first_touch_at"),
        (6, "attempts"),
        (7, "attempts"),
        (10, "lead_id"),
        (11, "first_touch_at"),
    ]
    messages = [error.message for error in result.errors]
    assert messages[0] == "A value is required."
    assert "Unknown lead type “Webinar”" in messages[1]
    assert "Demo request" in messages[1]
    assert "not an ISO 8601 timestamp" in messages[2]
    assert messages[3] == "The first touch is before the lead became an MQL."
    assert "“-1” is not a whole number" in messages[4]
    assert "“two” is not a whole number" in messages[5]
    assert messages[6] == "The lead “E8” already appears on line 8."
    assert (result.imported, result.created, result.met) == (0, 0, 0)
    assert not LeadRecord.objects.exists()
    assert not AgreementEvent.objects.filter(kind=AgreementEvent.Kind.LEADS_IMPORTED).exists()


def test_timestamps_outside_the_supported_years_are_errors(signed):
    """A year typo is reported by line and column instead of stretching (or overflowing) dates."""
    result = run(
        signed,
        "Y2,Demo request,9999-12-31T23:00:00,,0,",
        "Y3,Demo request,1969-12-31T12:00:00+00:00,,0,",
        "Y4,Demo request,2026-01-06T10:00:00,2205-01-06T10:30:00,1,accepted",
        "Y5,Demo request,2100-12-31T10:00:00,2100-12-31T11:00:00,1,accepted",
    )
    assert [(error.line, error.column, error.message) for error in result.errors] == [
        (2, "mql_at", "“9999-12-31T23:00:00” is outside the years 1970 to 2100."),
        (3, "mql_at", "“1969-12-31T12:00:00+00:00” is outside the years 1970 to 2100."),
        (4, "first_touch_at", "“2205-01-06T10:30:00” is outside the years 1970 to 2100."),
    ]
    assert not LeadRecord.objects.exists()
    assert run(signed, "Y5,Demo request,2100-12-31T10:00:00,2100-12-31T11:00:00,1,").ok


def test_attempts_beyond_what_the_database_holds_are_an_error(signed):
    """The largest count both databases store is accepted; one more is a line error."""
    result = run(
        signed,
        "A2,Demo request,2026-01-06T10:00:00,,2147483647,",
        "A3,Demo request,2026-01-06T10:00:00,,2147483648,",
    )
    assert [(error.line, error.column, error.message) for error in result.errors] == [
        (3, "attempts", "At most 2,147,483,647 attempts."),
    ]
    assert not LeadRecord.objects.exists()
    result = run(signed, "A2,Demo request,2026-01-06T10:00:00,,2147483647,")
    assert result.ok
    assert LeadRecord.objects.get().attempts == 2_147_483_647


def test_reimport_is_idempotent(signed):
    """Importing the same file again updates every lead and gives the same counts."""
    first = run(signed, *SAMPLE)
    second = run(signed, *SAMPLE)
    assert (second.created, second.updated) == (0, 7)
    assert (second.met, second.breached, second.pending, second.invalid_rejections) == (
        first.met,
        first.breached,
        first.pending,
        first.invalid_rejections,
    )
    assert LeadRecord.objects.count() == 7


def test_reimport_updates_changed_leads(signed):
    """A lead touched since the last export turns from pending to met; new leads are added."""
    run(signed, "L3,Content download,2026-01-06T16:00:00+01:00,,0,")
    result = run(
        signed,
        "L3,Content download,2026-01-06T16:00:00+01:00,2026-01-07T10:00:00+01:00,2,accepted",
        "L9,Contact us,2026-01-07T09:00:00,,0,",
    )
    assert (result.created, result.updated, result.met, result.pending) == (1, 1, 1, 1)
    lead = LeadRecord.objects.get(lead_id="L3")
    assert lead.response_hours == Decimal("2.00")
    assert lead.outcome == "accepted"
    assert lead.attempts == 2


def test_mapping_is_remembered_per_series(signed):
    """A mapping given once is saved and used for the next file with the same columns."""
    header = "Id,Type,Became MQL,First Touch,Tries,Result"
    row = "C1,Demo request,2026-01-06T10:00:00,2026-01-06T10:20:00,1,accepted"
    mapping = {
        "lead_id": "Id",
        "lead_type": "Type",
        "mql_at": "Became MQL",
        "first_touch_at": "First Touch",
        "attempts": "Tries",
        "outcome": "Result",
    }
    result = run(signed, row, header=header, mapping=mapping)
    assert result.errors == []
    assert LeadColumnMapping.objects.get(series=signed.series).mapping == mapping

    again = run(signed, row.replace("C1", "C2"), header=header)
    assert again.errors == []
    assert again.created == 1
    assert LeadRecord.objects.count() == 2


def test_unmapped_columns_are_reported_on_the_header_line(signed):
    """Without a mapping, a file lacking the default columns gets errors on line 1."""
    result = run(signed, "C1,Demo request,2026-01-06T10:00:00", header="Id,Type,When")
    assert [(error.line, error.column) for error in result.errors] == [
        (1, "lead_id"),
        (1, "lead_type"),
        (1, "mql_at"),
    ]
    assert "map the columns" in result.errors[0].message


def test_optional_columns_may_be_missing(signed):
    """A file with only the required columns imports untouched, open leads."""
    result = run(signed, "O1,Demo request,2026-01-07T11:30:00", header="lead_id,lead_type,mql_at")
    assert result.errors == []
    assert result.pending == 1
    lead = LeadRecord.objects.get()
    assert (lead.attempts, lead.outcome, lead.first_touch_at) == (0, "", None)


def test_each_import_writes_one_event(signed):
    """The audit trail holds one leads_imported event with the counts."""
    run(signed, *SAMPLE)
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.LEADS_IMPORTED)
    assert event.agreement_id == signed.pk
    assert event.details["imported"] == 7
    assert event.details["met"] == 4
    assert event.details["invalid_rejections"] == 1


def test_draft_agreement_refuses_leads(agreement):
    """Leads are recorded only against a signed agreement."""
    with pytest.raises(
        ValidationError, match=re.escape(REFUSALS[Act.RECORD].format(status="draft"))
    ):
        run(agreement, *SAMPLE)


def test_outsider_may_not_import(signed, outsider):
    """Someone outside both teams is refused."""
    with pytest.raises(PermissionDenied, match=ERROR_NOT_PARTY):
        run(signed, *SAMPLE, actor=outsider)
    assert not LeadRecord.objects.exists()


def test_party_member_may_import(signed, sales_member):
    """A member of either team imports, and is the event's actor."""
    result = run(signed, *SAMPLE, actor=sales_member)
    assert result.imported == 7
    assert AgreementEvent.objects.get(kind="leads_imported").actor == sales_member


def test_a_line_that_is_not_utf8_stops_the_import(signed):
    """Text past the first lines that is not UTF-8 is an error of its line; nothing is saved."""
    rows = [f"U{number},Demo request,2026-01-06T10:00:00,,0," for number in range(400)]
    data = "\n".join([HEADER, *rows]).encode() + b"\nBAD,Demo request,\xff\xfe,,0,\n"
    result = leads_import(
        agreement=signed,
        actor=None,
        file=io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""),
        as_of=AS_OF,
    )
    assert [(error.column, error.message) for error in result.errors] == [("", ERROR_NOT_UTF8)]
    assert 1 < (result.errors[0].line or 0) <= 402
    assert not LeadRecord.objects.exists()
