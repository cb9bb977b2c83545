"""Print an agreement as slaportal.agreement JSON, in its own content schema."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.exchange import agreement_export, export_json_text
from agreements.models import Agreement
from agreements.selectors import agreement_load_sections


class Command(BaseCommand):
    help = "Print the agreement with the given id as JSON (schema slaportal.agreement/2, or /1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agreement_id", type=int, metavar="ID", help="The agreement's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        pk = options["agreement_id"]
        try:
            agreement = agreement_load_sections(pk)
        except Agreement.DoesNotExist:
            raise CommandError(f"No agreement with id {pk}.") from None
        self.stdout.write(export_json_text(agreement_export(agreement)), ending="")
