"""The outbox: every email the app sends, one row per occurrence and recipient.

A row is written (pending) before its email is tried, claimed (sending) in its own committed
statement just before the mail server is asked, and marked sent after. The unique key on
(occurrence, recipient) is what makes an email go out at most once for one occurrence, however
many times its task is queued or run. See agreements/services/outbox.py for the policy.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import Agreement


class EmailDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed: gave up after retries")
        # A worker stopped between claiming and finishing the send: the mail server may or may
        # not have taken the message, so it is never resent on its own.
        UNKNOWN = "unknown", _("Interrupted: may not have been sent")

    # What happened, e.g. "submitted:event=42" or "reminder:agreement=7:slot=2026-01-08T10:00".
    occurrence = models.CharField(_("occurrence"), max_length=200)
    recipient = models.EmailField(_("recipient"), max_length=254)
    kind = models.CharField(_("kind"), max_length=32)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="email_deliveries"
    )
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "recipient"], name="email_delivery_once_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "unknown"]),
                name="email_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="email_delivery_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence} → {self.recipient}"
