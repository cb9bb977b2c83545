"""Which column of a CRM export holds each lead field: defaults, remembered and chosen mappings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from performance.models import LeadColumnMapping
from performance.services.csv_files import shown
from performance.services.leads.results import LeadFileRefused, LeadImportError

LEAD_FIELDS = ("lead_id", "lead_type", "mql_at", "first_touch_at", "attempts", "outcome")
REQUIRED_FIELDS = ("lead_id", "lead_type", "mql_at")
DEFAULT_MAPPING = {name: name for name in LEAD_FIELDS}
# Names CRM exports commonly give each field, best first; compared by ``column_key``.
LEAD_FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "lead_id": ("lead_id", "lead id", "id", "record id", "contact id", "crm id", "lead number"),
    "lead_type": ("lead_type", "type", "lead source", "source", "lead category", "channel"),
    "mql_at": (
        "mql_at",
        "mql date",
        "mql time",
        "mql timestamp",
        "became mql",
        "mql",
        "marketing qualified at",
        "qualified at",
    ),
    "first_touch_at": (
        "first_touch_at",
        "first touch",
        "first contact",
        "first contacted",
        "first response",
        "first call",
        "first activity",
        "contacted at",
    ),
    "attempts": (
        "attempts",
        "contact attempts",
        "attempt count",
        "number of attempts",
        "call attempts",
        "touches",
    ),
    "outcome": ("outcome", "status", "lead status", "result", "disposition", "rejection reason"),
}
# How many rows the mapping form shows sample values from.
SAMPLE_ROWS = 3
_NOT_IN_KEY = re.compile(r"[\s_\-.]+")

ERROR_UNMAPPED_COLUMN = gettext_noop(
    "The file has no column “{column}” for {field}; map the columns."
)
ERROR_UNKNOWN_FIELD = gettext_noop("“{field}” is not a lead field.")
ERROR_COLUMN_MAPPED_TWICE = gettext_noop("The column “{column}” is chosen for more than one field.")


@dataclass(frozen=True)
class LeadColumns:
    """Where each lead field sits in a row, and the column name its errors are reported under.

    A field without a column reads position ``width``: the empty cell rows are padded with.
    """

    width: int
    position: dict[str, int]
    name: dict[str, str]


def lead_mapping_remembered(*, series_id: int) -> dict[str, str] | None:
    """The column mapping saved by the series' last import with an explicit mapping."""
    saved = LeadColumnMapping.objects.filter(series_id=series_id).first()
    return dict(saved.mapping) if saved is not None and saved.mapping else None


def lead_mapping_fitting(
    header: list[str], remembered: dict[str, str] | None
) -> dict[str, str] | None:
    """The remembered mapping, else the default names, if the header has its required columns.

    Column names match without regard to case or surrounding spaces; the result names the
    header's own spelling, and leaves out optional fields the file has no column for.
    """
    columns = {name.strip().lower(): name.strip() for name in reversed(header) if name.strip()}
    for candidate in (remembered, DEFAULT_MAPPING):
        if not candidate:
            continue
        fitted = {
            name: columns[column.strip().lower()]
            for name, column in candidate.items()
            if name in LEAD_FIELDS and column and column.strip().lower() in columns
        }
        if all(name in fitted for name in REQUIRED_FIELDS):
            return fitted
    return None


def column_key(name: str) -> str:
    """A column name without case, spaces, underscores, hyphens or dots: "MQL Date" -> "mqldate"."""
    return _NOT_IN_KEY.sub("", name.casefold())


def lead_mapping_suggested(header: list[str], remembered: dict[str, str] | None) -> dict[str, str]:
    """For the mapping form: the file column each field most likely sits in.

    The remembered column first, then the field's own name and its common synonyms, each
    compared without case, spaces, underscores or hyphens; a column is suggested once only.
    """
    by_key: dict[str, str] = {}
    for name in header:
        if name.strip():
            by_key.setdefault(column_key(name), name)
    suggested: dict[str, str] = {}
    taken: set[str] = set()
    for field in LEAD_FIELDS:
        candidates = ((remembered or {}).get(field, ""), *LEAD_FIELD_SYNONYMS[field])
        for candidate in candidates:
            column = by_key.get(column_key(candidate)) if candidate else None
            if column is not None and column not in taken:
                suggested[field] = column
                taken.add(column)
                break
    return suggested


def lead_column_samples(
    header: list[str], rows: Iterable[tuple[int, list[str]]], limit: int = SAMPLE_ROWS
) -> list[tuple[str, list[str]]]:
    """Each named column of the file with its values in the first ``limit`` rows, cut short."""
    samples: list[list[str]] = [[] for _name in header]
    for count, (_line, cells) in enumerate(rows, start=1):
        for position, cell in enumerate(cells[: len(header)]):
            if cell.strip():
                samples[position].append(shown(cell.strip()))
        if count >= limit:
            break
    return [(name, values) for name, values in zip(header, samples, strict=True) if name]


def lead_mapping_clean(mapping: dict[str, str]) -> dict[str, str]:
    """Only lead fields with a column named, spaces stripped."""
    return {
        name: column.strip()
        for name, column in mapping.items()
        if name in LEAD_FIELDS and column and column.strip()
    }


def lead_columns(
    header: list[str], mapping: dict[str, str] | None, remembered: dict[str, str] | None
) -> LeadColumns:
    """The positions of the fields under the given mapping, else the remembered or default one.

    LeadFileRefused lists, on line 1, each field whose column the header lacks.
    """
    if mapping is None:
        mapping = lead_mapping_fitting(header, remembered) or {
            name: name for name in REQUIRED_FIELDS
        }
    else:
        mapping = {name: (column or "").strip() for name, column in mapping.items()}
    errors = _mapping_errors(header, mapping)
    if errors:
        raise LeadFileRefused(errors)
    return LeadColumns(
        width=len(header),
        position={
            name: header.index(mapping[name]) if mapping.get(name) else len(header)
            for name in LEAD_FIELDS
        },
        name={name: mapping.get(name) or name for name in LEAD_FIELDS},
    )


def _mapping_errors(header: list[str], mapping: dict[str, str]) -> list[LeadImportError]:
    columns = set(header)
    errors = []
    seen: dict[str, str] = {}
    for name, column in mapping.items():
        if name not in LEAD_FIELDS:
            errors.append(LeadImportError(1, column, _(ERROR_UNKNOWN_FIELD).format(field=name)))
        elif column and column in seen:
            message = _(ERROR_COLUMN_MAPPED_TWICE).format(column=column)
            errors.append(LeadImportError(1, column, message))
        elif column:
            seen[column] = name
    for name in LEAD_FIELDS:
        column = mapping.get(name) or ""
        if column and column not in columns or not column and name in REQUIRED_FIELDS:
            errors.append(
                LeadImportError(
                    1,
                    column or name,
                    _(ERROR_UNMAPPED_COLUMN).format(column=column or name, field=name),
                )
            )
    return errors
