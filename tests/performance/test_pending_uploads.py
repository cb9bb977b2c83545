"""Uploads kept for their second step: one per user, kind and agreement, gone after an hour."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from performance.models import PendingUpload
from performance.services.pending_uploads import (
    ERROR_UPLOAD_EXPIRED,
    ERROR_UPLOAD_GONE,
    PENDING_UPLOAD_LIFETIME,
    pending_upload_create,
    pending_upload_get,
    pending_upload_text,
)

LEADS = PendingUpload.Kind.LEADS
ACTUALS = PendingUpload.Kind.ACTUALS


def keep(owner, agreement, kind=LEADS, content=b"a,b\n1,2\n"):
    return pending_upload_create(
        owner=owner, agreement=agreement, kind=kind, content=content, file_name="export.csv"
    )


def test_a_kept_upload_is_read_back_as_text_for_its_hour(agreement, marketing_member):
    """The owner gets the file back, as text without its byte-order mark, for an hour."""
    kept = keep(marketing_member, agreement, content="\ufeffid,name\n1,Zoë\n".encode())
    assert kept.expires_at - kept.created_at == pytest.approx(
        PENDING_UPLOAD_LIFETIME, abs=dt.timedelta(seconds=1)
    )
    found = pending_upload_get(
        token=str(kept.token), owner=marketing_member, agreement=agreement, kind=LEADS
    )
    assert pending_upload_text(found).read() == "id,name\n1,Zoë\n"


def test_making_an_upload_deletes_expired_and_replaced_ones(
    agreement, marketing_member, sales_member
):
    """Expired uploads of anyone go, and so does the owner's earlier one of the same kind."""
    expired = keep(sales_member, agreement)
    PendingUpload.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    others = keep(sales_member, agreement, ACTUALS)
    earlier = keep(marketing_member, agreement)
    other_kind = keep(marketing_member, agreement, ACTUALS)
    latest = keep(marketing_member, agreement)
    assert set(PendingUpload.objects.values_list("pk", flat=True)) == {
        others.pk,
        other_kind.pk,
        latest.pk,
    }
    assert earlier.pk != latest.pk


@pytest.mark.parametrize("token", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_tokens_are_refused(agreement, marketing_member, token):
    """A token that names nothing is refused with the message to upload again."""
    keep(marketing_member, agreement)
    with pytest.raises(ValidationError) as refused:
        pending_upload_get(token=token, owner=marketing_member, agreement=agreement, kind=LEADS)
    assert refused.value.messages == [ERROR_UPLOAD_GONE]


def test_a_token_is_bound_to_its_kind_and_owner(agreement, marketing_member, sales_member):
    """The leads step cannot take a previewed actuals file, nor another user's file."""
    kept = keep(marketing_member, agreement, ACTUALS)
    for owner, kind in ((marketing_member, LEADS), (sales_member, ACTUALS)):
        with pytest.raises(ValidationError) as refused:
            pending_upload_get(token=str(kept.token), owner=owner, agreement=agreement, kind=kind)
        assert refused.value.messages == [ERROR_UPLOAD_GONE]


def test_an_expired_upload_is_refused_as_expired(agreement, marketing_member):
    """Past its hour the file is refused with a message that says so."""
    kept = keep(marketing_member, agreement)
    PendingUpload.objects.update(expires_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        pending_upload_get(
            token=str(kept.token), owner=marketing_member, agreement=agreement, kind=LEADS
        )
    assert refused.value.messages == [ERROR_UPLOAD_EXPIRED]
