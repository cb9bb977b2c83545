"""Template tags of the performance pages: the open-alerts banner."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.db.models import Count

from agreements.models import Agreement
from performance.models import Alert

register = template.Library()

BANNER_LATEST = 5


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class OpenAlerts:
    total: int = 0
    kinds: list[KindCount] = field(default_factory=list)
    latest: list[Alert] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.latest)


def open_alerts_for(agreement: Agreement) -> OpenAlerts:
    """The series' unresolved alerts: a count per kind and the latest few, in two queries."""
    open_alerts = Alert.objects.filter(series_id=agreement.series_id, resolved_at__isnull=True)
    counts = dict(
        open_alerts.order_by().values_list("kind").annotate(count=Count("pk")).order_by("kind")
    )
    total = sum(counts.values())
    if not total:
        return OpenAlerts()
    labels = dict(Alert.Kind.choices)
    kinds = [
        KindCount(kind=kind, label=str(labels.get(kind, kind)), count=counts[kind])
        for kind in Alert.Kind.values
        if counts.get(kind)
    ]
    latest = list(
        open_alerts.only("kind", "message", "created_at").order_by("-created_at", "-pk")[
            :BANNER_LATEST
        ]
    )
    return OpenAlerts(total=total, kinds=kinds, latest=latest)


@register.simple_tag
def open_alerts(agreement: Agreement) -> OpenAlerts:
    return open_alerts_for(agreement)
