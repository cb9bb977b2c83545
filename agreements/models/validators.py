"""What an agreement's fields accept: range rules, weekdays, time zones, dates, defaults.

The model's validators state the rules for the forms, the import and the admin; the check
constraints in ``agreements.models.agreement`` state them for the database.
"""

import datetime as dt
import functools
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agreements.periods import EARLIEST_DATE, LATEST_DATE
from agreements.working_hours import uniform_hours

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The range rules of the funnel inputs: the model's validators state them for the forms
# and the import, the check constraints for the database.
RATE_MIN = Decimal("0.01")
RATE_MAX = Decimal("100")
RATE_VALIDATORS = [MinValueValidator(RATE_MIN), MaxValueValidator(RATE_MAX)]

ERROR_END_BEFORE_START = _("The end date must be after the start date.")
ERROR_DAY_END = _("The working day must end after it starts.")
ERROR_TIMEZONE = _("“%(value)s” is not a known time zone; use an IANA name such as Europe/Berlin.")
ERROR_NO_WORKDAY = _("Choose at least one working day.")
ERROR_DATE_WINDOW = _("Enter a date from %(first)s to %(last)s.")
ERROR_REVIEW_BEFORE_PERIOD = _(
    "The next review must fall on or after the start of the period, %(start)s."
)
ERROR_DEADLINE_BEFORE_PERIOD = _(
    "A deadline must fall on or after the start of the period, %(start)s."
)

# Signers who have not signed an agreement in review are reminded every this many days; 0 is off.
REMINDER_DAYS_DEFAULT = 3
REMINDER_DAYS_MAX = 30


class Weekday(models.IntegerChoices):
    """ISO weekday numbers, as an agreement's working days hold them."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


def is_weekday(value: object) -> bool:
    """An ISO weekday number; JSON's true and 1.0 are not."""
    return isinstance(value, int) and not isinstance(value, bool) and value in Weekday.values


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA names this system knows; reading them walks the zoneinfo tree, so once."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            ERROR_TIMEZONE,
            params={"value": value},
            code="invalid_timezone",
        )


def validate_agreement_date(value: dt.date) -> None:
    """A date entered on an agreement lies in the window of agreements.periods."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            ERROR_DATE_WINDOW,
            params={"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            code="date_window",
        )


def before_period(
    day: dt.date | None, start: dt.date | None, message: "StrOrPromise"
) -> ValidationError | None:
    """The error for a review or deadline ``day`` before the period's ``start``, else None.

    A day outside the date window already has its own error (validate_agreement_date).
    """
    if day is None or start is None or not EARLIEST_DATE <= day < start:
        return None
    start_text = date_format(start, "DATE_FORMAT")
    return ValidationError(message, params={"start": start_text}, code="before_period")


def default_workdays() -> list[int]:
    return [1, 2, 3, 4, 5]


def default_working_hours() -> dict[str, list[list[str]]]:
    return uniform_hours(default_workdays(), dt.time(9, 0), dt.time(17, 0))
