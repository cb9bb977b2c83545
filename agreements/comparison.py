"""Side-by-side comparison of two schema /1 contents, section by section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Revision
from agreements.sections import SECTIONS

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
UNCHANGED = "unchanged"


class _Missing:
    """A value absent from one side (a row or key that does not exist there)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# Rows of these lists are matched by their natural key, when it is unique on both sides.
ROW_KEYS: dict[str, str] = {
    "kpis": "name",
    "responsibilities": "activity",
    "service_levels.lead_types": "lead_type",
    "rejection_reasons": "code",
    "deadlines": "title",
}
# Lists of plain values that behave as sets: each value is added or removed on its own.
VALUE_SETS: frozenset[str] = frozenset({"service_levels.calendar.holidays"})

FIELD_LABELS: dict[str, str | Promise] = {
    "title": _("Title"),
    "marketing_team": _("Marketing team"),
    "sales_team": _("Sales team"),
    "period": _("Period"),
    "start": _("Start"),
    "end": _("End"),
    "currency": _("Currency"),
    "revenue_goal": _("Revenue goal"),
    "marketing_share_pct": _("Marketing share (%)"),
    "average_deal_size": _("Average deal size"),
    "lead_to_mql_pct": _("Lead → MQL rate (%)"),
    "mql_to_sql_pct": _("MQL → SQL rate (%)"),
    "sql_to_won_pct": _("SQL → won rate (%)"),
    "months": _("Months in the plan"),
    "plan": _("Plan"),
    "customers": _("Customers"),
    "sqls": _("SQLs"),
    "mqls": _("MQLs"),
    "leads": _("Leads"),
    "leads_per_customer": _("Leads per customer"),
    "per_month": _("Per month"),
    "name": _("Name"),
    "owner": _("Owner"),
    "target": _("Target"),
    "unit": _("Unit"),
    "direction": _("Direction"),
    "cadence": _("Cadence"),
    "activity": _("Activity"),
    "description": _("Description"),
    "commitment": _("Commitment"),
    "mql_score_threshold": _("MQL score threshold"),
    "rules": _("Rules"),
    "stage": _("Stage"),
    "category": _("Category"),
    "rule": _("Rule"),
    "points": _("Points"),
    "calendar": _("Calendar"),
    "timezone": _("Time zone"),
    "workdays": _("Working days"),
    "day_start": _("Working day starts"),
    "day_end": _("Working day ends"),
    "holidays": _("Holidays"),
    "lead_types": _("Lead types"),
    "lead_type": _("Lead type"),
    "first_response_hours": _("First response within (business hours)"),
    "min_attempts": _("Contact attempts"),
    "attempt_window_days": _("Within days"),
    "escalation": _("Escalation path"),
    "code": _("Code"),
    "label": _("Label"),
    "next_step": _("Next step"),
    "due": _("Due"),
    "done": _("Done"),
    "report_cadence": _("Report cadence"),
    "meeting_cadence": _("Review meeting cadence"),
    "next_review": _("Next review"),
}


@dataclass(frozen=True)
class Change:
    """One value of the content on both sides; old or new is MISSING where absent."""

    path: str
    label: str
    old: Any
    new: Any
    kind: str

    @property
    def old_present(self) -> bool:
        return self.old is not MISSING

    @property
    def new_present(self) -> bool:
        return self.new is not MISSING


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> list[Change]:
        """Only the values that differ (the unchanged ones are kept for a full view)."""
        return [change for change in self.changes if change.kind != UNCHANGED]

    @property
    def counts(self) -> dict[str, int]:
        counts = {CHANGED: 0, ADDED: 0, REMOVED: 0}
        for change in self.changed:
            counts[change.kind] += 1
        return counts


def _is_empty(value: Any) -> bool:
    return value is MISSING or value is None or value == ""


def _label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key.replace("_", " ").capitalize()))


def _leaf(path: str, labels: list[str], old: Any, new: Any) -> Change:
    if isinstance(old, list):
        old = tuple(old)
    if isinstance(new, list):
        new = tuple(new)
    if old == new:
        kind = UNCHANGED
    elif _is_empty(old):
        kind = ADDED
    elif _is_empty(new):
        kind = REMOVED
    else:
        kind = CHANGED
    return Change(path=path, label=" › ".join(labels), old=old, new=new, kind=kind)


def _row_pairs(path: str, old: list[Any], new: list[Any]) -> list[tuple[str, Any, Any]]:
    """Rows matched by their natural key when it is unique on both sides, else by position."""
    key = ROW_KEYS.get(path)
    if key is not None:
        old_keys = [row.get(key) for row in old if isinstance(row, dict)]
        new_keys = [row.get(key) for row in new if isinstance(row, dict)]
        if (
            len(old_keys) == len(old)
            and len(new_keys) == len(new)
            and len(set(old_keys)) == len(old_keys)
            and len(set(new_keys)) == len(new_keys)
        ):
            old_by_key = dict(zip(old_keys, old, strict=True))
            new_by_key = dict(zip(new_keys, new, strict=True))
            ordered = old_keys + [name for name in new_keys if name not in old_by_key]
            return [
                (str(name), old_by_key.get(name, MISSING), new_by_key.get(name, MISSING))
                for name in ordered
            ]
    return [
        (
            f"#{index + 1}",
            old[index] if index < len(old) else MISSING,
            new[index] if index < len(new) else MISSING,
        )
        for index in range(max(len(old), len(new)))
    ]


def _walk(path: str, labels: list[str], old: Any, new: Any, out: list[Change]) -> None:
    if isinstance(old, dict) or isinstance(new, dict):
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        keys = list(old_map) + [key for key in new_map if key not in old_map]
        for key in keys:
            _walk(
                f"{path}.{key}" if path else key,
                [*labels, _label(key)],
                old_map.get(key, MISSING),
                new_map.get(key, MISSING),
                out,
            )
        return
    old_list = old if isinstance(old, list) else None
    new_list = new if isinstance(new, list) else None
    is_rows = (
        any(isinstance(row, dict) for row in (old_list or []) + (new_list or []))
        or path in ROW_KEYS
    )
    if path in VALUE_SETS and (old_list is not None or new_list is not None):
        old_values = old_list or []
        new_values = new_list or []
        ordered = list(old_values) + [value for value in new_values if value not in old_values]
        for value in ordered:
            out.append(
                _leaf(
                    f"{path}[{value}]",
                    [*labels, str(value)],
                    value if value in old_values else MISSING,
                    value if value in new_values else MISSING,
                )
            )
        return
    if is_rows and (old_list is not None or new_list is not None):
        for row_label, old_row, new_row in _row_pairs(path, old_list or [], new_list or []):
            _walk(f"{path}[{row_label}]", [*labels, row_label], old_row, new_row, out)
        return
    out.append(_leaf(path, labels, old, new))


def compare_content(
    old: dict[str, Any], new: dict[str, Any], *, include_unchanged: bool = False
) -> list[SectionDiff]:
    """Every section of two contents with its changed, added and removed values."""
    diffs = []
    for section in SECTIONS:
        changes: list[Change] = []
        for key in section.export_keys:
            # A section held under one export key needs no extra label level.
            labels = [] if len(section.export_keys) == 1 else [_label(key)]
            _walk(key, labels, old.get(key, MISSING), new.get(key, MISSING), changes)
        if not include_unchanged:
            changes = [change for change in changes if change.kind != UNCHANGED]
        diffs.append(SectionDiff(key=section.key, title=str(section.title), changes=changes))
    return diffs


def compare_refs(revisions: list[Revision], versions: list[Agreement]) -> list[tuple[str, str]]:
    """What can be compared, as (reference, label): versions "v<n>", then revisions "r<n>"."""
    refs = [
        (
            f"v{version.version}",
            gettext("Version %(number)s (%(status)s)")
            % {"number": version.version, "status": version.get_status_display()},
        )
        for version in reversed(versions)
    ]
    refs += [
        (f"r{revision.number}", gettext("Revision %(number)s") % {"number": revision.number})
        for revision in revisions
    ]
    return refs


def default_refs(
    agreement: Agreement, revisions: list[Revision], versions: list[Agreement]
) -> tuple[str, str]:
    """The previous version against this one, else the two latest revisions."""
    earlier = [version for version in versions if version.version < agreement.version]
    if earlier:
        return f"v{earlier[-1].version}", f"v{agreement.version}"
    if len(revisions) >= 2:
        return f"r{revisions[1].number}", f"r{revisions[0].number}"
    if revisions:
        return f"r{revisions[0].number}", f"r{revisions[0].number}"
    return f"v{agreement.version}", f"v{agreement.version}"
