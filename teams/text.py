"""Names as people type them, brought to one spelling so that look-alikes compare equal."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms

_WHITESPACE_RUN = re.compile(r"\s+")


def normalise_name(value: str) -> str:
    """A name or code in one spelling: invisible format characters dropped, NFC, one space.

    Format characters (Unicode category Cf: zero-width spaces and joiners, the word joiner,
    the byte order mark) are dropped before composing, so a mark they split off joins its
    letter again; then surrounding whitespace is trimmed and inner runs become one space.
    """
    visible = "".join(char for char in value if unicodedata.category(char) != "Cf")
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", visible)).strip()


def read_normalised(form_field: forms.Field) -> None:
    """Make a form field normalise the text it reads, before its own checks run."""
    # Before the checks: "no-\u200bbudget" is then a valid code, a name of only invisible
    # characters is missing, and the unique checks that follow compare one spelling.
    read = form_field.to_python

    def to_python(value: Any) -> Any:
        text = read(value)
        return normalise_name(text) if isinstance(text, str) else text

    form_field.to_python = to_python  # type: ignore[method-assign]


def person_name(user: Any) -> str:
    """How a person is named on pages and in emails: the full name, else the username."""
    return str(user.get_full_name() or user.get_username())
