"""Create a new draft from a schema slaportal.agreement/1 JSON file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.services.agreements import ContentErrors, agreement_import


class Command(BaseCommand):
    help = (
        "Create a new draft from a JSON file in schema slaportal.agreement/1 and print its id. "
        "Every validation error is printed as “path: message”; nothing is created when any "
        "error is found."
    )
    # call_command(..., stdin=...) feeds "-" in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The JSON file, or - for standard input.")
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="Owner of the new draft (default: the first active superuser).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = self._owner(options.get("owner"))
        document = self._document(options["file"], options.get("stdin") or sys.stdin)
        try:
            agreement = agreement_import(document=document, actor=owner)
        except ContentErrors as errors:
            for path, message in errors.errors:
                self.stderr.write(f"{path}: {message}")
            count = len(errors.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} found; nothing was imported."
            ) from None
        except PermissionDenied as denied:
            raise CommandError(f"{denied} (owner: {owner.get_username()})") from None
        self.stdout.write(str(agreement.pk))

    def _owner(self, username: str | None) -> Any:
        users = get_user_model()._default_manager
        if username:
            owner = users.filter(username=username).first()
            if owner is None:
                raise CommandError(f"No user named “{username}”.")
            if not owner.is_active:
                raise CommandError(f"The user “{username}” is not active.")
            return owner
        owner = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if owner is None:
            raise CommandError(
                "No active superuser to own the import; create one with "
                "`manage.py createsuperuser` or pass --owner USERNAME."
            )
        return owner

    def _document(self, source: str, stdin: Any) -> Any:
        if source == "-":
            raw = stdin.read()
            name = "standard input"
        else:
            path = Path(source)
            name = str(path)
            try:
                raw = path.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error.strerror or error}.") from None
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CommandError(f"{name} is not UTF-8 text.") from None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise CommandError(f"{name} is not valid JSON: {error.msg} ({where}).") from None
