"""CSV files of actuals and leads: the streaming reader and the messages both imports share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# The upload as a whole, refused by the upload forms before any line is read.
ERROR_TOO_BIG = gettext_noop("The file is %(size)s; the largest accepted is %(limit)s.")
ERROR_NOT_UTF8_UPLOAD = gettext_noop(
    "The file is not UTF-8 text; save it as UTF-8 and upload it again."
)
# Reported by line (the header is line 1) and column ("" for the whole line).
ERROR_EMPTY_FILE = gettext_noop("The file is empty.")
ERROR_NOT_UTF8 = gettext_noop("The file is not UTF-8 text from this line on.")
ERROR_CSV = gettext_noop("The file is not valid CSV: {reason}.")
ERROR_MISSING_COLUMN = gettext_noop("The file has no column “{column}”.")
ERROR_COLUMN_TWICE = gettext_noop("The column “{column}” appears more than once.")
ERROR_REQUIRED = gettext_noop("A value is required.")


class CsvFileError(Exception):
    """The file cannot be read from its first line: not text, not CSV, or empty."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class CsvRows:
    """A CSV stream read once, lazily: the header, then each row that has a non-empty cell.

    A line that is not UTF-8 or not valid CSV ends the rows; ``failure`` then holds its line
    number and the message, for the import to report after the rows read so far.
    """

    def __init__(self, file: Iterable[str]) -> None:
        self.reader = csv.reader(file)
        self.failure: tuple[int, str] | None = None

    def header(self) -> list[str]:
        """The column names on line 1, stripped; CsvFileError if there are none."""
        try:
            header = [name.strip() for name in next(self.reader, [])]
        except (UnicodeDecodeError, csv.Error) as error:
            raise CsvFileError(1, unreadable_message(error)) from None
        if not any(header):
            raise CsvFileError(1, _(ERROR_EMPTY_FILE))
        return header

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of each row after the header; blank lines are skipped."""
        reader = self.reader
        try:
            for cells in reader:
                if any(cells):
                    yield reader.line_num, cells
        except (UnicodeDecodeError, csv.Error) as error:
            # The reader stopped inside the line after the last one it counted.
            self.failure = (reader.line_num + 1, unreadable_message(error))


def unreadable_message(error: UnicodeDecodeError | csv.Error) -> str:
    """Why a line cannot be read: not UTF-8, or not CSV."""
    if isinstance(error, UnicodeDecodeError):
        return _(ERROR_NOT_UTF8)
    return _(ERROR_CSV).format(reason=error)


def text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    """A file of bytes read from its start as UTF-8 text for the csv module (BOM dropped).

    Detach the wrapper when done, or closing it closes the file too.
    """
    file.seek(0)
    return io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
