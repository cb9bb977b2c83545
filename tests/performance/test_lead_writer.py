"""Writing leads in batches: all or nothing, pipelined on PostgreSQL, a fixed query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, AgreementEvent
from performance.models import LeadRecord
from performance.services.leads import writer as lead_writer
from tests.performance.helpers import sign
from tests.performance.test_lead_import import run


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


def test_error_after_written_batches_rolls_everything_back(signed, monkeypatch):
    """Batches already written are undone when a later row fails; old rows stay as they were."""
    run(signed, "OLD,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,accepted")
    monkeypatch.setattr(lead_writer, "BATCH_SIZE", 2)
    result = run(
        signed,
        "OLD,Demo request,2026-01-06T10:00:00,2026-01-06T15:30:00,1,accepted",
        *[f"N{number},Contact us,2026-01-06T10:00:00,,0," for number in range(5)],
        "BAD,Contact us,not a time,,0,",
    )
    assert [(error.line, error.column) for error in result.errors] == [(8, "mql_at")]
    assert list(LeadRecord.objects.values_list("lead_id", flat=True)) == ["OLD"]
    assert LeadRecord.objects.get().response_hours == Decimal("0.50")
    assert AgreementEvent.objects.filter(kind=AgreementEvent.Kind.LEADS_IMPORTED).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="batches are pipelined on PostgreSQL only"
)
@pytest.mark.parametrize("bad_row", [2, 4], ids=["middle batch", "last batch"])
def test_database_error_in_a_pipelined_batch_rolls_everything_back(signed, monkeypatch, bad_row):
    """A batch the server refuses raises, undoes the batches before it and frees the connection.

    The lead ID's length limit is lifted in the model only, so the import passes a value that
    the column (varchar(100)) refuses: in the second of three batches (raised while sending the
    third) or in the last (raised when the pipeline ends).
    """
    run(signed, "OLD,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,accepted")
    monkeypatch.setattr(lead_writer, "BATCH_SIZE", 2)
    monkeypatch.setattr(LeadRecord._meta.get_field("lead_id"), "max_length", 300)
    rows = [f"N{number},Contact us,2026-01-06T10:00:00,,0," for number in range(5)]
    rows[bad_row] = "X" * 150 + ",Contact us,2026-01-06T10:00:00,,0,"
    with pytest.raises(DataError):
        run(signed, "OLD,Demo request,2026-01-06T10:00:00,,1,", *rows)
    assert list(LeadRecord.objects.values_list("lead_id", "attempts")) == [("OLD", 1)]
    assert AgreementEvent.objects.filter(kind=AgreementEvent.Kind.LEADS_IMPORTED).count() == 1
    monkeypatch.undo()
    result = run(signed, *rows[:2])  # The connection takes the next import.
    assert (result.created, result.updated) == (2, 0)


def test_reimport_rewrites_only_changed_leads(signed):
    """An unchanged lead keeps its row as it was; a changed one gets a new import time."""
    same = "SAME,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,accepted"
    run(signed, same, "MOVED,Contact us,2026-01-06T10:00:00,,0,")
    before = dict(LeadRecord.objects.values_list("lead_id", "imported_at"))
    result = run(signed, same, "MOVED,Contact us,2026-01-06T10:00:00,2026-01-06T11:00:00,1,")
    assert (result.created, result.updated) == (0, 2)
    after = dict(LeadRecord.objects.values_list("lead_id", "imported_at"))
    assert after["SAME"] == before["SAME"]
    assert after["MOVED"] > before["MOVED"]
    assert LeadRecord.objects.get(lead_id="MOVED").response_hours == Decimal("1.00")


def test_text_with_quotes_commas_and_braces_is_stored_as_written(signed):
    """Lead ids and outcomes keep quotes, commas, backslashes, braces and accents."""
    lead_id = 'Q"1,{x}\\y-é'
    result = run(
        signed,
        f'"{lead_id.replace(chr(34), chr(34) * 2)}",Demo request,2026-01-06T10:00:00,,0,"a,b"',
    )
    assert result.errors == []
    lead = LeadRecord.objects.get()
    assert lead.lead_id == lead_id
    assert lead.outcome == "a,b"
    assert lead.invalid_rejection is True


def _queries_for(agreement: Agreement, count: int, prefix: str) -> int:
    rows = [f"{prefix}{number},Demo request,2026-01-06T10:00:00,,0," for number in range(count)]
    with CaptureQueriesContext(connection) as context:
        result = run(agreement, *rows)
    assert result.imported == count
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_rows(signed):
    """10 and 1,000 rows (one batch) take the same, fixed number of queries."""
    assert lead_writer.BATCH_SIZE > 1000
    few = _queries_for(signed, 10, "A")
    many = _queries_for(signed, 1000, "B")
    # 12 for the import itself, 2 for locking and moving the head of the series'
    # audit-event chain, 9 for refreshing the series' lead tally and lead days, 2 for
    # compacting the series' change log there (performance.series_changes).
    # Two of them open and close the import batch that makes the import undoable.
    assert few == many == 27
