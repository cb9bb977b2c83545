"""Hostile CSV files: refused while streaming, with a clear error, before any costly work.

A header of a million columns once held a worker for 18 minutes and returned a 244 MB page; a
NUL character or a cell over the csv module's field limit answered 500.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from agreements.models import Agreement
from performance.models import LeadRecord, MonthlyActual, PendingUpload
from performance.services.actuals_csv import actuals_csv_parse
from performance.services.csv_files import (
    ERROR_COLUMN_NAME_NUL,
    ERROR_COLUMN_NAME_TOO_LONG,
    ERROR_LINE_TOO_LONG,
    ERROR_NUL,
    ERROR_TOO_MANY_COLUMNS,
    ERROR_TOO_MANY_ROWS,
    MAX_ACTUALS_ROWS,
    MAX_COLUMN_NAME,
    MAX_COLUMNS,
    MAX_LEAD_ROWS,
    MAX_LINE,
    MAX_SHOWN,
    CsvRows,
)
from performance.services.leads import leads_import
from tests.performance.test_lead_import import AS_OF
from tests.performance.test_views_actuals import ACTUALS_HEADER, LEADS_HEADER, sign, upload, url

LINE_TOO_LONG = ERROR_LINE_TOO_LONG.format(limit=f"{MAX_LINE:,}")
# The header of the report: 1,000,000 columns in 7.5 MB on one line.
MILLION_COLUMNS = ",".join(f"c{index:06d}" for index in range(1_000_000)) + "\n"
TEN_THOUSAND_COLUMNS = ",".join(f"c{index:04d}" for index in range(10_000)) + "\n"
# Over the csv module's default field limit of 131,072 characters.
OVER_FIELD_LIMIT = "x" * 131_073
LEAD_ROW = "L1,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,2,accepted"
ACTUALS_ROW = "2026-01,500,100,40,10,100000"


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement)


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def lead_errors(agreement: Agreement, text: str) -> list[tuple[int | None, str, str]]:
    result = leads_import(agreement=agreement, actor=None, file=io.StringIO(text), as_of=AS_OF)
    return [(error.line, error.column, error.message) for error in result.errors]


def assert_nothing_kept(client: Client) -> None:
    """No upload waits in the database, and the session holds nothing of the file."""
    assert not PendingUpload.objects.exists()
    assert len(json.dumps(dict(client.session.items()))) < 1000


# The width of the header (#5)


@pytest.mark.parametrize("header", [MILLION_COLUMNS, TEN_THOUSAND_COLUMNS], ids=["1e6", "1e4"])
def test_lead_upload_refuses_a_header_of_too_many_columns(member_client, signed, header):
    """The upload answers with one error on line 1, a small page, and keeps nothing."""
    response = member_client.post(url("leads_import", signed), {"file": upload(header)})
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [(error.line, error.column, error.message) for error in errors] == [
        (1, "", LINE_TOO_LONG)
    ]
    assert response.context["mapping_form"] is None
    assert len(response.content) < 50_000
    assert_nothing_kept(member_client)
    assert not LeadRecord.objects.exists()


@pytest.mark.parametrize("header", [MILLION_COLUMNS, TEN_THOUSAND_COLUMNS], ids=["1e6", "1e4"])
def test_lead_import_refuses_a_header_of_too_many_columns(signed, header):
    """The service stops at the header, whatever reads the file."""
    assert lead_errors(signed, header + LEAD_ROW + "\n") == [(1, "", LINE_TOO_LONG)]


@pytest.mark.parametrize("header", [MILLION_COLUMNS, TEN_THOUSAND_COLUMNS], ids=["1e6", "1e4"])
def test_import_leads_command_refuses_a_header_of_too_many_columns(signed, tmp_path, header):
    """The command reports the header's line and exits with status 1."""
    path = tmp_path / "leads.csv"
    path.write_text(header + LEAD_ROW + "\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_leads", str(signed.pk), str(path), "--json", stdout=out)
    assert failure.value.returncode == 1
    assert json.loads(out.getvalue())["errors"] == [
        {"line": 1, "column": "", "message": LINE_TOO_LONG}
    ]


def test_actuals_upload_refuses_a_header_of_a_million_columns(member_client, signed):
    """Its 7.5 MB are over the actuals upload's 1 MB: refused before a line is read."""
    response = member_client.post(url("actuals_import", signed), {"file": upload(MILLION_COLUMNS)})
    assert response.status_code == 200
    assert "the largest accepted is 1.0" in response.context["upload_form"].errors["file"][0]
    assert len(response.content) < 50_000
    assert_nothing_kept(member_client)


def test_actuals_upload_refuses_a_header_of_ten_thousand_columns(member_client, signed):
    """The preview shows one error on line 1 and offers nothing to apply."""
    response = member_client.post(
        url("actuals_import", signed), {"file": upload(TEN_THOUSAND_COLUMNS + ACTUALS_ROW)}
    )
    assert response.context["parsed"].errors == [(1, "", LINE_TOO_LONG)]
    assert response.context["confirm_form"] is None
    assert f"Line 1: {LINE_TOO_LONG}" in response.content.decode()
    assert len(response.content) < 50_000
    assert_nothing_kept(member_client)


@pytest.mark.parametrize("header", [MILLION_COLUMNS, TEN_THOUSAND_COLUMNS], ids=["1e6", "1e4"])
def test_actuals_import_refuses_a_header_of_too_many_columns(signed, header):
    """The parser and the command stop at the header."""
    assert actuals_csv_parse(header + ACTUALS_ROW).errors == [(1, "", LINE_TOO_LONG)]


def test_import_actuals_command_refuses_a_header_of_too_many_columns(signed, tmp_path):
    """The command prints the header's error and writes nothing."""
    path = tmp_path / "actuals.csv"
    path.write_text(TEN_THOUSAND_COLUMNS + ACTUALS_ROW + "\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error found"):
        call_command("import_actuals", str(signed.pk), str(path), stderr=err)
    assert f"line 1: {LINE_TOO_LONG}" in err.getvalue()
    assert not MonthlyActual.objects.exists()


def test_header_of_short_names_is_held_to_the_column_limit():
    """A header within the line limit still may not pass the number of columns."""
    header = ",".join(f"c{index}" for index in range(MAX_COLUMNS + 1))
    message = ERROR_TOO_MANY_COLUMNS.format(count=MAX_COLUMNS + 1, limit=MAX_COLUMNS)
    assert actuals_csv_parse(header + "\n").errors == [(1, "", message)]
    assert CsvRows(io.StringIO(",".join(["c"] * MAX_COLUMNS))).header() == ["c"] * MAX_COLUMNS


def test_column_names_are_held_to_their_length(signed):
    """A column name over the limit is a file error naming the column's place."""
    header = f"{LEADS_HEADER},{'n' * (MAX_COLUMN_NAME + 1)}"
    message = ERROR_COLUMN_NAME_TOO_LONG.format(number=7, limit=MAX_COLUMN_NAME)
    assert lead_errors(signed, f"{header}\n{LEAD_ROW}\n") == [(1, "", message)]


# Long lines, many rows


def test_a_long_line_is_reported_on_its_line(signed):
    """A row past the line limit ends the import with an error on that line."""
    long_row = f"L2,Demo request,2026-01-06T10:00:00,,0,{'o' * MAX_LINE}"
    text = f"{LEADS_HEADER}\n{LEAD_ROW}\n{long_row}\n"
    assert lead_errors(signed, text) == [(3, "", LINE_TOO_LONG)]
    assert not LeadRecord.objects.exists()


def test_a_quoted_cell_spanning_lines_is_held_to_the_line_limit():
    """Line breaks inside quotes do not let a record grow past the limit."""
    cell = '"' + ("y" * 100 + "\n") * (MAX_LINE // 100 + 1) + '"'
    parsed = actuals_csv_parse(f"{ACTUALS_HEADER}\n{cell},1,1,1,1,1\n")
    assert [(column, message) for _line, column, message in parsed.errors] == [("", LINE_TOO_LONG)]


def test_a_line_at_the_limit_is_read():
    """Exactly the limit, line break aside, is still a line."""
    row = "2026-01,1,1,1,1," + "1" * (MAX_LINE - len("2026-01,1,1,1,1,"))
    rows = CsvRows(io.StringIO(f"{ACTUALS_HEADER}\r\n{row}\r\n"))
    rows.header()
    assert [line for line, _cells in rows] == [2]
    assert rows.failure is None


def test_a_file_of_blank_lines_is_held_to_the_row_limit(signed):
    """Line breaks alone do not keep the import reading past the row limit."""
    errors = lead_errors(signed, LEADS_HEADER + "\n" * (MAX_LEAD_ROWS + 10))
    limit = f"{MAX_LEAD_ROWS:,}"
    assert errors == [(MAX_LEAD_ROWS + 2, "", ERROR_TOO_MANY_ROWS.format(limit=limit))]


def test_rows_past_the_limit_end_the_file():
    """The row after the last one allowed is reported on its line; blank rows count too."""
    rows = CsvRows(io.StringIO("a\n1\n\n2\n3\n4\n"), max_rows=3)
    rows.header()
    assert [line for line, _cells in rows] == [2, 4]
    assert rows.failure == (5, ERROR_TOO_MANY_ROWS.format(limit="3"))


def test_actuals_files_are_held_to_their_row_limit():
    """One row more than the actuals limit is an error on its line."""
    text = ACTUALS_HEADER + "\n" + f"{ACTUALS_ROW}\n" * (MAX_ACTUALS_ROWS + 1)
    errors = actuals_csv_parse(text).errors
    limit = f"{MAX_ACTUALS_ROWS:,}"
    assert errors[-1] == (MAX_ACTUALS_ROWS + 2, "", ERROR_TOO_MANY_ROWS.format(limit=limit))


def test_values_quoted_in_errors_are_cut_short(signed):
    """A long bad value is not echoed back whole."""
    [(_line, column, message)] = lead_errors(
        signed, f"{LEADS_HEADER}\nL1,{'T' * 5000},2026-01-06T10:00:00,,0,\n"
    )
    assert column == "lead_type"
    assert "T" * (MAX_SHOWN - 1) + "…" in message
    assert "T" * MAX_SHOWN not in message


# NUL characters and cells over the csv module's field limit (#8)


def test_lead_import_reports_a_nul_by_line_and_column(signed):
    """A NUL in any cell read is an error of its cell; nothing reaches the database."""
    text = (
        f"{LEADS_HEADER}\n{LEAD_ROW}\n"
        "L\x002,Demo request,2026-01-06T10:00:00,,0,\n"
        "L3,Demo request,2026-01-06T10:00:00,,0,acc\x00epted\n"
    )
    assert lead_errors(signed, text) == [
        (3, "lead_id", ERROR_NUL),
        (4, "outcome", ERROR_NUL),
    ]
    assert not LeadRecord.objects.exists()


def test_lead_upload_reports_a_nul_without_a_server_error(member_client, signed):
    """The upload page lists the NUL's line and column."""
    text = f"{LEADS_HEADER}\nL\x001,Demo request,2026-01-06T10:00:00,,0,\n"
    response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    assert response.status_code == 200
    assert "<td>2</td><td><code>lead_id</code></td>" in response.content.decode()
    assert ERROR_NUL in response.content.decode()


def test_a_nul_in_the_header_refuses_the_file(member_client, signed):
    """A column name with a NUL is a file error, before any mapping is asked or kept."""
    text = "Lead\x00 ID,Kind,When\nC1,Demo request,2026-01-06T10:00:00\n"
    response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    [error] = response.context["result"].errors
    assert (error.line, error.message) == (1, ERROR_COLUMN_NAME_NUL.format(number=1))
    assert_nothing_kept(member_client)


def test_lead_header_cell_over_the_field_limit_is_a_file_error(member_client, signed):
    """A column name of 131,073 characters is refused on line 1, not a server error."""
    text = f"{LEADS_HEADER},{OVER_FIELD_LIMIT}\n{LEAD_ROW}\n"
    assert lead_errors(signed, text) == [(1, "", LINE_TOO_LONG)]
    response = member_client.post(url("leads_import", signed), {"file": upload(text)})
    assert [error.line for error in response.context["result"].errors] == [1]
    quoted = f'{LEADS_HEADER},"{OVER_FIELD_LIMIT}"\n{LEAD_ROW}\n'
    assert lead_errors(signed, quoted) == [(1, "", LINE_TOO_LONG)]


def test_lead_cell_over_the_field_limit_is_an_error_of_its_line(signed):
    """A quoted cell past the field limit is reported on its line."""
    text = (
        f'{LEADS_HEADER}\n{LEAD_ROW}\nL2,Demo request,2026-01-06T10:00:00,,0,"{OVER_FIELD_LIMIT}"\n'
    )
    assert lead_errors(signed, text) == [(3, "", LINE_TOO_LONG)]


def test_actuals_nul_and_field_limit_are_errors_by_line_and_column(member_client, signed):
    """The actuals preview reports a NUL by cell and an oversized header on line 1."""
    parsed = actuals_csv_parse(f"{ACTUALS_HEADER}\n2026-01,5\x00,1,1,1,1\n")
    assert parsed.errors == [(2, "leads", ERROR_NUL)]
    oversized = actuals_csv_parse(f"{ACTUALS_HEADER},{OVER_FIELD_LIMIT}\n{ACTUALS_ROW}\n")
    assert oversized.errors == [(1, "", LINE_TOO_LONG)]
    response = member_client.post(
        url("actuals_import", signed),
        {"file": upload(f"{ACTUALS_HEADER}\n2026-01,5\x00,1,1,1,1\n")},
    )
    assert response.status_code == 200
    assert f"<code>leads</code>: {ERROR_NUL}" in response.content.decode()


# The README


def test_readme_states_the_import_limits():
    """The README's import section gives the limits the code enforces."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Importing actuals and leads") :]
    end = section.find("\n## ")
    section = " ".join((section if end < 0 else section[:end]).split())
    for phrase in (
        f"at most {MAX_COLUMNS} columns",
        f"column names of at most {MAX_COLUMN_NAME} characters",
        f"at most {MAX_LINE:,} characters",
        f"at most {MAX_LEAD_ROWS:,} lead rows or {MAX_ACTUALS_ROWS:,} rows of monthly actuals",
    ):
        assert phrase in section
