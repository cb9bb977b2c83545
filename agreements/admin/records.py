"""The admin of sign-off records and the audit trail: shown, never changed."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agreements.admin.base import ReadOnlyAdmin, pretty_json
from agreements.models import (
    AgreementEvent,
    Comment,
    Revision,
    Signature,
)

# Sign-off records and the audit trail


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "number", "section", "author", "created_at", "short_digest")
    list_filter = ("section", "created_at")
    search_fields = ("agreement__title", "digest", "author__username")
    date_hierarchy = "created_at"
    list_select_related = ("agreement", "author")
    fields = ("agreement", "number", "section", "author", "created_at", "digest", "content")
    readonly_fields = fields

    @admin.display(description=_("digest"))
    def short_digest(self, revision: Revision) -> str:
        return revision.digest[:12]

    @admin.display(description=_("content"))
    def content(self, revision: Revision) -> str:
        return pretty_json(revision.snapshot)


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = (
        "agreement",
        "team",
        "typed_name",
        "user",
        "signed_at",
        "version",
        "is_valid",
        "voided_at",
    )
    list_filter = ("team", "signed_at", ("voided_at", admin.EmptyFieldListFilter))
    search_fields = ("typed_name", "user__username", "agreement__title", "digest")
    date_hierarchy = "signed_at"
    list_select_related = ("agreement", "team", "user")

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, signature: Signature) -> bool:
        return signature.is_valid


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Comments are written on the agreement pages, where each one is an audit event."""

    list_display = ("excerpt", "agreement", "author", "section", "created_at", "resolved_at")
    list_filter = ("section", "created_at", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("body", "agreement__title", "author__username")
    date_hierarchy = "created_at"
    list_select_related = ("agreement", "author")

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        return str(comment)


@admin.register(AgreementEvent)
class AgreementEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "agreement", "kind", "actor", "ip_address")
    list_filter = ("kind", "created_at")
    search_fields = ("agreement__title", "actor__username", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("agreement", "actor")
    fields = ("created_at", "agreement", "kind", "actor", "ip_address", "event_details")
    readonly_fields = fields

    @admin.display(description=_("details"))
    def event_details(self, event: AgreementEvent) -> str:
        return pretty_json(event.details)
