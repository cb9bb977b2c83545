"""The admin of the outbox: every email, its status and last error; failed ones sent again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements.admin.base import ReadOnlyAdmin
from agreements.models import EmailDelivery
from agreements.services.outbox import delivery_send_again
from agreements.tasks import email_delivery_send


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    """Written by the email tasks only; staff may choose to send a failed email again."""

    list_display = (
        "created_at",
        "kind",
        "agreement",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("recipient", "occurrence", "subject", "agreement__title")
    date_hierarchy = "created_at"
    list_select_related = ("agreement",)
    fields = (
        "occurrence",
        "kind",
        "agreement",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "subject",
        "body",
    )
    readonly_fields = fields
    actions = ["send_again"]

    @admin.action(
        description=_("Send again (failed or interrupted emails only)"), permissions=["view"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[EmailDelivery]) -> None:
        # An interrupted email may have gone out already: sending it again is staff's choice.
        again = delivery_send_again(delivery_ids=list(queryset.values_list("pk", flat=True)))
        for delivery_id in again:
            email_delivery_send.enqueue(delivery_id=delivery_id)
        count = len(again)
        self.message_user(
            request,
            ngettext(
                "%(count)d email queued to be sent again.",
                "%(count)d emails queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
