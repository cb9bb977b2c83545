"""Uploads waiting for their second step, kept in the database for an hour under a token."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.models import Agreement
from performance.models import PendingUpload
from performance.services.csv_files import text_stream

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PENDING_UPLOAD_LIFETIME = dt.timedelta(hours=1)

ERROR_UPLOAD_GONE = gettext_noop("The uploaded file is no longer available; upload it again.")
ERROR_UPLOAD_EXPIRED = gettext_noop(
    "The uploaded file was kept for an hour and has expired; upload it again."
)


def pending_upload_create(
    *,
    owner: User,
    agreement: Agreement,
    kind: PendingUpload.Kind,
    content: bytes,
    file_name: str,
) -> PendingUpload:
    """Keep an upload for its next step, in place of the owner's earlier one of its kind.

    Expired uploads of anyone are deleted here, so that none outlives its hour for long.
    """
    now = timezone.now()
    with transaction.atomic():
        PendingUpload.objects.filter(
            Q(expires_at__lte=now) | Q(owner=owner, agreement=agreement, kind=kind)
        ).delete()
        return PendingUpload.objects.create(
            owner=owner,
            agreement=agreement,
            kind=kind,
            content=content,
            file_name=file_name[:255],
            expires_at=now + PENDING_UPLOAD_LIFETIME,
        )


def pending_upload_get(
    *, token: str, owner: User, agreement: Agreement, kind: PendingUpload.Kind
) -> PendingUpload:
    """The owner's upload of this kind for this agreement; ValidationError if gone or expired.

    A token of another user or another agreement is refused as if it did not exist.
    """
    key = _token(token)
    upload = (
        None
        if key is None
        else PendingUpload.objects.filter(
            token=key, owner=owner, agreement=agreement, kind=kind
        ).first()
    )
    if upload is None:
        raise ValidationError(_(ERROR_UPLOAD_GONE), code="upload_gone")
    if upload.expires_at <= timezone.now():
        raise ValidationError(_(ERROR_UPLOAD_EXPIRED), code="upload_expired")
    # The filter matched these; the steps that follow need not read them again.
    upload.owner = owner
    upload.agreement = agreement
    return upload


def pending_upload_discard(
    *, token: str, owner: User, agreement: Agreement, kind: PendingUpload.Kind
) -> None:
    """Delete the owner's upload, if it is still there: the user chose not to go on."""
    key = _token(token)
    if key is not None:
        PendingUpload.objects.filter(
            token=key, owner=owner, agreement=agreement, kind=kind
        ).delete()


def pending_upload_text(upload: PendingUpload) -> io.TextIOWrapper:
    """The kept file as UTF-8 text for the csv module."""
    return text_stream(io.BytesIO(upload.content))


def _token(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None
