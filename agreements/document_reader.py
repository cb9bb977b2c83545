"""Reading typed values out of a parsed schema /1 document, noting each problem by its path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

ERROR_NOT_OBJECT = "Expected a JSON object."
ERROR_NOT_LIST = "Expected a list."


class DocumentReader:
    """Reads typed values out of a parsed document, noting errors by path."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, str(message)))

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, _(ERROR_NOT_OBJECT))
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, _(ERROR_NOT_LIST))
            return []
        return value

    def text(self, value: Any, path: str, *, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, str):
            self.error(path, _("Expected a string."))
            return default
        return value

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(path, _("Expected a decimal number as a string, such as “12.50”."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(path, _("“%(value)s” is not a decimal number.") % {"value": value})
            return None
        if not number.is_finite():
            self.error(path, _("Expected a finite number."))
            return None
        return number

    def integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, _("Expected a whole number."))
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, _("Expected true or false."))
            return False
        return value

    def date(self, value: Any, path: str) -> dt.date | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error(path, _("Expected a date as YYYY-MM-DD."))
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(path, _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": value})
            return None

    def time(self, value: Any, path: str) -> dt.time | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(path, _("Expected a time as HH:MM."))
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            self.error(path, _("“%(value)s” is not a time as HH:MM.") % {"value": value})
            return None

    def field(self, model: type[models.Model], name: str, value: Any, path: str) -> Any:
        """A value read as the type of the model field it fills."""
        model_field = model._meta.get_field(name)
        if isinstance(model_field, models.DecimalField):
            return self.decimal(value, path)
        if isinstance(model_field, models.BooleanField):
            return self.boolean(value, path)
        if isinstance(model_field, models.DateField):
            return self.date(value, path)
        if isinstance(model_field, models.IntegerField):
            return self.integer(value, path)
        return self.text(value, path)
