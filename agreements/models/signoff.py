"""Sign-off records: revisions, signatures, comments and the audit trail."""

from typing import Any, NoReturn

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements import integrity
from agreements.models.agreement import Agreement
from teams.models import Team


class Revision(models.Model):
    """One saved state of a draft's content."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    section = models.CharField(_("section"), max_length=32, blank=True)
    digest = models.CharField(_("digest"), max_length=64)
    snapshot = models.JSONField(_("content"))

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} r{self.number}"


class Signature(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    typed_name = models.CharField(_("typed name"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"))
    digest = models.CharField(_("digest"), max_length=64)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.TextField(_("void reason"), blank=True)
    # HMAC-SHA256 of the signed facts under the key named here (see agreements.integrity).
    mac_key_id = models.CharField(_("MAC key"), max_length=32, blank=True)
    mac = models.CharField(_("MAC"), max_length=64, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        triggers = [
            # What was signed never changes; a signature is only ever voided, once.
            pgtrigger.Protect(name="signature_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(
                name="signature_facts_read_only", exclude=["voided_at", "voided_by", "void_reason"]
            ),
            pgtrigger.Protect(
                name="signature_voided_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__voided_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "team"],
                condition=Q(voided_at__isnull=True),
                name="signature_one_valid_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.typed_name} for {self.team} on v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A stored signature always carries its seal; it is made from the facts it binds.
        if self._state.adding and not self.mac:
            integrity.signature_seal(self)
        super().save(*args, **kwargs)

    @property
    def is_valid(self) -> bool:
        return self.voided_at is None


class Comment(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(_("section"), max_length=32, blank=True)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]


class EventQuerySet(models.QuerySet["AgreementEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are never updated.")

    def delete(self) -> NoReturn:
        raise TypeError("Audit events are never deleted.")


class AgreementEvent(models.Model):
    """One act in the audit trail; written once, never changed."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SECTION_EDITED = "section_edited", _("Section edited")
        SUBMITTED = "submitted", _("Submitted for sign-off")
        WITHDRAWN = "withdrawn", _("Withdrawn to draft")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        COMMENTED = "commented", _("Commented")
        COMMENT_RESOLVED = "comment_resolved", _("Comment resolved")
        SIGNED = "signed", _("Signed")
        SIGNING_FAILED = "signing_failed", _("Signing attempt failed")
        SIGNATURE_VOIDED = "signature_voided", _("Signature voided")
        CANCELLED = "cancelled", _("Cancelled")
        AMENDED = "amended", _("Amended")
        SUPERSEDED = "superseded", _("Superseded")
        IMPORTED = "imported", _("Imported")
        ACTUALS_RECORDED = "actuals_recorded", _("Actuals recorded")
        LEADS_IMPORTED = "leads_imported", _("Leads imported")
        REVIEW_SCHEDULED = "review_scheduled", _("Due date or reminders changed")
        REMINDER_SENT = "reminder_sent", _("Reminder to sign sent")
        ACTUALS_DELETED = "actuals_deleted", _("Actuals deleted")
        IMPORT_UNDONE = "import_undone", _("Import undone")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set before saving (not auto_now_add) because the MAC covers it.
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # The hash of the series' event before this one ("" for the first), and this event's
    # HMAC-SHA256 under the key named here (see agreements.integrity).
    previous_hash = models.CharField(_("previous event hash"), max_length=64, blank=True)
    mac_key_id = models.CharField(_("MAC key"), max_length=32, blank=True)
    mac = models.CharField(_("MAC"), max_length=64, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.agreement_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are never deleted.")
