"""The sections of an agreement: their keys, titles and where their data lives."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agreements.funnel import FUNNEL_INPUTS


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    # Fields held on the Agreement row itself.
    fields: tuple[str, ...] = ()
    # Related names of the repeating rows the section holds.
    rows: tuple[str, ...] = ()
    # Keys of this section in the slaportal.agreement export.
    export_keys: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(
        "header",
        _("Parties and period"),
        fields=("title", "marketing_team", "sales_team", "start_date", "end_date"),
        export_keys=("title", "marketing_team", "sales_team", "period"),
    ),
    Section(
        "funnel",
        _("Goals and funnel plan"),
        fields=("currency", *FUNNEL_INPUTS),
        export_keys=("funnel",),
    ),
    Section("kpis", _("KPIs"), rows=("kpis",), export_keys=("kpis",)),
    Section(
        "responsibilities",
        _("Responsibilities"),
        rows=("responsibilities",),
        export_keys=("responsibilities",),
    ),
    Section(
        "criteria",
        _("Qualification criteria"),
        fields=("mql_score_threshold",),
        rows=("criteria_rules",),
        export_keys=("criteria",),
    ),
    Section(
        "service_levels",
        _("Hand-off service levels"),
        fields=("timezone", "working_hours", "workdays", "day_start", "day_end"),
        rows=("service_levels", "holidays"),
        export_keys=("service_levels",),
    ),
    Section(
        "rejection_reasons",
        _("Rejection and recycling"),
        rows=("rejection_reasons",),
        export_keys=("rejection_reasons",),
    ),
    Section("deadlines", _("Deadlines"), rows=("deadlines",), export_keys=("deadlines",)),
    Section(
        "review",
        _("Reporting and review"),
        fields=("report_cadence", "meeting_cadence", "next_review"),
        export_keys=("review",),
    ),
)

# The fields of each relation's rows, in the order the latest schema lists them.
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "kpis": ("name", "measure", "owner", "target", "unit", "direction", "cadence"),
    "responsibilities": ("owner", "activity", "description", "commitment"),
    "criteria_rules": ("stage", "category", "rule", "points"),
    "service_levels": (
        "lead_type",
        "first_response_hours",
        "min_attempts",
        "attempt_window_days",
        "escalation",
    ),
    "holidays": ("date",),
    "rejection_reasons": ("code", "label", "next_step"),
    "deadlines": ("title", "due", "owner", "done"),
}

# Row fields a later schema added, with the schema that added them: earlier schemas lack them.
ROW_FIELDS_ADDED: dict[str, dict[str, int]] = {"kpis": {"measure": 2}}


def row_fields(relation: str, schema: int) -> tuple[str, ...]:
    """The fields of a relation's rows as content schema ``schema`` lists them."""
    added = ROW_FIELDS_ADDED.get(relation, {})
    return tuple(name for name in ROW_FIELDS[relation] if added.get(name, 1) <= schema)


SECTIONS_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}
# Every field of the content held on the agreement's own row, in section order.
CONTENT_FIELDS: tuple[str, ...] = tuple(name for section in SECTIONS for name in section.fields)
# Every relation of repeating rows, in section order: what a whole agreement prefetches.
ROW_RELATIONS: tuple[str, ...] = tuple(name for section in SECTIONS for name in section.rows)


def section_get(key: str) -> Section:
    return SECTIONS_BY_KEY[key]
