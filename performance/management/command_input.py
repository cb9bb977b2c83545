"""What the import commands share: the agreement they name and the file they read."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import IO, Any

from django.core.management.base import CommandError

from agreements.models import Agreement


def agreement_named(agreement_id: int) -> Agreement:
    agreement = Agreement.objects.filter(pk=agreement_id).first()
    if agreement is None:
        raise CommandError(f"No agreement with id {agreement_id}.")
    return agreement


def csv_input(stack: ExitStack, options: dict[str, Any]) -> IO[str]:
    """The FILE argument opened as UTF-8 text (a BOM is dropped), or standard input for -."""
    if options["file"] == "-":
        stdin: IO[str] = options.get("stdin") or sys.stdin
        return stdin
    try:
        return stack.enter_context(
            open(options["file"], encoding="utf-8-sig", newline="")  # noqa: PTH123
        )
    except OSError as error:
        raise CommandError(f"Cannot read {options['file']}: {error.strerror or error}.") from None
