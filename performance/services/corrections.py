"""Fixing mistakes: deleting a month of actuals, and recording and undoing imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.models import Agreement, AgreementEvent, AgreementSeries
from agreements.services.audit import event_record
from performance.models import ImportBatch, LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from performance.services.recording import ensure_may_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The figures of a month, as an actuals import writes them.
FIGURES = ("leads", "mqls", "sqls", "customers", "revenue")

ERROR_NO_MONTH = gettext_noop("There are no figures for {month} to delete.")
ERROR_NO_IMPORT = gettext_noop("That import does not exist for this agreement.")
ERROR_ALREADY_UNDONE = gettext_noop("This import was already undone.")
ERROR_CHANGED_SINCE = gettext_noop(
    "Cannot undo: {months} changed after this import. Correct those months by hand instead."
)


def _figures_text(actual: MonthlyActual) -> dict[str, str]:
    """A month's figures as JSON keeps them: whole numbers and the revenue as text."""
    return {name: str(getattr(actual, name)) for name in FIGURES}


def _lock_series(agreement: Agreement) -> None:
    # The same lock as the imports and the month form: one writer of a series' figures at once.
    AgreementSeries.objects.select_for_update().filter(pk=agreement.series_id).first()


def actuals_batch_record(
    *,
    agreement: Agreement,
    actor: User | None,
    months: Iterable[tuple[dt.date, dict[str, Any]]],
    file_name: str = "",
) -> ImportBatch:
    """Keep what an actuals import is about to write and what it replaces, before it writes.

    Called inside the import's transaction, with the series locked: each month's figures
    before the import (None for a month it creates) and after it.
    """
    wanted = dict(months)
    before = {
        actual.month: _figures_text(actual)
        for actual in MonthlyActual.objects.filter(
            series_id=agreement.series_id, month__in=list(wanted)
        )
    }
    changes = {
        f"{month:%Y-%m}": {
            "before": before.get(month),
            "after": {name: str(figures[name]) for name in FIGURES if name in figures},
        }
        for month, figures in sorted(wanted.items())
    }
    return ImportBatch.objects.create(
        series_id=agreement.series_id,
        kind=ImportBatch.Kind.ACTUALS,
        file_name=file_name[:255],
        created_by=actor,
        created=sum(1 for month in wanted if month not in before),
        updated=len(before),
        changes=changes,
    )


def leads_batch_open(
    *, agreement: Agreement, actor: User | None, file_name: str = ""
) -> ImportBatch:
    """The batch a leads import marks the leads it creates with; counts are set at its end."""
    return ImportBatch.objects.create(
        series_id=agreement.series_id,
        kind=ImportBatch.Kind.LEADS,
        file_name=file_name[:255],
        created_by=actor,
    )


def leads_batch_close(*, batch: ImportBatch, created: int, updated: int) -> None:
    batch.created = created
    batch.updated = updated
    batch.save(update_fields=["created", "updated"])


def monthly_actual_delete(
    *, agreement: Agreement, actor: User | None, month: dt.date, ip_address: str | None = None
) -> None:
    """Delete one month's figures, wherever it lies (older versions saved months outside the
    period); the audit event keeps the figures deleted."""
    ensure_may_record(actor, agreement)
    with transaction.atomic():
        _lock_series(agreement)
        actual = (
            MonthlyActual.objects.select_for_update()
            .filter(series_id=agreement.series_id, month=month)
            .first()
        )
        if actual is None:
            raise ValidationError(_(ERROR_NO_MONTH).format(month=f"{month:%Y-%m}"), code="gone")
        figures = _figures_text(actual)
        actual.delete()
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.ACTUALS_DELETED,
            details={"month": f"{month:%Y-%m}", "figures": figures},
            ip_address=ip_address,
        )


def import_batch_get(*, agreement: Agreement, batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(series_id=agreement.series_id, pk=batch_id).first()
    if batch is None:
        raise ValidationError(_(ERROR_NO_IMPORT), code="missing")
    return batch


def import_undo(
    *, agreement: Agreement, actor: User | None, batch_id: int, ip_address: str | None = None
) -> ImportBatch:
    """Undo an import, audited.

    Actuals: each month it created is deleted and each month it updated gets back the figures
    it replaced; refused, with nothing changed, if any of its months changed since.
    Leads: the leads it created are deleted and the lead tally recounted; leads it updated
    keep their new values (the page asking for confirmation says so).
    """
    ensure_may_record(actor, agreement)
    with transaction.atomic():
        _lock_series(agreement)
        batch = import_batch_get(agreement=agreement, batch_id=batch_id)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.undone_at is not None:
            raise ValidationError(_(ERROR_ALREADY_UNDONE), code="undone")
        if batch.kind == ImportBatch.Kind.ACTUALS:
            details = _actuals_undo(agreement, actor, batch)
        else:
            details = _leads_undo(agreement, batch)
        batch.undone_at = timezone.now()
        batch.undone_by = actor
        batch.save(update_fields=["undone_at", "undone_by"])
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.IMPORT_UNDONE,
            details={
                "import": batch.pk,
                "kind": batch.kind,
                "file": batch.file_name,
                "imported_at": batch.created_at.isoformat(),
                **details,
            },
            ip_address=ip_address,
        )
    return batch


def _actuals_undo(agreement: Agreement, actor: User | None, batch: ImportBatch) -> dict[str, Any]:
    months = {dt.date.fromisoformat(f"{label}-01"): label for label in batch.changes}
    current = {
        actual.month: actual
        for actual in MonthlyActual.objects.select_for_update().filter(
            series_id=agreement.series_id, month__in=list(months)
        )
    }
    changed = [
        label
        for month, label in sorted(months.items())
        if month not in current
        or not _same_figures(_figures_text(current[month]), batch.changes[label]["after"])
    ]
    if changed:
        raise ValidationError(
            _(ERROR_CHANGED_SINCE).format(months=get_text_list(changed, _("and"))),
            code="changed",
        )
    deleted, restored = [], []
    for month, label in sorted(months.items()):
        before = batch.changes[label]["before"]
        actual = current[month]
        if before is None:
            actual.delete()
            deleted.append(label)
            continue
        for name in FIGURES:
            value = before[name]
            setattr(actual, name, Decimal(value) if name == "revenue" else int(value))
        actual.updated_by = actor
        actual.save()
        restored.append(label)
    return {"deleted": deleted, "restored": restored}


def _same_figures(current: dict[str, str], written: dict[str, str]) -> bool:
    return all(Decimal(current[name]) == Decimal(written[name]) for name in written)


def _leads_undo(agreement: Agreement, batch: ImportBatch) -> dict[str, Any]:
    removed, _by_model = LeadRecord.objects.filter(
        series_id=agreement.series_id, import_batch=batch
    ).delete()
    lead_tally_refresh(series_id=agreement.series_id)
    return {"removed": removed, "kept_updated": batch.updated}
