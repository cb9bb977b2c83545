"""Seed the page benchmark's data set (benchmarks/pages.py) into an empty scratch database.

``--size full``: 100 teams, 2,000 agreements (every section filled from the standard template;
signed, signed with a draft amendment, and drafts), 24 months of actuals per signed series and
200,000 lead records, dated from the day of seeding (``Calendar``) so that the agreements are
in force for a year after it. ``--size tiny``: the same shape with 10 agreements. A few
agreements of each kind are made through the real services (create, submit, both signatures,
amend); the rest are copies of those written in bulk, each with its own series, section rows,
signatures and audit trail, sealed with the signing key like the originals
(agreements.integrity), so every signed version verifies. The command refuses a database that
already holds agreements.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from django.utils import timezone

from agreements.models import Agreement
from performance.benchmark_seed.plan import SIZES, Calendar
from performance.benchmark_seed.seeder import Seeder


class Command(BaseCommand):
    help = "Seed the page benchmark's data set (tiny: 10 agreements; full: 2,000) into an empty DB."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
        parser.add_argument("--seed", type=int, default=20261129)
        # Overrides of the size's figures, for trying the seeding at other scales.
        parser.add_argument("--agreements", type=int, help="agreements (series) in all")
        parser.add_argument("--by-services", type=int, help="of which made by the services")
        parser.add_argument("--leads", type=int, help="lead records in all")

    def handle(self, *args: Any, **options: Any) -> None:
        if Agreement.objects.exists():
            raise CommandError("The database already holds agreements; seed an empty one.")
        size = SIZES[options["size"]]
        overrides = {
            name: options[name]
            for name in ("agreements", "by_services", "leads")
            if options[name] is not None
        }
        size = dataclasses.replace(size, **overrides)
        if not 1 <= size.by_services <= size.agreements:
            raise CommandError("--by-services must be between 1 and --agreements.")
        size = dataclasses.replace(size, target_leads=min(size.target_leads, size.leads))
        calendar = Calendar.of(timezone.localdate())
        seeder = Seeder(size, calendar, random.Random(options["seed"]), self.stdout.write)
        # Signing checks the signer's password: a fast hash keeps 2 x 15 signatures quick,
        # and nobody signs in with these passwords (the benchmark opens sessions itself).
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}},
        ):
            seeder.run()
