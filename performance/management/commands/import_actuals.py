"""Import monthly actuals from a CSV file into a signed agreement's series."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from performance.management.command_input import agreement_named, csv_input
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
        parser.add_argument(
            "--confirm-funnel",
            action="store_true",
            help="Import rows whose funnel looks wrong (a stage above the one before it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agreement = agreement_named(options["agreement_id"])
        with ExitStack() as stack:
            handle = csv_input(stack, options)
            try:
                result = actuals_import(
                    agreement=agreement,
                    actor=None,
                    file=handle,
                    confirm_funnel=options["confirm_funnel"],
                )
            except (ValidationError, PermissionDenied) as error:
                raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        for line, column, message in result.errors:
            where = f"line {line}" + (f", column {column}" if column else "")
            self.stderr.write(f"{where}: {message}")
        if result.errors:
            if result.parsed.warnings and not options["confirm_funnel"]:
                self.stderr.write(
                    "Check those figures; to import rows whose funnel looks wrong as they are, "
                    "run again with --confirm-funnel."
                )
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} found; nothing was imported."
            )
        self.stdout.write(
            f"Imported {result.created + result.updated} months "
            f"({result.created} new, {result.updated} updated)."
        )
