"""Validating and writing an agreement's whole content, schema /1 or /2 (import, template, copy).

A /1 document reads as /2 with every KPI entered by hand; the content is written in the
latest schema either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from agreements.document_reader import ERROR_NOT_OBJECT, ContentErrors, DocumentReader, shown
from agreements.exchange import LATEST_SCHEMA, SCHEMAS
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
    ERROR_DEADLINE_BEFORE_PERIOD,
    ERROR_END_BEFORE_START,
    ERROR_NO_WORKDAY,
    before_period,
    default_workdays,
    is_weekday,
    validate_agreement_date,
)
from agreements.models.sections import SectionRow
from agreements.sections import row_fields
from agreements.working_hours import calendar_fields, uniform_hours, week_hours
from teams.models import Side, Team
from teams.text import normalise_name

ERROR_SCHEMA = (
    "Unsupported schema; expected “slaportal.agreement/2” (or the earlier “slaportal.agreement/1”)."
)


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
    "working_hours": "service_levels.calendar.hours",
    "report_cadence": "review.report_cadence",
    "meeting_cadence": "review.meeting_cadence",
    "next_review": "review.next_review",
}

# relation -> (its model, the path of its list, the field no two items may share)
ROW_LISTS: dict[str, tuple[type[SectionRow], str, str | None]] = {
    "kpis": (Kpi, "kpis", "name"),
    "responsibilities": (Responsibility, "responsibilities", None),
    "criteria_rules": (QualificationRule, "criteria.rules", None),
    "service_levels": (LeadTypeServiceLevel, "service_levels.lead_types", "lead_type"),
    "rejection_reasons": (RejectionReason, "rejection_reasons", "code"),
    "deadlines": (Deadline, "deadlines", None),
}

# The document's nested objects, each read once: a problem with one is reported once.
BLOCKS = ("period", "funnel", "criteria", "service_levels", "service_levels.calendar", "review")

Blocks = dict[str, dict[str, Any]]


def _team(reader: DocumentReader, name: Any, side: str, path: str) -> Team | None:
    team_name = reader.text(name, path)
    if not team_name:
        if not reader.has_error(path):
            reader.error(path, _("A team name is required."))
        return None
    team = Team.objects.filter(name=team_name).first()
    if team is None:
        reader.error(path, _("No team is named “%(name)s”.") % {"name": shown(team_name)})
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
    reader: DocumentReader, error: ValidationError, paths: dict[str, str], base: str
) -> None:
    for name, messages in error.message_dict.items():
        path = paths.get(name, f"{base}.{name}" if base else name)
        if name == "__all__":
            path = base or "$"
        for message in messages:
            reader.error(path, message)


def _blocks(reader: DocumentReader, document: dict[str, Any]) -> Blocks:
    """The document and its nested objects by path; {} for one absent or not an object."""
    blocks: Blocks = {"": document}
    for path in BLOCKS:
        parent, _dot, key = path.rpartition(".")
        blocks[path] = reader.obj(blocks[parent].get(key), path)
    return blocks


def _agreement_fields(reader: DocumentReader, blocks: Blocks) -> dict[str, Any]:
    """The values held on the agreement's own row, each read as its field's type."""
    document, period, funnel = blocks[""], blocks["period"], blocks["funnel"]
    calendar, review = blocks["service_levels.calendar"], blocks["review"]
    return {
        "title": normalise_name(reader.text(document.get("title"), "title")),
        "marketing_team": _team(
            reader, document.get("marketing_team"), Side.MARKETING, "marketing_team"
        ),
        "sales_team": _team(reader, document.get("sales_team"), Side.SALES, "sales_team"),
        "start_date": reader.date(period.get("start"), "period.start"),
        "end_date": reader.date(period.get("end"), "period.end"),
        "currency": reader.text(funnel.get("currency"), "funnel.currency", default="USD").upper(),
        **{
            name: reader.field(Agreement, name, funnel.get(name), f"funnel.{name}")
            for name in FUNNEL_INPUTS
        },
        "mql_score_threshold": reader.integer(
            blocks["criteria"].get("mql_score_threshold"), "criteria.mql_score_threshold"
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
        "workdays": _workdays(reader, calendar),
    }


def _workdays(reader: DocumentReader, calendar: dict[str, Any]) -> list[int]:
    path = "service_levels.calendar.workdays"
    workdays = reader.items(calendar.get("workdays", default_workdays()), path)
    if not all(is_weekday(day) for day in workdays):
        reader.error(path, _("Working days are weekday numbers from 1 (Monday) to 7."))
        return []
    if not workdays:
        reader.error(path, str(ERROR_NO_WORKDAY))
    return sorted(set(workdays))


def _working_hours(
    reader: DocumentReader, calendar: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    """The calendar's intervals per weekday: ``hours`` when given, else one interval a day.

    With ``hours`` the working days, start and end become its summary (as exported); without
    it, content from before per-day hours reads as it always did.
    """
    path = "service_levels.calendar.hours"
    stored = calendar.get("hours")
    if stored is None:
        start, end, workdays = fields["day_start"], fields["day_end"], fields["workdays"]
        if start is None or end is None or not workdays or end <= start:
            return {"working_hours": None}
        return {"working_hours": uniform_hours(workdays, start, end)}
    try:
        week = week_hours(stored)
    except ValidationError as error:
        reader.error(path, error.messages[0])
        return {"working_hours": None}
    return calendar_fields(week)


def _check_agreement(
    reader: DocumentReader, fields: dict[str, Any], *, stored_dates: bool = False
) -> None:
    """The rules across fields, then each field's own validators, on a candidate agreement.

    With ``stored_dates`` the next review is not checked against the period (Agreement.clean).
    """
    if not fields["title"] and not reader.has_error("title"):
        reader.error("title", _("A title is required."))
    start, end = fields["start_date"], fields["end_date"]
    if start is None and not reader.has_error("period.start"):
        reader.error("period.start", _("A start date is required."))
    if end is None and not reader.has_error("period.end"):
        reader.error("period.end", _("An end date is required."))
    if start and end and end <= start:
        reader.error("period.end", str(ERROR_END_BEFORE_START))
    if fields["day_start"] and fields["day_end"] and fields["day_end"] <= fields["day_start"]:
        reader.error("service_levels.calendar.day_end", str(ERROR_DAY_END))

    known_paths = {path for path, _message in reader.errors}
    candidate = Agreement(
        **{
            name: value
            for name, value in fields.items()
            if (value is not None or name == "title")
            and not (stored_dates and name == "next_review")
        }
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


def _row(
    reader: DocumentReader,
    relation: str,
    item: dict[str, Any],
    path: str,
    index: int,
    schema: int,
) -> tuple[models.Model, dict[str, Any]]:
    """One item of a list as an unsaved row, checked by its model's validators.

    Fields the document's schema does not have keep their defaults (a /1 KPI is manual).
    """
    model = ROW_LISTS[relation][0]
    before = len(reader.errors)
    values = {
        name: reader.field(model, name, item.get(name), f"{path}.{name}")
        for name in row_fields(relation, schema)
    }
    for name in model.name_fields:
        if isinstance(values.get(name), str):
            values[name] = normalise_name(values[name])
    bad = {error_path.rsplit(".", 1)[-1] for error_path, _m in reader.errors[before:]}
    instance = model(position=index, **{k: v for k, v in values.items() if v is not None})
    try:
        instance.full_clean(exclude=["agreement", *bad], validate_unique=False)
    except ValidationError as error:
        _model_errors(reader, error, {}, path)
    return instance, values


def _row_list(
    reader: DocumentReader, blocks: Blocks, relation: str, schema: int
) -> list[models.Model]:
    """One relation's list of items as unsaved rows; a repeated key is an error on the repeat."""
    _model, list_path, unique_key = ROW_LISTS[relation]
    parent, _dot, key = list_path.rpartition(".")
    seen: dict[Any, int] = {}
    instances: list[models.Model] = []
    for index, item in enumerate(reader.items(blocks[parent].get(key), list_path)):
        item_path = f"{list_path}[{index}]"
        if not isinstance(item, dict):
            reader.error(item_path, _(ERROR_NOT_OBJECT))
            continue
        instance, values = _row(reader, relation, item, item_path, index, schema)
        value = values.get(unique_key) if unique_key else None
        if value is not None and value in seen:
            reader.error(
                f"{item_path}.{unique_key}",
                _("“%(value)s” repeats item %(index)s; each must be unique.")
                % {"value": shown(value), "index": seen[value]},
            )
        elif value is not None:
            seen[value] = index
        instances.append(instance)
    return instances


def _holidays(reader: DocumentReader, calendar: dict[str, Any]) -> list[models.Model]:
    """The calendar's holidays as unsaved rows; a date given twice is kept once."""
    path = "service_levels.calendar.holidays"
    rows: list[models.Model] = []
    seen: set[dt.date] = set()
    for index, value in enumerate(reader.items(calendar.get("holidays"), path)):
        day = reader.date(value, f"{path}[{index}]")
        if day is None:
            if value in (None, ""):
                reader.error(f"{path}[{index}]", _("A date is required."))
            continue
        try:
            validate_agreement_date(day)
        except ValidationError as error:
            reader.error(f"{path}[{index}]", error.messages[0])
            continue
        if day not in seen:
            seen.add(day)
            rows.append(Holiday(date=day, position=index))
    return rows


def _deadlines_in_period(
    reader: DocumentReader, deadlines: list[models.Model], start: dt.date | None
) -> None:
    """Each deadline falls in or after the period (Deadline.clean needs a saved agreement)."""
    for deadline in deadlines:
        due = getattr(deadline, "due", None)
        error = before_period(due, start, ERROR_DEADLINE_BEFORE_PERIOD)
        if error is not None:
            reader.error(f"deadlines[{getattr(deadline, 'position', 0)}].due", error.messages[0])


def content_validate(document: Any, *, stored_dates: bool = False) -> ValidatedContent:
    """Check a whole /1 or /2 document; raise ContentErrors listing every problem by path.

    ``stored_dates``: the document is stored content taken on (an amendment, a copy), whose
    next review and deadlines may predate the rule that they fall in or after the period.

    The content is always the latest schema's: the fields hold ``content_schema``.
    """
    reader = DocumentReader()
    if not isinstance(document, dict):
        raise ContentErrors([("$", _(ERROR_NOT_OBJECT))])
    name = document.get("schema")
    schema = SCHEMAS.get(name, 0) if isinstance(name, str) else 0
    if not schema:
        reader.error("schema", _(ERROR_SCHEMA))
    blocks = _blocks(reader, document)
    fields = _agreement_fields(reader, blocks)
    fields.update(_working_hours(reader, blocks["service_levels.calendar"], fields))
    _check_agreement(reader, fields, stored_dates=stored_dates)
    fields["content_schema"] = LATEST_SCHEMA
    rows = {
        relation: _row_list(reader, blocks, relation, schema or LATEST_SCHEMA)
        for relation in ROW_LISTS
    }
    rows["holidays"] = _holidays(reader, blocks["service_levels.calendar"])
    if not stored_dates:
        _deadlines_in_period(reader, rows["deadlines"], fields["start_date"])
    if reader.errors:
        raise ContentErrors(reader.errors)
    return ValidatedContent(fields=fields, rows=rows)


def content_apply(*, agreement: Agreement, content: ValidatedContent) -> None:
    """Write validated content into an agreement and save it, replacing all its rows."""
    for name, value in content.fields.items():
        setattr(agreement, name, value)
    agreement.save()
    for relation in content.rows:
        model = agreement._meta.get_field(relation).related_model
        getattr(agreement, relation).all().delete()
        fresh = []
        for position, row in enumerate(content.rows.get(relation, [])):
            row.pk = None
            row.agreement = agreement  # type: ignore[attr-defined]
            row.position = position  # type: ignore[attr-defined]
            fresh.append(row)
        model._default_manager.bulk_create(fresh)  # type: ignore[union-attr]
