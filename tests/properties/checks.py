"""What every form property checks: no server error, and nothing saved from rejected input."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import messages
from django.contrib.admin.helpers import AdminForm, InlineAdminFormSet
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import CharField, Field, Model, TextField
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.test import Client
from hypothesis import HealthCheck, event, settings

from performance.services.actuals_csv import ParsedActuals
from performance.services.leads import LeadImportResult

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

# Each property posts a few dozen examples: enough to meet the odd value, while the whole
# suite stays within about a minute. Fixtures are made once per test; every example runs in
# a savepoint that is rolled back (see ``example_rolled_back``), so each starts from them.
form_examples = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# For the pages that take a tenth of a second or more to answer (the section editor with its
# rows, the admin's change page with its inlines), and that have several properties each.
slow_page_examples = settings(form_examples, max_examples=20)

# Everything a form of the site may write. Sessions and django-axes' records of failed
# logins are left out: they change on purpose with any request or wrong password.
SNAPSHOT_APPS = ("teams", "agreements", "performance")
# What the site writes must also fit PostgreSQL, which SQLite does not check: text within
# its column's length, and no NUL character in it.
STORED_APPS = (*SNAPSHOT_APPS, "auth", "axes")

Rows = list[tuple[Any, ...]]


def _models(labels: tuple[str, ...]) -> list[type[Model]]:
    return [model for label in labels for model in apps.get_app_config(label).get_models()]


def _rows(model: type[Model], fields: Sequence[Field[Any, Any]]) -> Rows:
    # Plain SQL: every example reads every table once or twice, and ORM rows cost far more.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    pk = model._meta.pk
    assert pk is not None
    order, table = quote(str(pk.column)), quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")
        return cursor.fetchall()


# A refused signing attempt is written to the audit trail on purpose, and appending any event
# moves the head of its series' chain; those are the only writes a refusal may make.
SIGNING_FAILED = "signing_failed"
CHAIN_HEAD = {"event_count", "event_head", "event_head_key_id", "event_head_mac"}


def _snapshot(model: type[Model]) -> Rows:
    fields = [field for field in model._meta.concrete_fields if field.name not in CHAIN_HEAD]
    rows = _rows(model, fields)
    if model._meta.label == "agreements.AgreementEvent":
        kind = [field.name for field in fields].index("kind")
        rows = [row for row in rows if row[kind] != SIGNING_FAILED]
    return rows


def db_state() -> dict[str, Rows]:
    """Every row of the project's tables and of the users, by model."""
    models: list[type[Model]] = [*_models(SNAPSHOT_APPS), User]
    return {model._meta.label: _snapshot(model) for model in models}


def assert_fits_postgresql() -> None:
    """No text written exceeds its column's length or holds a NUL character."""
    for model in _models(STORED_APPS):
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, CharField | TextField)
        ]
        if not fields:
            continue
        for row in _rows(model, fields):
            for field, value in zip(fields, row, strict=True):
                text = value or ""
                limit = getattr(field, "max_length", None)
                assert "\x00" not in text, f"{model._meta.label}.{field.name} holds NUL"
                assert limit is None or len(text) <= limit, (
                    f"{model._meta.label}.{field.name} holds {len(text)} characters, past {limit}"
                )


def assert_unchanged(before: dict[str, Rows], why: str) -> None:
    after = db_state()
    changed = sorted(label for label in before if before[label] != after[label])
    assert not changed, f"{why}, yet these tables changed: {changed}"


@contextmanager
def example_rolled_back() -> Iterator[None]:
    """Run one example in a savepoint that is rolled back, whatever the view wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Visitor:
    """A signed-in browser: each request starts without the messages of the one before."""

    client: Client

    def post(self, url: str, data: dict[str, Any]) -> _MonkeyPatchedWSGIResponse:
        self.client.cookies.pop("messages", None)
        return self.client.post(url, data)

    def get(self, url: str, data: dict[str, Any] | None = None) -> _MonkeyPatchedWSGIResponse:
        self.client.cookies.pop("messages", None)
        return self.client.get(url, data or {})


# Pages that list errors of their own beside the forms': the import's content, a file's lines.
LISTED_ERRORS = ("content_errors", "file_errors")


def reported_errors(response: _MonkeyPatchedWSGIResponse) -> list[str]:
    """The errors the answer shows: of its forms and formsets, its import results, its messages."""
    errors: list[str] = []
    for name, value in _context_items(response):
        if name in LISTED_ERRORS:
            errors.extend(str(error) for error in value or ())
        else:
            errors.extend(_errors_of(value))
    request = getattr(response, "wsgi_request", None)
    if request is not None:
        errors.extend(
            str(message)
            for message in messages.get_messages(request)
            if message.level >= messages.ERROR
        )
    return errors


def _context_items(response: _MonkeyPatchedWSGIResponse) -> Iterator[tuple[str, Any]]:
    """Each distinct value of the contexts the answer rendered (every field's template has one)."""
    contexts = getattr(response, "context", None)
    if contexts is None:
        return
    seen: set[int] = set()
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for name, value in context.flatten().items():
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value


def _messages(error_list: Any) -> list[str]:
    # Iterating an ErrorList gives its messages; str() would render its template.
    return [str(message) for message in error_list]


def _errors_of(value: Any) -> list[str]:
    if isinstance(value, AdminForm):
        return _errors_of(value.form)
    if isinstance(value, InlineAdminFormSet):
        return _errors_of(value.formset)
    if isinstance(value, BaseForm):
        if not value.is_bound:
            return []
        return [
            message for field_errors in value.errors.values() for message in _messages(field_errors)
        ]
    if isinstance(value, BaseFormSet):
        if not value.is_bound:
            return []
        errors = _messages(value.non_form_errors())
        return errors + [message for form in value.forms for message in _errors_of(form)]
    if isinstance(value, ParsedActuals | LeadImportResult):
        return [str(error) for error in value.errors]
    if isinstance(value, list | tuple):
        return [error for item in value for error in _errors_of(item)]
    return []


def check_answer(
    response: _MonkeyPatchedWSGIResponse, before: dict[str, Rows], *, saved: bool
) -> None:
    """No server error; when the answer shows an error, or is not a save, nothing changed."""
    assert response.status_code < 500
    assert_fits_postgresql()
    errors = reported_errors(response)
    # Shown by --hypothesis-show-statistics: how often the examples reached a save.
    event("refused" if errors else "saved" if saved else "nothing to save")
    if errors:
        assert_unchanged(before, f"The answer reported {errors[:3]}")
    elif not saved:
        assert_unchanged(before, f"The answer ({response.status_code}) saved nothing")


def assert_pages_answer(visitor: Visitor, urls: list[str]) -> None:
    """What a form saved, the pages that show it can show: each answers below 500."""
    for url in urls:
        response = visitor.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
