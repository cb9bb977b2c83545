"""CSV files of actuals and leads: the streaming reader, its limits, and the messages both share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import uploads

# The limits of a file, checked as it streams and before any expensive work, so that a hostile
# file (a header of a million columns, one endless line) is refused in well under a second.
# The README's "Importing actuals and leads" states them.
MAX_ACTUALS_BYTES = 1024 * 1024
MAX_LEADS_BYTES = 64 * 1024 * 1024
MAX_COLUMNS = 50
MAX_COLUMN_NAME = 200
# A line (a CSV record, quoted line breaks included), without its line break.
MAX_LINE = 10_000
MAX_LEAD_ROWS = 200_000
MAX_ACTUALS_ROWS = 1_200
# Values quoted back in error messages are cut to this many characters.
MAX_SHOWN = 60

# The upload as a whole, refused by the upload forms before any line is read.
ERROR_TOO_BIG = uploads.ERROR_TOO_BIG
ERROR_NOT_UTF8_UPLOAD = uploads.ERROR_NOT_UTF8
# Reported by line (the header is line 1) and column ("" for the whole line).
ERROR_EMPTY_FILE = uploads.ERROR_EMPTY_FILE
ERROR_NOT_UTF8 = gettext_noop("The file is not UTF-8 text from this line on.")
ERROR_CSV = gettext_noop("The file is not valid CSV: {reason}.")
ERROR_LINE_TOO_LONG = gettext_noop("The line is longer than {limit} characters.")
ERROR_TOO_MANY_COLUMNS = gettext_noop("The file has {count} columns; at most {limit} are allowed.")
ERROR_COLUMN_NAME_TOO_LONG = gettext_noop(
    "The name of column {number} is longer than {limit} characters."
)
ERROR_COLUMN_NAME_NUL = gettext_noop(
    "The name of column {number} holds a NUL character, which text cannot hold."
)
ERROR_TOO_MANY_ROWS = gettext_noop("The file has more than {limit} rows.")
ERROR_NUL = gettext_noop("The cell holds a NUL character, which text cannot hold.")
ERROR_MISSING_COLUMN = gettext_noop("The file has no column “{column}”.")
ERROR_COLUMN_TWICE = gettext_noop("The column “{column}” appears more than once.")
ERROR_REQUIRED = gettext_noop("A value is required.")


class CsvFileError(Exception):
    """The file cannot be read from its first line: not text, not CSV, empty, or too wide."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _LineTooLong(Exception):
    pass


class _Lines:
    """The lines of a text stream for the csv module, none read past ``MAX_LINE`` characters.

    ``record`` counts the characters of the CSV record being read; the reader resets it before
    each record, so that a quoted cell spanning lines is held to the limit too.
    """

    def __init__(self, file: Iterable[str]) -> None:
        readline = getattr(file, "readline", None)
        # Reading with a limit never holds more of a line than the limit allows; a bare
        # iterable of strings (already in memory) is only measured.
        self.next_line = (
            (lambda: readline(MAX_LINE + 2)) if callable(readline) else iter(file).__next__
        )
        self.record = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.next_line()
        if not line:
            raise StopIteration
        self.record += len(line.rstrip("\r\n"))
        if self.record > MAX_LINE:
            raise _LineTooLong
        return line


class CsvRows:
    """A CSV stream read once, lazily: the header, then each row that has a non-empty cell.

    A line that is not UTF-8, not valid CSV or too long, or a row past ``max_rows``, ends the
    rows; ``failure`` then holds its line number and the message, for the import to report
    after the rows read so far.
    """

    def __init__(self, file: Iterable[str], *, max_rows: int = MAX_LEAD_ROWS) -> None:
        self.lines = _Lines(file)
        self.reader = csv.reader(self.lines)
        self.max_rows = max_rows
        self.failure: tuple[int, str] | None = None

    def header(self) -> list[str]:
        """The column names on line 1, stripped; CsvFileError if there are none or too many."""
        try:
            header = [name.strip() for name in next(self.reader, [])]
        except (UnicodeDecodeError, csv.Error, _LineTooLong) as error:
            raise CsvFileError(1, unreadable_message(error)) from None
        if not any(header):
            raise CsvFileError(1, _(ERROR_EMPTY_FILE))
        if len(header) > MAX_COLUMNS:
            message = _(ERROR_TOO_MANY_COLUMNS).format(count=len(header), limit=MAX_COLUMNS)
            raise CsvFileError(1, message)
        for number, name in enumerate(header, start=1):
            if len(name) > MAX_COLUMN_NAME:
                message = _(ERROR_COLUMN_NAME_TOO_LONG).format(number=number, limit=MAX_COLUMN_NAME)
                raise CsvFileError(1, message)
            if "\x00" in name:
                raise CsvFileError(1, _(ERROR_COLUMN_NAME_NUL).format(number=number))
        return header

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of each row after the header; blank lines are skipped."""
        reader, lines = self.reader, self.lines
        # Blank rows count too, or a file of nothing but line breaks would run on for long.
        rows = 0
        try:
            lines.record = 0
            for cells in reader:
                rows += 1
                if rows > self.max_rows:
                    message = _(ERROR_TOO_MANY_ROWS).format(limit=f"{self.max_rows:,}")
                    self.failure = (reader.line_num, message)
                    return
                if any(cells):
                    yield reader.line_num, cells
                lines.record = 0
        except (UnicodeDecodeError, csv.Error, _LineTooLong) as error:
            # The reader stopped inside the line after the last one it counted.
            self.failure = (reader.line_num + 1, unreadable_message(error))


def unreadable_message(error: UnicodeDecodeError | csv.Error | _LineTooLong) -> str:
    """Why a line cannot be read: not UTF-8, too long, or not CSV."""
    if isinstance(error, UnicodeDecodeError):
        return _(ERROR_NOT_UTF8)
    if isinstance(error, _LineTooLong):
        return _(ERROR_LINE_TOO_LONG).format(limit=f"{MAX_LINE:,}")
    return _(ERROR_CSV).format(reason=error)


def shown(value: str) -> str:
    """A value as quoted back in an error message: cut to ``MAX_SHOWN`` characters."""
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"


def text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    """A file of bytes read from its start as UTF-8 text for the csv module (BOM dropped).

    Detach the wrapper when done, or closing it closes the file too.
    """
    file.seek(0)
    return io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
