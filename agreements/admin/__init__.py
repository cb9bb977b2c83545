"""The Django admin of agreements: every model, with writes routed through the services."""

from agreements.admin import agreement, records, sections

__all__ = ["agreement", "records", "sections"]
