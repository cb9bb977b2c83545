"""Validating and writing an agreement's whole content in schema /1 (import, template, copy)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from agreements.exchange import SCHEMA
from agreements.funnel import FUNNEL_INPUTS
from agreements.models import (
    Agreement,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.models.agreement import (
    ERROR_DAY_END,
    ERROR_END_BEFORE_START,
    ERROR_NO_WORKDAY,
    is_weekday,
)
from teams.models import Side, Team

ERROR_NOT_OBJECT = "Expected a JSON object."
ERROR_NOT_LIST = "Expected a list."
ERROR_SCHEMA = "Unsupported schema; expected “slaportal.agreement/1”."


class ContentErrors(Exception):
    """Every problem found in a document, each with its JSON path."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


@dataclass
class ValidatedContent:
    fields: dict[str, Any]
    rows: dict[str, list[models.Model]] = field(default_factory=dict)


AGREEMENT_PATHS: dict[str, str] = {
    "title": "title",
    "marketing_team": "marketing_team",
    "sales_team": "sales_team",
    "start_date": "period.start",
    "end_date": "period.end",
    "currency": "funnel.currency",
    **{name: f"funnel.{name}" for name in FUNNEL_INPUTS},
    "mql_score_threshold": "criteria.mql_score_threshold",
    "timezone": "service_levels.calendar.timezone",
    "workdays": "service_levels.calendar.workdays",
    "day_start": "service_levels.calendar.day_start",
    "day_end": "service_levels.calendar.day_end",
    "report_cadence": "review.report_cadence",
    "meeting_cadence": "review.meeting_cadence",
    "next_review": "review.next_review",
}

# relation name -> (model, path of its list, fields read from each item, unique key)
ROW_SPECS: dict[str, tuple[type[models.Model], str, tuple[str, ...], str | None]] = {
    "kpis": (Kpi, "kpis", ("name", "owner", "target", "unit", "direction", "cadence"), "name"),
    "responsibilities": (
        Responsibility,
        "responsibilities",
        ("owner", "activity", "description", "commitment"),
        None,
    ),
    "criteria_rules": (
        QualificationRule,
        "criteria.rules",
        ("stage", "category", "rule", "points"),
        None,
    ),
    "service_levels": (
        LeadTypeServiceLevel,
        "service_levels.lead_types",
        ("lead_type", "first_response_hours", "min_attempts", "attempt_window_days", "escalation"),
        "lead_type",
    ),
    "rejection_reasons": (
        RejectionReason,
        "rejection_reasons",
        ("code", "label", "next_step"),
        "code",
    ),
    "deadlines": (Deadline, "deadlines", ("title", "due", "owner", "done"), None),
}


class _Reader:
    """Reads typed values out of a parsed document, noting errors by path."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, str(message)))

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, _(ERROR_NOT_OBJECT))
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, _(ERROR_NOT_LIST))
            return []
        return value

    def text(self, value: Any, path: str, *, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, str):
            self.error(path, _("Expected a string."))
            return default
        return value

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(path, _("Expected a decimal number as a string, such as “12.50”."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(path, _("“%(value)s” is not a decimal number.") % {"value": value})
            return None
        if not number.is_finite():
            self.error(path, _("Expected a finite number."))
            return None
        return number

    def integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, _("Expected a whole number."))
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, _("Expected true or false."))
            return False
        return value

    def date(self, value: Any, path: str) -> dt.date | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error(path, _("Expected a date as YYYY-MM-DD."))
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(path, _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": value})
            return None

    def time(self, value: Any, path: str) -> dt.time | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(path, _("Expected a time as HH:MM."))
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            self.error(path, _("“%(value)s” is not a time as HH:MM.") % {"value": value})
            return None


def _team(reader: _Reader, name: Any, side: str, path: str) -> Team | None:
    team_name = reader.text(name, path)
    if not team_name:
        reader.error(path, _("A team name is required."))
        return None
    team = Team.objects.filter(name=team_name).first()
    if team is None:
        reader.error(path, _("No team is named “%(name)s”.") % {"name": team_name})
        return None
    if team.side != side:
        reader.error(
            path,
            _("“%(name)s” is not a %(side)s team.")
            % {"name": team_name, "side": Side(side).label.lower()},
        )
        return None
    return team


def _model_errors(
    reader: _Reader, error: ValidationError, paths: dict[str, str], base: str
) -> None:
    for name, messages in error.message_dict.items():
        path = paths.get(name, f"{base}.{name}" if base else name)
        if name == "__all__":
            path = base or "$"
        for message in messages:
            reader.error(path, message)


def _field_value(
    reader: _Reader, model: type[models.Model], name: str, value: Any, path: str
) -> Any:
    """A document's value read as the type of the model field it fills."""
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.DecimalField):
        return reader.decimal(value, path)
    if isinstance(model_field, models.BooleanField):
        return reader.boolean(value, path)
    if isinstance(model_field, models.DateField):
        return reader.date(value, path)
    if isinstance(model_field, models.IntegerField):
        return reader.integer(value, path)
    return reader.text(value, path)


def content_validate(document: Any) -> ValidatedContent:
    """Check a whole schema /1 document; raise ContentErrors listing every problem by path."""
    reader = _Reader()
    if not isinstance(document, dict):
        raise ContentErrors([("$", _(ERROR_NOT_OBJECT))])
    if document.get("schema") != SCHEMA:
        reader.error("schema", _(ERROR_SCHEMA))

    period = reader.obj(document.get("period"), "period")
    funnel = reader.obj(document.get("funnel"), "funnel")
    criteria = reader.obj(document.get("criteria"), "criteria")
    levels = reader.obj(document.get("service_levels"), "service_levels")
    calendar = reader.obj(levels.get("calendar"), "service_levels.calendar")
    review = reader.obj(document.get("review"), "review")

    fields: dict[str, Any] = {
        "title": reader.text(document.get("title"), "title").strip(),
        "marketing_team": _team(
            reader, document.get("marketing_team"), Side.MARKETING, "marketing_team"
        ),
        "sales_team": _team(reader, document.get("sales_team"), Side.SALES, "sales_team"),
        "start_date": reader.date(period.get("start"), "period.start"),
        "end_date": reader.date(period.get("end"), "period.end"),
        "currency": reader.text(funnel.get("currency"), "funnel.currency", default="USD").upper(),
        **{
            name: _field_value(reader, Agreement, name, funnel.get(name), f"funnel.{name}")
            for name in FUNNEL_INPUTS
        },
        "mql_score_threshold": reader.integer(
            criteria.get("mql_score_threshold"), "criteria.mql_score_threshold"
        ),
        "timezone": reader.text(
            calendar.get("timezone"), "service_levels.calendar.timezone", default="UTC"
        ),
        "day_start": reader.time(
            calendar.get("day_start", "09:00"), "service_levels.calendar.day_start"
        ),
        "day_end": reader.time(calendar.get("day_end", "17:00"), "service_levels.calendar.day_end"),
        "report_cadence": reader.text(
            review.get("report_cadence"), "review.report_cadence", default="weekly"
        ),
        "meeting_cadence": reader.text(
            review.get("meeting_cadence"), "review.meeting_cadence", default="monthly"
        ),
        "next_review": reader.date(review.get("next_review"), "review.next_review"),
    }

    workdays_path = "service_levels.calendar.workdays"
    workdays = reader.items(calendar.get("workdays", [1, 2, 3, 4, 5]), workdays_path)
    if not all(is_weekday(day) for day in workdays):
        reader.error(workdays_path, _("Working days are weekday numbers from 1 (Monday) to 7."))
        workdays = []
    elif not workdays:
        reader.error(workdays_path, str(ERROR_NO_WORKDAY))
    fields["workdays"] = sorted(set(workdays))

    if not fields["title"]:
        reader.error("title", _("A title is required."))
    start, end = fields["start_date"], fields["end_date"]
    if start is None and "period.start" not in dict(reader.errors):
        reader.error("period.start", _("A start date is required."))
    if end is None and "period.end" not in dict(reader.errors):
        reader.error("period.end", _("An end date is required."))
    if start and end and end <= start:
        reader.error("period.end", str(ERROR_END_BEFORE_START))
    if fields["day_start"] and fields["day_end"] and fields["day_end"] <= fields["day_start"]:
        reader.error("service_levels.calendar.day_end", str(ERROR_DAY_END))

    known_paths = {path for path, _message in reader.errors}
    candidate = Agreement(
        **{name: value for name, value in fields.items() if value is not None or name in ("title",)}
    )
    try:
        candidate.full_clean(
            exclude=[
                name
                for name, path in AGREEMENT_PATHS.items()
                if path in known_paths or fields.get(name) is None
            ]
            + ["series", "owner", "version", "status", "revision"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        _model_errors(reader, error, AGREEMENT_PATHS, "")

    rows: dict[str, list[models.Model]] = {}
    sources = {
        "kpis": document.get("kpis"),
        "responsibilities": document.get("responsibilities"),
        "criteria_rules": criteria.get("rules"),
        "service_levels": levels.get("lead_types"),
        "rejection_reasons": document.get("rejection_reasons"),
        "deadlines": document.get("deadlines"),
    }
    for relation, (model, list_path, names, unique_key) in ROW_SPECS.items():
        seen: dict[Any, int] = {}
        instances: list[models.Model] = []
        for index, item in enumerate(reader.items(sources[relation], list_path)):
            item_path = f"{list_path}[{index}]"
            if not isinstance(item, dict):
                reader.error(item_path, _(ERROR_NOT_OBJECT))
                continue
            before = len(reader.errors)
            values = {
                name: _field_value(reader, model, name, item.get(name), f"{item_path}.{name}")
                for name in names
            }
            bad = {path.rsplit(".", 1)[-1] for path, _m in reader.errors[before:]}
            instance = model(position=index, **{k: v for k, v in values.items() if v is not None})
            try:
                instance.full_clean(exclude=["agreement", *bad], validate_unique=False)
            except ValidationError as error:
                _model_errors(reader, error, {}, item_path)
            if unique_key and values.get(unique_key) is not None:
                key = values[unique_key]
                if key in seen:
                    reader.error(
                        f"{item_path}.{unique_key}",
                        _("“%(value)s” repeats item %(index)s; each must be unique.")
                        % {"value": key, "index": seen[key]},
                    )
                else:
                    seen[key] = index
            instances.append(instance)
        rows[relation] = instances

    holidays_path = "service_levels.calendar.holidays"
    holiday_rows: list[models.Model] = []
    seen_dates: set[dt.date] = set()
    for index, value in enumerate(reader.items(calendar.get("holidays"), holidays_path)):
        day = reader.date(value, f"{holidays_path}[{index}]")
        if day is None:
            if value in (None, ""):
                reader.error(f"{holidays_path}[{index}]", _("A date is required."))
            continue
        if day in seen_dates:
            continue
        seen_dates.add(day)
        holiday_rows.append(Holiday(date=day, position=index))
    rows["holidays"] = holiday_rows

    if reader.errors:
        raise ContentErrors(reader.errors)
    return ValidatedContent(fields=fields, rows=rows)


def content_apply(
    *, agreement: Agreement, content: ValidatedContent, relations: tuple[str, ...] | None = None
) -> None:
    """Write validated content into a saved agreement, replacing the rows of the given relations."""
    for name, value in content.fields.items():
        setattr(agreement, name, value)
    agreement.save()
    for relation in relations or tuple(content.rows):
        model = agreement._meta.get_field(relation).related_model
        getattr(agreement, relation).all().delete()
        fresh = []
        for position, row in enumerate(content.rows.get(relation, [])):
            row.pk = None
            row.agreement = agreement  # type: ignore[attr-defined]
            row.position = position  # type: ignore[attr-defined]
            fresh.append(row)
        model._default_manager.bulk_create(fresh)  # type: ignore[union-attr]
