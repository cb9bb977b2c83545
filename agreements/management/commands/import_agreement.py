"""Create a new draft from a schema slaportal.agreement/2 (or /1) JSON file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.document_reader import (
    DOCUMENT_MAX_BYTES,
    DocumentUnreadable,
    document_parse,
    document_size_check,
)
from agreements.services.agreements import ContentErrors, agreement_import


class Command(BaseCommand):
    help = (
        "Create a new draft from a JSON file in schema slaportal.agreement/2 (or /1) and print "
        "its id. "
        "Every validation error is printed as “path: message”; nothing is created when any "
        "error is found. A file over 2 MB is refused unread."
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
        try:
            document = self._document(options["file"], options.get("stdin") or sys.stdin)
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

    def _owner(self, username: str | None) -> User:
        users = User.objects
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
        """The file's document; a file too big, not UTF-8 or not JSON is a CommandError."""
        if source == "-":
            name = "standard input"
            raw = getattr(stdin, "buffer", stdin).read(DOCUMENT_MAX_BYTES + 1)
            size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
        else:
            path = Path(source)
            name = str(path)
            try:
                size = path.stat().st_size
                raw = path.read_bytes() if size <= DOCUMENT_MAX_BYTES else b""
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error.strerror or error}.") from None
        try:
            document_size_check(size)
            return document_parse(raw)
        except DocumentUnreadable as unreadable:
            raise CommandError(f"{name}: {unreadable.message}") from None
