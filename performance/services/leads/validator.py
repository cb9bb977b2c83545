"""Checking a lead row cell by cell, and working out its due time, response time and status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.models import Agreement
from performance.business_hours import NAIVE_ANCHOR, UTC_ANCHOR
from performance.lead_status import ACCEPTED, BREACHED, MET, PENDING, lead_status
from performance.models import LeadRecord
from performance.services.csv_files import ERROR_NUL, ERROR_REQUIRED, shown
from performance.services.leads.columns import LeadColumns
from performance.services.leads.results import ErrorLog
from performance.services.leads.rules import VersionRules, series_rules
from performance.services.leads.writer import LeadRow

# The years a timestamp may fall in: a typo such as 2205 for 2025 is an error, not a lead that
# stretches the dashboard's months over two centuries (and dates near year 9999 overflow).
FIRST_YEAR = 1970
LAST_YEAR = 2100
# The largest integer both databases store in the attempts column.
MAX_ATTEMPTS = 2_147_483_647

ERROR_TOO_LONG = gettext_noop("At most {limit} characters.")
ERROR_DUPLICATE_LEAD = gettext_noop("The lead “{lead_id}” already appears on line {line}.")
ERROR_TIMESTAMP = gettext_noop(
    "“{value}” is not an ISO 8601 timestamp such as 2026-01-15T09:30:00+01:00."
)
ERROR_TOUCH_BEFORE_MQL = gettext_noop("The first touch is before the lead became an MQL.")
ERROR_YEAR = gettext_noop("“{value}” is outside the years {first} to {last}.")
ERROR_ATTEMPTS = gettext_noop("“{value}” is not a whole number of attempts, 0 or more.")
ERROR_ATTEMPTS_LIMIT = gettext_noop("At most {limit} attempts.")
ERROR_UNKNOWN_TYPE = gettext_noop("Unknown lead type “{value}”; the agreement defines: {known}.")

# A moment as (naive UTC, wall-clock time of the home calendar's zone).
Moment = tuple[dt.datetime, dt.datetime]


class LeadValidator:
    """Turns the rows of one import into lead rows to write, reporting each bad cell.

    Times travel as naive UTC datetimes from here to the database. Once any error is
    reported, rows are still checked but no longer worked out, since nothing will be written.
    """

    def __init__(
        self,
        *,
        agreement: Agreement,
        columns: LeadColumns,
        as_of: dt.datetime,
        log: ErrorLog,
        adapt: Callable[[dt.datetime], Any],
    ) -> None:
        self.rules = series_rules(agreement)
        self.series_id = agreement.series_id
        self.log = log
        self.adapt = adapt
        self.imported_at = adapt(NAIVE_ANCHOR + (timezone.now() - UTC_ANCHOR))
        self.as_of_utc = NAIVE_ANCHOR + (as_of - UTC_ANCHOR)
        # Timestamps without an offset are wall-clock times of the home calendar.
        home = self.rules.home.calendar
        self.home_zone = ZoneInfo(home.timezone)
        self.to_utc = home.wall_to_utc
        self.columns = columns
        self.padding = [""] * (columns.width + 1)
        self.id_limit = LeadRecord._meta.get_field("lead_id").max_length or 100
        self.outcome_limit = LeadRecord._meta.get_field("outcome").max_length or 40
        self.first_lines: dict[str, int] = {}
        self.statuses = {MET: 0, BREACHED: 0, PENDING: 0}
        self.invalid_rejections = 0

    def lead(self, line: int, row: list[str]) -> LeadRow | None:
        """The row in the order of the writer's fields, or None if it has (reported) errors."""
        position = self.columns.position
        if len(row) <= self.columns.width:
            row = row + self.padding[len(row) :]
        # One scan of the row in C; only a row that holds a NUL is looked at cell by cell.
        if "\x00" in "".join(row) and self._nul_cells(line, row):
            return None
        lead_id = self._lead_id(line, row[position["lead_id"]].strip())
        mql = self._moment(line, "mql_at", row[position["mql_at"]].strip())
        touch = self._first_touch(line, row[position["first_touch_at"]].strip(), mql)
        attempts = self._attempts(line, row[position["attempts"]].strip())
        outcome = self._outcome(line, row[position["outcome"]].strip())
        rules = self.rules.for_day(None if mql is None else mql[1].date())
        lead_type = self._lead_type(line, row[position["lead_type"]].strip(), rules)
        if self.log.count or mql is None or lead_type is None:
            return None
        return self._worked_out(rules, lead_id, lead_type, mql, touch, attempts, outcome)

    def _worked_out(
        self,
        rules: VersionRules,
        lead_id: str,
        lead_type: tuple[str, Decimal],
        mql: Moment,
        touch: Moment | None,
        attempts: int,
        outcome: str,
    ) -> LeadRow:
        """The due time and response time by the version's calendar, and the lead's status."""
        type_name, limit_hours = lead_type
        mql_utc = mql[0]
        touch_utc = None if touch is None else touch[0]
        # Measured from the instants, never the wall clock: due and response time agree.
        due_utc, response_hours = rules.calendar.hand_off(mql_utc, touch_utc, limit_hours)
        lowered = outcome.lower()
        invalid_rejection = bool(
            lowered and lowered != ACCEPTED and lowered not in rules.rejection_codes
        )
        self.invalid_rejections += invalid_rejection
        self.statuses[lead_status(touch_utc, due_utc, self.as_of_utc)] += 1
        adapt = self.adapt
        return (
            self.series_id,
            rules.agreement_id,
            lead_id,
            type_name,
            adapt(mql_utc),
            None if touch_utc is None else adapt(touch_utc),
            attempts,
            outcome,
            limit_hours,
            adapt(due_utc),
            response_hours,
            invalid_rejection,
            self.imported_at,
        )

    def _nul_cells(self, line: int, row: list[str]) -> bool:
        """Report each read cell holding a NUL, which no database text column takes."""
        found = False
        for field, position in self.columns.position.items():
            if "\x00" in row[position]:
                self.log.report(line, self.columns.name[field], _(ERROR_NUL))
                found = True
        return found

    def _lead_id(self, line: int, lead_id: str) -> str:
        column = self.columns.name["lead_id"]
        if not lead_id:
            self.log.report(line, column, _(ERROR_REQUIRED))
        elif len(lead_id) > self.id_limit:
            self.log.report(line, column, _(ERROR_TOO_LONG).format(limit=self.id_limit))
        else:
            first_line = self.first_lines.setdefault(lead_id, line)
            if first_line != line:
                message = _(ERROR_DUPLICATE_LEAD).format(lead_id=shown(lead_id), line=first_line)
                self.log.report(line, column, message)
        return lead_id

    def _moment(self, line: int, field: str, text: str) -> Moment | None:
        """A required timestamp; an offset-less one is a wall-clock time of the home calendar."""
        if not text:
            self.log.report(line, self.columns.name[field], _(ERROR_REQUIRED))
            return None
        try:
            wall = dt.datetime.fromisoformat(text)
        except ValueError:
            message = _(ERROR_TIMESTAMP).format(value=shown(text))
        else:
            if FIRST_YEAR <= wall.year <= LAST_YEAR:
                if wall.tzinfo is None:
                    return self.to_utc(wall), wall
                return NAIVE_ANCHOR + (wall - UTC_ANCHOR), wall.astimezone(self.home_zone)
            message = _(ERROR_YEAR).format(value=shown(text), first=FIRST_YEAR, last=LAST_YEAR)
        self.log.report(line, self.columns.name[field], message)
        return None

    def _first_touch(self, line: int, text: str, mql: Moment | None) -> Moment | None:
        if not text:
            return None
        touch = self._moment(line, "first_touch_at", text)
        if touch is not None and mql is not None and touch[0] < mql[0]:
            self.log.report(line, self.columns.name["first_touch_at"], _(ERROR_TOUCH_BEFORE_MQL))
        return touch

    def _attempts(self, line: int, text: str) -> int:
        if not text:
            return 0
        try:
            attempts = int(text)
        except ValueError:
            attempts = -1
        if attempts < 0:
            message = _(ERROR_ATTEMPTS).format(value=shown(text))
        elif attempts > MAX_ATTEMPTS:
            message = _(ERROR_ATTEMPTS_LIMIT).format(limit=f"{MAX_ATTEMPTS:,}")
        else:
            return attempts
        self.log.report(line, self.columns.name["attempts"], message)
        return 0

    def _outcome(self, line: int, outcome: str) -> str:
        if len(outcome) > self.outcome_limit:
            message = _(ERROR_TOO_LONG).format(limit=self.outcome_limit)
            self.log.report(line, self.columns.name["outcome"], message)
        return outcome

    def _lead_type(self, line: int, text: str, rules: VersionRules) -> tuple[str, Decimal] | None:
        """The type's name as the agreement spells it and its limit in business hours."""
        lead_type = rules.lead_types.get(text.lower())
        if lead_type is None:
            message = (
                _(ERROR_UNKNOWN_TYPE).format(value=shown(text), known=rules.known_types)
                if text
                else _(ERROR_REQUIRED)
            )
            self.log.report(line, self.columns.name["lead_type"], message)
        return lead_type
