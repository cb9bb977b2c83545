"""Record and email new SLA alerts (hand-off breaches, KPIs at risk or missed, overdue
deadlines), and remind the signers of agreements in review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agreements.services.reminders import review_reminders_send
from agreements.tasks import outbox_sweep
from performance.series_changes import series_changes_compact
from performance.services.alerts import alerts_check


def parse_timestamp(value: str) -> dt.datetime:
    """An ISO 8601 timestamp; one without an offset is in the site's time zone."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--as-of {value!r} is not an ISO 8601 timestamp such as 2026-03-31T18:00:00+00:00."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Find new hand-off breaches, KPIs at risk or missed and overdue deadlines of the "
        "agreements in force, record each once and email the teams. Safe to run from cron: "
        "a second run sends nothing new. It also reminds the signatories of agreements in review "
        "whose team has not signed, once per reminder interval of each agreement, and queues again "
        "the emails whose send failed and is due a retry. Each agreement is checked on its own; "
        "the command exits with status 1 if the check of any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            metavar="TIMESTAMP",
            help="Judge as of this ISO 8601 moment instead of now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_timestamp(options["as_of"]) if options.get("as_of") else None
        summary = alerts_check(now=now)
        reminders = review_reminders_send(now=summary.as_of)
        # Retries follow the clock, not --as-of: a failed send waits for its real next attempt.
        sweep = outbox_sweep()
        # The figures' change log, one change a series again (the cached lights recompute).
        series_changes_compact()
        created = ", ".join(f"{kind}={count}" for kind, count in sorted(summary.created.items()))
        # A worker backend sends the digests later; the immediate backend has sent them by now.
        queued = f", {summary.digests_queued} digests queued" if summary.digests_queued else ""
        self.stdout.write(
            f"Checked {summary.agreements} agreements in force as of "
            f"{summary.as_of.isoformat()}: {summary.created_total} new alerts"
            f"{f' ({created})' if created else ''}, {summary.resolved} resolved, "
            f"{summary.emails_sent} emails sent{queued}."
        )
        if summary.failed_agreements:
            self.stderr.write(
                "Emails failed for agreements "
                + ", ".join(str(pk) for pk in summary.failed_agreements)
                + "; they will be retried."
            )
        if reminders.reminded:
            self.stdout.write(
                f"Reminded the signatories of {len(reminders.reminded)} of {reminders.reviews} "
                f"agreements in review ({reminders.recipients} addresses)."
            )
        if reminders.failed:
            self.stderr.write(
                "Reminders failed for agreements in review "
                + ", ".join(str(pk) for pk in reminders.failed)
                + "; they will be retried on the next run."
            )
        if sweep.retried:
            self.stdout.write(f"Queued {sweep.retried} failed emails again.")
        if sweep.interrupted or sweep.lost_tasks:
            self.stderr.write(
                f"{sweep.interrupted} emails were interrupted while sending and are not resent "
                f"on their own (see Email deliveries in the admin); {sweep.lost_tasks} tasks "
                "lost with their worker were marked failed and queued again."
            )
        if summary.failed_checks:
            failed = summary.failed_checks
            raise CommandError(
                f"The check failed for {len(failed)} of {summary.agreements} agreements "
                f"({', '.join(str(pk) for pk in failed)}); the log says why.",
                returncode=1,
            )
        if reminders.failed:
            raise CommandError(
                f"Reminders failed for {len(reminders.failed)} agreements in review; "
                "the log says why.",
                returncode=1,
            )
