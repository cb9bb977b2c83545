"""The Django admin of agreements: every model, with writes routed through the services."""

from agreements.admin import agreement, outbox, records, sections

__all__ = ["agreement", "outbox", "records", "sections"]
