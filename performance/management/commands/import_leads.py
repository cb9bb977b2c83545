"""Import lead hand-off records from a CRM export (CSV) into a signed agreement's series."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import ExitStack
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.models import Agreement
from performance.management.command_input import agreement_named, csv_input
from performance.services.leads import LeadImportError, LeadImportResult, leads_import


class Command(BaseCommand):
    help = (
        "Import leads from a CSV file (columns lead_id, lead_type, mql_at, first_touch_at, "
        "attempts, outcome, or the mapping remembered for the agreement) and report how many "
        "met, breached or are pending their service level. Leads are upserted by lead_id; "
        "nothing is written when any row has an error, and the exit status is then 1."
    )
    # call_command(..., stdin=...) feeds "-" in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agreement_id", metavar="AGREEMENT_ID", type=int)
        parser.add_argument("file", metavar="FILE", help="The CSV file, or - for standard input.")
        parser.add_argument(
            "--as-of",
            metavar="TIMESTAMP",
            help="Judge untouched leads as of this ISO 8601 time (default: now); without an "
            "offset it is in the agreement's time zone.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the result as one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agreement = agreement_named(options["agreement_id"])
        as_of = self._as_of(options.get("as_of"), agreement)
        with ExitStack() as stack:
            handle = csv_input(stack, options)
            try:
                result = leads_import(agreement=agreement, actor=None, file=handle, as_of=as_of)
            except ValidationError as error:
                result = LeadImportResult(
                    errors=[LeadImportError(None, "", message) for message in error.messages]
                )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._summary(result)
        if result.errors:
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} found; nothing was imported.",
                returncode=1,
            )

    def _as_of(self, text: str | None, agreement: Agreement) -> dt.datetime | None:
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--as-of “{text}” is not an ISO 8601 timestamp.") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(agreement.timezone))
        return value

    def _summary(self, result: LeadImportResult) -> None:
        for error in result.errors:
            where = f"line {error.line}" if error.line is not None else "file"
            if error.column:
                where += f", column {error.column}"
            self.stderr.write(f"{where}: {error.message}")
        if result.errors:
            return
        self.stdout.write(
            f"Imported {result.imported} leads ({result.created} new, {result.updated} updated): "
            f"{result.met} met, {result.breached} breached, {result.pending} pending; "
            f"{result.invalid_rejections} rejections without a valid reason code."
        )
