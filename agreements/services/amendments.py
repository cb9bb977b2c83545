"""Amendments: the next version of a signed agreement, started as a draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.exchange import content_of
from agreements.lifecycle import Act
from agreements.models import Agreement, AgreementEvent
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import _create_from_document
from agreements.services.locking import agreement_lock_for_act

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_ALREADY_AMENDED = gettext_noop(
    "This version already has an amendment (version {version}); work on that one."
)


def agreement_amend(
    *, agreement: Agreement, actor: User, ip_address: str | None = None
) -> Agreement:
    """Start the next version of a signed agreement as a draft with the same content."""
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.AMEND)
        amendment = (
            Agreement.objects.filter(amends=locked)
            .exclude(status=Agreement.Status.CANCELLED)
            .only("version")
            .first()
        )
        if amendment is not None:
            raise ValidationError(
                _(ERROR_ALREADY_AMENDED).format(version=amendment.version), code="already_amended"
            )
        latest = Agreement.objects.filter(series_id=locked.series_id).aggregate(
            latest=Max("version")
        )["latest"]
        return _create_from_document(
            document=content_of(agreement_load_sections(locked.pk)),
            actor=actor,
            ip_address=ip_address,
            kind=AgreementEvent.Kind.AMENDED,
            event_details={"amends": locked.pk, "from_version": locked.version},
            series=locked.series,
            version=(latest or locked.version) + 1,
            amends=locked,
            stored_dates=True,
        )
