"""Hostile or careless import files: each gets an error by JSON path, never a server error.

These run on SQLite and, with DATABASE_URL set, on PostgreSQL, which refuses NUL in text.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.document_reader import (
    DOCUMENT_MAX_BYTES,
    DOCUMENT_MAX_DEPTH,
    ERROR_NOT_OBJECT,
    ERROR_NUL,
    ERROR_SURROGATE,
    ERROR_TOO_DEEP,
    ERROR_TOO_LONG_NUMBER,
    SHOWN_CHARS,
    nesting_depth,
)
from agreements.models import Agreement, AgreementEvent, Kpi, Revision
from agreements.services.agreements import ContentErrors, agreement_import
from agreements.standard_template import standard_content
from tests.tampering import database_writer

DEEP = 5000
TOO_DEEP = f"$: {ERROR_TOO_DEEP % {'limit': DOCUMENT_MAX_DEPTH}}"


@pytest.fixture
def document(marketing_team: Any, sales_team: Any) -> dict[str, Any]:
    """A complete, valid document: the standard template between the fixture teams."""
    return standard_content(
        title="Imported SLA",
        marketing_team=marketing_team.name,
        sales_team=sales_team.name,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


@pytest.fixture
def command_line(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run manage.py in-process; the test's database connection is kept open afterwards."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    def run(*argv: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            ManagementUtility(["manage.py", *argv]).execute()
        return int(exit_info.value.code or 0)

    return run


def _counts() -> tuple[int, int, int, int]:
    return (
        Agreement.objects.count(),
        Kpi.objects.count(),
        Revision.objects.count(),
        AgreementEvent.objects.count(),
    )


def _upload(client: Any, content: bytes) -> Any:
    upload = SimpleUploadedFile("agreement.json", content, content_type="application/json")
    return client.post(reverse("agreements:import"), {"file": upload})


def _deeply_nested(depth: int) -> bytes:
    return (
        '{"schema": "slaportal.agreement/1", "kpis": ' + "[" * depth + "]" * depth + "}"
    ).encode()


def _import_errors(document: Any, actor: Any) -> list[tuple[str, str]]:
    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=actor)
    return raised.value.errors


# Nesting


def test_deeply_nested_upload_is_refused_by_path(client, marketing_member):
    """A file nested 5,000 deep is refused on the upload page at "$"; nothing is created."""
    client.force_login(marketing_member)

    response = _upload(client, _deeply_nested(DEEP))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("file", "too_deep")
    assert form.errors["file"] == [TOO_DEEP]
    assert TOO_DEEP in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


def test_deeply_nested_file_fails_the_command_without_a_traceback(
    tmp_path, staff_user, capsys, command_line
):
    """manage.py import_agreement prints "$: ..." for a file nested 5,000 deep and exits 1."""
    path = tmp_path / "deep.json"
    path.write_bytes(_deeply_nested(DEEP))

    assert command_line("import_agreement", str(path)) == 1

    captured = capsys.readouterr()
    assert TOO_DEEP in captured.err.splitlines()
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert _counts() == (0, 0, 0, 0)


def test_nesting_to_the_limit_is_read_and_one_more_level_is_not(client, marketing_member):
    """A document nested exactly to the limit is checked like any other; one level more is not."""
    client.force_login(marketing_member)

    within = _upload(client, _deeply_nested(DOCUMENT_MAX_DEPTH - 1))
    beyond = _upload(client, _deeply_nested(DOCUMENT_MAX_DEPTH))

    assert not within.context["form"].errors
    assert ("kpis[0]", ERROR_NOT_OBJECT) in within.context["content_errors"]
    assert beyond.context["form"].errors["file"] == [TOO_DEEP]


def test_brackets_inside_strings_are_not_nesting(client, marketing_member, document):
    """Brackets and escaped quotes inside a string value do not count as nesting."""
    document["responsibilities"][0]["description"] = '\\"[[[' + "[{" * DEEP + '"'
    client.force_login(marketing_member)

    response = _upload(client, json.dumps(document).encode())

    assert response.status_code == 302
    created = Agreement.objects.get()
    assert created.responsibilities.all()[0].description.endswith("[{" * DEEP + '"')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ ab\n'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\ ab'), children, max_size=3)
    ),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


@given(json_values)
def test_nesting_depth_is_the_depth_of_the_parsed_value(value):
    """The bracket count outside strings equals the depth json.loads would recurse to."""
    assert nesting_depth(json.dumps(value)) == _depth(value)
    assert nesting_depth(json.dumps(value, indent=2, ensure_ascii=False)) == _depth(value)


# NUL and lone surrogates


NUL_PATHS = [
    pytest.param(("title",), "title", id="title"),
    pytest.param(("marketing_team",), "marketing_team", id="team"),
    pytest.param(("funnel", "currency"), "funnel.currency", id="currency"),
    pytest.param(("kpis", 0, "name"), "kpis[0].name", id="KPI name"),
    pytest.param(("kpis", 0, "unit"), "kpis[0].unit", id="KPI unit"),
    pytest.param(
        ("responsibilities", 0, "description"),
        "responsibilities[0].description",
        id="responsibility description",
    ),
    pytest.param(("criteria", "rules", 0, "rule"), "criteria.rules[0].rule", id="rule"),
    pytest.param(
        ("service_levels", "lead_types", 0, "escalation"),
        "service_levels.lead_types[0].escalation",
        id="escalation",
    ),
    pytest.param(
        ("service_levels", "calendar", "timezone"),
        "service_levels.calendar.timezone",
        id="timezone",
    ),
    pytest.param(("rejection_reasons", 0, "label"), "rejection_reasons[0].label", id="label"),
    pytest.param(("deadlines", 0, "title"), "deadlines[0].title", id="deadline title"),
    pytest.param(("review", "report_cadence"), "review.report_cadence", id="cadence"),
]


def _put(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _get(document: dict[str, Any], path: tuple[Any, ...]) -> Any:
    target: Any = document
    for key in path:
        target = target[key]
    return target


@pytest.mark.parametrize(("path", "json_path"), NUL_PATHS)
def test_nul_in_any_imported_text_is_an_error_by_path(document, marketing_member, path, json_path):
    """A NUL anywhere in a text of the document is reported at its path; nothing is created."""
    _put(document, path, f"{_get(document, path)}\u0000")

    assert _import_errors(document, marketing_member) == [(json_path, ERROR_NUL)]
    assert _counts() == (0, 0, 0, 0)


def test_nul_upload_stores_nothing_and_answers_with_the_error(client, marketing_member, document):
    """On the upload page a NUL is a listed error, on PostgreSQL as on SQLite; no row written."""
    document["kpis"][0]["name"] = "SQLs\u0000accepted"
    client.force_login(marketing_member)

    response = _upload(client, json.dumps(document).encode())

    assert response.status_code == 200
    assert response.context["content_errors"] == [("kpis[0].name", ERROR_NUL)]
    assert f"<code>kpis[0].name</code>: {ERROR_NUL}" in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


def test_nul_import_command_prints_the_path(tmp_path, staff_user, capsys, command_line, document):
    """manage.py import_agreement prints "kpis[0].name: ..." for a NUL and exits 1."""
    document["kpis"][0]["name"] = "SQLs\u0000accepted"
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert command_line("import_agreement", str(path)) == 1

    captured = capsys.readouterr()
    assert f"kpis[0].name: {ERROR_NUL}" in captured.err.splitlines()
    assert "Traceback" not in captured.err
    assert _counts() == (0, 0, 0, 0)


def test_lone_surrogate_is_an_error_by_path(client, marketing_member, document):
    """A "\\ud800" escape with no partner cannot be stored as UTF-8: an error by path."""
    document["deadlines"][0]["title"] = "Kick-off \ud800"
    client.force_login(marketing_member)

    response = _upload(client, json.dumps(document).encode())

    assert response.status_code == 200
    assert response.context["content_errors"] == [("deadlines[0].title", ERROR_SURROGATE)]
    assert _counts() == (0, 0, 0, 0)


# Long values


def test_very_long_title_is_an_error_by_path(client, marketing_member, document):
    """A title of 1.5 million characters is refused by its length, at "title"."""
    document["title"] = "x" * 1_500_000
    client.force_login(marketing_member)

    response = _upload(client, json.dumps(document).encode())

    assert response.status_code == 200
    [(path, message)] = response.context["content_errors"]
    assert path == "title"
    assert "at most 200 characters" in message
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("path", "json_path"),
    [
        pytest.param(("marketing_team",), "marketing_team", id="team name"),
        pytest.param(("period", "start"), "period.start", id="date"),
        pytest.param(("funnel", "revenue_goal"), "funnel.revenue_goal", id="decimal"),
        pytest.param(
            ("service_levels", "calendar", "day_start"),
            "service_levels.calendar.day_start",
            id="time",
        ),
    ],
)
def test_long_rejected_value_is_shortened_in_the_message(
    document, marketing_member, path, json_path
):
    """A message repeats only the start of a long rejected value, not a megabyte of it."""
    _put(document, path, "9" * 1000 + "x")

    [(error_path, message)] = _import_errors(document, marketing_member)

    assert error_path == json_path
    assert len(message) < SHOWN_CHARS + 100


@pytest.mark.parametrize(
    ("path", "json_path"),
    [
        pytest.param(("criteria", "rules", 0, "points"), "criteria.rules[0].points", id="integer"),
        pytest.param(("criteria", "mql_score_threshold"), "criteria.mql_score_threshold", id="int"),
    ],
)
def test_integer_of_thousands_of_digits_is_an_error_by_path(
    client, marketing_member, document, path, json_path
):
    """An integer too long for Python to read (over 4,300 digits) is an error at its path."""
    _put(document, path, "__LONG__")
    text = json.dumps(document).replace('"__LONG__"', "9" * 5000)
    client.force_login(marketing_member)

    response = _upload(client, text.encode())

    assert response.status_code == 200
    assert response.context["content_errors"] == [(json_path, ERROR_TOO_LONG_NUMBER)]
    assert _counts() == (0, 0, 0, 0)


def test_decimal_of_thousands_of_digits_is_an_error_by_path(marketing_member, document):
    """A bare number of 5,000 digits for a decimal is refused by its number of digits."""
    document["funnel"]["revenue_goal"] = "__LONG__"
    text = json.dumps(document).replace('"__LONG__"', "9" * 5000)
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 error found"):
        call_command(
            "import_agreement",
            "-",
            owner=marketing_member.username,
            stdin=io.StringIO(text),
            stdout=stdout,
            stderr=stderr,
        )

    [line] = stderr.getvalue().splitlines()
    assert line.startswith("funnel.revenue_goal: ")
    assert "14 digits" in line


def test_command_refuses_a_file_over_2_mb(tmp_path, staff_user, command_line, capsys):
    """The command caps a document at 2 MB as the upload page does, before reading it."""
    path = tmp_path / "big.json"
    path.write_bytes(b'{"padding": "' + b"x" * DOCUMENT_MAX_BYTES + b'"}')

    assert command_line("import_agreement", str(path)) == 1

    err = capsys.readouterr().err
    assert "the largest accepted is 2.0\xa0MB" in err
    assert "Traceback" not in err


def test_command_refuses_standard_input_over_2_mb(staff_user):
    """Standard input is read only up to the cap, and refused past it."""
    stdin = io.StringIO('{"padding": "' + "x" * DOCUMENT_MAX_BYTES + '"}')

    with pytest.raises(CommandError, match="largest accepted"):
        call_command("import_agreement", "-", stdin=stdin, stdout=io.StringIO())


def test_amending_content_that_no_longer_validates_is_a_clear_refusal(
    client, signed, marketing_member
):
    """Content signed before a rule existed is refused by path on amend, not a server error."""
    first, second = signed.kpis.all()[:2]
    with database_writer():
        Kpi.objects.filter(pk=first.pk).update(name="SQLs")
        Kpi.objects.filter(pk=second.pk).update(name="SQLs\u200b")
    client.force_login(marketing_member)

    response = client.post(reverse("agreements:amend", kwargs={"pk": signed.pk}), follow=True)

    assert response.status_code == 200
    assert "repeats item" in response.content.decode()
    assert Agreement.objects.filter(amends=signed).count() == 0
