"""Parsing a schema /1 document safely, and reading typed values out of it by JSON path."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from agreements.uploads import ERROR_EMPTY_FILE, ERROR_NOT_UTF8, ERROR_TOO_BIG

DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
# Schema /1 nests four levels deep; the limit leaves room and stops a hostile file long
# before Python's recursion limit (json.loads recurses once per level).
DOCUMENT_MAX_DEPTH = 32
# Python refuses to read an integer of more than 4,300 digits; no field takes more than 20.
INTEGER_MAX_DIGITS = 30
# How much of a rejected value an error message repeats.
SHOWN_CHARS = 60

ERROR_NOT_JSON = "The file is not valid JSON: %(reason)s (line %(line)s, column %(column)s)."
ERROR_EMPTY = ERROR_EMPTY_FILE
ERROR_TOO_DEEP = "The document is nested too deeply (limit %(limit)s levels)."
ERROR_NOT_OBJECT = "Expected a JSON object."
ERROR_NOT_LIST = "Expected a list."
ERROR_NUL = "Must not contain the NUL character."
ERROR_SURROGATE = "Must not contain an unpaired surrogate escape (\\ud800 to \\udfff)."
ERROR_TOO_LONG_NUMBER = "The number is too long."

# A JSON string: what lies inside one is never nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")


class ContentErrors(ValidationError):
    """Every problem found in a document, each with its JSON path."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        # As a ValidationError, a caller that reports refusals shows these as they are.
        super().__init__([f"{path}: {message}" for path, message in errors])
        self.errors = errors


class DocumentUnreadable(Exception):
    """The bytes are not a JSON document at all: too big, not UTF-8, empty or not JSON."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def shown(value: Any) -> str:
    """A rejected value as an error message repeats it: its start, when it is long."""
    return Truncator(str(value)).chars(SHOWN_CHARS)


def document_size_check(size: int) -> None:
    """Refuse a document over the size limit before it is read."""
    if size > DOCUMENT_MAX_BYTES:
        raise DocumentUnreadable(
            _(ERROR_TOO_BIG)
            % {"size": filesizeformat(size), "limit": filesizeformat(DOCUMENT_MAX_BYTES)},
            "too_big",
        )


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, counting brackets outside strings."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def _json_integer(digits: str) -> int | Decimal:
    # A longer integer stays a Decimal: no integer field takes it, and the reader says so.
    return int(digits) if len(digits) <= INTEGER_MAX_DIGITS else Decimal(digits)


def document_parse(raw: bytes | str) -> Any:
    """A document's bytes (or text) as parsed JSON, checked before parsing can overflow.

    Raises DocumentUnreadable for bytes that are not UTF-8 JSON text, and ContentErrors at
    path "$" for a document nested deeper than DOCUMENT_MAX_DEPTH.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentUnreadable(_(ERROR_NOT_UTF8), "not_utf8") from None
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise DocumentUnreadable(_(ERROR_EMPTY), "empty")
    if nesting_depth(text) > DOCUMENT_MAX_DEPTH:
        raise ContentErrors([("$", _(ERROR_TOO_DEEP) % {"limit": DOCUMENT_MAX_DEPTH})])
    try:
        return json.loads(text, parse_int=_json_integer)
    except json.JSONDecodeError as error:
        raise DocumentUnreadable(
            _(ERROR_NOT_JSON) % {"reason": error.msg, "line": error.lineno, "column": error.colno},
            "not_json",
        ) from None


class DocumentReader:
    """Reads typed values out of a parsed document, noting errors by path."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, str(message)))

    def has_error(self, path: str) -> bool:
        return any(error_path == path for error_path, _message in self.errors)

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
        # Neither can be stored: PostgreSQL refuses NUL in text, and UTF-8 has no lone
        # surrogates (JSON can still spell both as escapes).
        if "\x00" in value:
            self.error(path, _(ERROR_NUL))
            return default
        if _SURROGATE.search(value):
            self.error(path, _(ERROR_SURROGATE))
            return default
        return value

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            self.error(path, _("Expected a decimal number as a string, such as “12.50”."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(path, _("“%(value)s” is not a decimal number.") % {"value": shown(value)})
            return None
        if not number.is_finite():
            self.error(path, _("Expected a finite number."))
            return None
        return number

    def integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, Decimal):  # an integer too long for int (see _json_integer)
            self.error(path, _(ERROR_TOO_LONG_NUMBER))
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
            self.error(
                path, _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": shown(value)}
            )
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
            self.error(path, _("“%(value)s” is not a time as HH:MM.") % {"value": shown(value)})
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
