"""Importing leads from CRM exports: column mapping, reading, validation and batched writes."""

from performance.services.leads.results import LeadImportError, LeadImportResult
from performance.services.leads.service import (
    LeadMappingNeeded,
    lead_upload_header,
    lead_upload_samples,
    leads_import,
    leads_import_pending,
    leads_upload,
)

__all__ = [
    "LeadImportError",
    "LeadImportResult",
    "LeadMappingNeeded",
    "lead_upload_header",
    "lead_upload_samples",
    "leads_import",
    "leads_import_pending",
    "leads_upload",
]
