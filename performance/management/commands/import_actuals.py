"""Import monthly actuals from a CSV file into a signed agreement's series."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.models import Agreement
from performance.services.actuals_csv import actuals_import


class Command(BaseCommand):
    help = (
        "Import monthly actuals from a CSV file with the columns month (YYYY-MM), leads, mqls, "
        "sqls, customers and revenue. A month already recorded is updated; nothing is written "
        "when any row has an error."
    )
    # call_command(..., stdin=...) feeds "-" in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agreement_id", metavar="AGREEMENT_ID", type=int)
        parser.add_argument("file", metavar="FILE", help="The CSV file, or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        agreement = Agreement.objects.filter(pk=options["agreement_id"]).first()
        if agreement is None:
            raise CommandError(f"No agreement with id {options['agreement_id']}.")
        with ExitStack() as stack:
            if options["file"] == "-":
                handle = options.get("stdin") or sys.stdin
            else:
                try:
                    handle = stack.enter_context(
                        open(options["file"], encoding="utf-8-sig", newline="")  # noqa: PTH123
                    )
                except OSError as error:
                    raise CommandError(
                        f"Cannot read {options['file']}: {error.strerror or error}."
                    ) from None
            try:
                result = actuals_import(agreement=agreement, actor=None, file=handle)
            except (ValidationError, PermissionDenied) as error:
                raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        for line, column, message in result.errors:
            where = f"line {line}" + (f", column {column}" if column else "")
            self.stderr.write(f"{where}: {message}")
        if result.errors:
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} found; nothing was imported."
            )
        self.stdout.write(
            f"Imported {result.created + result.updated} months "
            f"({result.created} new, {result.updated} updated)."
        )
