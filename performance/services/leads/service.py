"""Importing leads from a CRM export: read, validate and write in one transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, AgreementSeries
from agreements.services.audit import event_record
from performance.lead_status import BREACHED, MET, PENDING
from performance.models import LeadColumnMapping, LeadRecord, PendingUpload
from performance.services.corrections import leads_batch_close, leads_batch_open
from performance.services.csv_files import CsvFileError, CsvRows, text_stream
from performance.services.lead_tally import lead_tally_refresh
from performance.services.leads.columns import (
    lead_column_samples,
    lead_columns,
    lead_mapping_clean,
    lead_mapping_fitting,
    lead_mapping_remembered,
    lead_mapping_suggested,
)
from performance.services.leads.results import (
    ErrorLog,
    LeadFileRefused,
    LeadImportError,
    LeadImportResult,
)
from performance.services.leads.validator import LeadValidator
from performance.services.leads.writer import LeadWriter, datetime_adapter
from performance.services.pending_uploads import pending_upload_create, pending_upload_text
from performance.services.recording import ensure_may_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class LeadMappingNeeded:
    """An upload whose columns fit no known mapping, kept until the user maps them."""

    upload: PendingUpload
    header: list[str]
    suggested: dict[str, str]
    # Each file column with its values in the first rows, shown beside the mapping.
    samples: list[tuple[str, list[str]]] = field(default_factory=list)


def leads_import(
    *,
    agreement: Agreement,
    actor: User | None,
    file: Iterable[str],
    mapping: dict[str, str] | None = None,
    as_of: dt.datetime | None = None,
    ip_address: str | None = None,
    file_name: str = "",
) -> LeadImportResult:
    """Upsert the leads of a CSV stream by ``lead_id`` into the agreement's series.

    All or nothing: the rows are validated and written in batches inside one transaction,
    which is rolled back if any row has an error. The met, breached and pending counts are
    over the file's rows as of ``as_of`` (default now), by the rule of ``lead_status``.
    A given ``mapping`` (lead field -> file column) is remembered for the series. The
    import is kept as a batch that marks the leads it creates, so that it can be undone.
    """
    ensure_may_record(actor, agreement)
    as_of = as_of or timezone.now()
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=ZoneInfo(agreement.timezone))
    series_id = agreement.series_id
    result = LeadImportResult()
    try:
        with transaction.atomic():
            # One import per series at a time, so that the row counts before and after tell
            # how many leads this import created.
            AgreementSeries.objects.select_for_update().filter(pk=series_id).first()
            count_before = LeadRecord.objects.filter(series_id=series_id).count()
            batch = leads_batch_open(agreement=agreement, actor=actor, file_name=file_name)
            remembered = (
                None if mapping is not None else lead_mapping_remembered(series_id=series_id)
            )
            result = _import_rows(
                agreement=agreement,
                rows=CsvRows(file),
                mapping=mapping,
                remembered=remembered,
                as_of=as_of,
                batch_id=batch.pk,
            )
            if result.errors:
                raise _Rollback
            result.created = LeadRecord.objects.filter(series_id=series_id).count() - count_before
            result.updated = result.imported - result.created
            leads_batch_close(batch=batch, created=result.created, updated=result.updated)
            _record(
                agreement=agreement,
                actor=actor,
                mapping=mapping,
                result=result,
                as_of=as_of,
                ip_address=ip_address,
            )
    except _Rollback:
        pass  # Nothing was written; the result holds only the errors.
    return result


def _import_rows(
    *,
    agreement: Agreement,
    rows: CsvRows,
    mapping: dict[str, str] | None,
    remembered: dict[str, str] | None,
    as_of: dt.datetime,
    batch_id: int | None = None,
) -> LeadImportResult:
    """Validate each row and write the valid ones, until the first error stops the writing."""
    try:
        columns = lead_columns(rows.header(), mapping, remembered)
    except CsvFileError as error:
        return LeadImportResult(errors=[LeadImportError(error.line, "", error.message)])
    except LeadFileRefused as refused:
        return LeadImportResult(errors=refused.errors)
    log = ErrorLog()
    validator = LeadValidator(
        agreement=agreement, columns=columns, as_of=as_of, log=log, adapt=datetime_adapter()
    )
    with LeadWriter(batch_id) as writer:
        lead, add = validator.lead, writer.add
        imported = 0
        for line, cells in rows:
            row = lead(line, cells)
            if row is not None:
                add(row)
                imported += 1
        if rows.failure is not None:
            line, message = rows.failure
            log.report(line, "", message)
        if log.count:
            return LeadImportResult(errors=log.close())
        writer.flush()
    statuses = validator.statuses
    return LeadImportResult(
        imported=imported,
        met=statuses[MET],
        breached=statuses[BREACHED],
        pending=statuses[PENDING],
        invalid_rejections=validator.invalid_rejections,
    )


def _record(
    *,
    agreement: Agreement,
    actor: User | None,
    mapping: dict[str, str] | None,
    result: LeadImportResult,
    as_of: dt.datetime,
    ip_address: str | None,
) -> None:
    """Remember the mapping, refresh the series' tally and write the audit event."""
    series_id = agreement.series_id
    if mapping is not None:
        LeadColumnMapping.objects.update_or_create(
            series_id=series_id, defaults={"mapping": lead_mapping_clean(mapping)}
        )
    details = result.as_dict()
    del details["errors"]
    details["as_of"] = as_of.isoformat()
    lead_tally_refresh(series_id=series_id)
    event_record(
        agreement=agreement,
        actor=actor,
        kind=AgreementEvent.Kind.LEADS_IMPORTED,
        details=details,
        ip_address=ip_address,
    )


def leads_upload(
    *,
    agreement: Agreement,
    actor: User,
    file: IO[bytes],
    file_name: str,
    ip_address: str | None = None,
) -> LeadImportResult | LeadMappingNeeded:
    """Import an uploaded export at once if its columns fit, else keep it to be mapped.

    A header that cannot be read, or is too wide, refuses the file before anything is kept.
    """
    ensure_may_record(actor, agreement)
    stream = text_stream(file)
    try:
        reader = CsvRows(stream)
        try:
            header = reader.header()
        except CsvFileError as error:
            return LeadImportResult(errors=[LeadImportError(error.line, "", error.message)])
        remembered = lead_mapping_remembered(series_id=agreement.series_id)
        if lead_mapping_fitting(header, remembered) is not None:
            stream.seek(0)
            return leads_import(
                agreement=agreement,
                actor=actor,
                file=stream,
                ip_address=ip_address,
                file_name=file_name,
            )
        samples = lead_column_samples(header, reader)
    finally:
        stream.detach()
    file.seek(0)
    upload = pending_upload_create(
        owner=actor,
        agreement=agreement,
        kind=PendingUpload.Kind.LEADS,
        content=file.read(),
        file_name=file_name,
    )
    return LeadMappingNeeded(
        upload=upload,
        header=header,
        suggested=lead_mapping_suggested(header, remembered),
        samples=samples,
    )


def lead_upload_header(upload: PendingUpload) -> list[str]:
    """The column names of a kept upload, for its mapping form (none if it cannot be read)."""
    try:
        return CsvRows(pending_upload_text(upload)).header()
    except CsvFileError:
        return []


def lead_upload_samples(upload: PendingUpload) -> list[tuple[str, list[str]]]:
    """Each column of a kept upload with its first values, for its mapping form."""
    reader = CsvRows(pending_upload_text(upload))
    try:
        header = reader.header()
    except CsvFileError:
        return []
    return lead_column_samples(header, reader)


def leads_import_pending(
    *,
    upload: PendingUpload,
    actor: User,
    mapping: dict[str, str],
    ip_address: str | None = None,
) -> LeadImportResult:
    """Import a kept upload with the mapping chosen for it; once imported, it is deleted."""
    with transaction.atomic():
        result = leads_import(
            agreement=upload.agreement,
            actor=actor,
            file=pending_upload_text(upload),
            mapping=mapping,
            ip_address=ip_address,
            file_name=upload.file_name,
        )
        if result.ok:
            upload.delete()
    return result
