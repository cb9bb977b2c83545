"""Two contents compared as a person reads the agreement: section by section, item by item.

A section's own values (the revenue goal, the time zone) are compared one by one. Its
repeating rows are items matched by a stable identity, never by position, so reordering
changes nothing and a removed row does not shift the rows after it:

- a KPI by its name, a responsibility by its activity, a lead type by its name, a rejection
  reason by its code, a deadline by its title, a holiday by its date, a qualification rule
  by its stage and wording;
- names are compared in one spelling (teams.text.normalise_name) and without case;
- two rows sharing an identity (an imported document may hold them) are told apart by their
  order among the rows of that identity.

A renamed item therefore reads as one removed and one added: the name is what people agree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, ngettext

from agreements.comparison.labels import FIELD_LABELS, ITEM_KINDS, SILENT_KEYS, ItemKind
from agreements.comparison.values import EMPTY, value_text
from agreements.exchange import LATEST_SCHEMA, content_upgrade
from agreements.sections import SECTIONS, row_fields
from teams.text import normalise_name

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
UNCHANGED = "unchanged"


class _Missing:
    """A value absent from one side (a row or key that does not exist there)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldDiff:
    """One value on both sides, as the page shows it; kind says how it differs."""

    path: str
    label: str
    old: str
    new: str
    kind: str

    @property
    def key(self) -> str:
        """The content key of the value: "target" for kpis[leads].target."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def changed(self) -> bool:
        return self.kind != UNCHANGED


@dataclass(frozen=True)
class ItemDiff:
    """One repeating row on both sides: added, removed, changed or unchanged."""

    key: str
    name: str
    kind: str
    # Every value of the row, keyed like the group's columns; changed ones are marked.
    fields: dict[str, FieldDiff]

    @property
    def cells(self) -> list[FieldDiff]:
        return list(self.fields.values())

    @property
    def changed_fields(self) -> list[FieldDiff]:
        return [value for value in self.fields.values() if value.changed]


@dataclass(frozen=True)
class ItemGroup:
    """The items of one kind within a section, with the columns the page shows for them."""

    path: str
    title: str
    identity_label: str
    columns: list[tuple[str, str]]
    items: list[ItemDiff]
    counts: dict[str, int]
    summary: str


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    fields: list[FieldDiff] = field(default_factory=list)
    groups: list[ItemGroup] = field(default_factory=list)
    changed_values: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.changed_values) or any(
            item.kind != UNCHANGED for group in self.groups for item in group.items
        )

    @property
    def summary(self) -> str:
        """What changed, counted as people count: "1 value changed; 2 KPIs added, 1 removed"."""
        parts = []
        if self.changed_values:
            parts.append(
                ngettext("%(count)s value changed", "%(count)s values changed", self.changed_values)
                % {"count": self.changed_values}
            )
        parts += [group.summary for group in self.groups if group.summary]
        return "; ".join(parts) if parts else gettext("No changes")


def _kind(old: Any, new: Any) -> str:
    if old == new:
        return UNCHANGED
    if old is MISSING or old is None or old == "":
        return ADDED
    if new is MISSING or new is None or new == "":
        return REMOVED
    return CHANGED


def _label(path: str) -> str:
    words = [
        str(FIELD_LABELS.get(key, key.replace("_", " ").capitalize()))
        for key in path.split(".")
        if key not in SILENT_KEYS
    ]
    return " › ".join(words)


def _show(key: str, value: Any, currency: str) -> str:
    return EMPTY if value is MISSING else value_text(key, value, currency)


def _identity(kind: ItemKind, row: Any) -> str:
    if kind.identity_keys and isinstance(row, dict):
        parts = [str(row.get(key) or "") for key in kind.identity_keys]
    else:
        parts = [str(row)]
    return "\x1f".join(normalise_name(part).casefold() for part in parts)


def _keyed(kind: ItemKind, rows: list[Any]) -> list[tuple[str, Any]]:
    """Each row with its identity; the n-th row of a shared identity gets "#n" added."""
    seen: dict[str, int] = {}
    keyed = []
    for row in rows:
        identity = _identity(kind, row)
        seen[identity] = seen.get(identity, 0) + 1
        keyed.append((identity if seen[identity] == 1 else f"{identity}#{seen[identity]}", row))
    return keyed


def _aligned(kind: ItemKind, old: list[Any], new: list[Any]) -> list[tuple[str, Any, Any]]:
    """Rows of both sides matched by identity, in the new order, removed ones where they were."""
    old_keyed = _keyed(kind, old)
    old_by_key = dict(old_keyed)
    old_index = {key: index for index, (key, _row) in enumerate(old_keyed)}
    new_keys = {key for key, _row in _keyed(kind, new)}
    removed = [key for key, _row in old_keyed if key not in new_keys]
    pairs: list[tuple[str, Any, Any]] = []
    for key, row in _keyed(kind, new):
        if key in old_index:
            while removed and old_index[removed[0]] < old_index[key]:
                gone = removed.pop(0)
                pairs.append((gone, old_by_key[gone], MISSING))
        pairs.append((key, old_by_key.get(key, MISSING), row))
    pairs += [(key, old_by_key[key], MISSING) for key in removed]
    return pairs


def _item_name(kind: ItemKind, row: Any) -> str:
    if not isinstance(row, dict):
        return kind.show_identity(row)
    if kind.identity_keys == ("stage", "rule"):
        return str(row.get("rule") or EMPTY)
    return str(row.get(kind.identity_keys[0]) or EMPTY)


# The relation whose fields, in the schema's order, give an item group's columns.
_RELATION_OF_PATH = {
    "kpis": "kpis",
    "responsibilities": "responsibilities",
    "criteria.rules": "criteria_rules",
    "service_levels.lead_types": "service_levels",
    "rejection_reasons": "rejection_reasons",
    "deadlines": "deadlines",
}


def _column_order(kind: ItemKind, columns: list[str]) -> list[str]:
    """Columns in the schema's field order, as the page shows them; a stored snapshot's keys
    come back in no reliable order (PostgreSQL's jsonb sorts them its own way)."""
    relation = _RELATION_OF_PATH.get(kind.path)
    if relation is None:
        return columns
    order = row_fields(relation, LATEST_SCHEMA)
    return sorted(
        columns, key=lambda column: order.index(column) if column in order else len(order)
    )


def _group(kind: ItemKind, old: Any, new: Any, currencies: tuple[str, str]) -> ItemGroup:
    old_rows = old if isinstance(old, list) else []
    new_rows = new if isinstance(new, list) else []
    columns: list[str] = []
    for row in old_rows + new_rows:
        if isinstance(row, dict):
            columns += [
                key
                for key in row
                if key not in columns and (key not in kind.identity_keys or key == "stage")
            ]
    columns = _column_order(kind, columns)
    items = []
    counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
    for key, old_row, new_row in _aligned(kind, old_rows, new_rows):
        old_map = old_row if isinstance(old_row, dict) else {}
        new_map = new_row if isinstance(new_row, dict) else {}
        fields = {
            column: FieldDiff(
                path=f"{kind.path}[{key}].{column}",
                label=_label(column),
                old=_show(column, old_map.get(column, MISSING), currencies[0]),
                new=_show(column, new_map.get(column, MISSING), currencies[1]),
                kind=_kind(old_map.get(column, MISSING), new_map.get(column, MISSING)),
            )
            for column in columns
        }
        if old_row is MISSING:
            item_kind = ADDED
        elif new_row is MISSING:
            item_kind = REMOVED
        elif any(value.changed for value in fields.values()):
            item_kind = CHANGED
        else:
            item_kind = UNCHANGED
        if item_kind != UNCHANGED:
            counts[item_kind] += 1
        name = _item_name(kind, new_row if new_row is not MISSING else old_row)
        items.append(ItemDiff(key=key, name=name, kind=item_kind, fields=fields))
    return ItemGroup(
        path=kind.path,
        title=str(kind.title),
        identity_label=str(kind.identity_label),
        columns=[(column, _label(column)) for column in columns],
        items=items,
        counts=counts,
        summary=_group_summary(kind, counts),
    )


def _group_summary(kind: ItemKind, counts: dict[str, int]) -> str:
    """The items counted, the first count naming them: "2 KPIs added, 1 removed, 1 changed"."""
    later = {
        ADDED: lambda count: ngettext("%(count)s added", "%(count)s added", count),
        REMOVED: lambda count: ngettext("%(count)s removed", "%(count)s removed", count),
        CHANGED: lambda count: ngettext("%(count)s changed", "%(count)s changed", count),
    }
    first = {
        ADDED: gettext("%(items)s added"),
        REMOVED: gettext("%(items)s removed"),
        CHANGED: gettext("%(items)s changed"),
    }
    parts: list[str] = []
    for change in (ADDED, REMOVED, CHANGED):
        count = counts[change]
        if not count:
            continue
        if parts:
            parts.append(later[change](count) % {"count": count})
        else:
            parts.append(first[change] % {"items": kind.noun(count) % {"count": count}})
    return ", ".join(parts)


def _walk_section(
    path: str,
    old: Any,
    new: Any,
    currencies: tuple[str, str],
    fields: list[FieldDiff],
    groups: list[ItemGroup],
) -> None:
    kind = ITEM_KINDS.get(path)
    if kind is not None:
        groups.append(_group(kind, old, new, currencies))
        return
    if isinstance(old, dict) or isinstance(new, dict):
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        for key in list(old_map) + [key for key in new_map if key not in old_map]:
            _walk_section(
                f"{path}.{key}",
                old_map.get(key, MISSING),
                new_map.get(key, MISSING),
                currencies,
                fields,
                groups,
            )
        return
    key = path.rsplit(".", 1)[-1]
    fields.append(
        FieldDiff(
            path=path,
            label=_label(path),
            old=_show(key, old, currencies[0]),
            new=_show(key, new, currencies[1]),
            kind=_kind(old, new),
        )
    )


def _currency(content: dict[str, Any]) -> str:
    funnel = content.get("funnel")
    return str(funnel.get("currency") or "") if isinstance(funnel, dict) else ""


def compare_content(
    old: dict[str, Any], new: dict[str, Any], *, include_unchanged: bool = False
) -> list[SectionDiff]:
    """Every section in the agreement's order, its values and items compared.

    Without include_unchanged only what differs is kept: changed values, and items added,
    removed or changed (a changed item keeps all its values, the changed ones marked).
    """
    # A version written before KPIs had a measure reads as /2 says it: every KPI by hand.
    old, new = content_upgrade(old), content_upgrade(new)
    currencies = (_currency(old), _currency(new))
    diffs = []
    for section in SECTIONS:
        fields: list[FieldDiff] = []
        groups: list[ItemGroup] = []
        for key in section.export_keys:
            _walk_section(
                key, old.get(key, MISSING), new.get(key, MISSING), currencies, fields, groups
            )
        changed_values = sum(1 for value in fields if value.changed)
        if not include_unchanged:
            fields = [value for value in fields if value.changed]
            groups = [
                ItemGroup(
                    path=group.path,
                    title=group.title,
                    identity_label=group.identity_label,
                    columns=group.columns,
                    items=[item for item in group.items if item.kind != UNCHANGED],
                    counts=group.counts,
                    summary=group.summary,
                )
                for group in groups
            ]
            groups = [group for group in groups if group.items]
        diffs.append(
            SectionDiff(
                key=section.key,
                title=str(section.title),
                fields=fields,
                groups=groups,
                changed_values=changed_values,
            )
        )
    return diffs
