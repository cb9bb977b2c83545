"""The operator commands: export_agreement and import_agreement."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from agreements.exchange import agreement_export
from agreements.models import Agreement, AgreementEvent, Revision
from agreements.selectors import agreement_load_sections
from tests.factories import UserFactory


def _run(*args: Any, **options: Any) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def _export(agreement: Agreement) -> dict[str, Any]:
    return agreement_export(agreement_load_sections(agreement.pk))


@pytest.fixture
def command_line(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run manage.py in-process; the test's database connection is kept open afterwards."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    def run(*argv: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            ManagementUtility(["manage.py", *argv]).execute()
        return int(exit_info.value.code or 0)

    return run


@pytest.fixture
def export_file(tmp_path: Path, agreement: Agreement) -> Path:
    path = tmp_path / "agreement.json"
    path.write_text(json.dumps(_export(agreement), indent=2), encoding="utf-8")
    return path


# export_agreement


def test_export_agreement_prints_the_export(agreement):
    """The command prints the agreement's schema /1 export, indented, on stdout."""
    stdout, stderr = _run("export_agreement", str(agreement.pk))

    assert json.loads(stdout) == _export(agreement)
    assert stdout.startswith('{\n  "schema": "slaportal.agreement/2",\n')
    assert stderr == ""


def test_export_agreement_output_is_stable(agreement):
    """Two runs print the same bytes: the key order does not change."""
    first = _run("export_agreement", str(agreement.pk))
    assert _run("export_agreement", str(agreement.pk)) == first


def test_export_of_a_missing_agreement_fails(db):
    """An unknown id is a CommandError naming it."""
    with pytest.raises(CommandError, match="No agreement with id 424242."):
        _run("export_agreement", "424242")


def test_export_of_a_missing_agreement_exits_non_zero(db, capsys, command_line):
    """From the command line the failure is exit status 1 with the message on stderr."""
    assert command_line("export_agreement", "424242") == 1
    captured = capsys.readouterr()
    assert "No agreement with id 424242." in captured.err
    assert captured.out == ""


# import_agreement


def test_import_agreement_prints_only_the_new_id(export_file, staff_user, agreement):
    """The new draft's id is the whole of stdout; its content equals the source's."""
    stdout, stderr = _run("import_agreement", str(export_file))

    new_id = int(stdout.strip())
    assert stdout == f"{new_id}\n"
    assert stderr == ""
    created = Agreement.objects.get(pk=new_id)
    assert created.pk != agreement.pk
    assert created.owner == staff_user
    assert _export(created) == _export(agreement)
    assert created.events.get().kind == AgreementEvent.Kind.IMPORTED


def test_import_agreement_reads_standard_input(staff_user, agreement):
    """FILE "-" reads the document from standard input."""
    stdin = io.StringIO(json.dumps(_export(agreement)))

    stdout, _stderr = _run("import_agreement", "-", stdin=stdin)

    assert Agreement.objects.filter(pk=int(stdout)).exists()


def test_import_agreement_with_an_owner(export_file, marketing_signatory):
    """--owner makes that user the owner of the new draft."""
    stdout, _stderr = _run("import_agreement", str(export_file), owner="mark")

    assert Agreement.objects.get(pk=int(stdout)).owner == marketing_signatory


def test_owner_defaults_to_the_first_active_superuser(export_file, agreement):
    """Without --owner, the active superuser with the lowest id owns the draft."""
    UserFactory(username="retired", is_staff=True, is_superuser=True, is_active=False)
    first = UserFactory(username="root", is_staff=True, is_superuser=True)
    UserFactory(username="root2", is_staff=True, is_superuser=True)

    stdout, _stderr = _run("import_agreement", str(export_file))

    assert Agreement.objects.get(pk=int(stdout)).owner == first


def test_import_without_any_superuser_fails(export_file, agreement):
    """With no active superuser and no --owner, the command stops before importing."""
    before = Agreement.objects.count()
    with pytest.raises(CommandError, match="superuser"):
        _run("import_agreement", str(export_file))
    assert Agreement.objects.count() == before


def test_import_with_an_unknown_owner_fails(export_file, staff_user):
    """An unknown --owner is a clear error."""
    with pytest.raises(CommandError, match="nobody"):
        _run("import_agreement", str(export_file), owner="nobody")


def test_import_for_an_owner_outside_both_teams_fails(export_file, outsider):
    """The owner must belong to one of the teams (unless staff), as on the site."""
    before = Agreement.objects.count()
    with pytest.raises(CommandError):
        _run("import_agreement", str(export_file), owner="otto")
    assert Agreement.objects.count() == before


def test_import_errors_go_to_stderr_and_nothing_is_created(tmp_path, staff_user, agreement):
    """Each error is printed as "path: message" on stderr; the command fails; nothing is made."""
    document = _export(agreement)
    document["funnel"]["revenue_goal"] = "plenty"
    document["kpis"][1]["name"] = document["kpis"][0]["name"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    before = (Agreement.objects.count(), Revision.objects.count())

    with pytest.raises(CommandError):
        call_command("import_agreement", str(path), stdout=stdout, stderr=stderr)

    lines = stderr.getvalue().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["funnel.revenue_goal", "kpis[1].name"]
    assert all(len(line.split(": ", 1)[1]) > 0 for line in lines)
    assert stdout.getvalue() == ""
    assert (Agreement.objects.count(), Revision.objects.count()) == before


def test_import_errors_exit_non_zero_from_the_command_line(
    tmp_path, staff_user, capsys, command_line
):
    """From the command line a document with errors is exit status 1."""
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps({"schema": "other"}), encoding="utf-8")

    assert command_line("import_agreement", str(path)) == 1
    assert "schema: " in capsys.readouterr().err
    assert Agreement.objects.count() == 0


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{broken", id="not JSON"),
        pytest.param('{"title": "Café"}'.encode("latin-1"), id="not UTF-8"),
    ],
)
def test_unreadable_file_fails(tmp_path, staff_user, content):
    """Files that are not UTF-8 JSON are refused with a CommandError."""
    path = tmp_path / "file.json"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        _run("import_agreement", str(path))
    assert Agreement.objects.count() == 0


def test_missing_file_fails(tmp_path, staff_user):
    """A path that does not exist is a CommandError."""
    with pytest.raises(CommandError, match="Cannot read"):
        _run("import_agreement", str(tmp_path / "absent.json"))


def test_command_round_trip_is_unchanged(staff_user, agreement):
    """export_agreement | import_agreement - | export_agreement prints the same document."""
    exported, _stderr = _run("export_agreement", str(agreement.pk))
    new_id, _stderr = _run("import_agreement", "-", stdin=io.StringIO(exported))

    again, _stderr = _run("export_agreement", new_id.strip())

    assert again == exported
