"""What the signed versions of a series say about hand-offs, and which version judges a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from agreements.models import Agreement
from agreements.selectors import version_for_day
from performance.business_hours import BusinessCalendar, calendar_for


@dataclass(frozen=True)
class VersionRules:
    """What one signed version says about hand-offs: its calendar, limits and reason codes."""

    agreement_id: int
    calendar: BusinessCalendar
    # Lead type in lower case -> (its name as the agreement spells it, limit in business hours).
    lead_types: dict[str, tuple[str, Decimal]]
    rejection_codes: frozenset[str]
    known_types: str


@dataclass
class SeriesRules:
    """The rules of each signed version of a series, found by the day a lead became an MQL."""

    versions: list[Agreement]
    by_id: dict[int, VersionRules]
    # The rules of the version imported into: for leads without a valid MQL day, and the
    # calendar whose wall clock reads timestamps without an offset.
    home: VersionRules
    # The only version's rules, when the series has one: no day needs looking up.
    only: VersionRules | None
    by_day: dict[dt.date, VersionRules] = field(default_factory=dict)

    def for_day(self, day: dt.date | None) -> VersionRules:
        """The rules of the version in force on the day (remembered per day)."""
        if self.only is not None:
            return self.only
        if day is None:
            return self.home
        found = self.by_day.get(day)
        if found is None:
            version = version_for_day(self.versions, day)
            found = self.by_id[version.pk] if version is not None else self.home
            self.by_day[day] = found
        return found


def series_rules(agreement: Agreement) -> SeriesRules:
    """The rules of each signed version of the agreement's series (three queries)."""
    versions = list(
        Agreement.objects.filter(series_id=agreement.series_id, status=Agreement.Status.SIGNED)
        .prefetch_related("service_levels", "holidays", "rejection_reasons")
        .order_by("-version")
    )
    rules = [_version_rules(version) for version in versions]
    by_id = {rule.agreement_id: rule for rule in rules}
    return SeriesRules(
        versions=versions,
        by_id=by_id,
        home=by_id.get(agreement.pk, rules[0]),
        only=rules[0] if len(rules) == 1 else None,
    )


def _version_rules(version: Agreement) -> VersionRules:
    lead_types = {
        level.lead_type.strip().lower(): (level.lead_type, level.first_response_hours)
        for level in version.service_levels.all()
    }
    return VersionRules(
        agreement_id=version.pk,
        calendar=calendar_for(version),
        lead_types=lead_types,
        rejection_codes=frozenset(
            reason.code.lower() for reason in version.rejection_reasons.all()
        ),
        known_types=", ".join(name for name, _limit in lead_types.values()) or "—",
    )
