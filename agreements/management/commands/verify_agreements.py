"""Check every signed version (content, signatures, MACs, event chain); name what failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.models import Agreement
from agreements.verification import verify_agreement, verify_all


class Command(BaseCommand):
    help = (
        "Check every signed agreement (or the given ones): the content digest recomputed from "
        "the stored data against its signatures, each signature's MAC, and the MACs and hash "
        "chain of its series' audit events. Each failed check is named; exits with status 1 "
        "when any is tampered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pks", nargs="*", type=int, help="Only these agreements (ids).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pks"]:
            found = {
                agreement.pk: agreement
                for agreement in Agreement.objects.filter(pk__in=options["pks"])
            }
            missing = sorted(set(options["pks"]) - set(found))
            if missing:
                raise CommandError(f"No agreement with id {', '.join(map(str, missing))}.")
            results = [(found[pk], verify_agreement(found[pk])) for pk in options["pks"]]
        else:
            results = verify_all()
        tampered = 0
        for agreement, result in results:
            line = (
                f"{result.status.upper():<9} #{agreement.pk} {agreement.title} "
                f"v{agreement.version} ({agreement.status}) digest {result.current_digest}"
            )
            if result.is_tampered:
                tampered += 1
                signed = result.signed_digest or "none"
                failed = "; ".join(result.failed_checks)
                self.stdout.write(self.style.ERROR(f"{line}, signed {signed}: {failed}"))
            else:
                self.stdout.write(self.style.SUCCESS(line) if result.is_intact else line)
        summary = f"{len(results)} checked, {tampered} tampered."
        if tampered:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)
