"""What a lead import reports: its counts, or its errors by line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_REPORTED_ERRORS = 1000

ERROR_MORE = gettext_noop("{count} more errors are not shown.")


@dataclass(frozen=True)
class LeadImportError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class LeadImportResult:
    """Counts over the rows of the imported file; nothing is written when there are errors."""

    imported: int = 0
    created: int = 0
    updated: int = 0
    met: int = 0
    breached: int = 0
    pending: int = 0
    invalid_rejections: int = 0
    errors: list[LeadImportError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "met": self.met,
            "breached": self.breached,
            "pending": self.pending,
            "invalid_rejections": self.invalid_rejections,
            "errors": [error.as_dict() for error in self.errors],
        }


class LeadFileRefused(Exception):
    """The file cannot be imported as a whole: unreadable, empty, or its columns do not fit."""

    def __init__(self, errors: list[LeadImportError]) -> None:
        super().__init__(errors)
        self.errors = errors


class ErrorLog:
    """The errors of an import in file order, the first thousand of them kept."""

    def __init__(self) -> None:
        self.errors: list[LeadImportError] = []
        self.count = 0

    def report(self, line: int | None, column: str, message: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED_ERRORS:
            self.errors.append(LeadImportError(line, column, message))

    def close(self) -> list[LeadImportError]:
        """The errors kept, and a last line telling how many more there were."""
        if self.count > MAX_REPORTED_ERRORS:
            more = self.count - MAX_REPORTED_ERRORS
            self.errors.append(LeadImportError(None, "", _(ERROR_MORE).format(count=more)))
        return self.errors
