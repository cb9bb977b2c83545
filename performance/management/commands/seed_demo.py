"""Load the demo teams, people and agreements; safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from performance.demo.seed import demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo teams, users and agreements that are missing (running it again "
        "changes nothing), then print the demo logins."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's acts would otherwise mail every demo user and bury the logins below.
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        ):
            result = demo_seed()
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data: created {len(result.created)}:"))
            for item in result.created:
                self.stdout.write(f"  {item}")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        headers = ("Username", "Password", "Role")
        rows = [headers, *result.logins]
        widths = [max(len(row[column]) for row in rows) for column in range(len(headers))]
        self.stdout.write("")
        self.stdout.write(f"Demo logins for {settings.SITE_URL}:")
        for index, row in enumerate(rows):
            cells = (cell.ljust(widths[column]) for column, cell in enumerate(row))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
