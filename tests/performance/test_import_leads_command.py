"""The import_leads command and the README's example of it."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from agreements.lifecycle import REFUSALS, Act
from agreements.models import Agreement
from performance.models import LeadRecord
from performance.services.leads import leads_import
from tests.performance.helpers import sign
from tests.performance.test_lead_import import HEADER, SAMPLE, UTC


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    return sign(agreement, timezone="Europe/Berlin")


def test_command_prints_one_json_object(signed, tmp_path):
    """--json prints the counts and no errors; --as-of decides pending against breached."""
    path = tmp_path / "leads.csv"
    path.write_text("\n".join([HEADER, *SAMPLE]) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_leads",
        str(signed.pk),
        str(path),
        "--json",
        "--as-of",
        "2026-01-07T12:00:00",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == {
        "imported": 7,
        "created": 7,
        "updated": 0,
        "met": 4,
        "breached": 2,
        "pending": 1,
        "invalid_rejections": 1,
        "errors": [],
    }
    later = io.StringIO()
    call_command(
        "import_leads", str(signed.pk), str(path), "--json", "--as-of", "2026-01-08", stdout=later
    )
    report = json.loads(later.getvalue())
    assert (report["created"], report["updated"], report["pending"], report["breached"]) == (
        0,
        7,
        0,
        3,
    )


def test_command_reports_errors_and_exits_1(signed, tmp_path):
    """With errors the JSON lists them by line and column and the command fails."""
    path = tmp_path / "leads.csv"
    path.write_text(f"{HEADER}\nX1,Webinar,2026-01-06T10:00:00,,0,\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_leads", str(signed.pk), str(path), "--json", stdout=out)
    assert failure.value.returncode == 1
    report = json.loads(out.getvalue())
    assert report["imported"] == 0
    assert report["errors"][0]["line"] == 2
    assert report["errors"][0]["column"] == "lead_type"
    assert not LeadRecord.objects.exists()


def test_command_summary_without_json(signed, tmp_path):
    """Without --json a one-line summary is printed."""
    path = tmp_path / "leads.csv"
    path.write_text("\n".join([HEADER, *SAMPLE]) + "\n", encoding="utf-8-sig")
    out = io.StringIO()
    call_command(
        "import_leads", str(signed.pk), str(path), "--as-of", "2026-01-07T12:00:00", stdout=out
    )
    assert out.getvalue().strip() == (
        "Imported 7 leads (7 new, 0 updated): 4 met, 2 breached, 1 pending; "
        "1 rejections without a valid reason code."
    )


def test_command_refuses_a_draft(agreement, tmp_path):
    """A draft gives an error in the JSON and exit status 1."""
    path = tmp_path / "leads.csv"
    path.write_text("\n".join([HEADER, *SAMPLE]) + "\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_leads", str(agreement.pk), str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["message"] == REFUSALS[Act.RECORD].format(
        status="draft"
    )


def test_readme_sample_gives_the_documented_counts(agreement):
    """The sample file in the README imports with the counts its example output shows."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Importing actuals and leads") :]
    sample = section[section.index(HEADER) : section.index("```", section.index(HEADER))]
    expected = json.loads(
        next(line for line in section.splitlines() if line.startswith('{"imported"'))
    )
    utc_agreement = sign(agreement, timezone="UTC")
    result = leads_import(
        agreement=utc_agreement,
        actor=None,
        file=io.StringIO(sample),
        as_of=dt.datetime(2026, 1, 7, 12, 0, tzinfo=UTC),
    )
    assert result.as_dict() == expected
