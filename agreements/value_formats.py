"""One format per kind of value, shared by the templates and the comparison.

Dates and times take the project's formats module (``slaportal/formats``) through Django's
``date_format``; money, percentages, quantities with a unit and the machine-readable
``<time datetime>`` value are formatted here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import ngettext

EMPTY = "—"

# Units whose name takes a plural: "1 business hour", "2 business hours".
PLURAL_UNITS: dict[str, Any] = {
    "business hours": lambda n: ngettext("business hour", "business hours", n),
    "hours": lambda n: ngettext("hour", "hours", n),
    "days": lambda n: ngettext("day", "days", n),
    "leads": lambda n: ngettext("lead", "leads", n),
    "attempts": lambda n: ngettext("attempt", "attempts", n),
}


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def plain_number(number: Decimal) -> str:
    """Up to two decimals, grouped, without trailing zeros: 1,500 / 15.5 / 0.25."""
    shown = str(floatformat(number, "-2g"))
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown


def _plural_count(number: Decimal) -> int:
    """ngettext's count: 1 only for exactly one, so 0.5 and 1.5 read as plurals."""
    return 1 if number == 1 else 2


def machine_time(value: dt.date | dt.datetime | None) -> str:
    """A ``<time datetime>`` value: ISO 8601 date, or UTC date and time in whole seconds."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
            return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def money(value: Any, currency: str = "") -> str:
    """An amount with two decimals, grouped, and its currency: "1,200,000.00 USD"."""
    number = decimal_or_none(value)
    if number is None:
        return "—"
    shown = intcomma(floatformat(number, 2))
    return f"{shown} {currency}".strip()


def percent(value: Any) -> str:
    """A rate in percent, up to two decimals, grouped: "12.5%"."""
    number = decimal_or_none(value)
    if number is None:
        return "—"
    return f"{plain_number(number)}%"


def quantity(value: Any, unit: str = "") -> str:
    """A number and its unit, the unit in singular or plural: "1 business hour", "2 days"."""
    number = decimal_or_none(value)
    if number is None:
        return "—"
    shown = plain_number(number)
    unit = (unit or "").strip()
    if unit == "%":
        return f"{shown}%"
    plural = PLURAL_UNITS.get(unit.casefold())
    if plural is not None:
        unit = plural(_plural_count(number))
    return f"{shown} {unit}".strip()
