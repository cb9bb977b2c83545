"""Content values as the agreement page shows them: labels, money, dates, percentages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from agreements import value_formats
from agreements.models import Cadence, Owner, ReviewCadence
from agreements.models.agreement import Weekday
from agreements.models.sections import Kpi, QualificationRule, RejectionReason
from agreements.working_hours import week_rows

EMPTY = "—"

# A formatter reads one side's value and that side's currency.
Formatter = Callable[[Any, str], str]


def _decimal(value: Any) -> Decimal | None:
    return value_formats.decimal_or_none(value)


def number_text(value: Any) -> str:
    """A number as the page shows it: grouped, without trailing zero decimals (1,200.5)."""
    number = _decimal(value)
    return str(value) if number is None else value_formats.plain_number(number)


def money_text(value: Any, currency: str) -> str:
    return str(value) if _decimal(value) is None else value_formats.money(value, currency)


def percent_text(value: Any, currency: str = "") -> str:
    return str(value) if _decimal(value) is None else value_formats.percent(value)


def date_text(value: Any, currency: str = "") -> str:
    """An ISO date in the page's date format; text that is no date stays as it is."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return str(date_format(day, "DATE_FORMAT"))


def _choice(choices: type[models.Choices]) -> Formatter:
    def label(value: Any, currency: str = "") -> str:
        return str(dict(choices.choices).get(value, value))

    return label


def _workdays(value: Any, currency: str = "") -> str:
    names = dict(Weekday.choices)
    if not isinstance(value, list | tuple):
        return str(value)
    days = sorted({int(day) for day in value if str(day).isdigit()})
    return ", ".join(str(names.get(day, day)) for day in days) or EMPTY


def _hours(value: Any, currency: str = "") -> str:
    """Working hours as the agreement page groups them: "Monday–Friday: 09:00–17:00"."""
    rows = week_rows(value)
    return "; ".join(f"{days}: {hours}" for days, hours in rows) if rows else str(value)


def _counted(singular: str, plural: str) -> Formatter:
    def text(value: Any, currency: str = "") -> str:
        number = _decimal(value)
        if number is None:
            return str(value)
        count = int(number) if number == number.to_integral_value() else 2
        return ngettext(singular, plural, count) % {"count": number_text(number)}

    return text


def _done(value: Any, currency: str = "") -> str:
    return gettext("Done") if value else gettext("Open")


def _plain_number(value: Any, currency: str = "") -> str:
    return number_text(value)


# Formatters by the content key they show (the last key of a value's path).
FORMATTERS: dict[str, Formatter] = {
    "revenue_goal": money_text,
    "average_deal_size": money_text,
    "marketing_share_pct": percent_text,
    "lead_to_mql_pct": percent_text,
    "mql_to_sql_pct": percent_text,
    "sql_to_won_pct": percent_text,
    "start": date_text,
    "end": date_text,
    "due": date_text,
    "next_review": date_text,
    "owner": _choice(Owner),
    "direction": _choice(Kpi.Direction),
    "measure": _choice(Kpi.Measure),
    "cadence": _choice(Cadence),
    "report_cadence": _choice(ReviewCadence),
    "meeting_cadence": _choice(ReviewCadence),
    "stage": _choice(QualificationRule.Stage),
    "category": _choice(QualificationRule.Category),
    "next_step": _choice(RejectionReason.NextStep),
    "workdays": _workdays,
    "hours": _hours,
    "done": _done,
    "target": _plain_number,
    "customers": _plain_number,
    "sqls": _plain_number,
    "mqls": _plain_number,
    "leads": _plain_number,
    "leads_per_customer": _plain_number,
    "points": _plain_number,
    "min_attempts": _plain_number,
    "mql_score_threshold": _counted("%(count)s point", "%(count)s points"),
    "first_response_hours": _counted("%(count)s business hour", "%(count)s business hours"),
    "attempt_window_days": _counted("%(count)s day", "%(count)s days"),
}


def value_text(key: str, value: Any, currency: str = "") -> str:
    """One content value as the agreement page shows it; absent or empty reads as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    formatter = FORMATTERS.get(key)
    if formatter is not None:
        return formatter(value, currency)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, item, currency) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{name}: {value_text(name, item, currency)}" for name, item in value.items()
        )
    return str(value)
